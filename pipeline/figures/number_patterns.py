"""The patterns and word lists numbers are read by (`figures.numbers`): a declarative table.

Number words and their values, dates, what is skipped (footnotes, versions, times),
currencies, scales, ranges, units, denominators and the cues that tie a bare number
to a quantity before it; and the words that are never a counted noun.
"""

from __future__ import annotations

import re

_ONES = "one|two|three|four|five|six|seven|eight|nine"
_TEENS = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_BELOW100 = rf"(?:(?:{TENS})(?:[\s-](?:{_ONES})\b)?|{_TEENS}|{_ONES}|zero)"
_BELOW1000 = (
    rf"(?:(?:a|{_ONES})\s+hundred(?:\s+(?:and\s+)?{_BELOW100})?"
    rf"|(?:a|{_ONES})\s+dozen|{_BELOW100})"
)
SMALL_NUMBERS = {w: i for i, w in enumerate(["zero", *_ONES.split("|"), *_TEENS.split("|")])}
SMALL_NUMBERS |= {w: 20 + 10 * i for i, w in enumerate(TENS.split("|"))}
SCALES = {
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "k": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "bln": 1e9,
    "t": 1e12,
    "tn": 1e12,
}
_MONTH = (
    r"(?-i:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|"
    r"Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_YEAR = r"(?:19|20)\d\d"

ATOM = re.compile(
    r"(?P<d>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    rf"|(?P<w>\b{_BELOW1000}(?:\b|(?=fold\b)))"
    r"|(?P<a>(?<!\bhalf\s)(?<!\bof\s)\ban?(?:\s+single)?(?=\s+(?:thousand|million|billion|trillion|"
    r"(?:kilo|mega|giga|tera)watt)))",
    re.I,
)
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
    rf"|\b\d\d?(?:st|nd|rd|th)?\s+{_MONTH}(?![A-Za-z])(?!,?\s*\d)",
    re.I,
)
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
    r"(?:two|three|four|five|six|seven|eight|nine|ten|(?!(?:19|20)\d\d\b)\d+)\b)"
)

