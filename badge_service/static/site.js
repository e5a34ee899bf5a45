// Progressive enhancement only; every page works without it. Inline handlers are not used
// because the Content-Security-Policy forbids inline script.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
