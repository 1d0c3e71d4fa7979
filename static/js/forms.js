// A form posts once: while its POST is on its way, its submit buttons are disabled, so a
// second click (or six, on a slow Finalize) sends nothing more (DESIGN.md "Trust comes first";
// the server is idempotent too). Site-wide, from templates/base.html.
//
// Forms whose submit is handled in the page (fetch, htmx, the editor's own guard) cancel the
// event and are left alone; so are GET forms (search) and forms posting to another window.
// A form can opt out with data-submit-stays-enabled.

const BUTTONS = "button[type=submit], button:not([type]), input[type=submit]";

function posts(form) {
  return (
    form.method === "post" &&
    !("submitStaysEnabled" in form.dataset) &&
    (!form.target || form.target === "_self")
  );
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !posts(form)) return;
  if (form.dataset.submitting) {
    event.preventDefault(); // the first post is on its way
    return;
  }
  // After every listener has run: a handler that takes over the submit cancels it, and a
  // button disabled during the event would drop its name and value from the post.
  setTimeout(() => {
    if (event.defaultPrevented) return;
    form.dataset.submitting = "1";
    form.setAttribute("aria-busy", "true");
    for (const button of form.querySelectorAll(BUTTONS)) {
      if (!button.disabled) {
        button.disabled = true;
        button.dataset.submitDisabled = "1";
      }
    }
  }, 0);
});

// Back to this page from the browser's cache (Back after posting): its forms work again.
addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  for (const form of document.querySelectorAll("form[data-submitting]")) {
    delete form.dataset.submitting;
    form.removeAttribute("aria-busy");
    for (const button of form.querySelectorAll("[data-submit-disabled]")) {
      button.disabled = false;
      delete button.dataset.submitDisabled;
    }
  }
});
