"""A dispatcher for tests: it records what an action or the sweeper sends on, and runs
nothing, so a test runs the stages it cares about itself (audio is slow)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.stages import Stage


@dataclass
class Recorder:
    sent: list[tuple[int, str]] = field(default_factory=list)  # (episode id, stage name)

    def dispatch(self, episode_id: int, stage: Stage[Any]) -> None:
        self.sent.append((episode_id, stage.name))
