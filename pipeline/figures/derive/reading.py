"""What a stated figure is, read from its sentence: its clause, role and entity.

The predicates here ("is_legacy_rack", "is_it_load", "is_stated_total" …) are
what the rules in power, money and growth select their inputs by, and what
checks uses to decide whether a statement can restate a computation. Nothing
here computes a figure.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable

from pipeline.figures import roles
from pipeline.figures.models import Figure

DRAW = roles.keywords(
    "grid", "draw", "pulls", "total power", "total facility", "total consumption", "total demand"
)
_IT = roles.IT_LOAD
CHIPS = re.compile(r"\b(?:GPU|chip|accelerator|processor|TPU|superchip)s\b", re.IGNORECASE)
"""Chips in the plural: "from the GPUs alone" is said of all of them, "each GPU" of one."""
RISE = roles.keywords(
    "rise",
    "rising",
    "rose",
    "risen",
    "grow",
    "grew",
    "climb",
    "swell",
    "swollen",
    "jump",
    "increas",
    "raise",
    "surge",
    "expand",
    "boost",
    "up ",
    "doubl",
    "tripl",
    "quadrupl",
    "fall",
    "fell",
    "drop",
    "decline",
    "cut",
    "reduc",
    "lower",
    "shrink",
    "shrank",
)
_SAID_IT = re.compile(r"\s*(?:of\s+)?IT\b")  # "≈ 6.2 kW IT load"
_COMPARED = re.compile(
    r"\s*(?:the|as|than|faster|slower|more|less|larger|bigger|higher|greater|smaller|over)\b",
    re.IGNORECASE,
)
TOTAL = roles.keywords(
    "combined", "total", "together", "altogether", "collectively", "in all", "sum", "aggregate"
)
_GROUP = roles.keywords(
    "combined",
    "total",
    "together",
    "companies",
    "hyperscalers",
    "big tech",
    "firms",
    "giants",
    "all four",
    "collectively",
    "industry",
    "players",
)
_CLAUSE_BREAK = re.compile(r",\s|;\s|:\s|\.\s|\s[—–]\s|—|[()]")
_ABBREVIATION = re.compile(r"\(\w{1,6}\)")  # "540 megawatts (MW) for the GPUs": one clause


def position(f: Figure) -> int | None:
    """Where the figure's text sits in its sentence, not inside a longer number."""
    return find(f.sentence or "", f.text)


@functools.lru_cache(maxsize=4096)
def find(sentence: str, text: str) -> int | None:
    found = re.search(r"(?<![\w.,])" + re.escape(text), sentence) if text else None
    return found.start() if found else None


def clause_of(f: Figure) -> str:
    """The stretch of the sentence between punctuation breaks that holds the figure;
    the whole sentence when the figure's text is not found in it."""
    return clause_in(f.sentence or "", f.text)


@functools.lru_cache(maxsize=4096)
def clause_in(sentence: str, text: str) -> str:
    at = find(sentence, text)
    if at is None:
        return sentence
    start, end, before = 0, len(sentence), 0
    masked = _ABBREVIATION.sub(lambda m: " " * len(m.group()), sentence)
    for brk in _CLAUSE_BREAK.finditer(masked):
        if brk.end() <= at:
            start, before = brk.end(), (before if brk.group() == "(" else start)
        elif brk.start() >= at + len(text):
            end = brk.start()
            break
    if sentence[:at].rstrip().endswith("("):  # "Traditional DC (5 kW/rack)": said of the DC
        start = before
    return sentence[start:end]


def role_of(f: Figure) -> str:
    """The figure's role: as extract() set it, else read from its subject and clause."""
    if f.role:
        return f.role
    return roles.role_of(f.kind, f.unit, f.per, f.entity or f.subject, clause_of(f))


def entity_of(f: Figure) -> str:
    return f.entity or f.subject


def is_rack_power(f: Figure) -> bool:
    """A rack's power: its role, or a system's power its clause says is of a rack of that
    system ("An HGX H100 DLC rack lands near 60 kW", said of "HGX H100 DLC")."""
    role = role_of(f)
    if role != "server_power" or f.per is not None or not entity_of(f):
        return role == "rack_power"
    clause = clause_of(f)
    return (
        re.search(
            re.escape(entity_of(f)) + r"\s+(?:rack|cabinet)\b",
            clause[: max(clause.find(f.text), 0)],
            re.IGNORECASE,
        )
        is not None
    )


def is_legacy_rack(f: Figure) -> bool:
    """A rack the article contrasts with AI racks: "traditional", "typical", "older" …"""
    return is_rack_power(f) and roles.is_legacy(f"{entity_of(f)} {f.subject} {clause_of(f)}")


def is_modern_rack(f: Figure) -> bool:
    return is_rack_power(f) and not is_legacy_rack(f)


