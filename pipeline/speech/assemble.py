"""Assemble an episode: line clips, pauses and stingers, mastered, as a tagged MP3 with chapters.

The stage takes the approved script and one WAV clip per line and returns the
MP3 with its timeline: where every line and segment sits in the final audio.

Layout, in seconds (clips are first trimmed of the engines' own edge silence,
keeping 20 ms, so these pauses are the pauses heard):

- 0.3 lead-in, the opening stinger, 0.5, then the first line. When the script
  opens with a cold open (a `cold_open` line and the reactions that follow it),
  the teaser plays first and the opening stinger follows it, before the intro.
- between lines of a segment: 0.25 after a question (the answer comes straight
  back), 0.3 before a reaction and between lines of one speaker, 0.45 at a
  change of speaker, 0.7 before a transition, recap or outro (a change of topic).
- between segments: 0.7, the break stinger, 0.5 (about 2 s in all).
- after the last line: 0.7, the closing stinger, 0.3.

A segment (an ID3 chapter) starts at the stinger that opens it, the first at 0,
and ends where the next starts, the last at the end: chapters tile the episode.

Mastering: each host is levelled to −16 LUFS on its own (the two engines differ
by several dB), the stingers sit 6 LU under the speech, and the whole is gained
so that it reads −16 LUFS integrated after a look-ahead limiter that holds the
true peak under −2 dBTP: the MP3 encoder's overshoot (about 0.5 dB) then leaves
the file under −1 dBTP. Loudness is pyloudnorm's Meter (BS.1770-4, gated); the
limiter is ffmpeg's `alimiter` (5 ms look-ahead attack, 50 ms release, its
delay compensated so that the timeline does not move) run at 4× the master's
rate, so that the peak it holds is the true peak. LAME scales its constant-
bitrate input by 0.95 (−0.45 dB); that is measured once per setting on a tone
and made up for. The encoded file is decoded and measured (pyloudnorm; true
peak at 44.1 kHz, oversampled 4×): those are the figures reported, and should
they miss, the master is redone from them.

Measured on 646 s of two-host speech (Piper + espeak-ng, 22.05 kHz, 2 cores),
file error from −16 LUFS / file true peak / time to master: this module 0.03 LU /
−1.76 dBTP / 4.0 s; the hand-written gated meter and limiter it replaced 0.00 LU /
−1.74 dBTP / 1.0 s; pedalboard's Limiter (JUCE's: a fixed −10 dB 4:1 compressor, a
sample-peak stage and a clip at 0 dBFS, no look-ahead) +0.24 LU / −1.02 dBTP with
the master 0.8 dB over its ceiling at 1×, −1.15 dBTP and 20 s at 4×; ffmpeg's
two-pass `loudnorm` (linear) 0.62 LU short in 19 s. So alimiter at 4×, which holds
the true-peak ceiling; the 3 s it costs over the hand code (three limiter passes
where the hand code searched a precomputed envelope) is the price of not keeping
200 lines of DSP, and a warm start (`gain_hint`: one pass) gives most of it back.

Work is done at the highest sample rate among the clips (both default engines
give 22050 Hz), other clips resampled to it with a polyphase filter; ffmpeg
converts once to 44.1 kHz, the rate every podcast player expects, when it
encodes. The MP3 is constant-bitrate so that players seek to chapter starts
exactly; the tag is ID3v2.3, which more players read than v2.4.
"""

from __future__ import annotations

import datetime
import math
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import mutagen.id3
import numpy as np
import numpy.typing as npt
import pyloudnorm
from pydub import AudioSegment
from pydub.exceptions import CouldntDecodeError
from scipy.signal import firwin, resample_poly  # type: ignore[import-untyped]

from pipeline.errors import InfracastError
from pipeline.models import Line, Script, TimedLine, TimedSegment, Timeline
from pipeline.speech.stingers import StingKind, sting

# mutagen ships type hints but leaves its frame constructors untyped.
id3: Any = mutagen.id3

Audio = npt.NDArray[np.float32]
Samples = npt.NDArray[np.float32]  # (samples, channels)

TARGET_LUFS = -16.0
MAX_TRUE_PEAK = -1.0  # dBTP, measured on the encoded file
OUTPUT_RATE = 44100

