"""Consistency checks: each stated result paired with the computation it most plausibly
restates, with a confidence that the two are the same quantity of the same thing over the
same span, and the verdict (agrees or not, within the tolerance the statement's hedge earns).
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from collections.abc import Callable

from pipeline.figures import roles
from pipeline.figures.derive.article import Article, Calc, bounds, distance_back
from pipeline.figures.derive.growth import period_key
from pipeline.figures.derive.reading import (
    CHIPS,
    DRAW,
    ROUNDED_HEDGES,
    TOTAL,
    clause_of,
    entity_of,
    is_expectation,
    is_group,
    is_said_falling,
    is_stated_multiple,
    is_stated_total,
    position,
    quantity_noun,
    role_of,
    same_entity,
    stated_span,
)
from pipeline.figures.display import format_value as _format
from pipeline.figures.display import percent as _pct
from pipeline.figures.models import ALARM_CONFIDENCE, Check, Figure
from pipeline.figures.units import compatible

DEFAULT_TOLERANCE = 0.05
"""Relative tolerance for a hedged statement ("about", "roughly", "more than").

Writers round to two significant figures: "nine times" for 8.7, "770" for 769,
"$42,000" for $41,667. Two-figure rounding of a value of 10 or more is off by
at most 5%, so 5% accepts honest rounding and flags anything larger. A
statement without a hedge ("a combined $300 billion") claims to be the result
and is held to half the tolerance: 2.5% accepts $315 B written as "$315
billion" or "$0.32 trillion" but flags "$300 billion" (4.8% off).
"""
_POWER_WORDS = roles.keywords("power", "watt", "kW", "density", "draw")
"""A stated ratio of racks' power: "24× the power per rack", "24× the watts"."""


@functools.lru_cache(maxsize=1024)
def _says_power(clause: str) -> bool:
    return bool(_POWER_WORDS.search(clause))


_CHANGE = roles.keywords(
    "increase",
    "rise",
    "rose",
    "up",
    "grew",
    "grow",
    "growth",
    "jump",
    "decline",
    "fell",
    "drop",
    "down",
    "change",
    "higher",
    "lower",
    "more than",
    "expand",
    "climb",
    "surge",
    "swell",
    "yoy",
    "year-over-year",
)

_FOLD = re.compile(r"^[a-z]+fold$", re.IGNORECASE)
_AT_LEAST = {
    "more than",
    "over",
    "above",
    "at least",
    "upwards of",
    "in excess of",
    "+",
    "exceeding",
    "exceed",
    "exceeds",
    "exceeded",
    "greater than",
    "north of",
    "beyond",
}
_AT_MOST = {
    "up to",
    "less than",
    "under",
    "below",
    "at most",
    "no more than",
    "as much as",
    "as many as",
    "fewer than",
    "a maximum of",
}
_UNDER = {"nearly", "almost", "just under", "just shy of", "not quite"}
"""Hedges that put the value a little under what they say: "nearly triple" claims a multiple
somewhat below 3 (down to 2 tolerances under it), and one above 3 only by rounding (half the
tolerance): 3.56× is not "nearly triple"."""
# A rounded figure, or one a little over what it says ("just over"; "just under" is _UNDER).
_HEDGES = ROUNDED_HEDGES | {"just over"}

# Which stated figures may restate a rule's result. Every rule accepts a statement in the
# sentence or paragraph of one of its inputs; rules named here also accept one anywhere in
# the article that passes the test (their results are distinctive enough not to collide).
_ANYWHERE: dict[str, Callable[[Figure], bool]] = {
    "sum": lambda s: bool(TOTAL.search(f"{s.subject} {clause_of(s)}")) or is_group(s),
    "yoy": lambda s: bool(_CHANGE.search(f"{s.subject} {clause_of(s)}")),
    "per_company": lambda s: True,
    "cost_per_mw": lambda s: True,
    "per_gpu": lambda s: True,
    "ratio": lambda s: _says_power(clause_of(s)),
    "yearly": lambda s: stated_span(s.sentence or "", s.text) is not None,
    "compared_multiple": lambda s: True,  # only the multiple it restates, said on its own
    "parts": lambda s: True,  # only the whole it restates
}
# Rules whose results are so common ("24×", "3×") that a statement far from the inputs is
# paired only when it agrees: a disagreement that far away is likelier another comparison.
_AGREEING_ONLY = {"ratio"}
# And some rules accept only statements that pass their test, wherever they are.
_LEVEL = re.compile(r"\b(?:from|to)\s+(?:about\s+|around\s+|roughly\s+|nearly\s+)?$", re.IGNORECASE)
"""Before a percentage that is a level a change runs from or to ("a rise from 5% in 2015"),
not the change itself."""


