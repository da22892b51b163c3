"""Rules over change: periods read and ordered, series of one quantity over periods,
year-over-year change, the amount a stated change started from ("jumped by 75%, reaching
70,000 MW"), growth multiples and yearly rates over several years; and what the rules
over change share (`add_change`, `same_quantity`). Changes the text spells out ("to $70 B
from $66 B") are `derive.stated_changes`'s; a whole against its parts `derive.wholes`'s.
"""

from __future__ import annotations

import functools
import itertools
import re

from pipeline.figures.derive.article import PARAGRAPH, Article, as_percent, bounds, div, name_of
from pipeline.figures.derive.reading import (
    RISE,
    clause_of,
    entity_of,
    find,
    is_expectation,
    is_group,
    is_said_falling,
    is_stated_total,
    quantity_noun,
    role_of,
    same_entity,
    written_bounds,
)
from pipeline.figures.models import Figure
from pipeline.figures.units import compatible, convert

COMPARED = r"(?:compared (?:with|to)|compares (?:with|to)|versus|vs\.?)"


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
    return (
        int(year.group()) if year else 2000 + int(fiscal.group(1)) if fiscal else 0,
        int(quarter.group(1)) if quarter else 0,
        _MONTHS.index(month.group(1).lower()[:3]) + 1 if month else 0,
    )


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
                    key, f
                )
    for by_period in groups.values():
        periods = sorted(by_period)
        pairs = list(itertools.pairwise(periods))
        if len(periods) > 2:
            pairs.append((periods[0], periods[-1]))
        for old, new in pairs:
            add_change(a, by_period[old], by_period[new], years=new[0] - old[0])


def _series(a: Article) -> list[list[Figure]]:
    """Amounts of one quantity stated for different periods: per paragraph, kind, currency and
    role, one series per named entity (a figure with no entity joins its paragraph's only
    named one); the same named entity's series in other paragraphs join it."""
    buckets: dict[tuple[str | None, str, str, str], list[Figure]] = {}
    for f in a.source:
        if (
            f.kind in ("money", "energy", "power")
            and not is_group(f)
            and period_key(f.period) is not None
        ):
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


def add_change(
    a: Article, old: Figure, new: Figure, years: int = 1, entity: str | None = None
) -> None:
    """The change from old to new in percent; as a multiple too when the article states a
    growth multiple ("more than doubling"); and per year when it spans several years. Each
    carries the range its inputs allow as written ("40 GW" is 39.5–40.5 GW), for checks.
    None between an expectation and an actual of the same period: "analysts expected $12.16bn"
    against the $12bn that came in is a miss, not a change. `entity`: whose it is, when the
    inputs' entities say nothing of it ("" for unknown)."""
    if not a_series(old, new):
        return
    multiple = div(bounds(new), bounds(old, new.unit))
    loose = div(written(new), written(old, new.unit))
    role = growth_role(new)
    if entity is None:
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


def written(f: Figure, unit: str | None = None) -> tuple[float, float]:
    """A stated figure's range as its written digits allow; a computed one's as computed."""
    low, high = written_bounds(f) if f.origin == "source" else (f.low, f.high)
    if unit is None or unit == f.unit:
        return low, high
    return convert(low, f.unit, unit), convert(high, f.unit, unit)


def a_series(old: Figure, new: Figure) -> bool:
    """Whether old and new are two points of one time series: not an expectation against an
    actual unless each has its own period ("expected to reach 35 GW by 2030, up from 17 GW
    in 2022" is a forecast of a later year; so is "$75 billion this year" against 2024's)."""
    if is_expectation(old) == is_expectation(new):
        return True
    periods = [f.period if period_key(f.period) else _relative_period(f) for f in (old, new)]
    return None not in periods and periods[0] != periods[1]


_RELATIVE = re.compile(r"\b(?:this|next|last|the coming) (?:year|quarter)\b", re.IGNORECASE)
"""A period said relative to now: "expects capex to hit $75 billion this year" is a forecast
of its own year, against "2024's $52.5bn"."""


def _relative_period(f: Figure) -> str | None:
    said = _RELATIVE.search(clause_of(f))
    return said.group().lower() if said else None


