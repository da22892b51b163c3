"""Heard words placed on the episode's timeline: each word given to the script line
said at that moment.

Used by QA (what was heard of each line), captions and annotations (when each
line's words were said); it needs only the models, so none of them imports the
others or a recogniser to use it.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.models import Timeline, Word

TOLERANCE = 0.3  # seconds a heard word may stray outside its line's [start, end]


def assign_words(
    timeline: Timeline, words: Sequence[Word], tolerance: float = TOLERANCE
) -> dict[str, list[Word]]:
    """Each heard word given to the line whose time holds its midpoint (or the nearest
    line within `tolerance`); words in no line's time (stingers, silence) to none."""
    by_line: dict[str, list[Word]] = {t.line_id: [] for t in timeline.lines}
    for word in words:
        mid = (word.start + word.end) / 2
        best, distance = None, tolerance
        for timed in timeline.lines:
            gap = max(timed.start - mid, mid - timed.end, 0.0)
            if gap <= distance:
                best, distance = timed.line_id, gap
                if gap == 0.0:
                    break
        if best is not None:
            by_line[best].append(word)
    return by_line
