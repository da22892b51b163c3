"""Rules over change: periods read and ordered, series of one quantity over periods,
year-over-year change, changes the text spells out ("to $70 B from $66 B"), the amount a
stated change started from ("jumped by 75%, reaching 70,000 MW"), growth multiples, and
yearly rates over several years.
"""

from __future__ import annotations

import functools
import itertools
import re

from pipeline.figures import roles
from pipeline.figures.derive.article import Article, as_percent, bounds, div, name_of
from pipeline.figures.derive.reading import (
    RISE,
    clause_in,
    clause_of,
    entity_of,
    find,
    is_expectation,
    is_group,
    is_stated_multiple,
    is_stated_total,
    quantity_noun,
    role_of,
    same_entity,
    written_bounds,
)
from pipeline.figures.models import Figure
from pipeline.figures.units import compatible, convert

_UP_FROM = re.compile(
    r"\b(?:up|down|rising|rose|risen|climbing|climbed|growing|grew|increas\w*|declin\w*|"
    r"falling|fell|dropp\w*|jump\w*)\s+from\s*(?:(?:its|the|their|a)\s+(?:previous|prior|earlier|"
    r"original|initial)\s+(?:estimate|forecast|guidance|plan|projection|figure)\s+of\s*)?$"
    r"|\b(?:compared (?:with|to)|compares (?:with|to)|versus|vs\.?)\s*$"
    r"|\b(?:above|below)\s+(?:(?:19|20)\d\d's\s+)?$",
    re.IGNORECASE,
)
"""Before the old amount, said after the new one: "$9.2bn, up from $6.8bn last year", "an
increase from its previous estimate of $43.2bn", "This compares to 21GW in July", "That is
… significantly above 2024's $52.5bn"."""
_BACK_REFERENCE = re.compile(
    r"^\s*(?:this|that|which|it|the (?:total|figure|number|amount|sum|tally|spending|outlay))\b",
    re.IGNORECASE)
"""A sentence that opens on the one before: "This compares to 21GW", "The total … was up from
$14 billion": the new amount is there."""
_CURRENT = roles.keywords("currently", "right now", "today", "at present", "presently")
"""Said of the amount a change starts from: "will quadruple … to 300 MW. It currently consumes
150 MW": the current amount may come after the new one."""
_RESTATED = re.compile(
    r"\b(?:that|this|the)\s+(?:number|figure|total|amount|count|tally)\s+(?:is|was|stands at|"
    r"stood at|has (?:risen|grown|climbed|fallen) to|reached|hit)\s+(?:now\s+)?$",
    re.IGNORECASE,
)
"""Before a new amount of the quantity said just before: "today that number is 6.6 GW"."""


_MORE = roles.keywords("another", "an additional", "a further", "an extra", "additional")


