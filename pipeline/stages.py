"""The stages of the flow, registered in order: what each starts from, makes and needs.

Each entry says which state a stage starts from and produces, its queue, how
to load its inputs from the store and how to run it. The run functions call
the plain stage modules (ingest, figures, script, speech, transcribe) and
touch no database: pipeline.orchestrate records what they return. Adding a
stage is writing its two functions and one entry in STAGES.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, Field

from pipeline import ingest, script
from pipeline.config import Host, Settings, Voice
from pipeline.errors import Held, InfracastError
from pipeline.figures.audit import audit, untraced
from pipeline.figures.ledger import build_ledger
from pipeline.figures.models import AuditFinding, Ledger
from pipeline.models import (
    Article,
    Episode,
    EpisodeState,
    QAReport,
    Script,
    ScriptVersion,
    Source,
    Timeline,
    Word,
)
from pipeline.speech import fallback, normalize
from pipeline.speech.render import ClipJob, clip_key, clip_path, render_clip, render_clips
from pipeline.store import Store, file_digest

M = TypeVar("M", bound=BaseModel)
log = logging.getLogger(__name__)


def write_text(path: Path, text: str) -> Path:
    """Write atomically, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def write_json(path: Path, model: BaseModel) -> Path:
    return write_text(path, model.model_dump_json(indent=2))


@dataclass(frozen=True)
class StageEnv:
    """What a stage may use besides its inputs: settings and its episode's folder."""

    settings: Settings
    episode: Episode
    folder: Path


@dataclass(frozen=True)
class StageResult:
    """What a stage made. `state` overrides the stage's end state (the review gate)."""

    summary: dict[str, Any]
    article: Article | None = None
    script: tuple[Script, list[AuditFinding]] | None = None
    files: list[Path] = field(default_factory=list)
    state: EpisodeState | None = None


@dataclass(frozen=True)
class FanOut:
    """Work a stage can hand to many workers before it runs (distributed mode only).

    `parts` lists what is still to do as JSON-able payloads; `do` does one. The
    stage then runs as usual and finds the parts done (rendered clips are cached).
    """

    parts: Callable[[Any, Settings], list[dict[str, Any]]]
    do: Callable[[dict[str, Any], Settings], None]
    queue: str | None = None  # where the parts go; the stage's own queue when None


@dataclass(frozen=True)
class Stage:
    name: str
    queue: str
    start: EpisodeState
    end: EpisodeState
    inputs: Callable[[Store, Episode, Settings], BaseModel]
    run: Callable[[Any, StageEnv], StageResult]
    version: str = "1"
    fan_out: FanOut | None = None
    # Runs once the episode has reached `end` (the state change is what it acts on).
    after: Callable[[Store, Settings, Episode], None] | None = None


# -- stages ---------------------------------------------------------------


def _ingest_inputs(store: Store, episode: Episode, settings: Settings) -> BaseModel:
    return episode.source


def _ingest(source: Source, env: StageEnv) -> StageResult:
    article = ingest.article_from_source(source, ingest.IngestOptions.from_settings(env.settings))
    path = write_json(env.folder / "article.json", article)
    summary = {"content_hash": article.content_hash, "words": article.word_count}
    return StageResult(summary=summary, article=article, files=[path])


class ScriptInputs(BaseModel):
    """Everything the script depends on; its hash decides whether to write again."""

    article: Article
    show: str
    writer: str
    minutes: float
    hosts: list[tuple[str, str]]
    use_assumptions: bool
    dismissed: list[str] = Field(
        default_factory=list, description="ids of checks an editor marked a false alarm"
    )


def _script_inputs(store: Store, episode: Episode, settings: Settings) -> BaseModel:
    if episode.article_id is None:
        raise InfracastError(f"episode {episode.id} has no article; retry its ingest")
    show = settings.show(episode.show)
    return ScriptInputs(
        article=store.article(episode.article_id),
        show=episode.show,
        writer=show.writer,
        minutes=show.minutes,
        hosts=[(h.name, h.role) for h in show.hosts],
        use_assumptions=show.use_assumptions,
        dismissed=dismissed_checks(store, episode),
    )


