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
so that it reads −16 LUFS integrated after a look-ahead limiter (5 ms attack,
10 ms hold, 50 ms release) that holds the true peak, oversampled 4×, under
−2 dBTP: the MP3 encoder's overshoot (about 0.5 dB) then leaves the file under
−1 dBTP. The limiter works offline on whole arrays, so it delays nothing and
cannot shift the timeline. LAME scales its constant-bitrate input by 0.95
(−0.45 dB); that is measured once per setting on a tone and made up for. The
encoded file is decoded and measured (pyloudnorm; true peak at 44.1 kHz, 4×):
those are the figures reported, and should they miss, the master is redone
from them. ffmpeg's two-pass loudnorm was tried here and not used: about 9 s a
pass for ten minutes of speech, and in the dynamic mode that TTS speech (a
peak-to-loudness ratio near 19 dB) always falls into, it landed 0.5 LU short.

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
from collections.abc import Callable, Mapping, Sequence
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
from pyloudnorm.iirfilter import IIRfilter
from scipy.signal import firwin, resample_poly, sosfilt  # type: ignore[import-untyped]

from pipeline.errors import InfracastError
from pipeline.models import Line, Script, TimedLine, TimedSegment, Timeline
from pipeline.speech.stingers import StingKind, sting

# mutagen ships type hints but leaves its frame constructors untyped.
id3: Any = mutagen.id3

