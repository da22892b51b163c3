"""What the JSON API sends and accepts; the OpenAPI schema is generated from these."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline import actions, orchestrate
from pipeline.figures.audit import untraced
from pipeline.figures.models import AuditFinding
from pipeline.models import (
    CheckVerdict,
    Episode,
    EpisodeState,
    RunningStage,
    Script,
    ScriptVersion,
    StateChange,
)
from pipeline.stages import STATE_ORDER


class WorkOut(BaseModel):
    """The stage running now and how far it has got (lines rendered or heard)."""

    stage: str
    done: int | None = Field(description="items done so far; null when the stage does not say")
    total: int | None
    seconds_left: float | None = Field(description="estimate at the pace so far; null until known")
    time_left: str = Field(
        description="that estimate as people say it, e.g. 'about 3 min left'; empty until known"
    )
    started_at: datetime


class EpisodeOut(BaseModel):
    id: int
    show: str
    state: EpisodeState
    title: str | None
    source: str = Field(description="the file name, URL or 'pasted text' it came from")
    source_kind: str
    next_stage: str | None = Field(
        description="the stage that runs next (or is running); null when waiting or done"
    )
    progress: float = Field(ge=0, le=1, description="how far along the way to the feed")
    failed_stage: str | None
    failure: str | None
    created_at: datetime
    updated_at: datetime
    page: str = Field(description="the episode's page in the web app")
    approved_version: int | None = Field(
        None, description="the script version approved for audio; null until approved"
    )
    last_actor: str | None = Field(
        None, description="the editor whose action last changed it; null for the pipeline"
    )
    work: WorkOut | None = Field(None, description="the stage running now, if one is")


def episode_out(episode: Episode, running: RunningStage | None = None) -> EpisodeOut:
    stage = orchestrate.next_stage(episode)
    waiting = episode.state in (EpisodeState.IN_REVIEW, EpisodeState.PUBLISHED)
    state = episode.state
    if state == EpisodeState.FAILED and episode.failed_stage:
        state = orchestrate.stage_named(episode.failed_stage).start
    return EpisodeOut(
        id=episode.id,
        show=episode.show,
        state=episode.state,
        title=episode.title,
        source=episode.source.uri,
        source_kind=episode.source.kind,
        next_stage=None if waiting or stage is None else stage.name,
        # where the state sits on the way to a feed, for progress bars
        progress=(
            round(STATE_ORDER.index(state) / (len(STATE_ORDER) - 1), 3)
            if state in STATE_ORDER
            else 0.0
        ),
        failed_stage=episode.failed_stage,
        failure=episode.failure,
        created_at=episode.created_at,
        updated_at=episode.updated_at,
        page=f"/episodes/{episode.id}",
        approved_version=episode.approved_version,
        last_actor=episode.last_actor,
        work=None if running is None else _work(running),
    )


def time_left(seconds: float | None) -> str:
    """An estimate as people say it; empty when there is none yet. The pages show these
    words as they are (the dashboard's rows, and the episode page's live box)."""
    if seconds is None:
        return ""
    if seconds < 45:
        return "less than a minute left"
    if seconds < 90 * 60:
        return f"about {max(1, round(seconds / 60))} min left"
    return f"about {round(seconds / 3600)} h left"


def _work(running: RunningStage) -> WorkOut:
    left = running.seconds_left()
    return WorkOut(
        stage=running.stage,
        done=running.done,
        total=running.total,
        seconds_left=None if left is None else round(left, 1),
        time_left=time_left(left),
        started_at=running.started_at,
    )


class EpisodeList(BaseModel):
    episodes: list[EpisodeOut]
    total: int = Field(description="how many episodes match, over all pages")


EXAMPLE_ARTICLE = """# A Forty-Megawatt Hall

