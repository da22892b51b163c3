"""Stingers: the show's short musical punctuation, generated from tones, never downloaded.

Three motifs on an A major arpeggio (A4 C#5 E5 A5): the opening rises through all
four notes, the break between segments plays the top two, the close falls back
down. Each note is a sine with a quiet triangle an octave up (a soft, bell-like
timbre), a fast fade in and a linear fade to silence, and the notes overlap like
a struck arpeggio. Levels are set by the assembler, which scales a stinger to a
loudness relative to the speech.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydub import AudioSegment
from pydub.generators import Sine, Triangle

StingKind = Literal["open", "break", "close"]

_A4, _CS5, _E5, _A5 = 440.0, 554.37, 659.25, 880.0

# (notes in order, milliseconds between note onsets, milliseconds each note rings)
_MOTIFS: dict[StingKind, tuple[tuple[float, ...], int, int]] = {
    "open": ((_A4, _CS5, _E5, _A5), 110, 900),  # 1.23 s
    "break": ((_E5, _A5), 120, 700),  # 0.82 s
    "close": ((_A5, _E5, _CS5, _A4), 140, 1100),  # 1.52 s
}

_ATTACK_MS = 8  # fast enough to sound struck, slow enough not to click
_TONE_DB = -3.0  # sine plus overtone stays below full scale
_OVERTONE_DB = -17.0  # the triangle an octave up: 14 dB under the sine


def sting(kind: StingKind, rate: int) -> AudioSegment:
    """The stinger `kind` as 16-bit mono audio at `rate` Hz, below full scale.

    Generated once per process for each kind and rate (pydub's generators run
    sample by sample in Python, about 50 ms a motif).
    """
    return _generate(kind, rate)


@lru_cache(maxsize=16)
def _generate(kind: StingKind, rate: int) -> AudioSegment:
    notes, step_ms, ring_ms = _MOTIFS[kind]
    length = step_ms * (len(notes) - 1) + ring_ms
    # −12 dB a note: even four notes at their peaks at once would not clip.
    motif = AudioSegment.silent(duration=length, frame_rate=rate)
    for i, freq in enumerate(notes):
        motif = motif.overlay(_note(freq, ring_ms, rate) - 12.0, position=i * step_ms)
    return motif


def _note(freq: float, ms: int, rate: int) -> AudioSegment:
    tone = Sine(freq, sample_rate=rate).to_audio_segment(duration=ms, volume=_TONE_DB)
    overtone = Triangle(2 * freq, sample_rate=rate).to_audio_segment(
        duration=ms, volume=_OVERTONE_DB
    )
    return tone.overlay(overtone).fade_in(_ATTACK_MS).fade_out(ms - _ATTACK_MS)
