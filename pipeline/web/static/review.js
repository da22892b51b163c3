// The review editor: edit turns in place, add, delete and reorder them, and post the
// whole script as JSON. Also: clicking a highlighted number shows its figure card,
// and the diff page can hide unchanged turns. Plain DOM, no inline handlers (CSP).
"use strict";

(function () {
  function revealAll(selector, root) {
    (root || document).querySelectorAll(selector).forEach(function (el) {
      el.hidden = false;
    });
  }

  // --- figure highlights → cards ------------------------------------------------------
  function showCard(figureId) {
    var card = document.getElementById("figure-" + figureId);
    if (!card) return false;
    document.querySelectorAll(".figure-card.active").forEach(function (el) {
      el.classList.remove("active");
    });
    card.classList.add("active");
    card.scrollIntoView({ behavior: "smooth", block: "center" });
    window.clearTimeout(showCard.timer);
    showCard.timer = window.setTimeout(function () {
      card.classList.remove("active");
    }, 2500);
    return true;
  }

  document.addEventListener("click", function (event) {
    var mark = event.target.closest("mark.figure[data-figure]");
    if (mark && showCard(mark.dataset.figure)) event.preventDefault();
  });

  // --- the diff page ------------------------------------------------------------------
  var showSame = document.getElementById("show-same");
  var diffList = document.getElementById("diff");
  if (showSame && diffList) {
    revealAll(".js-only");
    showSame.addEventListener("change", function () {
      diffList.classList.toggle("hide-same", !showSame.checked);
    });
  }

  // --- the editor ---------------------------------------------------------------------
  var form = document.getElementById("editor");
  if (!form) return;
  var list = document.getElementById("turns");
  var template = document.getElementById("new-turn");
  var note = form.querySelector(".dirty-note");
  var hosts = Array.prototype.map.call(
    template.content.querySelectorAll(".turn-speaker option"),
    function (o) { return o.value; }
  );
  var dirty = false;

  revealAll(".js-only");
  revealAll(".turn-tools", list);

  function markDirty() {
    if (dirty) return;
    dirty = true;
    form.classList.add("dirty");
    if (note) note.textContent = "Unsaved changes";
  }

  function turns() {
    return Array.prototype.slice.call(list.children).filter(function (li) {
      return li.classList.contains("turn");
    });
  }

  function fitRows(textarea) {
    textarea.rows = Math.max(2, Math.min(12, Math.ceil(textarea.value.length / 70) + 1));
  }

  function open(li, focus) {
    if (li.classList.contains("editing")) return;
    li.classList.add("editing");
    li.querySelector(".turn-view").hidden = true;
    var edit = li.querySelector(".turn-edit");
    edit.hidden = false;
    var textarea = edit.querySelector("textarea");
    fitRows(textarea);
    var button = li.querySelector('[data-action="edit"]');
    if (button) button.hidden = true;
    if (focus) textarea.focus();
  }

  function setSpeakerClass(li, speaker) {
    var index = hosts.indexOf(speaker);
    li.classList.remove("speaker-0", "speaker-1", "speaker-2");
    li.classList.add("speaker-" + (index < 0 ? 2 : index));
    var label = li.querySelector(".turn-view .speaker");
    if (label) label.textContent = speaker;
  }

  function refreshButtons() {
    var all = turns();
    all.forEach(function (li, i) {
      li.querySelector('[data-action="up"]').disabled = i === 0;
      li.querySelector('[data-action="down"]').disabled = i === all.length - 1;
      li.querySelector('[data-action="delete"]').disabled = all.length === 1;
    });
  }

  function newTurn(after) {
    var li = template.content.firstElementChild.cloneNode(true);
    var speaker = li.querySelector(".turn-speaker");
    if (after) {
      // The dialogue alternates: the new turn goes to the other host.
      var previous = after.querySelector(".turn-speaker").value;
      var other = hosts.filter(function (h) { return h !== previous; })[0];
      if (other) speaker.value = other;
    }
    setSpeakerClass(li, speaker.value);
    revealAll(".turn-tools", li);
    if (after) after.after(li);
    else list.prepend(li);
    open(li, true);
    markDirty();
    refreshButtons();
  }

  list.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    var li = event.target.closest("li.turn");
    if (!li) return;
    if (!button) {
      // Clicking the text (not a figure highlight) edits the turn.
      if (event.target.closest(".turn-view") && !event.target.closest("mark.figure")) open(li, true);
      return;
    }
    var action = button.dataset.action;
    if (action === "edit") {
      open(li, true);
    } else if (action === "up" && li.previousElementSibling) {
      li.previousElementSibling.before(li);
      button.focus();
      markDirty();
    } else if (action === "down" && li.nextElementSibling) {
      li.nextElementSibling.after(li);
      button.focus();
      markDirty();
    } else if (action === "add") {
      newTurn(li);
      return;
    } else if (action === "delete") {
      var next = li.nextElementSibling || li.previousElementSibling;
      li.remove();
      if (next) next.querySelector('[data-action="delete"]').focus();
      markDirty();
    }
    refreshButtons();
  });

  form.addEventListener("click", function (event) {
    if (event.target.closest('[data-action="add-first"]')) newTurn(null);
  });

  list.addEventListener("input", function (event) {
    if (event.target.matches("textarea")) fitRows(event.target);
    markDirty();
  });
  list.addEventListener("change", function (event) {
    if (event.target.matches(".turn-speaker")) {
      setSpeakerClass(event.target.closest("li.turn"), event.target.value);
    }
    markDirty();
  });
  var comment = form.querySelector('[name="comment"]');
  if (comment) comment.addEventListener("input", markDirty);

  form.addEventListener("submit", function (event) {
    var payload = turns().map(function (li) {
      return {
        id: li.dataset.id || null,
        speaker: li.querySelector(".turn-speaker").value,
        text: li.querySelector(".turn-text").value,
      };
    });
    var empty = payload.findIndex(function (t) { return !t.text.trim(); });
    if (empty >= 0) {
      event.preventDefault();
      var li = turns()[empty];
      open(li, true);
      li.scrollIntoView({ block: "center" });
      if (note) note.textContent = "Turn " + (empty + 1) + " is empty: write something or delete it.";
      return;
    }
    form.elements.turns_json.value = JSON.stringify(payload);
    dirty = false;
    form.querySelector('button[type="submit"]').disabled = true;
  });

  window.addEventListener("beforeunload", function (event) {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });

  // Coming back to the page (bfcache) finds the button as the submit left it.
  window.addEventListener("pageshow", function () {
    form.querySelector('button[type="submit"]').disabled = form.dataset.canSave === "0";
  });

  // An unsaved edit shown back after a conflict opens in full, ready to copy or fix.
  if (form.dataset.draft === "1") {
    turns().forEach(function (li) { open(li, false); });
    markDirty();
  }
  refreshButtons();
})();