_CEILING = -2.0  # limiter ceiling, dBTP: MP3 encoding adds up to ~0.5 dB of overshoot
_STING_UNDER_SPEECH = 6.0  # LU
_TRIM_BELOW_PEAK = 45.0  # dB under a clip's peak counts as the engine's silence
_TRIM_KEEP = 0.02  # seconds kept around speech, so soft onsets and tails survive

_LEAD_IN = 0.3
_AFTER_STING = 0.5
_BEFORE_STING = 0.7
_END = 0.3
_GAP_AFTER_QUESTION = 0.25
_GAP_SHORT = 0.3  # before a reaction, or one speaker going on
_GAP_TURN = 0.45
_GAP_TOPIC = 0.7
_TOPIC_MOVES = frozenset({"transition", "recap", "outro"})

_BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)


@dataclass(frozen=True)
class EpisodeTags:
    """What the MP3's ID3 tag says: episode title, show (album), artist, date, cover art."""

    title: str
    show: str
    artist: str
    date: str
    cover: Path | None = None
    comment: str = ""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", self.date):
            raise InfracastError(f"episode date {self.date!r} is not YYYY-MM-DD")
        try:
            datetime.date.fromisoformat(self.date)
        except ValueError:
            raise InfracastError(f"episode date {self.date!r} is not a real date") from None


@dataclass(frozen=True)
class Assembled:
    """The finished episode: its MP3, where everything sits in it, and how loud it is.

    `loudness` is integrated LUFS (pyloudnorm) and `true_peak` dBTP, both measured
    on the encoded MP3 as a player decodes it. `gain_db` is the mastering gain the
    limiter was fed: given back to `assemble` as `gain_hint` when the script has
    changed a little, it spares most of the search for the new one.
    """

    mp3: Path
    timeline: Timeline
    loudness: float
    true_peak: float
    gain_db: float = 0.0


def assemble(
    script: Script,
    clips: Mapping[str, Path],
    out: Path,
    tags: EpisodeTags,
    *,
    bitrate: str = "96k",
    channels: Literal[1, 2] = 1,
    gain_hint: float | None = None,
) -> Assembled:
    """Join the clips of `script` (line id → WAV) into a mastered, tagged MP3 at `out`.

    Loudness is −16 LUFS integrated with true peak ≤ −1 dBTP in the file as
    written, whether mono (the default, 96 kbit/s) or stereo (say 128k). The file
    appears at `out` only once complete. Raises InfracastError for a missing or
    unreadable clip, a line without a clip, an unusable option, or no ffmpeg.

    `gain_hint`, the `gain_db` of an earlier assembly of much the same script (one
    line edited), is where the search for the mastering gain starts: one limiter
    pass and one loudness measurement instead of three passes and four. The result
    is the same episode within the search's tolerance (0.05 LU).
    """
    _check_options(bitrate, channels)
    ffmpeg = _ffmpeg()
    _check_script(script)
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    # The episode goes through files (float samples at its rate) from here on: a 10-minute
    # episode at 22.05 kHz is 57 MB an array, and only pyloudnorm needs one in memory.
    with tempfile.TemporaryDirectory(prefix="infracast-master-") as folder:
        tmp = Path(folder)
        rate, timeline = _program(script, clips, tmp / "program.f32")
        try:
            loudness, peak, gain = _master_and_encode(
                ffmpeg, tmp, rate, part, bitrate, channels, gain_hint
            )
            _tag(part, tags, timeline)
            os.replace(part, out)
        finally:
            part.unlink(missing_ok=True)
    return Assembled(mp3=out, timeline=timeline, loudness=round(loudness, 2),
                     true_peak=round(peak, 2), gain_db=round(gain, 4))


# --- checks -------------------------------------------------------------------------------


def _check_options(bitrate: str, channels: int) -> None:
    match = re.fullmatch(r"(\d+)k", bitrate)
    if not match or int(match[1]) not in _BITRATES:
        allowed = ", ".join(f"{b}k" for b in _BITRATES)
        raise InfracastError(f"MP3 bitrate {bitrate!r} is not one of {allowed}")
    if channels not in (1, 2):
        raise InfracastError(f"an episode has 1 or 2 channels, not {channels}")


def _ffmpeg() -> str:
    path = shutil.which("ffmpeg")
    if path is None:
        raise InfracastError(
            "ffmpeg is not installed (it encodes the episode's MP3): "
            "install it with `apt-get install ffmpeg` (or your system's package manager)"
        )
    return path


