"""Feed item identity: a random guid given at first publication and kept for ever.

The episodes here are finished by hand (their annotate outputs written directly), so
the tests take a second; test_feeds_stage makes real ones through every stage.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import feedparser
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from pipeline import actions, feeds
from pipeline.annotate import Annotations
from pipeline.config import Settings, Show
from pipeline.models import EpisodeState, QAReport, Source
from pipeline.rss import safe_name
from pipeline.store import Store, make_engine

SOURCE = Source(kind="markdown", uri="memory:a.md", text="# A\n\nB")


def _settings(root: Path) -> Settings:
    return Settings(data_root=root, shows={"infracast": Show(minutes=1)})


def annotated_episode(store: Store) -> int:
    """An episode with the files the annotate stage leaves, waiting to be published."""
    episode = store.create_episode("infracast", SOURCE, title="Racks")
    folder = store.episode_dir(episode.id)
    folder.mkdir(parents=True, exist_ok=True)
    notes = Annotations(
        title="Racks", summary="About racks.", duration=61.0, chapters=[], cards=[], sources=[]
    )
    (folder / "annotations.json").write_text(notes.model_dump_json(), encoding="utf-8")
    qa = QAReport(backend="whisper", model="tiny.en", threshold=0.5, wer=0.0, lines=[])
    (folder / "qa.json").write_text(qa.model_dump_json(), encoding="utf-8")
    (folder / "episode.mp3").write_bytes(b"ID3" + bytes(64))
    (folder / "captions.vtt").write_text("WEBVTT\n", encoding="utf-8")
    (folder / "captions.srt").write_text("1\n", encoding="utf-8")
    (folder / "chapters.json").write_text('{"version": "1.2.0", "chapters": []}')
    (folder / "notes.html").write_text("<p>About racks.</p>", encoding="utf-8")
    store.move(episode.id, EpisodeState.QUEUED, EpisodeState.ANNOTATED, "test: made by hand")
    return episode.id


def item_guids(settings: Settings) -> list[str]:
    raw = feeds.feed_path(settings, "infracast").read_bytes()
    guids = [entry.id for entry in feedparser.parse(raw).entries]
    for guid in guids:
        assert f'<guid isPermaLink="false">{guid}</guid>'.encode() in raw
    return guids


def published_once(root: Path) -> tuple[Settings, Store, int]:
    settings = _settings(root)
    store = Store(settings.db_url, settings.data_root)
    episode_id = annotated_episode(store)
    actions.publish(store, settings, episode_id, "editor")
    return settings, store, episode_id


def test_two_data_roots_give_their_episode_1_different_guids(tmp_path: Path) -> None:
    made = [published_once(tmp_path / name) for name in ("one", "two")]
    assert [episode_id for _, _, episode_id in made] == [1, 1]
    guids = [item_guids(settings)[0] for settings, _, _ in made]
    assert guids[0] != guids[1]
    for (settings, store, _), guid in zip(made, guids, strict=True):
        assert uuid.UUID(guid).version == 4
        assert store.episode(1).feed_guid == guid
        assert (settings.public_dir / "infracast" / safe_name(guid) / "episode.mp3").is_file()
        store.close()


def test_republishing_keeps_the_guid(tmp_path: Path) -> None:
    settings, store, episode_id = published_once(tmp_path)
    (guid,) = item_guids(settings)
    feeds.write_feed(store, settings, "infracast")
    actions.unpublish(store, settings, episode_id, "editor")
    assert item_guids(settings) == [] and store.episode(episode_id).feed_guid == guid
    actions.publish(store, settings, episode_id, "editor")
    assert item_guids(settings) == [guid]
    second = annotated_episode(store)
    actions.publish(store, settings, second, "editor")
    assert sorted(item_guids(settings)) == sorted([guid, store.episode(second).feed_guid or ""])
    assert store.episode(episode_id).feed_guid == guid
    store.close()


def _alembic(conn: object) -> Config:
    cfg = Config()
    cfg.set_main_option(
        "script_location", str(Path(__file__).parents[1] / "pipeline" / "migrations")
    )
    cfg.attributes["connection"] = conn
    return cfg


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_episodes_published_before_the_migration_keep_their_guid(
    db: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = request.getfixturevalue("pg_url") if db == "postgres" else f"sqlite:///{tmp_path}/old.db"
    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(_alembic(conn), "0005")
        for episode_id, show, states in (
            (1, "infracast", ["queued", "annotated", "published"]),
            (2, "grid", ["queued", "annotated", "published", "annotated"]),  # unpublished
            (3, "infracast", ["queued", "annotated"]),  # never published
        ):
            conn.execute(
                text(
                    "INSERT INTO episodes (id, show, state, source_kind, source_uri, "
                    "created_at, updated_at) VALUES (:id, :show, :state, 'markdown', 'a.md', "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"id": episode_id, "show": show, "state": states[-1]},
            )
            for before, after in zip([None, *states], states, strict=False):
                conn.execute(
                    text(
                        "INSERT INTO state_changes (episode_id, from_state, to_state, note, at) "
                        "VALUES (:id, :before, :after, '', CURRENT_TIMESTAMP)"
                    ),
                    {"id": episode_id, "before": before, "after": after},
                )
    engine.dispose()
    store = Store(url, tmp_path / "data")  # migrates to the newest revision
    assert store.episode(1).feed_guid == "infracast:infracast:1"
    assert store.episode(2).feed_guid == "infracast:grid:2"
    assert store.episode(3).feed_guid is None
    store.move(3, EpisodeState.ANNOTATED, EpisodeState.PUBLISHED)
    store.move(2, EpisodeState.ANNOTATED, EpisodeState.PUBLISHED)
    assert uuid.UUID(store.episode(3).feed_guid or "").version == 4
    assert store.episode(2).feed_guid == "infracast:grid:2"
    with store.engine.begin() as conn:  # and back down, on both databases
        command.downgrade(_alembic(conn), "0005")
        command.upgrade(_alembic(conn), "head")
    store.close()
