"""Script writers: an article and its ledger become a two-host dialogue.

Writers are registered by name in `pipeline.registry.WRITERS`; a show (or a run)
picks one. Adding a writer is a module with a class that satisfies `Writer` and
one line there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pipeline import caches
from pipeline.config import Settings
from pipeline.errors import ConfigError
from pipeline.figures.models import Ledger
from pipeline.models import Article, Script
from pipeline.registry import WRITERS


@dataclass(frozen=True)
class Host:
    name: str
    role: str


@dataclass(frozen=True)
class LLMOptions:
    """A chat endpoint: its URL, the kind of server (how it takes structured output), how
    many segments are asked at once, and where written segments are kept (None: nowhere)."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = 60.0
    max_repairs: int = 2
    server: str = "openai"
    parallel: int = 4
    cache: Path | None = None


@dataclass(frozen=True)
class WriterOptions:
    """What every writer is told: the show, its two hosts (lead first) and the length."""

    show_title: str
    hosts: tuple[Host, Host]
    minutes: float = 5.0
    llm: LLMOptions | None = None

    def __post_init__(self) -> None:
        if not 0.5 <= self.minutes <= 120:
            raise ConfigError(f"a script of {self.minutes} minutes? Choose between 0.5 and 120.")


class Writer(Protocol):
    """Writes a two-host script from an article and its ledger."""

    name: str

    def write(self, article: Article, ledger: Ledger, options: WriterOptions) -> Script:
        """The script, every number in it traced to `ledger`."""
        ...


def writer_named(name: str) -> Writer:
    """The writer registered as `name`, its module imported now."""
    writer: Writer = WRITERS.named(name).load()()
    return writer


def options_for(
    settings: Settings, show: str | None, minutes: float | None = None
) -> WriterOptions:
    """The writer options a show's settings give (the LLM endpoint when configured)."""
    config = settings.show(show)
    lead, cohost = (Host(h.name, h.role) for h in config.hosts)
    llm = None
    if settings.llm_base_url and settings.llm_model:
        llm = LLMOptions(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key,
            timeout=settings.llm_timeout,
            max_repairs=settings.llm_max_repairs,
            server=settings.llm_server,
            parallel=settings.llm_parallel,
            cache=settings.data_root / caches.SCRIPT_SEGMENTS,
        )
    return WriterOptions(config.title, (lead, cohost), minutes or config.minutes, llm)
