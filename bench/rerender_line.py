"""Re-rendering one edited line of a rendered episode, end to end, step by step.

Makes an episode of about MINUTES minutes (render stage from an empty clip cache),
edits one line of the second host, and runs the render stage again: one clip is
new, and the episode is assembled again from the last render's mastering gain, host
levels and mastered chunks, so that only the chunks the edit touched are mastered,
encoded and measured. Every run is timed per step, so the table says what the edit
pays for (target < 3 s).

    python -m bench.rerender_line [MINUTES [ARTICLE_WORDS]]
"""

from __future__ import annotations

import functools
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from bench.common import edit_one_line, reviewed_episode, table
from pipeline import episode_files, orchestrate


class Steps:
    """Wall seconds spent in each labelled function (outermost label only, so none is
    counted twice), reset between runs."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._inside = False

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original: Callable[..., Any] | None = getattr(owner, name, None)
        if original is None:  # renamed since: that step goes uncounted
            return

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self._inside:
                return original(*args, **kwargs)
            self._inside = True
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - start
                self._inside = False

        setattr(owner, name, timed)

    def take(self) -> dict[str, float]:
        done, self.seconds = dict(self.seconds), defaultdict(float)
        return done


def watch(steps: Steps) -> None:
    from pipeline.speech import assemble, mastering, program
    from pipeline.stages import render as render_stage

    steps.wrap(render_stage, "render_clips", "clips (synthesis, or the cache)")
    # Each step is wrapped where its caller looks it up: `assemble` imports `chunks_of`.
    for owner, name, label in [
        (program, "_load", "read, resample and trim every clip"),
        (program, "_level", "level the hosts (loudness of each)"),
        (program, "_stings", "stingers"),
        (program, "_arrange", "lay out the episode"),
        (assemble, "chunks_of", "cut the programme into chunks"),
        (mastering, "_first_guess", "master: gain search (a sample of chunks, then all)"),
        (mastering, "_search", "master: gain search (a sample of chunks, then all)"),
        (mastering, "_encode", "chunks not in the cache: limit, encode, measure"),
        (assemble, "_tag", "ID3 tag and chapters"),
    ]:
        steps.wrap(owner, name, label)


def main() -> None:
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    words = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    steps = Steps()
    watch(steps)
    runs: dict[str, tuple[float, dict[str, float]]] = {}
    with reviewed_episode(minutes, words) as (store, settings, episode_id):
        for run in ("first render", "after editing one line"):
            if run != "first render":
                edit_one_line(store, episode_id)
            steps.take()
            start = time.perf_counter()
            orchestrate.run_stage(store, settings, episode_id, "render")
            runs[run] = (time.perf_counter() - start, steps.take())
        folder = store.episode_dir(episode_id)
        audio = episode_files.TIMELINE.read(folder).duration
    labels = list(dict.fromkeys(k for _, split in runs.values() for k in split))
    rows = [("episode audio", f"{audio:.0f} s"), ("", "  ".join(f"{r:>22}" for r in runs))]
    for label in labels:
        rows.append(
            (label, "  ".join(f"{split.get(label, 0.0):20.2f} s" for _, split in runs.values()))
        )
    rows.append(
        (
            "other (store, stage bookkeeping)",
            "  ".join(f"{total - sum(split.values()):20.2f} s" for total, split in runs.values()),
        )
    )
    rows.append(
        ("render stage, end to end", "  ".join(f"{total:20.2f} s" for total, _ in runs.values()))
    )
    table("re-rendering one edited line (target < 3 s end to end)", rows)


if __name__ == "__main__":
    main()
