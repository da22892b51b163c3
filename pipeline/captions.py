"""Captions for an episode: WebVTT with speaker voice tags (`<v Lena>`) and SRT.

A cue shows the script's text as written (the recogniser's words may be
wrong; the script is what the hosts meant), one cue per line, and lines
longer than `MAX_SECONDS` split into several cues, preferably at the end of a
sentence or clause. Where each script word falls in time comes from the heard
words when there are some (script and heard words aligned by difflib; words
between two matches spread over the time between them by length), otherwise
from the line's start and end alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from pipeline.alignment import assign_words
from pipeline.errors import InfracastError
from pipeline.models import Script, TimedLine, Timeline, Word

MAX_SECONDS = 12.0
SENTENCE_END = re.compile(r"[.?!…][\"'”’)]*$")
CLAUSE_END = re.compile(r"[,;:—–][\"'”’)]*$")


@dataclass(frozen=True)
class Cue:
    """Text on screen from `start` to `end` (seconds), said by `speaker`."""

    start: float
    end: float
    speaker: str
    text: str


Span = tuple[float, float]


def cues(
    script: Script, timeline: Timeline, words: Sequence[Word] = (), max_seconds: float = MAX_SECONDS
) -> list[Cue]:
    """The episode's cues in time order: one per timeline line, split beyond `max_seconds`."""
    texts = {line.id: line.text for line in script.lines}
    heard = assign_words(timeline, words) if words else {}
    out: list[Cue] = []
    for timed in sorted(timeline.lines, key=lambda t: t.start):
        if timed.line_id not in texts:
            raise InfracastError(f"the timeline has line {timed.line_id!r}, the script does not")
        tokens = texts[timed.line_id].split()
        if tokens:
            spans = token_spans(tokens, timed, heard.get(timed.line_id, []))
            out += _split(tokens, spans, timed, max_seconds)
    return out


def _key(token: str) -> str:
    return re.sub(r"[^\w]", "", token.lower())


def token_spans(tokens: list[str], timed: TimedLine, heard: Sequence[Word]) -> list[Span]:
    """When each script token is said, inside the line's [start, end]."""
    anchors: dict[int, Span] = {}
    matcher = SequenceMatcher(
        None, [_key(t) for t in tokens], [_key(w.text) for w in heard], autojunk=False
    )
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            w = heard[block.b + k]
            anchors[block.a + k] = (_clamp(w.start, timed), _clamp(w.end, timed))
    spans: list[Span] = []
    i = 0
    while i < len(tokens):
        if i in anchors:
            spans.append(anchors[i])
            i += 1
            continue
        j = i
        while j < len(tokens) and j not in anchors:
            j += 1
        left = spans[-1][1] if spans else timed.start
        right = anchors[j][0] if j < len(tokens) else timed.end
        spans += _spread(tokens[i:j], left, max(left, right))
        i = j
    return spans


def _clamp(t: float, timed: TimedLine) -> float:
    return min(max(t, timed.start), timed.end)


def _spread(tokens: list[str], start: float, end: float) -> list[Span]:
    """Tokens laid end to end over [start, end] in proportion to their length."""
    weights = [len(t) + 1 for t in tokens]
    total, at, spans = sum(weights), start, []
    for weight in weights:
        step = (end - start) * weight / total
        spans.append((at, at + step))
        at += step
    return spans


def _split(tokens: list[str], spans: list[Span], timed: TimedLine, max_seconds: float) -> list[Cue]:
    """Cues of at most `max_seconds`, cut after a sentence end, else a clause end,
    else the last word that fits."""
    out: list[Cue] = []
    first = 0
    while first < len(tokens):
        start = timed.start if first == 0 else spans[first][0]
        last = first
        while last + 1 < len(tokens) and spans[last + 1][1] - start <= max_seconds:
            last += 1
        if last + 1 < len(tokens):
            last = _best_break(tokens, first, last)
        end = timed.end if last == len(tokens) - 1 else spans[last][1]
        out.append(Cue(start, end, timed.speaker, " ".join(tokens[first : last + 1])))
        first = last + 1
    return out


def _best_break(tokens: list[str], first: int, last: int) -> int:
    for pattern in (SENTENCE_END, CLAUSE_END):
        for k in range(last, first, -1):
            if pattern.search(tokens[k]):
                return k
    return last


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _stamp(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def to_vtt(cues: Sequence[Cue]) -> str:
    """WebVTT, each cue's text in a voice span naming its speaker."""
    blocks = ["WEBVTT"]
    for n, cue in enumerate(cues, 1):
        blocks.append(
            f"{n}\n{_stamp(cue.start, '.')} --> {_stamp(cue.end, '.')}\n"
            f"<v {_escape(cue.speaker)}>{_escape(cue.text)}</v>"
        )
    return "\n\n".join(blocks) + "\n"


def to_srt(cues: Sequence[Cue]) -> str:
    """SubRip, which has no voice tags: the speaker leads the text ("Lena: …")."""
    blocks = [
        f"{n}\n{_stamp(cue.start, ',')} --> {_stamp(cue.end, ',')}\n{cue.speaker}: {cue.text}"
        for n, cue in enumerate(cues, 1)
    ]
    return "\n\n".join(blocks) + "\n"


def vtt(script: Script, timeline: Timeline, words: Sequence[Word] = ()) -> str:
    """The episode's WebVTT captions."""
    return to_vtt(cues(script, timeline, words))


def srt(script: Script, timeline: Timeline, words: Sequence[Word] = ()) -> str:
    """The episode's SRT captions."""
    return to_srt(cues(script, timeline, words))


WRITERS: dict[str, Callable[[Sequence[Cue]], str]] = {"vtt": to_vtt, "srt": to_srt}


def write(cues: Sequence[Cue], path: Path) -> Path:
    """Write captions in the format named by the file's suffix (.vtt or .srt)."""
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in WRITERS:
        raise InfracastError(f"captions are written as .vtt or .srt, not {path.name}")
    path.write_text(WRITERS[fmt](cues), encoding="utf-8")
    return path
