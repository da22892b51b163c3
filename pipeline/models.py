"""The plain data that stages take and return."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline.figures.models import AuditFinding


class EpisodeState(StrEnum):
    """Where an episode stands. `failed` can follow any state."""

    QUEUED = "queued"
    INGESTED = "ingested"
    SCRIPTED = "scripted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    RENDERED = "rendered"
    TRANSCRIBED = "transcribed"
    ANNOTATED = "annotated"
    PUBLISHED = "published"
    FAILED = "failed"


SourceKind = Literal["markdown", "html", "url"]


class Source(BaseModel):
    """What an episode was queued from, kept so a worker on any host can ingest it.

    `text` holds the decoded document for files and pasted text; URLs are
    fetched by the ingest stage. `guid` is the feed entry id when the source
    came from a feed.
    """

    model_config = ConfigDict(frozen=True)

    kind: SourceKind
    uri: str
    text: str | None = None
    guid: str | None = None


class Paragraph(BaseModel):
    """A block of prose, a list or a table; lists and tables keep their rows."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: Literal["text", "list", "table"] = "text"
    text: str
    rows: list[list[str]] = Field(default_factory=list)


class Section(BaseModel):
    model_config = ConfigDict(frozen=True)

    heading: str
    paragraphs: list[Paragraph]


class Article(BaseModel):
    """An article reduced to its text: the input of every later stage."""

    model_config = ConfigDict(frozen=True)

    title: str
    source: str
    sections: list[Section]
    content_hash: str

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [p for s in self.sections for p in s.paragraphs]

    @property
    def word_count(self) -> int:
        return sum(len(p.text.split()) for p in self.paragraphs)


def content_hash(title: str, sections: list[Section]) -> str:
    """Hash of an article's words, so the same article from a file or a URL matches."""
    digest = hashlib.sha256()
    for part in [title, *(p.text for s in sections for p in s.paragraphs)]:
        digest.update(" ".join(part.split()).lower().encode())
        digest.update(b"\n")
    return digest.hexdigest()


WORDS_PER_MINUTE = 150

Move = Literal[
    "cold_open",
    "intro",
    "question",
    "point",
    "comparison",
    "reaction",
    "transition",
    "recap",
    "outro",
]


class Line(BaseModel):
    """One turn of the dialogue: who says what, which figures and paragraphs it draws on.

    `move` is the line's job in the episode; audio uses it to pace pauses
    (shorter after a question, longer between segments).
    """

    model_config = ConfigDict(frozen=True)

    id: str
    speaker: str
    text: str
    segment: int = Field(0, description="index into Script.segments")
    move: Move = "point"
    figures: list[str] = Field(default_factory=list, description="ids of ledger figures cited")
    paragraphs: list[str] = Field(default_factory=list, description="ids of source paragraphs")

    @property
    def words(self) -> int:
        return len(self.text.split())


class Segment(BaseModel):
    """A chapter of the episode."""

    model_config = ConfigDict(frozen=True)

    title: str


class Script(BaseModel):
    """A two-host dialogue, as written and as edited (each save is a new version)."""

    model_config = ConfigDict(frozen=True)

    title: str
    summary: str
    segments: list[Segment]
    lines: list[Line]
    hosts: list[str] = Field(description="the two speakers, lead first")
    writer: str = ""
    target_minutes: float = 0
    notes: list[str] = Field(
        default_factory=list, description="what the writer wants editors to know"
    )

    @property
    def words(self) -> int:
        return sum(line.words for line in self.lines)

    @property
    def minutes(self) -> float:
        return self.words / WORDS_PER_MINUTE


class ScriptVersion(BaseModel):
    """A saved script: version 1 is the writer's, each edit adds one. Findings are its audit."""

    model_config = ConfigDict(frozen=True)

    version: int
    script: Script
    findings: list[AuditFinding] = Field(default_factory=list)
    author: str
    comment: str = ""
    created_at: datetime


class StateChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    from_state: EpisodeState | None
    to_state: EpisodeState
    at: datetime
    note: str = ""


Verdict = Literal["false_alarm"]


class CheckVerdict(BaseModel):
    """An editor's verdict on one consistency check of an episode's ledger.

    "false_alarm": the check's disagreement is wrong (it paired figures that do not
    belong together), so no script line or show note may say it.
    """

    model_config = ConfigDict(frozen=True)

    episode_id: int
    check_id: str = Field(description="the check's id in the episode's ledger: \"k2\"")
    verdict: Verdict
    by: str = Field(description="the editor who gave it")
    at: datetime
    comment: str = ""
    note: str = Field("", description="the check's note when the verdict was given")


class StoredFile(BaseModel):
    """A file a stage wrote under the data root."""

    model_config = ConfigDict(frozen=True)

    stage: str
    path: str
    content_hash: str
    size: int


class Episode(BaseModel):
    """An episode as the store knows it."""

    model_config = ConfigDict(frozen=True)

    id: int
    show: str
    state: EpisodeState
    source: Source
    title: str | None
    article_id: int | None
    content_hash: str | None
    failed_stage: str | None
    failure: str | None
    created_at: datetime
    updated_at: datetime
    feed_guid: str | None = None  # the feed item's guid, from its first publication
    approved_version: int | None = None  # the script version approved for audio
    held_reason: str | None = None  # why it waits instead of being published, if it does
    last_actor: str | None = None  # the editor whose action last changed it (None: pipeline)


class RunningStage(BaseModel):
    """A stage running now, as its heartbeat row says: how much of its work is done."""

    model_config = ConfigDict(frozen=True)

    stage: str
    runner: str
    started_at: datetime
    beat_at: datetime
    done: int | None = None  # items (lines) done, when the stage reports them
    total: int | None = None

    def seconds_left(self) -> float | None:
        """Time left at the pace so far; None until the stage has done something."""
        if not self.done or not self.total:
            return None
        spent = (self.beat_at - self.started_at).total_seconds()
        return max(0.0, spent / self.done * (self.total - self.done))


class TimedLine(BaseModel):
    """Where a script line sits in the finished episode, in seconds."""

    model_config = ConfigDict(frozen=True)

    line_id: str
    speaker: str
    segment: int
    start: float
    end: float


class TimedSegment(BaseModel):
    model_config = ConfigDict(frozen=True)

    index: int
    title: str
    start: float
    end: float


class Timeline(BaseModel):
    """The assembled episode's layout: every line and segment with its start and end."""

    model_config = ConfigDict(frozen=True)

    duration: float
    lines: list[TimedLine]
    segments: list[TimedSegment]


class Word(BaseModel):
    """A word the recogniser heard, in episode time."""

    model_config = ConfigDict(frozen=True)

    text: str
    start: float
    end: float
    probability: float = 1.0


class LineQA(BaseModel):
    """How well one line's audio matches what it should say."""

    model_config = ConfigDict(frozen=True)

    line_id: str
    expected: str = Field(description="the line's spoken form, normalised for comparison")
    heard: str = Field(description="what the recogniser heard in the line's time, normalised")
    wer: float
    flagged: bool
    figures_missing: list[str] = Field(
        default_factory=list, description="cited figures whose spoken words were not heard"
    )


class QAReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    backend: str
    model: str
    threshold: float
    wer: float = Field(description="word error rate over the whole episode")
    lines: list[LineQA]

    @property
    def flagged(self) -> list[LineQA]:
        return [line for line in self.lines if line.flagged]


class User(BaseModel):
    """An editor account (the web app's sign-in)."""

    model_config = ConfigDict(frozen=True)

    id: int
    name: str
    password_hash: str = Field(repr=False)
