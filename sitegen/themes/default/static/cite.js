/* Copy buttons for citations (paper.html): `<button data-copy-target="ID" data-copy-status="ID" hidden>`.
   The button stays hidden without JavaScript; with it, a click (or Enter / Space: it is a real
   button) copies the target's text and says so in the status element, a polite live region. */
(function () {
  "use strict";

  function copyWithSelection(element) {
    var selection = window.getSelection();
    var range = document.createRange();
    range.selectNodeContents(element);
    selection.removeAllRanges();
    selection.addRange(range);
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    if (copied) selection.removeAllRanges();
    return copied;
  }

  function copy(element) {
    var text = element.textContent;
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {
        if (!copyWithSelection(element)) throw new Error("copy failed");
      });
    }
    return copyWithSelection(element) ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function announce(status, message) {
    if (!status) return;
    // Emptying first makes a screen reader announce the same message again on a second copy.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function setUp() {
    var buttons = document.querySelectorAll("button[data-copy-target]");
    Array.prototype.forEach.call(buttons, function (button) {
      var target = document.getElementById(button.getAttribute("data-copy-target"));
      var status = document.getElementById(button.getAttribute("data-copy-status"));
      if (!target) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        copy(target).then(
          function () { announce(status, "BibTeX copied to the clipboard."); },
          function () {
            copyWithSelection(target);
            announce(status, "Could not copy: the entry is selected, press Ctrl+C (⌘C) to copy it.");
          }
        );
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
