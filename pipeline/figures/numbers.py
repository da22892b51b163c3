"""Every number in a piece of text: quantities, ranges, bare numbers and years, with spans.

`find_mentions` reads digits ("12,500", "1.05"), number words ("seventy-two",
"one hundred and sixty", "a dozen") and what surrounds them: a qualifier before
("about", "up to", "~", "exceeds", "≤") or a "+" after ("100+", "100kW+", "$80B+",
"100,000-plus"),
a currency ("$", "€", "USD"), a scale ("million", "bn", "B"), a range ("5 to
15", "5–15", "between 5 and 15"), a unit ("kW", "%", "x", "times", "PUE"), a
counted noun ("GPUs") and a denominator ("per rack", "a year", "/m²").

Compound units are read with pint (`units.compound`): one of the ledger's
kinds over one denominator is that kind per it ("130 kW/rack" is kW per rack,
"$1.2 million/MW" money per MW); any other quotient is the unit itself, of no
kind ("1.2 kJ/m³·K" → "kJ/(m³·K)"), so it is never taken for energy.

Rules for the ambiguous cases:
- "one" (and "zero") is a number only before a scale, a unit, a percentage or
  a ratio word, in a range ("one or two"), or in a duration ("one-year"):
  "one of the", "no one" and "one hyperscaler" are not numbers. "a"/"an" is 1
  only before a scale word or a watt unit ("a million homes", "a gigawatt").
- A four-digit number from 1900 to 2100 without separators is a year unless a
  currency, unit, scale or percentage makes it a quantity, or it counts a
  plural noun without a year preposition or determiner before it ("2048 GPUs"
  is a count; "in 2025 hyperscalers", "our 2025 plans" and "full-year 2024
  capital expenditures" are years). Dates with a year ("March 2024",
  "2024-05-01", "Q3 2025", "FY2024", "2024-25", "mid-2025", "the 2020s") are
  year mentions; dates without one ("May 1", "9 January") are skipped.
- Durations are counts of their time noun: "seven years" → 7 "year".
- "a single gigawatt" is 1 GW. Multiples in words ("more than doubled", "tripling") are
  read by `spelled_multiples`, not here, so a script line says them as written.
- "N × 700 W" makes N a bare operand (never a year); "8× H100" counts GPUs. "fell by
  1,200 to 64,000" is a change and a level, not a range, when the second is over four
  times the first. In "12 and 11%", "4.4 → 12%" and "from 5 to 15%" the bare number
  takes the unit of the one joined to it. An em dash between a number and one over ten
  times it glues two figures ("= 1.40—40% overhead"); it is not a range.
- Units of no ledger kind ("sq ft", "m²", "exaFLOPS", "kg", "acres", "TB", "kV", "VDC",
  "GHz", "2-nanometer") give the mention their unit and no kind, so the number is never
  taken for a count. A glued "k" ("100k GPUs") is a thousand and a glued "m" ("3.5m
  homes") a million only before a counted noun; other single letters ("405B") only after
  a currency.
- A digit glued to letters ("H100", "NVL72", "80GB", "3nm", "1st") or after a
  word and a hyphen ("GPT-4") is part of a name; so is a number after a
  capitalised word ("Llama 3.1", "Tier 4") or a version word ("version 5", "top 10")
  unless a unit, currency or percentage follows it; a possessive, a contraction or a
  sentence's opening verb or adverb is no name ("Meta's 600,000 GPUs", "That's 176
  GPUs", "Adding 5 GW"). Footnotes ("[3]", "^2",
  "growth.3"), list numbers at the start of a line, phone numbers, dotted
  versions ("3.1.4"), fractions and times ("24/7", "9:30"), proportions ("one
  in five", not "415 in 2024"), fractions in words ("two-thirds"), adjectives
  ("12-high") and form names ("10-K") are skipped.
- A counted noun is the first plural noun within five words, quotes passed over
  ("four 'pods'"; "the four largest
  cloud and platform companies" → "company"), a hyphenated one ("a
  32,000-GPU cluster"), an acronym in brackets after the noun ("graphics
  processing units (GPUs)") or an acronym before a noun ("a 1.2 million GPU
  cluster"); its singular is the unit, a compound kept whole ("data centers" →
  "data center"). "more" and a quantity between ("three 300 MVA transformers")
  are passed over. A part counts the noun of its whole ("3 of 5 sites", "Three of
  the four hyperscalers"; "one of the" stays no number); a 1 joined to another count
  counts its singular noun ("one Grace CPU with two B200 GPUs"). A bare number takes
  the noun, or the power or energy unit, of a quantity before it in its sentence that a
  cue ties it to: a part ("over 4,300 data centers, including nine in Maine"; "of
  which", "another"), a comparison ("35 turbines, far exceeding the 15 permitted", "945
  TWh, up from 415") or a denominator of its own ("176 GPUs per pod, and 576 per
  rack"); so does one after "the number of …" ("the number of hyperscale sites doubled
  to 992"). A count is a whole number. A number with neither a unit nor a noun is bare
  (unit None). "a year ago" is no denominator.

Where the parts live: the patterns and word lists in `figures.number_patterns`, one
mention read outward from its number in `figures.mention_reader`, word forms
(singular, plural, units) in `figures.number_words`; this module finds every mention
and ties bare numbers to the quantities before them.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import NamedTuple

from pipeline.figures import units
from pipeline.figures.mention import Mention
from pipeline.figures.mention_reader import MentionReader, qualifier_of, rate_at
from pipeline.figures.models import FigureKind
from pipeline.figures.number_patterns import (
    AND_A_HALF,
    ATOM,
    BRACKET_CLOSE,
    COMPARED,
    COMPOUND_NOUNS,
    DATES,
    ELIDED,
    ENDS_PHRASE,
    MULTIPLE,
    MULTIPLES,
    NUMBER_OF,
    QUALIFIER,
    SENTENCE_STOP,
    SKIPS,
    SMALL_NUMBERS,
    THE_OTHER,
    TWICE,
)
from pipeline.figures.number_words import singular


def find_mentions(text: str) -> list[Mention]:
    """Every number in `text`, in order: quantities, ranges, bare numbers and years."""
    blocked = bytearray(len(text) + 1)
    for m in SKIPS.finditer(text):
        blocked[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    dates = list(DATES.finditer(text))
    mentions = [m for m in map(_date, dates) if m is not None]
    for d in dates:
        blocked[d.start() : d.end()] = b"\x01" * (d.end() - d.start())
    pos = 0
    for atom in ATOM.finditer(text):
        if atom.start() < pos or blocked[atom.start()]:
            continue
        mention = MentionReader(text, atom).read()
        if mention is not None:
            mentions.append(mention)
            pos = mention.end
    return _shared_rates(text, _elided_nouns(text, sorted(mentions, key=lambda m: m.start)))


def _shared_rates(text: str, mentions: list[Mention]) -> list[Mention]:
    """ "12 million euros ($12.50 million) per megawatt": an amount and its equivalent in
    brackets share the rate said after the bracket."""
    for i in range(len(mentions) - 1):
        a, b = mentions[i], mentions[i + 1]
        close = BRACKET_CLOSE.match(text, b.end)
        if (
            a.per is None
            and b.per is None
            and a.kind is not None
            and a.kind == b.kind
            and close is not None
            and text[a.end : b.start].strip() == "("
        ):
            rate = rate_at(text, close.end())
            if rate is not None:
                mentions[i], mentions[i + 1] = replace(a, per=rate[0]), replace(b, per=rate[0])
    return mentions


class _Whole(NamedTuple):
    """What a later bare number may be a quantity of: a count's noun or a power or energy
    unit said before it, or the noun of a "number of" phrase."""

    end: int
    unit: str
    kind: FigureKind
    per: str | None
    most: float  # a part is no larger than its whole
    cued: bool  # the part needs a cue: "including", "of which", "than", a `per` of its own


def _elided_nouns(text: str, mentions: list[Mention]) -> list[Mention]:
    """A bare number takes the noun or unit of a quantity before it in its sentence that a
    cue ties it to (`_ties`: "35 turbines, far exceeding the 15 permitted", "3 GW by 2027
    and another 2 by 2028"), or the noun of "the number of …" with no number between ("the
    number of hyperscale sites nearly doubled to 992"). A count is a whole number."""
    named = NUMBER_OF.search(text)
    whole: _Whole | None = None
    count: _Whole | None = None  # the last count, for "… to the original three."
    for i, m in enumerate(mentions):
        if (
            count is not None
            and m.unit is None
            and not m.is_year
            and m.low.is_integer()
            and _the_other(text, count, m)
        ):
            mentions[i] = m = replace(m, unit=count.unit, kind="count")
        if named is not None and named.end() <= m.start:
            whole = _Whole(named.end(), _counted(named), "count", None, math.inf, False)
            named = None
        if (
            whole is not None
            and m.unit is None
            and not m.is_year
            and (whole.kind != "count" or m.low.is_integer())
            and _ties(text, whole, m)
        ):
            mentions[i] = m = replace(m, unit=whole.unit, kind=whole.kind, per=m.per or whole.per)
        if not m.is_year:
            whole = (
                _Whole(m.end, m.unit, m.kind, m.per, m.low, True)
                if m.unit and m.kind in ("count", "power", "energy")
                else None
            )
            if whole is not None and whole.kind == "count":
                count = whole
    return mentions


def _the_other(text: str, count: _Whole, m: Mention) -> bool:
    """Whether a bare number closing its phrase after "the original", "the remaining" … in
    the sentence of a count is more of that count's noun ("… to the original three.")."""
    return (
        not SENTENCE_STOP.search(text, count.end, m.start)
        and THE_OTHER.search(text, max(0, m.start - 40), m.start) is not None
        and ENDS_PHRASE.match(text, m.end) is not None
    )


def _ties(text: str, whole: _Whole, m: Mention) -> bool:
    """Whether a cue in the same sentence ties a bare number to the quantity before it: a
    comparison ("35 turbines, far exceeding the 15 permitted", "12 GW, up from 8"), a
    denominator of its own after the quantity's ("176 GPUs per pod, and 576 per rack"), or
    a part no larger than its whole ("over 4,300 data centers, including nine in Maine")."""
    if SENTENCE_STOP.search(text, whole.end, m.start):
        return False
    if not whole.cued:
        return True
    if COMPARED.search(text, whole.end, m.start) or (whole.per and m.per is not None):
        return True
    return m.high <= whole.most and ELIDED.search(text, whole.end, m.start) is not None


def _counted(number_of: re.Match[str]) -> str:
    """The noun of "the number of hyperscale sites" in the singular, a compound kept whole."""
    before = number_of.group(1).split()
    noun = singular(number_of.group(2))
    compound = f"{before[-1].lower()} {noun.lower()}" if before else ""
    return compound if compound in COMPOUND_NOUNS else noun


def spelled_multiples(text: str) -> list[Mention]:
    """Multiples said in words, as ratios with their qualifier: "more than doubled" (2x),
    "roughly tripling" (3x), "quadruples" (4x). Not "double-digit" or "double down".

    Kept out of `find_mentions`, so a script line that says "doubled" is said as written
    and is not a number to trace."""
    found = [(m, MULTIPLES[m.group(1).lower()]) for m in MULTIPLE.finditer(text)]
    found += [(m, 2.0) for m in TWICE.finditer(text)]
    found += [(m, _small_value(m.group(1)) + 0.5) for m in AND_A_HALF.finditer(text)]
    return sorted((_multiple(text, m, value) for m, value in found), key=lambda m: m.start)


def _multiple(text: str, m: re.Match[str], value: float) -> Mention:
    """A spelled multiple as a ratio mention, with the qualifier said before it."""
    start, qualifier = m.start(), None
    qual = QUALIFIER.search(text, max(0, start - 30), start)
    if qual:
        start, qualifier = qual.start(), qualifier_of(qual)
    return Mention(
        start,
        m.end(),
        text[start : m.end()],
        value,
        value,
        units.RATIO,
        "ratio",
        None,
        qualifier,
        False,
    )


def _small_value(words: str) -> float:
    """The value of a spelled number below a hundred: "eleven", "twenty-five"."""
    return float(sum(SMALL_NUMBERS[w] for w in re.split(r"[\s-]+", words.lower())))


def _date(m: re.Match[str]) -> Mention | None:
    """A year mention for a date or year range; None for a date without a year."""
    if m.group("r1"):
        low = int(m.group("r1"))
        end = m.group("r2")
        high = int(end) if len(end) == 4 else low // 100 * 100 + int(end)
        if high <= low:
            return None
    elif m.group("dec"):
        low = int(m.group("dec"))
        high = low + 9
    else:
        year = m.group("y") or m.group("fy") or m.group("iso") or m.group("us")
        if year is None:
            return None
        low = high = int(year) if len(year) == 4 else 2000 + int(year)
    return Mention(
        m.start(), m.end(), m.group(0), float(low), float(high), None, None, None, None, True
    )
