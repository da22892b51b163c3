"""The article as the rules see it, and each computation they record.

`Article` indexes the source figures (document order, sentences, mentions by
paragraph) and records results through `Article.add`, which formats the
formula and remembers which source figures (`Calc.leaves`) each result rests
on, so checks can tell how near a statement sits to its inputs. The range
arithmetic every rule uses (`div`, `mul`, `as_percent`) lives here too: a
range divided by a range gives the widest honest quotient.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from pipeline.figures.derive.reading import is_stated_multiple
from pipeline.figures.display import format_value as _format
from pipeline.figures.models import Figure, FigureKind
from pipeline.figures.units import convert


@dataclass
class Calc:
    figure: Figure
    rule: str
    leaves: tuple[Figure, ...]  # the source figures it rests on, for placing it in the text
    restates: str | None = None  # the one stated figure it may be checked against, if any
    loose: tuple[float, float] | None = None  # the result from its inputs as rounded in print
    again: frozenset[tuple[str | None, str]] = field(init=False)  # later mentions of leaves
    paragraphs: frozenset[str] = field(init=False)  # where the leaves are first said

    def __post_init__(self) -> None:
        self.again = frozenset(
            (p.paragraph_id, p.sentence) for leaf in self.leaves for p in leaf.also_at)
        self.paragraphs = frozenset(
            leaf.paragraph_id for leaf in self.leaves if leaf.paragraph_id is not None)


@dataclass
class Article:
    source: list[Figure]
    assumptions: list[Figure]
    calcs: list[Calc] = field(default_factory=list)
    order: dict[str, int] = field(init=False)
    sentences: dict[tuple[str | None, str | None], list[Figure]] = field(init=False)
    mentions: dict[str | None, list[tuple[int, str, Figure]]] = field(init=False)
    states_multiple: bool = field(init=False)  # a growth multiple: "more than doubling"
    _seen: set[tuple[object, ...]] = field(default_factory=set)
    assumed: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.order = {f.id: i for i, f in enumerate(self.source)}
        self.states_multiple = any(is_stated_multiple(f) for f in self.source)
        self.sentences = {}
        self.mentions = {}
        for f in self.source:
            self.sentences.setdefault((f.paragraph_id, f.sentence), []).append(f)
            places = [(f.paragraph_id, f.sentence, f.span), *(
                (p.paragraph_id, p.sentence, p.span) for p in f.also_at)]
            for paragraph, sentence, span in places:
                at = span[0] if span else self.order[f.id]
                self.mentions.setdefault(paragraph, []).append((at, sentence or "", f))
        for said in self.mentions.values():
            said.sort(key=lambda m: (m[0], self.order[m[2].id]))

    def said_with(self, f: Figure) -> list[Figure]:
        """Figures mentioned in f's sentence (at any of their mentions), f excluded."""
        return [g for _, sentence, g in self.mentions.get(f.paragraph_id, [])
                if sentence == (f.sentence or "") and g.id != f.id]

    def in_paragraphs(self, f: Figure) -> set[str | None]:
        """The paragraphs f is mentioned in."""
        return {f.paragraph_id, *(p.paragraph_id for p in f.also_at)}

    def having(self, role: Callable[[Figure], bool]) -> list[Figure]:
        return [f for f in self.source if role(f)]

    def of(self, rule: str) -> list[Figure]:
        return [c.figure for c in self.calcs if c.rule == rule]

    def show(self, f: Figure, per: bool = True) -> str:
        """A figure as a formula operand, labelled when it is (or rests on) an assumption."""
        text = _format(f.low, f.high, f.unit, f.kind, f.per if per else None)
        if f.origin == "assumption":
            return f"{text} (assumption: {f.subject})"
        return f"{text} (from an assumption)" if f.id in self.assumed else text

    def partner(self, f: Figure, candidates: Sequence[Figure]) -> Figure | None:
        """The candidate in f's sentence, else the nearest in its paragraph (the one before
        it on a tie), else the last one stated before f."""
        said = self.said_with(f)
        here = [c for c in candidates if f.paragraph_id in self.in_paragraphs(c)]
        same = [c for c in here if c in said] or here
        before = [c for c in candidates if self.order[c.id] < self.order[f.id]]
        if same:
            return min(same, key=lambda c: distance_back(self.order[f.id], self.order[c.id]))
        return before[-1] if before else None

    def add(
        self,
        rule: str,
        inputs: Sequence[Figure],
        operation: str,
        value: tuple[float, float],
        *,
        kind: FigureKind,
        unit: str,
        subject: str,
        role: str,
        entity: str = "",
        per: str | None = None,
        period: str | None = None,
        restates: Figure | None = None,
        loose: tuple[float, float] | None = None,
    ) -> None:
        """Record a computed figure once; the same rule giving the same result is a duplicate.
        `restates`: the stated figure it is the result of (a worked example's "= 5 MW").
        `loose`: the result's range when each input may be anything its written digits round
        from ("40 GW" is 39.5–40.5 GW); a check compares a statement with that range."""
        low, high = value
        key = (rule, kind, unit, per, f"{low:.6g}", f"{high:.6g}")
        if key in self._seen or not (math.isfinite(low) and math.isfinite(high)):
            return
        figure = Figure(
            id=f"c{len(self.calcs) + 1}",
            kind=kind,
            low=low,
            high=high,
            unit=unit,
            per=per,
            subject=subject,
            entity=entity,
            role=role,
            period=period,
            origin="computed",
            inputs=[f.id for f in inputs],
            text=_format(low, high, unit, kind, per, long=True),
            formula=f"{operation} = {_format(low, high, unit, kind, per)}",
        )
        if any(f.origin == "assumption" or f.id in self.assumed for f in inputs):
            self.assumed.add(figure.id)
        leaves = tuple(leaf for f in inputs for leaf in self._leaves(f))
        self.calcs.append(Calc(figure, rule, leaves, restates.id if restates else None, loose))
        self._seen.add(key)

    def _leaves(self, f: Figure) -> tuple[Figure, ...]:
        if f.origin == "source":
            return (f,)
        return next((c.leaves for c in self.calcs if c.figure.id == f.id), ())


def bounds(f: Figure, unit: str | None = None) -> tuple[float, float]:
    if unit is None or unit == f.unit:
        return f.low, f.high
    return convert(f.low, f.unit, unit), convert(f.high, f.unit, unit)


def div(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    """Range division: the smallest quotient divides by the largest divisor."""
    if b[0] <= 0:  # no quotient worth saying; add() drops it
        return math.nan, math.nan
    return a[0] / b[1], a[1] / b[0]


def mul(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    return a[0] * b[0], a[1] * b[1]


def as_percent(ratio: tuple[float, float], less: float = 0) -> tuple[float, float]:
    """A ratio in percent, less `less` (1 for a change: 1.4 → 40%)."""
    return 100 * (ratio[0] - less), 100 * (ratio[1] - less)


def unique(figures: Iterable[Figure]) -> list[Figure]:
    """First of each value, so a figure the article repeats is computed with once."""
    seen: dict[tuple[object, ...], Figure] = {}
    for f in figures:
        seen.setdefault((f.kind, f.unit, f.per, f.low, f.high), f)
    return list(seen.values())


def name_of(f: Figure) -> str:
    return f.subject or f.entity or f.text


def distance_back(at: int, leaf: int) -> int:
    """How far back an input is from a statement; an input said after it counts tenfold."""
    return at - leaf if leaf <= at else 10 * (leaf - at)
