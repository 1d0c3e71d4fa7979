// Termbase cells save in place (htmx). A refused request (e.g. text holding a NUL
// character, which the site refuses before the view sees it) answers 400 with a full
// page; htmx would swap nothing, so its message is shown in the cell instead.
document.body.addEventListener("htmx:beforeSwap", (event) => {
  const form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest(".termbase-cell");
  if (!form || event.detail.xhr.status < 400) return;
  event.detail.shouldSwap = false;
  const page = new DOMParser().parseFromString(event.detail.xhr.responseText || "", "text/html");
  const alert = page.querySelector('[role="alert"]');
  const message = (alert && alert.textContent.trim()) || "The rendering could not be saved: try again.";
  let box = form.querySelector(".termbase-cell__error");
  if (!box) {
    box = document.createElement("span");
    box.className = "termbase-cell__error";
    box.setAttribute("role", "alert");
    form.append(box);
  }
  box.textContent = message;
  form.classList.add("termbase-cell--error");
});
