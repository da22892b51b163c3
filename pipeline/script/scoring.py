"""What an article offers an episode, and what each piece is worth.

Points: each sentence of prose (a table is one point: what its columns say, see
`tables`),
already in spoken style and retold for the ear (`retell`: long sentences split, the
point first), with every piece traced by the audit. A point's
score is TF-IDF centrality (its mean cosine similarity to every other
sentence: how much of the article's vocabulary it shares) plus bonuses for
carrying ledger figures, for figures the ledger computes with, and for
opening a section. Sentences an article repeats word for word are one point
that cites every paragraph saying it.

Comparisons: the ledger's computed figures, each with its formula in words
and the stated figure it checks, if any (agreements and alarms only). And `striking`: the figure an
episode opens with.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from pipeline.figures.audit import audit, untraced
from pipeline.figures.display import value_text
from pipeline.figures.models import Figure, Ledger
from pipeline.figures.number_patterns import STOP, TIME_NOUNS
from pipeline.figures.numbers import find_mentions
from pipeline.figures.sentences import sentences
from pipeline.models import Article, Paragraph
from pipeline.script import tables
from pipeline.script.retell import retell, unaside
from pipeline.script.spoken import capitalize, formula_in_words, in_words, sentences_of

# Centrality is scaled to 0..1; these bonuses are on the same scale. Figures weigh the
# most: a show about numbers should say the sentences that hold them.
FIGURE_BONUS = 0.6  # for three figures or more, pro rata below
COMPUTED_BONUS = 0.3  # a figure the ledger computes with: the point brings a comparison
OPENING_BONUS = 0.1  # a section's first sentence usually states its topic
MIN_WORDS = 4  # shorter sentences ("Others agree.") say too little to be a point

TOKEN = re.compile(r"[a-z][a-z'’-]+")
CONJUNCTION = re.compile(r"^(?:And|But|So|Yet)\s+")
KIND_INTEREST = ("money", "power", "ratio", "energy", "percent", "pue", "count")


@dataclass(frozen=True)
class _Text:
    """A text in the shape the audit reads."""

    id: str
    text: str


class Tracer:
    """Whether every number in a text traces to the ledger, by the audit's own rules.

    The audit compares each number with every figure, converting units as it goes,
    which is slow over a whole article. A number that states a figure's exact value,
    unit and denominator always traces, and so does one the audit traced before, so
    those are looked up; the audit runs only on texts with a number not seen yet.
    """

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.known: dict[str, bool] = {}
        self.numbers: dict[tuple[object, ...], bool] = {
            (f.low, f.high, f.unit, f.per, False): True for f in ledger.figures
        }

    def __call__(self, text: str) -> bool:
        if text not in self.known:
            self.known[text] = self._traced(text)
        return self.known[text]

    def _traced(self, text: str) -> bool:
        mentions = {m.start: (m.low, m.high, m.unit, m.per, m.is_year) for m in find_mentions(text)}
        if all(key in self.numbers for key in mentions.values()):
            return all(self.numbers[key] for key in mentions.values())
        findings = audit([_Text("", text)], self.ledger)
        for finding in findings:
            if finding.start in mentions:
                self.numbers[mentions[finding.start]] = finding.status == "traced"
        return not untraced(findings)


@dataclass
class Point:
    """One thing the episode may say: a sentence of the article, in spoken style."""

    index: int  # reading order
    section: int  # the section that says it first
    paragraphs: list[str]  # every paragraph that says it, first one first
    sections: set[int]
    text: str  # as the article has it
    kind: Literal["text", "list", "table"]  # the paragraph's (a table is one point)
    pieces: list[str]  # spoken sentences, each traced
    figures: list[Figure]  # source figures the pieces state
    opening: bool = False
    score: float = 0.0
    tokens: Counter[str] = field(default_factory=Counter)

    @property
    def words(self) -> int:
        return sum(len(p.split()) for p in self.pieces)


def points(article: Article, ledger: Ledger, traced: Callable[[str], bool]) -> list[Point]:
    """The article's candidate points in reading order, scored; `traced` says whether a
    spoken sentence's numbers all trace to the ledger (those that do not are dropped)."""
    by_key: dict[str, Point] = {}
    for s, section in enumerate(article.sections):
        opening = True
        for paragraph in section.paragraphs:
            for text, figures in _sentences(paragraph, ledger):
                key = " ".join(re.sub(r"\W+", " ", text.lower()).split())
                if key in by_key:
                    _merge(by_key[key], paragraph.id, s)
                    continue
                written = [" ".join(f.text.split()) for f in figures]
                spoken = [in_words(w) for w in written]
                pieces = [
                    p
                    for said in sentences_of(unaside(text, written))
                    if traced(said)
                    for p in retell(said, traced, spoken)
                ]
                if sum(len(p.split()) for p in pieces) < MIN_WORDS:
                    continue
                figures = [f for f in figures if any(states(p, f) for p in pieces)]
                point = Point(
                    len(by_key),
                    s,
                    [paragraph.id],
                    {s},
                    text,
                    paragraph.kind,
                    pieces,
                    figures,
                    opening,
                    tokens=_tokens(text),
                )
                by_key[key] = point
                opening = False
    found = list(by_key.values())
    _score(found, _computed_inputs(ledger))
    return found


