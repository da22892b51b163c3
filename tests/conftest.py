"""Shared fixtures: isolated settings, stores on SQLite and PostgreSQL, a private Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import Settings
from pipeline.figures.models import Check, Ledger
from pipeline.store import Store
from tests.services import RedisServer

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "gigawatt-racks.md"
PG_ADMIN_URL = os.environ.get(
    "INFRACAST_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's INFRACAST_* variables or infracast.toml."""
    for key in list(os.environ):
        if key.startswith("INFRACAST_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("INFRACAST_CONFIG", str(tmp_path / "no-config.toml"))


@pytest.fixture(scope="session")
def rendered_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding the example taken through the whole pipeline once per test
    run, for browser tests to serve a copy of (tests.browser.served(..., data=))."""
    from tests.browser import make_rendered_example

    data = tmp_path_factory.mktemp("rendered") / "data"
    with pytest.MonkeyPatch.context() as env:  # as _isolated_env does for each test
        for key in list(os.environ):
            if key.startswith("INFRACAST_"):
                env.delenv(key)
        env.setenv("INFRACAST_CONFIG", str(data.parent / "no-config.toml"))
        make_rendered_example(data)
    return data


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_root=tmp_path / "data", fetch_allow_networks=["127.0.0.0/8"])


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    s = Store(settings.db_url, settings.data_root)
    yield s
    s.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL database of the test's own, dropped afterwards."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(pg_database("infracast_test"))
        except Exception as e:
            pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {e}")
        yield url


@contextmanager
def pg_database(prefix: str) -> Iterator[str]:
    """A PostgreSQL database of its own (for a test or a benchmark), dropped afterwards."""
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:
        admin.dispose()
        raise
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The same tests on both databases the store supports."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'infracast.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    s = Store(url, tmp_path / "data")
    yield s
    s.close()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


ALARM, LOW = "k1", "k2"  # the checks `disagreeing_checks` makes disagree


@pytest.fixture
def disagreeing_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The script stage's ledger with its first two checks disagreeing: ALARM at high
    confidence (it may be said on air), LOW at low confidence (only shown to the editor).
    The example article states no wrong figure, so the test says what derive would find."""
    from pipeline.stages import script as script_stage

    real = script_stage.build_ledger

    def patched(*args: Any, **kwargs: Any) -> Ledger:
        ledger = real(*args, **kwargs)
        checks = [c.model_copy(update={"id": f"k{n}"}) for n, c in enumerate(ledger.checks, 1)]
        assert len(checks) >= 2, "the example article should have two checks"
        checks[0] = _disagree(checks[0], 0.95)
        checks[1] = _disagree(checks[1], 0.4)
        return ledger.model_copy(update={"checks": checks})

    monkeypatch.setattr(script_stage, "build_ledger", patched)


def _disagree(check: Check, confidence: float) -> Check:
    note = f"The article states {check.stated_id}, but its own figures give {check.computed_id}"
    return check.model_copy(
        update={"agrees": False, "deviation": 0.3, "confidence": confidence, "note": note}
    )
