"""Waveform peaks of the mastered episode: what the listen view draws its waveform from.

The render stage computes them once per episode, while it masters (peaks.json), so the
browser never decodes the MP3 to draw it. They come from the programme the mastering
already holds as float samples, placed where the MP3 plays them (each chunk starts on
a whole MP3 frame) and levelled as the mastering levels them: the mastering gain, the
limiter's hold at the file's true peak. What a decode of the MP3 would give differs
only by the codec's noise and the limiter's release (measured in tests/test_peaks.py).

One peak is the largest absolute sample of a bucket of time: 0.1 s, or longer for an
episode of over `MOST_PEAKS` tenths, so peaks.json stays under ~20 kB however long the
episode; peaks are scaled so the loudest is 1 and rounded to three decimals.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from pipeline.speech.encoder import OUTPUT_RATE, frames_length

Audio = npt.NDArray[np.float32]

FINEST = 0.1  # seconds a peak covers, at most
MOST_PEAKS = 3000  # peaks an episode has, at most: enough for a 1500 px wide canvas at 2×


class Peaks(BaseModel):
    """The episode's waveform: the loudest sample of each stretch of `seconds_per_peak`,
    from the start, as a fraction of the loudest of all (peaks.json)."""

    duration: float = Field(description="seconds: the episode's length")
    seconds_per_peak: float = Field(description="seconds of audio each peak covers")
    peaks: list[float] = Field(description="0..1, three decimals; the last may cover less")


class Samples(Protocol):
    """A stretch of the programme: how many samples it has, and a way to read them."""

    @property
    def samples(self) -> int: ...

    def read(self) -> Audio: ...


def seconds_per_peak(duration: float, most: int = MOST_PEAKS) -> float:
    """0.1 s, or the millisecond-rounded share of `duration` that keeps to `most` peaks."""
    return max(FINEST, math.ceil(duration * 1000 / most) / 1000)


def mastered_peaks(
    chunks: Sequence[Samples], rate: int, duration: float, gain_db: float, true_peak_db: float
) -> Peaks:
    """Peaks of the episode as mastered from `chunks` (the programme cut as the mastering
    cut it, samples at `rate`): each chunk starts where the MP3 plays it, on a whole
    frame; samples are gained by `gain_db` and held at `true_peak_db`, the file's true
    peak, which the limiter keeps every sample under."""
    starts = np.cumsum([0] + [frames_length(c.samples, rate) for c in chunks[:-1]])
    pieces = [(float(start) / OUTPUT_RATE, c.read) for start, c in zip(starts, chunks, strict=True)]
    return peaks_of(
        pieces,
        rate,
        duration,
        gain=10 ** (gain_db / 20),
        ceiling=10 ** (true_peak_db / 20) if math.isfinite(true_peak_db) else None,
    )


def peaks_of(
    pieces: Iterable[tuple[float, Callable[[], Audio]]],
    rate: int,
    duration: float,
    *,
    gain: float = 1.0,
    ceiling: float | None = None,
    most: int = MOST_PEAKS,
) -> Peaks:
    """Peaks of audio given as pieces (start in seconds, a reader of its samples at
    `rate`), silence between them: each bucket's largest |sample| × `gain`, held at
    `ceiling`, scaled so the loudest bucket is 1 (all 0 for silence)."""
    step = seconds_per_peak(duration, most)
    count = max(1, math.ceil(round(duration / step, 6)))
    out = np.zeros(count, dtype=np.float64)
    for start, read in pieces:
        x = read()
        n = len(x)
        if n == 0:
            continue
        # The first sample of each bucket the piece spans (a bucket's samples are
        # contiguous), then the loudest sample from each of those to the next.
        first = int(start / step)
        last = int((start + (n - 1) / rate) / step)
        edges = np.ceil((np.arange(first + 1, last + 1) * step - start) * rate).astype(np.int64)
        firsts = np.unique(np.concatenate([[0], edges[(edges > 0) & (edges < n)]]))
        loudest = np.maximum.reduceat(np.abs(x), firsts)
        where = ((start + firsts / rate) / step + 1e-9).astype(np.int64)
        np.maximum.at(out, np.minimum(where, count - 1), loudest)
    out *= gain
    if ceiling is not None:
        np.minimum(out, ceiling, out=out)
    top = float(out.max())
    scaled = out / top if top > 0 else out
    return Peaks(
        duration=round(duration, 3),
        seconds_per_peak=step,
        peaks=[round(float(p), 3) for p in scaled],
    )
