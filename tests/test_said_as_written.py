"""Every number of every script line is said as written.

For each example and corpus article, the default (extractive) writer makes a
script and the real normaliser says each line.
The spoken words are then read back into numbers by `read_back` below, a
reader of spoken English written for this test (number words → digits, then
`find_mentions`), and every number the line writes must be heard, in order,
with the same low and high values, the same unit where the words say one,
and the same qualifier.

The reader is deliberately not the normaliser run backwards: it knows how
English says numbers ("twenty twenty-five" is a year, "point seven five" are
decimals), not how `spoken` builds them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from pipeline.figures import units
from pipeline.figures.ledger import build_ledger
from pipeline.figures.mention import Mention
from pipeline.figures.models import Ledger
from pipeline.figures.numbers import find_mentions
from pipeline.ingest.markup import parse_markdown
from pipeline.models import Article, Script
from pipeline.script import Host, WriterOptions, writer_named
from pipeline.speech.normalize import spoken, words_for_comparison
from pipeline.transcribe.scoring import figure_words

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = [
    *sorted(ROOT.glob("examples/*.md")),
    ROOT / "tests" / "data" / "short-article.md",
    *sorted(
        p
        for p in (ROOT / "tests" / "data" / "real_articles").rglob("*.md")
        if p.name != "README.md"
    ),
]
OPTIONS = WriterOptions("Infracast", (Host("Lena", "host"), Host("Miles", "analyst")), 5.0)

# --- reading spoken English back into digits ---------------------------------------

ONES = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen".split()
    )
}
TENS = {
    w: 10 * i
    for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)
}
DECADES = {w[:-1] + "ies": v for w, v in TENS.items()}  # "twenties"
SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
NUMBER_WORD = "|".join([*ONES, *TENS, *DECADES, *SCALES, "hundred", "point", "oh"])
RUN = re.compile(rf"\b(?:{NUMBER_WORD})(?:[\s-]+(?:{NUMBER_WORD}))*\b", re.I)
QUARTER = re.compile(r"\bQ (one|two|three|four)\b")
CENTS = re.compile(r"\b(\d+) (dollars?|euros?) and (\d+) cents?\b")
YEAR_SPAN = re.compile(r"\b((?:19|20)\d\d) to (\d\d)\b")
OPEN_TOP = re.compile(r"\b(\d[\d.]*) to more than (?=\d)")  # "30 to more than 120 kW"


def read_back(said: str) -> list[Mention]:
    """The numbers in spoken words, read as `find_mentions` reads written ones."""
    spelled = said.replace("F-Y", "FY").replace("P-U-E", "PUE")  # the lexicon spells both
    spelled = QUARTER.sub(lambda m: f"Q{ONES[m.group(1)]}", spelled)  # "Q two" is "Q2"
    digits = RUN.sub(lambda m: " ".join(_numbers(m.group(0))), spelled)
    digits = CENTS.sub(  # "one dollar and sixty-eight cents" is "1.68 dollars"
        lambda m: f"{m.group(1)}.{int(m.group(3)):02d} {m.group(2).rstrip('s')}s", digits
    )
    digits = YEAR_SPAN.sub(r"\1–\2", digits)  # "twenty twenty-four to twenty-five"
    digits = OPEN_TOP.sub(r"more than \1 to ", digits)  # what "30–120+ kW" says
    return find_mentions(digits)


def _numbers(run: str) -> list[str]:
    """A run of number words as one or more numbers in digits: "one hundred thirty" →
    ["130"], "twenty twenty-five" → ["2025"], "seventy-eight point seven five billion" →
    ["78.75 billion"] (a last scale word stays a word, as people write it)."""
    words = [w.lower() for w in re.split(r"[\s-]+", run) if w]
    out: list[str] = []
    i = 0
    while i < len(words):
        said = _year(words, i) or _number(words, i)
        if said is None:  # "point", "oh", "hundred" on their own
            out.append(words[i])
            i += 1
        else:
            out.append(said[0])
            i = said[1]
    return out


def _year(words: list[str], i: int) -> tuple[str, int] | None:
    """ "nineteen ninety-nine" → "1999", "twenty oh-five" → "2005", "twenty twenties" →
    "2020s"; None when the words at `i` are not a year said in two halves."""
    if words[i] not in ("nineteen", "twenty") or i + 1 >= len(words):
        return None
    century, rest = ONES.get(words[i]) or TENS[words[i]], words[i + 1 :]
    if rest[0] in DECADES:
        return f"{century * 100 + DECADES[rest[0]]}s", i + 2
    if rest[0] == "oh" and len(rest) > 1 and 0 < ONES.get(rest[1], 0) < 10:
        return str(century * 100 + ONES[rest[1]]), i + 3
    if ONES.get(rest[0], 0) >= 10:
        tail, used = ONES[rest[0]], 1
    elif rest[0] in TENS:
        tail, used = TENS[rest[0]], 1
        if len(rest) > 1 and 0 < ONES.get(rest[1], 0) < 10:
            tail, used = tail + ONES[rest[1]], 2
    else:
        return None
    return str(century * 100 + tail), i + 1 + used


def _number(words: list[str], i: int) -> tuple[str, int] | None:
    """A cardinal, its decimals after "point", and a last scale word kept as a word."""
    total = group = 0
    scale = ""
    start = i
    while i < len(words):
        w, below100 = words[i], group % 100
        if w in ONES and (below100 == 0 or (below100 >= 20 and ONES[w] < 10)):
            group += ONES[w]
        elif w in TENS and below100 == 0:
            group += TENS[w]
        elif w == "hundred" and 0 < group < 10:
            group *= 100
        elif w in SCALES and group and (not scale or SCALES[w] < SCALES[scale]):
            total, group, scale = total + group * SCALES[w], 0, w
        else:
            break
        i += 1
    if i == start:
        return None
    value = Decimal(total + group)
    if group:
        scale = ""
    if i + 1 < len(words) and words[i] == "point" and ONES.get(words[i + 1], 10) < 10:
        i += 1
        digits = ""
        while i < len(words) and ONES.get(words[i], 10) < 10:
            digits, i = digits + str(ONES[words[i]]), i + 1
        value += Decimal(f"0.{digits}")
        if i < len(words) and words[i] in SCALES:
            value, scale, i = value * SCALES[words[i]], words[i], i + 1
    if scale:
        return f"{(value / SCALES[scale]).normalize():f} {scale}", i
    return f"{value.normalize():f}", i


# --- the walk ----------------------------------------------------------------------


@dataclass(frozen=True)
class Miss:
    line: str
    said: str
    mention: str


@cache
def article_of(path: Path) -> Article:
    return parse_markdown(path.read_text(encoding="utf-8"), path.name)


@cache
def ledger_of(path: Path) -> Ledger:
    return build_ledger(article_of(path))


@cache
def episode(path: Path) -> Script:
    return writer_named("extractive").write(article_of(path), ledger_of(path), OPTIONS)


def walk(path: Path) -> tuple[int, int, list[Miss]]:
    """(lines with numbers, numbers, misses) for one article's script."""
    lines = numbers = 0
    misses: list[Miss] = []
    for line in episode(path).lines:
        written = find_mentions(line.text)
        if not written:
            continue
        said = spoken(line.text)
        heard = read_back(said)
        lines += 1
        numbers += len(written)
        cursor = 0
        for mention in written:
            found = next((k for k in range(cursor, len(heard)) if same(mention, heard[k])), None)
            if found is None:
                misses.append(Miss(line.text, said, mention.text))
            else:
                cursor = found + 1
    return lines, numbers, misses


