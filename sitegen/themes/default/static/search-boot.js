/* Starts site search on demand: nothing of it (lunr.js, the index, the result UI) is fetched until
 * the search box gets focus or the search page opens. "/" focuses the search box. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-search-scripts]");
  if (!form) { return; }
  var input = form.querySelector("input[name=q]");
  var started = false;

  function start() {
    if (started) { return; }
    started = true;
    form.getAttribute("data-search-scripts").split(/\s+/).forEach(function (src) {
      if (!src) { return; }
      var script = document.createElement("script");
      script.src = src;
      script.async = false;  // run in the listed order: lunr, the engine, the UI
      document.head.appendChild(script);
    });
  }

  input.addEventListener("focus", start);
  if (document.querySelector("[data-search-page]")) { start(); }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) { return; }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) { return; }
    event.preventDefault();
    var box = document.querySelector("[data-search-page] input[name=q]") || input;
    box.focus();
    box.select();
  });
}());
