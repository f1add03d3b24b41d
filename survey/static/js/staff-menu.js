// The staff menu on narrow screens: a disclosure button (aria-expanded, aria-controls) folds the
// menu's groups, closed when the page opens on a phone, always open on a wide screen. Without
// this script the button stays hidden and the whole menu is shown (templates/staff/_nav.html).
(function () {
  "use strict";
  var button = document.querySelector("nav.staff-menu .menu-toggle");
  if (!button) return;
  var groups = document.getElementById(button.getAttribute("aria-controls"));
  var narrow = window.matchMedia("(max-width: 48rem)");

  function show(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    groups.hidden = !open;
  }

  function fit() {
    button.hidden = !narrow.matches;
    show(!narrow.matches);
  }

  button.addEventListener("click", function () {
    show(button.getAttribute("aria-expanded") !== "true");
  });
  // Escape inside the open menu closes it and returns to the button (phones only).
  groups.parentNode.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && narrow.matches && !groups.hidden) {
      show(false);
      button.focus();
    }
  });
  if (narrow.addEventListener) narrow.addEventListener("change", fit);
  else narrow.addListener(fit);
  fit();
})();
