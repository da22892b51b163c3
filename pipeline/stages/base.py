"""What a stage is: the types every stage module builds on.

A stage loads its typed inputs from the store, runs over them with its episode's folder
at hand, and returns a StageResult that pipeline.orchestrate records; it touches no
database. `Stage` is generic in its inputs model, so mypy checks that a stage's loader
and run function agree on what the stage takes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from pipeline.config import Settings
from pipeline.figures.models import AuditFinding
from pipeline.models import Article, Episode, EpisodeState, Script
from pipeline.store import Store

I = TypeVar("I", bound=BaseModel)  # noqa: E741 (the inputs model, as in Stage[I])


Progress = Callable[[int, int], None]
"""Told (done, total) as a stage works through its items (lines rendered, heard)."""


def _unreported(done: int, total: int) -> None:
    pass


@dataclass(frozen=True)
class StageEnv:
    """What a stage may use besides its inputs: settings, its episode's folder, and where
    to report how far it has got (the editor's progress bar and time left)."""

    settings: Settings
    episode: Episode
    folder: Path
    progress: Progress = _unreported


@dataclass(frozen=True)
class StageResult:
    """What a stage made. `state` overrides the stage's end state (the review gate)."""

    summary: dict[str, Any]
    article: Article | None = None
    script: tuple[Script, list[AuditFinding]] | None = None
    files: list[Path] = field(default_factory=list)
    state: EpisodeState | None = None


@dataclass(frozen=True)
class FanOut(Generic[I]):
    """Work a stage can hand to many workers before it runs (distributed mode only).

    `parts` lists what is still to do as JSON-able payloads; `do` does one. The
    stage then runs as usual and finds the parts done (rendered clips are cached).
    """

    parts: Callable[[I, Settings], list[dict[str, Any]]]
    do: Callable[[dict[str, Any], Settings], None]
    queue: str | None = None  # where the parts go; the stage's own queue when None


@dataclass(frozen=True)
class Stage(Generic[I]):
    name: str
    queue: str
    start: EpisodeState
    end: EpisodeState
    inputs: Callable[[Store, Episode, Settings], I]
    run: Callable[[I, StageEnv], StageResult]
    version: str = "1"
    fan_out: FanOut[I] | None = None
    # Runs once the episode has reached `end` (the state change is what it acts on).
    after: Callable[[Store, Settings, Episode], None] | None = None