def said_as(figure: Figure) -> str:
    """How an episode says a figure on its own: as the article wrote it ("roughly nine
    times"), but a table cell in long form ("80" under "Capex ($B)" is "$80 billion")."""
    written = " ".join(figure.text.split())
    in_table = " | " in (figure.sentence or "")
    return value_text(figure) if in_table or not written else written


def states(text: str, figure: Figure) -> bool:
    """Whether `text` says `figure`, as the article wrote it (symbols in words or not) or in
    long form."""
    written = " ".join(figure.text.split())
    return (bool(written) and (written in text or in_words(written) in text)) or value_text(
        figure
    ) in text


def _merge(point: Point, paragraph_id: str, section: int) -> None:
    if paragraph_id not in point.paragraphs:
        point.paragraphs.append(paragraph_id)
    point.sections.add(section)


def _sentences(paragraph: Paragraph, ledger: Ledger) -> Iterator[tuple[str, list[Figure]]]:
    """Each sentence of a paragraph (or row of a table) with the source figures it states."""
    own = [f for f in ledger.by_origin("source") if f.paragraph_id == paragraph.id]
    if paragraph.kind == "table":
        yield from tables.statements(paragraph, own, ledger)
        return
    for start, end in sentences(paragraph.text, by_line=paragraph.kind == "list"):
        held = [f for f in own if f.span is not None and start <= f.span[0] < end]
        yield paragraph.text[start:end], held


def _tokens(text: str) -> Counter[str]:
    return Counter(t for t in TOKEN.findall(text.lower()) if t not in STOP)


def _computed_inputs(ledger: Ledger) -> set[str]:
    """Ids of source figures some computed figure rests on, directly or through another."""
    inputs: dict[str, list[str]] = {f.id: f.inputs for f in ledger.figures}
    found: set[str] = set()
    stack = [i for f in ledger.by_origin("computed") for i in f.inputs]
    while stack:
        figure_id = stack.pop()
        if figure_id not in found:
            found.add(figure_id)
            stack.extend(inputs.get(figure_id, []))
    return found


def _score(found: list[Point], computed_inputs: set[str]) -> None:
    for point, centrality in zip(found, centralities([p.tokens for p in found]), strict=True):
        figures = min(sum(map(figure_weight, point.figures)), 3) / 3
        point.score = (
            centrality
            + FIGURE_BONUS * figures
            + COMPUTED_BONUS * any(f.id in computed_inputs for f in point.figures)
            + OPENING_BONUS * point.opening
        )


def centralities(documents: list[Counter[str]]) -> list[float]:
    """TF-IDF centrality of each document, scaled so the most central is 1.

    The mean cosine similarity of a vector to all others is its dot product with
    the sum of all unit vectors, less itself: linear in the number of tokens.
    """
    n = len(documents)
    if n < 2:
        return [1.0] * n
    df: Counter[str] = Counter(t for doc in documents for t in doc)
    idf = {t: math.log((1 + n) / (1 + d)) + 1 for t, d in df.items()}
    vectors = [_unit({t: c * idf[t] for t, c in doc.items()}) for doc in documents]
    total: dict[str, float] = {}
    for v in vectors:
        for t, w in v.items():
            total[t] = total.get(t, 0.0) + w
    raw = [
        (sum(w * total[t] for t, w in v.items()) - (1.0 if v else 0.0)) / (n - 1) for v in vectors
    ]
    top = max(raw)
    return [r / top if top > 0 else 0.0 for r in raw]


