// The feeds page: "Copy feed URL" buttons. The Clipboard API works only in a secure
// context (https, or localhost); elsewhere, or when the browser refuses, the URL is
// selected in its field so the editor can copy it with the keyboard. A polite live
// region says which happened. The buttons stay hidden without JavaScript: the URL
// can still be selected in its read-only field.
(function () {
  "use strict";

  function say(status, message) {
    // Emptied first, so saying "Copied" twice in a row is announced twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function selectForHand(input, status) {
    input.focus();
    input.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (e) {
      copied = false;
    }
    say(status, copied ? "Copied" : "Selected: press Ctrl+C (⌘C on a Mac) to copy");
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.dataset.copy);
    var status = document.getElementById(button.dataset.status);
    if (!input || !status) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(
          function () { say(status, "Copied"); },
          function () { selectForHand(input, status); }
        );
      } else {
        selectForHand(input, status);
      }
    });
  });
})();
