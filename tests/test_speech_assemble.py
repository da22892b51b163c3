"""Assembly and mastering, checked from the outside: ffmpeg measures the loudness, mutagen
reads the tags back, and the decoded audio is compared with the timeline.

Clips come from espeak-ng (fast: the whole script renders in well under a second),
one of them resampled to 16 kHz so that the assembler meets two sample rates.
"""

from __future__ import annotations

import math
import re
import shutil
import struct
import subprocess
import wave
import zlib
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pyloudnorm
import pytest
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp3 import MP3

from pipeline.errors import InfracastError
from pipeline.models import Line, Move, Script, Segment, Timeline
from pipeline.speech import encoder, mastering, program
from pipeline.speech.assemble import Assembled, EpisodeTags, assemble
from pipeline.speech.loudness import TARGET_LUFS, integrated_loudness, true_peak
from pipeline.speech.stingers import sting

pytestmark = pytest.mark.skipif(
    not (shutil.which("ffmpeg") and shutil.which("espeak-ng")), reason="needs ffmpeg and espeak-ng"
)

LINES: list[tuple[str, int, Move, str]] = [
    ("Lena", 0, "cold_open", "One rack now draws one hundred and thirty kilowatts."),
    ("Miles", 0, "reaction", "That is a lot of power."),
    ("Lena", 0, "intro", "Welcome to infracast. I'm Lena, and with me is Miles."),
    ("Lena", 1, "transition", "Let's start with rack density."),
    ("Miles", 1, "question", "Why does density matter so much?"),
    ("Lena", 1, "point", "Because the cooling has to follow the power, rack by rack."),
    ("Miles", 1, "reaction", "Right."),
    ("Lena", 2, "transition", "Now to the money."),
    ("Miles", 2, "point", "A gigawatt campus costs tens of billions of dollars."),
    ("Lena", 2, "recap", "So: denser racks, liquid cooling, and very large budgets."),
    ("Miles", 2, "outro", "Thanks for listening."),
]
SEGMENTS = ["The hook", "Rack density", "Capital"]
TAGS: dict[str, Any] = {
    "title": "Gigawatt racks",
    "show": "infracast",
    "artist": "infracast editors",
    "date": "2026-05-01",
    "comment": "Figures traced to the article.",
}
SAMPLE_RATE = 44100


def episode_tags(cover: Path | None = None) -> EpisodeTags:
    return EpisodeTags(cover=cover, **TAGS)


def read_tag(path: Path) -> Any:
    return ID3(path)  # type: ignore[no-untyped-call]


def mp3_info(path: Path) -> Any:
    return MP3(path).info  # type: ignore[no-untyped-call]


def make_script() -> Script:
    return Script(
        title="Gigawatt racks",
        summary="",
        segments=[Segment(title=t) for t in SEGMENTS],
        lines=[
            Line(id=f"l{i}", speaker=speaker, text=text, segment=segment, move=move)
            for i, (speaker, segment, move, text) in enumerate(LINES, start=1)
        ],
        hosts=["Lena", "Miles"],
    )


def render(script: Script, folder: Path) -> dict[str, Path]:
    """One espeak-ng clip per line; Miles's last line resampled to 16 kHz."""
    folder.mkdir(parents=True, exist_ok=True)
    clips = {}
    for line in script.lines:
        path = folder / f"{line.id}.wav"
        voice = "en-us+f3" if line.speaker == "Lena" else "en-us"
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), line.text], check=True)
        clips[line.id] = path
    last = clips[script.lines[-1].id]
    low = folder / "low.wav"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(last), "-ar", "16000", str(low)], check=True
    )
    clips[script.lines[-1].id] = low
    return clips


def tiny_png() -> bytes:
    """A valid 1×1 PNG, built by hand (no imaging library here)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x20\x60\xa0")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("assemble")


@pytest.fixture(scope="module")
def clips(workdir: Path) -> dict[str, Path]:
    return render(make_script(), workdir / "clips")


@pytest.fixture(scope="module")
def cover(workdir: Path) -> Path:
    path = workdir / "cover.png"
    path.write_bytes(tiny_png())
    return path


@pytest.fixture(scope="module")
def episode(workdir: Path, clips: dict[str, Path], cover: Path) -> Assembled:
    tags = episode_tags(cover)
    return assemble(make_script(), clips, workdir / "out" / "episode.mp3", tags)


def ebur128(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) as ffmpeg's ebur128 filter reports them."""
    done = subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostats",
            "-i",
            str(path),
            "-af",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = done.stderr[done.stderr.rindex("Summary:") :]
    loudness = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    assert loudness and peak, summary
    return float(loudness[1]), float(peak[1])