def same(written: Mention, heard: Mention) -> bool:
    """The same value(s), the same unit where the words say one, the same qualifier."""
    if written.is_year != heard.is_year:
        return False
    if not (
        math.isclose(written.low, heard.low, rel_tol=1e-9)
        and math.isclose(written.high, heard.high, rel_tol=1e-9)
    ):
        return False
    if written.is_year:
        return True
    qualifier = SAID_AS.get(written.qualifier or "", written.qualifier)
    unit = said_unit(written)
    return qualifier == heard.qualifier and (unit is None or unit == heard.unit)


SAID_AS = {"+": "more than", "~": "about", "≈": "about"}  # qualifiers written as symbols


def said_unit(m: Mention) -> str | None:
    """The unit the spoken words carry, or None when they carry none to compare: counted
    nouns and PUE are said through the lexicon ("G-P-U's"), bare numbers have none. A
    compound's numerator is what reads back as the unit ("kilojoules per cubic metre
    kelvin" → kJ)."""
    if m.unit is None or m.kind in ("count", "pue"):
        return None
    quotient = units.compound(m.unit)
    return quotient.numerator[0][0] if quotient else m.unit


@pytest.mark.parametrize("path", ARTICLES, ids=[p.stem for p in ARTICLES])
def test_every_number_is_said_as_written(path: Path) -> None:
    _, numbers, misses = walk(path)
    report = "\n".join(f"{m.mention!r} in {m.line!r}\n  said: {m.said!r}" for m in misses)
    assert not misses, f"{len(misses)} of {numbers} numbers not said as written:\n{report}"


def test_the_walk_covers_every_article_and_many_numbers() -> None:
    assert len(ARTICLES) >= 5
    assert sum(walk(p)[1] for p in ARTICLES) >= 100


@pytest.mark.parametrize(
    ("said", "values"),
    [
        ("one hundred thirty kilowatts", [(130, 130, "kW")]),
        ("seventy-eight point seven five billion dollars", [(78.75e9, 78.75e9, "USD")]),
        ("two hundred ninety-five to three hundred billion dollars", [(295e9, 300e9, "USD")]),
        ("one million fifty-one thousand two hundred megawatt-hours", [(1051200, 1051200, "MWh")]),
        ("in twenty twenty-five", [(2025, 2025, None)]),
        ("twenty twenty-four to twenty-five", [(2024, 2025, None)]),
        ("two dollars and fifty cents", [(2.5, 2.5, "USD")]),
        ("one dollar and sixty-eight cents", [(1.68, 1.68, "USD")]),
        ("one to one point two billion dollars", [(1e9, 1.2e9, "USD")]),
        ("thirty to more than one hundred twenty kilowatts", [(30, 120, "kW")]),
    ],
)
def test_the_reader_reads_spoken_numbers(said: str, values: list[tuple[float, float, str]]) -> None:
    assert [(m.low, m.high, m.unit) for m in read_back(said)] == values


@pytest.mark.parametrize("path", ARTICLES, ids=[p.stem for p in ARTICLES])
def test_qa_looks_for_each_number_as_the_line_says_it(path: Path) -> None:
    # QA checks each figure was heard by looking for the mention's own spoken words in
    # what was heard; a line heard perfectly must contain them all.
    missing = [
        (m.text, line.text)
        for line in episode(path).lines
        for m in find_mentions(line.text)
        if not _contains(
            words_for_comparison(line.text),
            figure_words(words_for_comparison(m.text), m.kind == "count"),
        )
    ]
    assert not missing


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))
