// Live progress on the dashboard: poll the API while the tab is visible, update each
// row's bar and stage, and reload the page when an episode moves to another group or a
// new one appears (the server renders the groups; redrawing them here would duplicate it).
(function () {
  "use strict";

  var INTERVAL_MS = 2000;
  var MAX_BACKOFF_MS = 30000;
  var root = document.getElementById("episodes");
  if (!root) {
    return;
  }
  var url = root.getAttribute("data-poll") || "/api/episodes";
  var timer = null;
  var inFlight = false;
  var stopped = false;
  var failures = 0;

  showQueuedFlash();

  function rowsById() {
    var rows = {};
    var found = root.querySelectorAll("tr[data-episode]");
    for (var i = 0; i < found.length; i++) {
      rows[found[i].getAttribute("data-episode")] = found[i];
    }
    return rows;
  }

  function groupOf(row) {
    var group = row.closest("[data-state]");
    return group ? group.getAttribute("data-state") : null;
  }

  function setText(node, text) {
    if (node && node.textContent !== text) {
      node.textContent = text;
    }
  }

  // Returns true when the page must be reloaded to show the change.
  function apply(episodes) {
    var rows = rowsById();
    for (var i = 0; i < episodes.length; i++) {
      var e = episodes[i];
      var row = rows[String(e.id)];
      if (!row || groupOf(row) !== e.state) {
        return true;
      }
      var bar = row.querySelector("progress");
      if (bar && String(bar.value) !== String(e.progress)) {
        bar.value = e.progress;
      }
      setText(row.querySelector(".stage"), e.next_stage || "");
      setText(row.querySelector("td a"), e.title || e.source);
      row.setAttribute("data-state", e.state);
    }
    return false;
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
        inFlight = false;
        if (body === null || stopped) {
          return;
        }
        failures = 0;
        if (apply(body.episodes || [])) {
          stopped = true;
          window.location.reload();
          return;
        }
        schedule(INTERVAL_MS);
      })
      .catch(function () {
        inFlight = false;
        failures += 1;
        // The server may be restarting: try again, less often each time.
        schedule(Math.min(INTERVAL_MS * Math.pow(2, failures), MAX_BACKOFF_MS));
      });
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
    // A reload (below) should not repeat the message.
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
