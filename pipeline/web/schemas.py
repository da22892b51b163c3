"""What the JSON API sends and accepts; the OpenAPI schema is generated from these."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from pipeline import orchestrate
from pipeline.models import Episode, EpisodeState

# Where each state sits on the way to a feed, for progress bars.
ORDER = [
    EpisodeState.QUEUED,
    EpisodeState.INGESTED,
    EpisodeState.SCRIPTED,
    EpisodeState.IN_REVIEW,
    EpisodeState.APPROVED,
    EpisodeState.RENDERED,
    EpisodeState.TRANSCRIBED,
    EpisodeState.ANNOTATED,
    EpisodeState.PUBLISHED,
]


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


def episode_out(episode: Episode) -> EpisodeOut:
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
        progress=round(ORDER.index(state) / (len(ORDER) - 1), 3) if state in ORDER else 0.0,
        failed_stage=episode.failed_stage,
        failure=episode.failure,
        created_at=episode.created_at,
        updated_at=episode.updated_at,
        page=f"/episodes/{episode.id}",
    )


class EpisodeList(BaseModel):
    episodes: list[EpisodeOut]


class QueueRequest(BaseModel):
    """Exactly one of `markdown`, `url` or `feed_url`."""

    show: str | None = Field(None, max_length=100, description="show slug; default show if null")
    markdown: str | None = Field(None, description="article text (Markdown or plain)")
    url: str | None = Field(None, max_length=2000, description="an article's http(s) URL")
    feed_url: str | None = Field(
        None, max_length=2000, description="an RSS/Atom feed: queues its new entries"
    )
    force: bool = Field(False, description="queue again even if the show has this article")


class Queued(BaseModel):
    episodes: list[EpisodeOut]
    created: list[int] = Field(description="ids of episodes made by this request")
