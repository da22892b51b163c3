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
the file under −1 dBTP. Loudness is BS.1770-4's gated integral, with pyloudnorm's
K-weighting filters and block bounds; the limiter is ffmpeg's `alimiter` (5 ms
look-ahead attack, 50 ms release, its delay compensated so that the timeline does
not move) run at 4× the master's rate, so that the peak it holds is the true peak.
LAME scales its constant-bitrate input by 0.95 (−0.45 dB); that is measured once
per setting on a tone and made up for.

Chunks: the laid-out episode is cut, in pauses, into chunks of 30 s to a minute
that are mastered, encoded and measured on their own, in two ffmpeg processes at
a time (a process each for a run of chunks: starting one costs as much as
limiting a few seconds). A cut falls mid-pause, so each chunk holds the same
samples wherever an edit upstream moved it, and which pauses are cut is decided
by the content before them, so an edit moves only the cuts near it. Every pause
is at least 0.25 s of silence, longer than the limiter's attack and release, so
chunk by chunk the limiter does what it would do to the whole. Each chunk plays
for whole MP3 frames (1152 samples at 44.1 kHz), its end padded with silence
(under 26 ms, added to the pause it ends in; the timeline counts it). LAME delays
what it encodes by 1105 samples and pads the end (ffmpeg 5.1, LAME 3.100; found
again at run time on an impulse), so each chunk is encoded less its first 1105
and last 47 samples (silence), without a Xing header: its frames decode to
exactly its samples, and the chunks' frames run together are the episode,
gapless, as long as the timeline. Each chunk's frames are kept, by the
digest of its samples and the mastering settings, in the episode's cache folder
with what was measured on them as decoded (true peak at 44.1 kHz, oversampled 4×;
the K-weighted power of each 400 ms block, counted from the chunk's start); the
file's loudness and true peak are put together from those (within 0.05 LU of a
meter run on the whole file). The gain is searched for on every third chunk, then
checked on all; after an edit the last render's gain and host levels are tried
first, and only the chunks the edit touched are made again.

Measured on 664 s of two-host speech (Piper at 22.05 kHz and Festival at 32 kHz,
mastered at 32 kHz; 2 cores shared with other jobs, load 3 to 10, so times vary
by half), file error from −16 LUFS / file true peak / time (CPU time) to master,
encode and measure: chunked (this module), a first render 0.03 LU / −1.55 dBTP /
14–35 s (25 s: the sample search, then one or two passes over all chunks, then
encoding and measuring), after an edit of one line 0.02–0.07 LU / −1.55 dBTP /
0.7–5 s (3 s: one or two chunks made again, up to five when the edit moves a cut
that the next ones follow); the same limiter over the whole programme, each edit
limiting, encoding and decoding all of it again, 0.00 LU / −1.42 dBTP / 15–43 s
(20 s) first and 11–29 s (14 s) after the edit, warm-started. Earlier, on 646 s: the
hand-written gated meter and limiter that alimiter replaced 0.00 LU / −1.74 dBTP /
1.0 s; pedalboard's Limiter (JUCE's: a fixed −10 dB 4:1 compressor, a sample-peak
stage and a clip at 0 dBFS, no look-ahead) +0.24 LU / −1.02 dBTP with the master
0.8 dB over its ceiling at 1×, −1.15 dBTP and 20 s at 4×; ffmpeg's two-pass
`loudnorm` (linear) 0.62 LU short in 19 s. So alimiter at 4×, which holds the
true-peak ceiling without 200 lines of DSP to keep.

