"""The whole audio stage for a 10-minute episode: render, master, transcribe, QA.

Targets: < 75 s in all, peak RSS per process < 1 GB. Starts from an empty clip
cache, then re-renders after editing one line (target < 3 s for that line).

    python -m bench.audio_stage [MINUTES [ARTICLE_WORDS]]
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from bench.common import long_article, table
from pipeline import orchestrate
from pipeline.config import Settings, Show
from pipeline.models import EpisodeState, Source, Timeline
from pipeline.store import Store


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> None:
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    # Every section gets a segment, so a long article makes a longer episode than asked.
    words = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    with tempfile.TemporaryDirectory() as tmp:
        show = Show(auto_approve=True, minutes=minutes)
        settings = Settings(data_root=Path(tmp), shows={"infracast": show})
        store = Store(settings.db_url, settings.data_root)
        source = Source(kind="markdown", uri="bench.md", text=long_article(words))
        episode = orchestrate.submit(store, settings, source).episode
        for stage in ("ingest", "script", "review"):
            orchestrate.run_stage(store, settings, episode.id, stage)
        timings = {}
        for stage in ("render", "transcribe"):
            start = time.perf_counter()
            orchestrate.run_stage(store, settings, episode.id, stage)
            timings[stage] = time.perf_counter() - start
        folder = store.episode_dir(episode.id)
        audio = Timeline.model_validate_json((folder / "timeline.json").read_text()).duration
        qa = store.stage_output_latest(episode.id, "transcribe") or {}
        render = store.stage_output_latest(episode.id, "render") or {}
        edit_seconds = rerender_one_line(store, settings, episode.id)
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


def rerender_one_line(store: Store, settings: Settings, episode_id: int) -> float:
    """Edit one line, send the episode back to rendering, time the render stage."""
    saved = store.script(episode_id)
    lines = list(saved.script.lines)
    i = next(
        i
        for i, line in enumerate(lines)
        if line.speaker == saved.script.hosts[1] and line.words > 8
    )
    lines[i] = lines[i].model_copy(update={"text": lines[i].text + " That's worth repeating."})
    store.save_script(
        episode_id,
        saved.script.model_copy(update={"lines": lines}),
        [],
        author="bench",
        base_version=saved.version,
    )
    store.move(episode_id, EpisodeState.TRANSCRIBED, EpisodeState.APPROVED, "bench edit")
    start = time.perf_counter()
    orchestrate.run_stage(store, settings, episode_id, "render")
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