_NOW = re.compile(
    r"(?<!direct )(?<!alternating )\bcurrent\b|\btoday's|\bexisting\b|"
    r"\bpresent-day\b",
    re.IGNORECASE,
)
"""Said to be today's: "the current Blackwell racks" (not a "direct current" one)."""


def is_said_now(f: Figure) -> bool:
    """Said to be today's ("The current Blackwell B200 server racks … 120kW per rack"): of an
    AI rack, the baseline a coming, denser rack is compared with."""
    return bool(_NOW.search(f"{entity_of(f)} {f.subject} {clause_of(f)}"))


def is_facility_draw(f: Figure) -> bool:
    """A facility's total draw from the grid rather than its IT load (or its chips' draw: "a
    power draw of 540 MW for the GPUs alone")."""
    text = f"{f.subject} {clause_of(f)}"
    return (
        role_of(f) == "facility_power"
        and bool(DRAW.search(text))
        and not (_IT.search(text) or CHIPS.search(clause_of(f)))
    )


def is_it_load(f: Figure) -> bool:
    """Power a facility's IT equipment draws: a facility's power that is not its total draw,
    or any power said to be an IT load ("≈ 6.2 kW IT load" of one node)."""
    if f.kind != "power" or f.per is not None or is_facility_draw(f):
        return False
    at, sentence = position(f), f.sentence or ""
    said = at is not None and bool(_SAID_IT.match(sentence[at + len(f.text) :]))
    return role_of(f) == "facility_power" or said or bool(_IT.search(entity_of(f)))


_FALL = roles.keywords(
    "fall", "fell", "drop", "decline", "cut", "reduc", "lower", "shrink", "shrank", "down"
)


def is_said_falling(f: Figure) -> bool:
    """Said as a fall by the words of its clause before it: "a sharp decline of 40%"."""
    clause = clause_of(f)
    return bool(_FALL.search(clause[: max(clause.find(f.text), 0)]))


def has_role(role: str) -> Callable[[Figure], bool]:
    return lambda f: role_of(f) == role


def is_stated_total(f: Figure) -> bool:
    """Money said to be a total: "a combined $315 billion", "$225 billion in total"."""
    return f.kind == "money" and f.per is None and bool(TOTAL.search(f"{f.subject} {clause_of(f)}"))


def is_stated_multiple(f: Figure) -> bool:
    """A ratio said of growth ("more than doubling 2024's $83 billion", "up 2.3×"), not of a
    comparison ("nine times the power of", "four times faster than")."""
    return f.kind == "ratio" and _said_as_multiple(f.sentence or "", f.text)


@functools.lru_cache(maxsize=1024)
def _said_as_multiple(sentence: str, text: str) -> bool:
    at = find(sentence, text)
    if at is None:
        return False
    clause = clause_in(sentence, text)
    before = clause[: max(clause.find(text), 0)]
    after = sentence[at + len(text) :]
    return bool(RISE.search(text) or RISE.search(before)) and not _COMPARED.match(after)


def is_group(f: Figure) -> bool:
    """Said of several companies together ("the four hyperscalers", "combined"); not a part
    "of the total" something ("176 TWh of the total U.S. electricity")."""
    return bool(_GROUP.search(f"{entity_of(f)} {_PART_OF.sub(' ', clause_of(f))}"))


_PART_OF = re.compile(r"\bof (?:the |a |its |their )?total\b", re.IGNORECASE)


def is_table_cell(f: Figure) -> bool:
    """Money for one period, from a table row or a list item: a capex table's cell."""
    return (
        f.kind == "money"
        and f.per is None
        and f.period is not None
        and role_of(f) in ("capex", "cost", "revenue")
        and not is_stated_total(f)
    )


def same_entity(a: str, b: str) -> bool | None:
    """True when two entities name the same thing, False when they clearly differ, None when
    either is unknown. "Microsoft" and "Microsoft Azure" are the same; "rack" and "campus" not."""
    wa, wb = _entity_words(a), _entity_words(b)
    if not wa or not wb:
        return None
    return wa <= wb or wb <= wa


_NOT_AN_ENTITY = re.compile(
    r"(?:racks|GPUs|homes|households|servers|companies|(?:kilo|mega|giga)?watts|[kMG]W)",
    re.IGNORECASE,
)
"""A bare plural counted noun or unit ("racks", "megawatts") names what is counted, not whose."""


@functools.lru_cache(maxsize=4096)
def _entity_words(text: str) -> frozenset[str]:
    if _NOT_AN_ENTITY.fullmatch(text.strip()):
        return frozenset()
    return frozenset(
        w.rstrip("s")
        for w in re.findall(r"[a-z0-9]+", text.lower())
        if w not in ("the", "a", "an", "of", "in", "and", "its", "their", "per", "new")
    )


# --- what a statement is about: its span, its quantity noun, expectation or actual ------

