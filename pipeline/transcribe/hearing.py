"""Hearing an episode: the whole file a piece at a time ("episode"), or each line's clip
at its offset ("clips"), in episode time, with recogniser loops folded.

Whisper pads every input to a 30-second window, so a 5-second clip costs as
much encoder work as 30 seconds of episode; the whole episode is also heard no
less accurately (see the package's docstring), so "episode" is the default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from pipeline.errors import InfracastError
from pipeline.models import Word
from pipeline.transcribe.backends import (
    DEFAULT_BACKEND,
    SAMPLE_RATE,
    Heard,
    TranscribeOptions,
    load_audio,
    recogniser_named,
)
from pipeline.whisper_convert import PACKAGED_MODEL

Mode = Literal["episode", "clips"]
DEFAULT_MODE: Mode = "episode"
MAX_REPEATS = 2  # "very, very" is speech; a phrase said a third time in a row is a loop
LONGEST_LOOP = 8  # words in the longest phrase looked for repeating

Clip = tuple[Path, float]  # a line's audio file and its start in the episode, in seconds


def hear(
    audio: np.ndarray,
    offset: float,
    options: TranscribeOptions,
    source: Path,
    heard: Heard | None = None,
) -> list[Word]:
    """Words in episode time: shifted by `offset`, kept inside the audio they came from;
    `heard` is told the episode's seconds heard as the recogniser goes (if it says)."""
    duration = len(audio) / SAMPLE_RATE
    along = None if heard is None else (lambda seconds: heard(offset + min(seconds, duration)))
    try:
        words = unloop(recogniser_named(options.backend).hear(audio, options, along))
    except (RuntimeError, ValueError, MemoryError) as e:
        raise InfracastError(f"{options.backend} failed to transcribe {source}: {e}") from e
    return [
        w.model_copy(
            update={
                "start": offset + min(w.start, duration),
                "end": offset + min(max(w.end, w.start), duration),
            }
        )
        for w in words
    ]


def _key(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def unloop(
    words: Sequence[Word], max_repeats: int = MAX_REPEATS, longest: int = LONGEST_LOOP
) -> list[Word]:
    """Words with any phrase (1 to `longest` words) that repeats back to back more than
    `max_repeats` times cut to `max_repeats` copies: a recogniser stuck in a loop
    ("25. 25. 25. ...") hears the phrase once or twice, not a hundred times."""
    out = list(words)
    for n in range(1, longest + 1):
        keys = [_key(w.text) for w in out]
        keep: list[Word] = []
        i = 0
        while i < len(out):
            phrase = keys[i : i + n]
            copies = 1
            while len(phrase) == n and keys[i + copies * n : i + (copies + 1) * n] == phrase:
                copies += 1
            if copies > max_repeats and any(phrase):
                keep += out[i : i + max_repeats * n]
                i += copies * n
            else:
                keep.append(out[i])
                i += 1
        out = keep
    return out


def _options(backend: str, model: str, extra: Mapping[str, Any]) -> TranscribeOptions:
    options = TranscribeOptions(backend=backend, model=model, **extra)
    options.verify()
    return options


def _file(audio: Path, options: TranscribeOptions) -> list[Word]:
    return hear_whole(load_audio(audio), options, audio)


def hear_whole(
    samples: np.ndarray,
    options: TranscribeOptions,
    source: Path,
    heard: Heard | None = None,
) -> list[Word]:
    """Every word of `samples`, heard a piece at a time (see `pieces`); `heard` is told
    how many seconds are heard as the recogniser goes (faster-whisper: each segment of
    about 5-30 s) and after each piece."""
    words: list[Word] = []
    for start, stop in pieces(samples):
        words += hear(samples[start:stop], start / SAMPLE_RATE, options, source, heard)
        if heard is not None:
            heard(stop / SAMPLE_RATE)
    return words


PIECE = 120.0  # seconds of audio the recogniser is given at once, at most
QUIET_WINDOW = 0.1  # seconds: the stretch whose energy says where the audio is quietest


def pieces(samples: np.ndarray, longest: float = PIECE) -> list[tuple[int, int]]:
    """`samples` cut into pieces of at most `longest` seconds, each cut at the quietest
    tenth of a second in the last quarter of its piece (a pause between lines, in an
    episode): (start, stop) sample indices covering all of it.

    Whisper hears 30-second windows whatever it is given, but it turns the whole input
    into a spectrogram first: 470 MB for ten minutes, the largest allocation of the
    transcribe stage. Two minutes at a time, it is under 100 MB.
    """
    most = round(longest * SAMPLE_RATE)
    window = round(QUIET_WINDOW * SAMPLE_RATE)
    out: list[tuple[int, int]] = []
    start = 0
    while len(samples) - start > most:
        lo = start + most * 3 // 4
        search = samples[lo : start + most]
        summed = np.concatenate(([0.0], np.cumsum(np.square(search, dtype=np.float64))))
        energy = summed[window:] - summed[:-window]  # of each window, by where it starts
        stop = lo + int(np.argmin(energy)) + window // 2
        out.append((start, stop))
        start = stop
    out.append((start, len(samples)))
    return out


def _clips(clips: Sequence[Clip], options: TranscribeOptions) -> list[Word]:
    words: list[Word] = []
    for path, offset in clips:
        words += hear(load_audio(path), offset, options, path)
    return sorted(words, key=lambda w: w.start)


def transcribe(
    audio: Path, backend: str = DEFAULT_BACKEND, model: str = PACKAGED_MODEL, **options: Any
) -> list[Word]:
    """Every word heard in one audio file, with start and end in seconds from its start.

    Keyword options are `TranscribeOptions` fields (data_root, threads, beam_size,
    compute_type, language).
    """
    return _file(audio, _options(backend, model, options))


def transcribe_clips(
    clips: Sequence[Clip],
    backend: str = DEFAULT_BACKEND,
    model: str = PACKAGED_MODEL,
    **options: Any,
) -> list[Word]:
    """Every word heard in each clip, placed at the clip's offset in the episode."""
    return _clips(clips, _options(backend, model, options))


def transcribe_episode(
    audio: Path,
    clips: Sequence[Clip] = (),
    mode: Mode = DEFAULT_MODE,
    options: TranscribeOptions | None = None,
) -> list[Word]:
    """The episode's words in episode time: the whole file in one pass ("episode", the
    default and the faster), or each line's clip at its offset ("clips")."""
    opts = options or TranscribeOptions()
    opts.verify()
    if mode == "clips":
        if not clips:
            raise InfracastError("transcribing clip by clip needs each line's clip and offset")
        return _clips(clips, opts)
    return _file(audio, opts)