Work is done at the highest sample rate among the clips (Piper gives 22050 Hz,
Festival 32000 Hz), other clips resampled to it with a polyphase filter;
ffmpeg converts once to 44.1 kHz, the rate every podcast player expects, when it
encodes. The MP3 is constant-bitrate so that players seek to chapter starts
exactly; the tag is ID3v2.3, which more players read than v2.4.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
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
from scipy.signal import firwin, lfilter, resample_poly  # type: ignore[import-untyped]

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

    `loudness` is integrated LUFS and `true_peak` dBTP of the MP3 as a player decodes
    it, put together from each encoded chunk's measurements (BS.1770 blocks counted
    from each chunk's start; true peak at 44.1 kHz). `gain_db` is the mastering gain the
    limiter was fed and `host_gains` each host's levelling gain (dB): given back to
    `assemble` as `gain_hint` and `host_gains` after an edit, they leave the chunks the
    edit did not touch as they were, so that only the edited ones are made again.
    """

    mp3: Path
    timeline: Timeline
    loudness: float
    true_peak: float
    gain_db: float = 0.0
    host_gains: dict[str, float] = field(default_factory=dict)


def assemble(
    script: Script,
    clips: Mapping[str, Path],
    out: Path,
    tags: EpisodeTags,
    *,
    bitrate: str = "96k",
    channels: Literal[1, 2] = 1,
    gain_hint: float | None = None,
    host_gains: Mapping[str, float] | None = None,
    cache: Path | None = None,
) -> Assembled:
    """Join the clips of `script` (line id → WAV) into a mastered, tagged MP3 at `out`.

    Loudness is −16 LUFS integrated with true peak ≤ −1 dBTP in the file as
    written, whether mono (the default, 96 kbit/s) or stereo (say 128k). The file
    appears at `out` only once complete. Raises InfracastError for a missing or
    unreadable clip, a line without a clip, an unusable option, or no ffmpeg.

    The episode is mastered and encoded in chunks of 30 s to a minute, cut in pauses,
    whose MP3 frames run together without a gap. `cache`, a folder of this episode's
    own, keeps each chunk's frames by content: chunks found there are not made again,
    and after the assembly it holds only the chunks of this one. `gain_hint` and
    `host_gains`, the `gain_db` and `host_gains` of an earlier assembly of much the
    same script (one line edited), are tried first: with them, only the chunks the
    edit touched are mastered, encoded and measured, and should the file then miss
    the target by over 0.25 LU, the gain is searched for again.
    """
    _check_options(bitrate, channels)
    ffmpeg = _ffmpeg()
    _check_script(script)
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    # The episode goes through files (float samples at its rate) from here on: a 10-minute
    # episode at 22.05 kHz is 57 MB an array.
    with (tempfile.TemporaryDirectory(prefix="infracast-master-") as folder,
          ThreadPoolExecutor(_WORKERS) as pool):
        tmp = Path(folder)
        rate, timeline, bounds, levels = _program(script, clips, tmp / "program.f32",
                                                  host_gains, pool)
        chunks = _chunks(tmp / "program.f32", bounds, pool)
        m = _Mastering(ffmpeg, pool, tmp, cache or tmp / "encoded", rate, bitrate, channels)
        try:
            loudness, peak, gain, encoded = _master_and_encode(m, chunks, gain_hint)
            with part.open("wb") as f:
                for e in encoded:
                    with e.mp3.open("rb") as chunk:
                        shutil.copyfileobj(chunk, f)
            _tag(part, tags, timeline)
            os.replace(part, out)
        finally:
            part.unlink(missing_ok=True)
    if cache is not None:
        _prune(cache, {e.key for e in encoded})
    return Assembled(mp3=out, timeline=timeline, loudness=round(loudness, 2),
                     true_peak=round(peak, 2), gain_db=gain, host_gains=levels)


def _prune(cache: Path, keep: set[str]) -> None:
    """Remove from `cache` every chunk the latest assembly did not use. The cache is one
    episode's, so what its latest assembly used is all that a next edit can find again."""
    for path in cache.iterdir():
        stale = path.name.split(".", 1)[0] not in keep and path.suffix in (".mp3", ".json")
        if stale or path.suffix == ".tmp":
            path.unlink(missing_ok=True)


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


def _program(
    script: Script, clips: Mapping[str, Path], dest: Path, host_gains: Mapping[str, float] | None,
    pool: ThreadPoolExecutor,
) -> tuple[int, Timeline, list[int], dict[str, float]]:
    """Write the episode before mastering to `dest` (mono float samples); its sample rate,
    its timeline, where its chunks start and end (samples), and each host's levelling gain."""
    voices, rate = _load(script, clips, pool)
    gains = _level(script, voices, rate, host_gains, pool)
    pieces, timeline, bounds = _arrange(script, voices, _stings(rate), rate)
    with dest.open("wb") as f:
        for piece in pieces:
            piece.tofile(f)
    return rate, timeline, bounds, gains


def _load(
    script: Script, clips: Mapping[str, Path], pool: ThreadPoolExecutor
) -> tuple[dict[str, Audio], int]:
    """Every line's clip as mono float samples at one rate: the highest among the clips."""
    segments = dict(zip([line.id for line in script.lines],
                        pool.map(lambda line: _read(line, clips), script.lines), strict=True))
    rate = max(s.frame_rate for s in segments.values())
    voices = dict(zip(segments, pool.map(
        lambda s: _trim(_resample(_samples(s), s.frame_rate, rate), rate), segments.values()
    ), strict=True))
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