def decode(path: Path) -> np.ndarray:
    raw = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(path),
            "-f",
            "f32le",
            "-ac",
            "1",
            "-ar",
            str(SAMPLE_RATE),
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype="<f4")


def rms_db(audio: np.ndarray, start: float, end: float) -> float:
    part = audio[round(start * SAMPLE_RATE) : round(end * SAMPLE_RATE)]
    return float(10 * np.log10(np.mean(np.square(part, dtype=np.float64)) + 1e-20))


def gap_after(timeline: Timeline, line_id: str) -> float:
    i = next(i for i, t in enumerate(timeline.lines) if t.line_id == line_id)
    return timeline.lines[i + 1].start - timeline.lines[i].end


# --- loudness ------------------------------------------------------------------------------


def test_loudness_is_minus_16_lufs_with_true_peak_under_minus_1(episode: Assembled) -> None:
    loudness, peak = ebur128(episode.mp3)
    assert abs(loudness + 16) <= 1.0
    assert peak <= -1.0
    # What the assembler reports agrees with ffmpeg's independent measurement.
    assert abs(episode.loudness - loudness) <= 0.3
    assert episode.true_peak <= -1.0
    assert abs(episode.true_peak - peak) <= 0.3


def test_reported_loudness_is_within_a_quarter_lu_of_the_target(episode: Assembled) -> None:
    # The master is searched to 0.05 LU and the file is remastered when it misses by 0.25.
    assert abs(episode.loudness - TARGET_LUFS) <= 0.25
    assert episode.true_peak <= mastering.MAX_TRUE_PEAK
    # What is reported, put together from the chunks' measurements, is what a meter reads
    # on the whole file as written, decoded in one go.
    whole = pyloudnorm.Meter(SAMPLE_RATE).integrated_loudness(decode(episode.mp3))
    assert whole == pytest.approx(episode.loudness, abs=0.1)


def test_stereo_at_128k_is_mastered_the_same(workdir: Path, clips: dict[str, Path]) -> None:
    tags = episode_tags()
    done = assemble(make_script(), clips, workdir / "stereo.mp3", tags, bitrate="128k", channels=2)
    info = mp3_info(done.mp3)
    assert (info.channels, info.bitrate, info.sample_rate) == (2, 128_000, 44100)
    loudness, peak = ebur128(done.mp3)
    assert abs(loudness + 16) <= 1.0
    assert peak <= -1.0


# --- tags and chapters ---------------------------------------------------------------------


def test_chapters_match_the_timeline(episode: Assembled) -> None:
    tag = read_tag(episode.mp3)
    chapters = sorted(tag.getall("CHAP"), key=lambda c: c.start_time)
    segments = episode.timeline.segments
    assert [c.element_id for c in chapters] == [f"chp{i}" for i in range(len(SEGMENTS))]
    assert [c.sub_frames["TIT2"].text[0] for c in chapters] == SEGMENTS
    assert [(c.start_time, c.end_time) for c in chapters] == [
        (round(s.start * 1000), round(s.end * 1000)) for s in segments
    ]
    (toc,) = tag.getall("CTOC")
    assert toc.flags & CTOCFlags.TOP_LEVEL and toc.flags & CTOCFlags.ORDERED
    assert toc.child_element_ids == [c.element_id for c in chapters]


def test_tags_and_cover_art(episode: Assembled, cover: Path) -> None:
    tag = read_tag(episode.mp3)
    assert tag.version[:2] == (2, 3)
    assert tag["TIT2"].text == [TAGS["title"]]
    assert tag["TALB"].text == [TAGS["show"]]
    assert tag["TPE1"].text == [TAGS["artist"]]
    assert str(tag["TDRC"].text[0]) == TAGS["date"]
    assert tag.getall("COMM")[0].text == [TAGS["comment"]]
    (art,) = tag.getall("APIC")
    assert (art.mime, art.type, art.data) == ("image/png", 3, cover.read_bytes())


