"""The transcribe stage: the episode heard back, its captions, and QA against the script."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from pydantic import BaseModel

from pipeline import episode_files
from pipeline.atomic_files import write_text
from pipeline.config import Settings
from pipeline.errors import InfracastError
from pipeline.models import Episode, EpisodeState, Script, Timeline
from pipeline.stages.base import Progress, StageEnv, StageResult
from pipeline.stages.loaders import approved_script
from pipeline.stages.render import say_again, spoken_lines
from pipeline.store import Store, file_digest


class TranscribeInputs(BaseModel):
    audio_hash: str
    script: Script
    timeline: Timeline
    spoken: dict[str, str]
    backend: str
    model: str
    recheck_model: str = ""
    threshold: float
    auto_rerender: bool = False


def load(store: Store, episode: Episode, settings: Settings) -> TranscribeInputs:
    folder = store.episode_dir(episode.id)
    mp3 = folder / episode_files.AUDIO
    if not mp3.is_file():
        raise InfracastError(f"episode {episode.id} has no audio at {mp3}; render it again")
    # QA holds the audio to the approved script: what the hosts were meant to say.
    latest = approved_script(store, episode).script
    return TranscribeInputs(
        audio_hash=file_digest(mp3),
        script=latest,
        timeline=episode_files.TIMELINE.read(folder),
        spoken=spoken_lines(latest, settings.show(episode.show).lexicon),
        backend=settings.asr_backend,
        model=settings.asr_model,
        recheck_model=settings.asr_recheck_model,
        threshold=settings.qa_threshold,
        auto_rerender=settings.show(episode.show).auto_rerender,
    )


def lines_heard(timeline: Timeline, progress: Progress) -> Callable[[float], None]:
    """Reports seconds heard as lines heard: those that end by then."""
    ends = [line.end for line in timeline.lines]

    def heard(seconds: float) -> None:
        progress(sum(end <= seconds + 0.05 for end in ends), len(ends))

    return heard


def run(inputs: TranscribeInputs, env: StageEnv) -> StageResult:
    # numpy and the ASR backends: only here
    from pipeline.transcribe import backends, episode

    root = env.settings.data_root
    options = backends.TranscribeOptions(backend=inputs.backend, model=inputs.model, data_root=root)
    second = (
        backends.TranscribeOptions(model=inputs.recheck_model, data_root=root)
        if inputs.recheck_model
        else None
    )
    try:
        done = episode.hear_and_check(
            inputs.script,
            inputs.timeline,
            env.folder / episode_files.AUDIO,
            options=options,
            threshold=inputs.threshold,
            spoken=inputs.spoken,
            recheck_with=second,
            heard=lines_heard(inputs.timeline, env.progress),
        )
    finally:
        backends.release_models()  # a worker renders the next episode in that memory
    report = done.report
    folder = env.folder
    files = [
        episode_files.WORDS.write(folder, episode_files.Words(words=done.words)),
        episode_files.QA.write(folder, report),
        # Both hearings of every re-checked line, for the editor: what the episode pass
        # heard and what the line heard on its own said.
        episode_files.write_qa_rechecks(folder, [asdict(r) for r in done.rechecks]),
        write_text(folder / episode_files.CAPTIONS_VTT, done.vtt),
        write_text(folder / episode_files.CAPTIONS_SRT, done.srt),
    ]
    flagged = [q.line_id for q in report.flagged]
    summary: dict[str, Any] = {
        "wer": round(report.wer, 4),
        "flagged": flagged,
        "cleared_by_recheck": [r.line_id for r in done.rechecks if not r.flagged],
    }
    # A line both recognisers mishear is said once more, a step down its host's ladder
    # (slower), before the episode is held for an editor. Each line gets one such try:
    # a line re-rendered before (by this or by an editor, in another voice or with a
    # word respelt) is left to the editor.
    said_again = {*episode_files.read_overrides(folder), *episode_files.read_respellings(folder)}
    again = [line for line in flagged if line not in said_again]
    if inputs.auto_rerender and again:
        say_again(folder, env.settings.show(env.episode.show).hosts, inputs.script, again)
        summary["rerendering"] = again
        return StageResult(summary=summary, files=files, state=EpisodeState.APPROVED)
    return StageResult(summary=summary, files=files)