The new hall draws 40 MW when it is full. It holds 400 racks, and each rack draws
about 100 kW. Building it cost $600 million, or $15 million per megawatt.
"""


class QueueRequest(BaseModel):
    """Exactly one of `markdown`, `url` or `feed_url`."""

    # Strict: `"force": 0` or `"markdown": 12` is a mistake to report, not to coerce.
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"show": "infracast", "markdown": EXAMPLE_ARTICLE}]},
    )

    show: str | None = Field(None, max_length=100, description="show slug; default show if null")
    markdown: str | None = Field(None, description="article text (Markdown or plain)")
    url: str | None = Field(None, max_length=2000, description="an article's http(s) URL")
    feed_url: str | None = Field(
        None, max_length=2000, description="an RSS/Atom feed: queues its new entries"
    )
    force: bool = Field(False, description="queue again even if the show has this article")


class RefusedEntryOut(BaseModel):
    entry: str = Field(description="the feed entry's title, guid or link")
    reason: str
    episode_id: int | None = Field(
        description="the failed episode that remembers the entry (retry it to try again)"
    )


class Queued(BaseModel):
    episodes: list[EpisodeOut]
    created: list[int] = Field(description="ids of episodes made by this request")
    refused: list[RefusedEntryOut] = Field(
        default_factory=list, description="feed entries not queued, each with its reason"
    )


class ErrorOut(BaseModel):
    """Every error the API answers with: what went wrong and what to do."""

    detail: str


class EpisodeDetail(EpisodeOut):
    history: list[StateChange] = Field(description="every state change, oldest first")
    script_version: int | None = Field(description="the newest script version; null before one")


class VersionOut(BaseModel):
    """One saved version of a script: version 1 is the writer's, each edit adds one."""

    version: int
    author: str
    comment: str
    created_at: datetime


def version_out(saved: ScriptVersion) -> VersionOut:
    return VersionOut(
        version=saved.version,
        author=saved.author,
        comment=saved.comment,
        created_at=saved.created_at,
    )


class ScriptOut(VersionOut):
    script: Script
    findings: list[AuditFinding] = Field(
        description="every number said in the script and the ledger figure it matches"
    )
    untraced: list[str] = Field(
        description="the numbers said that trace to no ledger figure, as said, in script order"
    )


def script_out(saved: ScriptVersion) -> ScriptOut:
    return ScriptOut(
        **version_out(saved).model_dump(),
        script=saved.script,
        findings=saved.findings,
        untraced=[f.text for f in untraced(saved.findings)],
    )


class ApproveRequest(BaseModel):
    """The script version the editor reviewed: approving any other is refused with 409."""

    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [{"version": 2}]}
    )

    version: int | None = Field(
        None, ge=1, description="the script version approved; it must be the latest"
    )


class PublishRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    allow_failed_qa: bool = Field(
        False, description="publish even if the transcript check (QA) flagged lines"
    )


class CheckOut(BaseModel):
    """A consistency check of the episode's ledger: a figure the article states against
    the same result computed from its own figures."""

    id: str = Field(description='the check\'s id in the ledger: "k1", "k2" …')
    stated_id: str
    computed_id: str
    agrees: bool
    confidence: float = Field(
        ge=0, le=1, description="how sure it is that both figures are about the same thing"
    )
    alarm: bool = Field(description="a disagreement confident enough to be said on air")
    said: bool = Field(
        description="a script or the show notes may say it: an agreement, or an alarm no "
        "editor has marked a false alarm"
    )
    note: str
    lines: list[str] = Field(description="the lines of the latest script version that say it")
    verdict: CheckVerdict | None = Field(description="an editor's verdict; null when none")


def check_out(review: actions.CheckReview) -> CheckOut:
    c = review.check
    return CheckOut(
        id=c.id,
        stated_id=c.stated_id,
        computed_id=c.computed_id,
        agrees=c.agrees,
        confidence=c.confidence,
        alarm=c.alarm,
        said=review.said,
        note=c.note,
        lines=review.lines,
        verdict=review.verdict,
    )


class VerdictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    verdict: Literal["false_alarm"] = Field(
        description="false_alarm: the disagreement is wrong, so nothing may say it"
    )
    comment: str = Field("", max_length=2000, description="why, for the history")


class VerdictOut(BaseModel):
    check: CheckOut
    script_version: int | None = Field(
        description="the script version saved without the lines that said the check; null "
        "when no line said it"
    )