QUALIFIER = re.compile(
    r"(?:\b(about|around|roughly|approximately|approx\.|nearly|almost|up\s+to|over|more\s+than|"
    r"at\s+least|at\s+most|under|less\s+than|fewer\s+than|below|above|close\s+to|"
    r"as\s+much\s+as|as\s+many\s+as|as\s+few\s+as|as\s+little\s+as|upwards\s+of|"
    r"in\s+excess\s+of|some|an\s+estimated|circa|just\s+over|just\s+under|well\s+over|"
    r"well\s+under|north\s+of|greater\s+than|no\s+more\s+than|exceed(?:s|ed|ing)?)|(~|≈|[<>≤≥⩽⩾]=?))\s*\Z",
    re.I,
)
CURRENCY_BEFORE = re.compile(r"(US\$|\$|€|£|\b(?:USD|EUR|GBP)\s?)\Z", re.I)
CURRENCY_AFTER = re.compile(r"\s+(US dollars|dollars|euros|USD|EUR|GBP|cents?)\b", re.I)
SCALE_WORD = re.compile(r"[\s-]+(thousand|million|billion|trillion|bn|mn|tn|bln|mln)\b", re.I)
SCALE_GLUED = re.compile(r"(bn|mn|tn|bln|mln|[kKmMbBT])(?![A-Za-z0-9])")
RANGE_SEP = re.compile(r"\s*(?:(to|through|and|or)\s+|[-–—]\s*)(?P<cur>US\$|\$|€|£)?", re.I)
PERCENT = re.compile(r"\s?(%|percent\b|per\s?cent\b|pct\b)|\s(percentage points?|pp)\b", re.I)
RATIO = re.compile(r"\s?×|[xX](?![A-Za-z0-9])|\s+times\b|[\s-]?fold\b", re.I)
PUE_AFTER = re.compile(r"\s+PUEs?\b")
PUE_BEFORE = re.compile(
    r"\b(?:PUEs?|(?i:power usage effectiveness))(?:[\s,:=()]+[\w.’']+){0,4}?[\s,:=()]*\Z"
)
PUE_JUST_BEFORE = re.compile(r"\bPUEs?(?:\s+(?:of|is|was|at|to))?[\s:=]*\Z")
_UNIT_PART = r"(?:[^\W\d_²³]+(?:[²³]|\^?-?\d)?)"
_DENOMINATOR = rf"{_UNIT_PART}(?:\s?[·⋅*/]\s?{_UNIT_PART})*"
COMPOUND_UNIT = re.compile(  # "kJ/m³·K", "kW/rack", "L/kWh": read by units.compound
    rf"[\s-]?({_UNIT_PART}(?:\s?[·⋅*]\s?{_UNIT_PART})*\s?/\s?"
    rf"(?:\({_DENOMINATOR}\)|{_DENOMINATOR}))(?![\w²³])"
)
UNIT_TOKEN = re.compile(
    r"[\s-]?(°\s?[CF]\b|º[CF]\b|degrees\s+(?:C|F|Celsius|Fahrenheit)\b"
    r"|[A-Za-z]+(?:[\s-]hours?\b)?)"
)
HYPHEN_NOUN = re.compile(r"-([A-Za-z]{2,})\b")
HYPHEN_CODE = re.compile(r"-(?:[A-Za-z]\b|[A-Za-z]*\d)")  # "10-K", "8-K", "3-A1"
# "U.S." is one word; quotes around a word are not part of it: "four 'pods,'"
NEXT_WORD = re.compile(r"\s+[‘'\"“]?((?:[A-Z]\.){2,}|[A-Za-z](?:[\w’'-]*\w)?)")
PER = re.compile(
    r"(?:\s*/\s*|\s+per[\s-]+(?:an?\s+|each\s+)?|\s+(?:an?|each|every)\s+"
    r"(?=(?:year|month|week|day|hour|quarter|(?:kilo|mega|giga)watt)\b|"
    r"[A-Za-z]+(?:[,.;:)]|\s*\Z)))([A-Za-z][A-Za-z-]*(?:[²³]|\^\d)?)"
    r"(?![\w-]|\s+(?:ago|earlier|before|later|prior)\b)"  # "25 a year ago"
    r"|\s+(annually|yearly|per annum)\b",
    re.I,
)
PLUS = re.compile(r"\+(?!\d)")
PLUS_WORD = re.compile(r"[-‑]plus\b(?![-‑]?\s*\d)", re.I)  # "100,000-plus GPUs"
PREV_WORD = re.compile(r"([A-Za-z][\w.’'-]*)\s+\Z")
BETWEEN = re.compile(r"\bbetween\s+\Z", re.I)
FROM = re.compile(r"(\w+)\W*\s+from\s+\Z", re.I)  # "rose from", "7% from"
MULTIPLE = re.compile(
    r"\b(doubl|tripl|quadrupl)(?:e|ed|es|ing)\b(?![-‑‐]|\s+(?:down|check|counting|counted|"
    r"digits?|whammy|click|duty|shift)\b)",
    re.I,
)
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
    r"(?![\w²³/])"
)
PAREN_ACRONYM = re.compile(r"\s*\(\s*[“\"']?([A-Z]{2,}s)[”\"']?\s*\)")  # (“GPUs”)
MODIFIER_ACRONYM = re.compile(r"\s+([A-Z]{2,5})(?=\s+[a-z])")  # "1.2 million GPU cluster"
CHIP_TIMES = re.compile(r"(\s?[×xX])\s?([A-Z][A-Za-z]*\d\w*)")  # "8× H100"
ELIDED = re.compile(
    r"\b(?:including|of\s+(?:which|them|these|those)|among\s+(?:them|which|these)"
    r"|another|a\s+further|an\s+additional)\s+\Z",
    re.I,
)
THE_OTHER = re.compile(  # "seven new plants will add 5.2 GW to the original three."
    r"\bthe\s+(?:original|other|remaining|existing|first|last|older|previous)\s+\Z", re.I
)
ENDS_PHRASE = re.compile(r"\s*(?:[.,;:!?)]|\Z)")
COMPARED = re.compile(  # "35 turbines, far exceeding the 15 permitted", "up from 15"
    r"\b(?:than|from|versus|vs\.?|against|exceed(?:s|ed|ing)?|compared\s+(?:with|to))"
    r"\s+(?:(?:the|its|their|our)\s+)?\Z",
    re.I,
)
NUMBER_OF = re.compile(r"\bnumber\s+of\s+((?:[A-Za-z][\w-]*\s+){0,3}?)([A-Za-z][\w-]*s)\b", re.I)
SENTENCE_STOP = re.compile(r"[.!?;]\s")
PARTITIVE = re.compile(r"\s+of\s+(?:(?:the|these|those|its|their|our|all)\s+)?", re.I)
_JOINS_A_COUNT = (
    rf"\s+(?:with|and|plus|alongside|to|for\s+every|per)\s+"
    rf"(?=\d|(?:{_ONES}|{_TEENS}|{TENS})\b)"
)
PAIRED = re.compile(_JOINS_A_COUNT, re.I)  # "one CPU and two GPUs"
SINGULAR_NOUN = re.compile(rf"(?:\s+[\w-]+){{0,2}}?\s+([A-Za-z][\w-]*)(?={_JOINS_A_COUNT})", re.I)
QUANTITY_BETWEEN = re.compile(r"\s*\d[\d,.]*\s?[A-Za-z]+(?=\s)")  # "three 300 MVA transformers"

