"""The embedded path: stages run in-process, idempotent, failing clearly, resumable."""

from __future__ import annotations

import errno
import threading
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from pipeline import actions, ingest, orchestrate
from pipeline.config import Host, Settings, Show, Voice
from pipeline.errors import (
    ConflictError,
    InfracastError,
    InputError,
    NotFoundError,
    TransientError,
)
from pipeline.models import EpisodeState, Source
from pipeline.speech import fallback
from pipeline.stages import Stage, StageEnv, StageResult
from pipeline.store import Store, utcnow
from tests.conftest import ALARM, EXAMPLE, LOW
from tests.dispatching import Recorder
from tests.services import free_port, wait_for


def markdown(text: str, uri: str = "pasted.md") -> Source:
    return Source(kind="markdown", uri=uri, text=text)


def example() -> Source:
    return markdown(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE))


def test_make_ingests_and_records_the_article_file(store: Store, settings: Settings) -> None:
    queued = actions.submit(store, settings, example())
    assert queued.created and queued.episode.state == EpisodeState.QUEUED
    episode = orchestrate.run_episode(store, settings, queued.episode.id)
    assert episode.state == EpisodeState.IN_REVIEW
    article = store.article(episode.article_id or 0)
    assert article.title.startswith("The 130-Kilowatt Rack")
    assert [s.heading for s in article.sections][1:] == [
        "From 10 kilowatts to 130",
        "What a 100-megawatt campus holds",
        "The capex wave",
        "What comes next",
    ]
    stored = {Path(f.path).name: f for f in store.files(episode.id)}
    assert set(stored) == {"article.json", "ledger.json", "script.json"}
    for f in stored.values():
        assert (store.data_root / f.path).stat().st_size == f.size


def test_running_a_stage_twice_does_the_work_once(store: Store, settings: Settings) -> None:
    episode = actions.submit(store, settings, example()).episode
    orchestrate.run_stage(store, settings, episode.id, "ingest")
    again = orchestrate.run_stage(store, settings, episode.id, "ingest")
    assert again.state == EpisodeState.INGESTED
    assert store.stage_run_count(episode.id) == 1
    assert len(store.history(episode.id)) == 2


def test_same_article_same_show_returns_existing_unless_forced(
    store: Store, settings: Settings
) -> None:
    first = actions.submit(store, settings, example())
    # The same words with other whitespace are the same article.
    reflowed = markdown(
        "\n\n".join(p for p in EXAMPLE.read_text().split("\n\n")) + "\n\n\n", "copy.md"
    )
    second = actions.submit(store, settings, reflowed)
    assert not second.created and second.episode.id == first.episode.id
    forced = actions.submit(store, settings, example(), force=True)
    assert forced.created and forced.episode.id != first.episode.id


BAD_FILES = [
    ("empty.md", b"   \n\n", "is empty"),
    ("image.md", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "binary file"),
    ("code.md", b"# Code\n\n```python\nprint('x')\n```\n\n![rack](rack.png)\n", "has no prose"),
    ("big.md", b"# Big\n\n" + b"A rack draws 130 kW of power today. " * 400, "the limit is"),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD_FILES)
