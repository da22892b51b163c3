"""The script and review stages in the pipeline, script versions, and approval."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import actions, orchestrate
from pipeline.config import Settings, Show
from pipeline.errors import ConflictError
from pipeline.figures.audit import untraced
from pipeline.models import EpisodeState, Source
from pipeline.store import Store
from tests.conftest import EXAMPLE
from tests.dispatching import Recorder


def example() -> Source:
    return Source(kind="markdown", uri=str(EXAMPLE), text=EXAMPLE.read_text(encoding="utf-8"))


def made(store: Store, settings: Settings) -> int:
    episode = actions.submit(store, settings, example()).episode
    return orchestrate.run_episode(store, settings, episode.id).id


def test_script_stage_stores_version_one_with_its_audit(store: Store, settings: Settings) -> None:
    episode_id = made(store, settings)
    assert store.episode(episode_id).state == EpisodeState.IN_REVIEW
    saved = store.scripts.get(episode_id)
    assert saved.version == 1 and saved.author == "script"
    assert saved.script.writer == "extractive" and saved.script.hosts == ["Lena", "Miles"]
    assert saved.findings and untraced(saved.findings) == []
    assert (store.episode_dir(episode_id) / "ledger.json").is_file()


def test_auto_approving_show_skips_review(store: Store, settings: Settings) -> None:
    auto = settings.model_copy(update={"shows": {"infracast": Show(auto_approve=True)}})
    episode = actions.submit(store, auto, example()).episode
    for stage in ("ingest", "script", "review"):
        orchestrate.run_stage(store, auto, episode.id, stage)
    assert store.episode(episode.id).state == EpisodeState.APPROVED
    assert store.episode(episode.id).approved_version == 1  # the version it approved
    assert EpisodeState.IN_REVIEW not in [c.to_state for c in store.history(episode.id)]


def test_approve_moves_in_review_to_approved_once(store: Store, settings: Settings) -> None:
    episode_id = made(store, settings)
    approved = actions.approve(store, episode_id, who="ed", dispatcher=Recorder())
    assert approved.state == EpisodeState.APPROVED
    assert store.history(episode_id)[-1].note == "approved by ed (script version 1)"
    assert approved.approved_version == 1
    with pytest.raises(ConflictError, match="is approved, not in_review"):
        actions.approve(store, episode_id, who="ed", dispatcher=Recorder())


def test_edits_make_new_versions_and_stale_saves_are_refused(
    store: Store, settings: Settings
) -> None:
    episode_id = made(store, settings)
    first = store.scripts.get(episode_id)
    lines = list(first.script.lines)
    lines[1] = lines[1].model_copy(update={"text": "An edited line about cooling."})
    edited = first.script.model_copy(update={"lines": lines})
    second = store.scripts.save(episode_id, edited, [], author="ed", base_version=1)
    assert second.version == 2 and store.scripts.get(episode_id).script.lines[1].text.startswith(
        "An edited"
    )
    assert store.scripts.get(episode_id, version=1).script == first.script  # the old one is kept
    with pytest.raises(ConflictError, match="someone saved a newer version"):
        store.scripts.save(episode_id, edited, [], author="bo", base_version=1)
    assert [v.version for v in store.scripts.versions(episode_id)] == [1, 2]


def test_rerunning_the_script_stage_writes_nothing_new(store: Store, settings: Settings) -> None:
    episode_id = made(store, settings)
    orchestrate.run_stage(store, settings, episode_id, "script")  # not waiting for it: no-op
    assert len(store.scripts.versions(episode_id)) == 1
    assert store.stage_run_count(episode_id, "script") == 1


def test_an_unknown_writer_fails_the_episode_with_a_clear_message(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    odd = settings.model_copy(update={"shows": {"infracast": Show(writer="poet")}})
    episode = actions.submit(store, odd, example()).episode
    with pytest.raises(Exception, match="unknown script writer 'poet'"):
        orchestrate.run_episode(store, odd, episode.id)
    failed = store.episode(episode.id)
    assert failed.state == EpisodeState.FAILED and failed.failed_stage == "script"
    assert failed.failure == "unknown script writer 'poet'; writers: extractive, llm"


def test_an_article_with_no_figures_still_makes_an_episode(
    store: Store, settings: Settings
) -> None:
    text = (
        "# Why cooling is the hard part\n\n"
        "Operators say that moving heat out of a dense hall is now harder than bringing power "
        "in. Liquid loops, rear-door heat exchangers and warmer water all help, but each "
        "changes how a building is designed, staffed and maintained.\n\n"
        "Engineers who ran air-cooled rooms for decades are learning plumbing again, and "
        "vendors are racing to standardise the quick-disconnect fittings that make it safe.\n"
    )
    source = Source(kind="markdown", uri="cooling.md", text=text)
    episode = actions.submit(store, settings, source).episode
    done = orchestrate.run_episode(store, settings, episode.id)
    assert done.state == EpisodeState.IN_REVIEW
    saved = store.scripts.get(episode.id)
    assert saved.script.lines and untraced(saved.findings) == []
    assert not any(ch.isdigit() for line in saved.script.lines for ch in line.text)


def test_the_llm_model_is_part_of_the_script_stage_inputs(settings: Settings) -> None:
    """Another model writes another script: a stage re-run after the model changed must
    write again, not return the old model's script from the stage-output cache."""
    from pipeline.ingest import IngestOptions, article_from_source
    from pipeline.stages import SCRIPT
    from pipeline.stages.script import inputs_for

    article = article_from_source(example(), IngestOptions())
    llm = {"llm_base_url": "http://127.0.0.1:9/v1", "llm_model": "small"}
    first = settings.model_copy(update=llm)
    second = settings.model_copy(update=llm | {"llm_model": "large"})
    hashes = {
        orchestrate.input_hash(SCRIPT, inputs_for(article, s, None, writer=writer))
        for s in (first, second)
        for writer in ("llm", "extractive")
    }
    assert len(hashes) == 3  # two models for the llm writer; the planner ignores the model