def _level(
    script: Script, voices: Mapping[str, Audio], rate: int, hint: Mapping[str, float] | None,
    pool: ThreadPoolExecutor,
) -> dict[str, float]:
    """Bring each host to the target loudness, so that two engines sound equally loud (in
    place: the clips are the episode's largest arrays); returns each host's gain in dB.

    A host's gain from `hint` (an earlier assembly's) is kept while the one measured now
    is within 0.5 dB of it: an edited line then leaves every other line's samples, and
    so the mastered chunks around them, as they were.
    """
    def loudness_of(speaker: str) -> float | None:
        speech = np.concatenate([voices[ln.id] for ln in script.lines if ln.speaker == speaker])
        return _loudness(speech, rate)

    speakers = sorted({line.speaker for line in script.lines})
    gains: dict[str, float] = {}
    for speaker, loudness in zip(speakers, pool.map(loudness_of, speakers), strict=True):
        # Too little speech to measure (under 0.4 s) is left as it is.
        db = 0.0 if loudness is None else TARGET_LUFS - loudness
        if hint is not None and speaker in hint and abs(hint[speaker] - db) <= _HOST_HINT_WITHIN:
            db = hint[speaker]
        gains[speaker] = round(db, 4)
    for line in script.lines:
        voices[line.id] *= np.float32(_gain(gains[line.speaker]))
    return gains


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
    """The episode as it is laid out: pieces in order (lines, stingers, pauses), and which
    of them are pauses, the places where it may be cut into chunks."""

    rate: int
    pieces: list[Audio] = field(default_factory=list)
    pauses: set[int] = field(default_factory=set)

    def add(self, audio: Audio) -> int:
        self.pieces.append(audio)
        return len(self.pieces) - 1

    def pause(self, seconds: float) -> None:
        self.pauses.add(self.add(np.zeros(round(seconds * self.rate), dtype=np.float32)))


def _arrange(
    script: Script, voices: Mapping[str, Audio], stings: Mapping[StingKind, Audio], rate: int
) -> tuple[list[Audio], Timeline, list[int]]:
    """Lay out lines, pauses and stingers: the pieces in order, the timeline from the same
    sample counts, and the chunk boundaries (samples) that `_cut` chose."""
    layout = _Layout(rate)
    layout.pause(_LEAD_IN)
    opening = _opening_sting_at(script.lines)
    starts = {script.lines[0].segment: 0}  # segment → piece it starts at
    placed: list[tuple[Line, int]] = []
    previous: Line | None = None
    for i, line in enumerate(script.lines):
        new_segment = previous is not None and line.segment != previous.segment
        if i == opening or new_segment:
            if previous is not None:
                layout.pause(_BEFORE_STING)
            at = layout.add(stings["open" if i == opening else "break"])
            if new_segment:
                starts[line.segment] = at
            layout.pause(_AFTER_STING)
        elif previous is not None:
            layout.pause(_gap(previous, line))
        placed.append((line, layout.add(voices[line.id])))
        previous = line
    layout.pause(_BEFORE_STING)
    layout.add(stings["close"])
    layout.pause(_END)
    bounds = _cut(layout)
    offsets = np.concatenate([[0], np.cumsum([len(p) for p in layout.pieces])])
    # Each chunk plays for a whole number of MP3 frames, its end padded with silence: a
    # chunk's pieces are placed from where it starts in the file, at 44.1 kHz.
    chunk_starts = np.concatenate([[0], np.cumsum([
        _frames_length(hi - lo, rate) for lo, hi in itertools.pairwise(bounds)])])

    def seconds(samples: int) -> float:
        k = min(int(np.searchsorted(bounds, samples, side="right")) - 1, len(bounds) - 2)
        return round(float(chunk_starts[k]) / OUTPUT_RATE + (int(samples) - bounds[k]) / rate, 4)

    timed = [
        TimedLine(line_id=line.id, speaker=line.speaker, segment=line.segment,
                  start=seconds(offsets[k]), end=seconds(offsets[k + 1]))
        for line, k in placed
    ]
    duration = round(float(chunk_starts[-1]) / OUTPUT_RATE, 4)
    segment_starts = {segment: seconds(offsets[k]) for segment, k in starts.items()}
    segment_starts[script.lines[0].segment] = 0.0
    return layout.pieces, Timeline(
        duration=duration, lines=timed, segments=_segments(script, segment_starts, duration)
    ), bounds


def _cut(layout: _Layout) -> list[int]:
    """Choose where the episode is cut into chunks; returns the chunk boundaries (samples).

    A chunk ends in a pause once it is `_CHUNK_MIN` long, at the first pause after a
    piece whose content hash picks it (one in three), or at any pause once it is
    `_CHUNK_MAX` long. The cut falls in the middle of the pause: the chunk after it
    starts with exactly the pause's second half, so it holds the same samples wherever
    an edit upstream has moved it, and its cached master is found again.
    """
    rate, pieces = layout.rate, layout.pieces
    shortest, longest = round(_CHUNK_MIN * rate), round(_CHUNK_MAX * rate)
    bounds, start, position = [0], 0, 0
    for i, piece in enumerate(pieces):
        if i in layout.pauses and 0 < i < len(pieces) - 1:
            middle = position + len(piece) // 2
            length = middle - start
            chosen = hashlib.sha256(pieces[i - 1].tobytes()).digest()[0] < 86
            if length >= shortest and (chosen or length >= longest):
                start = middle
                bounds.append(start)
        position += len(piece)
    bounds.append(position)
    return bounds