_QUANTITY_ROLE = {"cost": "capex", "grid_capacity": "facility_power"}
"""Roles that name one quantity in a series: a utility's contracted "capacity" in December
and its "data center demand" in July are both a site's power."""


def _quantity_role(f: Figure) -> str:
    return _QUANTITY_ROLE.get(role_of(f), role_of(f))


def growth_role(f: Figure) -> str:
    """The role of a change in f: spending's, revenue's, or anything else's growth."""
    role = role_of(f)
    return (
        "capex_growth"
        if role in ("capex", "cost")
        else ("revenue_growth" if role == "revenue" else "growth")
    )


def same_quantity(f: Figure, g: Figure, whose: bool = True) -> bool:
    """Same kind, unit and quantity, entities not different (unless `whose` is False: not
    compared): "7 kW per rack … to 27 kW" (a rate said once with its "per" and once
    without) too; not when each names its quantity and they differ ("$13.6bn in revenue"
    and "income … $1.2bn")."""
    nouns = {quantity_noun(f), quantity_noun(g)} - {None}
    return (
        f.kind == g.kind
        and (f.per == g.per or None in (f.per, g.per))
        and compatible(f.unit, g.unit)
        and _quantity_role(f) == _quantity_role(g)
        and (not whose or same_entity(entity_of(f), entity_of(g)) is not False)
        and len(nouns) <= 1
    )


_REACHING = re.compile(
    r"\b(?:reaching|(?<!compared )(?<!compares )to|at|hitting|hit|totaling|"
    r"totalling)\s*$",
    re.IGNORECASE,
)
_FROM = re.compile(rf"\b(?:from|{COMPARED})\s*$", re.IGNORECASE)
"""Before the amount a change starts from: "up from $6.8bn", "compared to $188.7 million"."""
_BY = re.compile(r"\b(?:by|up|down|of)\s*$", re.IGNORECASE)
DELTA = re.compile(
    r"\b(?:up|down|an increase of|a decrease of|a rise of|a drop of)\s*$", re.IGNORECASE
)


def starting_amounts(a: Article) -> None:
    """The amount a change started from, when a sentence gives only where it ended and by how
    much: "has jumped by 75%, reaching nearly 70,000 megawatts" = 70,000 MW ÷ 1.75 = 40,000
    MW; "soared to $108.4 billion, up $20.6 billion from the quarter before" = $87.8 B. Not
    when the sentence states the starting amount itself (that change is changes_in_text's)."""
    for mates in a.sentences.values():
        amounts = [f for f in mates if f.kind in ("money", "energy", "power") and f.per is None]
        for new in [f for f in amounts if not preceded_by(f, _REACHING)]:
            for change in _change_after(new, mates):
                _from_percent(a, new, change)
        for new in [f for f in amounts if preceded_by(f, _REACHING)]:
            same = [f for f in amounts if f.id != new.id and same_quantity(f, new)]
            if any(preceded_by(f, _FROM) for f in same):
                continue  # the start is stated
            deltas = [f for f in same if preceded_by(f, DELTA)]
            for delta in deltas if len(deltas) == 1 else []:
                _from_delta(a, new, delta)
            for change in [f for f in mates if _a_change(f)]:
                _from_percent(a, new, change)


_BY_ANOTHER = re.compile(r"\b(?:by|up)\s+(?:a further|another|an additional)\s*$", re.I)
"""Before a percentage added on top of a level said before: "rise by another 40%"."""
_ADDED = re.compile(r"\b(?:add(?:s|ed|ing)?|new|another)\b", re.I)
"""An amount said as what was added ("nearly 200 MW … added during the year"), not a level."""


