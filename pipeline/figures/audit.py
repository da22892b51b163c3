"""Audit: every number a script line says must match a figure in the ledger.

A number is traced when the ledger has a figure of a compatible unit whose
value it states, exactly or rounded the way people speak ("roughly nine
times" for 8.7×, "about 770 racks" for 769), within MAX_ROUNDING. Years are
traced when the article mentions them. Everything else is an "untraced
number" finding: what makes an LLM-written script safe to publish.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

from pipeline.figures import units
from pipeline.figures.mention import Mention
from pipeline.figures.models import AuditFinding, Figure, Ledger, per_ledger
from pipeline.figures.numbers import find_mentions

EXACT = 0.02  # relative difference below which two values are the same figure
MAX_ROUNDING = 0.10  # rounding beyond this misstates the figure, however it is said


class Line(Protocol):
    """Anything with an id and text: a script line."""

    @property
    def id(self) -> str: ...

    @property
    def text(self) -> str: ...


def audit(lines: Iterable[Line], ledger: Ledger) -> list[AuditFinding]:
    """One finding per number said in `lines`, traced to a figure or not.

    A number is traced first to the figures its line cites (`Line.figures`, the writer's
    word for what it says), then to the whole ledger: "15 kW" in a line citing a
    traditional rack's 15 kW is that figure, not the article's "5 to 15 kW" range that
    the value matches as well, which would give the one mention two figure cards.
    """
    by_id = {f.id: f for f in ledger.figures}
    findings = []
    for line in lines:
        # Script lines cite figures; plain texts (a title, a candidate sentence) do not.
        cited = [by_id[i] for i in getattr(line, "figures", ()) if i in by_id]
        said: set[str] = set()
        for mention in find_mentions(line.text):
            figure_id = _cited(mention, cited, said) or _trace(mention, ledger)
            if figure_id is not None:
                said.add(figure_id)
            traced = figure_id is not None or (mention.is_year and int(mention.low) in ledger.years)
            findings.append(
                AuditFinding(
                    line_id=line.id,
                    text=mention.text,
                    start=mention.start,
                    end=mention.end,
                    figure_id=figure_id,
                    status="traced" if traced else "untraced",
                )
            )
    return findings


def stated_in(text: str, figures: Iterable[Figure]) -> set[str]:
    """The ids of `figures` whose value a number said in `text` states (a year never
    does); `text` is read once, however many figures are asked about."""
    mentions = [m for m in find_mentions(text) if not m.is_year]
    return {f.id for f in figures if any(_matches(m, f) for m in mentions)}


def untraced(findings: Iterable[AuditFinding]) -> list[AuditFinding]:
    return [f for f in findings if f.status == "untraced"]


def _cited(mention: Mention, cited: list[Figure], said: set[str]) -> str | None:
    """The figure of `cited` that `mention` states: the nearest in value; at a tie one the
    line has not said yet ("18 MW over 120 kW is 150 racks, which matches 150 racks":
    the computed figure, then the stated one), then the first cited."""
    if mention.is_year:
        return None
    matches = [
        (_distance(mention, figure), figure.id in said, order)
        for order, figure in enumerate(cited)
        if _matches(mention, figure)
    ]
    return cited[min(matches)[2]].id if matches else None


def _trace(mention: Mention, ledger: Ledger) -> str | None:
    """The figure `mention` states: of those it matches, the nearest in value.

    Rounding lets "$60 billion" match a $56 billion figure too; the first match
    would name a neighbouring table cell, so an exact value always wins.
    """
    if mention.is_year:
        return None
    figures = ledger.figures
    matches = [
        (_distance(mention, figures[i]), i)
        for i in _candidates(mention.unit, ledger)
        if _matches(mention, figures[i])
    ]
    return figures[min(matches)[1]].id if matches else None


@per_ledger
def _unit_groups(ledger: Ledger) -> dict[str | None, list[int]]:
    groups: dict[str | None, list[int]] = {}
    for i, figure in enumerate(ledger.figures):
        groups.setdefault(figure.unit, []).append(i)
    return groups


def _candidates(unit: str | None, ledger: Ledger) -> list[int]:
    """Indexes of the figures whose unit a number said in `unit` could be in (all of them
    for a bare number), in ledger order. A script's audit asks for every number of every
    candidate line, so the figures are grouped by unit once per ledger."""
    if unit is None:
        return list(range(len(ledger.figures)))
    found = [
        i
        for other, group in _unit_groups(ledger).items()
        if other is None or other == unit or units.compatible(unit, other)
        for i in group
    ]
    return sorted(found)


def _distance(mention: Mention, figure: Figure) -> tuple[float, bool]:
    """How far the said value is from the figure's (relative), then whether the unit or
    denominator differs: the order in which candidate figures are preferred."""
    said = _in_unit_of(mention, figure)
    if said is None:
        return math.inf, True
    low, high = said
    if low != high:
        gap = _relative(low, figure.low) + _relative(high, figure.high)
    else:
        gap = min(_relative(low, figure.low), _relative(low, figure.high))
    return gap, (mention.unit, mention.per) != (figure.unit, figure.per)


def _relative(a: float, b: float) -> float:
    return 0.0 if a == b else abs(a - b) / max(abs(a), abs(b))


def _matches(mention: Mention, figure: Figure) -> bool:
    said = _in_unit_of(mention, figure)
    if said is None:
        return False
    if mention.per is not None and figure.per is not None and mention.per != figure.per:
        return False
    low, high = said
    if low != high:  # a range said must be the figure's range
        return _same(low, figure.low) and _same(high, figure.high)
    return any(_same(low, value) for value in (figure.low, figure.high)) or (
        figure.low <= low <= figure.high
    )


def _in_unit_of(mention: Mention, figure: Figure) -> tuple[float, float] | None:
    """The mention's value in the figure's unit, or None when the units cannot agree."""
    if mention.unit is None or mention.unit == figure.unit:
        return mention.low, mention.high
    if units.compatible(mention.unit, figure.unit):
        return (
            units.convert(mention.low, mention.unit, figure.unit),
            units.convert(mention.high, mention.unit, figure.unit),
        )
    return None


def _same(said: float, value: float) -> bool:
    """Equal, or `value` rounded to the precision `said` was spoken with."""
    if value == said:
        return True
    difference = _relative(said, value)
    if difference <= EXACT:
        return True
    return difference <= MAX_ROUNDING and _rounds_to(value, said)


def _rounds_to(value: float, said: float) -> bool:
    exponent = Decimal(repr(said)).normalize().as_tuple().exponent
    step = 10.0 ** int(exponent)
    return abs(round(value / step) * step - said) <= step * 1e-9
