"""Rules over a whole and its parts: what a total leaves besides a part added ("adds 2 GW
to the original 5 GW, bringing the total to 7 GW"), and a whole "in various stages" as
the sum of the stages said after it.
"""

from __future__ import annotations

import re

from pipeline.figures import roles
from pipeline.figures.derive.article import Article, bounds, name_of
from pipeline.figures.derive.growth import DELTA, preceded_by, same_quantity
from pipeline.figures.derive.reading import (
    TOTAL,
    clause_of,
    entity_of,
    find,
    is_expectation,
    role_of,
)

_ADD_TO = re.compile(r"\badd(?:s|ed|ing)?\s*$", re.IGNORECASE)


_TO_THE_REST = re.compile(
    r"^\s*to\s+(?:the|its|their)\s+(?:original|existing|current|first)\b", re.IGNORECASE
)


def remainders(a: Article) -> None:
    """What a total leaves besides the part added to the rest: "10 natural gas facilities
    delivering over 7 GW. The seven new plants will add 5.2 GW to the original three" = 7 GW −
    5.2 GW = 1.8 GW from the original three. The part is said as "add X to the original /
    existing …"; the total is the nearest amount of the same quantity said before it in its
    paragraph, in a sentence that calls it a total ("total", "combined", "bringing … to")."""
    for part in a.having(
        lambda f: (
            f.kind in ("money", "energy", "power") and f.per is None and preceded_by(f, _ADD_TO)
        )
    ):
        sentence = part.sentence or ""
        at = find(sentence, part.text)
        if at is None or not _TO_THE_REST.match(sentence[at + len(part.text) :]):
            continue
        totals = [
            f
            for f in a.source
            if f.paragraph_id == part.paragraph_id
            and a.order[f.id] < a.order[part.id]
            and f.sentence != part.sentence
            and same_quantity(f, part, whose=False)
            and f.high > part.high
            and (TOTAL.search(f.sentence or "") or _BRINGING.search(f.sentence or ""))
        ]
        if not totals:
            continue
        total = totals[-1]
        low, high = bounds(part, total.unit)
        a.add(
            "remainder",
            [total, part],
            f"{a.show(total)} − {a.show(part)}",
            (total.low - high, total.high - low),
            kind=total.kind,
            unit=total.unit,
            role=role_of(total),
            entity=entity_of(total),
            subject=f"{name_of(total)} besides {name_of(part)}",
            inferred=True,  # what the rest is, is read from wording, never from periods
        )


_BRINGING = re.compile(r"\bbring(?:s|ing)?\b[^.]*\bto\b", re.IGNORECASE)


_SPLIT = roles.keywords("stages", "phases", "categories", "segments")
"""A whole said to be spread over parts: "approximately 40GW in various stages of contracting"."""


def parts_of_wholes(a: Article) -> None:
    """A whole said to be spread over stages or categories, summed from the amounts of the same
    quantity said after it, each smaller than it: "40GW in various stages of contracting" …
    "26GW … within the … letters of authorization stage", "9GW in electrical service
    agreements", "5GW … that has executed construction letters" = 40 GW. Not an amount a
    change runs from ("In comparison, in July 2024, only 8GW"), the size of a change ("an
    increase of 1GW") or an expectation. Checked against the whole alone, and inferred (never
    an alarm): that the parts are all of its stages is read from nothing but their order."""
    starts = {c.figure.inputs[0] for c in a.calcs if c.rule == "yoy"}
    for whole in a.having(
        lambda f: (
            f.kind in ("money", "energy", "power")
            and f.per is None
            and bool(_SPLIT.search(clause_of(f)))
        )
    ):
        parts = [
            f
            for f in a.source
            if a.order[f.id] > a.order[whole.id]
            and f.id not in starts
            and same_quantity(f, whole, whose=False)
            and not preceded_by(f, DELTA)
            and not is_expectation(f)
            and bounds(f, whole.unit)[1] < whole.low
        ]
        if len(parts) < 2:
            continue
        a.add(
            "parts",
            parts,
            " + ".join(a.show(f) for f in parts),
            (
                sum(bounds(f, whole.unit)[0] for f in parts),
                sum(bounds(f, whole.unit)[1] for f in parts),
            ),
            kind=whole.kind,
            unit=whole.unit,
            period=whole.period,
            role=role_of(whole),
            entity=entity_of(whole),
            subject=f"{name_of(whole)}, summed from its parts",
            restates=whole,
            inferred=True,
        )