QUARTER = re.compile(r"\b[QH]([1-4])\b")


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = re.compile(r"\b(" + "|".join(_MONTHS) + r")[a-z]*\.?\s+(?:19|20)\d\d", re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def period_key(period: str | None) -> tuple[int, int, int] | None:
    """A period as (year, quarter, month) to order and compare: "2025" → (2025, 0, 0), "fiscal
    2024" → (2024, 0, 0), "FY24" → (2024, 0, 0), "Q1 FY2025" → (2025, 1, 0), "July 2024" →
    (2024, 0, 7); None without a year."""
    text = period or ""
    year = re.search(r"(?<!\d)(?:19|20)\d\d(?!\d)", text)
    fiscal = re.search(r"\bFY\s?'?(\d\d)(?!\d)", text, re.IGNORECASE)
    if year is None and fiscal is None:
        return None
    quarter = QUARTER.search(text)
    month = _MONTH.search(text)
    return (int(year.group()) if year else 2000 + int(fiscal.group(1)) if fiscal else 0,
            int(quarter.group(1)) if quarter else 0,
            _MONTHS.index(month.group(1).lower()[:3]) + 1 if month else 0)


def year_over_year(a: Article) -> None:
    """Change from one period to the next, in percent, per entity and combined (a table's
    column sums, or stated totals with a year when there is no table): $225 B → $315 B is
    40%. A series of three or more periods also gets its first-to-last change
    ($35.4 B → $55.7 B → $80 B: 126% in two years), and a change over several years its
    yearly rate."""
    groups: dict[tuple[object, ...], dict[tuple[int, int, int], Figure]] = {}
    sums = [(c.figure, c.leaves[0].paragraph_id) for c in a.calcs if c.rule == "sum"]
    for total, table in sums or [(f, None) for f in a.having(is_stated_total)]:
        key = period_key(total.period)
        if key is not None:
            groups.setdefault(("combined", table, total.unit), {}).setdefault(key, total)
    for series in _series(a):
        for f in series:
            key = period_key(f.period)
            if key is not None:
                groups.setdefault(("series", key[1], key[2] > 0, series[0].id), {}).setdefault(
                    key, f)
    for by_period in groups.values():
        periods = sorted(by_period)
        pairs = list(itertools.pairwise(periods))
        if len(periods) > 2:
            pairs.append((periods[0], periods[-1]))
        for old, new in pairs:
            _add_change(a, by_period[old], by_period[new], years=new[0] - old[0])


def _series(a: Article) -> list[list[Figure]]:
    """Amounts of one quantity stated for different periods: per paragraph, kind, currency and
    role, one series per named entity (a figure with no entity joins its paragraph's only
    named one); the same named entity's series in other paragraphs join it."""
    buckets: dict[tuple[str | None, str, str, str], list[Figure]] = {}
    for f in a.source:
        if (f.kind in ("money", "energy", "power") and not is_group(f)
                and period_key(f.period) is not None):
            role = _quantity_role(f)
            unit = f.unit if f.kind == "money" else f.kind
            buckets.setdefault((f.paragraph_id, f.kind, unit, role), []).append(f)
    series: dict[tuple[object, ...], list[Figure]] = {}
    for (_, kind, unit, role), figures in buckets.items():
        if len({f.per for f in figures if f.per is not None}) > 1 or all(f.per for f in figures):
            figures = [f for f in figures if f.per is None]
        # else one rate, said once: "from $28.92 per megawatt-day for 2024/25, to $269.92 for
        # 2025/26" (a price series whose later amounts leave the rate unsaid)
        named = {f.entity.lower() for f in figures if f.entity}
        for f in figures:
            if f.entity or len(named) == 1:
                entity = f.entity.lower() or next(iter(named))
            elif named:
                continue  # whose it is cannot be told
            else:
                entity = f"paragraph {f.paragraph_id}"
            series.setdefault((kind, unit, role, entity), []).append(f)
    return [figures for figures in series.values() if len(figures) > 1]


def _add_change(a: Article, old: Figure, new: Figure, years: int = 1) -> None:
    """The change from old to new in percent; as a multiple too when the article states a
    growth multiple ("more than doubling"); and per year when it spans several years. Each
    carries the range its inputs allow as written ("40 GW" is 39.5–40.5 GW), for checks.
    None between an expectation and an actual of the same period: "analysts expected $12.16bn"
    against the $12bn that came in is a miss, not a change."""
    if not _a_series(old, new):
        return
    multiple = div(bounds(new), bounds(old, new.unit))
    loose = div(_written(new), _written(old, new.unit))
    role = _growth_role(new)
    entity = "combined" if new.origin == "computed" else entity_of(new) or entity_of(old)
    a.add(
        "yoy",
        [old, new],
        f"({a.show(new)} − {a.show(old)}) ÷ {a.show(old)}",
        as_percent(multiple, less=1),
        kind="percent",
        unit="%",
        period=new.period,
        role=role,
        entity=entity,
        subject=f"change from {name_of(old)} to {name_of(new)}",
        loose=as_percent(loose, less=1),
    )
    if a.states_multiple:
        a.add(
            "multiple",
            [old, new],
            f"{a.show(new)} ÷ {a.show(old)}",
            multiple,
            kind="ratio",
            unit="x",
            period=new.period,
            role="growth_multiple",
            entity=entity,
            subject=f"{name_of(new)} as a multiple of {name_of(old)}",
            loose=loose,
        )
    if years > 1 and multiple[0] > 0 and loose[0] > 0:
        a.add(
            "yearly",
            [old, new],
            f"({a.show(new)} ÷ {a.show(old)})^(1/{years}) − 1",
            as_percent(_yearly(multiple, years), less=1),
            kind="percent",
            unit="%",
            per="year",
            period=f"{old.period}–{new.period}",
            role=role,
            entity=entity,
            subject=f"yearly change from {name_of(old)} to {name_of(new)}",
            loose=as_percent(_yearly(loose, years), less=1),
        )


def _yearly(multiple: tuple[float, float], years: int) -> tuple[float, float]:
    return multiple[0] ** (1 / years), multiple[1] ** (1 / years)


def _written(f: Figure, unit: str | None = None) -> tuple[float, float]:
    """A stated figure's range as its written digits allow; a computed one's as computed."""
    low, high = written_bounds(f) if f.origin == "source" else (f.low, f.high)
    if unit is None or unit == f.unit:
        return low, high
    return convert(low, f.unit, unit), convert(high, f.unit, unit)


def _a_series(old: Figure, new: Figure) -> bool:
    """Whether old and new are two points of one time series: not an expectation against an
    actual unless each has its own period ("expected to reach 35 GW by 2030, up from 17 GW
    in 2022" is a forecast of a later year)."""
    if is_expectation(old) == is_expectation(new):
        return True
    return None not in (period_key(old.period), period_key(new.period)) and (
        old.period != new.period)


_QUANTITY_ROLE = {"cost": "capex", "grid_capacity": "facility_power"}
"""Roles that name one quantity in a series: a utility's contracted "capacity" in December
and its "data center demand" in July are both a site's power."""


def _quantity_role(f: Figure) -> str:
    return _QUANTITY_ROLE.get(role_of(f), role_of(f))


def _growth_role(f: Figure) -> str:
    """The role of a change in f: spending's, revenue's, or anything else's growth."""
    role = role_of(f)
    return "capex_growth" if role in ("capex", "cost") else (
        "revenue_growth" if role == "revenue" else "growth")


def changes_in_text(a: Article) -> None:
    """Changes the text spells out without periods: "to $70 billion from $66 billion", "it
    has swelled to 225 gigawatts" (from the same quantity said before it in the paragraph, or
    said as current after it), and "another 600 megawatts" on top of the amount said before
    it. Every mention counts: a figure said again may be said as the new amount."""
    for said in a.mentions.values():
        for i, (_, sentence, new) in enumerate(said):
            at = find(sentence, new.text)
            if new.kind not in ("money", "energy", "power") or at is None:
                continue
            before = sentence[:at]
            earlier = [(s, f) for _, s, f in said[:i] if f.id != new.id and _same_quantity(f, new)]
            previous = earlier[-1][1] if earlier else None
            newer = next((f for _, s, f in reversed(said[:i]) if s == sentence  # "up from"
                          and f.id != new.id and _same_quantity(f, new, whose=False)
                          and is_expectation(f) == is_expectation(new)), None)  # says whose
            if newer is None and _BACK_REFERENCE.search(sentence):
                alike = previous is not None and is_expectation(previous) == is_expectation(new)
                newer = (previous if alike else None) or _said_before(a, new)  # "This compares"
            if (re.search(r"\bto\s*$", before) and not _UP_FROM.search(before)
                    and RISE.search(clause_in(sentence, new.text))):
                old = (_stated_from(said, sentence, new) or _current(said, sentence, new)
                       or previous)
                if old is not None:
                    _add_change(a, old, new)
                    _spelled_multiple(a, old, new)
            elif _UP_FROM.search(before) and newer is not None and not _has_own_end(
                    said, sentence, new):
                _add_change(a, new, newer)  # "hit $9.2bn, up from $6.8bn last year"
            elif _RESTATED.search(before) and previous is not None:
                _add_change(a, previous, new)  # "6 GW in February; today that number is 6.6 GW"
            elif _MORE.search(before[-16:]) and previous is not None:
                a.add(
                    "increment",
                    [previous, new],
                    f"{a.show(new)} ÷ {a.show(previous)}",
                    as_percent(div(bounds(new), bounds(previous, new.unit))),
                    kind="percent",
                    unit="%",
                    period=new.period,
                    role=_growth_role(new),
                    entity=entity_of(previous) or entity_of(new),
                    subject=f"{name_of(new)} more on top of {name_of(previous)}",
                )


def _said_before(a: Article, new: Figure) -> Figure | None:
    """What a sentence opening on "That" or "The total" points back to when its paragraph
    says nothing before it and its own sentence states no amount before it (but what was
    expected): the same quantity, whoever the extractor said it was of, that select()
    finds said before it (add() marks the change far when it is)."""
    at = find(new.sentence or "", new.text) or 0
    if any(f.kind == new.kind and not is_expectation(f)
           and (find(f.sentence or "", f.text) or 0) < at for f in a.said_with(new)):
        return None  # "That works out to $79 billion per company, up from $225 billion"
    before = [f for f in a.source if a.order[f.id] < a.order[new.id]
              and _same_quantity(f, new, whose=False) and not is_expectation(f)]
    pick = a.select(new, before)
    return pick.figure if pick else None


def _spelled_multiple(a: Article, old: Figure, new: Figure) -> None:
    """The multiple a change spells out in its clause ("will quadruple … to 300 MW"),
    recomputed from the amounts it runs between and checked against that word alone."""
    said = a.sentences.get((new.paragraph_id, new.sentence), [])
    clause = clause_of(new)
    for word in [f for f in said if is_stated_multiple(f) and f.text in clause]:
        a.add(
            "multiple",
            [old, new],
            f"{a.show(new)} ÷ {a.show(old)}",
            div(bounds(new), bounds(old, new.unit)),
            kind="ratio",
            unit="x",
            period=new.period,
            role="growth_multiple",
            entity=entity_of(new) or entity_of(old),
            subject=f"{name_of(new)} as a multiple of {name_of(old)}",
            restates=word,
            loose=div(_written(new), _written(old, new.unit)),
        )


def _current(said: list[tuple[int, str, Figure]], sentence: str, new: Figure) -> Figure | None:
    """The same quantity said as the current amount anywhere in the paragraph: "It currently
    consumes 150 MW". A mention opening on "It" says whose it is only by pointing back, so
    the entity its figure got at another mention is not held against it."""
    return next((f for _, where, f in said if where != sentence and f.id != new.id
                 and _CURRENT.search(where)
                 and _same_quantity(f, new, whose=not _BACK_REFERENCE.search(where))), None)


def _has_own_end(said: list[tuple[int, str, Figure]], sentence: str, old: Figure) -> bool:
    """Whether "from X" runs to its own "to Y" in the sentence ("income climbing from $1.2bn to
    $2.8bn"): then X is where Y started, not the old amount of a figure said before it."""
    at = find(sentence, old.text)
    if at is None:
        return False
    after = sentence[at + len(old.text):]
    return any(where == sentence and f.id != old.id and re.match(
        r"\s*to\s*" + re.escape(f.text), after) for _, where, f in said)


def _same_quantity(f: Figure, g: Figure, whose: bool = True) -> bool:
    """Same kind, unit and quantity, entities not different (unless `whose` is False: not
    compared): "7 kW per rack … to 27 kW" (a rate said once with its "per" and once
    without) too; not when each names its quantity and they differ ("$13.6bn in revenue"
    and "income … $1.2bn")."""
    nouns = {quantity_noun(f), quantity_noun(g)} - {None}
    return f.kind == g.kind and (f.per == g.per or None in (f.per, g.per)) and compatible(
        f.unit, g.unit) and _quantity_role(f) == _quantity_role(g) and (
        not whose or same_entity(entity_of(f), entity_of(g)) is not False) and len(nouns) <= 1


def _stated_from(said: list[tuple[int, str, Figure]], sentence: str, new: Figure) -> Figure | None:
    """The figure of the same quantity said "from" in the sentence: "to $70 B from $66 B"."""
    for _, where, f in said:
        at = find(where, f.text) if where == sentence else None
        if f.id != new.id and at is not None and _same_quantity(f, new) and re.search(
                r"\bfrom\s*$", where[:at]):
            return f
    return None


_FALL = roles.keywords("fall", "fell", "drop", "decline", "cut", "reduc", "lower", "shrink",
                       "shrank", "down")
_REACHING = re.compile(r"\b(?:reaching|(?<!compared )(?<!compares )to|at|hitting|hit|totaling|"
                       r"totalling)\s*$", re.IGNORECASE)
_FROM = re.compile(r"\b(?:from|compared (?:with|to)|compares (?:with|to)|versus|vs\.?)\s*$",
                   re.IGNORECASE)
"""Before the amount a change starts from: "up from $6.8bn", "compared to $188.7 million"."""
_BY = re.compile(r"\b(?:by|up|down|of)\s*$", re.IGNORECASE)
_DELTA = re.compile(r"\b(?:up|down|an increase of|a decrease of|a rise of|a drop of)\s*$",
                    re.IGNORECASE)


def starting_amounts(a: Article) -> None:
    """The amount a change started from, when a sentence gives only where it ended and by how
    much: "has jumped by 75%, reaching nearly 70,000 megawatts" = 70,000 MW ÷ 1.75 = 40,000
    MW; "soared to $108.4 billion, up $20.6 billion from the quarter before" = $87.8 B. Not
    when the sentence states the starting amount itself (that change is changes_in_text's)."""
    for mates in a.sentences.values():
        amounts = [f for f in mates if f.kind in ("money", "energy", "power") and f.per is None]
        for new in [f for f in amounts if _before(f, _REACHING)]:
            same = [f for f in amounts if f.id != new.id and _same_quantity(f, new)]
            if any(_before(f, _FROM) for f in same):
                continue  # the start is stated
            deltas = [f for f in same if _before(f, _DELTA)]
            for delta in deltas if len(deltas) == 1 else []:
                _from_delta(a, new, delta)
            for change in [f for f in mates if _a_change(f)]:
                _from_percent(a, new, change)


def _before(f: Figure, pattern: re.Pattern[str]) -> bool:
    at = find(f.sentence or "", f.text)
    return at is not None and bool(pattern.search((f.sentence or "")[:at]))


def _a_change(f: Figure) -> bool:
    """A percentage said as a change: "jumped by 75%", "up 40%", "fell 20%"."""
    clause = clause_of(f)
    at = clause.find(f.text)
    return (f.kind == "percent" and f.per is None and at >= 0 and _before(f, _BY)
            and bool(RISE.search(clause[:at])))


def _from_delta(a: Article, new: Figure, delta: Figure) -> None:
    clause = clause_of(delta)
    falls = bool(_FALL.search(clause[: max(clause.find(delta.text), 0)]))
    low, high = bounds(delta, new.unit)
    a.add(
        "start",
        [new, delta],
        f"{a.show(new)} {'+' if falls else '−'} {a.show(delta)}",
        (new.low + low, new.high + high) if falls else (new.low - high, new.high - low),
        kind=new.kind,
        unit=new.unit,
        role="start_amount",
        entity=entity_of(new),
        subject=f"{name_of(new)} before the change",
    )


def _from_percent(a: Article, new: Figure, change: Figure) -> None:
    clause = clause_of(change)
    falls = bool(_FALL.search(clause[: max(clause.find(change.text), 0)]))
    factor = (1 - change.high / 100, 1 - change.low / 100) if falls else (
        1 + change.low / 100, 1 + change.high / 100)
    a.add(
        "start",
        [new, change],
        f"{a.show(new)} ÷ (1 {'−' if falls else '+'} {a.show(change)})",
        div(bounds(new), factor),
        kind=new.kind,
        unit=new.unit,
        role="start_amount",
        entity=entity_of(new),
        subject=f"{name_of(new)} before the change",
    )


def percent_multiples(a: Article) -> None:
    """A multiple the article states ("reduced the overhead by more than fourfold", "a sixfold
    improvement") recomputed from the percentages it compares: both in its sentence, else
    the one in its sentence against each said before it in its paragraph (96% ÷ 15% = 6.4×),
    else those of the nearest sentence before it that states two (96% ÷ 21% = 4.57×). Only
    a pair said in the multiple's own sentence is read; others are inferred."""
    for word in a.having(lambda f: f.kind == "ratio" and f.unit == "x" and f.per is None
                         and not _names_its_measure(f)):
        mates = [f for f in a.said_with(word) if _a_percentage(f)]
        earlier = [f for f in a.source if _a_percentage(f) and f.paragraph_id == word.paragraph_id
                   and a.order[f.id] < a.order[word.id] and f not in mates]
        if len(mates) >= 2:
            pairs = list(itertools.combinations(mates, 2))
        elif mates:
            pairs = [(mates[0], f) for f in earlier]
        else:
            last = [f for f in earlier if f.sentence == earlier[-1].sentence] if earlier else []
            pairs = list(itertools.combinations(last, 2))
        for one, other in pairs:
            big, small = (one, other) if one.high >= other.high else (other, one)
            a.add(
                "percent_multiple",
                [big, small],
                f"{a.show(big)} ÷ {a.show(small)}",
                div(bounds(big), bounds(small)),
                kind="ratio",
                unit="x",
                role="ratio",
                entity=entity_of(word),
                subject=f"{name_of(big)} as a multiple of {name_of(small)}",
                restates=word,
                inferred=len(mates) < 2,
            )


def _a_percentage(f: Figure) -> bool:
    """A level (a share, an overhead) one multiple can compare: not a change ("up 15%"),
    whose quotient with another change means nothing."""
    if not (f.kind == "percent" and f.per is None and f.low == f.high and f.low > 0):
        return False
    sentence = f.sentence or ""
    at = find(sentence, f.text)
    if at is None:
        return True
    return not (_CHANGE_BEFORE.search(sentence[:at])
                or _CHANGE_AFTER.match(sentence, at + len(f.text)))


_CHANGE_BEFORE = re.compile(
    r"\b(?:up|down|rose|rising|fell|falling|grew|growing|jumped|climbed|gained|declined|"
    r"increased|decreased|by)\s+(?:about|nearly|roughly|almost|more than|over|some)?\s*$",
    re.IGNORECASE)
_CHANGE_AFTER = re.compile(
    r"\s*(?:increase|rise|jump|growth|gain|decline|decrease|drop|higher|lower|more|less|"
    r"year[- ]on[- ]year|year[- ]over[- ]year|sequentially|on the (?:year|quarter))\b",
    re.IGNORECASE)
"""A percentage said as a change ("up 15%", "11% sequentially", "a 22% jump"), which no
multiple compares with another."""
_NAMED_RATIO = re.compile(r"\bratio\s+(?:of\s+)?$", re.IGNORECASE)


def _names_its_measure(f: Figure) -> bool:
    """ "a book-to-bill ratio of 1.2x": a ratio of its own named measure, not a multiple of
    the percentages beside it."""
    at = find(f.sentence or "", f.text)
    return at is not None and bool(_NAMED_RATIO.search((f.sentence or "")[:at]))
