"""Mastering: the programme's chunks gained, limited, encoded and measured, and cached.

Each chunk is limited under the ceiling by ffmpeg's `alimiter` at 4× its rate (so
that the peak it holds is the true peak), encoded to gapless MP3 frames and measured
as decoded; the gain is searched for until the chunks together read the target.
Encoded chunks are kept by the digest of their samples and the mastering settings,
so that after an edit only the chunks it touched are made again.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from pipeline.atomic_files import copy_file, write_text
from pipeline.errors import InfracastError
from pipeline.speech.encoder import (
    OUTPUT_RATE,
    codec_gain_db,
    frame_alignment,
    frames_length,
    mp3_frames_output,
    raw_input,
    run_many,
)
from pipeline.speech.loudness import (
    OVERSAMPLE,
    TARGET_LUFS,
    block_powers,
    db_to_linear,
    gated_loudness,
    true_peak,
)

Audio = npt.NDArray[np.float32]

MAX_TRUE_PEAK = -1.0  # dBTP, measured on the encoded file
_CEILING = -2.0  # limiter ceiling, dBTP: MP3 encoding adds up to ~0.5 dB of overshoot

# ffmpeg's look-ahead limiter, run at 4× the master's rate so that what it holds under the
# ceiling is the true peak (BS.1770-4 oversamples 4× too); no auto-levelling, and its
# look-ahead delay compensated, so that the timeline does not move.
_LIMITER = "alimiter=limit={limit:.6f}:attack=5:release=50:level=disabled:latency=1"
_AIM_WITHIN = 0.05  # LU between the limited master and its aim before it is encoded
_LOUDNESS_TOLERANCE = 0.25  # LU between the encoded file and the target before a retry
WORKERS = 2  # ffmpeg processes at once
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
class Mastering:
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


def chunks_of(program: Path, bounds: Sequence[int], pool: ThreadPoolExecutor) -> list[_Chunk]:
    """The programme at `program` cut at `bounds`: each chunk's place and digest."""

    def digest(lo: int, hi: int) -> _Chunk:
        data = _Chunk(program, lo, hi - lo, "").read()
        return _Chunk(program, lo, hi - lo, hashlib.sha256(data.tobytes()).hexdigest())

    return list(pool.map(digest, bounds[:-1], bounds[1:]))


