"""TTS engines: the Protocol each registered engine's class satisfies, resolved on first use.

Engines are registered by name in `pipeline.registry.ENGINES`; adding one is a
module with a class that satisfies `Engine` and one line there. Modules are
imported only when a voice names them, so a process that only speaks with
espeak-ng never loads onnxruntime.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Protocol

from pipeline.config import Voice
from pipeline.errors import ConfigError
from pipeline.registry import ENGINES

MIN_SPEED, MAX_SPEED = 0.5, 2.0


class Engine(Protocol):
    """Synthesises text to a WAV file in a host's voice."""

    name: str
    heavy: bool
    """True when a clip costs real CPU (Piper): those go to the worker pool."""

    @property
    def version(self) -> str:
        """The engine's version, part of every clip's cache key."""
        ...

    def fingerprint(self, voice: Voice) -> str:
        """What identifies the voice's sound beyond its name (a model file's digest).

        Raises ConfigError when the voice cannot be used (missing model file).
        """
        ...

    def synthesize(self, text: str, voice: Voice, out: Path) -> None:
        """Writes `text`, said in `voice`, to the WAV file `out`."""
        ...


@cache
def engine_named(name: str) -> Engine:
    """The engine registered as `name`, one instance per process."""
    engine: Engine = ENGINES.named(name).load()()
    return engine


def check_speed(voice: Voice) -> None:
    if not MIN_SPEED <= voice.speed <= MAX_SPEED:
        raise ConfigError(
            f"voice speed {voice.speed} is out of range; use {MIN_SPEED} to {MAX_SPEED} "
            "(1.0 is the voice's natural pace)"
        )