_THE_NOUN = re.compile(r"\s+the\s+([^,;.]*?)(?=\s+and\b|[,;.]|$)")


def _of_another_quantity(s: Figure) -> bool:
    """A multiple that names, right after it, what it multiplies, and that is no power: "9×
    the GPUs and 24× the watts" is a ratio of GPUs."""
    at = position(s)
    named = _THE_NOUN.match((s.sentence or "")[at + len(s.text) :]) if at is not None else None
    return named is not None and not _says_power(named.group(1))


def _says_change(s: Figure) -> bool:
    at = position(s)
    level = at is not None and bool(_LEVEL.search((s.sentence or "")[:at]))
    return not level and _ANYWHERE["yoy"](s)


_ONLY_IF: dict[str, Callable[[Figure], bool]] = {
    "sum": _ANYWHERE["sum"],
    "yoy": _says_change,
    "increment": _says_change,
    "ratio": lambda s: not (is_stated_multiple(s) or _of_another_quantity(s)),
}
# Rules whose result a statement of another role may restate, when it passes the test (in
# place of the same role): a total draw of a node or a facility, the GPUs' power "from the
# GPUs alone", a growth multiple ("more than doubling").
_RESTATES: dict[str, Callable[[Figure], bool]] = {
    "draw": lambda s: (
        s.kind == "power"
        and (role_of(s) == "facility_power" or bool(DRAW.search(f"{s.subject} {clause_of(s)}")))
    ),
    "chips_power": lambda s: s.kind == "power" and bool(CHIPS.search(clause_of(s))),
    "multiple": is_stated_multiple,
    "units_power": lambda s: s.kind == "power" and s.per is None,
    "level": lambda s: s.per is None,  # the level the change says it reaches (its `restates`)
    "compared": lambda s: s.kind == "percent",  # "60 percent higher" (its `restates`)
    "compared_multiple": lambda s: True,  # "twice as much … as" (its `restates`)
}
# Rules that restate one figure in other units, or name their result exactly ("GPUs per
# pod"): a statement of the same role and rate in the input's paragraph is as surely the
# same quantity as one in its sentence.
_CONVERSIONS = {"per_mw", "per_unit"}
# Rules whose test or rate names what the statement is about ("from the GPUs alone", "per
# pod"): its entity, often the product in brackets beside it, is not compared with the
# result's; nor is a level's ("reaching around 1,760 MW"), which names its statement.
_SAID_OF_INPUTS = {"chips_power", "per_unit", "margin", "level", "compared", "compared_multiple"}
_CHANGES = {"yoy", "multiple", "yearly", "increment"}
# Rules that read the wording rather than the periods ("another 600 MW"): their results are
# paired last and never at alarm confidence.
_UNSURE = {"increment"}
# Roles that restate one another: a "combined $315 billion" of spending is the sum of a
# capex column, whatever word the article used for it.
_FAMILY = {
    "cost": "capex",
    "revenue": "capex",
    "growth": "capex_growth",
    "cost_per_company": "capex_per_company",
    "price": "price",
}
# How sure a pairing is, by where the statement sits: the clause or sentence of an input, its
# paragraph, or anywhere (only for the rules in _ANYWHERE).
_PLACE_CONFIDENCE = (0.95, 0.9, 0.75, 0.7)
# The most a pairing may have when the entity or the span of either side is inferred rather
# than read, or an expectation is set against an actual: never an alarm.
_INFERRED_CONFIDENCE = ALARM_CONFIDENCE - 0.05
_ANNUAL = roles.keywords(
    "compound annual",
    "CAGR",
    "annual growth",
    "annualized",
    "annualised",
    "a year",
    "per year",
    "each year",
    "every year",
    "annually",
    "yearly",
)