def levels_after_change(a: Article) -> None:
    """The level a change says it reaches, recomputed from the level said before it: "the
    country's DC capacity reached approximately 1,270 MW … projected to rise by another 40%,
    reaching around 1,760 MW" = 1,270 MW × 1.4 = 1,778 MW. The change is "by another N%" and
    its sentence states the level it reaches; the earlier level is the nearest before it in
    the paragraph of the same quantity, not said as an amount added. Unless both levels are
    read as the same entity's, the pairing is inferred (never an alarm)."""
    for change in a.having(
        lambda f: f.kind == "percent" and f.per is None and preceded_by(f, _BY_ANOTHER)
    ):
        ends = [
            f
            for f in a.said_with(change)
            if f.kind in ("money", "energy", "power")
            and f.per is None
            and preceded_by(f, _REACHING)
        ]
        for end in ends[:1]:
            earlier = [
                f
                for f in a.source
                if f.paragraph_id == end.paragraph_id
                and a.order[f.id] < a.order[change.id]
                and f.sentence != end.sentence
                and same_quantity(f, end, whose=False)
                and not _said_added(f)
            ]
            if not earlier:
                continue
            start = earlier[-1]
            a.add(
                "level",
                [start, change],
                f"{a.show(start)} × (1 + {a.show(change)})",
                (start.low * (1 + change.low / 100), start.high * (1 + change.high / 100)),
                kind=start.kind,
                unit=start.unit,
                role=role_of(start),
                entity=entity_of(start),
                subject=f"{name_of(start)} after the change",
                restates=end,
                inferred=not same_entity(entity_of(start), entity_of(end)),
            )


_THEN_HIGHER = re.compile(
    r"^[^$€£%]*,\s*(?:about\s+|around\s+|roughly\s+|nearly\s+|some\s+)?$", re.IGNORECASE
)
_HIGHER = re.compile(
    r"^\s*(?:higher|lower|more|less|above|below)\b"
    r"(?!\s+(?:than|year|from|on|over|versus|vs))",
    re.IGNORECASE,
)
"""After the percentage: how it compares, with no base or span of its own ("28% higher year
on year" has one)."""


def compared_changes(a: Article) -> None:
    """A change said right after an amount as how much higher or lower it is, with no "than":
    "would have cleared near $530 per megawatt-day, about 60 percent higher" is against the
    amount of the same quantity said last before it (the record $333.44): 530 ÷ 333.44 − 1
    = 58.9%, checked against the percentage. A base said beyond the amount's paragraph, or
    read as another entity's, is inferred (never an alarm)."""
    for change in a.having(lambda f: f.kind == "percent" and f.per is None):
        sentence = change.sentence or ""
        at = find(sentence, change.text)
        if at is None or not _HIGHER.match(sentence[at + len(change.text) :]):
            continue
        amounts = [
            (where, f)
            for f in a.said_with(change)
            if f.kind == "money" or (f.kind in ("energy", "power") and f.per is None)
            if (where := find(sentence, f.text)) is not None and where < at
        ]
        if not amounts:
            continue
        where, new = max(amounts, key=lambda pair: pair[0])
        if not _THEN_HIGHER.match(sentence[where + len(new.text) : at]):
            continue
        before = [
            f
            for f in a.source
            if a.order[f.id] < a.order[new.id]
            and same_quantity(f, new, whose=False)
            and not is_expectation(f)
        ]
        old = _last_said(a, new, before)
        if old is None:
            continue
        pick = a.select(new, [old])
        falls = bool(re.match(r"\s*(?:lower|less|below)", sentence[at + len(change.text) :], re.I))
        a.add(
            "compared",
            [old, new],
            f"({a.show(new)} − {a.show(old)}) ÷ {a.show(old)}",
            as_percent(div(bounds(new), bounds(old, new.unit)), less=1),
            kind="percent",
            unit="%",
            role=growth_role(new),
            entity=entity_of(new) or entity_of(old),
            subject=f"{name_of(new)} against {name_of(old)}" + (" (lower)" if falls else ""),
            restates=change,
            inferred=pick is None
            or pick.place > PARAGRAPH
            or not same_entity(entity_of(old), entity_of(new)),
        )


def _last_said(a: Article, new: Figure, candidates: list[Figure]) -> Figure | None:
    """The candidate mentioned last before new's first mention ("then to $333.44" said
    again after $329.17 is the last said)."""
    rank: dict[str | None, int] = {}
    for f in a.source:
        rank.setdefault(f.paragraph_id, len(rank))
    here = (rank[new.paragraph_id], new.span[0] if new.span else 0)
    places = [
        (f, [(f.paragraph_id, f.span), *((p.paragraph_id, p.span) for p in f.also_at)])
        for f in candidates
    ]
    said = [
        ((rank[paragraph], span[0] if span else 0), f)
        for f, where in places
        for paragraph, span in where
        if paragraph in rank
    ]
    said = [(at, f) for at, f in said if at < here]
    return max(said, key=lambda pair: pair[0])[1] if said else None