def test_no_cover_no_comment(workdir: Path, clips: dict[str, Path]) -> None:
    tags = EpisodeTags(title="t", show="s", artist="a", date="2026-01-02")
    done = assemble(make_script(), clips, workdir / "plain.mp3", tags)
    tag = read_tag(done.mp3)
    assert not tag.getall("APIC") and not tag.getall("COMM")
    assert not list(workdir.glob("*.part")), "no partial file is left behind"


# --- timeline ------------------------------------------------------------------------------


def test_timeline_covers_every_line_in_order(episode: Assembled) -> None:
    timeline, script = episode.timeline, make_script()
    assert [t.line_id for t in timeline.lines] == [line.id for line in script.lines]
    assert [(t.speaker, t.segment) for t in timeline.lines] == [
        (line.speaker, line.segment) for line in script.lines
    ]
    for before, after in pairwise(timeline.lines):
        assert before.start < before.end < after.start
    assert 0 < timeline.lines[-1].end < timeline.duration


def test_segments_tile_the_episode_and_hold_their_lines(episode: Assembled) -> None:
    timeline = episode.timeline
    segments = timeline.segments
    assert [s.index for s in segments] == [0, 1, 2]
    assert [s.title for s in segments] == SEGMENTS
    assert segments[0].start == 0 and segments[-1].end == timeline.duration
    for before, after in pairwise(segments):
        assert before.end == after.start
    for line in timeline.lines:
        segment = segments[line.segment]
        assert segment.start <= line.start and line.end <= segment.end


def test_pauses_follow_the_moves(episode: Assembled) -> None:
    timeline = episode.timeline
    after_question = gap_after(timeline, "l5")
    between_segments = [gap_after(timeline, "l3"), gap_after(timeline, "l7")]
    turn = gap_after(timeline, "l8")  # a change of speaker inside a segment
    assert after_question < turn
    assert all(gap > 1.5 for gap in between_segments)  # a pause, a stinger, a pause
    # The cold open plays before the opening stinger, which comes before the intro.
    assert timeline.lines[0].start < 0.5
    assert gap_after(timeline, "l2") > 1.5


def test_mp3_duration_matches_the_timeline(episode: Assembled) -> None:
    assert abs(mp3_info(episode.mp3).length - episode.timeline.duration) < 0.1
    # Decoded as a gapless player does, the audio is as long as the timeline to the sample.
    assert abs(len(decode(episode.mp3)) / SAMPLE_RATE - episode.timeline.duration) < 0.005


def test_speech_is_where_the_timeline_puts_it(episode: Assembled) -> None:
    audio = decode(episode.mp3)
    for line in episode.timeline.lines:
        assert rms_db(audio, line.start + 0.02, line.end - 0.02) > -40, line.line_id
    # The pause after the question is silent, so mastering did not move the audio.
    question = episode.timeline.lines[4]
    answer = episode.timeline.lines[5]
    assert rms_db(audio, question.end + 0.06, answer.start - 0.06) < -60


# --- errors --------------------------------------------------------------------------------


def test_missing_clip_file(workdir: Path, clips: dict[str, Path]) -> None:
    broken = {**clips, "l4": workdir / "nowhere.wav"}
    with pytest.raises(InfracastError, match=r"clip for line l4 is missing: .*nowhere\.wav"):
        assemble(make_script(), broken, workdir / "x.mp3", episode_tags())
    assert not (workdir / "x.mp3").exists()


def test_clips_without_a_line(workdir: Path, clips: dict[str, Path]) -> None:
    partial = {k: v for k, v in clips.items() if k != "l6"}
    with pytest.raises(InfracastError, match=r"no clip for line l6 \(Lena: 'Because the"):
        assemble(make_script(), partial, workdir / "x.mp3", episode_tags())


def test_unreadable_clip(workdir: Path, clips: dict[str, Path]) -> None:
    junk = workdir / "junk.wav"
    junk.write_bytes(b"RIFF not really a wave file")
    with pytest.raises(InfracastError, match="clip for line l1 is not a readable WAV"):
        assemble(make_script(), {**clips, "l1": junk}, workdir / "x.mp3", episode_tags())


