// The episode page follows its episode: while the tab is visible it asks the API how the
// episode stands, shows the running stage with lines done and time left, and reloads the
// page when the episode has moved on (a script written, audio rendered, QA done), so the
// new script, audio and QA appear without the editor reloading. It never reloads over an
// unsaved edit, an open form or playing audio: then it says the page is out of date.
(function () {
  "use strict";

  var box = document.getElementById("live");
  if (!box || !window.fetch) {
    return;
  }
  var WORKING_MS = 2000; // while a stage runs or is about to
  var IDLE_MS = 10000; // waiting for an editor: another editor may still act
  var MAX_BACKOFF_MS = 60000;
  var DOING = {
    ingest: "Reading the article",
    script: "Writing the script",
    render: "Rendering the audio",
    transcribe: "Listening back (QA)",
    annotate: "Annotating the figures",
    publish: "Publishing"
  };
  var WAITING = ["in_review", "annotated", "published", "failed"];

  var url = box.getAttribute("data-url");
  var shown = {
    state: box.getAttribute("data-state"),
    updated: Date.parse(box.getAttribute("data-updated")),
    version: box.getAttribute("data-version")
  };
  var stage = box.querySelector(".live-stage");
  var bar = box.querySelector(".live-bar");
  var detail = box.querySelector(".live-detail");
  var changed = box.querySelector(".live-changed");
  var timer = null;
  var failures = 0;

  function showWork(episode) {
    var work = episode.work;
    var working = WAITING.indexOf(episode.state) < 0 && episode.next_stage;
    if (!work && !working) {
      box.hidden = changed.hidden;
      return;
    }
    box.hidden = false;
    var name = work ? work.stage : episode.next_stage;
    stage.textContent = (DOING[name] || name) + "\u2026";
    if (work && work.total) {
      bar.max = work.total;
      bar.value = work.done || 0;
      var parts = [(work.done || 0) + " of " + work.total + " lines"];
      if (work.time_left) {
        parts.push(work.time_left); // the API's words, as the dashboard shows them
      }
      detail.textContent = parts.join(" \u00b7 ");
    } else {
      bar.removeAttribute("value"); // an indeterminate bar: running, amount unknown
      detail.textContent = work ? "" : "waiting for a worker";
    }
  }

  function moved(episode) {
    return (
      episode.state !== shown.state ||
      Date.parse(episode.updated_at) !== shown.updated ||
      String(episode.script_version || "") !== shown.version
    );
  }

  // Reloading would lose something the editor is doing.
  function busy() {
    // an open form (request changes), not the fix choices flagged lines show open
    if (document.querySelector("form.dirty, details[open]:not(.fix-line)")) {
      return true;
    }
    var audio = document.getElementById("audio");
    if (audio && !audio.paused) {
      return true;
    }
    var active = document.activeElement;
    return !!(active && (active.tagName === "TEXTAREA" || active.tagName === "INPUT") && active.value);
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(poll, ms);
  }

  function poll() {
    if (document.visibilityState !== "visible") {
      return; // visibilitychange starts it again
    }
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (episode) {
        failures = 0;
        if (moved(episode)) {
          if (!busy()) {
            window.location.reload();
            return;
          }
          changed.hidden = false;
          box.hidden = false;
        }
        showWork(episode);
        schedule(WAITING.indexOf(episode.state) < 0 ? WORKING_MS : IDLE_MS);
      })
      .catch(function () {
        failures += 1; // the server restarting, or the network: back off, keep trying
        schedule(Math.min(MAX_BACKOFF_MS, WORKING_MS * Math.pow(2, failures)));
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      schedule(0);
    } else {
      clearTimeout(timer);
    }
  });
  schedule(0);
})();
