/* Light / dark / system theme choice, remembered in localStorage.
   Loaded without defer in <head>, so the saved choice applies before the first paint (no flash). */
(function () {
  "use strict";
  var KEY = "sitegen-theme";
  var root = document.documentElement;
  var order = ["system", "light", "dark"];

  function saved() {
    try { return localStorage.getItem(KEY) || "system"; } catch (e) { return "system"; }
  }
  function apply(choice) {
    if (choice === "light" || choice === "dark") { root.setAttribute("data-theme", choice); }
    else { root.removeAttribute("data-theme"); }
  }
  apply(saved());

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-theme-toggle]");
    if (!button) { return; }
    function show(choice) {
      button.textContent = "Theme: " + choice;
      button.setAttribute("aria-label", "Colour theme: " + choice + " (click to change)");
    }
    button.hidden = false;
    show(saved());
    button.addEventListener("click", function () {
      var next = order[(order.indexOf(saved()) + 1) % order.length];
      try { localStorage.setItem(KEY, next); } catch (e) { /* private mode: choice lasts this page */ }
      apply(next);
      show(next);
    });
  });
})();