def _placement(s: Figure, calc: Calc) -> tuple[int, int] | None:
    """How close s sits to the inputs: (0, distance) in the clause of one, (1, distance) in
    its sentence, (2, 0) in its paragraph; None when further away."""
    near = [
        leaf
        for leaf in calc.leaves
        if leaf.sentence and (leaf.paragraph_id, leaf.sentence) == (s.paragraph_id, s.sentence)
    ]
    if near:
        at = position(s) or 0
        return min(
            (0 if clause_of(leaf) == clause_of(s) else 1, abs(at - (position(leaf) or 0)))
            for leaf in near
        )
    if (s.paragraph_id, s.sentence) in calc.again:  # said beside a later mention of an input
        return 1, 0
    return (2, 0) if s.paragraph_id in calc.paragraphs else None


def _family(role: str | None) -> str | None:
    return _FAMILY.get(role or "", role)


def _entity_match(s: Figure, c: Figure) -> bool | None:
    """Whether stated s and computed c are about the same entity (None: cannot tell)."""
    if c.entity == "combined":
        return True if is_group(s) or is_stated_total(s) else (None if not s.entity else False)
    return same_entity(entity_of(s), c.entity)


def _foreign_input(s: Figure, calc: Calc, a: Article) -> bool:
    """A statement beside an input of the same role and rate that this calc did not use:
    "12,500 racks at 40 kW" restates facility ÷ 40 kW, never facility ÷ the legacy 10 kW of
    the paragraph ("576 per rack" beside "176 GPUs per pod" is another rate: no input)."""
    if any(leaf.sentence == s.sentence for leaf in calc.leaves):
        return False
    used = {leaf.id for leaf in calc.leaves}
    roles_used = {(role_of(leaf), leaf.per) for leaf in calc.leaves}
    return any(
        f.id not in used and f.id != s.id and (role_of(f), f.per) in roles_used
        for f in a.sentences[(s.paragraph_id, s.sentence)]
    )


def _rank(s: Figure, calc: Calc, a: Article) -> tuple[int, int, float, int, float] | None:
    """How plausibly stated figure s restates calc's result, with the pairing's confidence
    last; None when it cannot: another entity, role or period, or too far away."""
    c = calc.figure
    if s.id in c.inputs or any(leaf.id == s.id for leaf in calc.leaves):
        return None
    if calc.restates is not None and s.id != calc.restates:
        return None
    if not compatible(s.unit, c.unit):  # kind and rate: consistency_checks pairs by _shape
        return None
    restates = _RESTATES.get(calc.rule)
    if restates is not None and not restates(s):
        return None
    if restates is None and _family(role_of(s)) != _family(c.role) and c.role is not None:
        return None
    if (
        s.period
        and c.period
        and s.period != c.period
        and not (
            calc.rule in _CHANGES
            and (any(s.period == leaf.period for leaf in calc.leaves) or _said_together(s, calc))
        )
    ):
        return None  # "up 44% from fiscal 2024" may carry either end's period
    if calc.rule in _ONLY_IF and not _ONLY_IF[calc.rule](s):
        return None
    place = _placement(s, calc)
    if place is not None and place[0] == 2 and calc.rule in _CONVERSIONS:
        place = (1, 0)
    if place is None:
        if calc.rule not in _ANYWHERE or not _ANYWHERE[calc.rule](s):
            return None
        if calc.rule in _AGREEING_ONLY and _deviation(s, c, 0.0)[0] > DEFAULT_TOLERANCE:
            return None
        place = (3, 0)
    entity = _entity_match(s, c)
    if entity is False and calc.rule in _SAID_OF_INPUTS:
        entity = None
    if entity is False or _foreign_input(s, calc, a):
        return None
    span = _span_read(s, calc, place[0]) if calc.rule in _CHANGES else True
    if span is False or _other_quantity(s, calc):
        return None
    if calc.rule in _UNSURE:
        place = (3, place[1])
    confidence = _PLACE_CONFIDENCE[place[0]] + (0.1 if entity else -0.1)
    entity_read = (
        bool(entity)
        or calc.rule in _SAID_OF_INPUTS | _CONVERSIONS
        or (place[0] == 0 or calc.restates == s.id)
    )
    if not (entity_read and span) or calc.far or _expectation_against_actual(s, calc):
        confidence = min(confidence, _INFERRED_CONFIDENCE)
    if s.period and s.period == c.period:
        confidence += 0.05
    if c.id in a.assumed:
        confidence -= 0.3  # the article never said the assumption: not its error
    if calc.rule in _UNSURE:
        confidence = min(confidence, ALARM_CONFIDENCE - 0.1)
    # How far the result lies outside what the statement claims ("more than 20 times" claims
    # 24× and 26× alike); on a tie, "That is nine times …" restates the figures said just
    # before it.
    closeness = round(_deviation(s, c, 0.0)[0], 3)
    recency = min(distance_back(a.order[s.id], a.order.get(leaf.id, 0)) for leaf in calc.leaves)
    confidence = round(min(max(confidence, 0.0), 1.0), 2)
    return place[0], place[1], closeness, recency, confidence


