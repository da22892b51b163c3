// Keyboard shortcuts on the episode page, and the help overlay that lists them (?).
//
// Review editor: j/k next/previous turn, e or Enter edit it, Esc stop editing (back to
// the turn), Ctrl/Cmd+S save the script. Each turn is one tab stop (it was one for each
// figure link and button): its buttons are a toolbar reached with ←/→ from the turn. Listen view: space play/pause, j/k next/previous
// line of the transcript, ←/→ back/forward 15 s, < and > slower/faster. Nothing fires
// while typing in a field except Ctrl/Cmd+S and Esc. The editor is driven by dispatching
// the clicks review.js already handles; the player through window.infracastPlayer
// (player.js). Plain DOM, no inline handlers (CSP).
"use strict";

(function () {
  var form = document.getElementById("editor");
  var list = document.getElementById("turns");
  var editing = !!(form && list);

  var SECTIONS = [
    {
      title: "Everywhere on this page",
      when: function () { return true; },
      keys: [["?", "Show or hide these shortcuts"], ["Esc", "Close this list"]],
    },
    {
      title: "Review editor",
      when: function () { return editing; },
      keys: [
        ["j", "Next turn"],
        ["k", "Previous turn"],
        ["e or Enter", "Edit the turn"],
        ["Esc", "Stop editing: back to the turn"],
        ["→ / ←", "On a turn: its buttons (edit, move, add, delete)"],
        ["Ctrl+S or ⌘+S", "Save the script as a new version"],
      ],
    },
    {
      title: "Listening",
      when: function () { return !!window.infracastPlayer; },
      keys: [
        ["Space", "Play or pause"],
        ["j", "Next line of the transcript"],
        ["k", "Previous line of the transcript"],
        ["← / →", "Back or forward 15 seconds"],
        ["< / >", "Slower or faster (0.75× to 2×)"],
        ["← → Home End", "On the waveform: 5 seconds back or on, to the start or the end"],
      ],
    },
  ];

  // --- the help overlay ---------------------------------------------------------------
  var dialog = null;
  var returnTo = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "shortcuts-dialog";
    dialog.id = "shortcuts";
    dialog.setAttribute("aria-labelledby", "shortcuts-title");
    var head = document.createElement("div");
    head.className = "shortcuts-head";
    var title = document.createElement("h2");
    title.id = "shortcuts-title";
    title.textContent = "Keyboard shortcuts";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "shortcuts-close";
    close.textContent = "Close";
    close.addEventListener("click", function () { dialog.close(); });
    head.append(title, close);
    dialog.appendChild(head);
    SECTIONS.filter(function (s) { return s.when(); }).forEach(function (section) {
      var h = document.createElement("h3");
      h.textContent = section.title;
      var table = document.createElement("table");
      section.keys.forEach(function (pair) {
        var row = table.insertRow();
        var key = row.insertCell();
        pair[0].split(" ").forEach(function (part, i) {
          if (i) key.append(" ");
          if (part === "or" || part === "/") key.append(part);
          else {
            var kbd = document.createElement("kbd");
            kbd.textContent = part;
            key.appendChild(kbd);
          }
        });
        row.insertCell().textContent = pair[1];
      });
      dialog.append(h, table);
    });
    var note = document.createElement("p");
    note.className = "hint";
    note.textContent = "Shortcuts wait while you type in a field, except Esc and Ctrl/⌘+S.";
    dialog.appendChild(note);
    dialog.addEventListener("close", function () {
      if (returnTo && document.contains(returnTo)) returnTo.focus();
      returnTo = null;
    });
    // Tab stays inside the overlay while it is open.
    dialog.addEventListener("keydown", function (event) {
      if (event.key !== "Tab") return;
      var stops = dialog.querySelectorAll("button, [href], [tabindex]:not([tabindex='-1'])");
      if (!stops.length) return;
      var first = stops[0], last = stops[stops.length - 1];
      if (event.shiftKey && document.activeElement === first) { last.focus(); event.preventDefault(); }
      else if (!event.shiftKey && document.activeElement === last) { first.focus(); event.preventDefault(); }
    });
    document.body.appendChild(dialog);
  }

  function toggleHelp() {
    if (!dialog) build();
    if (dialog.open) { dialog.close(); return; }
    returnTo = document.activeElement;
    dialog.showModal();
    dialog.querySelector(".shortcuts-close").focus();
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-shortcuts-help]")) toggleHelp();
  });

  // --- the editor: one tab stop per turn ---------------------------------------------
  function turns() {
    return Array.prototype.filter.call(list.children, function (li) {
      return li.classList.contains("turn");
    });
  }

  function tools(li) {
    return Array.prototype.filter.call(li.querySelectorAll(".turn-tools button"), function (b) {
      return !b.hidden && !b.disabled;
    });
  }

  function prepare(li) {
    if (li.dataset.keys) return;
    li.dataset.keys = "1";
    li.tabIndex = 0;
    var speaker = li.querySelector(".turn-view .speaker");
    li.setAttribute("aria-label", "Turn " + (li.dataset.id || "new") + (speaker ? ", " + speaker.textContent : ""));
    var bar = li.querySelector(".turn-tools");
    if (bar) {
      bar.setAttribute("role", "toolbar");
      bar.setAttribute("aria-label", "Turn tools");
    }
    // Its buttons and its numbers' links to their cards (the cards are in the column
    // beside) leave the tab order: Tab goes turn by turn.
    li.querySelectorAll(".turn-tools button, .turn-view a").forEach(function (el) { el.tabIndex = -1; });
  }

  function showTurn(li) {
    li.focus({ preventScroll: true });
    // "nearest" honours the page's scroll padding: the turn lands clear of the save bar.
    li.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  function moveTurn(direction) {
    var all = turns();
    if (!all.length) return;
    var here = document.activeElement && document.activeElement.closest("li.turn");
    var i = all.indexOf(here);
    var next = i < 0 ? all[direction > 0 ? 0 : all.length - 1] : all[i + direction];
    if (next) showTurn(next);
  }

  function edit(li) {
    var button = li.querySelector('.turn-tools [data-action="edit"]');
    if (button && !button.hidden) button.click();
    else {
      var text = li.querySelector(".turn-edit textarea");
      if (text) text.focus();
    }
  }

  function save() {
    var submit = form.querySelector('button[type="submit"]');
    var note = form.querySelector(".dirty-note");
    if (!submit || submit.disabled) return;
    if (!form.classList.contains("dirty")) {
      if (note) note.textContent = "No changes to save.";
      return;
    }
    if (form.requestSubmit) form.requestSubmit(submit);
    else submit.click();
  }

  if (editing) {
    turns().forEach(prepare);
    new MutationObserver(function () { turns().forEach(prepare); }).observe(list, { childList: true });
    // The turn's buttons, a toolbar: ←/→ from the turn or a button, Esc back to the turn.
    list.addEventListener("keydown", function (event) {
      var li = event.target.closest("li.turn");
      if (!li || event.ctrlKey || event.metaKey || event.altKey) return;
      var onTurn = event.target === li;
      var onTool = !!event.target.closest(".turn-tools button");
      if (!onTurn && !onTool) return;
      var buttons = tools(li);
      var at = buttons.indexOf(event.target);
      if (event.key === "ArrowRight" && buttons.length) {
        buttons[Math.min(buttons.length - 1, at + 1)].focus();
      } else if (event.key === "ArrowLeft" && onTool) {
        if (at <= 0) li.focus(); else buttons[at - 1].focus();
      } else if (event.key === "Escape" && onTool) {
        li.focus();
      } else {
        return;
      }
      event.preventDefault();
    });
  }

  // --- the keys -----------------------------------------------------------------------
  function typing(el) {
    if (!el) return false;
    if (el.isContentEditable) return true;
    var tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    return tag === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/i.test(el.type);
  }

  function interactive(el) {
    return !!(el && el.closest && el.closest("button, a[href], summary, select, [role=slider], .turn-tools"));
  }

  function transcriptStep(direction) {
    var player = window.infracastPlayer;
    if (player && player.line) player.line(direction);
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var command = event.ctrlKey || event.metaKey;
    if (dialog && dialog.open) {
      if (event.key === "?") { dialog.close(); event.preventDefault(); }
      return; // Esc and Tab: the dialog's own
    }
    if (editing && command && !event.altKey && (event.key === "s" || event.key === "S")) {
      event.preventDefault(); // never the browser's "save page as"
      save();
      return;
    }
    if (event.key === "Escape") {
      var li = target.closest && target.closest("li.turn");
      if (editing && li && typing(target)) {
        li.focus(); // the turn stays open (its changes are kept); j/k work again
        event.preventDefault();
      }
      return;
    }
    if (command || event.altKey || typing(target) || event.defaultPrevented) return;

    if (event.key === "?") {
      toggleHelp();
      event.preventDefault();
      return;
    }
    var player = window.infracastPlayer;
    if (editing) {
      if (event.key === "j" || event.key === "k") {
        moveTurn(event.key === "j" ? 1 : -1);
      } else if ((event.key === "e" || event.key === "Enter") && target.matches("li.turn")) {
        edit(target);
      } else {
        return;
      }
      event.preventDefault();
      return;
    }
    if (!player) return;
    if (event.key === " " && !(interactive(target) && !target.matches("[role=slider]"))) {
      player.toggle();
    } else if (event.key === "j" || event.key === "k") {
      transcriptStep(event.key === "j" ? 1 : -1);
    } else if ((event.key === "ArrowLeft" || event.key === "ArrowRight") && !interactive(target)) {
      player.skip(event.key === "ArrowLeft" ? -15 : 15);
    } else if (event.key === "<" || event.key === ">") {
      if (event.key === "<") player.slower(); else player.faster();
    } else {
      return;
    }
    event.preventDefault();
  });

  // A way to the list for those who do not know "?": beside the editor's hint.
  if (editing) {
    var head = document.querySelector(".editor-card .section-head");
    if (head && !head.querySelector("[data-shortcuts-help]")) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "shortcuts-help";
      button.setAttribute("data-shortcuts-help", "");
      button.title = "Keyboard shortcuts (?)";
      button.textContent = "Shortcuts (?)";
      head.appendChild(button);
    }
  }
})();
