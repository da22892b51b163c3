"""The audio stages end to end, in-process: render, master, transcribe, QA, re-render.

Real engines and models throughout (Piper, Festival, ffmpeg, faster-whisper) on a
one-minute script, so the file stays within a minute or so of run time.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline import actions, orchestrate
from pipeline.config import Settings, Show
from pipeline.models import EpisodeState, QAReport, Source, Timeline
from pipeline.store import Store
from tests.conftest import EXAMPLE
from tests.dispatching import Recorder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Settings, int]:
    """One short episode made through every stage, shared by the tests below."""
    root = tmp_path_factory.mktemp("audio")
    settings = Settings(data_root=root, shows={"infracast": Show(auto_approve=True, minutes=1)})
    store = Store(settings.db_url, settings.data_root)
    source = Source(kind="markdown", uri=str(EXAMPLE), text=EXAMPLE.read_text(encoding="utf-8"))
    episode = actions.submit(store, settings, source).episode
    orchestrate.run_episode(store, settings, episode.id)
    return store, settings, episode.id


def test_an_approved_script_becomes_a_transcribed_episode(
    made: tuple[Store, Settings, int],
) -> None:
    store, _, episode_id = made
    # On it goes to annotate and publish (or waits there, held, when QA flags lines).
    assert store.episode(episode_id).state in (EpisodeState.ANNOTATED, EpisodeState.PUBLISHED)
    assert EpisodeState.TRANSCRIBED in [c.to_state for c in store.history(episode_id)]
    folder = store.episode_dir(episode_id)
    names = {Path(f.path).name for f in store.files(episode_id)}
    assert {
        "episode.mp3",
        "timeline.json",
        "words.json",
        "qa.json",
        "qa_rechecks.json",
        "captions.vtt",
        "captions.srt",
    } <= names
    timeline = Timeline.model_validate_json((folder / "timeline.json").read_text())
    script = store.scripts.get(episode_id).script
    assert [t.line_id for t in timeline.lines] == [line.id for line in script.lines]
    report = QAReport.model_validate_json((folder / "qa.json").read_text())
    assert report.wer < 0.35, report.wer
    # Every line the episode pass flagged was heard again on its own by base; what both
    # passes heard stays on record for the editor.
    rechecks = json.loads((folder / "qa_rechecks.json").read_text())["rechecks"]
    assert all(r["model"] == "base" and "episode_heard" in r for r in rechecks)
    assert {q.line_id for q in report.flagged} <= {r["line_id"] for r in rechecks}
    assert (folder / "captions.vtt").read_text().startswith("WEBVTT")
    # The stage let go of the recognisers: the worker renders the next episode in that memory.
    from pipeline.transcribe import backends

    assert backends._faster_whisper_model.cache_info().currsize == 0


def test_an_edit_after_rendering_is_flagged_and_said_again_in_the_same_voice(
    made: tuple[Store, Settings, int],
) -> None:
    store, settings, episode_id = made
    folder = store.episode_dir(episode_id)
    saved_voices = folder / "overrides.json"
    before = json.loads(saved_voices.read_text()) if saved_voices.is_file() else {}
    saved = store.scripts.get(episode_id)
    lines = list(saved.script.lines)
    target = next(i for i, line in enumerate(lines) if line.words >= 6 and line.id not in before)
    changed = "Meanwhile, liquid cooling loops are spreading across every new hall in Norway."
    lines[target] = lines[target].model_copy(update={"text": changed})
    store.scripts.save(
        episode_id,
        saved.script.model_copy(update={"lines": lines}),
        [],
        author="editor",
        base_version=saved.version,
    )
    # The audio still says the old line: transcribing again against the new text flags it.
    state = store.episode(episode_id).state
    if state == EpisodeState.PUBLISHED:
        actions.unpublish(store, settings, episode_id, "editor")
    # Approved again, but the audio kept (not rendered again) still says the old line.
    store.move(episode_id, EpisodeState.ANNOTATED, EpisodeState.IN_REVIEW)
    actions.approve(store, episode_id, "editor", saved.version + 1, dispatcher=Recorder())
    store.move(episode_id, EpisodeState.APPROVED, EpisodeState.RENDERED)
    episode = orchestrate.run_stage(store, settings, episode_id, "transcribe")
    report = QAReport.model_validate_json((folder / "qa.json").read_text())
    line_id = lines[target].id
    assert line_id in [q.line_id for q in report.flagged]
    # heard again on its own, the old audio still fails the new text
    rechecks = json.loads((folder / "qa_rechecks.json").read_text())["rechecks"]
    assert [r["flagged"] for r in rechecks if r["line_id"] == line_id] == [True]

    # QA sends a newly flagged line back to be said once more, 10% slower, by its own host.
    summary = store.stage_output_latest(episode_id, "transcribe")
    assert summary is not None and line_id in summary["rerendering"]
    assert episode.state == EpisodeState.APPROVED
    overrides = json.loads((folder / "overrides.json").read_text())
    host = {h.name: h for h in settings.show("infracast").hosts}[lines[target].speaker]
    assert overrides[line_id] == host.voice.model_copy(update={"speed": 0.9}).model_dump()
    assert set(overrides) - set(before) == set(summary["rerendering"])
    orchestrate.run_episode(store, settings, episode_id)
    runs = store.stage_output_latest(episode_id, "render")
    assert runs is not None and runs["clips_rendered"] == len(summary["rerendering"])
    report = QAReport.model_validate_json((folder / "qa.json").read_text())
    heard = next(q for q in report.lines if q.line_id == line_id)
    assert heard.wer < 0.3, heard  # the new audio says the edited text

    # An editor's re-render moves the line one more step down the same host's ladder.
    if store.episode(episode_id).state == EpisodeState.PUBLISHED:
        actions.unpublish(store, settings, episode_id, "editor")
    episode, rerendered = actions.rerender_lines(
        store, settings, episode_id, [line_id], dispatcher=Recorder()
    )
    assert rerendered == [line_id] and episode.state == EpisodeState.APPROVED
    overrides = json.loads((folder / "overrides.json").read_text())
    assert overrides[line_id] == host.voice.model_copy(update={"speed": 0.81}).model_dump()
