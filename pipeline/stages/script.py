"""The script stage: the article's figures ledger, a script written from it, and its audit.

`write` is the stage without its files; `infracast script` prints what it returns.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from pipeline import episode_files, script
from pipeline.config import Settings
from pipeline.errors import InfracastError
from pipeline.figures.audit import audit, untraced
from pipeline.figures.ledger import build_ledger
from pipeline.figures.models import AuditFinding, Ledger
from pipeline.models import Article, Episode, Script
from pipeline.stages.base import StageEnv, StageResult
from pipeline.stages.loaders import dismissed_checks
from pipeline.store import Store

log = logging.getLogger(__name__)


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
    model: str | None = Field(
        None,
        description="the LLM endpoint and model the llm writer asks: another model writes "
        "another script (None for the other writers)",
    )


def inputs_for(
    article: Article,
    settings: Settings,
    show: str | None,
    *,
    writer: str | None = None,
    minutes: float | None = None,
    dismissed: list[str] | None = None,
) -> ScriptInputs:
    """The inputs for writing `article` for a show (its writer and length unless given)."""
    config = settings.show(show)
    writer = writer or config.writer
    model = None
    if writer == "llm" and settings.llm_base_url and settings.llm_model:
        model = f"{settings.llm_model} at {settings.llm_base_url}"
    return ScriptInputs(
        article=article,
        show=show if show is not None else settings.default_show,
        writer=writer,
        model=model,
        minutes=minutes or config.minutes,
        hosts=[(h.name, h.role) for h in config.hosts],
        use_assumptions=config.use_assumptions,
        dismissed=dismissed or [],
    )


def load(store: Store, episode: Episode, settings: Settings) -> ScriptInputs:
    if episode.article_id is None:
        raise InfracastError(f"episode {episode.id} has no article; retry its ingest")
    return inputs_for(
        store.article(episode.article_id),
        settings,
        episode.show,
        dismissed=dismissed_checks(store, episode),
    )


def _setup(inputs: ScriptInputs, settings: Settings) -> tuple[Ledger, Ledger, script.WriterOptions]:
    """The ledger, the ledger the writer is told (without dismissed checks), and its options."""
    ledger = build_ledger(inputs.article, use_assumptions=inputs.use_assumptions)
    options = script.options_for(settings, inputs.show, inputs.minutes)
    # A script written again (a retried stage) must not say what an editor dismissed.
    told = ledger.model_copy(
        update={"checks": [c for c in ledger.checks if c.id not in inputs.dismissed]}
    )
    return ledger, told, options


@dataclass(frozen=True)
class Written:
    ledger: Ledger
    script: Script
    findings: list[AuditFinding]


def write(inputs: ScriptInputs, settings: Settings) -> Written:
    """The script and its audit against the whole ledger, stored nowhere."""
    ledger, told, options = _setup(inputs, settings)
    written = script.writer_named(inputs.writer).write(inputs.article, told, options)
    return Written(ledger, written, audit(written.lines, ledger))


def run(inputs: ScriptInputs, env: StageEnv) -> StageResult:
    done = write(inputs, env.settings)
    files = [
        episode_files.LEDGER.write(env.folder, done.ledger),
        episode_files.SCRIPT.write(env.folder, done.script),
    ]
    summary = {
        "lines": len(done.script.lines),
        "words": done.script.words,
        "untraced": len(untraced(done.findings)),
        "writer": inputs.writer,
    }
    return StageResult(summary=summary, script=(done.script, done.findings), files=files)


def segments_to_write(inputs: ScriptInputs, settings: Settings) -> list[dict[str, Any]]:
    """The llm writer's segments no cached answer covers, one part each (distributed mode):
    the stage then runs as usual and finds them written."""
    if inputs.writer != "llm":
        return []
    from pipeline.script import llm

    _, told, options = _setup(inputs, settings)
    payload = inputs.model_dump(mode="json")
    return [
        {"inputs": payload, "segment": i}
        for i in llm.unwritten_segments(inputs.article, told, options)
    ]


def write_segment(part: dict[str, Any], settings: Settings) -> None:
    from pipeline.script import llm

    inputs = ScriptInputs.model_validate(part["inputs"])
    _, told, options = _setup(inputs, settings)
    try:
        llm.write_one_segment(inputs.article, told, options, part["segment"])
    except InfracastError as e:
        # A failed part would stop the chord; the stage meets the error itself and records it.
        log.warning("script segment %s not written: %s", part["segment"], e)