def _frames_length(samples: int, rate: int) -> int:
    """Samples at 44.1 kHz that a chunk of `samples` at `rate` plays for: whole MP3 frames,
    the last padded with silence (up to 26 ms, in the pause the chunk ends in)."""
    return -(-samples * OUTPUT_RATE // (rate * _FRAME)) * _FRAME


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
_HOST_HINT_WITHIN = 0.5  # dB between a host's hinted and measured gain for the hint to hold
_CHUNK_MIN, _CHUNK_MAX = 30.0, 60.0  # seconds: how long a chunk grows before it is cut
_FRAME = 1152  # samples of an MP3 frame (MPEG-1 layer III, 44.1 kHz)
_WORKERS = 2  # ffmpeg processes at once
_CACHE_VERSION = "1"  # bump when what a cached chunk holds, or how it is made, changes


@dataclass(frozen=True)
class _Chunk:
    """A stretch of the programme between two cuts: where it lies in the programme's file,
    and the digest of its samples."""

    program: Path
    start: int
    samples: int
    digest: str

    def read(self) -> Audio:
        return np.fromfile(self.program, dtype="<f4", count=self.samples, offset=4 * self.start)

    def source(self) -> Path:
        """Its samples in a file of their own, for ffmpeg (written on first use)."""
        path = self.program.with_name(f"chunk-{self.start}.f32")
        if not path.exists():
            self.read().tofile(path)
        return path


@dataclass(frozen=True)
class _Encoded:
    """A chunk mastered and encoded: its MP3 frames, and measurements of them as decoded:
    the true peak (linear, at 44.1 kHz) and the K-weighted power of each 400 ms block."""

    key: str
    mp3: Path
    peak: float
    blocks: npt.NDArray[np.float64]


@dataclass(frozen=True)
class _Mastering:
    """What every chunk is mastered and encoded with, and where the work is done."""

    ffmpeg: str
    pool: ThreadPoolExecutor
    tmp: Path
    cache: Path
    rate: int
    bitrate: str
    channels: int

    def map(self, fn: Any, *items: Any) -> list[Any]:
        return list(self.pool.map(fn, *items))


def _chunks(program: Path, bounds: Sequence[int], pool: ThreadPoolExecutor) -> list[_Chunk]:
    """The programme at `program` cut at `bounds`: each chunk's place and digest."""
    def digest(lo: int, hi: int) -> _Chunk:
        data = _Chunk(program, lo, hi - lo, "").read()
        return _Chunk(program, lo, hi - lo, hashlib.sha256(data.tobytes()).hexdigest())

    return list(pool.map(digest, bounds[:-1], bounds[1:]))


def _master_and_encode(
    m: _Mastering, chunks: Sequence[_Chunk], gain_hint: float | None
) -> tuple[float, float, float, list[_Encoded]]:
    """Master the chunks and encode them, measuring each as decoded; should the encoder
    have moved the loudness or overshot the ceiling, aim again from what was measured
    (rarely needed). Returns the file's loudness and true peak, the gain the limiter was
    fed, and the encoded chunks in order.

    With `gain_hint` the chunks are encoded at that gain straight away: those already in
    the cache cost nothing, and when the file then measures within 0.25 LU of the target
    (as it does after an edit of a line or two) there is no search at all.

    Stereo is the mono master in both channels at −3 dB each (ffmpeg's upmix keeps the
    power), so the file measures what the master does.
    """
    target = TARGET_LUFS
    codec = _codec_gain_db(m.ffmpeg, m.bitrate, m.channels)
    aim, ceiling = target - codec, round(_CEILING - codec, 4)
    if gain_hint is not None:
        gain = round(gain_hint, 4)
        encoded = _encode(m, chunks, gain, ceiling, None)
        loudness, peak = _file_measure(encoded)
        if _on_target(loudness, peak):
            return loudness, peak, gain, encoded
        gain += target - loudness
    else:
        gain = _first_guess(m, chunks, aim, ceiling)
    for _ in range(3):
        gain, limited = _search(m, chunks, gain, aim, ceiling)
        encoded = _encode(m, chunks, gain, ceiling, limited)
        loudness, peak = _file_measure(encoded)
        if _on_target(loudness, peak):
            break
        aim += target - loudness
        gain += target - loudness
        if peak > MAX_TRUE_PEAK:
            ceiling = round(ceiling - (peak - MAX_TRUE_PEAK + 0.2), 4)
    return loudness, peak, gain, encoded


def _first_guess(m: _Mastering, chunks: Sequence[_Chunk], aim: float, ceiling: float) -> float:
    """Where the gain search over all chunks starts: the gain that brings a sample of the
    chunks (every third) to `aim` less what they read under the whole, searched for on
    them alone. The limiter takes about as much loudness from the sample as from the
    whole, so the search over all chunks then mostly needs one pass, not three, and each
    pass over the sample costs a third of one over all."""
    unity = m.map(lambda c: _block_powers(c.read(), m.rate), chunks)
    whole = _gated(np.concatenate(unity))
    if whole is None:
        raise InfracastError("the episode is silent: check the rendered clips")
    # The limiter only ever takes loudness away: the plain gain is the least it can be.
    gain = aim - whole
    sample = _sampled(chunks, unity)
    if len(sample) == len(chunks):
        return gain
    part = _gated(np.concatenate([unity[i] for i in sample]))
    if part is None:
        return gain
    return _search(m, [chunks[i] for i in sample], gain, aim + part - whole, ceiling)[0]


def _sampled(chunks: Sequence[_Chunk], unity: Sequence[npt.NDArray[np.float64]]) -> list[int]:
    """Every third chunk that has audible blocks, or all of them when there are under six."""
    if len(chunks) < 6:
        return list(range(len(chunks)))
    return [i for i in range(1, len(chunks), 3) if _gated(unity[i]) is not None]


def _on_target(loudness: float, peak: float) -> bool:
    return peak <= MAX_TRUE_PEAK and abs(loudness - TARGET_LUFS) <= _LOUDNESS_TOLERANCE


def _search(
    m: _Mastering, chunks: Sequence[_Chunk], gain_db: float, aim: float, ceiling: float
) -> tuple[float, list[Path]]:
    """Find the gain at which the chunks, each limited under `ceiling` dBTP, read `aim`
    LUFS together; returns it and the chunks limited at it (files).

    The limiter takes some loudness away, the more the harder it works, so the gain is
    searched for from `gain_db` by secant steps: three passes from the plain gain when
    the limiter works hard (TTS peaks 6 dB over the ceiling), one or two from
    `_first_guess`; each pass limits every chunk, in two ffmpeg processes at once.
    Each chunk starts and ends in at least 0.125 s of silence,
    longer than the limiter's 5 ms attack and 50 ms release, so limiting the chunks one
    by one gives what limiting the whole programme would. Loudness is BS.1770's gated
    integral over the 400 ms blocks of every chunk (each chunk's blocks counted from its
    own start), the two gates applied to all chunks' blocks together.
    """
    tried: list[tuple[float, float]] = []
    limited = [m.tmp / f"limited-{i}.f32" for i in range(len(chunks))]

    def limit(group: list[int]) -> list[npt.NDArray[np.float64]]:
        _limit_many(m.ffmpeg, [(chunks[i].source(), limited[i]) for i in group], m.rate,
                    gain_db, ceiling)
        return [_block_powers(_read_f32(limited[i]), m.rate) for i in group]

    groups = _groups([c.samples for c in chunks])
    for _ in range(4):
        gain_db = round(gain_db, 4)
        blocks = [b for group in m.map(limit, groups) for b in group]  # in chunk order
        got = _gated(np.concatenate(blocks))
        if got is None:
            raise InfracastError("the episode is silent: check the rendered clips")
        tried.append((gain_db, got))
        if abs(got - aim) <= _AIM_WITHIN:
            break
        slope = 1.0
        if len(tried) > 1 and tried[-1][0] != tried[-2][0]:
            (g0, l0), (g1, l1) = tried[-2:]
            slope = min(1.0, max(0.25, (l1 - l0) / (g1 - g0)))
        if len(tried) == 4:
            break
        gain_db += (aim - got) / slope
    return gain_db, limited


def _groups(sizes: Sequence[int]) -> list[list[int]]:
    """Indices of `sizes` in `_WORKERS` runs of neighbours, of about equal total size: a
    run is one ffmpeg, since starting one costs as much as limiting a few seconds."""
    total, done = sum(sizes), 0
    groups: list[list[int]] = []
    current: list[int] = []
    for i, size in enumerate(sizes):
        current.append(i)
        done += size
        if done >= total * (len(groups) + 1) / _WORKERS and len(groups) < _WORKERS - 1:
            groups.append(current)
            current = []
    return [g for g in [*groups, current] if g]


def _limit(ffmpeg: str, source: Path, rate: int, dest: Path, gain_db: float,
           ceiling: float) -> None:
    """`source` (mono float samples) gained by `gain_db` and limited under `ceiling` dBTP,
    written to `dest` at the same rate and length."""
    _limit_many(ffmpeg, [(source, dest)], rate, gain_db, ceiling)


def _limit_many(ffmpeg: str, jobs: Sequence[tuple[Path, Path]], rate: int, gain_db: float,
                ceiling: float) -> None:
    """`_limit` for each (source, dest) of `jobs`, in one ffmpeg."""
    chain = ",".join(_limiter_chain(rate, gain_db, ceiling))
    _run_many(ffmpeg, [
        (_raw_input(source, rate), chain, [["-f", "f32le", "-ar", str(rate), "-ac", "1",
                                            str(dest)]])
        for source, dest in jobs
    ], "limit the master")
    # Resampling may leave a sample more or less at the end: the timeline counts samples.
    for source, dest in jobs:
        want = source.stat().st_size
        if dest.stat().st_size != want:
            with dest.open("r+b") as f:
                f.truncate(want)


def _limiter_chain(rate: int, gain_db: float, ceiling: float) -> list[str]:
    return [
        f"volume={gain_db:.4f}dB:precision=float",
        f"aresample={rate * _OVERSAMPLE}",
        _LIMITER.format(limit=_gain(ceiling)),
        f"aresample={rate}",
    ]


def _encode(
    m: _Mastering, chunks: Sequence[_Chunk], gain_db: float, ceiling: float,
    limited: Sequence[Path] | None,
) -> list[_Encoded]:
    """Every chunk mastered at `gain_db` under `ceiling`, encoded and measured: from the
    cache when it holds the chunk, otherwise limited (unless `limited` has it already),
    encoded, decoded and measured, in `_WORKERS` runs at once, and put in the cache."""
    delay, padding = _frame_alignment(m.ffmpeg, m.bitrate, m.channels)
    keys = [
        hashlib.sha256("|".join([
            _CACHE_VERSION, chunk.digest, str(m.rate), f"{gain_db:.4f}", f"{ceiling:.4f}",
            m.bitrate, str(m.channels), f"{delay},{padding}",
        ]).encode()).hexdigest()
        for chunk in chunks
    ]
    found: dict[int, _Encoded] = {}
    for i, key in enumerate(keys):
        mp3, facts = m.cache / f"{key}.mp3", m.cache / f"{key}.json"
        if facts.is_file() and mp3.is_file():
            known = json.loads(facts.read_text(encoding="utf-8"))
            found[i] = _Encoded(key, mp3, known["peak"], np.asarray(known["blocks"], dtype=float))
    missing = [i for i in range(len(chunks)) if i not in found]

    def make(group: list[int]) -> list[_Encoded]:
        made = [m.tmp / f"encoded-{i}.mp3" for i in group]  # a key may come twice
        if limited is None:  # limited and encoded by one ffmpeg
            _encode_chunks(m, [(chunks[i].source(), chunks[i].samples, mp3)
                               for i, mp3 in zip(group, made, strict=True)],
                           delay, padding, (gain_db, ceiling))
        else:
            _encode_chunks(m, [(limited[i], chunks[i].samples, mp3)
                               for i, mp3 in zip(group, made, strict=True)], delay, padding)
        done = []
        for i, mp3, (peak, blocks) in zip(
            group, made, _measure_chunks(m, [(mp3, chunks[i].samples)
                                             for i, mp3 in zip(group, made, strict=True)]),
            strict=True,
        ):
            key = keys[i]
            _replace(mp3, m.cache / f"{key}.mp3")
            _replace_text(m.cache / f"{key}.json", json.dumps(
                {"peak": peak, "blocks": [float(f"{b:.7g}") for b in blocks]}))
            done.append(_Encoded(key, m.cache / f"{key}.mp3", peak, blocks))
        return done

    m.cache.mkdir(parents=True, exist_ok=True)
    groups = [[missing[k] for k in g] for g in _groups([chunks[i].samples for i in missing])]
    for group, done in zip(groups, m.map(make, groups), strict=True):
        found.update(zip(group, done, strict=True))
    return [found[i] for i in range(len(chunks))]


def _encode_chunks(m: _Mastering, jobs: Sequence[tuple[Path, int, Path]], delay: int,
                   padding: int, limit: tuple[float, float] | None = None) -> None:
    """Encode mastered chunks (source, samples, dest: mono float samples at the master's
    rate), in one ffmpeg, to constant-bitrate MP3 frames at 44.1 kHz that decode, on
    their own or run together with the chunks around them, to exactly the chunk's
    samples, in place.

    LAME delays its output by `delay` samples (encoder and decoder together) and pads
    its end to whole frames; so the encoder is given the chunk less its first `delay`
    and last `padding` samples (silence: chunks are cut in pauses), the frames carry no
    Xing/LAME header (a player would trim by it) and no tag. With `limit` (gain and
    ceiling, dB) each chunk is first mastered as `_limit` masters it, in the same ffmpeg.
    """
    commands = []
    for source, samples, dest in jobs:
        length = _frames_length(samples, m.rate)
        chain = ",".join([
            *(_limiter_chain(m.rate, *limit) if limit else []),
            f"aresample={OUTPUT_RATE}",
            f"apad=whole_len={length}",
            f"atrim=start_sample={delay}:end_sample={length - padding}",
        ])
        commands.append((_raw_input(source, m.rate), chain, [[
            "-ar", str(OUTPUT_RATE), "-ac", str(m.channels),
            "-c:a", "libmp3lame", "-b:a", m.bitrate, "-write_xing", "0",
            "-id3v2_version", "0", "-write_id3v1", "0", "-f", "mp3", str(dest),
        ]]))
    _run_many(m.ffmpeg, commands, "encode the MP3")


def _measure_chunks(
    m: _Mastering, jobs: Sequence[tuple[Path, int]]
) -> list[tuple[float, npt.NDArray[np.float64]]]:
    """True peak (linear, at 44.1 kHz) and K-weighted block powers of each encoded chunk
    (MP3, samples at the master's rate) as a player decodes it; one ffmpeg decodes all.

    Loudness is measured on a decode at the master's rate, which holds all the programme
    there is (above it, only codec noise that K-weighting would barely count), in half
    the time.
    """
    files = [(mp3.with_suffix(".44k.f32"), mp3.with_suffix(".heard.f32")) for mp3, _ in jobs]
    _run_many(m.ffmpeg, [
        (["-i", str(mp3)], None, [
            ["-f", "f32le", "-ar", str(OUTPUT_RATE), "-ac", str(m.channels), str(full)],
            ["-f", "f32le", "-ar", str(m.rate), "-ac", str(m.channels), str(heard)],
        ])
        for (mp3, _), (full, heard) in zip(jobs, files, strict=True)
    ], "decode the MP3 to measure it")
    measured = []
    for (_, samples), (full, heard) in zip(jobs, files, strict=True):
        decoded = np.fromfile(full, dtype="<f4").reshape(-1, m.channels)
        want = _frames_length(samples, m.rate)
        if len(decoded) != want:
            raise InfracastError(
                f"the MP3 encoder did not frame a chunk as expected ({len(decoded)} samples "
                f"decoded, {want} encoded): this ffmpeg/LAME pads differently; gapless "
                "chunks need ffmpeg's libmp3lame (LAME 3.100)"
            )
        peak = max(_true_peak(decoded[:, c], OUTPUT_RATE) for c in range(m.channels))
        measured.append((peak, _block_powers(_read_f32(heard, m.channels), m.rate)))
    return measured


def _file_measure(encoded: Sequence[_Encoded]) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) of the chunks run together, from
    what was measured on each as decoded."""
    loudness = _gated(np.concatenate([e.blocks for e in encoded]))
    if loudness is None:
        raise InfracastError("the encoded episode is silent: check the rendered clips")
    peak = max(e.peak for e in encoded)
    return loudness, 20 * math.log10(peak) if peak > 0 else -math.inf


def _read_f32(path: Path, channels: int = 1) -> npt.NDArray[np.float32]:
    """Float samples from `path`: (samples,) for mono, (samples, channels) otherwise."""
    x = np.fromfile(path, dtype="<f4")
    return x if channels == 1 else x.reshape(-1, channels)


def _loudness(x: npt.NDArray[np.float32], rate: int) -> float | None:
    """Integrated loudness of `x` (samples, or samples × channels) in LUFS, as pyloudnorm
    measures it (BS.1770-4); None when silent or under 400 ms."""
    return _gated(_block_powers(x, rate))


def _block_powers(x: npt.NDArray[np.float32], rate: int) -> npt.NDArray[np.float64]:
    """The K-weighted mean square of each 400 ms block of `x` (samples, or samples ×
    channels; blocks 100 ms apart, channels summed), as pyloudnorm's Meter computes them
    (its filters, its block bounds); none when `x` is under 400 ms.

    The Meter itself loops over the blocks in Python and holds a copy and two float64
    filter outputs of its input (some 400 MB for ten minutes at 22.05 kHz); this filters
    a stretch at a time, carrying the filters' state across, and takes each block's sum
    from running sums of squares: the same figures, ten times faster, in a few MB.
    """
    hop = round(0.1 * rate)
    n = len(x)
    if n <= 4 * hop:
        return np.zeros(0)
    frames = x.reshape(n, -1)
    count = int(np.round((n / rate - 0.4) / 0.1)) + 1  # the Meter's count and bounds
    j = np.arange(count)
    lo = np.minimum((0.4 * (j * 0.25) * rate).astype(np.int64), n)
    hi = np.minimum((0.4 * (j * 0.25 + 1) * rate).astype(np.int64), n)
    bounds = np.union1d(lo, hi)
    running = np.zeros(len(bounds))  # sum of squares before each bound, channels summed
    filters = list(pyloudnorm.Meter(rate)._filters.values())
    for channel in range(frames.shape[1]):
        state = [np.zeros(max(len(f.a), len(f.b)) - 1) for f in filters]
        carry = 0.0
        for start in range(0, n, _MEASURE_CHUNK):
            stop = min(n, start + _MEASURE_CHUNK)
            y = np.asarray(frames[start:stop, channel], dtype=np.float64)
            for k, f in enumerate(filters):
                y, state[k] = lfilter(f.b, f.a, y, zi=state[k])
                y *= f.passband_gain
            sums = np.cumsum(np.square(y))
            inside = (bounds > start) & (bounds <= stop)
            running[inside] += carry + sums[bounds[inside] - start - 1]
            carry += float(sums[-1])
    at = np.searchsorted(bounds, lo), np.searchsorted(bounds, hi)
    return np.maximum(running[at[1]] - running[at[0]], 0.0) / (0.4 * rate)


def _gated(power: npt.NDArray[np.float64]) -> float | None:
    """BS.1770's gated integral over block powers: the blocks over −70 LUFS, then those
    over 10 LU under their mean; None when no block is audible."""
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10 * np.log10(power)
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
    heard = _round_trip(ffmpeg, tone, bitrate, channels)
    middle = slice(OUTPUT_RATE // 2, 3 * OUTPUT_RATE // 2)
    # Power summed over the channels, as BS.1770 sums them.
    ratio = np.square(heard[middle]).mean(axis=0).sum() / np.mean(np.square(tone[middle]))
    return 10 * math.log10(float(ratio))


@lru_cache(maxsize=8)
def _frame_alignment(ffmpeg: str, bitrate: str, channels: int) -> tuple[int, int]:
    """How LAME frames what it encodes, found once on an impulse: encoding whole frames
    decodes to one frame more, the audio delayed by the first number of samples and
    followed by the second (1105 and 47 with ffmpeg 5.1 and LAME 3.100)."""
    n = 16 * _FRAME
    impulse = np.zeros(n, dtype=np.float32)
    impulse[n // 2] = 0.5
    heard = _round_trip(ffmpeg, impulse, bitrate, channels)
    delay = int(np.argmax(np.abs(heard[:, 0]))) - n // 2
    if len(heard) != n + _FRAME or not 0 <= delay <= _FRAME:
        raise InfracastError(
            f"this ffmpeg's MP3 encoder frames audio in a way infracast does not know "
            f"({n} samples decode to {len(heard)}, delayed by {delay}): gapless chunks "
            "need ffmpeg's libmp3lame (LAME 3.100)"
        )
    return delay, _FRAME - delay


def _round_trip(ffmpeg: str, x: Audio, bitrate: str, channels: int) -> Samples:
    """`x` (mono, 44.1 kHz) encoded as the chunks are, with no Xing header, and decoded."""
    with tempfile.TemporaryDirectory(prefix="infracast-codec-") as tmp:
        pcm, mp3, decoded = (Path(tmp) / name for name in ("in.f32", "out.mp3", "out.f32"))
        x.tofile(pcm)
        _run([
            ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "f32le", "-ar", str(OUTPUT_RATE), "-ac", "1", "-i", str(pcm),
            "-ac", str(channels), "-c:a", "libmp3lame", "-b:a", bitrate, "-write_xing", "0",
            "-id3v2_version", "0", "-write_id3v1", "0", "-f", "mp3", str(mp3),
        ], "encode the MP3")
        _run([
            ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-i", str(mp3),
            "-f", "f32le", "-ac", str(channels), str(decoded),
        ], "decode the MP3 to measure it")
        return np.fromfile(decoded, dtype="<f4").reshape(-1, channels)


def _replace(made: Path, dest: Path) -> None:
    """Move `made` to `dest` in one step, through a uniquely named file beside `dest`
    (another assembly may be writing the same entry: either one's is right)."""
    part = dest.with_name(f"{dest.name}.{uuid.uuid4().hex}.tmp")
    shutil.copyfile(made, part)
    os.replace(part, dest)


def _replace_text(dest: Path, text: str) -> None:
    part = dest.with_name(f"{dest.name}.{uuid.uuid4().hex}.tmp")
    part.write_text(text, encoding="utf-8")
    os.replace(part, dest)


def _raw_input(path: Path, rate: int) -> list[str]:
    return ["-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", str(path)]


def _run_many(
    ffmpeg: str, jobs: Sequence[tuple[list[str], str | None, list[list[str]]]], doing: str
) -> None:
    """Several jobs in one ffmpeg (a process costs as much to start as a few seconds of
    audio cost to limit): each is the options of its input, the filter chain it goes
    through (None: none; then it may have several outputs) and its outputs' options."""
    inputs, graph, outputs = [], [], []
    for i, (given, chain, outs) in enumerate(jobs):
        inputs += given
        if chain is not None:
            graph.append(f"[{i}:a]{chain}[out{i}]")
        for out in outs:
            outputs += ["-map", f"[out{i}]" if chain is not None else f"{i}:a", *out]
    _run([
        ffmpeg, "-hide_banner", "-loglevel", "error", "-y", *inputs,
        *(["-filter_complex", ";".join(graph)] if graph else []), *outputs,
    ], doing)


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
