"""The `infracast` command in embedded mode, run as a user would run it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE
from tests.conftest_http import LoopbackServer, http_server_fixture  # noqa: F401
from tests.services import cli


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    from tests.services import distributed_env

    env = distributed_env("", tmp_path / "data")
    del env["INFRACAST_BROKER_URL"]
    return env


def one_line_error(result: object, *words: str) -> None:
    stderr = result.stderr  # type: ignore[attr-defined]
    assert result.returncode == 1, stderr  # type: ignore[attr-defined]
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    for word in words:
        assert word in stderr


def test_make_stops_for_review_then_approve_makes_the_audio(
    env: dict[str, str], tmp_path: Path
) -> None:
    env = env | {"INFRACAST_SHOWS": '{"infracast": {"minutes": 1}}'}
    result = cli(env, "make", "--review", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    assert "in_review" in result.stdout and "approve it with: infracast approve 1" in result.stdout
    assert str(tmp_path / "data" / "000001" / "article.json") in result.stdout.replace("\n", "")
    assert "LENA" in result.stdout and "MILES" in result.stdout
    approved = cli(env, "approve", "1")
    assert approved.returncode == 0, approved.stderr
    assert "approved script version 1 of episode 1" in approved.stdout
    assert "annotated" in approved.stdout or "published" in approved.stdout
    status = cli(env, "status", "1")
    printed = status.stdout.replace("\n", "")
    assert status.returncode == 0 and "episode.mp3" in printed and "captions.vtt" in printed
    assert "annotations.json" in printed and "chapters.json" in printed
    feeds = cli(env, "feeds")
    assert feeds.returncode == 0
    assert "url:  http://localhost:8000/feeds/infracast/feed.xml" in feeds.stdout


def test_queue_from_stdin_runs_now_in_embedded_mode(env: dict[str, str]) -> None:
    text = "# Cooling\n\nDirect-to-chip loops remove about 80% of the heat in a 130 kW rack, " * 3
    result = cli(env, "queue", "-", stdin=text)
    assert result.returncode == 0, result.stderr
    assert "in_review" in result.stdout and "Cooling" in result.stdout


def test_errors_are_one_line(env: dict[str, str], tmp_path: Path) -> None:
    one_line_error(cli(env, "queue", str(tmp_path / "missing.md")), "no such file")
    one_line_error(cli(env, "status", "42"), "there is no episode 42")
    one_line_error(cli(env, "retry", "42"), "there is no episode 42")
    one_line_error(cli(env, "queue", "--show", "nope", str(EXAMPLE)), "unknown show 'nope'")
    one_line_error(cli(env, "queue", "ftp://example.com/a"), "http")
    one_line_error(
        cli(env | {"INFRACAST_FETCH_TIMEOUT": "soon"}, "status"), "invalid configuration"
    )


def test_shows_lists_hosts(env: dict[str, str]) -> None:
    result = cli(env, "shows")
    assert result.returncode == 0
    assert "Lena" in result.stdout and "Miles" in result.stdout


def test_figures_prints_tables_json_and_markdown(env: dict[str, str]) -> None:
    tables = cli(env, "figures", str(EXAMPLE))
    assert tables.returncode == 0, tables.stderr
    for title in ("figures stated in the article", "computed figures", "consistency"):
        assert title in tables.stdout
    as_json = cli(env, "figures", "--json", str(EXAMPLE))
    ledger = json.loads(as_json.stdout)
    assert ledger["schema_version"] == 1 and ledger["figures"]
    markdown = cli(env, "figures", "--markdown", str(EXAMPLE))
    assert "| id | figure |" in markdown.stdout


def test_users_tokens_and_signout(env: dict[str, str], tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from pipeline.config import Settings
    from pipeline.store import Store
    from pipeline.web import create_app

    one_line_error(cli(env, "users", "add", "ed", "--password-stdin", stdin="short\n"), "10")
    added = cli(env, "users", "add", "ed", "--password-stdin", stdin="a long enough pass\n")
    assert added.returncode == 0, added.stderr
    one_line_error(
        cli(env, "users", "add", "ed", "--password-stdin", stdin="a long enough pass\n"),
        "already a user called 'ed'",
    )
    assert cli(env, "users", "list").stdout.split() == ["ed"]
    token = cli(env, "users", "token", "ed", "--label", "ci").stdout.strip()
    assert token.startswith("ic_")
    settings = Settings(data_root=tmp_path / "data")
    store = Store(settings.db_url, settings.data_root)
    api = TestClient(create_app(settings, store), headers={"Authorization": f"Bearer {token}"})
    assert api.get("/api/episodes").status_code == 200
    signed_out = cli(env, "users", "signout", "ed")
    assert signed_out.returncode == 0 and "revoked 1 token(s)" in signed_out.stdout
    assert api.get("/api/episodes").status_code == 401
    one_line_error(cli(env, "users", "token", "nobody"), "no user called 'nobody'")


def test_ids_past_the_databases_integers_are_one_line(env: dict[str, str]) -> None:
    # Each CLI run takes seconds: the range check itself is tested on both databases in
    # test_store; here, that the CLI says it in one line.
    n = "99999999999999999999"
    one_line_error(cli(env, "status", n), f"there is no episode {n}")
    one_line_error(cli(env, "retry", "2147483648"), "there is no episode 2147483648")


def test_status_never_writes_control_characters_to_the_terminal(
    env: dict[str, str], tmp_path: Path
) -> None:
    from pipeline.models import Source
    from pipeline.store import Store

    data = tmp_path / "data"
    store = Store(f"sqlite:///{data / 'infracast.db'}", data)  # a title stored before ingest
    title = "Red \x1b[31mracks\x07 [bold]now"  # stripped control characters
    episode = store.create_episode(
        "infracast", Source(kind="url", uri="https://e.com/\x1b[2J"), title=title
    )
    store.fail(episode.id, "ingest", "bad \x1b]0;pwned\x07 title")
    store.close()
    for args in (("status",), ("status", str(episode.id))):
        result = cli(env | {"COLUMNS": "400"}, *args)
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
        assert "Red \\x1b[31mracks\\x07 [bold]now" in result.stdout
        assert "bad \\x1b]0;pwned\\x07 title" in result.stdout


def test_queue_feed_reports_each_refused_entry_and_a_malformed_feed(
    env: dict[str, str], http_server: LoopbackServer
) -> None:
    items = (
        "<item><title>Private</title><link>http://10.1.2.3/b</link></item>"
        "<item><title>Nothing</title><guid isPermaLink='false'>c</guid></item>"
    )
    feed = http_server.route(
        "/feed.xml",
        f"<?xml version='1.0'?><rss version='2.0'><channel>{items}</channel></rss>",
        content_type="application/rss+xml",
    )
    result = cli(env, "queue", "--feed", feed)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("refused 'Private' (episode 1): ") and "private address" in lines[0]
    assert "refused 'Nothing' (episode 2): " in lines[1] and "neither a link" in lines[1]
    again = cli(env, "queue", "--feed", feed)  # remembered: not tried again
    assert again.returncode == 0 and "no new entries" in again.stderr
    broken = http_server.route(
        "/broken.xml",
        "<?xml version='1.0'?><rss version='2.0'><channel><item><title>A</ti",
        content_type="application/rss+xml",
    )
    one_line_error(cli(env, "queue", "--feed", broken), "is not a valid RSS or Atom feed")


def test_a_held_episode_says_what_is_wrong_and_the_cli_what_to_type(
    env: dict[str, str], tmp_path: Path
) -> None:
    """The stored reason names the flagged lines and what QA found, never a command (the
    web app offers buttons for the same steps); the CLI prints its own commands by it."""
    from pipeline import episode_files
    from pipeline.models import EpisodeState, LineQA, QAReport
    from pipeline.store import Store

    text = "# Cooling\n\nDirect-to-chip loops remove about 80% of the heat in a 130 kW rack, " * 3
    assert cli(env, "queue", "-", stdin=text).returncode == 0
    data = tmp_path / "data"
    store = Store(f"sqlite:///{data / 'infracast.db'}", data)
    # As if rendered and heard back: two lines misheard.
    store.move(1, EpisodeState.IN_REVIEW, EpisodeState.ANNOTATED, "test: heard back")
    lines = [
        LineQA(line_id=i, expected="a b", heard="c d", wer=1.0, flagged=True) for i in ("l2", "l4")
    ]
    report = QAReport(backend="b", model="m", threshold=0.15, wer=0.3, lines=lines)
    episode_files.QA.write(store.episode_dir(1), report)
    store.close()

    published = cli(env, "publish", "1")
    one_line_error(published, "QA flagged 2 lines (l2, l4): word error rate above 15%")
    assert "infracast rerender 1 --failed" in published.stderr
    assert "infracast publish 1 --allow-failed-qa" in published.stderr
    status = cli(env, "status", "1")
    assert status.returncode == 0, status.stderr
    said = status.stdout.replace("\n", " ")
    assert "held: QA flagged 2 lines (l2, l4): word error rate above 15%" in said
    assert "re-render the flagged lines with: infracast rerender 1 --failed" in said
    assert "or publish anyway with: infracast publish 1 --allow-failed-qa" in said
    store = Store(f"sqlite:///{data / 'infracast.db'}", data)
    held = store.episode(1).held_reason
    store.close()
    assert held == "QA flagged 2 lines (l2, l4): word error rate above 15%"
    # The fix options of `rerender` are checked before anything is done.
    usage = cli(env, "rerender", "1", "--failed", "--fix", "respell")
    assert usage.returncode == 2 and "--respell WORD=SAID" in usage.stderr
    both = cli(env, "rerender", "1")
    assert both.returncode == 2 and "--failed or the lines" in both.stderr


def test_publish_writes_each_feed_once_however_many_it_publishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In this process (to count the feed writes): two episodes named, then every waiting
    one; each run writes each show's feed once, after its last episode."""
    from pipeline import feeds
    from pipeline.cli import main
    from pipeline.episode_files import QA
    from pipeline.models import EpisodeState, LineQA, QAReport, Source
    from pipeline.store import Store

    data = tmp_path / "data"
    monkeypatch.setenv("INFRACAST_DATA_ROOT", str(data))
    store = Store(f"sqlite:///{data / 'infracast.db'}", data)
    clean = QAReport(
        backend="b",
        model="m",
        threshold=0.15,
        wer=0.0,
        lines=[LineQA(line_id="l1", expected="a", heard="a", wer=0.0, flagged=False)],
    )
    for n in range(4):
        source = Source(kind="url", uri=f"https://news.example/{n}")
        episode = store.create_episode("infracast", source, title=f"Hall {n}")
        store.move(episode.id, EpisodeState.QUEUED, EpisodeState.ANNOTATED)
        QA.write(store.episode_dir(episode.id), clean)
    written: list[str] = []
    monkeypatch.setattr(feeds, "write_feed", lambda store, settings, show: written.append(show))

    main(["publish", "1", "2"])
    assert written == ["infracast"]
    main(["publish"])  # the two still waiting
    assert written == ["infracast", "infracast"]
    assert {e.state for e in store.episodes()} == {EpisodeState.PUBLISHED}
    store.close()
