"""Loudness and true peak as BS.1770-4 measures them, and the loudness episodes are made to.

Loudness is the gated integral over 400 ms blocks with pyloudnorm's K-weighting
filters and block bounds, computed a stretch at a time so that a long episode
costs a few MB; the true peak is the signal's largest magnitude oversampled 4×.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pyloudnorm
from scipy.signal import firwin, lfilter, resample_poly  # type: ignore[import-untyped]

TARGET_LUFS = -16.0
OVERSAMPLE = 4  # BS.1770-4's true-peak oversampling; the limiter runs at this multiple too
_MEASURE_CHUNK = 1 << 20  # samples the loudness meter filters at once (48 s at 22.05 kHz)


def integrated_loudness(x: npt.NDArray[np.float32], rate: int) -> float | None:
    """Integrated loudness of `x` (samples, or samples × channels) in LUFS, as pyloudnorm
    measures it (BS.1770-4); None when silent or under 400 ms."""
    return gated_loudness(block_powers(x, rate))


def block_powers(x: npt.NDArray[np.float32], rate: int) -> npt.NDArray[np.float64]:
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


def gated_loudness(power: npt.NDArray[np.float64]) -> float | None:
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


def true_peak(x: npt.NDArray[np.float32], rate: int) -> float:
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
        up = resample_poly(piece, OVERSAMPLE, 1, window=_oversampling_filter())
        inside = up[(start - lo) * OVERSAMPLE : (stop - lo) * OVERSAMPLE]
        peak = max(
            peak,
            float(np.abs(inside).max(initial=0.0)),
            float(np.abs(piece[start - lo : stop - lo]).max(initial=0.0)),
        )
    return peak


@lru_cache(maxsize=1)
def _oversampling_filter() -> npt.NDArray[np.float32]:
    # 49 taps, 12 a phase as in BS.1770-4 Annex 2, in float32: a third faster than
    # resample_poly's default and as close to the true peak as the standard asks.
    # (resample_poly scales the taps by the upsampling factor itself.)
    taps = firwin(49, 1 / OVERSAMPLE, window=("kaiser", 5.0))
    return np.asarray(taps, dtype=np.float32)


def db_to_linear(db: float) -> float:
    return float(10 ** (db / 20))
