"""The store on SQLite and PostgreSQL: states, history, outputs, files."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text as sql

from pipeline.errors import ConflictError, NotFoundError
from pipeline.models import (
    Article,
    EpisodeState,
    Line,
    Paragraph,
    Script,
    Section,
    Segment,
    Source,
    StoredFile,
    content_hash,
)
from pipeline.store import Store

SOURCE = Source(kind="markdown", uri="a.md", text="# Racks\n\nA rack draws 130 kW.")


def article(words: str = "A rack draws 130 kW.") -> Article:
    sections = [Section(heading="Racks", paragraphs=[Paragraph(id="p1", text=words)])]
    return Article(
        title="Racks",
        source="a.md",
        sections=sections,
        content_hash=content_hash("Racks", sections),
    )


def test_new_episode_is_queued_with_history(any_store: Store) -> None:
    episode = any_store.create_episode("infracast", SOURCE)
    assert episode.state == EpisodeState.QUEUED
    assert any_store.episode(episode.id).source == SOURCE
    [change] = any_store.history(episode.id)
    assert change.from_state is None and change.to_state == EpisodeState.QUEUED
    assert change.at.tzinfo is not None


def test_state_change_is_compare_and_set(any_store: Store) -> None:
    episode = any_store.create_episode("infracast", SOURCE)
    any_store.move(episode.id, EpisodeState.QUEUED, EpisodeState.INGESTED)
    with pytest.raises(ConflictError, match="is ingested, not queued"):
        any_store.move(episode.id, EpisodeState.QUEUED, EpisodeState.INGESTED)
    assert [c.to_state for c in any_store.history(episode.id)] == [
        EpisodeState.QUEUED,
        EpisodeState.INGESTED,
    ]


def test_a_page_of_episodes_in_attention_order_with_counts(any_store: Store) -> None:
    ids = [any_store.create_episode(show, SOURCE).id for show in ["a", "a", "b", "a", "b"]]
    any_store.fail(ids[1], "render", "no voice")
    any_store.move(ids[3], EpisodeState.QUEUED, EpisodeState.PUBLISHED)
    order = [EpisodeState.FAILED, EpisodeState.QUEUED]
    page, counts = any_store.episode_page(limit=3, state_order=order)
    # failed first, then queued newest first; published is in no listed state: last
    assert [e.id for e in page] == [ids[1], ids[4], ids[2]]
    assert all(e.source.text is None for e in page)  # lists leave the article out
    assert counts == {EpisodeState.FAILED: 1, EpisodeState.QUEUED: 3, EpisodeState.PUBLISHED: 1}
    page, _ = any_store.episode_page(limit=3, offset=3, state_order=order)
    assert [e.id for e in page] == [ids[0], ids[3]]
    page, counts = any_store.episode_page(limit=10, show="a")
    assert [e.id for e in page] == [ids[0], ids[1], ids[3]]
    assert sum(counts.values()) == 3


def test_failure_keeps_stage_and_message(any_store: Store) -> None:
    episode = any_store.create_episode("infracast", SOURCE)
    failed = any_store.fail(episode.id, "ingest", "could not reach http://x: refused")
    assert failed.state == EpisodeState.FAILED
    assert (failed.failed_stage, failed.failure) == ("ingest", "could not reach http://x: refused")
    moved = any_store.move(episode.id, EpisodeState.FAILED, EpisodeState.QUEUED)
    assert moved.failure is None and moved.failed_stage is None


def test_a_hold_is_data_until_the_episode_changes_state(any_store: Store) -> None:
    episode = any_store.create_episode("infracast", SOURCE)
    any_store.move(episode.id, EpisodeState.QUEUED, EpisodeState.ANNOTATED)
    held = any_store.hold(episode.id, "QA flagged 1 line(s) (s1-l2): re-render them")
    assert held.held_reason == "QA flagged 1 line(s) (s1-l2): re-render them"
    assert held.state == EpisodeState.ANNOTATED
    assert any_store.episode(episode.id).held_reason == held.held_reason
    assert any_store.history(episode.id)[-1].note == (
        "publish held: QA flagged 1 line(s) (s1-l2): re-render them"
    )
    published = any_store.move(episode.id, EpisodeState.ANNOTATED, EpisodeState.PUBLISHED)
    assert published.held_reason is None
    any_store.hold(episode.id, "unpublished by ana")
    assert any_store.fail(episode.id, "publish", "disk full").held_reason is None
    with pytest.raises(NotFoundError):
        any_store.hold(episode.id + 1000, "no such episode")


def test_the_migration_reads_holds_in_force_from_history_notes(any_store: Store) -> None:
    from alembic import command
    from alembic.config import Config

    held, unpublished, waiting = (any_store.create_episode("a", SOURCE).id for _ in range(3))
    for episode_id in (held, unpublished, waiting):
        any_store.move(episode_id, EpisodeState.QUEUED, EpisodeState.ANNOTATED)
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parents[1] / "pipeline/migrations"))
    note = (
        "INSERT INTO state_changes (episode_id, from_state, to_state, note, at) "
        "VALUES (:id, :before, :after, :note, CURRENT_TIMESTAMP)"
    )
    with any_store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007")
        for episode_id, before, after, text_ in (
            (held, "annotated", "annotated", "publish held: QA flagged 1 line(s)"),
            (unpublished, "annotated", "annotated", "publish held: QA flagged 2 line(s)"),
            (unpublished, "annotated", "published", "publish"),
            (unpublished, "published", "annotated", "unpublished by ana"),
        ):
            conn.execute(
                sql(note), {"id": episode_id, "before": before, "after": after, "note": text_}
            )
        command.upgrade(cfg, "head")
    assert any_store.episode(held).held_reason == "QA flagged 1 line(s)"
    assert any_store.episode(unpublished).held_reason == "unpublished by ana"
    assert any_store.episode(waiting).held_reason is None


def test_complete_stage_records_outputs_once(any_store: Store) -> None:
    episode = any_store.create_episode("infracast", SOURCE)
    files = [
        StoredFile(stage="ingest", path="000001/article.json", content_hash="ab" * 32, size=10)
    ]
    done = any_store.complete_stage(
        episode.id,
        "ingest",
        "k1",
        {"words": 5},
        EpisodeState.QUEUED,
        EpisodeState.INGESTED,
        article=article(),
        files=files,
    )
    assert done.state == EpisodeState.INGESTED and done.title == "Racks"
    assert any_store.article(done.article_id or 0) == article()
    assert any_store.stage_output(episode.id, "ingest", "k1") == {"words": 5}
    assert any_store.files(episode.id) == files
    # A second worker finishing the same stage is refused, and leaves nothing behind.
    with pytest.raises(ConflictError):
        any_store.complete_stage(
            episode.id,
            "ingest",
            "k2",
            {},
            EpisodeState.QUEUED,
            EpisodeState.INGESTED,
            article=article("other"),
        )
    assert any_store.stage_run_count(episode.id) == 1
    assert any_store.article_count() == 1


def test_same_article_is_stored_once(any_store: Store) -> None:
    ids = []
    for _ in range(2):
        e = any_store.create_episode("infracast", SOURCE)
        done = any_store.complete_stage(
            e.id, "ingest", "k", {}, EpisodeState.QUEUED, EpisodeState.INGESTED, article=article()
        )
        ids.append(done.article_id)
    assert ids[0] == ids[1] and any_store.article_count() == 1


def test_duplicates_by_hash_url_and_guid(any_store: Store) -> None:
    a = any_store.create_episode("infracast", SOURCE, content_hash="h1")
    b = any_store.create_episode(
        "infracast", Source(kind="url", uri="https://example.com/a", guid="g-1")
    )
    assert any_store.find_duplicate("infracast", content_hash="h1") == any_store.episode(a.id)
    assert any_store.find_duplicate("infracast", uri="https://example.com/a") == any_store.episode(
        b.id
    )
    assert any_store.find_duplicate("infracast", guid="g-1") == any_store.episode(b.id)
    assert any_store.find_duplicate("other-show", content_hash="h1") is None
    assert any_store.find_duplicate("infracast", content_hash="h2") is None


def test_stale_finds_only_old_waiting_episodes(any_store: Store) -> None:
    e = any_store.create_episode("infracast", SOURCE)
    assert any_store.stale([EpisodeState.QUEUED], timedelta(hours=1)) == []
    assert [x.id for x in any_store.stale([EpisodeState.QUEUED], timedelta(0))] == [e.id]
    assert any_store.stale([EpisodeState.INGESTED], timedelta(0)) == []


def test_unknown_episode(any_store: Store) -> None:
    with pytest.raises(NotFoundError, match="there is no episode 99"):
        any_store.episode(99)


def test_reopening_an_existing_database_keeps_data(any_store: Store) -> None:
    e = any_store.create_episode("infracast", SOURCE)
    again = Store(any_store.url, any_store.data_root)
    try:
        assert again.episode(e.id).source == SOURCE
    finally:
        again.close()


def test_migrations_build_the_schema_the_models_declare(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from pipeline.store.rows import Base

    store = Store(f"sqlite:///{tmp_path / 'schema.db'}", tmp_path)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], "write a migration for: " + repr(diff)


def test_accounts_sessions_and_tokens(any_store: Store) -> None:
    from pipeline import accounts

    user = accounts.add_user(any_store, "ed", "a long enough password")
    with pytest.raises(ConflictError, match="already a user called 'ed'"):
        accounts.add_user(any_store, "ed", "another long password")
    assert accounts.authenticate(any_store, "ed", "a long enough password") == user
    assert accounts.authenticate(any_store, "ed", "wrong password!!") is None
    assert accounts.authenticate(any_store, "nobody", "a long enough password") is None
    signed_in = accounts.start_session(any_store, user)
    assert accounts.session_user(any_store, signed_in.cookie) == (user, signed_in.csrf_token)
    token = accounts.new_api_token(any_store, "ed", "ci")
    assert accounts.token_user(any_store, token) == user
    accounts.set_password(any_store, "ed", "a new long password")  # ends every session
    assert accounts.session_user(any_store, signed_in.cookie) is None
    still = accounts.token_user(any_store, token)  # tokens stay until revoked
    assert still is not None and still.id == user.id
    assert any_store.accounts.delete_api_tokens(user.id) == 1
    assert accounts.token_user(any_store, token) is None


def test_first_publication_is_remembered(any_store: Store) -> None:
    episode = any_store.create_episode("infracast", SOURCE)
    path = [
        EpisodeState.INGESTED,
        EpisodeState.SCRIPTED,
        EpisodeState.IN_REVIEW,
        EpisodeState.APPROVED,
        EpisodeState.RENDERED,
        EpisodeState.TRANSCRIBED,
        EpisodeState.ANNOTATED,
        EpisodeState.PUBLISHED,
    ]
    state = EpisodeState.QUEUED
    for to in path:
        any_store.move(episode.id, state, to)
        state = to
    first = any_store.first_entered(EpisodeState.PUBLISHED, "infracast")[episode.id]
    any_store.move(episode.id, EpisodeState.PUBLISHED, EpisodeState.ANNOTATED)
    any_store.move(episode.id, EpisodeState.ANNOTATED, EpisodeState.PUBLISHED)
    assert any_store.first_entered(EpisodeState.PUBLISHED, "infracast") == {episode.id: first}
    assert first.tzinfo is not None
    assert any_store.first_entered(EpisodeState.PUBLISHED, "other") == {}


def test_a_verdict_on_a_check_is_recorded_once_and_can_be_undone(any_store: Store) -> None:
    episode = any_store.create_episode("infracast", SOURCE)
    other = any_store.create_episode("infracast", SOURCE)
    verdict = any_store.scripts.set_verdict(
        episode.id,
        "k2",
        "false_alarm",
        "ed",
        comment="different racks",
        note="The article states …",
        history="check k2 marked a false alarm by ed",
    )
    assert (verdict.check_id, verdict.verdict, verdict.by) == ("k2", "false_alarm", "ed")
    assert verdict.comment == "different racks" and verdict.at.tzinfo is not None
    # A second click, or a second editor, keeps the first verdict and adds no history.
    again = any_store.scripts.set_verdict(episode.id, "k2", "false_alarm", "jo", history="again")
    assert again == verdict
    assert any_store.scripts.verdicts(episode.id) == [verdict]
    assert any_store.scripts.verdicts(other.id) == []
    assert [c.note for c in any_store.history(episode.id)][1:] == [
        "check k2 marked a false alarm by ed"
    ]
    assert any_store.scripts.clear_verdict(episode.id, "k2", history="check k2 restored by jo")
    assert any_store.scripts.verdicts(episode.id) == []
    assert not any_store.scripts.clear_verdict(episode.id, "k2", history="nothing to undo")
    assert [c.note for c in any_store.history(episode.id)][-1] == "check k2 restored by jo"
    assert any_store.episode(episode.id).state == EpisodeState.QUEUED
    with pytest.raises(NotFoundError, match="there is no episode 99"):
        any_store.scripts.set_verdict(99, "k1", "false_alarm", "ed")
    with pytest.raises(NotFoundError, match="there is no episode 99"):
        any_store.scripts.clear_verdict(99, "k1")


def _script(text: str) -> Script:
    line = Line(id="l1", speaker="Lena", text=text, segment=0)
    return Script(
        title="Racks",
        summary="",
        segments=[Segment(title="One")],
        lines=[line],
        hosts=["Lena", "Miles"],
    )


def test_saves_from_the_same_version_at_once_one_wins_the_rest_conflict(
    any_store: Store,
) -> None:
    """On PostgreSQL two saves used to read the same latest version and collide on its
    unique key: an IntegrityError (a 500) instead of the conflict a stale save gets."""
    episode = any_store.create_episode("infracast", SOURCE)
    any_store.scripts.save(episode.id, _script("First."), [], author="script")
    for round_ in range(3):
        base = round_ + 1
        barrier = threading.Barrier(12)

        def save(n: int, base: int = base, barrier: threading.Barrier = barrier) -> str:
            barrier.wait()
            try:
                any_store.scripts.save(
                    episode.id, _script(f"Edit {n}."), [], author=f"e{n}", base_version=base
                )
            except ConflictError:
                return "conflict"
            return "saved"

        with ThreadPoolExecutor(12) as pool:
            outcomes = sorted(pool.map(save, range(12)))
        assert outcomes == ["conflict"] * 11 + ["saved"]
    assert [v.version for v in any_store.scripts.versions(episode.id)] == [1, 2, 3, 4]


def test_approval_names_a_version_and_stops_later_edits(any_store: Store) -> None:
    episode = any_store.create_episode("infracast", SOURCE)
    for to in (EpisodeState.INGESTED, EpisodeState.SCRIPTED, EpisodeState.IN_REVIEW):
        any_store.move(episode.id, any_store.episode(episode.id).state, to)
    with pytest.raises(NotFoundError, match="has no script yet"):
        any_store.scripts.approve(episode.id, None, "ed")
    any_store.scripts.save(episode.id, _script("First."), [], author="script")
    any_store.scripts.save(episode.id, _script("Second."), [], author="ed", base_version=1)
    with pytest.raises(ConflictError, match="is at version 2, not 1"):
        any_store.scripts.approve(episode.id, 1, "ed")
    approved = any_store.scripts.approve(episode.id, 2, "ed")
    assert (approved.state, approved.approved_version) == (EpisodeState.APPROVED, 2)
    editable = (EpisodeState.SCRIPTED, EpisodeState.IN_REVIEW)
    with pytest.raises(ConflictError, match="is approved: scripts can be edited while"):
        any_store.scripts.save(
            episode.id, _script("Late."), [], author="ed", base_version=2, states=editable
        )
    assert any_store.scripts.get(episode.id).version == 2


def test_heartbeats_belong_to_their_runner(any_store: Store) -> None:
    episode = any_store.create_episode("infracast", Source(kind="url", uri="https://a.example/"))
    any_store.start_heartbeat(episode.id, "ingest", "first")
    run = any_store.running()[episode.id]
    stage, first = run.stage, run.beat_at
    assert stage == "ingest"
    any_store.start_heartbeat(episode.id, "ingest", "second")  # the re-sent run takes over
    any_store.beat(episode.id, "first")  # the old run, if it still lives, beats no more
    any_store.end_heartbeat(episode.id, "first")
    assert any_store.running()[episode.id].beat_at >= first
    any_store.beat(episode.id, "second")
    any_store.end_heartbeat(episode.id, "second")
    assert any_store.running() == {}


@pytest.mark.parametrize("n", [2**31, 2**63, 10**20, 0, -1])
def test_ids_past_the_databases_integers_name_no_episode(any_store: Store, n: int) -> None:
    with pytest.raises(NotFoundError, match=f"there is no episode {n}"):
        any_store.episode(n)


@pytest.mark.postgres
def test_bursts_of_requests_reuse_pooled_postgresql_connections(
    pg_url: str, tmp_path: Path
) -> None:
    """The web server answers up to 40 requests at once in threads. With SQLAlchemy's
    default pool (5 kept, 10 more opened when busy) every burst of 15 requests opened 10
    new PostgreSQL connections and closed them again afterwards: 105 for these 10
    bursts."""
    from sqlalchemy import event

    store = Store(pg_url, tmp_path / "data")
    opened = []
    event.listen(store.engine, "connect", lambda *_: opened.append(1))
    burst = threading.Barrier(15)

    def lookup(_: int) -> None:
        burst.wait()
        store.accounts.session_user("no such session")

    with ThreadPoolExecutor(15) as pool:
        for _ in range(10):
            list(pool.map(lookup, range(15)))
    store.close()
    assert len(opened) <= 15
