// The listen view: the transcript follows the audio (the line being said gets the class
// "current" and scrolls into view inside the transcript), and clicking a line, a chapter
// or a figure card's time plays from there. Plain DOM, no inline handlers (CSP).
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

  function seek(seconds) {
    if (isNaN(seconds)) return;
    audio.currentTime = seconds;
    var playing = audio.play();
    if (playing && playing.catch) playing.catch(function () {}); // autoplay refused: still seeked
    update();
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
    if (line && !event.target.closest("a, form, button, mark.figure")) {
      seek(parseFloat(line.getAttribute("data-start")));
    }
  });
})();
