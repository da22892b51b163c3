"""The publish gate: QA must pass unless an editor publishes anyway; then the feed is
written again (pipeline.feeds)."""

from __future__ import annotations

from pydantic import BaseModel

from pipeline import episode_files
from pipeline.config import Settings
from pipeline.episode_files import PublishDecision
from pipeline.errors import Held
from pipeline.models import Episode
from pipeline.stages.base import StageEnv, StageResult
from pipeline.store import Store


class PublishInputs(BaseModel):
    episode_id: int
    flagged: list[str]
    decision: PublishDecision


def load(store: Store, episode: Episode, settings: Settings) -> PublishInputs:
    folder = store.episode_dir(episode.id)
    report = episode_files.QA.read(folder)
    return PublishInputs(
        episode_id=episode.id,
        flagged=[q.line_id for q in report.flagged],
        decision=episode_files.read_publish_decision(folder),
    )


def run(inputs: PublishInputs, env: StageEnv) -> StageResult:
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


def write_feed(store: Store, settings: Settings, episode: Episode) -> None:
    from pipeline import feeds

    feeds.write_feed(store, settings, episode.show)
