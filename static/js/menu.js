// The main menu (base.html) folds behind its "Menu" toggle on narrow screens and is always
// open on wide ones, where the toggle is hidden (max.css uses the same width). The
// <details> is open in the HTML, so without this module a phone shows the links wrapped.
const NARROW = window.matchMedia("(max-width: 60em)");

for (const menu of document.querySelectorAll("[data-topbar-menu]")) {
  const fit = () => {
    menu.open = !NARROW.matches;
  };
  fit();
  NARROW.addEventListener("change", fit);
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && NARROW.matches && menu.open) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
}
