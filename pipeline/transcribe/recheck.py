"""A second opinion: each flagged line heard again on its own slice of the episode
by another model (by default Whisper base), its flag kept only if that fails too."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.models import QAReport, Script, TimedLine, Timeline
from pipeline.transcribe.backends import SAMPLE_RATE, TranscribeOptions
from pipeline.transcribe.hearing import hear
from pipeline.transcribe.scoring import Say, judge, normaliser

SLICE_PAD = 0.15  # seconds of the episode either side of a line heard again on its own


@dataclass(frozen=True)
class Recheck:
    """A flagged line heard again on its own: what each pass heard, and the verdict."""

    line_id: str
    model: str
    episode_heard: str
    episode_wer: float
    heard: str
    wer: float
    flagged: bool


def line_slice(audio: np.ndarray, timed: TimedLine, pad: float = SLICE_PAD) -> np.ndarray:
    """A line's own audio out of the episode's samples: its time and `pad` either side."""
    start = max(0, round((timed.start - pad) * SAMPLE_RATE))
    end = min(len(audio), round((timed.end + pad) * SAMPLE_RATE))
    return audio[start:end]


def recheck(
    script: Script,
    timeline: Timeline,
    audio: np.ndarray,
    report: QAReport,
    options: TranscribeOptions,
    spoken: Say | Mapping[str, str] | None = None,
    *,
    lexicon: Mapping[str, str] | None = None,
    source: Path = Path("episode"),
) -> tuple[QAReport, list[Recheck]]:
    """Each flagged line heard again on its own slice of the episode (`options`' model,
    no neighbouring lines, a 30-second window of its own), and kept flagged only when
    that hearing fails too. A one-word interjection ("Really?") that the pass over the
    whole episode dropped is thereby judged on its own audio. The report's `heard` and
    `wer` for a re-checked line are the re-check's; both hearings are returned."""
    options.verify()
    rendered = spoken if isinstance(spoken, Mapping) else {}
    norm = normaliser(None if isinstance(spoken, Mapping) else spoken, lexicon)
    lines = {line.id: line for line in script.lines}
    timed_by_id = {t.line_id: t for t in timeline.lines}
    results, done = list(report.lines), []
    for i, first in enumerate(results):
        if not first.flagged:
            continue
        line, timed = lines[first.line_id], timed_by_id[first.line_id]
        words = hear(line_slice(audio, timed), 0.0, options, source)
        again, _ = judge(line, rendered.get(line.id, line.text), words, norm, report.threshold)
        results[i] = again
        done.append(
            Recheck(
                line_id=line.id,
                model=options.model,
                episode_heard=first.heard,
                episode_wer=first.wer,
                heard=again.heard,
                wer=again.wer,
                flagged=again.flagged,
            )
        )
    # The episode WER stays the first pass's: it measures the episode as heard once.
    model = f"{report.model} + {options.model} re-check"
    return report.model_copy(update={"lines": results, "model": model}), done
