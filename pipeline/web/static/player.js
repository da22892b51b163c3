// The listen view: a waveform player and a transcript that follows the audio.
//
// The waveform is drawn on a <canvas> from the peaks the render stage computed
// (peaks.json, fetched from the episode's files; the player works before it comes, or
// without it, as a plain track): the part played in the accent
// colour, the rest grey, the playhead, and the lines QA flagged marked in the warning
// colour (each mark a button that plays its line). The waveform is a slider: click or
// drag it, or focus it and use ←/→ (5 s), PageUp/PageDown (15 s), Home/End. Buttons skip
// 15 s back and forward; the speed (0.75×–2×) is remembered in localStorage.
// `window.infracastPlayer` lets shortcuts.js drive it. The transcript line being said
// gets the class "current" and scrolls into view inside the transcript; clicking a line,
// a chapter or a figure card's time plays from there. Plain DOM, no inline handlers (CSP).
"use strict";

(function () {
  var audio = document.getElementById("audio");
  var transcript = document.getElementById("transcript");
  if (!audio || !transcript) return;
  var follow = document.getElementById("follow");

  function timed(selector, attribute) {
    return Array.prototype.map
      .call(document.querySelectorAll(selector), function (el) {
        return { el: el, start: parseFloat(el.getAttribute(attribute)) };
      })
      .filter(function (item) { return !isNaN(item.start); })
      .sort(function (a, b) { return a.start - b.start; });
  }

  var lines = timed("#transcript li.tline[data-start]", "data-start");
  var chapters = timed(".chapters button[data-seek]", "data-seek");
  var cards = timed(".figure-cards.timed .figure-card[data-time]", "data-time");
  var current = { line: null, chapter: null, card: null };

  // The last item that has started by `t` (items are sorted by start).
  function at(items, t) {
    var lo = 0, hi = items.length - 1, found = null;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (items[mid].start <= t + 0.05) { found = items[mid]; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  function scrollWithin(container, el) {
    // Scroll the transcript box, not the page, so the player stays where the editor put it
    // (the box is position: relative, so offsetTop is measured from it).
    var top = el.offsetTop;
    var target = top - container.clientHeight / 3;
    if (top < container.scrollTop || top + el.offsetHeight > container.scrollTop + container.clientHeight) {
      container.scrollTo({ top: Math.max(0, target), behavior: "smooth" });
    }
  }

  function mark(kind, item) {
    var el = item ? item.el : null;
    if (current[kind] === el) return false;
    if (current[kind]) current[kind].classList.remove("current");
    if (el) el.classList.add("current");
    current[kind] = el;
    return true;
  }

  function update() {
    var t = audio.currentTime;
    var line = at(lines, t);
    if (mark("line", line) && line && (!follow || follow.checked)) scrollWithin(transcript, line.el);
    mark("chapter", at(chapters, t));
    var card = at(cards, t);
    if (mark("card", card) && card && (!follow || follow.checked)) {
      var box = card.el.closest(".figure-cards");
      if (box) scrollWithin(box, card.el);
    }
  }

  function play() {
    var playing = audio.play();
    if (playing && playing.catch) playing.catch(function () {}); // autoplay refused: still seeked
  }

  var redraw = function () {}; // the waveform's, once it is set up below

  function seek(seconds, andPlay) {
    if (isNaN(seconds)) return;
    var end = isFinite(audio.duration) && audio.duration > 0 ? audio.duration : Infinity;
    audio.currentTime = Math.max(0, Math.min(seconds, end));
    if (andPlay !== false) play();
    update();
    redraw();
  }

  audio.addEventListener("timeupdate", update);
  audio.addEventListener("seeked", update);

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-seek]");
    if (button) {
      seek(parseFloat(button.getAttribute("data-seek")));
      return;
    }
    // Anywhere else on a transcript line, except its links and forms, plays the line.
    var line = event.target.closest("#transcript li.tline");
    if (line && !event.target.closest("a, form, button, mark.figure, details")) {
      seek(parseFloat(line.getAttribute("data-start")));
    }
  });

  // --- the waveform player ------------------------------------------------------------
  var ui = document.getElementById("player-ui");
  var slider = document.getElementById("waveform");
  var canvas = document.getElementById("waveform-canvas");
  if (!ui || !slider || !canvas || !canvas.getContext) return;

  var SPEEDS = [0.75, 1, 1.25, 1.5, 2];
  var SPEED_KEY = "infracast.speed";
  var peaksData = null;
  var total = parseFloat(slider.getAttribute("aria-valuemax")) || 0;
  var playButton = document.getElementById("play");
  var now = document.getElementById("player-now");
  var speed = document.getElementById("speed");
  var marksBox = document.getElementById("flag-marks");
  var flagged = Array.prototype.map
    .call(document.querySelectorAll("#transcript li.tline.flagged"), function (li) {
      return {
        id: li.id.replace(/^line-/, ""),
        start: parseFloat(li.getAttribute("data-start")),
        end: parseFloat(li.getAttribute("data-end")),
      };
    })
    .filter(function (f) { return !isNaN(f.start) && !isNaN(f.end); });

  function loadPeaks() {
    var url = slider.getAttribute("data-peaks");
    if (!url || !window.fetch) return;
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.peaks && data.peaks.length && data.seconds_per_peak > 0) {
          peaksData = data;
          slider.classList.add("has-peaks");
          resized();
        }
      })
      .catch(function () {}); // a waveform is a nicety: the track still seeks without it
  }

  function duration() {
    return isFinite(audio.duration) && audio.duration > 0 ? audio.duration : total;
  }

  function clock(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var mm = (m < 10 ? "0" : "") + m, ss = (r < 10 ? "0" : "") + r;
    return h ? h + ":" + mm + ":" + ss : mm + ":" + ss;
  }

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }
  var colours = {
    played: cssVar("--accent", "#1f5fae"),
    unplayed: "#aab5c1",
    flag: "rgba(143, 90, 0, 0.18)", // --warn, faint
    flagEdge: cssVar("--warn", "#8f5a00"),
    head: cssVar("--ink", "#1d232a"),
  };

  // The canvas fills its box at the screen's pixel density, so it stays crisp at 2×.
  function fit() {
    var ratio = window.devicePixelRatio || 1;
    var width = Math.max(1, Math.round(slider.clientWidth * ratio));
    var height = Math.max(1, Math.round(slider.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    return ratio;
  }

  // How loud the stretch of the episode that one bar stands for is: the mean of its
  // peaks, so that a bar over a second of speech dips where its pauses are (the loudest
  // of them would draw a 0.3 s pause as loud as the words around it).
  function levelBetween(from, to) {
    var step = peaksData.seconds_per_peak, list = peaksData.peaks;
    var lo = Math.max(0, Math.floor(from / step));
    var hi = Math.min(list.length, Math.max(lo + 1, Math.ceil(to / step)));
    var sum = 0;
    for (var i = lo; i < hi; i++) sum += list[i];
    return hi > lo ? sum / (hi - lo) : 0;
  }

  var drawn = null;
  function draw() {
    var ratio = fit();
    var ctx = canvas.getContext("2d");
    var width = canvas.width / ratio, height = canvas.height / ratio;
    var length = duration();
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    if (!length || width < 2) return;
    var x = function (t) { return (t / length) * width; };
    flagged.forEach(function (f) {
      ctx.fillStyle = colours.flag;
      ctx.fillRect(x(f.start), 0, Math.max(2, x(f.end) - x(f.start)), height);
      ctx.fillStyle = colours.flagEdge;
      ctx.fillRect(x(f.start), 0, Math.max(2, x(f.end) - x(f.start)), 3);
    });
    var head = x(audio.currentTime);
    var middle = height / 2;
    if (peaksData) {
      var bar = 2, gap = 1;
      for (var left = 0; left < width; left += bar + gap) {
        var peak = levelBetween((left / width) * length, ((left + bar + gap) / width) * length);
        var h = Math.max(1, peak * (height / 2 - 3));
        ctx.fillStyle = left + bar / 2 <= head ? colours.played : colours.unplayed;
        ctx.fillRect(left, middle - h, bar, h * 2);
      }
    } else {
      // No peaks (rendered before they were computed): a plain progress track.
      ctx.fillStyle = colours.unplayed;
      ctx.fillRect(0, middle - 2, width, 4);
      ctx.fillStyle = colours.played;
      ctx.fillRect(0, middle - 2, head, 4);
    }
    ctx.fillStyle = colours.head;
    ctx.fillRect(Math.min(Math.max(0, head - 1), width - 2), 0, 2, height);
    drawn = { width: canvas.width, time: audio.currentTime };
  }

  function placeMarks() {
    var length = duration();
    if (!marksBox) return;
    marksBox.textContent = "";
    marksBox.hidden = !flagged.length;
    flagged.forEach(function (f) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "flag-mark";
      button.setAttribute("data-seek", String(f.start));
      button.textContent = "!";
      button.title = "QA flagged line " + f.id + " at " + clock(f.start) + ": play it";
      button.setAttribute("aria-label", "Play QA flagged line " + f.id + " at " + clock(f.start));
      // CSSOM, not a style attribute: the page's CSP allows the one, not the other.
      button.style.left = (length ? (f.start / length) * 100 : 0) + "%";
      marksBox.appendChild(button);
    });
  }

  function showTime() {
    var t = audio.currentTime;
    if (now) now.textContent = clock(t);
    slider.setAttribute("aria-valuenow", t.toFixed(1));
    slider.setAttribute("aria-valuetext", clock(t) + " of " + clock(duration()));
    var playing = !audio.paused && !audio.ended;
    playButton.textContent = playing ? "Pause" : "Play";
    playButton.setAttribute("aria-label", playing ? "Pause" : "Play");
    playButton.classList.toggle("playing", playing);
  }

  // While playing, the playhead moves every frame (timeupdate comes only 4 times a second).
  var frame = null;
  function tick() {
    frame = null;
    if (!drawn || drawn.width !== canvas.width || drawn.time !== audio.currentTime) draw();
    showTime();
    if (!audio.paused) frame = window.requestAnimationFrame(tick);
  }
  function kick() {
    if (frame === null) frame = window.requestAnimationFrame(tick);
  }

  function toggle() {
    if (audio.paused || audio.ended) play(); else audio.pause();
  }

  function skip(seconds) {
    seek(audio.currentTime + seconds, false);
  }

  function setSpeed(rate, remember) {
    if (SPEEDS.indexOf(rate) < 0) return;
    audio.playbackRate = rate;
    audio.defaultPlaybackRate = rate;
    if (speed) speed.value = String(rate);
    if (remember) {
      try { window.localStorage.setItem(SPEED_KEY, String(rate)); } catch (e) { /* private mode */ }
    }
  }

  function stepSpeed(direction) {
    var i = SPEEDS.indexOf(audio.playbackRate);
    if (i < 0) i = SPEEDS.indexOf(1);
    setSpeed(SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, i + direction))], true);
  }

  // Seeking by pointer: where the pointer is on the waveform is where the audio goes.
  function timeAt(clientX) {
    var box = slider.getBoundingClientRect();
    return Math.max(0, Math.min(1, (clientX - box.left) / box.width)) * duration();
  }
  var dragging = false;
  slider.addEventListener("pointerdown", function (event) {
    if (event.button !== 0) return;
    dragging = true;
    if (slider.setPointerCapture) slider.setPointerCapture(event.pointerId);
    seek(timeAt(event.clientX), false);
    slider.focus();
    event.preventDefault();
  });
  slider.addEventListener("pointermove", function (event) {
    if (dragging) seek(timeAt(event.clientX), false);
  });
  ["pointerup", "pointercancel"].forEach(function (name) {
    slider.addEventListener(name, function () { dragging = false; });
  });

  // The slider's own keys (shortcuts.js leaves a focused slider alone).
  slider.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var steps = { ArrowLeft: -5, ArrowDown: -5, ArrowRight: 5, ArrowUp: 5, PageDown: -15, PageUp: 15 };
    if (event.key in steps) skip(steps[event.key]);
    else if (event.key === "Home") seek(0, false);
    else if (event.key === "End") seek(duration(), false);
    else return;
    event.preventDefault();
  });

  ui.addEventListener("click", function (event) {
    var button = event.target.closest("[data-skip]");
    if (button) skip(parseFloat(button.getAttribute("data-skip")));
    else if (event.target.closest("#play")) toggle();
  });
  if (speed) {
    speed.addEventListener("change", function () { setSpeed(parseFloat(speed.value), true); });
  }

  ["play", "pause", "ended", "seeked", "timeupdate", "loadedmetadata", "durationchange"].forEach(
    function (name) { audio.addEventListener(name, kick); }
  );
  ["play", "pause", "ended"].forEach(function (name) { audio.addEventListener(name, showTime); });
  ["loadedmetadata", "durationchange"].forEach(function (name) {
    audio.addEventListener(name, placeMarks);
  });
  // The browser resets the rate when a new source loads: keep the editor's choice.
  audio.addEventListener("loadedmetadata", function () { setSpeed(currentSpeed(), false); });
  function resized() {
    drawn = null; // the next frame draws at the new size
    kick();
  }
  if (window.ResizeObserver) new ResizeObserver(resized).observe(slider);
  else window.addEventListener("resize", resized);
  if (window.matchMedia) {
    // A window moved to a screen of another density: redraw at that one.
    var dense = window.matchMedia("(resolution: " + (window.devicePixelRatio || 1) + "dppx)");
    if (dense.addEventListener) dense.addEventListener("change", resized);
  }

  function currentSpeed() {
    var stored = null;
    try { stored = parseFloat(window.localStorage.getItem(SPEED_KEY)); } catch (e) { /* private mode */ }
    return SPEEDS.indexOf(stored) >= 0 ? stored : 1;
  }

  // The browser's own controls give way to the waveform player. A seek says its new time
  // at once (a screen reader, or the next key press, reads the slider before the next
  // frame is drawn); the waveform follows on that frame.
  redraw = function () { showTime(); kick(); };
  audio.controls = false;
  audio.classList.add("driven");
  ui.hidden = false;
  setSpeed(currentSpeed(), false);
  placeMarks();
  kick();
  loadPeaks();

  // The next (1) or previous (-1) line of the transcript; playing goes on from there.
  function line(direction) {
    var here = at(lines, audio.currentTime);
    var i = here ? lines.indexOf(here) : -1;
    var next = lines[Math.max(0, Math.min(lines.length - 1, i + direction))];
    if (next) seek(next.start, !audio.paused);
  }

  window.infracastPlayer = {
    toggle: toggle,
    line: line,
    skip: skip,
    faster: function () { stepSpeed(1); },
    slower: function () { stepSpeed(-1); },
    speed: function () { return audio.playbackRate; },
  };
})();
