"""The article as the rules see it, and each computation they record.

`Article` indexes the source figures (document order, sentences, mentions by
paragraph) and records results through `Article.add`, which formats the
formula and remembers which source figures (`Calc.leaves`) each result rests
on, so checks can tell how near a statement sits to its inputs.

Inputs are chosen by one rule for every derivation (`Article.select`): from the
whole article, nearest first (the same sentence, paragraph, section, then the
article, at any mention), the same entity before an unknown one, and never a
far figure that names another product. A computation whose inputs lie beyond
one paragraph of each other, or whose rule had to infer whose they are, is
still recorded but marked `Calc.far`: a check built on it is never an alarm. The range
arithmetic every rule uses (`div`, `mul`, `as_percent`) lives here too: a
range divided by a range gives the widest honest quotient.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pipeline.figures.derive.reading import (
    clause_of,
    entity_of,
    is_stated_multiple,
    same_entity,
)
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
    far: bool = False  # inputs beyond a paragraph apart, or whose entity was inferred

    def __post_init__(self) -> None:
        self.again = frozenset(
            (p.paragraph_id, p.sentence) for leaf in self.leaves for p in leaf.also_at
        )
        self.paragraphs = frozenset(
            leaf.paragraph_id for leaf in self.leaves if leaf.paragraph_id is not None
        )


SENTENCE, PARAGRAPH, SECTION, ARTICLE = range(4)
"""How near two figures are said: the nearest of any of their mentions."""


@dataclass(frozen=True)
class Pick:
    """An input chosen for a figure: how near it is said (SENTENCE … ARTICLE) and whether it is
    about the same entity (None: cannot tell)."""

    figure: Figure
    place: int
    entity: bool | None

    @property
    def sure(self) -> bool:
        """Said in the same paragraph: its pairing is read, not inferred."""
        return self.place <= PARAGRAPH


@dataclass
class Article:
    source: list[Figure]
    assumptions: list[Figure]
    section_of: Mapping[str | None, str] = field(default_factory=dict)  # paragraph → section
    calcs: list[Calc] = field(default_factory=list)
    order: dict[str, int] = field(init=False)
    sentences: dict[tuple[str | None, str | None], list[Figure]] = field(init=False)
    mentions: dict[str | None, list[tuple[int, str, Figure]]] = field(init=False)
    states_multiple: bool = field(init=False)  # a growth multiple: "more than doubling"
    _seen: set[tuple[object, ...]] = field(default_factory=set)
    assumed: set[str] = field(default_factory=set)
    places: dict[str, frozenset[tuple[str | None, str]]] = field(init=False)
    _calc: dict[str, Calc] = field(default_factory=dict)  # each computed figure's Calc, by id

    def __post_init__(self) -> None:
        self.order = {f.id: i for i, f in enumerate(self.source)}
        self.places = {
            f.id: frozenset(
                [
                    (f.paragraph_id, f.sentence or ""),
                    *((p.paragraph_id, p.sentence) for p in f.also_at),
                ]
            )
            for f in self.source
        }
        self.states_multiple = any(is_stated_multiple(f) for f in self.source)
        self.sentences = {}
        self.mentions = {}
        for f in self.source:
            self.sentences.setdefault((f.paragraph_id, f.sentence), []).append(f)
            places = [
                (f.paragraph_id, f.sentence, f.span),
                *((p.paragraph_id, p.sentence, p.span) for p in f.also_at),
            ]
            for paragraph, sentence, span in places:
                at = span[0] if span else self.order[f.id]
                self.mentions.setdefault(paragraph, []).append((at, sentence or "", f))
        for said in self.mentions.values():
            said.sort(key=lambda m: (m[0], self.order[m[2].id]))

    def said_with(self, f: Figure) -> list[Figure]:
        """Figures mentioned in f's sentence (at any of their mentions), f excluded."""
        return [
            g
            for _, sentence, g in self.mentions.get(f.paragraph_id, [])
            if sentence == (f.sentence or "") and g.id != f.id
        ]

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
        """The candidate select() prefers for f (see there)."""
        pick = self.select(f, candidates)
        return pick.figure if pick else None

    def select(
        self,
        f: Figure,
        candidates: Sequence[Figure],
        reach: int = ARTICLE,
    ) -> Pick | None:
        """The input for f among candidates: the nearest said (sentence, paragraph, section,
        article), then of the same entity before an unknown or another one, then the nearest
        in the text (one said before f before one said after it). Beyond f's paragraph, none
        that names another product than f's sentence ("DGX B300" for "DGX B200"), and none
        said after f unless it is the only one. None when nothing lies within `reach`."""
        ranked = []
        for c in candidates:
            place = self.nearness(f, c)
            entity = self.affinity(f, c)
            if c.id == f.id or place > reach or (place > PARAGRAPH and entity is False):
                continue
            at = distance_back(self.order.get(f.id, 0), self.order.get(c.id, 0))
            rank = (place, {True: 0, None: 1, False: 2}[entity], at)
            ranked.append((rank, Pick(c, place, entity)))
        if not ranked:
            return None
        best = min(ranked, key=lambda r: r[0])[1]
        after = self.order.get(best.figure.id, 0) > self.order.get(f.id, 0)
        if best.place > PARAGRAPH and after and len(ranked) > 1:
            return None  # a far figure said later, among others: whose it is, is a guess
        return best

    def where(self, f: Figure) -> frozenset[tuple[str | None, str]]:
        """The (paragraph, sentence) of every mention of f, or of every input it rests on."""
        if f.id in self.places and f.origin == "source":
            return self.places[f.id]
        return frozenset(p for leaf in self._leaves(f) for p in self.places.get(leaf.id, ()))

    def nearness(self, f: Figure, g: Figure) -> int:
        """SENTENCE when f and g share a sentence at any mention, else PARAGRAPH, SECTION
        (when the article's sections are known) or ARTICLE."""
        at_f, at_g = self.where(f), self.where(g)
        if at_f & at_g:
            return SENTENCE
        paragraphs_f, paragraphs_g = {p for p, _ in at_f}, {p for p, _ in at_g}
        if paragraphs_f & paragraphs_g:
            return PARAGRAPH
        sections_f = {self.section_of.get(p) for p in paragraphs_f} - {None}
        return SECTION if sections_f & {self.section_of.get(p) for p in paragraphs_g} else ARTICLE

    def affinity(self, f: Figure, g: Figure) -> bool | None:
        """Whether f and g are about the same thing: True when their clauses (or sentences,
        when a clause names none) name a product in common ("B200") or their entities are the
        same, False when each names products and none in common, None when that cannot be
        told."""
        named_f, named_g = _named(f), _named(g)
        if named_f and named_g:
            return bool(named_f & named_g)
        return True if same_entity(entity_of(f), entity_of(g)) else None

    def spread(self, inputs: Sequence[Figure]) -> int:
        """How far apart inputs are said: the farthest nearness of any two of them."""
        return max(
            (self.nearness(f, g) for i, f in enumerate(inputs) for g in inputs[i + 1 :]),
            default=SENTENCE,
        )

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
        inferred: bool = False,
    ) -> None:
        """Record a computed figure once; the same rule giving the same result is a duplicate.
        `restates`: the stated figure it is the result of (a worked example's "= 5 MW").
        `loose`: the result's range when each input may be anything its written digits round
        from ("40 GW" is 39.5–40.5 GW); a check compares a statement with that range.
        `inferred`: the rule chose an input it could not read as belonging (a far Pick); so
        does any computation whose inputs are said beyond a paragraph apart."""
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
        calc = Calc(figure, rule, leaves, restates.id if restates else None, loose)
        calc.far = (
            inferred
            or any(self._calc[f.id].far for f in inputs if f.id in self._calc)
            or self.spread(inputs) > PARAGRAPH
        )
        self.calcs.append(calc)
        self._calc[figure.id] = calc
        self._seen.add(key)

    def _leaves(self, f: Figure) -> tuple[Figure, ...]:
        if f.origin == "source":
            return (f,)
        calc = self._calc.get(f.id)
        return calc.leaves if calc else ()


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


def _named(f: Figure) -> frozenset[str]:
    """The products f's clause names, else its sentence."""
    return products(clause_of(f)) or products(f.sentence or "")


def distance_back(at: int, leaf: int) -> int:
    """How far back an input is from a statement; an input said after it counts tenfold."""
    return at - leaf if leaf <= at else 10 * (leaf - at)


@functools.lru_cache(maxsize=4096)
def products(sentence: str) -> frozenset[str]:
    """Product names in a sentence: words of letters and digits ("GB200", "H100")."""
    return frozenset(w.lower() for w in _PRODUCT.findall(sentence))


_PRODUCT = re.compile(r"\b(?!FY\d)[A-Za-z]+\d\w*(?<=\w{3})\b")
"""A name that starts with letters and holds digits; "837MW" and "FY2025" are no products."""