def test_bad_input_stores_nothing(
    store: Store, settings: Settings, tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    small = settings.model_copy(update={"max_article_bytes": 10_000})
    with pytest.raises(InputError, match=message):
        source = ingest.read_source_file(path, ingest.IngestOptions.from_settings(small))
        actions.submit(store, small, source)
    assert store.episodes() == [] and store.article_count() == 0


def test_a_refused_url_stores_nothing(store: Store, settings: Settings) -> None:
    local = settings.model_copy(update={"fetch_allow_networks": []})
    with pytest.raises(InputError, match="loopback"):
        actions.submit(store, local, Source(kind="url", uri="http://127.0.0.1:9/a"))
    assert store.episodes() == []


def test_unreachable_url_fails_with_reason_and_retry_resumes(
    store: Store, settings: Settings
) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    port = free_port()
    url = f"http://127.0.0.1:{port}/article"
    episode = actions.submit(store, settings, Source(kind="url", uri=url)).episode
    with pytest.raises(TransientError, match="could not reach"):
        orchestrate.run_episode(store, settings, episode.id)
    failed = store.episode(episode.id)
    assert failed.state == EpisodeState.FAILED and failed.failed_stage == "ingest"
    assert "could not reach" in (failed.failure or "")

    body = EXAMPLE.read_text(encoding="utf-8").encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/markdown; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        resumed, stage = actions.retry(store, episode.id, dispatcher=Recorder())
        assert stage.name == "ingest" and resumed.state == EpisodeState.QUEUED
        done = orchestrate.run_episode(store, settings, episode.id)
    finally:
        server.shutdown()
    assert done.state == EpisodeState.IN_REVIEW and done.failure is None
    assert [c.to_state for c in store.history(episode.id)][:4] == [
        EpisodeState.QUEUED,
        EpisodeState.FAILED,
        EpisodeState.QUEUED,
        EpisodeState.INGESTED,
    ]


def test_retry_refuses_an_episode_that_did_not_fail(store: Store, settings: Settings) -> None:
    episode = actions.submit(store, settings, example()).episode
    force_state(store, episode.id, EpisodeState.IN_REVIEW)  # waiting for an editor
    with pytest.raises(ConflictError, match="not failed: nothing to retry"):
        actions.retry(store, episode.id, dispatcher=Recorder())


def test_a_crashing_stage_leaves_the_episode_failed_not_lost(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(source: Source, env: StageEnv) -> StageResult:
        raise ZeroDivisionError("division by zero")

    stage = orchestrate.STAGES[0]
    monkeypatch.setattr(orchestrate, "STAGES", [replace(stage, run=broken)])
    episode = actions.submit(store, settings, example()).episode
    with pytest.raises(ZeroDivisionError):
        orchestrate.run_episode(store, settings, episode.id)
    failed = store.episode(episode.id)
    assert failed.state == EpisodeState.FAILED
    assert failed.failure == "internal error: ZeroDivisionError: division by zero"


def test_a_new_stage_only_needs_registering(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[str] = []

    def shout(source: Source, env: StageEnv) -> StageResult:
        calls.append(env.episode.title or "")
        path = env.folder / "shout.txt"
        path.write_text((env.episode.title or "").upper(), encoding="utf-8")
        return StageResult(summary={"chars": len(env.episode.title or "")}, files=[path])

    extra = Stage(
        name="shout",
        queue="default",
        start=EpisodeState.INGESTED,
        end=EpisodeState.SCRIPTED,
        inputs=lambda store, episode, settings: episode.source,
        run=shout,
    )
    monkeypatch.setattr(orchestrate, "STAGES", [orchestrate.STAGES[0], extra])
    episode = actions.submit(store, settings, example()).episode
    done = orchestrate.run_episode(store, settings, episode.id)
    assert done.state == EpisodeState.SCRIPTED and len(calls) == 1
    assert {f.stage for f in store.files(episode.id)} == {"ingest", "shout"}


# -- consistency checks: false alarms ----------------------------------------------


def in_review(store: Store, settings: Settings) -> int:
    episode = actions.submit(store, settings, example()).episode
    episode = orchestrate.run_episode(store, settings, episode.id)
    assert episode.state == EpisodeState.IN_REVIEW
    return episode.id


def notes_of(store: Store, settings: Settings, episode_id: int) -> str:
    """Show notes from the annotate stage as it runs after transcription, on a timeline
    and transcript made up here (no audio: what the notes print does not depend on it)."""
    from pipeline import episode_files
    from pipeline.models import TimedLine, TimedSegment, Timeline

    latest = store.scripts.get(episode_id)
    script, script_version = latest.script, latest.version
    lines = [
        TimedLine(line_id=x.id, speaker=x.speaker, segment=x.segment, start=3.0 * n, end=3 * n + 2)
        for n, x in enumerate(script.lines)
    ]
    end = 3.0 * len(lines)
    segments = [
        TimedSegment(index=i, title=s.title, start=0.0, end=end)
        for i, s in enumerate(script.segments)
    ]
    folder = store.episode_dir(episode_id)
    episode_files.TIMELINE.write(folder, Timeline(duration=end, lines=lines, segments=segments))
    episode_files.WORDS.write(folder, episode_files.Words(words=[]))
    stage = orchestrate.stage_named("annotate")
    # As if its latest script version had been approved (annotate says the approved one).
    episode = store.episode(episode_id).model_copy(update={"approved_version": script_version})
    stage.run(stage.inputs(store, episode, settings), StageEnv(settings, episode, folder))
    return "".join((folder / n).read_text(encoding="utf-8") for n in ("notes.md", "notes.html"))


def said_checks(store: Store, episode_id: int) -> dict[str, list[str]]:
    return {r.check.id: r.lines for r in actions.review_checks(store, episode_id)}


@pytest.mark.usefixtures("disagreeing_checks")
def test_only_an_alarm_is_said_and_printed(store: Store, settings: Settings) -> None:
    episode_id = in_review(store, settings)
    reviews = {r.check.id: r for r in actions.review_checks(store, episode_id)}
    assert reviews[ALARM].said and reviews[ALARM].lines  # the writer voices the alarm
    assert not reviews[LOW].said and reviews[LOW].lines == []
    notes = notes_of(store, settings, episode_id)
    assert reviews[ALARM].check.note in notes
    assert reviews[LOW].check.note not in notes


@pytest.mark.usefixtures("disagreeing_checks")
def test_a_false_alarm_leaves_the_script_and_notes_and_can_be_undone(
    store: Store, settings: Settings
) -> None:
    episode_id = in_review(store, settings)
    said_in = said_checks(store, episode_id)[ALARM]
    done = actions.dismiss_check(store, episode_id, ALARM, "ed", "  two other racks ")
    assert done.version is not None and done.version.version == 2
    assert done.version.author == "ed" and ALARM in done.version.comment
    kept = [line.id for line in done.version.script.lines]
    assert not set(said_in) & set(kept)
    assert len(kept) == len(store.scripts.get(episode_id, 1).script.lines) - len(said_in)
    assert (done.verdict.by, done.verdict.comment) == ("ed", "two other racks")
    assert said_checks(store, episode_id)[ALARM] == []
    assert f"check {ALARM} marked a false alarm by ed: two other racks" in [
        c.note for c in store.history(episode_id)
    ]
    note = done.verdict.note
    assert note and note not in notes_of(store, settings, episode_id)
    # Marking it again changes nothing: no new version, the first verdict stays.
    again = actions.dismiss_check(store, episode_id, ALARM, "jo")
    assert again.version is None and again.verdict == done.verdict
    # Undone, it counts again in the notes; the lines left out stay out of the script.
    actions.restore_check(store, episode_id, ALARM, "jo")
    assert store.scripts.verdicts(episode_id) == [] and store.scripts.get(episode_id).version == 2
    assert note in notes_of(store, settings, episode_id)
    with pytest.raises(NotFoundError, match="not marked a false alarm"):
        actions.restore_check(store, episode_id, ALARM, "jo")


@pytest.mark.usefixtures("disagreeing_checks")
def test_a_low_confidence_false_alarm_is_recorded_without_a_new_version(
    store: Store, settings: Settings
) -> None:
    episode_id = in_review(store, settings)
    done = actions.dismiss_check(store, episode_id, LOW, "ed")
    assert done.version is None and store.scripts.get(episode_id).version == 1
    assert [v.check_id for v in store.scripts.verdicts(episode_id)] == [LOW]


@pytest.mark.usefixtures("disagreeing_checks")
def test_false_alarms_are_judged_only_on_disagreements_while_the_script_is_editable(
    store: Store, settings: Settings
) -> None:
    episode_id = in_review(store, settings)
    reviews = actions.review_checks(store, episode_id)
    agreeing = next(r.check.id for r in reviews if r.check.agrees)
    with pytest.raises(ConflictError, match="agrees with the article"):
        actions.dismiss_check(store, episode_id, agreeing, "ed")
    with pytest.raises(NotFoundError, match="has no check 'k999'"):
        actions.dismiss_check(store, episode_id, "k999", "ed")
    actions.approve(store, episode_id, "ed", dispatcher=Recorder())
    with pytest.raises(ConflictError, match="is approved"):
        actions.dismiss_check(store, episode_id, ALARM, "ed")
    with pytest.raises(ConflictError, match="is approved"):
        actions.restore_check(store, episode_id, ALARM, "ed")
    assert store.scripts.verdicts(episode_id) == [] and store.scripts.get(episode_id).version == 1


# -- re-rendering a flagged line keeps the host's identity ---------------------------

LENA = Host(
    name="Lena",
    role="leads and explains",
    voice=Voice(engine="festival", voice="cmu_us_slt_arctic_hts"),
    alternates=[Voice(engine="espeak", voice="en-us+f3")],
)


def test_a_flagged_line_is_said_slower_then_by_the_hosts_alternate_voice() -> None:
    steps = [LENA.voice]
    for _ in range(6):
        steps.append(fallback.next_voice(LENA, steps[-1]))
    assert [(v.voice, v.speed) for v in steps] == [
        ("cmu_us_slt_arctic_hts", 1.0),
        ("cmu_us_slt_arctic_hts", 0.9),
        ("cmu_us_slt_arctic_hts", 0.81),
        ("cmu_us_slt_arctic_hts", 0.729),
        ("en-us+f3", 1.0),
        ("en-us+f3", 0.9),
        ("en-us+f3", 0.81),
    ]


def test_the_ladder_ends_at_its_slowest_step_and_never_leaves_the_host() -> None:
    lone = Host(name="Miles", role="asks", voice=Voice(engine="piper", voice="joe", speed=1.1))
    ladder = fallback.ladder(lone)
    assert {v.voice for v in ladder} == {"joe"}
    assert min(v.speed for v in ladder) >= 1.1 * fallback.SLOWEST
    assert fallback.next_voice(lone, ladder[-1]) == ladder[-1]
    # A voice the host does not have (an override from an older version) starts the ladder.
    stranger = Voice(engine="espeak", voice="en-us")
    assert fallback.next_voice(lone, stranger) == ladder[1]


def test_an_editor_may_pick_one_move_slower_or_the_hosts_next_voice() -> None:
    slowed = fallback.slower(LENA, LENA.voice)
    assert slowed == LENA.voice.model_copy(update={"speed": 0.9})
    assert fallback.slower(LENA, Voice(engine="espeak", voice="en-us+f3", speed=0.81)) == Voice(
        engine="espeak", voice="en-us+f3", speed=0.729
    )
    # Never below SLOWEST of the voice's own speed: 0.729 * 0.9 < 0.7.
    assert fallback.slower(LENA, LENA.voice.model_copy(update={"speed": 0.729})) is None
    # The next voice is the alternate at its own speed, then the main voice again.
    assert fallback.other_voice(LENA, slowed) == LENA.alternates[0]
    assert fallback.other_voice(LENA, LENA.alternates[0]) == LENA.voice
    assert fallback.other_voice(Host(name="Miles", role="asks"), Voice()) is None


def fixable(store: Store, settings: Settings) -> int:
    """An episode as if rendered and heard back, QA flagging its second and third lines."""
    from pipeline import episode_files
    from pipeline.models import LineQA, QAReport

    episode_id = in_review(store, settings)
    actions.approve(store, episode_id, "editor", dispatcher=Recorder())
    store.move(episode_id, EpisodeState.APPROVED, EpisodeState.ANNOTATED, "test: heard")
    lines = store.scripts.get(episode_id).script.lines
    flagged = [
        LineQA(line_id=line.id, expected="a", heard="b", wer=1.0, flagged=True)
        for line in lines[1:3]
    ]
    report = QAReport(backend="b", model="m", threshold=0.15, wer=0.2, lines=flagged)
    episode_files.QA.write(store.episode_dir(episode_id), report)
    return episode_id


def test_each_fix_changes_only_how_its_line_is_said(store: Store, settings: Settings) -> None:
    from pipeline import episode_files
    from pipeline.stages import render as render_stage

    episode_id = fixable(store, settings)
    folder = store.episode_dir(episode_id)
    hosts = {h.name: h for h in settings.show("infracast").hosts}
    script = store.scripts.get(episode_id).script
    lena = next(line for line in script.lines if line.speaker == "Lena")
    miles = next(line for line in script.lines if line.speaker == "Miles")
    assert hosts["Lena"].alternates and not hosts["Miles"].alternates

    def fix(line_id: str, kind: str, word: str = "", said: str = "") -> None:
        chosen = render_stage.Fix(kind, word, said)  # type: ignore[arg-type]
        actions.rerender_lines(
            store, settings, episode_id, [line_id], fix=chosen, dispatcher=Recorder()
        )
        store.move(episode_id, EpisodeState.APPROVED, EpisodeState.ANNOTATED, "test: heard")

    fix(lena.id, "slower")
    assert episode_files.read_overrides(folder) == {
        lena.id: hosts["Lena"].voice.model_copy(update={"speed": 0.9})
    }
    fix(lena.id, "voice")
    assert episode_files.read_overrides(folder)[lena.id] == hosts["Lena"].alternates[0]
    with pytest.raises(InputError, match="Miles has one voice only"):
        fix(miles.id, "voice")
    assert miles.id not in episode_files.read_overrides(folder)  # nothing written

    before = render_stage.load(store, store.episode(episode_id), settings)
    word = next(w for w in miles.text.split() if w.isalpha() and len(w) > 3)
    fix(miles.id, "respell", word.upper(), "zork-a-dee")
    assert episode_files.read_respellings(folder) == {miles.id: {word: "zork-a-dee"}}
    after = render_stage.load(store, store.episode(episode_id), settings)
    assert after.respellings and after != before  # the stage runs again
    jobs = {j.line_id: j.text for j in render_stage.clip_jobs(after)}
    old_jobs = {j.line_id: j.text for j in render_stage.clip_jobs(before)}
    assert "zork-a-dee" in jobs[miles.id] and jobs[miles.id] != old_jobs[miles.id]
    assert {k: v for k, v in jobs.items() if k != miles.id} == {
        k: v for k, v in old_jobs.items() if k != miles.id
    }
    # QA still expects what a listener should hear: the line's normal spoken form.
    from pipeline.models import Timeline
    from pipeline.stages import transcribe as transcribe_stage

    (folder / episode_files.AUDIO).write_bytes(b"ID3 as if rendered")
    episode_files.TIMELINE.write(folder, Timeline(duration=0, lines=[], segments=[]))
    heard = transcribe_stage.load(store, store.episode(episode_id), settings)
    assert "zork" not in heard.spoken[miles.id]
    assert heard.spoken == render_stage.spoken_lines(script, settings.show("infracast").lexicon)
    assert f"re-render {miles.id}: “{word.upper()}” said as “zork-a-dee”" in [
        c.note for c in store.history(episode_id)
    ]


def test_a_fix_a_line_cannot_take_is_refused_with_the_reason(
    store: Store, settings: Settings
) -> None:
    from pipeline.stages import render as render_stage

    episode_id = fixable(store, settings)
    line = store.scripts.get(episode_id).script.lines[1]

    def refused(word: str, said: str, line_ids: list[str] | None = None) -> str:
        with pytest.raises(InputError) as e:
            actions.rerender_lines(
                store,
                settings,
                episode_id,
                [line.id] if line_ids is None else line_ids,
                fix=render_stage.Fix("respell", word, said),
                dispatcher=Recorder(),
            )
        return e.value.message

    said = line.text.split()[0]
    assert "does not say “Zyzzyva”" in refused("Zyzzyva", "ziz-i-va")
    assert "letters, spaces, hyphens and apostrophes only" in refused(said, "x1")
    assert "letters, spaces, hyphens and apostrophes only" in refused(said, "<b>x</b>")
    assert "at most 100" in refused(said, "a" * 101)
    assert "not one word" in refused("two words", "x")
    assert "one line at a time" in refused("a", "b", [])
    assert store.episode(episode_id).state == EpisodeState.ANNOTATED  # nothing sent back
    # The default, every flagged line one step down its host's ladder.
    episode, lines = actions.rerender_lines(store, settings, episode_id, dispatcher=Recorder())
    assert episode.state == EpisodeState.APPROVED and len(lines) == 2


def test_a_line_both_recognisers_mishear_is_said_again_once_before_the_episode_is_held(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline import episode_files
    from pipeline.models import LineQA, QAReport, Timeline
    from pipeline.stages import transcribe as transcribe_stage
    from pipeline.transcribe import episode

    episode_id = in_review(store, settings)
    script = store.scripts.get(episode_id).script
    line = script.lines[1]

    def heard(*args: object, **kwargs: object) -> episode.Transcript:
        lines = [LineQA(line_id=line.id, expected="a", heard="b", wer=1.0, flagged=True)]
        report = QAReport(backend="b", model="m", threshold=0.15, wer=0.2, lines=lines)
        return episode.Transcript(words=[], report=report, vtt="WEBVTT", srt="", rechecks=[])

    monkeypatch.setattr(episode, "hear_and_check", heard)
    folder = store.episode_dir(episode_id)
    env = StageEnv(settings, store.episode(episode_id), folder)
    inputs = transcribe_stage.TranscribeInputs(
        audio_hash="x",
        script=script,
        timeline=Timeline(duration=0, lines=[], segments=[]),
        spoken={},
        backend="faster-whisper",
        model="tiny.en",
        threshold=0.15,
        auto_rerender=True,
    )
    first = transcribe_stage.run(inputs, env)
    assert first.state == EpisodeState.APPROVED and first.summary["rerendering"] == [line.id]
    host = {h.name: h for h in settings.show("infracast").hosts}[line.speaker]
    assert episode_files.read_overrides(folder) == {
        line.id: host.voice.model_copy(update={"speed": 0.9})
    }
    # Said again and still misheard: the episode is held for an editor, not looped.
    second = transcribe_stage.run(inputs, env)
    assert second.state is None and "rerendering" not in second.summary
    # A line an editor had respelt is the editor's too: no slower try on top of it.
    (folder / episode_files.OVERRIDES).unlink()
    word = line.text.split()[0]
    respelt = episode_files.Respellings(lines={line.id: {word: "said so"}})
    episode_files.RESPELLINGS.write(folder, respelt)
    third = transcribe_stage.run(inputs, env)
    assert third.state is None and "rerendering" not in third.summary
    assert episode_files.read_overrides(folder) == {}


# -- time limits, heartbeats, stranded episodes (issue 14) --------------------------


def slow_ingest(monkeypatch: pytest.MonkeyPatch, release: threading.Event, slow_uri: str) -> None:
    """The ingest stage, waiting for `release` on the article at `slow_uri`."""
    stage = orchestrate.STAGES[0]

    def run(source: Source, env: StageEnv) -> StageResult:
        if source.uri == slow_uri:
            release.wait(30)
        return stage.run(source, env)

    monkeypatch.setattr(orchestrate, "STAGES", [replace(stage, run=run), *orchestrate.STAGES[1:]])


def test_a_stage_past_its_time_limit_fails_the_episode_and_the_next_one_runs(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_root=store.data_root, stage_time_limits={"ingest": 1})
    release = threading.Event()
    slow_ingest(monkeypatch, release, "stuck.md")
    stuck = actions.submit(store, settings, markdown(EXAMPLE.read_text(), "stuck.md")).episode
    other = actions.submit(store, settings, example(), force=True).episode
    try:
        started = time.monotonic()
        with pytest.raises(orchestrate.StageTimedOut):
            orchestrate.run_stage(store, settings, stuck.id, "ingest")
        assert time.monotonic() - started < 5
        failed = store.episode(stuck.id)
        assert failed.state == EpisodeState.FAILED and failed.failed_stage == "ingest"
        assert failed.failure == "stage ingest took longer than 1 s; retry it"
        assert store.running() == {}
        # The runaway stage does not hold up the episodes after it.
        assert orchestrate.run_stage(store, settings, other.id, "ingest").state == (
            EpisodeState.INGESTED
        )
    finally:
        release.set()
    episode, stage = actions.retry(store, stuck.id, dispatcher=Recorder())
    assert episode.state == EpisodeState.QUEUED and stage.name == "ingest"
    assert orchestrate.run_stage(store, settings, stuck.id, "ingest").state == (
        EpisodeState.INGESTED
    )


def test_stage_time_limits_default_generously_and_name_only_stages() -> None:
    settings = Settings(stage_time_limits={"script": 120})
    assert settings.time_limit("ingest") == 60 and settings.time_limit("script") == 120
    assert settings.time_limit("render") == settings.task_time_limit == 1800
    with pytest.raises(ValueError, match="names no stage 'rendr'"):
        Settings(stage_time_limits={"rendr": 10})


def test_a_running_stage_heartbeats_and_clears_its_row_when_done(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_root=store.data_root, heartbeat_interval=0.05)
    release = threading.Event()
    slow_ingest(monkeypatch, release, str(EXAMPLE))
    episode = actions.submit(store, settings, example()).episode
    runner = threading.Thread(
        target=orchestrate.run_stage, args=(store, settings, episode.id, "ingest")
    )
    runner.start()
    try:
        wait_for(lambda: episode.id in store.running(), timeout=10)
        run = store.running()[episode.id]
        stage, first = run.stage, run.beat_at
        assert stage == "ingest"
        wait_for(lambda: store.running()[episode.id].beat_at > first, timeout=10)
    finally:
        release.set()
        runner.join(30)
    assert store.episode(episode.id).state == EpisodeState.INGESTED
    assert store.running() == {}


def test_disk_full_while_rendering_is_a_recorded_failure_that_retry_resumes(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.stages import render as render_stage

    episode_id = in_review(store, settings)
    actions.approve(store, episode_id, "editor", dispatcher=Recorder())
    clip = settings.data_root / "clips" / "ab" / "abcdef.wav"

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(clip))

    monkeypatch.setattr(render_stage, "render_clips", full)
    with pytest.raises(InfracastError) as raised:
        orchestrate.run_stage(store, settings, episode_id, "render")
    # Not an internal error, not retried alone; its message says what failed, and each
    # caller says how to retry (the CLI its command, the web app its button).
    assert type(raised.value) is orchestrate.StageFailed and raised.value.episode_id == episode_id
    assert "\n" not in raised.value.message and "infracast" not in raised.value.message
    failed = store.episode(episode_id)
    assert failed.state == EpisodeState.FAILED and failed.failed_stage == "render"
    assert failed.failure == f"no space left on device while rendering: {clip}"
    assert store.running() == {}
    episode, stage = actions.retry(store, episode_id, dispatcher=Recorder())
    assert episode.state == EpisodeState.APPROVED and stage.name == "render"


def test_retry_resends_a_working_state_with_no_live_run_only(
    store: Store, settings: Settings
) -> None:
    episode = actions.submit(store, settings, example()).episode
    store.start_heartbeat(episode.id, "ingest", "a-live-worker")
    with pytest.raises(ConflictError, match="running its ingest stage"):
        actions.retry(store, episode.id, timedelta(minutes=1), dispatcher=Recorder())
    # The worker died: its heartbeat is older than the limit.
    again, stage = actions.retry(store, episode.id, timedelta(0), dispatcher=Recorder())
    assert again.state == EpisodeState.QUEUED and stage.name == "ingest"
    assert store.running() == {}
    assert store.history(episode.id)[-1].note == "retry ingest: no live run"
    # No run at all (a lost message): retried too.
    assert actions.retry(store, episode.id, dispatcher=Recorder())[1].name == "ingest"


def force_state(store: Store, episode_id: int, state: EpisodeState) -> None:
    from sqlalchemy import update

    from pipeline.store.rows import EpisodeRow

    with store.session() as s:
        s.execute(update(EpisodeRow).where(EpisodeRow.id == episode_id).values(state=state.value))


def test_the_sweeper_leaves_held_episodes_and_live_runs_alone(
    store: Store, settings: Settings
) -> None:
    held, waiting, running, dead = (
        actions.submit(
            store, settings, markdown(EXAMPLE.read_text(), f"{n}.md"), force=True
        ).episode.id
        for n in range(4)
    )
    for episode_id in (held, waiting):
        force_state(store, episode_id, EpisodeState.ANNOTATED)
    store.hold(held, "QA flagged 1 line(s) (s1-l2): re-render them")
    store.start_heartbeat(running, "ingest", "alive")
    store.start_heartbeat(dead, "ingest", "killed")
    with store.session() as s:
        from sqlalchemy import update

        from pipeline.store.rows import HeartbeatRow

        s.execute(
            update(HeartbeatRow)
            .where(HeartbeatRow.episode_id == dead)
            .values(beat_at=utcnow() - timedelta(minutes=5))
        )
    rows = len(store.history(held))
    recorder = Recorder()
    count = orchestrate.sweep(store, recorder, timedelta(0), timedelta(minutes=1))
    # Held for an editor: not stuck. Heartbeating: never re-sent, however old its state.
    assert count == 2
    assert recorder.sent == [(waiting, "publish"), (dead, "ingest")]
    assert len(store.history(held)) == rows
    assert set(store.running()) == {running}
    # The re-sent run has not started yet: it is not sent again until `older_than`.
    assert orchestrate.sweep(store, recorder, timedelta(minutes=5), timedelta(minutes=1)) == 0
    # Nor does an editor's retry send a held episode: it waits for a decision.
    with pytest.raises(ConflictError, match="is held, not stuck: QA flagged 1 line"):
        actions.retry(store, held, dispatcher=recorder)
    assert recorder.sent == [(waiting, "publish"), (dead, "ingest")]


def test_a_running_stage_reports_its_progress_and_time_left(store: Store) -> None:
    settings = Settings(data_root=store.data_root)
    episode = actions.submit(store, settings, example()).episode
    beat = orchestrate.Heartbeat(store, episode.id, "render", interval=60)
    with beat:
        assert store.running()[episode.id].done is None
        beat.report(0, 40)
        beat.report(1, 40)  # within a second of the last: not written
        assert store.running([episode.id])[episode.id].done == 0
        beat._reported_at -= orchestrate.Heartbeat.REPORT_EVERY
        beat.report(10, 40)
        running = store.running([episode.id])[episode.id]
        assert (running.stage, running.done, running.total) == ("render", 10, 40)
        spent = (running.beat_at - running.started_at).total_seconds()
        assert running.seconds_left() == pytest.approx(spent * 3)
        beat.report(40, 40)  # the last report is always written
        assert store.running([episode.id])[episode.id].done == 40
    assert store.running() == {}


@pytest.mark.slow
def test_render_and_transcribe_report_lines_done_as_they_go(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports: dict[str, list[tuple[int, int]]] = {}
    report = store.report_progress

    def recorded(episode_id: int, runner: str, done: int, total: int) -> None:
        report(episode_id, runner, done, total)
        stage = store.running([episode_id])[episode_id].stage
        reports.setdefault(stage, []).append((done, total))

    monkeypatch.setattr(store, "report_progress", recorded)
    # The quickest voice, one pass of QA: how progress is told does not depend on either.
    espeak = Voice(engine="espeak", voice="en-us")
    hosts = [
        Host(name="Lena", role="leads and explains", voice=espeak),
        Host(name="Miles", role="asks and reacts", voice=espeak),
    ]
    show = Show(minutes=1, hosts=hosts, auto_rerender=False)
    settings = settings.model_copy(update={"shows": {"infracast": show}, "asr_recheck_model": ""})
    episode = actions.submit(store, settings, example()).episode
    orchestrate.run_episode(store, settings, episode.id)
    actions.approve(store, episode.id, "editor", dispatcher=Recorder())
    done_state = orchestrate.run_episode(store, settings, episode.id).state
    assert done_state in (EpisodeState.ANNOTATED, EpisodeState.PUBLISHED)
    lines = len(store.scripts.get(episode.id).script.lines)
    for stage in ("render", "transcribe"):
        done = [d for d, _ in reports[stage]]
        assert {t for _, t in reports[stage]} == {lines}, stage
        assert done == sorted(done) and done[-1] == lines, stage
    assert reports["render"][0] == (0, lines)  # nothing cached yet: every line to say


def test_parts_out_with_the_workers_count_up_and_get_as_long_as_a_lost_message(
    store: Store, settings: Settings
) -> None:
    episode = actions.submit(store, settings, example()).episode
    force_state(store, episode.id, EpisodeState.APPROVED)
    runner = orchestrate.FAN_OUT_RUNNER
    store.start_heartbeat(episode.id, "render", runner)
    store.report_progress(episode.id, runner, 0, 3)
    for _ in range(2):
        store.count_part_done(episode.id, runner)
    assert (store.running()[episode.id].done, store.running()[episode.id].total) == (2, 3)
    with store.session() as s:
        from sqlalchemy import update

        from pipeline.store.rows import HeartbeatRow

        s.execute(update(HeartbeatRow).values(beat_at=utcnow() - timedelta(minutes=5)))
    recorder = Recorder()
    # Five minutes without a part done: waiting in the queue, not dead, under `older_than`.
    assert orchestrate.sweep(store, recorder, timedelta(minutes=10), timedelta(minutes=1)) == 0
    assert orchestrate.sweep(store, recorder, timedelta(minutes=4), timedelta(minutes=1)) == 1
    assert recorder.sent == [(episode.id, "render")]
