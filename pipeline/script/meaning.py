"""What a figure means, in words a host can say: who it is about, how it ranks, and the
comparisons the ledger computed with it.

Nothing here invents a number: every value is a ledger figure (as the article
wrote it, or in long form), and the writer audits each line anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pipeline.figures import units
from pipeline.figures.display import value_text
from pipeline.figures.models import Figure, Ledger, per_ledger
from pipeline.script.scoring import Comparison, said_as
from pipeline.script.spoken import formula_in_words, in_words

Rank = Literal["top", "bottom", "middle", "alone"]
MIN_RANKED = 3  # a figure is "the largest" only among at least this many of its kind
NOUNS = {
    "power": "power figure",
    "energy": "energy figure",
    "money": "sum of money",
    "count": "count",
    "percent": "share",
    "ratio": "multiple",
    "pue": "efficiency figure",
}
GENERIC = re.compile(
    r"(?i)^(?:it|they|this|that|these|those|operators?|companies|company|"
    r"racks?|the article|analysts?|experts?|report|source|way|thing|things|part|"
    r"one|ones|lot|(?:a |the )?(?:price|cost|figure|number|total|share)s?)$"
)
STANDALONE_NUMBER = re.compile(r"(?<![A-Za-z0-9])\d")  # "2025 capex", not "GB200"
PLURAL_OK = re.compile(r"(?i)(?:ss|us|is)$")


def about(figure: Figure) -> str | None:
    """Who or what a figure is about, as a noun phrase that fits after "for": "Microsoft",
    "a typical enterprise rack", "the AI campus"; None when the ledger's entity says
    nothing a listener could hold on to."""
    entity = " ".join((figure.entity or "").split())
    if (
        not entity
        or GENERIC.match(entity)
        or STANDALONE_NUMBER.search(entity)
        or len(entity.split()) > 6
        or "," in entity
        or _pointed_at(entity, figure)
    ):
        return None
    head = entity.split()[-1]
    if entity[0].isupper() and not head.islower():  # a name: "Microsoft", "GB200 NVL72"
        return entity
    if (head.endswith("s") and not PLURAL_OK.search(head)) or head.endswith("ing"):
        return entity  # plural, or a mass noun: "operators", "direct-to-chip cooling"
    return f"{'an' if entity[0].lower() in 'aeiou' else 'a'} {entity}"


def _pointed_at(entity: str, figure: Figure) -> bool:
    """Whether the sentence names the entity only by pointing back ("That arrangement works
    up to 40 kW"): "an arrangement" on its own tells the listener nothing."""
    return bool(
        figure.sentence
        and re.search(
            rf"(?i)\b(?:that|this|these|those|such)\s+{re.escape(entity)}\b", figure.sentence
        )
    )


def spoken_figure(figure: Figure) -> str:
    """A figure on its own, as a host says it: as the article wrote it, symbols in words
    ("~10.2 kW" → "about 10.2 kW", "80–120+ kW / rack" → "80–120 or more kW per rack"),
    lower case where it opened a sentence ("More than 5,000 workers")."""
    said = in_words(said_as(figure))
    if re.match(r"[A-Z][a-z]", said):
        said = said[0].lower() + said[1:]
    return said


def noun(figure: Figure) -> str:
    return NOUNS.get(figure.kind, "number")


def rank(figure: Figure, ledger: Ledger) -> Rank:
    """Where a figure stands among the article's own figures of its kind, unit and rate."""
    return ranks(ledger).get(figure.id, "alone")


@per_ledger
def ranks(ledger: Ledger) -> dict[str, Rank]:
    """`rank` for every source figure, computed once per ledger: each figure converted once
    to the unit of the first figure it can be compared with."""
    groups: list[tuple[Figure, list[tuple[Figure, float]]]] = []
    for f in ledger.by_origin("source"):
        for first, members in groups:
            if _peer(f, first):
                members.append((f, _size(f, first.unit)))
                break
        else:
            groups.append((f, [(f, _size(f, f.unit))]))
    found: dict[str, Rank] = {}
    for _, members in groups:
        if len(members) < MIN_RANKED:
            continue
        top, bottom = max(v for _, v in members), min(v for _, v in members)
        for f, v in members:
            found[f.id] = "top" if v >= top else "bottom" if v <= bottom else "middle"
    return found


def _peer(f: Figure, figure: Figure) -> bool:
    """Figures a rank is said among: same kind and rate, in units that convert. The hosts
    say "the biggest sum of money in the piece", so every such figure of the article
    counts, whatever it measures: ranked within a role only, a year-earlier total was
    called "the biggest sum of money of the lot" next to a larger one."""
    return (
        f.kind == figure.kind
        and f.per == figure.per
        and (f.unit == figure.unit or units.compatible(f.unit, figure.unit))
    )


def _size(f: Figure, unit: str) -> float:
    middle = (f.low + f.high) / 2
    return middle if f.unit == unit else units.convert(middle, f.unit, unit)


def ratio_terms(ratio: Figure, ledger: Ledger) -> tuple[Figure, Figure] | None:
    """The larger and the smaller figure of a computed multiple ("N times"), whichever order
    the ledger lists its inputs in; None unless the multiple is at least one and really is
    the one divided by the other (within 5%): a multiple said the wrong way round ("7 kW
    is 3.9 times the 27 kW") would tell the listener the opposite of the article."""
    if len(ratio.inputs) != 2 or ratio.low < 1:
        return None
    a, b = (ledger.figure(i) for i in ratio.inputs)
    if a.unit == b.unit:
        sizes = ((a.low + a.high) / 2, (b.low + b.high) / 2)
    elif a.unit is None or b.unit is None:
        return None
    else:
        try:
            sizes = (_size(a, a.unit), _size(b, a.unit))
        except ValueError:
            return None
    big, small = (a, b) if sizes[0] >= sizes[1] else (b, a)
    low, high = sorted(sizes)
    if low <= 0 or abs(high / low - ratio.low) > 0.05 * ratio.low:
        return None
    return big, small


@dataclass(frozen=True)
class Said:
    """A comparison as a host says it: the template, its context and the ids it cites."""

    template: str
    context: dict[str, str | None]
    figures: list[str]


def spoken(c: Comparison, ledger: Ledger) -> list[Said]:
    """Ways to say a comparison, the most meaningful first: a ratio as "N times the X of
    Y", a change as "from X to Y", a share of a total, a total as its result; then the
    formula in words. A check says the article's own figure
    with it; arithmetic that checks nothing and means nothing on its own is not said."""
    ids = [c.figure.id, *c.figure.inputs, *([c.stated.id] if c.stated else [])]
    stated = spoken_figure(c.stated) if c.stated and (c.agrees or c.alarm) else None
    result = formula_in_words(c.figure.text) if c.figure.text else value_text(c.figure)
    found = []
    if c.stated and c.alarm and c.formula:
        return [Said("comparison_mismatch", {"formula": c.formula, "stated": stated}, ids)]
    inputs = [ledger.figure(i) for i in c.figure.inputs]
    operators = (c.figure.formula or "").count(" + ")
    role = c.figure.role or ""
    whose = about(c.figure)
    # A change is (later − earlier) ÷ earlier; an increment ("another 5 GW" on top of 1.4 GW)
    # is the added amount over the base, and "from 1.4 GW to 5 GW" would misstate it.
    change = " − " in (c.figure.formula or "")
    if role.endswith("growth") and change and len(inputs) == 2 and whose and whose[0].isupper():
        found.append(
            Said(
                "comparison_growth",
                {
                    "whose": whose,
                    "result": value_text(c.figure),
                    "earlier": value_text(inputs[0]),
                    "later": value_text(inputs[1]),
                    "stated": stated,
                },
                ids,
            )
        )
    elif role == "share" and len(inputs) == 2 and whose and whose[0].isupper():
        found.append(
            Said(
                "comparison_share",
                {
                    "whose": whose,
                    "result": value_text(c.figure),
                    "part": value_text(inputs[0]),
                    "whole": value_text(inputs[1]),
                },
                ids,
            )
        )
    elif c.figure.unit == "x" and (terms := ratio_terms(c.figure, ledger)):
        big, small = terms
        found.append(
            Said(
                "comparison_ratio",
                {
                    "big": value_text(big),
                    "small": value_text(small),
                    "result": result,
                    "whose": about(small),
                    "stated": stated,
                },
                ids,
            )
        )
    elif operators >= 2 and (stated or len({f.role for f in inputs}) == 1):  # like with like
        found.append(
            Said("comparison_total", {"result": result, "stated": stated, "whose": whose}, ids)
        )
    if not found and not stated:
        return []  # arithmetic that checks nothing and means nothing on its own is not said
    if c.formula:
        name = "comparison_check" if stated else "comparison"
        found.append(Said(name, {"formula": c.formula, "stated": stated}, ids))
    return found  # a bare result ("So that's 1,778 MW.") would say nothing a listener can use