def _unit(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in vector.values()))
    return {t: w / norm for t, w in vector.items()} if norm else {}


def figure_weight(figure: Figure) -> float:
    """How much a figure makes a sentence worth saying: durations ("two decades") little."""
    return 0.3 if figure.kind == "count" and figure.unit in TIME_NOUNS else 1.0


def top_figure(figures: list[Figure], favoured: frozenset[str] = frozenset()) -> Figure | None:
    """The most telling figure: a favoured one, then money over power over ratios … over
    counts, durations last, the largest of a kind first."""
    ranked = sorted(
        figures,
        key=lambda f: (
            f.id not in favoured,
            figure_weight(f) < 1,
            KIND_INTEREST.index(f.kind),
            -f.high,
        ),
    )
    return ranked[0] if ranked else None


# --- comparisons and the cold open --------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """A computed figure as an episode can say it."""

    figure: Figure
    leaves: frozenset[str]  # the source figures it rests on
    formula: str | None  # in words; None when the ledger has none
    stated: Figure | None  # the article's own statement of the result, when it has one
    agrees: bool
    alarm: bool = False  # the statement disagrees, confidently enough to say so on air


def comparisons(ledger: Ledger) -> list[Comparison]:
    """Every computed figure of the ledger, with its formula in words (audited when a line
    says it, like every line: most are never said). A check is kept with
    its computation only when it may be said: an agreement, or an alarm. A low-confidence
    disagreement probably paired figures that do not belong together, and is left out."""
    checks = {c.computed_id: c for c in ledger.checks if c.may_be_said()}
    found = []
    for f in ledger.by_origin("computed"):
        check = checks.get(f.id)
        formula = formula_in_words(f.formula) if f.formula else None
        found.append(
            Comparison(
                f,
                frozenset(leaves(ledger, f.id)),
                formula,
                ledger.figure(check.stated_id) if check else None,
                check.agrees if check else True,
                check.alarm if check else False,
            )
        )
    return found


def leaves(ledger: Ledger, figure_id: str) -> list[str]:
    """The figures a computed figure rests on, through other computed figures."""
    figure = ledger.figure(figure_id)
    if figure.origin != "computed":
        return [figure_id]
    return [leaf for i in figure.inputs for leaf in leaves(ledger, i)]


def striking(article: Article, ledger: Ledger, found: list[Point]) -> tuple[Figure, Point] | None:
    """The figure to open an episode with, and the point that states it: a figure the title
    states; else the figure the largest computed ratio is built on ("how many times bigger"
    is the comparison listeners keep); else the largest money figure; else the first figure
    of the best point. None for an article without figures."""
    by_figure = {f.id: p for p in found for f in p.figures}
    titled = [f.figure_id for f in audit([_Text("", article.title)], ledger) if f.figure_id]
    ratios = sorted(
        (f for f in ledger.by_origin("computed") if f.unit == "x"), key=lambda f: -f.high
    )
    money = sorted(
        (f for f in ledger.by_origin("source") if f.kind == "money"), key=lambda f: -f.high
    )
    best = sorted(found, key=lambda p: -p.score)
    ranked = [
        *titled,
        *(i for r in ratios for i in _larger_first(ledger, leaves(ledger, r.id))),
        *(f.id for f in money),
        *(f.id for p in best for f in p.figures),
    ]
    for prose in (True, False):  # a sentence opens better than a table row
        for figure_id in ranked:
            point = by_figure.get(figure_id)
            figure = ledger.figure(figure_id)
            if point and (point.kind != "table") == prose and clause(point, figure):
                return figure, point
    return None


def _larger_first(ledger: Ledger, ids: Iterable[str]) -> list[str]:
    """A ratio's figures, the larger first among those in one unit: the episode opens on
    the 130 kW rack that is 18 times the 2021 one, not on the 7 kW of 2021."""
    figures = [ledger.figure(i) for i in ids]
    if len({(f.unit, f.per) for f in figures}) == 1:
        figures.sort(key=lambda f: -(f.low + f.high))
    return [f.id for f in figures]


def clause(point: Point, figure: Figure) -> str | None:
    """The spoken sentence of `point` that states `figure`, without a leading "And"."""
    for piece in point.pieces:
        if states(piece, figure):
            return capitalize(CONJUNCTION.sub("", piece))
    return None
