"""The programme before mastering: every line's clip loaded, trimmed and levelled per
host, laid out with pauses and stingers, and cut in pauses into chunks.

What it writes is mono float samples at the highest rate among the clips; with it
come the timeline (where every line and segment sits, at 44.1 kHz, each chunk
padded to whole MP3 frames) and the chunk boundaries `speech.mastering` works on.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydub import AudioSegment
from pydub.exceptions import CouldntDecodeError
from scipy.signal import resample_poly  # type: ignore[import-untyped]

from pipeline.errors import InfracastError
from pipeline.models import Line, Script, TimedLine, TimedSegment, Timeline
from pipeline.speech.encoder import OUTPUT_RATE, frames_length
from pipeline.speech.loudness import TARGET_LUFS, db_to_linear, integrated_loudness
from pipeline.speech.stingers import StingKind, sting

Audio = npt.NDArray[np.float32]

_STING_UNDER_SPEECH = 6.0  # LU
_TRIM_BELOW_PEAK = 45.0  # dB under a clip's peak counts as the engine's silence
_TRIM_KEEP = 0.02  # seconds kept around speech, so soft onsets and tails survive
_HOST_HINT_WITHIN = 0.5  # dB between a host's hinted and measured gain for the hint to hold
_CHUNK_MIN, _CHUNK_MAX = 30.0, 60.0  # seconds: how long a chunk grows before it is cut

_LEAD_IN = 0.3
_AFTER_STING = 0.5
_BEFORE_STING = 0.7
_END = 0.3
_GAP_AFTER_QUESTION = 0.25
_GAP_SHORT = 0.3  # before a reaction, or one speaker going on
_GAP_TURN = 0.45
_GAP_TOPIC = 0.7
_TOPIC_MOVES = frozenset({"transition", "recap", "outro"})


def write_program(
    script: Script,
    clips: Mapping[str, Path],
    dest: Path,
    host_gains: Mapping[str, float] | None,
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
    segments = dict(
        zip(
            [line.id for line in script.lines],
            pool.map(lambda line: _read(line, clips), script.lines),
            strict=True,
        )
    )
    rate = max(s.frame_rate for s in segments.values())
    voices = dict(
        zip(
            segments,
            pool.map(
                lambda s: _trim(_resample(_samples(s), s.frame_rate, rate), rate), segments.values()
            ),
            strict=True,
        )
    )
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
    script: Script,
    voices: Mapping[str, Audio],
    rate: int,
    hint: Mapping[str, float] | None,
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
        return integrated_loudness(speech, rate)

    speakers = sorted({line.speaker for line in script.lines})
    gains: dict[str, float] = {}
    for speaker, loudness in zip(speakers, pool.map(loudness_of, speakers), strict=True):
        # Too little speech to measure (under 0.4 s) is left as it is.
        db = 0.0 if loudness is None else TARGET_LUFS - loudness
        if hint is not None and speaker in hint and abs(hint[speaker] - db) <= _HOST_HINT_WITHIN:
            db = hint[speaker]
        gains[speaker] = round(db, 4)
    for line in script.lines:
        voices[line.id] *= np.float32(db_to_linear(gains[line.speaker]))
    return gains


def _stings(rate: int) -> dict[StingKind, Audio]:
    kinds: tuple[StingKind, ...] = ("open", "break", "close")
    stings: dict[StingKind, Audio] = {}
    for kind in kinds:
        x = _samples(sting(kind, rate))
        loudness = integrated_loudness(x, rate)
        gain = (
            1.0 if loudness is None else db_to_linear(TARGET_LUFS - _STING_UNDER_SPEECH - loudness)
        )
        stings[kind] = x * np.float32(gain)
    return stings


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
    chunk_starts = np.concatenate(
        [[0], np.cumsum([frames_length(hi - lo, rate) for lo, hi in itertools.pairwise(bounds)])]
    )

    def seconds(samples: int) -> float:
        k = min(int(np.searchsorted(bounds, samples, side="right")) - 1, len(bounds) - 2)
        return round(float(chunk_starts[k]) / OUTPUT_RATE + (int(samples) - bounds[k]) / rate, 4)

    timed = [
        TimedLine(
            line_id=line.id,
            speaker=line.speaker,
            segment=line.segment,
            start=seconds(offsets[k]),
            end=seconds(offsets[k + 1]),
        )
        for line, k in placed
    ]
    duration = round(float(chunk_starts[-1]) / OUTPUT_RATE, 4)
    segment_starts = {segment: seconds(offsets[k]) for segment, k in starts.items()}
    segment_starts[script.lines[0].segment] = 0.0
    return (
        layout.pieces,
        Timeline(
            duration=duration, lines=timed, segments=_segments(script, segment_starts, duration)
        ),
        bounds,
    )


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
