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
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import long_article, table
from pipeline import orchestrate
from pipeline.config import Settings, Show
from pipeline.models import EpisodeState, Source, Timeline
from pipeline.store import Store


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
    from pipeline import stages
    from pipeline.speech import assemble

    steps.wrap(stages, "render_clips", "clips (synthesis, or the cache)")
    for name, label in [
        ("_load", "read, resample and trim every clip"),
        ("_level", "level the hosts (loudness of each)"),
        ("_stings", "stingers"),
        ("_arrange", "lay out the episode"),
        ("_chunks", "cut the programme into chunks"),
        ("_first_guess", "master: gain search (a sample of chunks, then all)"),
        ("_search", "master: gain search (a sample of chunks, then all)"),
        ("_encode", "chunks not in the cache: limit, encode, measure"),
        ("_tag", "ID3 tag and chapters"),
    ]:
        steps.wrap(assemble, name, label)


def edit_one_line(store: Store, episode_id: int) -> None:
    saved = store.script(episode_id)
    lines = list(saved.script.lines)
    i = next(
        i for i, line in enumerate(lines)
        if line.speaker == saved.script.hosts[1] and line.words > 8
    )
    lines[i] = lines[i].model_copy(update={"text": lines[i].text + " That's worth repeating."})
    store.save_script(episode_id, saved.script.model_copy(update={"lines": lines}), [],
                      author="bench", base_version=saved.version)
    state = store.episode(episode_id).state
    store.move(episode_id, state, EpisodeState.APPROVED, "bench edit")


def main() -> None:
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    words = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    steps = Steps()
    watch(steps)
    runs: dict[str, tuple[float, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        # One pass of each stage, as an edit makes: no automatic second try of flagged lines.
        show = Show(auto_approve=True, auto_rerender=False, minutes=minutes)
        settings = Settings(data_root=Path(tmp), shows={"infracast": show})
        store = Store(settings.db_url, settings.data_root)
        source = Source(kind="markdown", uri="bench.md", text=long_article(words))
        episode = orchestrate.submit(store, settings, source).episode
        for stage in ("ingest", "script", "review"):
            orchestrate.run_stage(store, settings, episode.id, stage)
        for run in ("first render", "after editing one line"):
            if run != "first render":
                edit_one_line(store, episode.id)
            steps.take()
            start = time.perf_counter()
            orchestrate.run_stage(store, settings, episode.id, "render")
            runs[run] = (time.perf_counter() - start, steps.take())
        folder = store.episode_dir(episode.id)
        audio = Timeline.model_validate_json((folder / "timeline.json").read_text()).duration
    labels = list(dict.fromkeys(k for _, split in runs.values() for k in split))
    rows = [("episode audio", f"{audio:.0f} s"), ("", "  ".join(f"{r:>22}" for r in runs))]
    for label in labels:
        rows.append((label, "  ".join(f"{split.get(label, 0.0):20.2f} s"
                                      for _, split in runs.values())))
    rows.append(("other (store, stage bookkeeping)", "  ".join(
        f"{total - sum(split.values()):20.2f} s" for total, split in runs.values())))
    rows.append(("render stage, end to end", "  ".join(
        f"{total:20.2f} s" for total, _ in runs.values())))
    table("re-rendering one edited line (target < 3 s end to end)", rows)


if __name__ == "__main__":
    main()
