"""The episode heard back, checked against its script, and captioned: what the
transcribe stage makes, from the audio and the approved script."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline import captions
from pipeline.models import QAReport, Script, Timeline, Word
from pipeline.transcribe.backends import TranscribeOptions, load_audio
from pipeline.transcribe.hearing import DEFAULT_MODE, Clip, Mode, hear_whole, transcribe_episode
from pipeline.transcribe.recheck import Recheck, recheck
from pipeline.transcribe.scoring import THRESHOLD, Say, qa


@dataclass(frozen=True)
class Transcript:
    """What the transcribe stage makes: words in episode time, the QA report, captions."""

    words: list[Word]
    report: QAReport
    vtt: str
    srt: str
    rechecks: list[Recheck]


def hear_and_check(
    script: Script,
    timeline: Timeline,
    audio: Path,
    clips: Sequence[Clip] = (),
    options: TranscribeOptions | None = None,
    mode: Mode = DEFAULT_MODE,
    threshold: float = THRESHOLD,
    spoken: Say | Mapping[str, str] | None = None,
    lexicon: Mapping[str, str] | None = None,
    recheck_with: TranscribeOptions | None = None,
    heard: Callable[[float], None] | None = None,
) -> Transcript:
    """Transcribe a rendered episode, check it against its script, and caption it; with
    `recheck_with`, each flagged line is heard again on its own by that model and stays
    flagged only if it fails again (see `recheck`). `heard` is told how many seconds of
    the episode are heard so far."""
    opts = options or TranscribeOptions()
    opts.verify()
    if recheck_with is not None:
        recheck_with.verify()
    samples = load_audio(audio)
    if mode == "clips":
        words = transcribe_episode(audio, clips, mode, opts)
    else:
        words = hear_whole(samples, opts, audio, heard)
    report = qa(
        script,
        timeline,
        words,
        spoken,
        threshold,
        lexicon=lexicon,
        backend=opts.backend,
        model=opts.model,
    )
    rechecks: list[Recheck] = []
    if recheck_with is not None and report.flagged:
        report, rechecks = recheck(
            script, timeline, samples, report, recheck_with, spoken, lexicon=lexicon, source=audio
        )
    return Transcript(
        words=words,
        report=report,
        vtt=captions.vtt(script, timeline, words),
        srt=captions.srt(script, timeline, words),
        rechecks=rechecks,
    )
