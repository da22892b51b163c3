"""The shared caches (speech clips, LLM script segments): what uses an entry keeps it,
what no episode has used for `cache_days` goes, once a day by the render stage or at
once from the command line."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pipeline import actions, caches, orchestrate
from pipeline.config import Host, Settings, Show, Voice
from pipeline.models import EpisodeState, Source
from pipeline.speech.render import ClipJob, clip_key, clip_path, render_clips
from pipeline.store import Store
from tests.conftest import EXAMPLE
from tests.dispatching import Recorder
from tests.services import cli

DAY = 86400
ESPEAK = Voice(engine="espeak", voice="en-us+f3")


def entry(root: Path, relative: str, days_unused: float, size: int = 10) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    then = time.time() - days_unused * DAY
    os.utime(path, (then, then))
    return path


def test_prune_removes_what_was_not_used_for_the_days_and_keeps_the_rest(
    tmp_path: Path,
) -> None:
    old_clip = entry(tmp_path, "clips/ab/ab12.wav", 40, size=300)
    new_clip = entry(tmp_path, "clips/cd/cd34.wav", 3)
    old_segment = entry(tmp_path, "script-segments/ef56.json", 31, size=50)
    new_segment = entry(tmp_path, "script-segments/0a78.json", 29)
    stranger = entry(tmp_path, "clips/notes.txt", 400)  # not a cache entry: left alone

    removed = {r.name: (r.files, r.bytes) for r in caches.prune(tmp_path, days=30)}

    assert removed == {"clips": (1, 300), "script-segments": (1, 50)}
    assert not old_clip.exists() and not old_segment.exists()
    assert new_clip.exists() and new_segment.exists() and stranger.exists()
    sizes = {s.name: (s.files, s.bytes) for s in caches.sizes(tmp_path)}
    assert sizes == {"clips": (1, 10), "script-segments": (1, 10)}


def test_pruning_is_due_once_a_day(tmp_path: Path) -> None:
    entry(tmp_path, "clips/ab/ab12.wav", 40)
    assert caches.prune_when_due(tmp_path, days=30) is not None  # never pruned: due
    second = entry(tmp_path, "clips/cd/cd34.wav", 40)
    assert caches.prune_when_due(tmp_path, days=30) is None  # pruned today: not due
    assert second.exists()
    yesterday = time.time() - DAY - 60
    os.utime(tmp_path / caches.PRUNED_MARK, (yesterday, yesterday))
    assert caches.prune_when_due(tmp_path, days=30) is not None
    assert not second.exists()


def test_a_clip_said_again_is_marked_used_and_kept(tmp_path: Path) -> None:
    jobs = [ClipJob("l1", "The hall draws forty megawatts.", ESPEAK)]
    render_clips(jobs, tmp_path / "clips", workers=1)
    clip = clip_path(tmp_path / "clips", clip_key(jobs[0]))
    long_ago = time.time() - 60 * DAY
    os.utime(clip, (long_ago, long_ago))

    (again,) = render_clips(jobs, tmp_path / "clips", workers=1)

    assert again.cached and clip.stat().st_mtime > time.time() - 60
    caches.prune(tmp_path, days=30)
    assert clip.exists()


def test_the_render_stage_prunes_clips_no_episode_used_lately(tmp_path: Path) -> None:
    hosts = [
        Host(name="Lena", role="leads and explains", voice=ESPEAK),
        Host(name="Miles", role="asks, connects and reacts", voice=ESPEAK),
    ]
    settings = Settings(
        data_root=tmp_path / "data", shows={"infracast": Show(minutes=1, hosts=hosts)}
    )
    store = Store(settings.db_url, settings.data_root)
    stale = entry(settings.data_root, "clips/ff/ff00.wav", settings.cache_days + 1)
    source = Source(kind="markdown", uri=str(EXAMPLE), text=EXAMPLE.read_text("utf-8"))
    episode = actions.submit(store, settings, source).episode
    orchestrate.run_episode(store, settings, episode.id)
    actions.approve(store, episode.id, "editor", dispatcher=Recorder())
    rendered = orchestrate.run_stage(store, settings, episode.id, "render")
    store.close()

    assert rendered.state == EpisodeState.RENDERED, rendered.failure
    assert not stale.exists()
    kept = {s.name: s.files for s in caches.sizes(settings.data_root)}
    assert kept["clips"] > 0  # this episode's clips, just used


@pytest.mark.slow
def test_the_caches_command_lists_and_prunes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    old = entry(data, "clips/ab/ab12.wav", 10, size=2_000_000)
    entry(data, "script-segments/ef56.json", 1)
    env = {
        **os.environ,
        "INFRACAST_DATA_ROOT": str(data),
        "INFRACAST_CONFIG": str(tmp_path / "none.toml"),
    }

    listed = cli(env, "caches")
    assert listed.returncode == 0, listed.stderr
    assert "clips" in listed.stdout and "2.0 MB" in listed.stdout

    kept = cli(env, "caches", "--prune")  # the default 30 days: nothing that old
    assert kept.returncode == 0 and "clips: removed 0" in kept.stdout and old.exists()

    pruned = cli(env, "caches", "--prune", "--days", "7")
    assert pruned.returncode == 0, pruned.stderr
    assert "clips: removed 1 unused for 7 days or more (2.0 MB)" in pruned.stdout
    assert "script-segments: removed 0" in pruned.stdout
    assert not old.exists()
