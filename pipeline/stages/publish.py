"""The publish gate: QA must pass unless an editor publishes anyway; then the feed is
written again (pipeline.feeds).

A held episode's reason says what is wrong, never what to type or click: the CLI and
the web app each offer their own way on (a command, a button)."""

from __future__ import annotations

from pydantic import BaseModel

from pipeline import episode_files
from pipeline.config import Settings
from pipeline.episode_files import PublishDecision
from pipeline.errors import Held
from pipeline.models import Episode, QAReport
from pipeline.stages.base import StageEnv, StageResult
from pipeline.store import Store


class PublishInputs(BaseModel):
    episode_id: int
    flagged: list[str]
    why: list[str] = []  # what QA found in them, for the held reason
    decision: PublishDecision


def load(store: Store, episode: Episode, settings: Settings) -> PublishInputs:
    folder = store.episode_dir(episode.id)
    report = episode_files.QA.read(folder)
    return PublishInputs(
        episode_id=episode.id,
        flagged=[q.line_id for q in report.flagged],
        why=qa_findings(report),
        decision=episode_files.read_publish_decision(folder),
    )


def run(inputs: PublishInputs, env: StageEnv) -> StageResult:
    decision = inputs.decision
    if decision.hold:
        raise Held(f"unpublished by {decision.by}")
    if inputs.flagged and not decision.allow_failed_qa:
        raise Held(qa_flagged(inputs.flagged, inputs.why))
    summary = {"qa_flagged": len(inputs.flagged), "published_by": decision.by or "pipeline"}
    return StageResult(summary=summary)


def qa_findings(report: QAReport) -> list[str]:
    """What QA found in the lines it flagged: too many words misheard, figures not heard."""
    flagged = report.flagged
    why = []
    if any(q.wer > report.threshold for q in flagged):
        why.append(f"word error rate above {report.threshold:.0%}")
    if any(q.figures_missing for q in flagged):
        why.append("figures not heard")
    return why


def qa_flagged(flagged: list[str], why: list[str]) -> str:
    """Why QA holds an episode: "QA flagged 2 lines (l3, l7): word error rate above 15%"."""
    count = f"{len(flagged)} line{'s' if len(flagged) != 1 else ''}"
    found = f": {', '.join(why)}" if why else ""
    return f"QA flagged {count} ({', '.join(flagged)}){found}"


def write_feed(store: Store, settings: Settings, episode: Episode) -> None:
    from pipeline import feeds

    feeds.write_feed(store, settings, episode.show)
