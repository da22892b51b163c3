"""ffmpeg and its MP3 encoder: finding and running ffmpeg, and what LAME does to audio.

Chunks are encoded apart and played together, so how LAME frames audio (its delay
and end padding) and how far it moves the level are measured once per setting on a
test signal, and every chunk plays for whole MP3 frames at `OUTPUT_RATE`.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from pipeline.errors import InfracastError

OUTPUT_RATE = 44100  # the rate every podcast player expects
_FRAME = 1152  # samples of an MP3 frame (MPEG-1 layer III, 44.1 kHz)


def ffmpeg_path() -> str:
    path = shutil.which("ffmpeg")
    if path is None:
        raise InfracastError(
            "ffmpeg is not installed (it encodes the episode's MP3): "
            "install it with `apt-get install ffmpeg` (or your system's package manager)"
        )
    return path


def frames_length(samples: int, rate: int) -> int:
    """Samples at 44.1 kHz that a chunk of `samples` at `rate` plays for: whole MP3 frames,
    the last padded with silence (up to 26 ms, in the pause the chunk ends in)."""
    return -(-samples * OUTPUT_RATE // (rate * _FRAME)) * _FRAME


@lru_cache(maxsize=8)
def codec_gain_db(ffmpeg: str, bitrate: str, channels: int) -> float:
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
def frame_alignment(ffmpeg: str, bitrate: str, channels: int) -> tuple[int, int]:
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


def mp3_frames_output(bitrate: str, channels: int, dest: Path) -> list[str]:
    """ffmpeg output options for the chunks' MP3: constant bitrate, no Xing/LAME header
    and no tag, so frames decode the same alone or run together (the codec-gain
    estimate must encode exactly as the chunks are encoded)."""
    return [
        *("-ac", str(channels), "-c:a", "libmp3lame", "-b:a", bitrate),
        *("-write_xing", "0", "-id3v2_version", "0", "-write_id3v1", "0"),
        *("-f", "mp3", str(dest)),
    ]


def _round_trip(
    ffmpeg: str, x: npt.NDArray[np.float32], bitrate: str, channels: int
) -> npt.NDArray[np.float32]:
    """`x` (mono, 44.1 kHz) encoded as the chunks are, with no Xing header, and decoded."""
    with tempfile.TemporaryDirectory(prefix="infracast-codec-") as tmp:
        pcm, mp3, decoded = (Path(tmp) / name for name in ("in.f32", "out.mp3", "out.f32"))
        x.tofile(pcm)
        _run(
            ffmpeg,
            [*raw_input(pcm, OUTPUT_RATE), *mp3_frames_output(bitrate, channels, mp3)],
            "encode the MP3",
        )
        _run(
            ffmpeg,
            [
                "-i",
                str(mp3),
                "-f",
                "f32le",
                "-ac",
                str(channels),
                str(decoded),
            ],
            "decode the MP3 to measure it",
        )
        return np.fromfile(decoded, dtype="<f4").reshape(-1, channels)


def raw_input(path: Path, rate: int) -> list[str]:
    return ["-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", str(path)]


def run_many(
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
    _run(
        ffmpeg,
        [
            *inputs,
            *(["-filter_complex", ";".join(graph)] if graph else []),
            *outputs,
        ],
        doing,
    )


def _run(ffmpeg: str, arguments: list[str], doing: str) -> None:
    """ffmpeg, quiet but for errors and overwriting its outputs, with `arguments`."""
    command = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", *arguments]
    try:
        done = subprocess.run(command, capture_output=True, check=False)
    except OSError as e:
        raise InfracastError(f"could not run ffmpeg to {doing}: {e}") from e
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        raise InfracastError(
            f"ffmpeg could not {doing}: {said[-1] if said else f'exit {done.returncode}'}"
        )
