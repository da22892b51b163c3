"""The episode folder's files: atomic writes under concurrency, typed reads and writes."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from pipeline import atomic_files, episode_files
from pipeline.config import Voice
from pipeline.errors import InfracastError
from pipeline.models import QAReport

# Big enough that a write takes several system calls: a torn file would show.
PAYLOADS = (b"a" * 1_000_000, b"b" * 1_000_000)


def test_two_threads_writing_one_file_never_leave_it_torn_or_missing(tmp_path: Path) -> None:
    target = tmp_path / "episode" / "qa.json"
    atomic_files.write_bytes(target, PAYLOADS[0])
    errors: list[BaseException] = []
    seen: list[str] = []
    done = threading.Event()

    def write(data: bytes) -> None:
        try:
            for _ in range(40):
                atomic_files.write_bytes(target, data)
        except BaseException as e:  # the assertion below reports it
            errors.append(e)

    def read() -> None:
        while not done.is_set():
            try:
                data = target.read_bytes()
            except FileNotFoundError:
                seen.append("missing")
                continue
            if data not in PAYLOADS:
                seen.append(f"torn ({len(data)} bytes)")

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=write, args=(p,)) for p in PAYLOADS]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    done.set()
    reader.join()
    assert errors == []
    assert seen == []
    assert target.read_bytes() in PAYLOADS
    assert [p.name for p in target.parent.iterdir()] == ["qa.json"]  # no temporary file left


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "episode.mp3"
    atomic_files.write_bytes(target, b"old")
    with pytest.raises(RuntimeError), atomic_files.replacing(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("ffmpeg failed")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["episode.mp3"]
    assert target.stat().st_mode & 0o777 == atomic_files.MODE


def test_a_json_file_reads_back_what_was_written_and_names_the_stage_when_missing(
    tmp_path: Path,
) -> None:
    report = QAReport(backend="b", model="m", threshold=0.15, wer=0.1, lines=[])
    assert episode_files.QA.read_if_present(tmp_path) is None
    with pytest.raises(InfracastError, match="retry the stage that writes it"):
        episode_files.QA.read(tmp_path)
    path = episode_files.QA.write(tmp_path, report)
    assert path == tmp_path / "qa.json"
    assert episode_files.QA.read(tmp_path) == report


def test_overrides_and_the_publish_decision_default_when_absent(tmp_path: Path) -> None:
    assert episode_files.read_overrides(tmp_path) == {}
    assert episode_files.read_publish_decision(tmp_path) == episode_files.PublishDecision()
    voice = Voice(engine="espeak", voice="en-us", speed=0.9)
    episode_files.write_overrides(tmp_path, {"l2": voice})
    assert episode_files.read_overrides(tmp_path) == {"l2": voice}
    decision = episode_files.PublishDecision(hold=True, by="editor")
    episode_files.PUBLISHING.write(tmp_path, decision)
    assert episode_files.read_publish_decision(tmp_path) == decision
