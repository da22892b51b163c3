"""How each host sounds and how well QA hears them, on episodes of real articles.

Makes an episode of each article with the default show (the hosts' voices as
configured), through script, render and transcribe (and, when QA gives flagged
lines their automatic second try, render and transcribe once more, as a default
show does before it holds an episode), then reports per episode
and host: the engine and voice, how many lines QA flagged, and the DNSMOS
P.808 score (Microsoft's non-intrusive MOS predictor, from the `speechmos`
package's ONNX models) of that host's lines cut from the mastered episode, as
a listener hears them.

Targets: at most 5% of each host's lines flagged (threshold 15% WER), episode
WER ≤ 8%, and each host ≥ 3.8 on every episode.

    python -m bench.voice_quality [ARTICLE.md ...]

Without arguments: the example articles and four real-article excerpts.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from bench.common import ROOT, table
from pipeline import actions, episode_files, orchestrate
from pipeline.config import Settings, Show
from pipeline.models import EpisodeState, Source, Timeline
from pipeline.store import Store
from pipeline.transcribe.backends import SAMPLE_RATE, load_audio

REAL = ROOT / "tests" / "data" / "real_articles"
DEFAULT_ARTICLES = [
    *sorted((ROOT / "examples").glob("*.md")),
    *(next(REAL.glob(f"{n:02d}-*.md")) for n in (7, 21, 44, 60)),
]


def dnsmos(audio: np.ndarray) -> float:
    """DNSMOS P.808 of 16 kHz audio (scored in 9-second windows, averaged)."""
    from speechmos import dnsmos as model

    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    return float(model.run(audio / max(peak, 1.0), SAMPLE_RATE)["p808_mos"])


def host_audio(audio: np.ndarray, timeline: Timeline) -> dict[str, np.ndarray]:
    """Each speaker's lines cut from the episode and joined."""
    pieces: dict[str, list[np.ndarray]] = defaultdict(list)
    for line in timeline.lines:
        pieces[line.speaker].append(
            audio[int(line.start * SAMPLE_RATE) : int(line.end * SAMPLE_RATE)]
        )
    return {speaker: np.concatenate(parts) for speaker, parts in pieces.items()}


Totals = dict[str, list[int]]  # host → [lines flagged, lines, flagged on first hearing]


def episode_rows(article: Path, root: Path, totals: Totals) -> list[tuple[str, str]]:
    settings = Settings(data_root=root, shows={"infracast": Show(auto_approve=True)})
    store = Store(settings.db_url, settings.data_root)
    text = article.read_text(encoding="utf-8")
    source = Source(kind="markdown", uri=str(article), text=text)
    episode = actions.submit(store, settings, source).episode
    start = time.perf_counter()
    for stage in ("ingest", "script", "review", "render", "transcribe"):
        orchestrate.run_stage(store, settings, episode.id, stage)
    folder = store.episode_dir(episode.id)
    first = {q.line_id for q in episode_files.QA.read(folder).flagged}
    if store.episode(episode.id).state == EpisodeState.APPROVED:
        # QA gave the flagged lines their second try (auto_rerender): say them and hear again.
        for stage in ("render", "transcribe"):
            orchestrate.run_stage(store, settings, episode.id, stage)
    seconds = time.perf_counter() - start
    timeline = episode_files.TIMELINE.read(folder)
    report = episode_files.QA.read(folder)
    flagged = {q.line_id for q in report.flagged}
    voices = {h.name: h.voice for h in settings.show("infracast").hosts}
    by_host = host_audio(load_audio(folder / episode_files.AUDIO), timeline)
    rows = [
        (
            article.stem[:40],
            f"{timeline.duration:.0f} s audio, WER {report.wer:.1%} "
            f"({report.model}), {seconds:.0f} s to make",
        )
    ]
    for speaker, audio in sorted(by_host.items()):
        lines = [t.line_id for t in timeline.lines if t.speaker == speaker]
        hit = sum(line in flagged for line in lines)
        tried = sum(line in first for line in lines)
        voice = voices[speaker]
        total = totals.setdefault(f"{speaker} ({voice.engine} {voice.voice})", [0, 0, 0])
        total[0] += hit
        total[1] += len(lines)
        total[2] += tried
        rows.append(
            (
                f"  {speaker} ({voice.engine} {voice.voice})",
                f"{hit}/{len(lines)} lines flagged ({hit / len(lines):.0%}; {tried} on first "
                f"hearing), DNSMOS P.808 {dnsmos(audio):.2f}",
            )
        )
    return rows


def main() -> None:
    articles = [Path(a) for a in sys.argv[1:]] or DEFAULT_ARTICLES
    rows: list[tuple[str, str]] = []
    totals: Totals = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n, article in enumerate(articles):
            rows += episode_rows(article, Path(tmp) / str(n), totals)
    rows.append(("all episodes", ""))
    for host, (hit, lines, tried) in totals.items():
        rows.append(
            (
                f"  {host}",
                f"{hit}/{lines} lines flagged ({hit / lines:.1%}; {tried} on first hearing)",
            )
        )
    table(
        "how each host sounds and is heard (targets: <= 5% flagged, WER <= 8%, DNSMOS >= 3.8)", rows
    )


if __name__ == "__main__":
    main()
