// "Copy link" buttons: <button class="copy-button" data-copy="#input-id" data-copied="Copied">.
// The buttons are hidden until this script shows them, so pages without script stay tidy; the
// link itself is always in a read-only field that people can select and copy by hand.
document.querySelectorAll("button.copy-button[data-copy]").forEach((button) => {
  button.hidden = false;
  const original = button.textContent;
  button.addEventListener("click", async () => {
    const field = document.querySelector(button.dataset.copy);
    if (!field) {
      return;
    }
    try {
      await navigator.clipboard.writeText(field.value);
    } catch (error) {
      field.select();
      document.execCommand("copy");
    }
    button.textContent = button.dataset.copied || original;
    window.setTimeout(() => { button.textContent = original; }, 2000);
  });
});