def _check_script(script: Script) -> None:
    if not script.lines:
        raise InfracastError("the script has no lines to assemble")
    previous = 0
    for line in script.lines:
        if not 0 <= line.segment < len(script.segments):
            raise InfracastError(
                f"line {line.id} is in segment {line.segment}, but the script has "
                f"{len(script.segments)} segments"
            )
        if line.segment < previous:
            raise InfracastError(
                f"line {line.id} goes back to segment {line.segment} after segment "
                f"{previous}: lines must be in segment order"
            )
        previous = line.segment


# --- clips --------------------------------------------------------------------------------


def _program(script: Script, clips: Mapping[str, Path], dest: Path) -> tuple[int, Timeline]:
    """Write the episode before mastering to `dest` (mono float samples); its sample rate
    and its timeline."""
    voices, rate = _load(script, clips)
    _level(script, voices, rate)
    pieces, timeline = _arrange(script, voices, _stings(rate), rate)
    with dest.open("wb") as f:
        for piece in pieces:
            piece.tofile(f)
    return rate, timeline


def _load(script: Script, clips: Mapping[str, Path]) -> tuple[dict[str, Audio], int]:
    """Every line's clip as mono float samples at one rate: the highest among the clips."""
    segments = {line.id: _read(line, clips) for line in script.lines}
    rate = max(s.frame_rate for s in segments.values())
    voices = {
        line_id: _trim(_resample(_samples(s), s.frame_rate, rate), rate)
        for line_id, s in segments.items()
    }
    return voices, rate


def _read(line: Line, clips: Mapping[str, Path]) -> AudioSegment:
    if line.id not in clips:
        raise InfracastError(
            f"no clip for line {line.id} ({line.speaker}: {_excerpt(line.text)}): "
            "render the episode's speech again"
        )
    path = Path(clips[line.id])
    if not path.is_file():
        raise InfracastError(
            f"the clip for line {line.id} is missing: {path}: render the episode's speech again"
        )
    try:
        return AudioSegment.from_file(path, format="wav")
    except (CouldntDecodeError, OSError, ValueError) as e:
        raise InfracastError(
            f"the clip for line {line.id} is not a readable WAV file: {path} ({e})"
        ) from e


def _excerpt(text: str, words: int = 8) -> str:
    parts = text.split()
    return repr(" ".join(parts[:words]) + (" …" if len(parts) > words else ""))


def _samples(segment: AudioSegment) -> Audio:
    mono = segment.set_channels(1).set_sample_width(2)
    pcm = np.frombuffer(mono.raw_data, dtype="<i2")
    return (pcm / np.float32(32768)).astype(np.float32)


