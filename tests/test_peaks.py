"""Waveform peaks: known signals give known peaks, an assembled episode's peaks match what
a decode of its MP3 shows, and the render stage writes them to peaks.json."""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from pipeline import actions, episode_files, orchestrate
from pipeline.config import Host, Settings, Show, Voice
from pipeline.models import EpisodeState, Source
from pipeline.speech.assemble import assemble
from pipeline.speech.encoder import OUTPUT_RATE, frames_length
from pipeline.speech.peaks import MOST_PEAKS, mastered_peaks, peaks_of, seconds_per_peak
from pipeline.store import Store
from tests.conftest import EXAMPLE

RATE = 1000


def tone(seconds: float, level: float, rate: int = RATE) -> np.ndarray:
    """A square wave of `level`: every other sample is ±level, so each 0.1 s peaks at it."""
    n = round(seconds * rate)
    return (level * np.where(np.arange(n) % 2, 1.0, -1.0)).astype(np.float32)


def test_each_tenth_of_a_second_peaks_at_its_loudest_sample() -> None:
    audio = np.concatenate([tone(0.5, 0.5), tone(0.3, 0.25), tone(0.2, 0.0)])
    got = peaks_of([(0.0, lambda: audio)], RATE, 1.0)
    assert got.seconds_per_peak == 0.1
    assert got.duration == 1.0
    assert got.peaks == [1.0] * 5 + [0.5] * 3 + [0.0] * 2


def test_pieces_land_where_they_start_with_silence_between() -> None:
    got = peaks_of([(0.2, lambda: tone(0.1, 0.8)), (0.5, lambda: tone(0.2, 0.4))], RATE, 0.8)
    assert got.peaks == [0.0, 0.0, 1.0, 0.0, 0.0, 0.5, 0.5, 0.0]


def test_gain_and_ceiling_level_the_peaks_as_the_limiter_does() -> None:
    audio = np.concatenate([tone(0.1, 0.9), tone(0.1, 0.2), tone(0.1, 0.05)])
    # Gained ×4: 3.6 and 0.8 are held at the ceiling of 0.5, 0.2 is not.
    got = peaks_of([(0.0, lambda: audio)], RATE, 0.3, gain=4.0, ceiling=0.5)
    assert got.peaks == [1.0, 1.0, 0.4]


def test_silence_gives_zeros_not_a_division_by_zero() -> None:
    got = peaks_of([(0.0, lambda: np.zeros(500, dtype=np.float32))], RATE, 0.5)
    assert got.peaks == [0.0] * 5


def test_a_long_episode_keeps_to_the_most_peaks() -> None:
    assert seconds_per_peak(60.0) == 0.1
    assert seconds_per_peak(3600.0) == pytest.approx(1.2)
    got = peaks_of([(0.0, lambda: tone(3600.0, 0.3, rate=100))], 100, 3600.0)
    assert len(got.peaks) == MOST_PEAKS
    assert len(got.model_dump_json()) < 25_000


@dataclass(frozen=True)
class Chunk:
    audio: np.ndarray

    @property
    def samples(self) -> int:
        return len(self.audio)

    def read(self) -> np.ndarray:
        return self.audio


def test_each_chunk_starts_on_a_whole_mp3_frame() -> None:
    rate = 8000
    quiet = [Chunk(tone(1.0, 0.1, rate)) for _ in range(9)]
    loud = Chunk(tone(0.5, 0.8, rate))
    # Each 1 s chunk plays for whole frames, 1.0188 s: nine of them push the tenth 0.17 s on.
    start = 9 * frames_length(quiet[0].samples, rate) / OUTPUT_RATE
    assert start == pytest.approx(9.169, abs=0.001)
    got = mastered_peaks([*quiet, loud], rate, start + 0.5, 0.0, 0.0)
    assert got.peaks.index(1.0) == 91  # not 90, where the unpadded samples would put it
    assert got.peaks[90] == pytest.approx(0.125)
    assert got.peaks[91:96] == [1.0] * 5


needs_audio_tools = pytest.mark.skipif(
    not (shutil.which("ffmpeg") and shutil.which("espeak-ng")), reason="needs ffmpeg and espeak-ng"
)


@needs_audio_tools
def test_an_assembled_episode_s_peaks_match_its_decoded_mp3(tmp_path: Path) -> None:
    from tests.test_speech_assemble import decode, episode_tags, make_script, render

    script = make_script()
    done = assemble(script, render(script, tmp_path / "clips"), tmp_path / "e.mp3", episode_tags())
    assert done.peaks is not None
    heard = decode(done.mp3)
    expected = peaks_of([(0.0, lambda: heard)], OUTPUT_RATE, done.timeline.duration)
    ours, theirs = np.array(done.peaks.peaks), np.array(expected.peaks)
    assert len(ours) == len(theirs) == math.ceil(done.timeline.duration / 0.1)
    # The same shape: where the hosts speak and pause, and how loud, within codec noise.
    assert np.corrcoef(ours, theirs)[0, 1] > 0.97
    assert np.abs(ours - theirs).mean() < 0.05
    for line in done.timeline.lines:  # speech is drawn where the timeline puts it
        inside = ours[int(line.start / 0.1) + 1 : int(line.end / 0.1)]
        assert inside.max() > 0.3, line.line_id


@needs_audio_tools
def test_the_render_stage_writes_peaks_json(tmp_path: Path) -> None:
    hosts = [
        Host(name="Lena", role="leads", voice=Voice(engine="espeak", voice="en-us+f3")),
        Host(name="Miles", role="asks", voice=Voice(engine="espeak", voice="en-us")),
    ]
    show = Show(hosts=hosts, auto_approve=True, minutes=0.5)
    settings = Settings(data_root=tmp_path, shows={"infracast": show})
    store = Store(settings.db_url, settings.data_root)
    source = Source(kind="markdown", uri=str(EXAMPLE), text=EXAMPLE.read_text(encoding="utf-8"))
    episode = actions.submit(store, settings, source).episode
    while episode.state != EpisodeState.RENDERED:
        stage = orchestrate.next_stage(episode)
        assert stage is not None, episode
        episode = orchestrate.run_stage(store, settings, episode.id, stage.name)
    folder = store.episode_dir(episode.id)
    peaks = episode_files.PEAKS.read(folder)
    timeline = episode_files.TIMELINE.read(folder)
    assert peaks.duration == pytest.approx(timeline.duration, abs=0.001)
    assert len(peaks.peaks) == math.ceil(timeline.duration / peaks.seconds_per_peak)
    assert max(peaks.peaks) == 1.0 and min(peaks.peaks) == 0.0
    assert "peaks.json" in {Path(f.path).name for f in store.files(episode.id)}