def test_ffmpeg_not_installed(
    workdir: Path, clips: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(InfracastError, match=r"ffmpeg is not installed.*apt-get install ffmpeg"):
        assemble(make_script(), clips, workdir / "x.mp3", episode_tags())


@pytest.mark.parametrize("bitrate", ["95k", "96", "1000k"])
def test_bad_bitrate(workdir: Path, clips: dict[str, Path], bitrate: str) -> None:
    with pytest.raises(InfracastError, match="bitrate"):
        assemble(make_script(), clips, workdir / "x.mp3", episode_tags(), bitrate=bitrate)


@pytest.mark.parametrize("date", ["2026-5-1", "20260501", "2026-02-30"])
def test_bad_date(date: str) -> None:
    with pytest.raises(InfracastError, match="date"):
        EpisodeTags(title="t", show="s", artist="a", date=date)


def test_lines_out_of_segment_order(workdir: Path, clips: dict[str, Path]) -> None:
    script = make_script()
    lines = list(script.lines)
    lines[4] = lines[4].model_copy(update={"segment": 0})
    with pytest.raises(InfracastError, match="line l5 goes back to segment 0"):
        assemble(
            script.model_copy(update={"lines": lines}), clips, workdir / "x.mp3", episode_tags()
        )


# --- stingers ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["open", "break", "close"])
def test_stingers_are_short_audible_and_unclipped(kind: str) -> None:
    audio = sting(kind, 22050)  # type: ignore[arg-type]
    assert 0.5 <= audio.duration_seconds <= 2.0
    assert -12 < audio.max_dBFS < -1
    # Faded in and out: the first 2 ms and the last 5 ms are quiet.
    assert audio[:2].max_dBFS < audio.max_dBFS - 10
    assert audio[-5:].max_dBFS < audio.max_dBFS - 20


# --- mastering pieces ----------------------------------------------------------------------


def write_wav(path: Path, samples: np.ndarray, rate: int = 22050) -> Path:
    pcm = np.clip(np.round(samples * 32767), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes(pcm.tobytes())
    return path


def tone(seconds: float, rate: int = 22050, db: float = -20.0, hz: float = 997.0) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (10 ** (db / 20) * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def test_loudness_is_pyloudnorm_s_and_none_when_it_cannot_be_measured() -> None:
    # A full-scale 997 Hz sine reads −3.01 LUFS at 48 kHz (BS.1770's calibration), and a
    # gain moves the reading by as much, at the episode's rate too.
    assert integrated_loudness(tone(2.0, 48000, db=0.0), 48000) == pytest.approx(-3.01, abs=0.06)
    full = integrated_loudness(tone(2.0, db=0.0), 22050)
    assert full is not None and abs(full + 3.01) < 0.1
    assert integrated_loudness(tone(2.0, db=-20.0), 22050) == pytest.approx(full - 20, abs=0.01)
    assert integrated_loudness(np.zeros(22050 * 2, dtype=np.float32), 22050) is None
    # Longer than the chunk the meter filters at once: the same reading as the Meter's own
    # on the whole signal (speech-like: bursts of a tone over silence, at changing levels).
    rng = np.random.default_rng(3)
    long = np.zeros(22050 * 70, dtype=np.float32)
    for start in range(0, len(long) - 22050, 22050):
        long[start : start + 15000] = tone(15000 / 22050, db=float(rng.uniform(-40, -10)))
    whole = pyloudnorm.Meter(22050).integrated_loudness(long)
    assert integrated_loudness(long, 22050) == pytest.approx(whole, abs=0.01)
    stereo = np.stack([long, long * 0.5], axis=1)
    whole = pyloudnorm.Meter(22050).integrated_loudness(stereo)
    assert integrated_loudness(stereo, 22050) == pytest.approx(whole, abs=0.01)
    assert integrated_loudness(tone(0.3), 22050) is None  # under one 400 ms block


def test_limiter_holds_the_true_peak_without_moving_the_audio(tmp_path: Path) -> None:
    rate = 22050
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg
    rng = np.random.default_rng(7)
    # Voice-like: a quiet tone with loud bursts of a 180 Hz buzz and its harmonics up to
    # 4 kHz, true peaks 13 dB over the ceiling. (Broadband noise near Nyquist would come
    # out up to 0.6 dB over: the limiter's gain changes are filtered away again when the
    # 4× oversampled master comes back to its rate. Speech has little up there, and the
    # encoded file is measured and remastered should it miss.)
    x = tone(5.0, rate, db=-20.0)
    t = np.arange(2000) / rate
    burst = sum(
        np.sin(2 * np.pi * f * t + rng.uniform(0, 6)) / k
        for k, f in enumerate(range(180, 4000, 180), start=1)
    )
    burst = 2.0 * burst / np.abs(burst).max() * np.hanning(2000) ** 0.2
    for start in rng.integers(0, len(x) - 2000, 20):
        x[start : start + 2000] += burst.astype(np.float32)
    source, dest = tmp_path / "in.f32", tmp_path / "out.f32"
    x.tofile(source)
    mastering._limit(ffmpeg, source, rate, dest, 0.0, -2.0)
    y = np.fromfile(dest, dtype="<f4")
    assert len(y) == len(x)
    assert 20 * math.log10(true_peak(x, rate)) > 4
    assert 20 * math.log10(true_peak(y, rate)) <= -2.0 + 0.1
    # Away from the bursts the limiter leaves the audio as it was, and in place.
    calm = np.ones(len(x), dtype=bool)
    for start in np.flatnonzero(np.abs(x) > 0.2):
        calm[max(0, start - 3000) : start + 3000] = False
    assert calm.sum() > rate // 2, "the test signal leaves some calm audio"
    assert np.max(np.abs(y[calm] - x[calm])) < 0.01


def one_line_script(text: str, move: Move = "point") -> Script:
    return Script(
        title="t",
        summary="",
        segments=[Segment(title="Only")],
        lines=[Line(id="a", speaker="Lena", text=text, segment=0, move=move)],
        hosts=["Lena", "Miles"],
    )


def test_a_short_line_still_makes_a_mastered_episode(tmp_path: Path) -> None:
    # 0.3 s of speech: too short to level on its own; the stingers carry the loudness.
    clip = write_wav(tmp_path / "a.wav", tone(0.3, db=-30.0, hz=300.0))
    done = assemble(one_line_script("Hi."), {"a": clip}, tmp_path / "short.mp3", episode_tags())
    loudness, peak = ebur128(done.mp3)
    assert abs(loudness + 16) <= 1.0 and peak <= -1.0
    assert abs(done.loudness + 16) <= 0.25 and done.true_peak <= -1.0
    (line,) = done.timeline.lines
    assert line.end - line.start == pytest.approx(0.3, abs=0.01)


def test_a_silent_clip_stays_silent(tmp_path: Path) -> None:
    # Nothing to level: the line's gain stays 1, and mastering (which lifts the
    # stingers to the target) cannot turn digital silence into noise.
    clip = write_wav(tmp_path / "a.wav", np.zeros(22050 * 2, dtype=np.float32))
    done = assemble(
        one_line_script("Silence."), {"a": clip}, tmp_path / "silent.mp3", episode_tags()
    )
    audio = decode(done.mp3)
    (line,) = done.timeline.lines
    assert rms_db(audio, line.start + 0.05, line.end - 0.05) < -80
    assert done.true_peak <= -1.0


def test_an_edit_masters_again_only_the_chunks_it_touches(
    tmp_path: Path, clips: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-assembling after an edit with the earlier gains and the chunk cache encodes only
    the chunks around the edit, and gives a file on target that a fresh assembly's
    timeline describes."""
    # Chunks of a few seconds, so that this 35 s episode has several.
    monkeypatch.setattr(program, "_CHUNK_MIN", 2.0)
    monkeypatch.setattr(program, "_CHUNK_MAX", 4.0)
    made: list[Path] = []
    encode_chunks = mastering._encode_chunks

    def counted(m: Any, jobs: list[tuple[Path, int, Path]], *args: Any) -> None:
        made.extend(dest for _, _, dest in jobs)
        encode_chunks(m, jobs, *args)

    monkeypatch.setattr(mastering, "_encode_chunks", counted)
    script, cache = make_script(), tmp_path / "chunks"
    first = assemble(script, clips, tmp_path / "first.mp3", episode_tags(), cache=cache)
    chunks = len(made)
    assert chunks >= 5
    assert len(list(cache.glob("*.mp3"))) == chunks

    made.clear()
    edited = {**clips, "l9": clips["l6"]}  # one line's clip replaced by another
    again = assemble(
        script,
        edited,
        tmp_path / "again.mp3",
        episode_tags(),
        cache=cache,
        gain_hint=first.gain_db,
        host_gains=first.host_gains,
    )
    assert again.host_gains == first.host_gains
    assert again.gain_db == first.gain_db
    assert 0 < len(made) <= 2, "only the chunks around the edited line are encoded"
    assert len(list(cache.glob("*"))) == 2 * chunks, "the cache holds only what was used"

    loudness, peak = ebur128(again.mp3)
    assert abs(again.loudness + 16) <= 0.25 and again.true_peak <= -1.0
    assert abs(loudness - again.loudness) <= 0.3 and peak <= -1.0
    fresh = assemble(script, edited, tmp_path / "fresh.mp3", episode_tags())
    assert again.timeline == fresh.timeline
    a, b = decode(fresh.mp3), decode(again.mp3)
    assert len(a) == len(b)
    # Speech is where the timeline puts it across every cut, and the pauses are silent.
    for line in again.timeline.lines:
        assert rms_db(b, line.start + 0.02, line.end - 0.02) > -40, line.line_id
    for before, after in pairwise(again.timeline.lines):
        if after.start - before.end < 1.0:  # no stinger between them
            assert rms_db(b, before.end + 0.06, after.start - 0.06) < -60, after.line_id
    # The same audio, but for the gain: the warm start keeps the earlier one while on target.
    scale = float(np.dot(a, b) / np.dot(b, b))
    difference = np.mean(np.square(a - scale * b, dtype=np.float64))
    assert 10 * np.log10(difference / np.mean(np.square(a, dtype=np.float64))) < -30


@pytest.mark.parametrize(
    ("rate", "bitrate", "channels"), [(22050, "96k", 1), (44100, "128k", 2), (32000, "64k", 1)]
)
def test_chunks_encoded_apart_play_together_without_a_gap(
    tmp_path: Path, rate: int, bitrate: str, channels: int
) -> None:
    """MP3 frames of chunks encoded one by one, run together, decode (by a plain ffmpeg)
    to the programme, each chunk padded to whole frames: every click where it was."""
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg
    lengths = [round(seconds * rate) + k for k, seconds in enumerate((2.5, 1.0, 4.5))]
    bounds = [0, *np.cumsum(lengths).tolist()]
    program = np.zeros(bounds[-1], dtype=np.float32)
    clicks, start = [], 0  # where each click is heard, at 44.1 kHz
    for lo, hi in pairwise(bounds):
        for at in (lo + (hi - lo) // 5, lo + (hi - lo) // 2, hi - (hi - lo) // 5):
            program[at] = 0.5
            clicks.append(start + round((at - lo) * encoder.OUTPUT_RATE / rate))
        start += encoder.frames_length(hi - lo, rate)
        assert start % 1152 == 0
    program.tofile(tmp_path / "program.f32")
    delay, padding = encoder.frame_alignment(ffmpeg, bitrate, channels)
    assert delay + padding == 1152
    joined = tmp_path / "joined.mp3"
    with ThreadPoolExecutor(2) as pool, joined.open("wb") as out:
        chunks = mastering.chunks_of(tmp_path / "program.f32", bounds, pool)
        m = mastering.Mastering(ffmpeg, pool, tmp_path, tmp_path, rate, bitrate, channels)
        made = [tmp_path / f"{i}.mp3" for i in range(len(chunks))]
        mastering._encode_chunks(
            m,
            [(c.source(), c.samples, mp3) for c, mp3 in zip(chunks, made, strict=True)],
            delay,
            padding,
        )
        for mp3 in made:
            out.write(mp3.read_bytes())
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(joined), "-f", "f32le", "-ac", str(channels), "-"],
        capture_output=True,
        check=True,
    ).stdout
    heard = np.frombuffer(raw, dtype="<f4").reshape(-1, channels)
    assert len(heard) == start
    for channel in range(channels):
        for at in clicks:
            window = np.abs(heard[at - 2000 : at + 2000, channel])
            assert abs(int(np.argmax(window)) - 2000) <= 2, (channel, at)
    # Nothing is heard at the seams: the chunks' silent edges stay silent.
    for at in np.cumsum([encoder.frames_length(n, rate) for n in lengths])[:-1]:
        assert np.abs(heard[at - 2000 : at + 2000]).max() < 1e-3