def _resample(x: Audio, source: int, target: int) -> Audio:
    if source == target:
        return x
    g = math.gcd(source, target)
    return np.asarray(resample_poly(x, target // g, source // g), dtype=np.float32)


def _trim(x: Audio, rate: int) -> Audio:
    """Cut the silence TTS engines leave at a clip's ends (espeak-ng: about 0.3 s after)."""
    peak = float(np.abs(x).max(initial=0.0))
    if peak == 0.0:
        return x
    loud = np.flatnonzero(np.abs(x) > peak * 10 ** (-_TRIM_BELOW_PEAK / 20))
    keep = round(_TRIM_KEEP * rate)
    return x[max(0, loud[0] - keep) : loud[-1] + 1 + keep]


def _level(script: Script, voices: Mapping[str, Audio], rate: int) -> None:
    """Bring each host to the target loudness, so that two engines sound equally loud (in
    place: the clips are the episode's largest arrays)."""
    gains: dict[str, float] = {}
    for speaker in {line.speaker for line in script.lines}:
        speech = np.concatenate([voices[ln.id] for ln in script.lines if ln.speaker == speaker])
        loudness = _loudness(speech, rate)
        # Too little speech to measure (under 0.4 s) is left as it is.
        gains[speaker] = 1.0 if loudness is None else _gain(TARGET_LUFS - loudness)
    for line in script.lines:
        voices[line.id] *= np.float32(gains[line.speaker])


def _stings(rate: int) -> dict[StingKind, Audio]:
    kinds: tuple[StingKind, ...] = ("open", "break", "close")
    stings: dict[StingKind, Audio] = {}
    for kind in kinds:
        x = _samples(sting(kind, rate))
        loudness = _loudness(x, rate)
        gain = 1.0 if loudness is None else _gain(TARGET_LUFS - _STING_UNDER_SPEECH - loudness)
        stings[kind] = x * np.float32(gain)
    return stings


# --- layout -------------------------------------------------------------------------------


@dataclass
class _Layout:
    """The episode as it is laid out: pieces in order and the running length in samples."""

    rate: int
    pieces: list[Audio] = field(default_factory=list)
    length: int = 0

    def add(self, audio: Audio) -> tuple[float, float]:
        start = self.length
        self.pieces.append(audio)
        self.length += len(audio)
        return self.seconds(start), self.seconds(self.length)

    def pause(self, seconds: float) -> None:
        self.add(np.zeros(round(seconds * self.rate), dtype=np.float32))

    def seconds(self, samples: int) -> float:
        return round(samples / self.rate, 4)


def _arrange(
    script: Script, voices: Mapping[str, Audio], stings: Mapping[StingKind, Audio], rate: int
) -> tuple[list[Audio], Timeline]:
    """Lay out lines, pauses and stingers: the pieces in order, and the timeline from the
    same sample counts."""
    layout = _Layout(rate)
    layout.pause(_LEAD_IN)
    opening = _opening_sting_at(script.lines)
    starts = {script.lines[0].segment: 0.0}
    timed: list[TimedLine] = []
    previous: Line | None = None
    for i, line in enumerate(script.lines):
        new_segment = previous is not None and line.segment != previous.segment
        if i == opening or new_segment:
            if previous is not None:
                layout.pause(_BEFORE_STING)
            if new_segment:
                starts[line.segment] = layout.seconds(layout.length)
            layout.add(stings["open" if i == opening else "break"])
            layout.pause(_AFTER_STING)
        elif previous is not None:
            layout.pause(_gap(previous, line))
        start, end = layout.add(voices[line.id])
        timed.append(TimedLine(line_id=line.id, speaker=line.speaker, segment=line.segment,
                               start=start, end=end))
        previous = line
    layout.pause(_BEFORE_STING)
    layout.add(stings["close"])
    layout.pause(_END)
    duration = layout.seconds(layout.length)
    return layout.pieces, Timeline(
        duration=duration, lines=timed, segments=_segments(script, starts, duration)
    )


def _opening_sting_at(lines: Sequence[Line]) -> int:
    """Index of the line the opening stinger precedes: after the cold open, if any."""
    if lines[0].move != "cold_open":
        return 0
    i = 0
    while i < len(lines) and lines[i].move in ("cold_open", "reaction"):
        i += 1
    return i if i < len(lines) else 0


def _gap(previous: Line, line: Line) -> float:
    if line.move in _TOPIC_MOVES and previous.move != line.move:
        return _GAP_TOPIC
    if previous.move == "question":
        return _GAP_AFTER_QUESTION
    if line.move == "reaction" or line.speaker == previous.speaker:
        return _GAP_SHORT
    return _GAP_TURN


def _segments(script: Script, starts: Mapping[int, float], duration: float) -> list[TimedSegment]:
    """Segments that have lines, each running to the next one's start (empty ones are left out)."""
    order = sorted(starts)
    ends = [starts[k] for k in order[1:]] + [duration]
    return [
        TimedSegment(index=k, title=script.segments[k].title, start=starts[k], end=end)
        for k, end in zip(order, ends, strict=True)
    ]


# --- mastering ----------------------------------------------------------------------------

# ffmpeg's look-ahead limiter, run at 4× the master's rate so that what it holds under the
# ceiling is the true peak (BS.1770-4 oversamples 4× too); no auto-levelling, and its
# look-ahead delay compensated, so that the timeline does not move.
_LIMITER = "alimiter=limit={limit:.6f}:attack=5:release=50:level=disabled:latency=1"
_OVERSAMPLE = 4
_AIM_WITHIN = 0.05  # LU between the limited master and its aim before it is encoded
_LOUDNESS_TOLERANCE = 0.25  # LU between the encoded file and the target before a retry
_MEASURE_CHUNK = 1 << 20  # samples the loudness meter filters at once (48 s at 22.05 kHz)
_WARM_UP = 5  # blocks (100 ms each) measured before a chunk and dropped


def _master_and_encode(
    ffmpeg: str, tmp: Path, rate: int, part: Path, bitrate: str, channels: int,
    gain_hint: float | None = None,
) -> tuple[float, float, float]:
    """Master the programme in `tmp` and encode it to `part`, then measure the encoded
    file; should the encoder have moved the loudness or overshot the ceiling, aim again
    from what was measured (rarely needed). Returns the file's loudness and true peak,
    and the gain the limiter was fed.

    Stereo is the mono master in both channels at −3 dB each (ffmpeg's upmix keeps the
    power), so the file measures what the master does.
    """
    target = TARGET_LUFS
    codec = _codec_gain_db(ffmpeg, bitrate, channels)
    aim, ceiling = target - codec, _CEILING - codec
    source, master = tmp / "program.f32", tmp / "master.f32"
    if gain_hint is None:
        unity = _loudness(np.memmap(source, dtype="<f4", mode="r"), rate)
        if unity is None:
            raise InfracastError("the episode is silent: check the rendered clips")
        # The limiter only ever takes loudness away: the plain gain is the least it can be.
        gain = aim - unity
    else:
        gain = gain_hint
    for _ in range(3):
        gain = _master(ffmpeg, source, rate, master, gain, aim, ceiling)
        _encode(ffmpeg, master, rate, part, bitrate, channels)
        loudness, peak = _measure(ffmpeg, part, tmp, rate, channels)
        if peak <= MAX_TRUE_PEAK and abs(loudness - target) <= _LOUDNESS_TOLERANCE:
            break
        aim += target - loudness
        gain += target - loudness
        if peak > MAX_TRUE_PEAK:
            ceiling -= peak - MAX_TRUE_PEAK + 0.2
    return loudness, peak, gain


def _master(
    ffmpeg: str, source: Path, rate: int, dest: Path, gain_db: float, aim: float,
    ceiling: float,
) -> float:
    """Write the programme at `source`, gained and limited under `ceiling` dBTP, to `dest`
    so that it reads `aim` LUFS; returns the gain that does.

    The limiter takes some loudness away, the more the harder it works, so the gain
    is searched for from `gain_db` by secant steps: about 1.4 s a pass for ten minutes
    (ffmpeg, then pyloudnorm), three passes from the plain gain when the limiter works
    hard (TTS peaks 6 dB over the ceiling), one from a good `gain_hint`.
    """
    tried: list[tuple[float, float]] = []
    for _ in range(4):
        _limit(ffmpeg, source, rate, dest, gain_db, ceiling)
        got = _loudness(np.memmap(dest, dtype="<f4", mode="r"), rate)
        if got is None:
            raise InfracastError("the episode is silent: check the rendered clips")
        tried.append((gain_db, got))
        if abs(got - aim) <= _AIM_WITHIN:
            break
        slope = 1.0
        if len(tried) > 1 and tried[-1][0] != tried[-2][0]:
            (g0, l0), (g1, l1) = tried[-2:]
            slope = min(1.0, max(0.25, (l1 - l0) / (g1 - g0)))
        gain_db += (aim - got) / slope
    return gain_db


def _limit(ffmpeg: str, source: Path, rate: int, dest: Path, gain_db: float,
           ceiling: float) -> None:
    """`source` (mono float samples) gained by `gain_db` and limited under `ceiling` dBTP,
    written to `dest` at the same rate and length."""
    chain = ",".join([
        f"volume={gain_db:.4f}dB:precision=float",
        f"aresample={rate * _OVERSAMPLE}",
        _LIMITER.format(limit=_gain(ceiling)),
        f"aresample={rate}",
    ])
    _run([
        ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", str(source),
        "-af", chain, "-f", "f32le", "-ar", str(rate), "-ac", "1", str(dest),
    ], "limit the master")
    # Resampling may leave a sample more or less at the end: the timeline counts samples.
    want = source.stat().st_size
    if dest.stat().st_size != want:
        with dest.open("r+b") as f:
            f.truncate(want)


def _measure(ffmpeg: str, mp3: Path, tmp: Path, rate: int, channels: int) -> tuple[float, float]:
    """Integrated loudness (pyloudnorm) and true peak (dBTP) of the MP3 as a player decodes it.

    The true peak is taken at the file's 44.1 kHz. Loudness is measured on a decode
    at the master's rate, which holds all the programme there is (above it, only
    codec noise that K-weighting would barely count), in half the time.
    """
    full = _decode(ffmpeg, mp3, tmp / "full.f32", OUTPUT_RATE, channels)
    peak = max(_true_peak(full[:, c], OUTPUT_RATE) for c in range(channels))
    del full
    heard = _decode(ffmpeg, mp3, tmp / "heard.f32", rate, channels)
    loudness = _loudness(heard, rate)
    if loudness is None:
        raise InfracastError("the encoded episode is silent: check the rendered clips")
    return loudness, 20 * math.log10(peak) if peak > 0 else -math.inf


def _loudness(x: npt.NDArray[np.float32], rate: int) -> float | None:
    """Integrated loudness of `x` (samples, or samples × channels) in LUFS, as pyloudnorm
    measures it (BS.1770-4); None when silent or under 400 ms.

    pyloudnorm's Meter filters and measures the 400 ms blocks a chunk at a time: on a
    whole episode it would hold a copy and two float64 filter outputs, some 400 MB
    for ten minutes at 22.05 kHz, the largest allocation of the stage. Each chunk
    starts half a second early so that the K-weighting filters have settled, its
    blocks are those that start inside it, and BS.1770's two gates (−70 LUFS, then
    10 LU under the mean) are applied to the blocks of all chunks together, as the
    Meter applies them to its own: the reading is the same to 0.01 LU.
    """
    hop = round(0.1 * rate)  # the Meter's blocks: 400 ms long, 100 ms apart
    if len(x) <= 4 * hop:
        return None
    meter = pyloudnorm.Meter(rate)
    chunk, warm = _MEASURE_CHUNK // hop * hop, _WARM_UP * hop
    blocks = []
    for start in range(0, len(x), chunk):
        lo, hi = max(0, start - warm), min(len(x), start + chunk + 3 * hop)
        with np.errstate(divide="ignore", invalid="ignore"):
            meter.integrated_loudness(np.asarray(x[lo:hi], dtype=np.float32))
        skip = (start - lo) // hop
        blocks.append(np.asarray(meter.blockwise_loudness[skip : skip + chunk // hop]))
    loudness = np.concatenate(blocks)
    power = 10 ** ((loudness + 0.691) / 10)  # each block's K-weighted mean square
    audible = loudness > -70.0
    if not audible.any():
        return None
    relative = -0.691 + 10 * math.log10(float(power[audible].mean())) - 10
    gated = audible & (loudness > relative)
    return -0.691 + 10 * math.log10(float(power[gated].mean()))


def _true_peak(x: Audio, rate: int) -> float:
    """The largest magnitude of `x` oversampled 4× (linear), as BS.1770-4 Annex 2 has it.

    A chunk at a time, with a margin on both sides for the filter, so memory stays
    a few MB whatever the episode's length (and `x` may be a memory-mapped file).
    """
    margin, chunk = 32, 1 << 20
    peak = 0.0
    for start in range(0, len(x), chunk):
        stop = min(len(x), start + chunk)
        lo, hi = max(0, start - margin), min(len(x), stop + margin)
        piece = np.asarray(x[lo:hi], dtype=np.float32)
        up = resample_poly(piece, _OVERSAMPLE, 1, window=_oversampling_filter())
        inside = up[(start - lo) * _OVERSAMPLE : (stop - lo) * _OVERSAMPLE]
        peak = max(peak, float(np.abs(inside).max(initial=0.0)),
                   float(np.abs(piece[start - lo : stop - lo]).max(initial=0.0)))
    return peak


@lru_cache(maxsize=1)
def _oversampling_filter() -> npt.NDArray[np.float32]:
    # 49 taps, 12 a phase as in BS.1770-4 Annex 2, in float32: a third faster than
    # resample_poly's default and as close to the true peak as the standard asks.
    # (resample_poly scales the taps by the upsampling factor itself.)
    taps = firwin(49, 1 / _OVERSAMPLE, window=("kaiser", 5.0))
    return np.asarray(taps, dtype=np.float32)


def _gain(db: float) -> float:
    return float(10 ** (db / 20))


# --- ffmpeg -------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _codec_gain_db(ffmpeg: str, bitrate: str, channels: int) -> float:
    """How far the encoder moves the level, measured once on a tone. LAME scales its
    input by 0.95 in constant-bitrate mode (−0.45 dB, measured with ffmpeg 5.1), which
    the master makes up for so that the file, not the master, lands on the target."""
    t = np.arange(2 * OUTPUT_RATE) / OUTPUT_RATE
    tone = (0.1 * np.sin(2 * np.pi * 997 * t)).astype(np.float32)
    with tempfile.TemporaryDirectory(prefix="infracast-codec-") as tmp:
        pcm, mp3, decoded = (Path(tmp) / name for name in ("tone.f32", "tone.mp3", "out.f32"))
        tone.tofile(pcm)
        _encode(ffmpeg, pcm, OUTPUT_RATE, mp3, bitrate, channels)
        heard = np.array(_decode(ffmpeg, mp3, decoded, OUTPUT_RATE, channels))
    middle = slice(OUTPUT_RATE // 2, 3 * OUTPUT_RATE // 2)
    # Power summed over the channels, as BS.1770 sums them.
    ratio = np.square(heard[middle]).mean(axis=0).sum() / np.mean(np.square(tone[middle]))
    return 10 * math.log10(float(ratio))


def _encode(ffmpeg: str, pcm: Path, rate: int, dest: Path, bitrate: str, channels: int) -> None:
    """Encode mono float samples to a constant-bitrate MP3 at 44.1 kHz, with no tag of
    ffmpeg's own."""
    _run([
        ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", str(pcm),
        "-ar", str(OUTPUT_RATE), "-ac", str(channels),
        "-c:a", "libmp3lame", "-b:a", bitrate,
        "-id3v2_version", "0", "-write_id3v1", "0", "-f", "mp3", str(dest),
    ], "encode the MP3")


def _decode(ffmpeg: str, mp3: Path, dest: Path, rate: int, channels: int) -> Samples:
    """The MP3 decoded at `rate` to (samples, channels) floats, mapped from `dest`."""
    _run([
        ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-i", str(mp3),
        "-f", "f32le", "-ar", str(rate), "-ac", str(channels), str(dest),
    ], "decode the MP3 to measure it")
    return np.memmap(dest, dtype="<f4", mode="r").reshape(-1, channels)


def _run(command: list[str], doing: str) -> None:
    try:
        done = subprocess.run(command, capture_output=True, check=False)
    except OSError as e:
        raise InfracastError(f"could not run ffmpeg to {doing}: {e}") from e
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        raise InfracastError(
            f"ffmpeg could not {doing}: {said[-1] if said else f'exit {done.returncode}'}"
        )


# --- tags ---------------------------------------------------------------------------------


def _tag(path: Path, tags: EpisodeTags, timeline: Timeline) -> None:
    """Write the ID3v2.3 tag: text frames, cover art, and one chapter per segment."""
    tag = id3.ID3()
    tag.add(id3.TIT2(encoding=3, text=[tags.title]))
    tag.add(id3.TALB(encoding=3, text=[tags.show]))
    tag.add(id3.TPE1(encoding=3, text=[tags.artist]))
    tag.add(id3.TDRC(encoding=3, text=[tags.date]))
    if tags.comment:
        tag.add(id3.COMM(encoding=3, lang="eng", desc="", text=[tags.comment]))
    if tags.cover is not None:
        tag.add(_cover(tags.cover))
    ids = [f"chp{i}" for i in range(len(timeline.segments))]
    for element_id, segment in zip(ids, timeline.segments, strict=True):
        tag.add(id3.CHAP(
            element_id=element_id,
            start_time=round(segment.start * 1000), end_time=round(segment.end * 1000),
            # All bits set: "no byte offset, use the times" (ID3 chapter addendum).
            start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF,
            sub_frames=[id3.TIT2(encoding=3, text=[segment.title or f"Part {segment.index + 1}"])],
        ))
    tag.add(id3.CTOC(
        element_id="toc", flags=id3.CTOCFlags.TOP_LEVEL | id3.CTOCFlags.ORDERED,
        child_element_ids=ids, sub_frames=[id3.TIT2(encoding=3, text=["Chapters"])],
    ))
    tag.update_to_v23()  # TDRC becomes TYER + TDAT, as v2.3 has them
    tag.save(path, v2_version=3)


def _cover(path: Path) -> Any:
    if not path.is_file():
        raise InfracastError(f"the show's cover art is missing: {path}")
    data = path.read_bytes()
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        mime = "image/png"
    elif data.startswith(b"\xff\xd8\xff"):
        mime = "image/jpeg"
    else:
        raise InfracastError(f"the show's cover art must be a PNG or JPEG image: {path}")
    return id3.APIC(encoding=3, mime=mime, type=id3.PictureType.COVER_FRONT, desc="Cover",
                    data=data)