def _shape(s: Figure) -> tuple[str, str | None]:
    """The kind and rate a statement claims: a percentage in a sentence about a compound annual
    growth rate is a rate per year, whether or not it says "a year" beside it."""
    if s.kind == "percent" and s.per is None and _is_annual(s.sentence or ""):
        return s.kind, "year"
    return s.kind, s.per


_YEAR_ON_YEAR = re.compile(r"\byear[\s-]+(?:on|over)[\s-]+year\b", re.I)


@functools.lru_cache(maxsize=1024)
def _is_annual(sentence: str) -> bool:
    """A sentence about a rate per year; "a year-on-year increase" is a change, not a rate."""
    return bool(_ANNUAL.search(_YEAR_ON_YEAR.sub("", sentence)))


def _span_read(s: Figure, calc: Calc, place: int) -> bool | None:
    """Whether a stated change and a computed one run over the same span: True when read so
    (the same years, or the statement names a year an input is for or shares a clause with
    an input, or neither has years and they are said together), False when the statement
    names another span ("18% between 2018 and 2023" is not 2014 → 2018), None when the span
    is only inferred."""
    said = stated_span(s.sentence or "", s.text)
    years = sorted(key[0] for leaf in calc.leaves if (key := period_key(leaf.period)))
    computed = (years[0], years[-1]) if len(years) == len(calc.leaves) == 2 else None
    if _said_together(s, calc) and place <= 1:
        return True if said is None or computed is None else said == computed
    if said is not None and computed is not None:
        return said == computed
    if computed is not None:
        named = s.period in {leaf.period for leaf in calc.leaves} or place == 0
        return True if named else None
    if said is not None or any(leaf.period for leaf in calc.leaves):
        return None
    return True if place <= 1 else None


def _said_together(s: Figure, calc: Calc) -> bool:
    """A change stated in the one sentence that gives both amounts it runs between, which
    share one period: "set to nearly triple by 2030, jumping from 1,263MW in April 2025 to
    over 4,500MW". A change cannot run within one period, so the period both amounts carry
    was read from the sentence, and the span is the sentence's own."""
    periods = {leaf.period for leaf in calc.leaves}
    return (
        calc.rule in _CHANGES
        and len(calc.leaves) == 2
        and len(periods) == 1
        and None not in periods
        and all(
            (leaf.paragraph_id, leaf.sentence) == (s.paragraph_id, s.sentence)
            for leaf in calc.leaves
        )
    )


def _other_quantity(s: Figure, calc: Calc) -> bool:
    """Whether a stated change names a quantity ("32% growth for $13.6bn in revenue") that the
    amounts the computation runs between do not (income from $1.2bn to $2.8bn)."""
    said = quantity_noun(s)
    nouns = {quantity_noun(leaf) for leaf in calc.leaves} - {None}
    return calc.rule in _CHANGES and said is not None and bool(nouns) and said not in nouns


def _expectation_against_actual(s: Figure, calc: Calc) -> bool:
    """A statement of what was expected checked against what happened, or the reverse: the two
    need not agree, so a difference is no error of the article's."""
    return is_expectation(s) != all(is_expectation(leaf) for leaf in calc.leaves)


def _claimed(s: Figure, unit: str, tolerance: float) -> tuple[float, float, float]:
    """The interval a statement claims, in `unit`, and the tolerance its hedge earns."""
    low, high = bounds(s, unit)
    hedge = (s.qualifier or "").strip().lower()
    if unit == "%" and low.is_integer() and high.is_integer():
        low, high = low - 1, high + 1  # a whole percentage is rounded: 10% for 9.1%
    elif unit == "x" and _FOLD.search(s.text) and not hedge:
        low, high = low - 0.5, high + 0.5  # "sixfold" for 6.4: a -fold word is a whole number
    if hedge in _AT_LEAST:
        return low, math.inf, tolerance
    if hedge in _AT_MOST:
        return -math.inf, high, tolerance
    if hedge in _UNDER:
        return low * (1 - 2 * tolerance), high, tolerance / 2
    return low, high, tolerance if hedge in _HEDGES else tolerance / 2


