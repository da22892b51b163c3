"""Assembly and mastering, checked from the outside: ffmpeg measures the loudness, mutagen
reads the tags back, and the decoded audio is compared with the timeline.

Clips come from espeak-ng (fast: the whole script renders in well under a second),
one of them resampled to 16 kHz so that the assembler meets two sample rates.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp3 import MP3

from pipeline.errors import InfracastError
from pipeline.models import Line, Move, Script, Segment, Timeline
from pipeline.speech.assemble import Assembled, EpisodeTags, assemble
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
    "title": "Gigawatt racks", "show": "infracast", "artist": "infracast editors",
    "date": "2026-05-01", "comment": "Figures traced to the article.",
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
        lines=[Line(id=f"l{i}", speaker=speaker, text=text, segment=segment, move=move)
               for i, (speaker, segment, move, text) in enumerate(LINES, start=1)],
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
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(last), "-ar", "16000", str(low)],
                   check=True)
    clips[script.lines[-1].id] = low
    return clips


def tiny_png() -> bytes:
    """A valid 1×1 PNG, built by hand (no imaging library here)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x20\x60\xa0")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


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
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true",
         "-f", "null", "-"], capture_output=True, text=True, check=True)
    summary = done.stderr[done.stderr.rindex("Summary:"):]
    loudness = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    assert loudness and peak, summary
    return float(loudness[1]), float(peak[1])


def decode(path: Path) -> np.ndarray:
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "f32le", "-ac", "1",
                          "-ar", str(SAMPLE_RATE), "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<f4")


def rms_db(audio: np.ndarray, start: float, end: float) -> float:
    part = audio[round(start * SAMPLE_RATE):round(end * SAMPLE_RATE)]
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


def test_stereo_at_128k_is_mastered_the_same(
    workdir: Path, clips: dict[str, Path]
) -> None:
    tags = episode_tags()
    done = assemble(make_script(), clips, workdir / "stereo.mp3", tags, bitrate="128k",
                    channels=2)
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
        assemble(script.model_copy(update={"lines": lines}), clips, workdir / "x.mp3",
                 episode_tags())


# --- stingers ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["open", "break", "close"])
def test_stingers_are_short_audible_and_unclipped(kind: str) -> None:
    audio = sting(kind, 22050)  # type: ignore[arg-type]
    assert 0.5 <= audio.duration_seconds <= 2.0
    assert -12 < audio.max_dBFS < -1
    # Faded in and out: the first 2 ms and the last 5 ms are quiet.
    assert audio[:2].max_dBFS < audio.max_dBFS - 10
    assert audio[-5:].max_dBFS < audio.max_dBFS - 20