def _said_added(f: Figure) -> bool:
    """Whether f is said as an amount added: "another 600 MW", "nearly 200 MW (3 million sq.
    ft.) added during the year" (the words up to the next comma)."""
    sentence = f.sentence or ""
    at = find(sentence, f.text)
    if at is None:
        return False
    after = re.split(r"[,;]", sentence[at + len(f.text) :], maxsplit=1)[0]
    return bool(_ADDED.search(after) or _ADDED.search(sentence[max(at - 12, 0) : at]))


_THEN_UP = re.compile(r"^[^$€£%]*,\s*(?:up|down)\s*$", re.IGNORECASE)
"""Between an amount and the change that follows it: "$8.5 billion backlog as of Q2 2025, up"."""


def _change_after(new: Figure, mates: list[Figure]) -> list[Figure]:
    """The change said right after an amount, its new level: "$8.5 billion backlog as of Q2
    2025, up 21% versus the prior year" (nothing but words between the two)."""
    sentence = new.sentence or ""
    at = find(sentence, new.text)
    if at is None or preceded_by(new, _FROM):
        return []
    end = at + len(new.text)
    after = sorted(
        (
            (where, f)
            for f in mates
            if (where := find(sentence, f.text)) is not None and where >= end
        ),
        key=lambda pair: pair[0],
    )
    if not after or after[0][1].kind != "percent" or after[0][1].per is not None:
        return []
    return [after[0][1]] if _THEN_UP.match(sentence[end : after[0][0]]) else []


def preceded_by(f: Figure, pattern: re.Pattern[str]) -> bool:
    at = find(f.sentence or "", f.text)
    return at is not None and bool(pattern.search((f.sentence or "")[:at]))


def _a_change(f: Figure) -> bool:
    """A percentage said as a change: "jumped by 75%", "up 40%", "fell 20%"."""
    clause = clause_of(f)
    at = clause.find(f.text)
    return (
        f.kind == "percent"
        and f.per is None
        and at >= 0
        and preceded_by(f, _BY)
        and bool(RISE.search(clause[:at]))
    )


def _from_delta(a: Article, new: Figure, delta: Figure) -> None:
    falls = is_said_falling(delta)
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
    falls = is_said_falling(change)
    factor = (
        (1 - change.high / 100, 1 - change.low / 100)
        if falls
        else (1 + change.low / 100, 1 + change.high / 100)
    )
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
    for word in a.having(
        lambda f: (
            f.kind == "ratio" and f.unit == "x" and f.per is None and not _names_its_measure(f)
        )
    ):
        mates = [f for f in a.said_with(word) if _a_percentage(f)]
        earlier = [
            f
            for f in a.source
            if _a_percentage(f)
            and f.paragraph_id == word.paragraph_id
            and a.order[f.id] < a.order[word.id]
            and f not in mates
        ]
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
    return not (
        _CHANGE_BEFORE.search(sentence[:at]) or _CHANGE_AFTER.match(sentence, at + len(f.text))
    )


_CHANGE_BEFORE = re.compile(
    r"\b(?:up|down|rose|rising|fell|falling|grew|growing|jumped|climbed|gained|declined|"
    r"increased|decreased|by)\s+(?:about|nearly|roughly|almost|more than|over|some)?\s*$",
    re.IGNORECASE,
)
_CHANGE_AFTER = re.compile(
    r"\s*(?:increase|rise|jump|growth|gain|decline|decrease|drop|higher|lower|more|less|"
    r"year[- ]on[- ]year|year[- ]over[- ]year|sequentially|on the (?:year|quarter))\b",
    re.IGNORECASE,
)
"""A percentage said as a change ("up 15%", "11% sequentially", "a 22% jump"), which no
multiple compares with another."""
_NAMED_RATIO = re.compile(r"\bratio\s+(?:of\s+)?$", re.IGNORECASE)


def _names_its_measure(f: Figure) -> bool:
    """ "a book-to-bill ratio of 1.2x": a ratio of its own named measure, not a multiple of
    the percentages beside it."""
    return preceded_by(f, _NAMED_RATIO)