def _script_setup(
    inputs: ScriptInputs, settings: Settings
) -> tuple[Ledger, Ledger, script.WriterOptions]:
    """The ledger, the ledger the writer is told (without dismissed checks), and its options."""
    ledger = build_ledger(inputs.article, use_assumptions=inputs.use_assumptions)
    options = script.options_for(settings, inputs.show, inputs.minutes)
    # A script written again (a retried stage) must not say what an editor dismissed.
    told = ledger.model_copy(
        update={"checks": [c for c in ledger.checks if c.id not in inputs.dismissed]}
    )
    return ledger, told, options


def _script(inputs: ScriptInputs, env: StageEnv) -> StageResult:
    ledger, told, options = _script_setup(inputs, env.settings)
    written = script.writer_named(inputs.writer)(inputs.article, told, options)
    findings = audit(written.lines, ledger)
    files = [
        write_json(env.folder / "ledger.json", ledger),
        write_json(env.folder / "script.json", written),
    ]
    summary = {
        "lines": len(written.lines),
        "words": written.words,
        "untraced": len(untraced(findings)),
        "writer": inputs.writer,
    }
    return StageResult(summary=summary, script=(written, findings), files=files)


def _segments_to_write(inputs: ScriptInputs, settings: Settings) -> list[dict[str, Any]]:
    """The llm writer's segments no cached answer covers, one part each (distributed mode):
    the stage then runs as usual and finds them written."""
    if inputs.writer != "llm":
        return []
    from pipeline.script import llm

    _, told, options = _script_setup(inputs, settings)
    payload = inputs.model_dump(mode="json")
    return [{"inputs": payload, "segment": i}
            for i in llm.unwritten_segments(inputs.article, told, options)]


def _write_segment(part: dict[str, Any], settings: Settings) -> None:
    from pipeline.script import llm

    inputs = ScriptInputs.model_validate(part["inputs"])
    _, told, options = _script_setup(inputs, settings)
    try:
        llm.write_one_segment(inputs.article, told, options, part["segment"])
    except InfracastError as e:
        # A failed part would stop the chord; the stage meets the error itself and records it.
        log.warning("script segment %s not written: %s", part["segment"], e)


class ReviewInputs(BaseModel):
    auto_approve: bool


def _review_inputs(store: Store, episode: Episode, settings: Settings) -> BaseModel:
    return ReviewInputs(auto_approve=settings.show(episode.show).auto_approve)


def _review(inputs: ReviewInputs, env: StageEnv) -> StageResult:
    """The gate: editors approve in the browser or with `infracast approve`, unless the show
    approves its scripts automatically."""
    state = EpisodeState.APPROVED if inputs.auto_approve else EpisodeState.IN_REVIEW
    return StageResult(summary={"auto_approved": inputs.auto_approve}, state=state)


class RenderInputs(BaseModel):
    """The approved script and everything that decides how it sounds."""

    script_version: int
    script: Script
    voices: dict[str, Voice]
    overrides: dict[str, Voice] = Field(default_factory=dict, description="line id → voice")
    lexicon: dict[str, str]
    show: str
    author: str
    date: str
    cover: str | None


OVERRIDES = "overrides.json"
MASTERING = "mastering.json"  # the last render's mastering and host gains, hints for the next


def overrides_of(folder: Path) -> dict[str, Any]:
    """The voice each re-rendered line is said with, by line id."""
    path = folder / OVERRIDES
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def say_again(folder: Path, hosts: list[Host], script: Script, line_ids: list[str]) -> None:
    """Moves each of `line_ids` one step down its host's ladder of voices (never to
    another host's voice), for the next render."""
    by_name = {h.name: h for h in hosts}
    overrides = overrides_of(folder)
    for line in script.lines:
        if line.id in line_ids:
            host = by_name[line.speaker]
            current = Voice.model_validate(overrides.get(line.id, host.voice.model_dump()))
            overrides[line.id] = fallback.next_voice(host, current).model_dump()
    write_text(folder / OVERRIDES, json.dumps(overrides, indent=2))


def approved_script(store: Store, episode: Episode) -> ScriptVersion:
    """The script version approved for audio: what render says, QA hears and captions and
    notes show, never "the latest" (a version saved after approval is not reviewed)."""
    if episode.approved_version is None:
        raise InfracastError(
            f"episode {episode.id} has no approved script version: approve it with "
            f"`infracast approve {episode.id}`"
        )
    return store.script(episode.id, episode.approved_version)