def master_and_encode(
    m: Mastering, chunks: Sequence[_Chunk], gain_hint: float | None
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
    codec = codec_gain_db(m.ffmpeg, m.bitrate, m.channels)
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


def _first_guess(m: Mastering, chunks: Sequence[_Chunk], aim: float, ceiling: float) -> float:
    """Where the gain search over all chunks starts: the gain that brings a sample of the
    chunks (every third) to `aim` less what they read under the whole, searched for on
    them alone. The limiter takes about as much loudness from the sample as from the
    whole, so the search over all chunks then mostly needs one pass, not three, and each
    pass over the sample costs a third of one over all."""
    unity = m.map(lambda c: block_powers(c.read(), m.rate), chunks)
    whole = gated_loudness(np.concatenate(unity))
    if whole is None:
        raise InfracastError("the episode is silent: check the rendered clips")
    # The limiter only ever takes loudness away: the plain gain is the least it can be.
    gain = aim - whole
    sample = _sampled(chunks, unity)
    if len(sample) == len(chunks):
        return gain
    part = gated_loudness(np.concatenate([unity[i] for i in sample]))
    if part is None:
        return gain
    return _search(m, [chunks[i] for i in sample], gain, aim + part - whole, ceiling)[0]


def _sampled(chunks: Sequence[_Chunk], unity: Sequence[npt.NDArray[np.float64]]) -> list[int]:
    """Every third chunk that has audible blocks, or all of them when there are under six."""
    if len(chunks) < 6:
        return list(range(len(chunks)))
    return [i for i in range(1, len(chunks), 3) if gated_loudness(unity[i]) is not None]


def _on_target(loudness: float, peak: float) -> bool:
    return peak <= MAX_TRUE_PEAK and abs(loudness - TARGET_LUFS) <= _LOUDNESS_TOLERANCE


def _search(
    m: Mastering, chunks: Sequence[_Chunk], gain_db: float, aim: float, ceiling: float
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
        _limit_many(
            m.ffmpeg, [(chunks[i].source(), limited[i]) for i in group], m.rate, gain_db, ceiling
        )
        return [block_powers(_read_f32(limited[i]), m.rate) for i in group]

    groups = _groups([c.samples for c in chunks])
    for _ in range(4):
        gain_db = round(gain_db, 4)
        blocks = [b for group in m.map(limit, groups) for b in group]  # in chunk order
        got = gated_loudness(np.concatenate(blocks))
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
    """Indices of `sizes` in `WORKERS` runs of neighbours, of about equal total size: a
    run is one ffmpeg, since starting one costs as much as limiting a few seconds."""
    total, done = sum(sizes), 0
    groups: list[list[int]] = []
    current: list[int] = []
    for i, size in enumerate(sizes):
        current.append(i)
        done += size
        if done >= total * (len(groups) + 1) / WORKERS and len(groups) < WORKERS - 1:
            groups.append(current)
            current = []
    return [g for g in [*groups, current] if g]


def _limit(
    ffmpeg: str, source: Path, rate: int, dest: Path, gain_db: float, ceiling: float
) -> None:
    """`source` (mono float samples) gained by `gain_db` and limited under `ceiling` dBTP,
    written to `dest` at the same rate and length."""
    _limit_many(ffmpeg, [(source, dest)], rate, gain_db, ceiling)


def _limit_many(
    ffmpeg: str, jobs: Sequence[tuple[Path, Path]], rate: int, gain_db: float, ceiling: float
) -> None:
    """`_limit` for each (source, dest) of `jobs`, in one ffmpeg."""
    chain = ",".join(_limiter_chain(rate, gain_db, ceiling))
    run_many(
        ffmpeg,
        [
            (
                raw_input(source, rate),
                chain,
                [["-f", "f32le", "-ar", str(rate), "-ac", "1", str(dest)]],
            )
            for source, dest in jobs
        ],
        "limit the master",
    )
    # Resampling may leave a sample more or less at the end: the timeline counts samples.
    for source, dest in jobs:
        want = source.stat().st_size
        if dest.stat().st_size != want:
            with dest.open("r+b") as f:
                f.truncate(want)


def _limiter_chain(rate: int, gain_db: float, ceiling: float) -> list[str]:
    return [
        f"volume={gain_db:.4f}dB:precision=float",
        f"aresample={rate * OVERSAMPLE}",
        _LIMITER.format(limit=db_to_linear(ceiling)),
        f"aresample={rate}",
    ]


def _encode(
    m: Mastering,
    chunks: Sequence[_Chunk],
    gain_db: float,
    ceiling: float,
    limited: Sequence[Path] | None,
) -> list[_Encoded]:
    """Every chunk mastered at `gain_db` under `ceiling`, encoded and measured: from the
    cache when it holds the chunk, otherwise limited (unless `limited` has it already),
    encoded, decoded and measured, in `WORKERS` runs at once, and put in the cache."""
    delay, padding = frame_alignment(m.ffmpeg, m.bitrate, m.channels)
    keys = [
        hashlib.sha256(
            "|".join(
                [
                    _CACHE_VERSION,
                    chunk.digest,
                    str(m.rate),
                    f"{gain_db:.4f}",
                    f"{ceiling:.4f}",
                    m.bitrate,
                    str(m.channels),
                    f"{delay},{padding}",
                ]
            ).encode()
        ).hexdigest()
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
            _encode_chunks(
                m,
                [
                    (chunks[i].source(), chunks[i].samples, mp3)
                    for i, mp3 in zip(group, made, strict=True)
                ],
                delay,
                padding,
                (gain_db, ceiling),
            )
        else:
            _encode_chunks(
                m,
                [(limited[i], chunks[i].samples, mp3) for i, mp3 in zip(group, made, strict=True)],
                delay,
                padding,
            )
        done = []
        for i, mp3, (peak, blocks) in zip(
            group,
            made,
            _measure_chunks(
                m, [(mp3, chunks[i].samples) for i, mp3 in zip(group, made, strict=True)]
            ),
            strict=True,
        ):
            key = keys[i]
            # Atomic: another assembly may be writing the same entry (either one's is right).
            copy_file(mp3, m.cache / f"{key}.mp3")
            write_text(
                m.cache / f"{key}.json",
                json.dumps({"peak": peak, "blocks": [float(f"{b:.7g}") for b in blocks]}),
            )
            done.append(_Encoded(key, m.cache / f"{key}.mp3", peak, blocks))
        return done

    m.cache.mkdir(parents=True, exist_ok=True)
    groups = [[missing[k] for k in g] for g in _groups([chunks[i].samples for i in missing])]
    for group, done in zip(groups, m.map(make, groups), strict=True):
        found.update(zip(group, done, strict=True))
    return [found[i] for i in range(len(chunks))]


def _encode_chunks(
    m: Mastering,
    jobs: Sequence[tuple[Path, int, Path]],
    delay: int,
    padding: int,
    limit: tuple[float, float] | None = None,
) -> None:
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
        length = frames_length(samples, m.rate)
        chain = ",".join(
            [
                *(_limiter_chain(m.rate, *limit) if limit else []),
                f"aresample={OUTPUT_RATE}",
                f"apad=whole_len={length}",
                f"atrim=start_sample={delay}:end_sample={length - padding}",
            ]
        )
        commands.append(
            (
                raw_input(source, m.rate),
                chain,
                [["-ar", str(OUTPUT_RATE), *mp3_frames_output(m.bitrate, m.channels, dest)]],
            )
        )
    run_many(m.ffmpeg, commands, "encode the MP3")


def _measure_chunks(
    m: Mastering, jobs: Sequence[tuple[Path, int]]
) -> list[tuple[float, npt.NDArray[np.float64]]]:
    """True peak (linear, at 44.1 kHz) and K-weighted block powers of each encoded chunk
    (MP3, samples at the master's rate) as a player decodes it; one ffmpeg decodes all.

    Loudness is measured on a decode at the master's rate, which holds all the programme
    there is (above it, only codec noise that K-weighting would barely count), in half
    the time.
    """
    files = [(mp3.with_suffix(".44k.f32"), mp3.with_suffix(".heard.f32")) for mp3, _ in jobs]
    run_many(
        m.ffmpeg,
        [
            (
                ["-i", str(mp3)],
                None,
                [
                    ["-f", "f32le", "-ar", str(OUTPUT_RATE), "-ac", str(m.channels), str(full)],
                    ["-f", "f32le", "-ar", str(m.rate), "-ac", str(m.channels), str(heard)],
                ],
            )
            for (mp3, _), (full, heard) in zip(jobs, files, strict=True)
        ],
        "decode the MP3 to measure it",
    )
    measured = []
    for (_, samples), (full, heard) in zip(jobs, files, strict=True):
        decoded = np.fromfile(full, dtype="<f4").reshape(-1, m.channels)
        want = frames_length(samples, m.rate)
        if len(decoded) != want:
            raise InfracastError(
                f"the MP3 encoder did not frame a chunk as expected ({len(decoded)} samples "
                f"decoded, {want} encoded): this ffmpeg/LAME pads differently; gapless "
                "chunks need ffmpeg's libmp3lame (LAME 3.100)"
            )
        peak = max(true_peak(decoded[:, c], OUTPUT_RATE) for c in range(m.channels))
        measured.append((peak, block_powers(_read_f32(heard, m.channels), m.rate)))
    return measured


def _file_measure(encoded: Sequence[_Encoded]) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) of the chunks run together, from
    what was measured on each as decoded."""
    loudness = gated_loudness(np.concatenate([e.blocks for e in encoded]))
    if loudness is None:
        raise InfracastError("the encoded episode is silent: check the rendered clips")
    peak = max(e.peak for e in encoded)
    return loudness, 20 * math.log10(peak) if peak > 0 else -math.inf


def _read_f32(path: Path, channels: int = 1) -> npt.NDArray[np.float32]:
    """Float samples from `path`: (samples,) for mono, (samples, channels) otherwise."""
    x = np.fromfile(path, dtype="<f4")
    return x if channels == 1 else x.reshape(-1, channels)


def prune_cache(cache: Path, keep: set[str]) -> None:
    """Remove from `cache` every chunk the latest assembly did not use. The cache is one
    episode's, so what its latest assembly used is all that a next edit can find again."""
    for path in cache.iterdir():
        stale = path.name.split(".", 1)[0] not in keep and path.suffix in (".mp3", ".json")
        if stale or path.suffix == ".tmp":
            path.unlink(missing_ok=True)