TIME_NOUNS = frozenset({"year", "month", "week", "day", "hour", "minute", "quarter", "decade"})
RANGE_VERBS = frozenset(
    {"ranging", "range", "ranges", "ranged", "anywhere", "vary", "varies", "varying", "somewhere"}
)
YEAR_WORDS = frozenset(
    {
        "in",
        "by",
        "since",
        "from",
        "until",
        "till",
        "through",
        "to",
        "during",
        "before",
        "after",
        "of",
        "the",
        "for",
        "between",
        "and",
        "or",
        "circa",
        "early",
        "late",
        "mid",
        "end",
        "around",
        "as",
        "at",
        "on",
        "against",
        "versus",
        "vs",
        "than",
        # a year opening a noun phrase: "our 2024 results", "fiscal 2025 capex"
        "our",
        "its",
        "their",
        "his",
        "her",
        "my",
        "your",
        "whose",
        "this",
        "next",
        "last",
        "fiscal",
        "calendar",
        "financial",
    }
)
VERSION_WORDS = frozenset(
    {
        "version",
        "v",
        "ver",
        "release",
        "gen",
        "generation",
        "rev",
        "revision",
        "model",
        "series",
        "tier",
        "phase",
        "stage",
        "step",
        "page",
        "chapter",
        "section",
        "figure",
        "fig",
        "table",
        "no",
        "number",
        "unit",
        "level",
        "rank",
        "class",
        "type",
        "scope",
        "block",
        "building",
        "zone",
        "item",
        "option",
        "article",
        "part",
        "ch",
        "p",
        "pp",
    }
)
NOT_COMPOUND = frozenset(
    {
        "third",
        "thirds",
        "quarter",
        "quarters",
        "half",
        "halves",
        "fifth",
        "fifths",
        "phase",
        "way",
        "off",
        "sided",
        "stop",
        "tier",
        "star",
        # adjectives: "12-high HBM stacks", "a 3-deep queue"
        "high",
        "wide",
        "deep",
        "long",
        "tall",
        "thick",
        "old",
        "digit",
        "point",
    }
)
STOP = frozenset(
    {
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "into",
        "per",
        "over",
        "under",
        "than",
        "as",
        "across",
        "about",
        "between",
        "through",
        "during",
        "before",
        "after",
        "within",
        "without",
        "via",
        "or",
        "but",
        "so",
        "yet",
        "nor",
        "while",
        "if",
        "because",
        "when",
        "where",
        "whereas",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "will",
        "would",
        "could",
        "can",
        "may",
        "might",
        "should",
        "must",
        "do",
        "does",
        "did",
        "it",
        "its",
        "their",
        "they",
        "them",
        "we",
        "he",
        "she",
        "his",
        "her",
        "our",
        "this",
        "that",
        "these",
        "those",
        "which",
        "who",
        "whom",
        "what",
        "more",
        "less",
        "most",
        "not",
        "also",
        "only",
        "just",
        "each",
        "every",
        "all",
        "some",
        "any",
        "no",
        "times",
        "plus",
        "thus",
        "perhaps",
        "always",
        "sometimes",
        "percent",
        "cent",
        "then",
        "there",
        "here",
        # verbs ending in -s that often follow a number and would pass for counted nouns
        "draws",
        "uses",
        "needs",
        "costs",
        "takes",
        "holds",
        "consumes",
        "requires",
        "supports",
        "runs",
        "means",
        "makes",
        "gives",
        "shows",
        "goes",
        "comes",
        "seems",
        "remains",
        "becomes",
        "includes",
        "reaches",
        "hits",
    }
)
FUNCTION_WORDS = STOP | frozenset(
    {
        "about",
        "around",
        "nearly",
        "roughly",
        "almost",
        "approximately",
        "some",
        "only",
        "just",
        "all",
        "another",
        "both",
        "up",
        "down",
        "even",
        "still",
        "total",
        "i",
        "you",
        "my",
        "your",
        "one",
        "and",
    }
)
INVARIANT = frozenset({"series", "species", "chassis", "news", "means", "data", "premises"})
SINGULAR_IN_S = frozenset({"gas", "bias", "atlas", "canvas", "alias", "lens", "chaos", "plus"})
"""Nouns that end in "s" in the singular: "natural gas plants" counts plants, not gas."""
IRREGULAR = {
    "shelves": "shelf",
    "halves": "half",
    "lives": "life",
    "knives": "knife",
    "people": "person",
    "children": "child",
    "men": "man",
    "women": "woman",
    "tranches": "tranche",
    "niches": "niche",
    "caches": "cache",
    "avalanches": "avalanche",
}
COMPOUND_NOUNS = frozenset({"data center", "data centre", "power plant", "power station"})
MORE = frozenset({"more", "additional", "extra", "new", "further"})
BRACKET_CLOSE = re.compile(r"\s*\)")