def _render_inputs(store: Store, episode: Episode, settings: Settings) -> BaseModel:
    show = settings.show(episode.show)
    saved = approved_script(store, episode)
    return RenderInputs(
        script_version=saved.version,
        script=saved.script,
        voices={h.name: h.voice for h in show.hosts},
        overrides=overrides_of(store.episode_dir(episode.id)),
        lexicon=show.lexicon,
        show=show.title,
        author=show.author,
        date=episode.created_at.date().isoformat(),
        cover=str(show.artwork) if show.artwork else None,
    )


def spoken_lines(script: Script, lexicon: dict[str, str]) -> dict[str, str]:
    """Each line's spoken form: what the voice says and what QA expects to hear."""
    return {line.id: normalize.spoken(line.text, lexicon) for line in script.lines}


def clip_jobs(inputs: RenderInputs) -> list[ClipJob]:
    said = spoken_lines(inputs.script, inputs.lexicon)
    return [
        ClipJob(line.id, said[line.id], inputs.overrides.get(line.id, inputs.voices[line.speaker]))
        for line in inputs.script.lines
    ]


def _render(inputs: RenderInputs, env: StageEnv) -> StageResult:
    # scipy and pyloudnorm take a second to import: only the stage that masters pays it.
    from pipeline.speech.assemble import EpisodeTags, assemble

    clips = render_clips(clip_jobs(inputs), clip_cache(env.settings), env.settings.render_workers)
    tags = EpisodeTags(
        title=inputs.script.title,
        show=inputs.show,
        artist=inputs.author,
        date=inputs.date,
        cover=Path(inputs.cover) if inputs.cover else None,
    )
    # The last render's mastering gain and host levels, and its mastered chunks: after an
    # edit of a line or two only the chunks around it are mastered and encoded again.
    # Kept out of the stage's inputs, so they never decide whether the stage runs again.
    mastering = env.folder / MASTERING
    hint: dict[str, Any] = {}
    if mastering.is_file():
        hint = json.loads(mastering.read_text(encoding="utf-8"))
    done = assemble(
        inputs.script, {c.line_id: c.path for c in clips}, env.folder / "episode.mp3", tags,
        gain_hint=hint.get("gain_db"), host_gains=hint.get("host_gains"),
        cache=master_cache(env.folder),
    )
    files = [
        done.mp3,
        write_json(env.folder / "timeline.json", done.timeline),
        write_text(mastering, json.dumps({"gain_db": done.gain_db,
                                          "host_gains": done.host_gains})),
    ]
    summary = {
        "duration": round(done.timeline.duration, 2),
        "loudness_lufs": round(done.loudness, 2),
        "true_peak_dbtp": round(done.true_peak, 2),
        "clips": len(clips),
        "clips_rendered": sum(not c.cached for c in clips),
    }
    return StageResult(summary=summary, files=files)


def clip_cache(settings: Settings) -> Path:
    """Clips are shared by every episode: a line said the same way is rendered once."""
    return settings.data_root / "clips"


def master_cache(folder: Path) -> Path:
    """An episode's mastered chunks, kept for its next render (`assemble` prunes it to the
    chunks of the latest one); one folder an episode, as no two episodes share chunks."""
    return folder / "master-chunks"


def _clips_to_render(inputs: RenderInputs, settings: Settings) -> list[dict[str, Any]]:
    cache = clip_cache(settings)
    todo = {}
    for job in clip_jobs(inputs):
        key = clip_key(job)
        if not clip_path(cache, key).exists():
            todo[key] = {"line_id": job.line_id, "text": job.text, "voice": job.voice.model_dump()}
    return list(todo.values())


def _render_one_clip(part: dict[str, Any], settings: Settings) -> None:
    job = ClipJob(part["line_id"], part["text"], Voice.model_validate(part["voice"]))
    render_clip(job, clip_cache(settings))


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


def _transcribe_inputs(store: Store, episode: Episode, settings: Settings) -> BaseModel:
    folder = store.episode_dir(episode.id)
    mp3 = folder / "episode.mp3"
    if not mp3.is_file():
        raise InfracastError(f"episode {episode.id} has no audio at {mp3}; render it again")
    # QA holds the audio to the approved script: what the hosts were meant to say.
    latest = approved_script(store, episode).script
    return TranscribeInputs(
        audio_hash=file_digest(mp3),
        script=latest,
        timeline=_read(folder / "timeline.json", Timeline),
        spoken=spoken_lines(latest, settings.show(episode.show).lexicon),
        backend=settings.asr_backend,
        model=settings.asr_model,
        recheck_model=settings.asr_recheck_model,
        threshold=settings.qa_threshold,
        auto_rerender=settings.show(episode.show).auto_rerender,
    )