def _deviation(
    s: Figure, c: Figure, tolerance: float, loose: tuple[float, float] | None = None
) -> tuple[float, float]:
    """How far c (or `loose`, the range its rounded inputs allow) lies outside the interval s
    claims, relative, and the tolerance s earns."""
    low, high, allowed = _claimed(s, c.unit, tolerance)
    c_low, c_high = loose or (c.low, c.high)
    if c.unit == "%" and c_high < 0 < low and is_said_falling(s):
        low, high = -high, -low  # "a decline of 40%" claims −40%
    if c_high < low:
        deviation = (low - c_high) / abs(c_high) if c_high else math.inf
    elif c_low > high:
        deviation = (c_low - high) / abs(c_low)
    else:
        deviation = 0.0
    return (deviation if deviation > 1e-9 else 0.0), allowed  # float noise: 315 / 225 - 1


def _check(s: Figure, calc: Calc, tolerance: float, confidence: float) -> Check:
    c = calc.figure
    deviation, allowed = _deviation(s, c, tolerance, calc.loose)
    agrees = deviation <= allowed
    off = f"{_pct(deviation)} off, tolerance {_pct(allowed)}"
    if agrees:
        note = f'"{s.text}" ({s.id}) agrees with {c.id}: {c.formula}'
        note += f" ({off})" if deviation else ""
        if calc.loose and _deviation(s, c, tolerance)[0] > allowed:
            written = _format(*calc.loose, c.unit, c.kind, c.per)
            note += f" (its inputs are rounded: they allow {written})"
    else:
        note = (
            f'The article states "{s.text}" ({s.id}), but its own figures give {c.text} '
            f"({c.id}: {c.formula}): {off}"
        )
    return Check(
        stated_id=s.id,
        computed_id=c.id,
        agrees=agrees,
        deviation=round(deviation, 6),
        tolerance=allowed,
        confidence=confidence,
        note=note,
    )


def consistency_checks(a: Article, tolerance: float) -> list[Check]:
    """Pair each stated result with the computation it most plausibly restates: same clause as
    an input, then sentence, paragraph, elsewhere; nearest in text, then nearest in value."""
    by_shape: dict[tuple[str, str | None], list[Figure]] = {}
    for s in a.source:  # only a statement of the same kind and rate can restate a result
        by_shape.setdefault(_shape(s), []).append(s)
    ranked = sorted(
        (rank, a.order[s.id], n, s, calc)
        for n, calc in enumerate(a.calcs)
        for s in by_shape.get((calc.figure.kind, calc.figure.per), [])
        if (rank := _rank(s, calc, a)) is not None
    )
    stated: set[str] = set()
    computed: set[str] = set()
    checks = []
    for rank, _, _, s, calc in ranked:
        if s.id not in stated and calc.figure.id not in computed:
            stated.add(s.id)
            computed.add(calc.figure.id)
            checks.append(_check(s, calc, tolerance, rank[-1]))
    checks.sort(key=lambda c: a.order[c.stated_id])
    return _with_ids(checks, a)


def _with_ids(checks: list[Check], a: Article) -> list[Check]:
    """Give each check an id from its content: the stated figure's paragraph, span and text
    and the computation's formula. An editor's verdict is keyed by it, so it must name the
    same check when the ledger is rebuilt with checks added, dropped or reordered."""
    formulas = {c.figure.id: c.figure.formula or "" for c in a.calcs}
    stated = {f.id: f for f in a.source}
    given: set[str] = set()
    out = []
    for check in checks:
        s = stated[check.stated_id]
        content = f"{s.paragraph_id}|{s.span}|{s.text}|{formulas[check.computed_id]}"
        base = "k" + hashlib.blake2b(content.encode("utf-8"), digest_size=5).hexdigest()
        check_id, n = base, 1
        while check_id in given:  # the same content twice: a figure extract() split in two
            n += 1
            check_id = f"{base}-{n}"
        given.add(check_id)
        out.append(check.model_copy(update={"id": check_id}))
    return out