_YEAR = r"(?:19|20)\d\d"
_SPAN = re.compile(
    rf"\b(?:from|between|in)\s+({_YEAR})\s*(?:to|and|through|until|-|–|—)\s*({_YEAR})\b"
    rf"|\b({_YEAR})\s*(?:-|–|→|to)\s*({_YEAR})\b",
    re.IGNORECASE,
)
_EXPECTED = roles.keywords(
    "expect",
    "estimat",
    "forecast",
    "guidance",
    "projected",
    "projection",
    "anticipat",
    "predict",
    "analyst",
    "consensus",
    "outlook",
    "tipped",
)
_QUANTITY_NOUNS = (
    "operating income",
    "net income",
    "operating margin",
    "revenue",
    "sales",
    "income",
    "profit",
    "earnings",
    "margin",
    "capex",
    "capital expenditure",
    "spending",
    "investment",
    "capacity",
    "demand",
    "consumption",
    "generation",
    "power use",
    "load",
)
_QUANTITY_NOUN = re.compile(
    r"\b(" + "|".join(re.escape(n) for n in _QUANTITY_NOUNS) + r")s?\b", re.IGNORECASE
)
_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.(\d+))?")


@functools.lru_cache(maxsize=4096)
def stated_span(sentence: str, text: str) -> tuple[int, int] | None:
    """The years a statement says it spans: "18% between 2018 and 2023" → (2018, 2023). The
    first span after the figure in its clause, else the last one before it; None when its
    clause names none (a span then is only inferred)."""
    clause = clause_in(sentence, text)
    at = clause.find(text)
    spans = [(m.start(), m) for m in _SPAN.finditer(clause)]
    after = [m for start, m in spans if at >= 0 and start >= at + len(text)]
    before = [m for start, m in spans if at < 0 or start < at]
    found = after[0] if after else before[-1] if before else None
    if found is None:
        return None
    years = [int(y) for y in found.groups() if y]
    return years[0], years[1]


def is_expectation(f: Figure) -> bool:
    """Said as what someone expects, estimates or guides, not as what happened: "analysts
    had expected a 32.2% increase to $12.16bn", "its previous estimate of $43.2bn"."""
    return bool(_EXPECTED.search(clause_of(f)))


def quantity_noun(f: Figure) -> str | None:
    """The quantity a figure's clause names nearest to it ("revenue", "income", "capacity"),
    or None when it names none (the quantity is then only inferred from the role)."""
    return _noun_near(f.sentence or "", f.text)


@functools.lru_cache(maxsize=4096)
def _noun_near(sentence: str, text: str) -> str | None:
    clause = clause_in(sentence, text)
    at = max(clause.find(text), 0)
    nouns = [(abs(m.start() - at), m.group(1).lower()) for m in _QUANTITY_NOUN.finditer(clause)]
    noun = min(nouns)[1] if nouns else None
    return "capex" if noun == "capital expenditure" else noun  # one quantity, two spellings


def written_bounds(f: Figure) -> tuple[float, float]:
    """The values a figure may stand for, given how it is written: "40" is 39.5–40.5, "$13.6bn"
    is $13.55–13.65 B, and a hedge ("approximately", "about") widens that to at least ±2.5%.
    Computations from rounded inputs carry this into the range they are checked with."""
    numbers = [m for m in _NUMBER.finditer(f.text) if m.group()[0].isdigit()]
    low, high = f.low, f.high
    low_step = _half_step(numbers[0], low) if numbers else _spelled_half_step(low)
    high_step = _half_step(numbers[-1], high) if numbers else _spelled_half_step(high)
    if (f.qualifier or "").strip().lower() in ROUNDED_HEDGES:
        low_step, high_step = max(low_step, 0.025 * abs(low)), max(high_step, 0.025 * abs(high))
    return low - low_step, high + high_step


# Words that say a figure is rounded ("about 40 MW"); the consistency checks read them too.
ROUNDED_HEDGES = {
    "about",
    "around",
    "roughly",
    "approximately",
    "nearly",
    "almost",
    "some",
    "~",
    "close to",
    "circa",
    "an estimated",
    "estimated",
    "approx.",
    "approx",
    "more or less",
}


def _half_step(number: re.Match[str], value: float) -> float:
    """Half the last written digit, in the figure's scale: "13.6" of 13.6e9 → 0.05e9."""
    written = float(number.group().replace(",", ""))
    scale = value / written if written else 1.0
    decimals = len(number.group(1) or "")
    return 0.5 * 10.0**-decimals * abs(scale)


def _spelled_half_step(value: float) -> float:
    """A number in words is exact below a hundred ("eight blades", "quadruple") and rounded at
    its leading digit above ("two million")."""
    return 0.5 * 10 ** math.floor(math.log10(abs(value))) if abs(value) >= 100 else 0.0