def _transcribe(inputs: TranscribeInputs, env: StageEnv) -> StageResult:
    from dataclasses import asdict

    from pipeline import transcribe  # numpy and the ASR backends: only here

    root = env.settings.data_root
    options = transcribe.TranscribeOptions(
        backend=inputs.backend, model=inputs.model, data_root=root
    )
    second = (
        transcribe.TranscribeOptions(model=inputs.recheck_model, data_root=root)
        if inputs.recheck_model
        else None
    )
    try:
        done = transcribe.run(
            inputs.script,
            inputs.timeline,
            env.folder / "episode.mp3",
            options=options,
            threshold=inputs.threshold,
            spoken=inputs.spoken,
            recheck_with=second,
        )
    finally:
        transcribe.release_models()  # a worker renders the next episode in that memory
    report = done.report
    # Both hearings of every re-checked line, for the editor: what the episode pass
    # heard and what the line heard on its own said.
    rechecks = {"rechecks": [asdict(r) for r in done.rechecks]}
    files = [
        write_json(env.folder / "words.json", Words(words=done.words)),
        write_json(env.folder / "qa.json", report),
        write_text(env.folder / "qa_rechecks.json", json.dumps(rechecks, indent=2) + "\n"),
        write_text(env.folder / "captions.vtt", done.vtt),
        write_text(env.folder / "captions.srt", done.srt),
    ]
    flagged = [q.line_id for q in report.flagged]
    summary: dict[str, Any] = {
        "wer": round(report.wer, 4),
        "flagged": flagged,
        "cleared_by_recheck": [r.line_id for r in done.rechecks if not r.flagged],
    }
    # A line both recognisers mishear is said once more, a step down its host's ladder
    # (slower), before the episode is held for an editor. Each line gets one such try:
    # a line re-rendered before (by this or by an editor) is left to the editor.
    said_again = overrides_of(env.folder)
    again = [line for line in flagged if line not in said_again]
    if inputs.auto_rerender and again:
        say_again(env.folder, env.settings.show(env.episode.show).hosts, inputs.script, again)
        summary["rerendering"] = again
        return StageResult(summary=summary, files=files, state=EpisodeState.APPROVED)
    return StageResult(summary=summary, files=files)


class Words(BaseModel):
    words: list[Word]


class AnnotateInputs(BaseModel):
    script: Script
    ledger: Ledger
    timeline: Timeline
    words: list[Word]
    article_title: str
    article_source: str
    language: str
    dismissed: list[str] = Field(
        default_factory=list, description="ids of checks an editor marked a false alarm"
    )


def _annotate_inputs(store: Store, episode: Episode, settings: Settings) -> BaseModel:
    folder = store.episode_dir(episode.id)
    if episode.article_id is None:
        raise InfracastError(f"episode {episode.id} has no article; retry its ingest")
    article = store.article(episode.article_id)
    return AnnotateInputs(
        script=approved_script(store, episode).script,
        ledger=_read(folder / "ledger.json", Ledger),
        timeline=_read(folder / "timeline.json", Timeline),
        words=_read(folder / "words.json", Words).words,
        article_title=article.title,
        article_source=article.source,
        language=settings.show(episode.show).language,
        dismissed=dismissed_checks(store, episode),
    )


def dismissed_checks(store: Store, episode: Episode) -> list[str]:
    """The checks an editor marked a false alarm: nothing may say them."""
    return sorted(v.check_id for v in store.verdicts(episode.id) if v.verdict == "false_alarm")


def _annotate(inputs: AnnotateInputs, env: StageEnv) -> StageResult:
    from pipeline import annotate, feeds  # the transcript's word matching needs numpy

    notes = annotate.annotate(
        inputs.script,
        inputs.ledger,
        inputs.timeline,
        inputs.words,
        inputs.article_title,
        inputs.article_source,
        dismissed=frozenset(inputs.dismissed),
    )
    chapters = json.dumps(annotate.chapters_json(notes), indent=2, ensure_ascii=False)
    files = [
        write_json(env.folder / feeds.ANNOTATIONS, notes),
        write_text(env.folder / "notes.md", annotate.show_notes_markdown(notes)),
        write_text(env.folder / feeds.NOTES_HTML, annotate.show_notes_html(notes, inputs.language)),
        write_text(env.folder / feeds.CHAPTERS, chapters),
    ]
    summary = {
        "cards": len(notes.cards),
        "cards_heard": sum(c.heard for c in notes.cards),
        "chapters": len(notes.chapters),
    }
    return StageResult(summary=summary, files=files)


