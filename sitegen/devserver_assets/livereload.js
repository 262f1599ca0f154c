/* sitegen serve: reloads the page after a rebuild, swaps stylesheets in place after a CSS-only
   change, and shows build errors as an overlay. Injected by `sitegen serve` only; never built. */
(function () {
  "use strict";
  var build = null;
  var OVERLAY_ID = "sitegen-error-overlay";

  function showErrors(problems) {
    var overlay = document.getElementById(OVERLAY_ID);
    if (!problems || !problems.length) {
      if (overlay) { overlay.remove(); }
      return;
    }
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = OVERLAY_ID;
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;padding:2rem;" +
        "background:rgba(20,0,0,.92);color:#fff;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap";
      document.body.appendChild(overlay);
    }
    overlay.textContent = "sitegen: the last build failed; fix it and save to continue.\n\n" + problems.join("\n");
  }

  function swapStylesheets() {
    fetch(location.href, {cache: "no-store"}).then(function (response) { return response.text(); }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").querySelectorAll("link[rel=stylesheet]");
      var current = document.querySelectorAll("link[rel=stylesheet]");
      if (fresh.length !== current.length) { location.reload(); return; }
      for (var i = 0; i < current.length; i++) {
        if (current[i].getAttribute("href") !== fresh[i].getAttribute("href")) {
          current[i].setAttribute("href", fresh[i].getAttribute("href"));
        }
      }
    }).catch(function () { location.reload(); });
  }

  function connect() {
    var source = new EventSource("/__sitegen/events");
    source.addEventListener("hello", function (event) {
      var state = JSON.parse(event.data);
      if (build !== null && state.build !== build) { location.reload(); return; }  /* rebuilt while away */
      build = state.build;
      showErrors(state.problems);
    });
    source.addEventListener("reload", function (event) {
      var change = JSON.parse(event.data);
      build = change.build;
      showErrors(null);
      if (change.paths && change.paths.indexOf(location.pathname.replace(/index\.html$/, "")) < 0) { return; }  /* not this page */
      if (change.css_only) { swapStylesheets(); } else { location.reload(); }
    });
    source.addEventListener("failed", function (event) {
      showErrors(JSON.parse(event.data).problems);
    });
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) { setTimeout(connect, 1000); }
      /* otherwise EventSource reconnects by itself, e.g. after the server restarts */
    };
  }
  connect();
})();
