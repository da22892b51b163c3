// The dashboard, live: while the tab is visible, poll the API for this very page (the
// same search, filters, sort and page) and update each row in place: what is happening
// ("render 12/40 lines · about 1 min left"), its progress bar, the dates and who acted
// last. A row whose state changed is swapped for the server's rendering of it (its note
// and buttons depend on the state); when episodes join or leave the page, a notice
// offers to show it again rather than moving rows under the editor's pointer.
// Also: "select all on this page" and the count of ticked rows for the bulk actions.
(function () {
  "use strict";

  var INTERVAL_MS = 2000;
  var MAX_BACKOFF_MS = 30000;
  var root = document.getElementById("episodes");
  if (!root) {
    return;
  }
  var url = root.getAttribute("data-poll") || "/api/episodes";
  var changedNotice = document.getElementById("dash-changed");
  var timer = null;
  var inFlight = false;
  var stopped = false;
  var failures = 0;

  showQueuedFlash();
  setUpSelection();

  function rowsById() {
    var rows = {};
    var found = root.querySelectorAll("tr[data-episode]");
    for (var i = 0; i < found.length; i++) {
      rows[found[i].getAttribute("data-episode")] = found[i];
    }
    return rows;
  }

  function setText(node, text) {
    if (node && node.textContent !== text) {
      node.textContent = text;
    }
  }

  // The same words as pipeline/web/dashboard.py's work_text (the API says the time left).
  function workText(work) {
    if (work.done === null || work.done === undefined || !work.total) {
      return work.stage + " running";
    }
    var text = work.stage + " " + work.done + "/" + work.total + " lines";
    return work.time_left ? text + " \u00b7 " + work.time_left : text;
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  // "2026-12-02 07:53", in UTC, as the server writes it.
  function when(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) {
      return iso;
    }
    return (
      d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) +
      " " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes())
    );
  }

  function setTime(cell, iso) {
    var time = cell && cell.querySelector("time");
    if (time && time.getAttribute("datetime") !== iso) {
      time.setAttribute("datetime", iso);
      setText(time, when(iso));
    }
  }

  function updateWork(row, work) {
    var cell = row.querySelector("td.happening");
    if (!cell) {
      return;
    }
    setText(cell.querySelector(".what"), workText(work));
    var bar = cell.querySelector("progress");
    if (work.total) {
      if (!bar) {
        bar = document.createElement("progress");
        cell.appendChild(bar);
      }
      bar.max = work.total;
      bar.value = work.done || 0;
    } else if (bar) {
      bar.parentNode.removeChild(bar);
    }
  }

  // Returns the rows whose state (or running stage) changed: the server renders those.
  function apply(episodes) {
    var rows = rowsById();
    var stale = [];
    var order = [];
    for (var i = 0; i < episodes.length; i++) {
      var e = episodes[i];
      var row = rows[String(e.id)];
      order.push(String(e.id));
      if (!row) {
        continue;
      }
      var wasWorking = !!row.querySelector("td.happening.tone-work");
      if (row.getAttribute("data-state") !== e.state || (wasWorking && !e.work)) {
        stale.push(row);
        continue;
      }
      if (e.work) {
        updateWork(row, e.work);
      }
      setTime(row.querySelector("td.updated"), e.updated_at);
      setText(row.querySelector("td.actor"), e.last_actor || "pipeline");
      setText(row.querySelector("td.title a"), e.title || e.source);
    }
    // (object keys that look like numbers come sorted, so the page's order is read again)
    var shown = [];
    var found = root.querySelectorAll("tr[data-episode]");
    for (var j = 0; j < found.length; j++) {
      shown.push(found[j].getAttribute("data-episode"));
    }
    if (changedNotice && order.join(",") !== shown.join(",")) {
      changedNotice.hidden = false;
    }
    return stale;
  }

  // Swap the rows for the server's rendering of this page, keeping their ticks.
  function refreshRows(stale) {
    return fetch(window.location.pathname + window.location.search, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "text/html" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        for (var i = 0; i < stale.length; i++) {
          var old = stale[i];
          var found = fresh.getElementById(old.id);
          if (!found) {
            old.classList.add("stale");
            if (changedNotice) {
              changedNotice.hidden = false;
            }
            continue;
          }
          var row = document.importNode(found, true);
          var oldBox = old.querySelector("input[name=ids]");
          var newBox = row.querySelector("input[name=ids]");
          if (oldBox && newBox) {
            newBox.checked = oldBox.checked;
          }
          old.parentNode.replaceChild(row, old);
        }
        countSelected();
      });
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = null;
    if (!stopped && document.visibilityState === "visible") {
      timer = setTimeout(poll, delay);
    }
  }

  function poll() {
    if (inFlight || stopped) {
      return;
    }
    inFlight = true;
    fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (response.status === 401) {
          // Signed out elsewhere: the reload lands on the sign-in page.
          stopped = true;
          window.location.reload();
          return null;
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (body) {
        if (body === null || stopped) {
          return null;
        }
        var stale = apply(body.episodes || []);
        return stale.length ? refreshRows(stale) : null;
      })
      .then(function () {
        inFlight = false;
        failures = 0;
        schedule(INTERVAL_MS);
      })
      .catch(function () {
        inFlight = false;
        failures += 1;
        // The server may be restarting: try again, less often each time.
        schedule(Math.min(INTERVAL_MS * Math.pow(2, failures), MAX_BACKOFF_MS));
      });
  }

  // -- selection for the bulk actions ----------------------------------------------

  function boxes() {
    return root.querySelectorAll("input[name=ids]");
  }

  function countSelected() {
    var all = boxes();
    var ticked = 0;
    for (var i = 0; i < all.length; i++) {
      if (all[i].checked) {
        ticked += 1;
      }
    }
    var head = document.getElementById("select-all");
    if (head) {
      head.checked = all.length > 0 && ticked === all.length;
      head.indeterminate = ticked > 0 && ticked < all.length;
    }
    var status = document.getElementById("bulk-status");
    if (status) {
      setText(
        status,
        ticked
          ? ticked + " selected: choose what to do with them; you confirm before anything happens."
          : "Tick episodes to act on several at once; you confirm before anything happens."
      );
    }
    var buttons = document.querySelectorAll("#bulk button[name=action]");
    for (var j = 0; j < buttons.length; j++) {
      buttons[j].disabled = ticked === 0;
    }
  }

  function setUpSelection() {
    var head = document.getElementById("select-all");
    if (head) {
      head.hidden = false;
      head.addEventListener("change", function () {
        var all = boxes();
        for (var i = 0; i < all.length; i++) {
          all[i].checked = head.checked;
        }
        countSelected();
      });
    }
    root.addEventListener("change", function (event) {
      if (event.target && event.target.name === "ids") {
        countSelected();
      }
    });
    countSelected();
  }

  // After queueing several episodes the queue page sends the browser to /?queued=N&new=M.
  function showQueuedFlash() {
    var params = new URLSearchParams(window.location.search);
    var queued = parseInt(params.get("queued"), 10);
    if (!(queued > 0)) {
      return;
    }
    var created = parseInt(params.get("new"), 10);
    var text = "Queued " + queued + " episodes";
    if (created >= 0 && created !== queued) {
      text += " (" + created + " new, " + (queued - created) + " already there)";
    }
    var flash = document.createElement("p");
    flash.className = "flash ok dashboard-flash";
    flash.setAttribute("role", "status");
    flash.textContent = text + ".";
    root.parentNode.insertBefore(flash, root);
    // A reload should not repeat the message.
    window.history.replaceState(null, "", window.location.pathname);
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      schedule(0);
    } else {
      clearTimeout(timer);
      timer = null;
    }
  });

  schedule(INTERVAL_MS);
})();