PUBLISHING = "publishing.json"


class PublishDecision(BaseModel):
    """What an editor decided about publishing (publishing.json); absent means "if QA passes"."""

    hold: bool = False
    allow_failed_qa: bool = False
    by: str = ""


class PublishInputs(BaseModel):
    episode_id: int
    flagged: list[str]
    decision: PublishDecision


def publish_decision(folder: Path) -> PublishDecision:
    path = folder / PUBLISHING
    return _read(path, PublishDecision) if path.is_file() else PublishDecision()


def _publish_inputs(store: Store, episode: Episode, settings: Settings) -> BaseModel:
    folder = store.episode_dir(episode.id)
    report = _read(folder / "qa.json", QAReport)
    return PublishInputs(
        episode_id=episode.id,
        flagged=[q.line_id for q in report.flagged],
        decision=publish_decision(folder),
    )


def _publish(inputs: PublishInputs, env: StageEnv) -> StageResult:
    """The gate before the feed: QA must pass unless an editor publishes anyway."""
    n, decision = inputs.episode_id, inputs.decision
    if decision.hold:
        raise Held(f"unpublished by {decision.by}; publish it with `infracast publish {n}`")
    if inputs.flagged and not decision.allow_failed_qa:
        lines = ", ".join(inputs.flagged)
        raise Held(
            f"QA flagged {len(inputs.flagged)} line(s) ({lines}): re-render them with "
            f"`infracast rerender {n} --failed`, or publish anyway with "
            f"`infracast publish {n} --allow-failed-qa`"
        )
    summary = {"qa_flagged": len(inputs.flagged), "published_by": decision.by or "pipeline"}
    return StageResult(summary=summary)


def _write_feed(store: Store, settings: Settings, episode: Episode) -> None:
    from pipeline import feeds

    feeds.write_feed(store, settings, episode.show)


def _read(path: Path, model: type[M]) -> M:
    if not path.is_file():
        raise InfracastError(f"{path} is missing; retry the stage that writes it")
    return model.model_validate_json(path.read_text(encoding="utf-8"))


STAGES: list[Stage] = [
    Stage(
        name="ingest",
        queue="default",
        start=EpisodeState.QUEUED,
        end=EpisodeState.INGESTED,
        inputs=_ingest_inputs,
        run=_ingest,
    ),
    Stage(
        name="script",
        queue="default",
        start=EpisodeState.INGESTED,
        end=EpisodeState.SCRIPTED,
        inputs=_script_inputs,
        run=_script,
        fan_out=FanOut(parts=_segments_to_write, do=_write_segment, queue="write"),
    ),
    Stage(
        name="review",
        queue="default",
        start=EpisodeState.SCRIPTED,
        end=EpisodeState.IN_REVIEW,
        inputs=_review_inputs,
        run=_review,
    ),
    Stage(
        name="render",
        queue="render",
        start=EpisodeState.APPROVED,
        end=EpisodeState.RENDERED,
        inputs=_render_inputs,
        run=_render,
        fan_out=FanOut(parts=_clips_to_render, do=_render_one_clip),
    ),
    Stage(
        name="transcribe",
        queue="transcribe",
        start=EpisodeState.RENDERED,
        end=EpisodeState.TRANSCRIBED,
        inputs=_transcribe_inputs,
        run=_transcribe,
    ),
    Stage(
        name="annotate",
        queue="default",
        start=EpisodeState.TRANSCRIBED,
        end=EpisodeState.ANNOTATED,
        inputs=_annotate_inputs,
        run=_annotate,
    ),
    Stage(
        name="publish",
        queue="default",
        start=EpisodeState.ANNOTATED,
        end=EpisodeState.PUBLISHED,
        inputs=_publish_inputs,
        run=_publish,
        after=_write_feed,
    ),
]
QUEUES = ("default", "write", "render", "transcribe")