Audio = npt.NDArray[np.float32]
Floats = npt.NDArray[np.float64]
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
    on the encoded MP3 as a player decodes it.
    """

    mp3: Path
    timeline: Timeline
    loudness: float
    true_peak: float


def assemble(
    script: Script,
    clips: Mapping[str, Path],
    out: Path,
    tags: EpisodeTags,
    *,
    bitrate: str = "96k",
    channels: Literal[1, 2] = 1,
) -> Assembled:
    """Join the clips of `script` (line id → WAV) into a mastered, tagged MP3 at `out`.

    Loudness is −16 LUFS integrated with true peak ≤ −1 dBTP in the file as
    written, whether mono (the default, 96 kbit/s) or stereo (say 128k). The file
    appears at `out` only once complete. Raises InfracastError for a missing or
    unreadable clip, a line without a clip, an unusable option, or no ffmpeg.
    """
    _check_options(bitrate, channels)
    ffmpeg = _ffmpeg()
    _check_script(script)
    program, rate, timeline = _program(script, clips)
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    try:
        loudness, peak = _master_and_encode(ffmpeg, program, rate, part, bitrate, channels)
        _tag(part, tags, timeline)
        os.replace(part, out)
    finally:
        part.unlink(missing_ok=True)
    return Assembled(mp3=out, timeline=timeline, loudness=round(loudness, 2),
                     true_peak=round(peak, 2))


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


def _program(script: Script, clips: Mapping[str, Path]) -> tuple[Audio, int, Timeline]:
    """The episode before mastering, its sample rate and its timeline (the clips are
    let go once laid out)."""
    voices, rate = _load(script, clips)
    program, timeline = _arrange(script, _level(script, voices, rate), _stings(rate), rate)
    return program, rate, timeline


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


def _level(script: Script, voices: Mapping[str, Audio], rate: int) -> dict[str, Audio]:
    """Bring each host to the target loudness, so that two engines sound equally loud."""
    gains: dict[str, float] = {}
    for speaker in {line.speaker for line in script.lines}:
        speech = np.concatenate([voices[ln.id] for ln in script.lines if ln.speaker == speaker])
        loudness = _loudness(speech, rate)
        # Too little speech to measure (under 0.4 s) is left as it is.
        gains[speaker] = 1.0 if loudness is None else _gain(TARGET_LUFS - loudness)
    return {ln.id: voices[ln.id] * np.float32(gains[ln.speaker]) for ln in script.lines}


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
) -> tuple[Audio, Timeline]:
    """Lay out lines, pauses and stingers; the timeline comes from the same sample counts."""
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
    return np.concatenate(layout.pieces), Timeline(
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

_BLOCK = 0.001  # s: resolution of the gain envelope and of the loudness search
_ATTACK = 0.005  # s: the limiter's gain ramps down over this before a peak
_HOLD = 0.01  # s: stays down this long after it
_RELEASE = 0.05  # s: and comes back up over this
_OVERSAMPLE = 4  # for true peak, as BS.1770-4 Annex 2 does
_LOUDNESS_TOLERANCE = 0.25  # LU between the encoded file and the target before a retry


def _master_and_encode(
    ffmpeg: str, program: Audio, rate: int, part: Path, bitrate: str, channels: int
) -> tuple[float, float]:
    """Master and encode, then measure the encoded file; should the encoder have moved the
    loudness or overshot the ceiling, aim again from what was measured (rarely needed).

    Stereo is the mono master in both channels at −3 dB each (ffmpeg's upmix keeps the
    power), so the file measures what the master does.
    """
    target = TARGET_LUFS
    codec = _codec_gain_db(ffmpeg, bitrate, channels)
    aim, ceiling = target - codec, _CEILING - codec
    energy, peaks = _k_energy(program, rate), _peak_blocks(program, rate)
    with tempfile.TemporaryDirectory(prefix="infracast-master-") as folder:
        tmp = Path(folder)
        for _ in range(3):
            _master(program, rate, energy, peaks, aim, ceiling).tofile(tmp / "master.f32")
            _encode(ffmpeg, tmp / "master.f32", rate, part, bitrate, channels)
            loudness, peak = _measure(ffmpeg, part, tmp, rate, channels)
            if peak <= MAX_TRUE_PEAK and abs(loudness - target) <= _LOUDNESS_TOLERANCE:
                break
            aim += target - loudness
            if peak > MAX_TRUE_PEAK:
                ceiling -= peak - MAX_TRUE_PEAK + 0.2
    return loudness, peak


def _master(
    program: Audio, rate: int, energy: Floats, peaks: Floats, target: float, ceiling: float
) -> Audio:
    """`program` at `target` LUFS, its true peak held under `ceiling` dBTP by the limiter.

    The limiter takes some loudness away, more the harder it works, so the gain
    is searched for: each try costs a sum over the precomputed block energies.
    """
    unity = _gated_loudness(energy, rate)
    if unity is None:
        raise InfracastError("the episode is silent: check the rendered clips")

    def loudness(gain_db: float) -> float:
        return _gated_loudness(energy, rate, _envelope(peaks, rate, gain_db, ceiling)) or unity

    # The limiter only ever takes loudness away: the plain gain is the least it can be.
    start = target - unity
    gain_db = _solve(loudness, target, lo=start, hi=start + 12.0)
    return _apply(program, _envelope(peaks, rate, gain_db, ceiling), _block(rate))


def _solve(f: Callable[[float], float], target: float, lo: float, hi: float) -> float:
    """The x in [lo, hi] at which the rising function f reaches target (within 0.01), by
    regula falsi, Illinois variant: f flattens as the limiter works harder, where a
    plain secant step could shoot off. An end is returned when target lies beyond it."""
    flo, fhi = f(lo) - target, f(hi) - target
    if flo >= 0 or fhi <= 0:
        return lo if flo >= 0 else hi
    x, side = lo, 0
    for _ in range(30):
        x = hi - fhi * (hi - lo) / (fhi - flo)
        fx = f(x) - target
        if abs(fx) < 0.01:
            break
        if fx > 0:
            hi, fhi = x, fx
            flo = flo / 2 if side == 1 else flo  # keep the stale end from stalling
            side = 1
        else:
            lo, flo = x, fx
            fhi = fhi / 2 if side == -1 else fhi
            side = -1
    return x


def _block(rate: int) -> int:
    return max(1, round(rate * _BLOCK))


def _k_energy(x: Audio, rate: int) -> Floats:
    """Each block's K-weighted energy (BS.1770, with pyloudnorm's filters).

    The loudness of `x` under any gain that is constant within a block is then a
    weighted sum of these, so the search for the mastering gain never filters
    the audio again.
    """
    block = _block(rate)
    stages = (
        IIRfilter(4.0, 1 / math.sqrt(2), 1500.0, rate, "high_shelf"),
        IIRfilter(0.0, 0.5, 38.0, rate, "high_pass"),
    )
    sos = np.array([np.concatenate([s.b, s.a]) / s.a[0] for s in stages])
    state = np.zeros((len(stages), 2))
    energy = np.zeros(-(-len(x) // block))
    chunk = block * 32768
    for start in range(0, len(x), chunk):
        weighted, state = sosfilt(sos, x[start : start + chunk], zi=state)
        first = start // block
        sums = _block_reduce(np.square(weighted), block, np.add)
        energy[first : first + len(sums)] = sums
    return energy


def _gated_loudness(energy: Floats, rate: int, gains: Floats | None = None) -> float | None:
    """Integrated loudness in LUFS of blocks with `energy`, each scaled by `gains` squared:
    400 ms windows a quarter apart, gated at −70 LUFS and then 10 LU under their mean.
    None when no window is loud enough (silence) or the audio is under 400 ms."""
    e = energy if gains is None else energy * np.square(gains)
    step = max(1, round(0.1 * rate / _block(rate)))
    quarters = e[: len(e) // step * step].reshape(-1, step).sum(axis=1)
    if len(quarters) < 4:
        return None
    windows = (quarters[:-3] + quarters[1:-2] + quarters[2:-1] + quarters[3:]) / (
        4 * step * _block(rate)
    )
    windows = windows[windows > 10 ** ((-70 + 0.691) / 10)]
    if not len(windows):
        return None
    relative = -0.691 + 10 * math.log10(float(windows.mean())) - 10
    windows = windows[windows > 10 ** ((relative + 0.691) / 10)]
    return -0.691 + 10 * math.log10(float(windows.mean()))


def _peak_blocks(x: Audio, rate: int) -> Floats:
    """Each block's true peak (linear): its largest magnitude oversampled 4×.

    A chunk at a time, with a margin on both sides for the filter, so memory stays
    a few MB whatever the episode's length (and `x` may be a memory-mapped file).
    """
    block, margin = _block(rate), 32
    chunk = block * 8192
    peaks = np.empty(-(-len(x) // block))
    for start in range(0, len(x), chunk):
        stop = min(len(x), start + chunk)
        lo, hi = max(0, start - margin), min(len(x), stop + margin)
        piece = np.asarray(x[lo:hi], dtype=np.float32)
        up = resample_poly(piece, _OVERSAMPLE, 1, window=_oversampling_filter())
        inside = np.abs(up[(start - lo) * _OVERSAMPLE : (stop - lo) * _OVERSAMPLE])
        samples = np.abs(piece[start - lo : stop - lo])
        found = np.maximum(_block_reduce(inside, block * _OVERSAMPLE, np.maximum),
                           _block_reduce(samples, block, np.maximum))
        peaks[start // block : start // block + len(found)] = found
    return peaks


@lru_cache(maxsize=1)
def _oversampling_filter() -> npt.NDArray[np.float32]:
    # 49 taps, 12 a phase as in BS.1770-4 Annex 2, in float32: a third faster than
    # resample_poly's default and as close to the true peak as the standard asks.
    # (resample_poly scales the taps by the upsampling factor itself.)
    taps = firwin(49, 1 / _OVERSAMPLE, window=("kaiser", 5.0))
    return np.asarray(taps, dtype=np.float32)


def _block_reduce(x: npt.NDArray[Any], block: int, op: np.ufunc) -> Floats:
    """`op` reduced over consecutive blocks of `x`, the last one short if it must be."""
    return np.asarray(op.reduceat(x, np.arange(0, len(x), block)), dtype=np.float64)


def _envelope(peaks: Floats, rate: int, gain_db: float, ceiling: float) -> Floats:
    """The gain for each block: `gain_db`, pulled down wherever the true peak would pass
    `ceiling` dBTP.

    What each block needs is spread by a moving minimum over the attack before it
    and the hold after it, then smoothed by a moving average over the attack
    (because the minimum reaches that far ahead, never above what any block needs)
    and a slower one for the release. Offline, looking ahead costs no delay.
    """
    block = _block(rate)
    attack, hold, release = (max(1, round(s * rate / block)) for s in (_ATTACK, _HOLD, _RELEASE))
    gain = _gain(gain_db)
    need = np.minimum(1.0, _gain(ceiling) / np.maximum(peaks * gain, 1e-12))
    # Reaching one block further ahead keeps the interpolation between block centres
    # under a neighbouring block's need too.
    lowest = _moving_min(need, behind=hold, ahead=attack + 1)
    smooth = _trailing_mean(lowest, attack + 1)
    return np.minimum(smooth, _trailing_mean(smooth, release + 1)) * gain


def _moving_min(a: Floats, behind: int, ahead: int) -> Floats:
    padded = np.concatenate([np.ones(behind), a, np.ones(ahead)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, behind + ahead + 1)
    return np.asarray(windows.min(axis=1))


def _trailing_mean(a: Floats, n: int) -> Floats:
    """Mean of each value and the n − 1 before it (the start padded with the first value)."""
    sums = np.cumsum(np.concatenate([np.full(n, a[0]), a]))
    return np.asarray((sums[n:] - sums[:-n]) / n)


def _apply(x: Audio, envelope: Floats, block: int) -> Audio:
    centres = np.arange(len(envelope)) * block + (block - 1) / 2
    out = np.empty_like(x)
    step = block * 65536
    for start in range(0, len(x), step):
        stop = min(len(x), start + step)
        out[start:stop] = x[start:stop] * np.interp(np.arange(start, stop), centres, envelope)
    return out


def _measure(ffmpeg: str, mp3: Path, tmp: Path, rate: int, channels: int) -> tuple[float, float]:
    """Integrated loudness (pyloudnorm) and true peak (dBTP) of the MP3 as a player decodes it.

    The true peak is taken at the file's 44.1 kHz. Loudness is measured on a decode
    at the master's rate, which holds all the programme there is (above it, only
    codec noise that K-weighting would barely count), at half pyloudnorm's memory.
    """
    full = _decode(ffmpeg, mp3, tmp / "full.f32", OUTPUT_RATE, channels)
    peak = max(float(_peak_blocks(full[:, c], OUTPUT_RATE).max(initial=0.0))
               for c in range(channels))
    del full
    heard = np.asarray(_decode(ffmpeg, mp3, tmp / "heard.f32", rate, channels))
    loudness = float(pyloudnorm.Meter(rate).integrated_loudness(heard))
    if not math.isfinite(loudness):
        raise InfracastError("the encoded episode is silent: check the rendered clips")
    return loudness, 20 * math.log10(peak) if peak > 0 else -math.inf


def _loudness(x: Audio, rate: int) -> float | None:
    """Integrated loudness of `x` in LUFS; None when silent or under 400 ms."""
    return _gated_loudness(_k_energy(x, rate), rate)


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
