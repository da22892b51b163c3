"""Settings: defaults, environment, infracast.toml, and documentation of every field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import Settings, Show, load_settings
from pipeline.errors import ConfigError
from pipeline.registry import ENGINES, RECOGNISERS, WRITERS, Backend, EngineBackend, Registry

README = Path(__file__).resolve().parent.parent / "README.md"


def test_defaults_are_embedded_sqlite_under_episodes() -> None:
    s = load_settings()
    assert s.embedded and s.broker_url is None
    assert s.data_root == Path("episodes")
    assert s.db_url == "sqlite:///episodes/infracast.db"
    assert [h.name for h in s.show(None).hosts] == ["Lena", "Miles"]


def test_lena_speaks_festival_and_keeps_espeak_as_her_alternate() -> None:
    lena, miles = load_settings().show(None).hosts
    assert (lena.voice.engine, lena.voice.voice) == ("festival", "cmu_us_slt_arctic_hts")
    assert [(v.engine, v.voice) for v in lena.alternates] == [("espeak", "en-us+f3")]
    assert (miles.voice.engine, miles.voice.voice) == ("piper", "joe")


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INFRACAST_DATA_ROOT", str(tmp_path))
    monkeypatch.setenv("INFRACAST_BROKER_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("INFRACAST_FETCH_ALLOW_NETWORKS", '["127.0.0.0/8"]')
    s = load_settings()
    assert not s.embedded
    assert s.db_url == f"sqlite:///{tmp_path}/infracast.db"
    assert s.fetch_allow_networks == ["127.0.0.0/8"]


def test_toml_file_declares_shows(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "infracast.toml"
    config.write_text(
        """
default_show = "racks"
[shows.racks]
title = "Rack & Roll"
auto_approve = true
hosts = [
  { name = "Ada", role = "explains", voice = { engine = "espeak", voice = "en-gb" } },
  { name = "Bo", role = "asks", voice = { engine = "piper", voice = "joe", speed = 1.1 } },
]
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("INFRACAST_CONFIG", str(config))
    s = load_settings()
    show = s.show(None)
    assert show.title == "Rack & Roll" and show.auto_approve
    assert [h.voice.engine for h in show.hosts] == ["espeak", "piper"]
    with pytest.raises(ConfigError, match="unknown show 'nope'; configured shows: racks"):
        s.show("nope")


def test_invalid_configuration_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFRACAST_MAX_ARTICLE_BYTES", "lots")
    with pytest.raises(ConfigError, match=r"invalid configuration: max_article_bytes") as e:
        load_settings()
    assert "\n" not in str(e.value)


def test_visibility_timeout_must_outlast_tasks() -> None:
    with pytest.raises(ConfigError, match="visibility_timeout must be longer"):
        load_settings(task_time_limit=600, visibility_timeout=300)


BACKEND_TYPOS = [
    (
        '[shows.infracast]\nwriter = "extractve"\n',
        "shows.infracast.writer: unknown script writer 'extractve'; writers: extractive, llm",
    ),
    (
        '[[shows.infracast.hosts]]\nname = "A"\nrole = "r"\nvoice = { engine = "pipre" }\n'
        '[[shows.infracast.hosts]]\nname = "B"\nrole = "r"\n'
        'alternates = [{ engine = "espeak" }, { engine = "festivl" }]\n',
        "shows.infracast.hosts.0.voice.engine: unknown TTS engine 'pipre'; "
        "engines: piper, espeak, festival",
    ),
    (
        '[[shows.infracast.hosts]]\nname = "A"\nrole = "r"\n'
        '[[shows.infracast.hosts]]\nname = "B"\nrole = "r"\n'
        'alternates = [{ engine = "espeak" }, { engine = "festivl" }]\n',
        "shows.infracast.hosts.1.alternates.1.engine: unknown TTS engine 'festivl'",
    ),
    (
        'asr_backend = "whisper-fast"\n',
        "asr_backend: unknown transcription backend 'whisper-fast'; "
        "backends: faster-whisper, whisper",
    ),
]


@pytest.mark.parametrize(("toml", "message"), BACKEND_TYPOS)
def test_a_backend_name_typo_fails_when_settings_load_with_the_valid_names(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, toml: str, message: str
) -> None:
    """A misspelt writer, engine or recogniser in infracast.toml stops the command at once,
    not halfway through an episode, and the message lists the names that would do."""
    config = tmp_path / "infracast.toml"
    config.write_text(toml, encoding="utf-8")
    monkeypatch.setenv("INFRACAST_CONFIG", str(config))
    with pytest.raises(ConfigError, match="invalid configuration") as e:
        load_settings()
    assert message in str(e.value) and "\n" not in str(e.value)


def test_backend_names_are_checked_without_importing_a_backend() -> None:
    """Checking names needs only the registry: not Piper, Whisper, torch or jiwer."""
    code = (
        "import sys; from pipeline.config import load_settings; load_settings(); "
        "heavy = {'piper', 'onnxruntime', 'whisper', 'faster_whisper', 'torch', 'jiwer', "
        "'pipeline.speech', 'pipeline.script', 'pipeline.transcribe'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("registry", "name"),
    [(r, n) for r in (WRITERS, ENGINES, RECOGNISERS) for n in r],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_every_registered_backend_loads_a_class_of_its_name(
    registry: Registry[Backend], name: str
) -> None:
    """Each registry line points at a class that says its own registered name (imported
    here only to check it; nothing is instantiated)."""
    assert registry[name].load().name == name


def test_the_readme_lists_every_registered_backend() -> None:
    """The README's backends table is the registries, row for row (a new backend is one
    registry line and one README row)."""
    kinds = {"writer": WRITERS, "engine": ENGINES, "recogniser": RECOGNISERS}
    expected = []
    for kind, registry in kinds.items():
        for name, backend in registry.items():
            voice = f"`{backend.default_voice}` " if isinstance(backend, EngineBackend) else ""
            expected.append(f"| {kind} | `{name}` | `{backend.target}` | {voice}|")
    rows = [
        line
        for line in README.read_text(encoding="utf-8").splitlines()
        if line.startswith(tuple(f"| {kind} |" for kind in kinds))
    ]
    assert rows == expected


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented_in_the_readme(field: str) -> None:
    assert f"INFRACAST_{field.upper()}" in README.read_text(encoding="utf-8")


def test_feeds_link_to_the_server_unless_a_show_says_where() -> None:
    """`infracast serve --port 8781` sets serve_url: a show with no base_url of its own
    links its feed there, not to the default port nothing listens on."""
    shows = {"a": Show(), "b": Show(base_url="https://cdn.example.com/pods")}
    served = Settings(shows=shows, default_show="a", serve_url="http://127.0.0.1:8781")
    assert served.shows["a"].base_url == "http://127.0.0.1:8781/feeds"
    assert served.shows["b"].base_url == "https://cdn.example.com/pods"
    assert shows["a"].base_url == "http://localhost:8000/feeds"  # the caller's is unchanged
    assert Settings(shows={"a": Show()}, default_show="a").shows["a"].base_url == (
        "http://localhost:8000/feeds"
    )
