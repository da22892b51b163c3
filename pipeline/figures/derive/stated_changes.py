"""Rules over changes the text spells out without periods: "to $70 billion from $66
billion", "hit $9.2bn, up from $6.8bn last year", "today that number is 6.6 GW", "In
comparison, … only 8GW", "another 600 megawatts", and the multiple a change spells out
("will quadruple … to 300 MW"). The change itself is `growth.add_change`'s.
"""

from __future__ import annotations

import re

from pipeline.figures import roles
from pipeline.figures.derive.article import Article, as_percent, bounds, div, name_of
from pipeline.figures.derive.growth import (
    COMPARED,
    a_series,
    add_change,
    growth_role,
    same_quantity,
    written,
)
from pipeline.figures.derive.reading import (
    RISE,
    clause_in,
    clause_of,
    entity_of,
    find,
    is_expectation,
    is_stated_multiple,
)
from pipeline.figures.models import Figure

_UP_FROM = re.compile(
    r"\b(?:up|down|rising|rose|risen|climbing|climbed|growing|grew|increas\w*|declin\w*|"
    r"falling|fell|dropp\w*|jump\w*)(?:\s+(?:of|by)\s+[\d.,]+\s*(?:%|percent))?\s+from\s*"
    r"(?:(?:its|the|their|a)\s+(?:previous|prior|earlier|original|initial|last)\s+(?:(?:estimate|"
    r"expectation|forecast|guidance|plan|projection|figure)\s+of|year's|quarter's)\s*)?$"
    rf"|\b{COMPARED}\s*$"
    r"|\b(?:above|below)\s+(?:(?:19|20)\d\d's\s+)?$",
    re.IGNORECASE,
)
"""Before the old amount, said after the new one: "$9.2bn, up from $6.8bn last year", "an
increase from its previous estimate of $43.2bn", "a decline of 40% from the previous
expectation of $20 billion", "a 22% jump from the prior year's $269.92", "This compares to
21GW in July", "That is … significantly above 2024's $52.5bn"."""


_BACK_REFERENCE = re.compile(
    r"^\s*(?:this|that|which|it|the (?:total|figure|number|amount|sum|tally|spending|outlay))\b",
    re.IGNORECASE,
)
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
            earlier = [(s, f) for _, s, f in said[:i] if f.id != new.id and same_quantity(f, new)]
            previous = earlier[-1][1] if earlier else None
            newer = next(
                (
                    f
                    for _, s, f in reversed(said[:i])
                    if s == sentence  # "up from"
                    and f.id != new.id
                    and same_quantity(f, new, whose=False)
                    and is_expectation(f) == is_expectation(new)
                ),
                None,
            )  # says whose
            if newer is None and _BACK_REFERENCE.search(sentence):
                alike = previous is not None and is_expectation(previous) == is_expectation(new)
                newer = (previous if alike else None) or _said_before(a, new)  # "This compares"
            if (
                re.search(r"\bto\s*$", before)
                and not _UP_FROM.search(before)
                and RISE.search(clause_in(sentence, new.text))
            ):
                old = _stated_from(said, sentence, new) or _current(said, sentence, new) or previous
                if old is not None:
                    add_change(a, old, new)
                    _spelled_multiple(a, old, new)
            elif (
                _UP_FROM.search(before)
                and newer is not None
                and not _has_own_end(said, sentence, new)
            ):
                add_change(a, new, newer)  # "hit $9.2bn, up from $6.8bn last year"
            elif _RESTATED.search(before) and previous is not None:
                add_change(a, previous, new)  # "6 GW in February; today that number is 6.6 GW"
            elif _IN_COMPARISON.match(sentence) and (
                then := _compared_with(said[:i], sentence, new)
            ):
                add_change(a, new, then, entity="")  # "26GW … In comparison, … only 8GW"
            elif _MORE.search(before[-16:]) and previous is not None:
                a.add(
                    "increment",
                    [previous, new],
                    f"{a.show(new)} ÷ {a.show(previous)}",
                    as_percent(div(bounds(new), bounds(previous, new.unit))),
                    kind="percent",
                    unit="%",
                    period=new.period,
                    role=growth_role(new),
                    entity=entity_of(previous) or entity_of(new),
                    subject=f"{name_of(new)} more on top of {name_of(previous)}",
                )


_IN_COMPARISON = re.compile(r"^\s*(?:in|by) comparison\b", re.IGNORECASE)
"""A sentence that opens by setting its amount against the one said before it: "26GW … is
within the … stage. In comparison, in July 2024, only 8GW was in that stage"."""


def _compared_with(
    said: list[tuple[int, str, Figure]], sentence: str, old: Figure
) -> Figure | None:
    """The amount a sentence opening on "In comparison" sets its first amount against: the
    same quantity said last before it in the paragraph (whoever the extractor said it was
    of: the sentence points back to it), of the same standing (both actual or expected)."""
    if any(where == sentence and f.kind == old.kind for _, where, f in said):
        return None  # not the sentence's first amount
    return next(
        (
            f
            for _, where, f in reversed(said)
            if same_quantity(f, old, whose=False) and is_expectation(f) == is_expectation(old)
        ),
        None,
    )


def _said_before(a: Article, new: Figure) -> Figure | None:
    """What a sentence opening on "That" or "The total" points back to when its paragraph
    says nothing before it and its own sentence states no amount before it (but what was
    expected): the same quantity, whoever the extractor said it was of, that select()
    finds said before it, as an actual, or as an expectation of a period of its own ("expects
    … $75 billion this year"); add() marks the change far when it is."""
    at = find(new.sentence or "", new.text) or 0
    if any(
        f.kind == new.kind and not is_expectation(f) and (find(f.sentence or "", f.text) or 0) < at
        for f in a.said_with(new)
    ):
        return None  # "That works out to $79 billion per company, up from $225 billion"
    before = [
        f
        for f in a.source
        if a.order[f.id] < a.order[new.id]
        and same_quantity(f, new, whose=False)
        and a_series(new, f)
    ]
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
            loose=div(written(new), written(old, new.unit)),
        )


def _current(said: list[tuple[int, str, Figure]], sentence: str, new: Figure) -> Figure | None:
    """The same quantity said as the current amount anywhere in the paragraph: "It currently
    consumes 150 MW". A mention opening on "It" says whose it is only by pointing back, so
    the entity its figure got at another mention is not held against it."""
    return next(
        (
            f
            for _, where, f in said
            if where != sentence
            and f.id != new.id
            and _CURRENT.search(where)
            and same_quantity(f, new, whose=not _BACK_REFERENCE.search(where))
        ),
        None,
    )


def _has_own_end(said: list[tuple[int, str, Figure]], sentence: str, old: Figure) -> bool:
    """Whether "from X" runs to its own "to Y" in the sentence ("income climbing from $1.2bn to
    $2.8bn"): then X is where Y started, not the old amount of a figure said before it."""
    at = find(sentence, old.text)
    if at is None:
        return False
    after = sentence[at + len(old.text) :]
    return any(
        where == sentence and f.id != old.id and re.match(r"\s*to\s*" + re.escape(f.text), after)
        for _, where, f in said
    )


def _stated_from(said: list[tuple[int, str, Figure]], sentence: str, new: Figure) -> Figure | None:
    """The figure of the same quantity said "from" in the sentence: "to $70 B from $66 B"."""
    for _, where, f in said:
        at = find(where, f.text) if where == sentence else None
        if (
            f.id != new.id
            and at is not None
            and same_quantity(f, new)
            and re.search(r"\bfrom\s*$", where[:at])
        ):
            return f
    return None
