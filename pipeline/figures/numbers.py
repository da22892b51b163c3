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
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import NamedTuple

from pipeline.figures import roles, units
from pipeline.figures.models import FigureKind


@dataclass(frozen=True)
class Mention:
    """One number in a text; `start`/`end` cover qualifier to unit (and `per`).

    `unit` is a normalised unit ("kW", "USD", "%", "x", "" for PUE), a counted
    noun in the singular ("GPU"), or None for a bare number. Years have
    `is_year` set and no unit.
    """

    start: int
    end: int
    text: str
    low: float
    high: float
    unit: str | None
    kind: FigureKind | None
    per: str | None
    qualifier: str | None
    is_year: bool


_ONES = "one|two|three|four|five|six|seven|eight|nine"
_TEENS = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_BELOW100 = rf"(?:(?:{_TENS})(?:[\s-](?:{_ONES})\b)?|{_TEENS}|{_ONES}|zero)"
_BELOW1000 = (rf"(?:(?:a|{_ONES})\s+hundred(?:\s+(?:and\s+)?{_BELOW100})?"
              rf"|(?:a|{_ONES})\s+dozen|{_BELOW100})")
_SMALL = {w: i for i, w in enumerate(["zero", *_ONES.split("|"), *_TEENS.split("|")])}
_SMALL |= {w: 20 + 10 * i for i, w in enumerate(_TENS.split("|"))}
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
           "k": 1e3, "m": 1e6, "mn": 1e6, "mln": 1e6, "b": 1e9, "bn": 1e9, "bln": 1e9,
           "t": 1e12, "tn": 1e12}
