"""The review gate: the script waits for an editor, unless the show approves its own."""

from __future__ import annotations

from pydantic import BaseModel

from pipeline.config import Settings
from pipeline.models import Episode, EpisodeState
from pipeline.stages.base import StageEnv, StageResult
from pipeline.store import Store


class ReviewInputs(BaseModel):
    auto_approve: bool


def load(store: Store, episode: Episode, settings: Settings) -> ReviewInputs:
    return ReviewInputs(auto_approve=settings.show(episode.show).auto_approve)


def run(inputs: ReviewInputs, env: StageEnv) -> StageResult:
    """Editors approve in the browser or with `infracast approve`, unless the show
    approves its scripts automatically."""
    state = EpisodeState.APPROVED if inputs.auto_approve else EpisodeState.IN_REVIEW
    return StageResult(summary={"auto_approved": inputs.auto_approve}, state=state)
