// Progressive enhancement only; every page works without it. Inline handlers are not used
// because the Content-Security-Policy forbids inline script.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// "Select all" boxes: <input type="checkbox" data-check-all="NAME"> ticks every box named NAME.
document.addEventListener("change", (event) => {
  const box = event.target.closest("input[data-check-all]");
  if (!box) return;
  for (const other of box.form.querySelectorAll(`input[type=checkbox][name="${box.dataset.checkAll}"]`)) {
    other.checked = box.checked;
  }
});