_MONTH = (r"(?-i:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|"
          r"Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_YEAR = r"(?:19|20)\d\d"

ATOM = re.compile(
    r"(?P<d>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    rf"|(?P<w>\b{_BELOW1000}(?:\b|(?=fold\b)))"
    r"|(?P<a>(?<!\bhalf\s)(?<!\bof\s)\ban?(?:\s+single)?(?=\s+(?:thousand|million|billion|trillion|"
    r"(?:kilo|mega|giga|tera)watt)))",
    re.I)
DATES = re.compile(
    rf"\b(?:{_MONTH}\s+(?:\d{{1,2}}(?:st|nd|rd|th)?(?:\s?[-–]\s?\d{{1,2}}(?:st|nd|rd|th)?)?,?\s+)?|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\s+"
    rf"|(?:Q[1-4]|[HS][12]|[12]H)\s?(?:FY\s?)?|(?:mid|early|late|end|pre|post)[\s-]|fiscal\s+)"
    rf"(?P<y>{_YEAR})\b"
    rf"|\b(?:FY|CY)\s?'?(?P<fy>{_YEAR}|\d\d)\b"
    rf"|\b(?P<iso>{_YEAR})[-/](?:0?[1-9]|1[0-2])[-/]\d\d?\b"
    rf"|\b\d\d?/\d\d?/(?P<us>{_YEAR})\b"
    rf"|\b(?P<r1>{_YEAR})\s?[-–/]\s?(?P<r2>\d\d|{_YEAR})\b(?![-–/.,]?\d)"
    r"|\b(?P<dec>(?:19|20)\d0)s\b"
    rf"|\b{_MONTH}\s+\d\d?(?:st|nd|rd|th)?\b(?!,?\s*\d)"
    rf"|\b\d\d?(?:st|nd|rd|th)?\s+{_MONTH}(?![A-Za-z])(?!,?\s*\d)", re.I)
SKIPS = re.compile(
    # an address starts where a run of non-spaces starts: tried at every character of a
    # long run, "\S+@" is quadratic ("[[[[…" stalled extraction)
    r"https?://\S+|(?<!\S)[^\s@]+@\S+\.\w+"
    r"|\+\d{1,3}(?:[\s.-]\(?\d{1,4}\)?){2,5}|\(\d{3}\)\s?\d{3}[-.]\d{4}"
    r"|\b\d{3}[-.]\d{3}[-.]\d{4}\b|\b\d{3}-\d{4}\b"
    r"|\b\d+(?:\.\d+){2,}\b|\b\d+[/:]\d+\b"
    r"|\b\d+(?:st|nd|rd|th)\b|\[\d{1,3}\]|\^\d+|\(\d{1,2}\)|[#№]\d+"
    r"|(?m:^[ \t]*\d{1,3}[.)](?=\s|\Z))"
    rf"|(?i:\b{_BELOW100}\s+and\s+a\s+half\s+times\b)"  # a spelled multiple
    r"|(?i:\b(?:one|\d+)\s+(?:in|out\s+of)\s+"
    r"(?:two|three|four|five|six|seven|eight|nine|ten|(?!(?:19|20)\d\d\b)\d+)\b)")

QUALIFIER = re.compile(
    r"(?:\b(about|around|roughly|approximately|approx\.|nearly|almost|up\s+to|over|more\s+than|"
    r"at\s+least|at\s+most|under|less\s+than|fewer\s+than|below|above|close\s+to|"
    r"as\s+much\s+as|as\s+many\s+as|as\s+few\s+as|as\s+little\s+as|upwards\s+of|"
    r"in\s+excess\s+of|some|an\s+estimated|circa|just\s+over|just\s+under|well\s+over|"
    r"well\s+under|north\s+of|greater\s+than|no\s+more\s+than|exceed(?:s|ed|ing)?)|(~|≈|[<>≤≥⩽⩾]=?))\s*\Z",
    re.I)
CURRENCY_BEFORE = re.compile(r"(US\$|\$|€|£|\b(?:USD|EUR|GBP)\s?)\Z", re.I)
CURRENCY_AFTER = re.compile(r"\s+(US dollars|dollars|euros|USD|EUR|GBP|cents?)\b", re.I)
SCALE_WORD = re.compile(r"[\s-]+(thousand|million|billion|trillion|bn|mn|tn|bln|mln)\b", re.I)
SCALE_GLUED = re.compile(r"(bn|mn|tn|bln|mln|[kKmMbBT])(?![A-Za-z0-9])")
RANGE_SEP = re.compile(r"\s*(?:(to|through|and|or)\s+|[-–—]\s*)(?P<cur>US\$|\$|€|£)?", re.I)
PERCENT = re.compile(r"\s?(%|percent\b|per\s?cent\b|pct\b)|\s(percentage points?|pp)\b", re.I)
RATIO = re.compile(r"\s?×|[xX](?![A-Za-z0-9])|\s+times\b|[\s-]?fold\b", re.I)
PUE_AFTER = re.compile(r"\s+PUEs?\b")
PUE_BEFORE = re.compile(
    r"\b(?:PUEs?|(?i:power usage effectiveness))(?:[\s,:=()]+[\w.’']+){0,4}?[\s,:=()]*\Z")
PUE_JUST_BEFORE = re.compile(r"\bPUEs?(?:\s+(?:of|is|was|at|to))?[\s:=]*\Z")
_UNIT_PART = r"(?:[^\W\d_²³]+(?:[²³]|\^?-?\d)?)"
_DENOMINATOR = rf"{_UNIT_PART}(?:\s?[·⋅*/]\s?{_UNIT_PART})*"
COMPOUND_UNIT = re.compile(  # "kJ/m³·K", "kW/rack", "L/kWh": read by units.compound
    rf"[\s-]?({_UNIT_PART}(?:\s?[·⋅*]\s?{_UNIT_PART})*\s?/\s?"
    rf"(?:\({_DENOMINATOR}\)|{_DENOMINATOR}))(?![\w²³])")
UNIT_TOKEN = re.compile(r"[\s-]?(°\s?[CF]\b|º[CF]\b|degrees\s+(?:C|F|Celsius|Fahrenheit)\b"
                        r"|[A-Za-z]+(?:[\s-]hours?\b)?)")
HYPHEN_NOUN = re.compile(r"-([A-Za-z]{2,})\b")
HYPHEN_CODE = re.compile(r"-(?:[A-Za-z]\b|[A-Za-z]*\d)")  # "10-K", "8-K", "3-A1"
# "U.S." is one word; quotes around a word are not part of it: "four 'pods,'"
NEXT_WORD = re.compile(r"\s+[‘'\"“]?((?:[A-Z]\.){2,}|[A-Za-z](?:[\w’'-]*\w)?)")
PER = re.compile(r"(?:\s*/\s*|\s+per[\s-]+(?:an?\s+|each\s+)?|\s+(?:an?|each|every)\s+"
                 r"(?=(?:year|month|week|day|hour|quarter|(?:kilo|mega|giga)watt)\b|"
                 r"[A-Za-z]+(?:[,.;:)]|\s*\Z)))([A-Za-z][A-Za-z-]*(?:[²³]|\^\d)?)"
                 r"(?![\w-]|\s+(?:ago|earlier|before|later|prior)\b)"  # "25 a year ago"
                 r"|\s+(annually|yearly|per annum)\b", re.I)
PLUS = re.compile(r"\+(?!\d)")
PLUS_WORD = re.compile(r"[-‑]plus\b(?![-‑]?\s*\d)", re.I)  # "100,000-plus GPUs"
PREV_WORD = re.compile(r"([A-Za-z][\w.’'-]*)\s+\Z")
BETWEEN = re.compile(r"\bbetween\s+\Z", re.I)
FROM = re.compile(r"(\w+)\W*\s+from\s+\Z", re.I)  # "rose from", "7% from"
MULTIPLE = re.compile(
    r"\b(doubl|tripl|quadrupl)(?:e|ed|es|ing)\b(?![-‑‐]|\s+(?:down|check|counting|counted|"
    r"digits?|whammy|click|duty|shift)\b)", re.I)
MULTIPLES = {"doubl": 2.0, "tripl": 3.0, "quadrupl": 4.0}
# "about twice as much electricity as", "twice the load"; "Eleven and a half times"
TWICE = re.compile(r"\b(twice)(?=\s+(?:as|the)\b)", re.I)
AND_A_HALF = re.compile(rf"\b({_BELOW100})\s+and\s+a\s+half\s+times\b", re.I)
BY = re.compile(r"\bby\s+\Z", re.I)
JOINED = re.compile(r"\s+(?:and|or)\s+|\s*(?:→|->|⟶|⇒|=>)\s*|\s+(to)\s+", re.I)  # "4.4 → 12%"
TIMES_A_NUMBER = re.compile(r"\s?[×xX]\s?(?=\d)")  # "8 × 700 W": an operand, not a ratio
MEASURE = re.compile(  # units of no ledger kind: the number measures length, area, mass …
    r"[\s-]((?:sq\.?|square|cubic)\s+(?:ft|feet|foot|metres?|meters?|m|km|miles?)"
    r"|acres?|hectares?|(?i:(?:exa|peta|tera|giga|[EPTG])?flop/?s)"
    r"|[KMGTP]i?B|[kMGT]bps|(?:kilo|mega|giga|tera|peta)bytes?|kg|kilograms?|(?:metric\s+)?(?:tonnes?|tons?)"
    r"|lbs?|kV|V\s?[AD]C|V|volts?|kilovolts?|ft|feet|km|miles?|mm|cm|nm|nanomet(?:er|re)s?"
    r"|litres?|liters?|gallons?"
    r"|(?:kilo)?met(?:re|er)s?|inch(?:es)?|yards?|(?:k?m|ft)[²³]|[kMG]?Hz|dB|decibels?|psi"
    r"|mph|barrels?|[EPTG]?OPS)"
    r"(?![\w²³/])")
PAREN_ACRONYM = re.compile(r"\s*\(\s*[“\"']?([A-Z]{2,}s)[”\"']?\s*\)")  # (“GPUs”)
MODIFIER_ACRONYM = re.compile(r"\s+([A-Z]{2,5})(?=\s+[a-z])")  # "1.2 million GPU cluster"
CHIP_TIMES = re.compile(r"(\s?[×xX])\s?([A-Z][A-Za-z]*\d\w*)")  # "8× H100"
ELIDED = re.compile(r"\b(?:including|of\s+(?:which|them|these|those)|among\s+(?:them|which|these)"
                    r"|another|a\s+further|an\s+additional)\s+\Z", re.I)
THE_OTHER = re.compile(  # "seven new plants will add 5.2 GW to the original three."
    r"\bthe\s+(?:original|other|remaining|existing|first|last|older|previous)\s+\Z", re.I)
ENDS_PHRASE = re.compile(r"\s*(?:[.,;:!?)]|\Z)")
COMPARED = re.compile(  # "35 turbines, far exceeding the 15 permitted", "up from 15"
    r"\b(?:than|from|versus|vs\.?|against|exceed(?:s|ed|ing)?|compared\s+(?:with|to))"
    r"\s+(?:(?:the|its|their|our)\s+)?\Z", re.I)
NUMBER_OF = re.compile(r"\bnumber\s+of\s+((?:[A-Za-z][\w-]*\s+){0,3}?)([A-Za-z][\w-]*s)\b", re.I)
SENTENCE_STOP = re.compile(r"[.!?;]\s")
PARTITIVE = re.compile(r"\s+of\s+(?:(?:the|these|those|its|their|our|all)\s+)?", re.I)
_JOINS_A_COUNT = (rf"\s+(?:with|and|plus|alongside|to|for\s+every|per)\s+"
                  rf"(?=\d|(?:{_ONES}|{_TEENS}|{_TENS})\b)")
PAIRED = re.compile(_JOINS_A_COUNT, re.I)  # "one CPU and two GPUs"
SINGULAR_NOUN = re.compile(rf"(?:\s+[\w-]+){{0,2}}?\s+([A-Za-z][\w-]*)(?={_JOINS_A_COUNT})", re.I)
QUANTITY_BETWEEN = re.compile(r"\s*\d[\d,.]*\s?[A-Za-z]+(?=\s)")  # "three 300 MVA transformers"

TIME_NOUNS = frozenset({"year", "month", "week", "day", "hour", "minute", "quarter", "decade"})
RANGE_VERBS = frozenset({"ranging", "range", "ranges", "ranged", "anywhere", "vary", "varies",
                         "varying", "somewhere"})
YEAR_WORDS = frozenset({"in", "by", "since", "from", "until", "till", "through", "to", "during",
                        "before", "after", "of", "the", "for", "between", "and", "or", "circa",
                        "early", "late", "mid", "end", "around", "as", "at", "on", "against",
                        "versus", "vs", "than",
                        # a year opening a noun phrase: "our 2024 results", "fiscal 2025 capex"
                        "our", "its", "their", "his", "her", "my", "your", "whose", "this",
                        "next", "last", "fiscal", "calendar", "financial"})
VERSION_WORDS = frozenset({"version", "v", "ver", "release", "gen", "generation", "rev",
                           "revision", "model", "series", "tier", "phase", "stage", "step",
                           "page", "chapter", "section", "figure", "fig", "table", "no", "number",
                           "unit", "level", "rank", "class", "type", "scope", "block", "building",
                           "zone", "item", "option", "article", "part", "ch", "p", "pp"})
NOT_COMPOUND = frozenset({"third", "thirds", "quarter", "quarters", "half", "halves", "fifth",
                          "fifths", "phase", "way", "off", "sided", "stop", "tier", "star",
                          # adjectives: "12-high HBM stacks", "a 3-deep queue"
                          "high", "wide", "deep", "long", "tall", "thick", "old", "digit",
                          "point"})
STOP = frozenset({
    "a", "an", "the", "of", "in", "on", "at", "to", "for", "from", "by", "with", "into", "per",
    "over", "under", "than", "as", "across", "about", "between", "through", "during", "before",
    "after", "within", "without", "via", "or", "but", "so", "yet", "nor", "while", "if",
    "because", "when", "where", "whereas", "is", "are", "was", "were", "be", "been", "being",
    "has", "have", "had", "will", "would", "could", "can", "may", "might", "should", "must",
    "do", "does", "did", "it", "its", "their", "they", "them", "we", "he", "she", "his", "her",
    "our", "this", "that", "these", "those", "which", "who", "whom", "what", "more", "less",
    "most", "not", "also", "only", "just", "each", "every", "all", "some", "any", "no",
    "times", "plus", "thus", "perhaps", "always", "sometimes", "percent", "cent", "then",
    "there", "here",
    # verbs ending in -s that often follow a number and would pass for counted nouns
    "draws", "uses", "needs", "costs", "takes", "holds", "consumes", "requires", "supports",
    "runs", "means", "makes", "gives", "shows", "goes", "comes", "seems", "remains", "becomes",
    "includes", "reaches", "hits",
})
FUNCTION_WORDS = STOP | frozenset({
    "about", "around", "nearly", "roughly", "almost", "approximately", "some", "only", "just",
    "all", "another", "both", "up", "down", "even", "still", "total", "i", "you", "my", "your",
    "one", "and"
})
INVARIANT = frozenset({"series", "species", "chassis", "news", "means", "data", "premises"})
SINGULAR_IN_S = frozenset({"gas", "bias", "atlas", "canvas", "alias", "lens", "chaos", "plus"})
"""Nouns that end in "s" in the singular: "natural gas plants" counts plants, not gas."""
IRREGULAR = {"shelves": "shelf", "halves": "half", "lives": "life", "knives": "knife",
             "people": "person", "children": "child", "men": "man", "women": "woman",
             "tranches": "tranche", "niches": "niche", "caches": "cache", "avalanches": "avalanche"}
COMPOUND_NOUNS = frozenset({"data center", "data centre", "power plant", "power station"})
MORE = frozenset({"more", "additional", "extra", "new", "further"})


def find_mentions(text: str) -> list[Mention]:
    """Every number in `text`, in order: quantities, ranges, bare numbers and years."""
    blocked = bytearray(len(text) + 1)
    for m in SKIPS.finditer(text):
        blocked[m.start():m.end()] = b"\x01" * (m.end() - m.start())
    dates = list(DATES.finditer(text))
    mentions = [m for m in map(_date, dates) if m is not None]
    for d in dates:
        blocked[d.start():d.end()] = b"\x01" * (d.end() - d.start())
    pos = 0
    for atom in ATOM.finditer(text):
        if atom.start() < pos or blocked[atom.start()]:
            continue
        mention = _Reader(text, atom).read()
        if mention is not None:
            mentions.append(mention)
            pos = mention.end
    return _shared_rates(text, _elided_nouns(text, sorted(mentions, key=lambda m: m.start)))


BRACKET_CLOSE = re.compile(r"\s*\)")


def _shared_rates(text: str, mentions: list[Mention]) -> list[Mention]:
    """ "12 million euros ($12.50 million) per megawatt": an amount and its equivalent in
    brackets share the rate said after the bracket."""
    for i in range(len(mentions) - 1):
        a, b = mentions[i], mentions[i + 1]
        close = BRACKET_CLOSE.match(text, b.end)
        if (a.per is None and b.per is None and a.kind is not None and a.kind == b.kind
                and close is not None and text[a.end:b.start].strip() == "("):
            rate = _rate_at(text, close.end())
            if rate is not None:
                mentions[i], mentions[i + 1] = replace(a, per=rate[0]), replace(b, per=rate[0])
    return mentions


def _rate_at(text: str, pos: int) -> tuple[str, int] | None:
    """(the `per` unit, where it ends) of a rate said at `pos`: "/rack", " per megawatt",
    " a year", " annually"; None when there is none ("per cent" is not a rate)."""
    per = PER.match(text, pos)
    if per is None or (per.group(1) or "").lower() in ("cent", "the", "a", "an"):
        return None
    return per_unit(per.group(1) or per.group(2)), per.end()


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
        if (count is not None and m.unit is None and not m.is_year and m.low.is_integer()
                and _the_other(text, count, m)):
            mentions[i] = m = Mention(m.start, m.end, m.text, m.low, m.high, count.unit,
                                      "count", m.per, m.qualifier, False)
        if named is not None and named.end() <= m.start:
            whole = _Whole(named.end(), _counted(named), "count", None, math.inf, False)
            named = None
        if (whole is not None and m.unit is None and not m.is_year
                and (whole.kind != "count" or m.low.is_integer()) and _ties(text, whole, m)):
            mentions[i] = m = Mention(m.start, m.end, m.text, m.low, m.high, whole.unit,
                                      whole.kind, m.per or whole.per, m.qualifier, False)
        if not m.is_year:
            whole = (_Whole(m.end, m.unit, m.kind, m.per, m.low, True)
                     if m.unit and m.kind in ("count", "power", "energy") else None)
            if whole is not None and whole.kind == "count":
                count = whole
    return mentions


def _the_other(text: str, count: _Whole, m: Mention) -> bool:
    """Whether a bare number closing its phrase after "the original", "the remaining" … in
    the sentence of a count is more of that count's noun ("… to the original three.")."""
    return (not SENTENCE_STOP.search(text, count.end, m.start)
            and THE_OTHER.search(text, max(0, m.start - 40), m.start) is not None
            and ENDS_PHRASE.match(text, m.end) is not None)


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
        start, qualifier = qual.start(), _qualifier(qual)
    return Mention(start, m.end(), text[start:m.end()], value, value, units.RATIO,
                   "ratio", None, qualifier, False)


def _small_value(words: str) -> float:
    """The value of a spelled number below a hundred: "eleven", "twenty-five"."""
    return float(sum(_SMALL[w] for w in re.split(r"[\s-]+", words.lower())))


def _qualifier(m: re.Match[str]) -> str:
    """A QUALIFIER match as the ledger keeps it: "Up  to" → "up to", "~" as written."""
    return " ".join((m.group(1) or m.group(2)).lower().split())


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
    return Mention(m.start(), m.end(), m.group(0), float(low), float(high), None, None, None,
                   None, True)


def _atom_value(atom: re.Match[str]) -> float:
    if atom.group("d"):
        return float(atom.group("d").replace(",", ""))
    if atom.group("a"):
        return 1.0
    current = 0
    for word in re.split(r"[\s-]+", atom.group(0).lower()):
        if word == "a":
            current = 1
        elif word in ("hundred", "dozen"):
            current = (current or 1) * (100 if word == "hundred" else 12)
        elif word != "and":
            current += _SMALL[word]
    return float(current)


def _is_year_like(atom: re.Match[str], value: float) -> bool:
    digits = atom.group("d")
    return bool(digits) and len(digits) == 4 and 1900 <= value <= 2100


@lru_cache(maxsize=2048)
def physical_unit(token: str) -> str | None:
    """The normalised unit for a power, energy or temperature spelling, else None."""
    try:
        unit = units.normalise_unit(token)
    except ValueError:
        return None
    if unit in ("°C", "°F") or units.kind_of(unit) in ("power", "energy"):
        return unit
    return None


def singular(word: str) -> str:
    """A plural noun in the singular, lower-cased unless it is an acronym ("GPUs" → "GPU")."""
    if word.isalpha() and (word[1:].islower() or word.islower()):
        word = word.lower()
    low = word.lower()
    if low in IRREGULAR:
        return IRREGULAR[low]
    if low in INVARIANT or low in SINGULAR_IN_S or not low.endswith("s"):
        return word
    if low.endswith("ies") and len(low) > 4:
        return word[:-3] + "y"
    if low.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if low.endswith("uses") and low[-5:-4] not in "aeiou":
        return word[:-2]
    return word[:-1]


def is_plural(word: str) -> bool:
    """Whether a word reads as a plural noun: "GPUs", "racks"; not "gas", "status", "its"."""
    low = word.lower()
    if (len(word) > 2 and word.endswith("s") and word[:-1].isupper()) or low in IRREGULAR:
        return True  # "GPUs", "TPUs", "people"
    return (len(low) > 2 and low.endswith("s") and low not in STOP and low not in SINGULAR_IN_S
            and not low.endswith(("ss", "us", "is", "ous", "'s", "’s")))


def _opens_sentence(text: str, at: int) -> bool:
    """Whether the word at `at` opens a sentence, a line or a table cell."""
    before = text[:at].rstrip(" \t\"“(")
    return not before or before[-1] in ".!?:\n|"


def _names_a_version(word: str, opens: bool) -> bool:
    """Whether a capitalised word before a bare number or count is a name the number is
    part of ("Llama 3.1", "Tier 4 facilities"); not a function word ("The"), a possessive
    or contraction ("Meta's 600,000 GPUs", "That's 176 GPUs") or a sentence's opening verb
    or adverb ("Adding 5 GW", "Currently 40 sites")."""
    low = word.lower()
    if low in FUNCTION_WORDS or low.endswith(("'s", "’s")):
        return False
    return not (opens and low.endswith(("ing", "ed", "ly")))


def _is_unit_word(word: str) -> bool:
    """Whether a word is a unit ("MVA", "kW", "ft"), not a noun that could be counted."""
    return physical_unit(word) is not None or MEASURE.fullmatch(" " + word) is not None


def per_unit(word: str) -> str:
    """A denominator as written ("megawatt", "racks", "annum") in its normal form."""
    if word.lower() in ("annum", "annually", "yearly", "yr"):
        return "year"
    return physical_unit(word) or singular(word)


class _Reader:
    """Reads one mention outward from a number: left context, then right context."""

    def __init__(self, text: str, atom: re.Match[str]) -> None:
        self.text, self.atom = text, atom
        self.left = atom.start()
        self.pos = atom.end()
        self.low = self.high = _atom_value(atom)
        self.currency: str | None = None
        self.scale = 1.0
        self.glued_scale = False  # "100k", "3.5m" without a currency: counts a noun or is none
        self.unit: str | None = None
        self.noun = False
        self.per: str | None = None
        self.qualifier: str | None = None
        self.ranged = False
        self.operand = False  # multiplied by the number after it: never a year

    def read(self) -> Mention | None:
        """The mention at this number, or None when it is part of a name or not a number."""
        if not self._read_left() or not self._read_scale():
            return None
        self._read_plus()
        self._read_range()
        if not self.ranged:
            if not self._read_unit():
                return None
            if self.unit is not None:
                self._read_range()
            else:
                self._read_shared_unit()
        self._read_plus()  # "100kW+": after the unit
        if self._is_year():
            return Mention(self.atom.start(), self.atom.end(), self.atom.group(0), self.low,
                           self.high, None, None, None, None, True)
        if not self._accept():
            return None
        if self.per is None:
            self._read_per()
        kind: FigureKind | None = "count" if self.noun else (
            units.kind_of(self.unit) if self.unit is not None else None)
        return Mention(self.left, self.pos, self.text[self.left:self.pos], self.low, self.high,
                       self.unit, kind, self.per, self.qualifier, False)

    def _read_left(self) -> bool:
        text, start = self.text, self.atom.start()
        cur = CURRENCY_BEFORE.search(text[max(0, start - 5):start])
        if cur:
            self.currency = units.normalise_unit(cur.group(1).strip())
            start -= len(cur.group(1))
        prev = text[start - 1] if start else " "
        prev2 = text[start - 2] if start > 1 else " "
        if self.atom.group("d") and (prev.isalnum() or prev in "_^#"
                                     or (prev in "-–‐‑.+" and prev2.isalpha())):
            return False  # "H100", "GPT-4", "NVLink‑5", "growth.3", "N+1"
        self.left = start
        window = text[max(0, start - 30):start]
        qual = QUALIFIER.search(window)
        if qual:
            self.qualifier = _qualifier(qual)
            self.left = start - len(window) + qual.start()
        return True

    def _read_scale(self) -> bool:
        scale = SCALE_WORD.match(self.text, self.pos) or SCALE_GLUED.match(self.text, self.pos)
        if scale is None:
            return True
        suffix = scale.group(1)
        if len(suffix) == 1 and self.currency is None:
            if suffix not in "kKmM" or (suffix in "mM" and not self._counts_after(scale.end())):
                return False  # "405B", "5M", "3.5m": part of a name, or metres
            self.glued_scale = True
        self.scale = _SCALES[suffix.lower()]
        self.low = self.high = self.low * self.scale
        self.pos = scale.end()
        return True

    def _counts_after(self, pos: int) -> bool:
        """Whether a plural noun follows `pos`: "3.5m homes" is millions of homes."""
        nxt = NEXT_WORD.match(self.text, pos)
        return nxt is not None and is_plural(nxt.group(1)) and not _is_unit_word(nxt.group(1))

    def _read_plus(self) -> None:
        plus = PLUS.match(self.text, self.pos)
        if plus:  # "over 100,000+ GPUs": the "+" is read past, the first qualifier kept
            self.qualifier, self.pos = self.qualifier or "+", plus.end()
        elif (word := PLUS_WORD.match(self.text, self.pos)) is not None:
            self.qualifier, self.pos = self.qualifier or "plus", word.end()

    def _read_range(self) -> None:
        sep = RANGE_SEP.match(self.text, self.pos)
        if sep is None or ((sep.group(1) or "").lower() == "and" and not BETWEEN.search(
                self.text[max(0, self.left - 10):self.left])):
            return
        before = FROM.search(self.text[max(0, self.left - 30):self.left])
        if before and before.group(1).lower() not in RANGE_VERBS:
            return  # "rose from 5 kW to 15 kW" is a change, not a range
        second = ATOM.match(self.text, sep.end())
        if second is None or second.group("a"):
            return
        other = _Reader(self.text, second)
        if sep.group("cur"):
            other.currency = units.normalise_unit(sep.group("cur"))
        elif self.currency and not self.unit:
            other.currency = self.currency
        if not other._read_scale():
            return
        other._read_plus()  # "30–120+ kW": the "+" qualifies the range
        if not other._read_unit() or not self._joins(other):
            return
        low = self.low
        if other.scale > 1 and self.scale == 1 and low <= other.low / other.scale:
            low *= other.scale  # "$3 to $4 million"
        if low > other.low or self._change_then_level(sep, low, other.low) or (
                "—" in sep.group(0) and other.low > 10 * low):
            return  # "= 1.40—40% overhead": an em dash between two figures, not a range
        self.low, self.high, self.pos, self.ranged = low, other.low, other.pos, True
        if (sep.group(1) or "").lower() == "and":
            self._take_between()
        self.qualifier = self.qualifier or other.qualifier
        self.scale = max(self.scale, other.scale)
        self.unit, self.noun, self.per = other.unit, other.noun, other.per

    def _take_between(self) -> None:
        """ "between 5 and 15 kW": the mention starts at "between", so it reads the same on
        its own as in its sentence (QA looks for each mention's own spoken words)."""
        found = BETWEEN.search(self.text, max(0, self.left - 10), self.left)
        if found is not None:
            self.left = found.start()

    def _change_then_level(self, sep: re.Match[str], low: float, high: float) -> bool:
        """ "fell by 1,200 to 64,000": a change, then the level it reached, when the second
        is many times the first; "grew by 5 to 10%" stays a range."""
        return ((sep.group(1) or "").lower() == "to" and high > 4 * low
                and BY.search(self.text[max(0, self.left - 10):self.left]) is not None)

    def _read_shared_unit(self) -> None:
        """ "12 and 11%", "4.4 → 12%", "from 5 to 15%": a bare number takes the unit of the
        number joined to it ("to" only after "from"); a year keeps none ("2023 and 40%")."""
        sep = JOINED.match(self.text, self.pos)
        if sep is None or _is_year_like(self.atom, self.low) or (
                sep.group(1) and not FROM.search(self.text, max(0, self.left - 30), self.left)):
            return
        second = ATOM.match(self.text, sep.end())
        if second is None or second.group("a"):
            return
        other = _Reader(self.text, second)
        if other._read_scale() and other._read_unit() and other.unit is not None:
            self.unit, self.noun, self.per = other.unit, other.noun, other.per

    def _joins(self, other: _Reader) -> bool:
        if self.unit is not None and (self.unit, self.noun) != (other.unit, other.noun):
            return False
        if self.currency != other.currency:
            return False
        return _is_year_like(self.atom, self.low) == _is_year_like(other.atom, other.low) or bool(
            other.unit)

    def _read_unit(self) -> bool:
        """Reads the unit or counted noun; False when the number is glued to a name."""
        if self.currency is not None:
            self.unit = self.currency
            return self._not_glued()
        text, pos = self.text, self.pos
        times = TIMES_A_NUMBER.match(text, pos)
        if times:  # "8 × 700 W" counts what the next quantity is per; "4 x 2.5 MW generators"
            self.operand = True
            noun = self._noun_past_quantity(times.end())
            if noun is not None:
                self.unit, self.noun = noun, True
            return True
        if self._read_multiplied_chip():
            return True
        for pattern, unit in ((PERCENT, "%"), (RATIO, units.RATIO), (PUE_AFTER, units.PUE)):
            m = pattern.match(text, pos)
            if m:
                self.unit, self.pos = unit, m.end()
                if unit == "%" and m.group(2):
                    self.unit = units.POINTS
                return True
        money = CURRENCY_AFTER.match(text, pos)
        if money:
            code = money.group(1).lower()
            cents = code.startswith("cent")
            self.unit, self.pos = "USD" if cents else units.normalise_unit(code), money.end()
            if cents:
                self.low, self.high = self.low / 100, self.high / 100
            return True
        if self._read_compound():
            return True
        token = UNIT_TOKEN.match(text, pos)
        symbol = physical_unit(token.group(1)) if token else None
        if token and symbol:
            self.unit, self.pos = symbol, token.end()
            return True
        measure = MEASURE.match(text, pos)
        if measure:  # "50,000 sq ft", "1.1 exaFLOPS": a unit, of no ledger kind
            self.unit, self.pos = " ".join(measure.group(1).split()), measure.end()
            return True
        hyphen = HYPHEN_NOUN.match(text, pos)
        if (hyphen and hyphen.group(1).lower() in NOT_COMPOUND) or HYPHEN_CODE.match(text, pos):
            return False  # "two-thirds", "two-phase", "one-off", "10-K"
        if self._pue_before(PUE_JUST_BEFORE) or self._read_noun(hyphen):
            return True
        if self.glued_scale:
            return False
        if self._pue_before(PUE_BEFORE):
            return True
        return self._not_glued()

    def _read_compound(self) -> bool:
        """A compound unit: a kind with a denominator ("130 kW/rack" is kW per rack, "$/MW"
        money per MW), else the whole quotient as the unit ("1.2 kJ/m³·K"), of no kind."""
        m = COMPOUND_UNIT.match(self.text, self.pos)
        quotient = units.compound(m.group(1)) if m else None
        if m is None or quotient is None:
            return False
        head = quotient.head
        if head is not None and len(quotient.denominator) == 1 and units.kind_of(head):
            self.unit, self.per = head, per_unit(m.group(1).partition("/")[2].strip(" ()"))
        else:
            self.unit = quotient.symbol
        self.pos = m.end()
        return True

    def _not_glued(self) -> bool:
        nxt = self.text[self.pos:self.pos + 1]
        return not (nxt.isalpha() or nxt.isdigit())

    def _read_multiplied_chip(self) -> bool:
        """ "8× H100": a whole number times an accelerator's name counts GPUs."""
        m = CHIP_TIMES.match(self.text, self.pos)
        if m is None or not self.low.is_integer() or not roles.CHIP.match(m.group(2)):
            return False
        self.unit, self.noun, self.pos = "GPU", True, m.end(1)
        return True

    def _read_noun(self, hyphen: re.Match[str] | None) -> bool:
        """The counted noun: a hyphenated one ("32,000-GPU"), else within five words an
        acronym in brackets after the noun ("graphics processing units (GPUs)"), the first
        plural noun ("data centers" kept whole) or an acronym before a noun ("a 1.2 million
        GPU cluster"). "More" and a quantity in between ("three 300 MVA transformers", where
        the count ends at "three") are passed over."""
        if hyphen:
            self.unit, self.noun, self.pos = singular(hyphen.group(1)), True, hyphen.end()
            return True
        pos = self.pos
        while (nxt := NEXT_WORD.match(self.text, pos)) and nxt.group(1).lower() in MORE:
            pos = nxt.end()
        if QUANTITY_BETWEEN.match(self.text, pos):
            noun = self._noun_past_quantity(pos)
            if noun is not None:
                self.unit, self.noun = noun, True
            return noun is not None
        found = self._noun_from(pos)
        if found is None:
            modifier = MODIFIER_ACRONYM.match(self.text, pos)
            found = (modifier.group(1), modifier.end()) if modifier else None
        found = found or self._partitive(pos) or self._paired_singular(pos)
        if found is not None:
            (self.unit, self.pos), self.noun = found, True
        return found is not None

    def _partitive(self, pos: int) -> tuple[str, int] | None:
        """ "3 of 5 sites", "Three of the four hyperscalers": the part counts the noun of the
        whole; the mention still ends at the part, the whole being a mention of its own."""
        of = PARTITIVE.match(self.text, pos)
        whole = ATOM.match(self.text, of.end()) if of else None
        if whole is None or whole.group("a"):
            return None
        other = _Reader(self.text, whole)
        if not (other._read_scale() and other._read_unit() and other.noun and other.unit):
            return None
        return other.unit, self.pos

    def _paired_singular(self, pos: int) -> tuple[str, int] | None:
        """ "one Grace CPU with two B200 GPUs": a 1 counts the singular noun before another
        count joined to it."""
        m = SINGULAR_NOUN.match(self.text, pos) if self.low == 1 else None
        if m is None or any(w.lower() in STOP for w in m.group(0).split()):
            return None
        return singular(m.group(1)), m.end()

    def _noun_past_quantity(self, pos: int) -> str | None:
        """The noun counted past a quantity at `pos` ("300 MVA transformers"), else None."""
        between = QUANTITY_BETWEEN.match(self.text, pos)
        if between is None or not _is_unit_word(between.group(0).split()[-1]):
            return None
        found = self._noun_from(between.end())
        return found[0] if found else None

    def _noun_from(self, pos: int) -> tuple[str, int] | None:
        """(counted noun, where it ends) in the run of up to five words from `pos`, which
        ends at a number word ("one GPU and two CPUs": the "one" does not count CPUs)."""
        plural: tuple[str, int] | None = None
        previous = ""
        for _ in range(5):
            nxt = NEXT_WORD.match(self.text, pos)
            if nxt is None or nxt.group(1).lower() in STOP or nxt.group(1).lower() in _SMALL:
                break
            word = nxt.group(1)
            acronym = PAREN_ACRONYM.match(self.text, nxt.end())
            if acronym and is_plural(word):
                return singular(acronym.group(1)), acronym.end()
            if plural is None and is_plural(word):
                compound = f"{previous.lower()} {singular(word).lower()}"
                plural = (compound if compound in COMPOUND_NOUNS else singular(word), nxt.end())
            previous, pos = word, nxt.end()
        return plural

    def _pue_before(self, pattern: re.Pattern[str]) -> bool:
        if not 1.0 <= self.low <= 3.0 or not pattern.search(
                self.text[max(0, self.left - 60):self.left]):
            return False
        self.unit = units.PUE
        return True

    def _is_one(self) -> bool:
        return self.atom.group(0).lower() in ("one", "zero")

    def _is_year(self) -> bool:
        if not _is_year_like(self.atom, self.low) or self.currency or self.scale > 1:
            return False
        if self.unit is None:
            return not self.operand
        if not self.noun:
            return False
        prev = PREV_WORD.search(self.text[max(0, self.left - 20):self.left])
        word = prev.group(1).lower() if prev else ""
        # "full-year 2024 capex", "Dominion's 2024 IRP projects"
        return word in YEAR_WORDS or word.endswith(("-year", "'s", "’s"))

    def _accept(self) -> bool:
        """Rejects "one hyperscaler", "Llama 3.1", "version 5" and the like."""
        bare = self.unit is None or self.noun
        if self._is_one() and bare and not (
                self.ranged or self.scale > 1 or self.unit in TIME_NOUNS
                or (self.noun and PAIRED.match(self.text, self.pos))):
            return False
        if self.atom.group("w") and self.atom.group(0)[0].isupper() and not _opens_sentence(
                self.text, self.atom.start()):
            return False  # "Three Mile Island"
        if not bare or self.atom.group("w") or self.qualifier or self.currency:
            return True
        prev = PREV_WORD.search(self.text[max(0, self.left - 30):self.left])
        if prev is None:
            return True
        word = prev.group(1)
        if word.lower() in VERSION_WORDS or (self.unit is None and word.lower() == "top"):
            return False  # "version 5", "ranks in the top 10"
        at = max(0, self.left - 30) + prev.start()
        return not (word[0].isupper() and _names_a_version(word, _opens_sentence(self.text, at)))

    def _read_per(self) -> None:
        rate = _rate_at(self.text, self.pos)
        if rate is not None:
            self.per, self.pos = rate
