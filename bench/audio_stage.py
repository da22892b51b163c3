"""The whole audio stage for a 10-minute episode: render, master, transcribe, QA.

Targets: < 75 s in all, peak RSS per process < 1 GB. Starts from an empty clip
cache, then re-renders after editing one line (target < 3 s for that line). Each
stage runs once (the show's `auto_rerender` is off): a line QA flags would add a
second render and transcription, counted in the table's "flagged" row instead.

A sampler reads this process's RSS (/proc/self/status, every 20 ms) and charges it
to the step then running (render's clips, assembly's load / level / arrange /
master / encode / measure, transcription's audio, model and decoding, QA): the
second table says where the peak goes. Anonymous memory is the process's own
(arrays, models); file-backed is mapped files (libraries, memory-mapped audio).

    python -m bench.audio_stage [MINUTES [ARTICLE_WORDS]]
"""

from __future__ import annotations

import functools
import resource
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import edit_one_line, reviewed_episode, table
from pipeline import episode_files, orchestrate


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def rss_mb() -> tuple[float, float]:
    """This process's resident memory now, anonymous and file-backed, in MB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return (int(fields["RssAnon"].split()[0]) / 1024, int(fields["RssFile"].split()[0]) / 1024)


class RssByStep:
    """This process's RSS through each labelled call, in the order they ran: at entry and
    at its peak (the innermost label wins, so a step's figures are its own)."""

    def __init__(self) -> None:
        self.calls: list[list[Any]] = [["start-up and imports", 0.0, 0.0, 0.0]]
        self.torch_from = ""  # the step during which torch was first imported
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._lock = threading.Lock()

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.note()

    def note(self) -> None:
        anon, file = rss_mb()
        with self._lock:
            call = self.calls[-1]
            if not self.torch_from and sys.modules.get("torch") is not None:
                self.torch_from = call[0]
            if anon + file > call[2] + call[3]:
                call[2], call[3] = anon, file

    def enter(self, label: str) -> None:
        anon, file = rss_mb()
        with self._lock:
            self.calls.append([label, anon + file, anon, file])

    def wrap(self, owner: Any, name: str, label: str | Callable[..., str]) -> None:
        """Charge calls of owner.name (a module attribute, looked up per call) to `label`,
        or to what `label` makes of the call's arguments."""
        original: Callable[..., Any] | None = getattr(owner, name, None)
        if original is None:  # renamed since: that step goes uncounted
            return

        @functools.wraps(original)
        def labelled(*args: Any, **kwargs: Any) -> Any:
            outer = self.calls[-1][0]
            self.enter(label if isinstance(label, str) else label(*args, **kwargs))
            try:
                return original(*args, **kwargs)
            finally:
                self.note()
                self.enter(outer)

        setattr(owner, name, labelled)

    @contextmanager
    def running(self) -> Iterator[RssByStep]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join()

    def rows(self) -> list[tuple[str, str]]:
        """One row per call that grew the process by 1 MB or more, or that starts a stage;
        repeats of a call from the same RSS (QA's rechecks) counted on one row."""
        rows: list[list[Any]] = []  # label, entry, peak anonymous, peak file, count
        stage = ""
        for label, entry, anon, file in self.calls:
            starts = label.startswith("stage ") and label != stage
            stage = label if label.startswith("stage ") else stage
            if anon + file - entry < 1 and not starts:
                continue
            same = next((r for r in rows if r[0] == label and abs(r[1] - entry) < 2), None)
            if same is not None and not starts:
                same[4] += 1
                if anon + file > same[2] + same[3]:
                    same[2], same[3] = anon, file
                continue
            rows.append([label, entry, anon, file, 1])
        return [
            (
                label + (f" (×{count})" if count > 1 else ""),
                f"{entry:5.0f} → {anon + file:5.0f} MB (peak {anon:.0f} anonymous + "
                f"{file:.0f} file-backed)",
            )
            for label, entry, anon, file, count in rows
        ]


def watch_steps(rss: RssByStep) -> None:
    from pipeline.speech import assemble, mastering, program
    from pipeline.stages import render as render_stage
    from pipeline.transcribe import backends, episode

    rss.wrap(orchestrate, "run_stage", lambda *args, **kwargs: f"stage {args[3]}")
    rss.wrap(render_stage, "render_clips", "render: clips")
    # Each step is wrapped where its caller looks it up: `assemble` imports the mastering
    # entry point by name.
    for owner, name in [
        (program, "_load"),
        (program, "_level"),
        (program, "_arrange"),
        (assemble, "master_and_encode"),
        (mastering, "_encode"),
        (mastering, "_measure_chunks"),
    ]:
        rss.wrap(owner, name, f"assemble: {name.lstrip('_')}")
    # `episode` imports load_audio and qa by name; the recogniser's method is its class's.
    rss.wrap(episode, "load_audio", "transcribe: decode audio")
    rss.wrap(backends, "_faster_whisper_model", "transcribe: load model")
    rss.wrap(backends.FasterWhisper, "hear", "transcribe: recognise")
    rss.wrap(episode, "qa", "transcribe: QA")


def main() -> None:
    with RssByStep().running() as rss:
        watch_steps(rss)
        measure()
    table("RSS of this process through the steps, in order (at entry → peak)", rss.rows())
    print(f"torch imported in this process: {rss.torch_from or 'no'}")


def measure() -> None:
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    # Every section gets a segment, so a long article makes a longer episode than asked.
    words = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    with reviewed_episode(minutes, words) as (store, settings, episode_id):
        timings = {}
        for stage in ("render", "transcribe"):
            start = time.perf_counter()
            orchestrate.run_stage(store, settings, episode_id, stage)
            timings[stage] = time.perf_counter() - start
        folder = store.episode_dir(episode_id)
        audio = episode_files.TIMELINE.read(folder).duration
        qa = store.stage_output_latest(episode_id, "transcribe") or {}
        render = store.stage_output_latest(episode_id, "render") or {}
        edit_one_line(store, episode_id)
        start = time.perf_counter()
        orchestrate.run_stage(store, settings, episode_id, "render")
        edit_seconds = time.perf_counter() - start
    total = sum(timings.values())
    table(
        f"audio stage, {minutes:g}-minute target (targets: < 75 s in all, < 1 GB per process)",
        [
            ("episode audio", f"{audio:.0f} s"),
            (
                "render + master",
                f"{timings['render']:.1f} s ({audio / timings['render']:.0f}× real time)",
            ),
            (
                "transcribe + QA",
                f"{timings['transcribe']:.1f} s ({audio / timings['transcribe']:.0f}× real time)",
            ),
            ("whole audio stage", f"{total:.1f} s ({audio / total:.1f}× real time)"),
            (
                "loudness / true peak",
                f"{render.get('loudness_lufs')} LUFS / {render.get('true_peak_dbtp')} dBTP",
            ),
            (
                "word error rate",
                f"{qa.get('wer', 0):.1%}, {len(qa.get('flagged', []))} lines flagged",
            ),
            ("re-render one edited line", f"{edit_seconds:.1f} s (render stage, one clip new)"),
            ("peak RSS, this process", f"{peak_mb(resource.RUSAGE_SELF):.0f} MB"),
            ("peak RSS, largest child", f"{peak_mb(resource.RUSAGE_CHILDREN):.0f} MB"),
        ],
    )


if __name__ == "__main__":
    main()
