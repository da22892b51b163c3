"""Which recogniser should QA use? Flag rate per host, episode WER and time, on real scripts.

    python -m bench.qa_recogniser [--folder DIR] [--articles N] [--minutes M]

Scripts are written by the project's own pipeline (ingest, script, review) from
examples/*.md and the first real articles in tests/data/real_articles, then
rendered the way a show with these hosts would be: Lena by Festival's HTS slt
voice (the "festival" engine), Miles by Piper joe, and mastered into an MP3 by the assembler.
The audio is kept in DIR (default /tmp/infracast-qa-bench) so a second run
measures only.

Each strategy hears every episode through
`pipeline.transcribe.episode.hear_and_check`, as the transcribe stage does:

- tiny.en: the whole episode with tiny.en, no second opinion;
- base: the whole episode with base, no second opinion;
- tiny.en + base: tiny.en for the episode, each line it flags heard again on its
  own slice of the episode by base, flagged only if that fails too;
- base + base: the same with base for both passes.

"WER (base ref)" is always the episode WER heard by base over the whole
episode, whatever the strategy, so that figure measures the audio, not the
recogniser. Times are wall seconds on this machine (threads = CPUs allowed),
models loaded and warmed before the clock starts; "s / 10 min" scales the
time to a 10-minute episode. Targets: <= 5% of each host's lines flagged at
the 15% threshold, episode WER <= 8% by base, the whole audio stage of a
10-minute episode < 75 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import EXAMPLES, ROOT
from pipeline import actions, orchestrate
from pipeline.config import Settings, Show, Voice
from pipeline.models import QAReport, Script, Source, Timeline
from pipeline.speech import normalize
from pipeline.store import Store
from pipeline.transcribe import backends, scoring
from pipeline.transcribe.episode import hear_and_check

REAL = ROOT / "tests" / "data" / "real_articles"
LENA = Voice(engine="festival", voice="cmu_us_slt_arctic_hts")
MILES = Voice(engine="piper", voice="joe")


@dataclass(frozen=True)
class Rendered:
    name: str
    audio: Path
    script: Script
    timeline: Timeline
    spoken: dict[str, str]


def articles(n_real: int) -> list[Path]:
    real = sorted(REAL.glob("*.md"))[:n_real]
    return sorted(EXAMPLES.glob("*.md")) + real


def write_script(article: Path, minutes: float) -> Script:
    with tempfile.TemporaryDirectory() as tmp:
        show = Show(auto_approve=True, minutes=minutes)
        settings = Settings(data_root=Path(tmp), shows={"infracast": show})
        store = Store(settings.db_url, settings.data_root)
        source = Source(kind="markdown", uri=str(article), text=article.read_text("utf-8"))
        episode = actions.submit(store, settings, source).episode
        for stage in ("ingest", "script", "review"):
            orchestrate.run_stage(store, settings, episode.id, stage)
        return store.scripts.get(episode.id).script


def say(voice: Voice, text: str, out: Path) -> None:
    from pipeline.speech.engines import engine_named

    engine_named(voice.engine).synthesize(text, voice, out)


def render(article: Path, folder: Path, minutes: float) -> Rendered:
    from pipeline.speech.assemble import EpisodeTags, assemble

    name = article.stem
    here = folder / name
    meta = here / "meta.json"
    if not meta.is_file():
        script = write_script(article, minutes)
        spoken = {line.id: normalize.spoken(line.text) for line in script.lines}
        clips = {line.id: here / "clips" / f"{line.id}.wav" for line in script.lines}
        (here / "clips").mkdir(parents=True, exist_ok=True)
        for line in script.lines:
            say(LENA if line.speaker == script.hosts[0] else MILES, spoken[line.id], clips[line.id])
        tags = EpisodeTags(title=script.title, show="bench", artist="bench", date="2026-01-01")
        done = assemble(script, clips, here / "episode.mp3", tags)
        meta.write_text(
            json.dumps(
                {
                    "script": script.model_dump(mode="json"),
                    "timeline": done.timeline.model_dump(mode="json"),
                    "spoken": spoken,
                }
            ),
            "utf-8",
        )
    data = json.loads(meta.read_text("utf-8"))
    return Rendered(
        name,
        here / "episode.mp3",
        Script.model_validate(data["script"]),
        Timeline.model_validate(data["timeline"]),
        data["spoken"],
    )


STRATEGIES: dict[str, tuple[str, str | None]] = {
    "tiny.en": ("tiny.en", None),
    "base": ("base", None),
    "tiny.en + base": ("tiny.en", "base"),
    "base + base": ("base", "base"),
}


def hear(
    episode: Rendered, model: str, recheck: str | None, data_root: Path
) -> tuple[QAReport, float]:
    options = backends.TranscribeOptions(model=model, data_root=data_root)
    second = backends.TranscribeOptions(model=recheck, data_root=data_root) if recheck else None
    start = time.perf_counter()
    done = hear_and_check(
        episode.script,
        episode.timeline,
        episode.audio,
        options=options,
        spoken=episode.spoken,
        recheck_with=second,
    )
    return done.report, time.perf_counter() - start


def warm(data_root: Path, audio: Path) -> None:
    import numpy as np

    silence = np.zeros(backends.SAMPLE_RATE, dtype=np.float32)
    for model in ("tiny.en", "base"):
        options = backends.TranscribeOptions(model=model, data_root=data_root)
        options.verify()
        backends.recogniser_named(options.backend).hear(silence, options)
    del audio


def host_rates(report: QAReport, script: Script) -> dict[str, tuple[int, int]]:
    speaker = {line.id: line.speaker for line in script.lines}
    out: dict[str, tuple[int, int]] = {}
    for q in report.lines:
        flagged, total = out.get(speaker[q.line_id], (0, 0))
        out[speaker[q.line_id]] = (flagged + q.flagged, total + 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folder", type=Path, default=Path("/tmp/infracast-qa-bench"))
    parser.add_argument("--articles", type=int, default=3, help="real articles besides examples")
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--only", nargs="*", default=list(STRATEGIES))
    parser.add_argument("--details", action="store_true", help="print every flagged line")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    episodes = [render(a, args.folder, args.minutes) for a in articles(args.articles)]
    made = time.perf_counter() - start
    audio = sum(e.timeline.duration for e in episodes)
    lines = sum(len(e.script.lines) for e in episodes)
    print(
        f"{len(episodes)} episodes, {lines} lines, {audio / 60:.1f} min of audio "
        f"(made or read in {made:.0f} s; Lena by Festival slt, Miles by Piper joe); "
        f"{len(os.sched_getaffinity(0))} CPUs"
    )
    data_root = args.folder / "data"
    warm(data_root, episodes[0].audio)
    reference = {e.name: hear(e, "base", None, data_root) for e in episodes}
    ref_errors = sum(r.wer * _words(r) for r, _ in reference.values())
    ref_wer = ref_errors / sum(_words(r) for r, _ in reference.values())
    rows = []
    for name in args.only:
        model, recheck = STRATEGIES[name]
        flags: dict[str, tuple[int, int]] = {}
        seconds, errors, words = 0.0, 0.0, 0
        for e in episodes:
            if (model, recheck) == ("base", None):
                report, took = reference[e.name]
            else:
                report, took = hear(e, model, recheck, data_root)
            seconds += took
            errors += report.wer * _words(report)
            words += _words(report)
            for host, (f, t) in host_rates(report, e.script).items():
                old = flags.get(host, (0, 0))
                flags[host] = (old[0] + f, old[1] + t)
            if args.details:
                for q in report.flagged:
                    print(
                        f"  [{name}] {e.name} {q.line_id} wer={q.wer:.2f}\n"
                        f"     said:  {q.expected}\n     heard: {q.heard}"
                    )
        rows.append((name, flags, errors / max(words, 1), seconds))
    hosts = sorted({h for _, f, _, _ in rows for h in f})
    head = ["strategy"] + [f"{h} flagged" for h in hosts] + ["episode WER", "time s", "s / 10 min"]
    print(
        f"\nQA recogniser, threshold {scoring.THRESHOLD:.0%}; episode WER by base (reference): "
        f"{ref_wer:.1%}"
    )
    print(" | ".join(f"{h:>16}" for h in head))
    for name, flags, wer, seconds in rows:
        cells = [name] + [
            f"{flags[h][0]}/{flags[h][1]} {flags[h][0] / flags[h][1]:.1%}" for h in hosts
        ]
        cells += [f"{wer:.1%}", f"{seconds:.1f}", f"{seconds * 600 / audio:.1f}"]
        print(" | ".join(f"{c:>16}" for c in cells))


def _words(report: QAReport) -> int:
    return sum(len(q.expected.split()) for q in report.lines)


if __name__ == "__main__":
    main()
