"""QA scoring: what was heard of each line against what the line says.

`qa` compares what was heard in each line's time with the line's spoken form
(both normalised the same way, numbers spelled out), flags lines whose word
error rate is above a threshold, and lists the figures not heard as said.
Recogniser artefacts are kept out of the verdicts: a phrase looped back to
back is folded to two copies (`unloop`) and a looping line costs the episode
at most its own length; a short run of words spelt the recogniser's way for
the same sound ("kpex" for "capex") is not an error, but number words always
are; a year said "two thousand twenty four" is "twenty twenty four"; a line
of filler sounds only ("Huh."), which Whisper does not write, is never
flagged.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path
from typing import Any

import jiwer

from pipeline.alignment import TOLERANCE, assign_words
from pipeline.errors import InfracastError
from pipeline.figures.numbers import find_mentions
from pipeline.models import Line, LineQA, QAReport, Script, Timeline, Word
from pipeline.transcribe.backends import DEFAULT_BACKEND
from pipeline.transcribe.hearing import unloop
from pipeline.whisper_convert import PACKAGED_MODEL

THRESHOLD = 0.15

Say = Callable[[str], str]
Normalise = Callable[[str], list[str]]


def normaliser(spoken: Say | None, lexicon: Mapping[str, str] | None) -> Normalise:
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


_TEENS = frozenset(
    "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
)
_TENS = frozenset("twenty thirty forty fifty sixty seventy eighty ninety".split())


def _years(words: list[str]) -> list[str]:
    """ "two thousand (and) twenty four" as "twenty twenty four": a year said either way is
    the same figure, and recognisers write 2024 both ways."""
    out: list[str] = []
    i = 0
    while i < len(words):
        j = i + 2 + (words[i + 2 : i + 3] == ["and"])
        if (
            words[i : i + 2] == ["two", "thousand"]
            and j < len(words)
            and (words[j] in _TEENS or words[j] in _TENS)
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
FUNCTION_WORDS = frozenset(
    """
a an the and or but so if of to in on at by for from with as into than that this these
those it its is are was were be been am do does did has have had will would can could
shall should may might must i you he she we they me him her us them my your our
their his there here what which who how then too also just very
""".split()
)


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
        if sounds_alike(expected[ref[0] : ref[1]], heard[hyp[0] : hyp[1]]):
            errors -= count
        else:
            wrong += [*expected[ref[0] : ref[1]], *heard[hyp[0] : hyp[1]]]
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
                max(c.ref_end_idx - c.ref_start_idx, c.hyp_end_idx - c.hyp_start_idx) for c in run
            )
            regions.append(
                (
                    (run[0].ref_start_idx, run[-1].ref_end_idx),
                    (run[0].hyp_start_idx, run[-1].hyp_end_idx),
                    errors,
                )
            )
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


def qa(
    script: Script,
    timeline: Timeline,
    words: Sequence[Word],
    spoken: Say | Mapping[str, str] | None = None,
    threshold: float = THRESHOLD,
    *,
    lexicon: Mapping[str, str] | None = None,
    tolerance: float = TOLERANCE,
    backend: str = DEFAULT_BACKEND,
    model: str = PACKAGED_MODEL,
) -> QAReport:
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
    norm = normaliser(say, lexicon)
    heard_by_line = assign_words(timeline, words, tolerance)
    lines = {line.id: line for line in script.lines}
    results, errors, reference = [], 0, 0
    for timed in timeline.lines:
        line = lines.get(timed.line_id)
        if line is None:
            raise InfracastError(f"the timeline has line {timed.line_id!r}, the script does not")
        result, score = judge(
            line, rendered.get(line.id, line.text), heard_by_line[timed.line_id], norm, threshold
        )
        # A recogniser's loop on one line ("two thousand dollars" forty times) counts as that
        # line wholly misheard, not as many lines' worth: the line is flagged either way.
        errors += min(score.errors, score.reference)
        reference += score.reference
        results.append(result)
    total = _Score(errors, reference).wer
    return QAReport(
        backend=backend, model=model, threshold=threshold, wer=round(total, 4), lines=results
    )


# Whisper leaves these sounds out of what it writes (it was trained on transcripts that
# drop them), so a line of nothing else ("Huh.") cannot be checked by it: never flagged.
FILLERS = frozenset("huh hmm hm mm mmm uh um uhm er erm ah oh ooh aha mhm uhhuh".split())


def judge(
    line: Line, said: str, words: Sequence[Word], norm: Normalise, threshold: float
) -> tuple[LineQA, _Score]:
    """One line's verdict from the words heard in its time."""
    expected = norm(said)
    heard = norm(" ".join(w.text for w in unloop(words)))
    score = _score(expected, heard)
    missing = [
        m.text
        for m in find_mentions(line.text)
        if not _contains(heard, figure_words(norm(m.text), m.kind == "count"))
    ]
    uncheckable = bool(expected) and all(w in FILLERS for w in expected)
    result = LineQA(
        line_id=line.id,
        expected=" ".join(expected),
        heard=" ".join(heard),
        wer=round(score.wer, 4),
        flagged=not uncheckable and ((score.wer > threshold and not score.slip) or bool(missing)),
        figures_missing=missing,
    )
    return result, score
