"""Settings: declared once here, read from INFRACAST_* variables and infracast.toml.

Only the edges (CLI, Celery app, web app) call `load_settings`; everything
below them is handed a `Settings` object. Each field's description is the
documentation: the README's configuration table is checked against it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from pipeline.errors import ConfigError
from pipeline.registry import ENGINES, RECOGNISERS, WRITERS, Backend, Registry


class Voice(BaseModel):
    """How one host sounds."""

    engine: str = "espeak"
    voice: str = "en-us"
    speed: float = 1.0


class Host(BaseModel):
    name: str
    role: str
    voice: Voice = Field(default_factory=Voice)
    alternates: list[Voice] = Field(default_factory=list)
    """Other voices the host may speak a line with when QA flags it (never another host's)."""


def _default_hosts() -> list[Host]:
    festival, piper = ENGINES["festival"], ENGINES["piper"]
    return [
        Host(
            name="Lena",
            role="leads and explains",
            voice=Voice(engine="festival", voice=festival.default_voice),
            alternates=[Voice(engine="espeak", voice="en-us+f3")],
        ),
        Host(
            name="Miles",
            role="asks, connects and reacts",
            voice=Voice(engine="piper", voice=piper.default_voice),
        ),
    ]


DEFAULT_FEEDS_URL = "http://localhost:8000/feeds"


class Show(BaseModel):
    """A podcast: its hosts, how episodes are made, and its feed's metadata."""

    title: str = "infracast"
    description: str = "AI and data-centre infrastructure, explained with the numbers checked."
    author: str = "infracast"
    owner_email: str = "editors@example.com"
    language: str = "en"
    category: str = "Technology"
    explicit: bool = False
    artwork: Path | None = None
    base_url: str = Field(
        DEFAULT_FEEDS_URL,
        description="Public URL the feeds are served under; unset, `infracast serve` uses "
        "its own address (+ /feeds), and everything else " + DEFAULT_FEEDS_URL,
    )
    hosts: list[Host] = Field(default_factory=_default_hosts)
    auto_approve: bool = False
    auto_rerender: bool = Field(
        True,
        description="say each line QA flags once more, one step down its host's "
        "ladder of voices, before holding the episode",
    )
    use_assumptions: bool = False
    writer: str = "extractive"
    minutes: float = Field(5.0, ge=0.5, le=120)
    lexicon: dict[str, str] = Field(
        default_factory=dict, description="extra pronunciations: term → how to say it"
    )

    @model_validator(mode="after")
    def _two_hosts(self) -> Show:
        if len(self.hosts) != 2:
            raise ValueError("a show has exactly two hosts")
        return self


def _default_shows() -> dict[str, Show]:
    return {"infracast": Show()}


# Generous defaults: a stage taking longer than this is stuck (a pathological input, a hung
# engine), not slow. Render and transcribe take minutes for a long episode.
STAGE_TIME_LIMITS = {
    "ingest": 60,
    "script": 600,
    "review": 60,
    "render": 1800,
    "transcribe": 1800,
    "annotate": 300,
    "publish": 300,
}


class Settings(BaseSettings):
    """Everything configurable, with its default."""

    model_config = SettingsConfigDict(
        env_prefix="INFRACAST_", env_nested_delimiter="__", extra="forbid"
    )

    data_root: Path = Field(
        Path("episodes"), description="Folder for the SQLite database and one folder per episode."
    )
    publish_dir: Path | None = Field(
        None, description="Folder feeds and their files are published to; default DATA_ROOT/public."
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default is SQLite at DATA_ROOT/infracast.db."
    )
    broker_url: str | None = Field(
        None, description="Redis URL for Celery; unset means embedded mode (no server)."
    )
    default_show: str = Field("infracast", description="Show used when none is named.")
    shows: dict[str, Show] = Field(
        default_factory=_default_shows, description="Shows by slug (best set in infracast.toml)."
    )
    max_article_bytes: int = Field(
        2_000_000, description="Largest article text accepted, in bytes of UTF-8."
    )
    fetch_max_bytes: int = Field(
        10_000_000, description="Largest HTTP response body read when fetching a URL."
    )
    fetch_timeout: float = Field(10.0, description="Seconds to wait on a URL before giving up.")
    fetch_max_redirects: int = Field(5, description="Redirects followed, each re-checked.")
    fetch_deadline: float = Field(
        60.0, description="Seconds a whole fetch may take, redirects and body included."
    )
    fetch_allow_networks: list[str] = Field(
        default_factory=list,
        description="CIDRs that URLs may point into despite being private or loopback.",
    )
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible API for the llm writer, e.g. http://host:8000/v1."
    )
    llm_model: str | None = Field(None, description="Model name the llm writer asks for.")
    llm_api_key: str | None = Field(None, description="Bearer key for the llm writer's API.")
    llm_timeout: float = Field(120.0, description="Seconds to wait for one LLM answer.")
    llm_max_repairs: int = Field(
        2, ge=0, description="Times the llm writer asks the model to fix one segment."
    )
    llm_server: Literal["openai", "vllm", "ollama", "llamacpp", "plain"] = Field(
        "openai",
        description='How the llm writer asks for JSON: "openai" (response_format json_schema), '
        '"vllm" (structured_outputs), "ollama" (native /api/chat with format), "llamacpp" '
        '(response_format json_object with schema) or "plain" (no structured-output field).',
    )
    llm_parallel: int = Field(
        4, ge=1, description="Segments one process of the llm writer asks for at once."
    )
    render_workers: int = Field(2, ge=1, description="Processes rendering speech in embedded mode.")
    cache_days: int = Field(
        30,
        ge=1,
        description="Days a cached clip or LLM script segment is kept after its last use.",
    )
    asr_backend: str = Field(
        "faster-whisper", description=" or ".join(f'"{name}"' for name in RECOGNISERS) + "."
    )
    asr_model: str = Field(
        "tiny.en",
        description='Whisper model for the episode: "tiny.en", "base" (both packaged) or a path.',
    )
    asr_recheck_model: str = Field(
        "base",
        description="Model that hears each flagged line again on its own before it stays "
        'flagged: "base", "tiny.en", a path, or "" for no second opinion.',
    )
    qa_threshold: float = Field(
        0.15, ge=0, le=1, description="Word error rate above which a line is flagged."
    )
    task_time_limit: int = Field(
        1800, ge=2, description="Seconds a worker task may run before it is killed."
    )
    visibility_timeout: int = Field(
        3600, description="Seconds before Redis hands an unacknowledged task to another worker."
    )
    stuck_after: int = Field(
        2700, description="Seconds in a working state before the sweeper re-enqueues an episode."
    )
    stage_time_limits: dict[str, int] = Field(
        default_factory=dict,
        description="Seconds each stage may run before its episode fails with the reason, by "
        'stage name (e.g. {"render": 1200}); stages not named keep their defaults, and none '
        "runs longer than task_time_limit.",
    )
    heartbeat_interval: float = Field(
        10.0,
        gt=0,
        description="Seconds between a running stage's heartbeats; the sweeper re-sends a stage "
        "whose heartbeat is six intervals old (its worker died).",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("INFRACAST_CONFIG", "infracast.toml"))
        toml = TomlConfigSettingsSource(settings_cls, toml_file=toml_path)
        return (init_settings, env_settings, toml)

    serve_url: str | None = Field(
        None,
        description="Where `infracast serve` listens; it sets this for itself and its "
        "processes, so the feeds of shows with no base_url of their own point at it.",
    )

    @model_validator(mode="after")
    def _checks(self) -> Settings:
        if self.default_show not in self.shows:
            raise ValueError(f"default_show {self.default_show!r} is not one of the shows")
        if self.visibility_timeout <= self.task_time_limit:
            raise ValueError("visibility_timeout must be longer than task_time_limit")
        unknown = sorted(set(self.stage_time_limits) - set(STAGE_TIME_LIMITS))
        if unknown:
            raise ValueError(
                f"stage_time_limits names no stage {unknown[0]!r}; stages: "
                + ", ".join(STAGE_TIME_LIMITS)
            )
        if any(seconds < 1 for seconds in self.stage_time_limits.values()):
            raise ValueError("stage_time_limits must be at least 1 second each")
        self._check_backend_names()
        if self.serve_url:
            feeds = f"{self.serve_url.rstrip('/')}/feeds"
            for slug, show in self.shows.items():
                if "base_url" not in show.model_fields_set:
                    self.shows[slug] = show.model_copy(update={"base_url": feeds})
        return self

    def _check_backend_names(self) -> None:
        """Every writer, engine and recogniser named must be registered: a typo in
        infracast.toml fails here, not halfway through an episode. Only names are looked
        at; no backend is imported."""
        named: list[tuple[str, Registry[Backend], str]] = [
            ("asr_backend", RECOGNISERS, self.asr_backend)
        ]
        for slug, show in self.shows.items():
            named.append((f"shows.{slug}.writer", WRITERS, show.writer))
            for h, host in enumerate(show.hosts):
                voices = [("voice", host.voice)]
                voices += [(f"alternates.{a}", v) for a, v in enumerate(host.alternates)]
                named += [
                    (f"shows.{slug}.hosts.{h}.{where}.engine", ENGINES, voice.engine)
                    for where, voice in voices
                ]
        for where, registry, name in named:
            if name not in registry:
                raise ValueError(f"{where}: {registry.unknown(name)}")

    def time_limit(self, stage: str) -> int:
        """Seconds `stage` may run before its episode fails: its own limit, or its default,
        never over the task time limit (a worker would kill the task first)."""
        seconds = self.stage_time_limits.get(stage, STAGE_TIME_LIMITS.get(stage, 0))
        return min(seconds or self.task_time_limit, self.task_time_limit)

    @property
    def heartbeat_stale_after(self) -> float:
        """How old a running stage's last heartbeat is when its worker is taken for dead."""
        return 6 * self.heartbeat_interval

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_root / 'infracast.db'}"

    @property
    def public_dir(self) -> Path:
        return self.publish_dir or self.data_root / "public"

    @property
    def embedded(self) -> bool:
        return not self.broker_url

    def show(self, slug: str | None) -> Show:
        name = slug or self.default_show
        try:
            return self.shows[name]
        except KeyError:
            known = ", ".join(sorted(self.shows))
            raise ConfigError(f"unknown show {name!r}; configured shows: {known}") from None


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning a validation error into one readable line."""
    try:
        return Settings(**overrides)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "settings"
        raise ConfigError(f"invalid configuration: {where}: {first['msg']}") from e
