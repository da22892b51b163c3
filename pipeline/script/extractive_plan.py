"""What the "extractive" writer plans before it builds: the article's points scored, the
comparisons worth saying, the cold open, the points every build must say, and how much
of the talk is the co-host's (`Plan`)."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.figures.models import Figure, Ledger
from pipeline.models import Article
from pipeline.script import WriterOptions, scoring
from pipeline.script.scoring import Comparison, Point, Tracer
from pipeline.script.spoken import sentences_of, tidy

COHOST_SHARE = 0.40  # below this share of the words the co-host brings in a short turn


COHOST_TURN = 40  # words: the longest turn the co-host explains


BOOSTED_SHARE = 0.5  # this share as the co-host's aim: he brings in more of the points


@dataclass
class Plan:
    """Everything a build needs that does not depend on which points are chosen."""

    article: Article
    ledger: Ledger
    options: WriterOptions
    traced: Tracer
    points: list[Point]
    comparisons: list[Comparison]
    opener: tuple[Figure, Point] | None
    mandatory: set[int]  # point indexes: each section's best, and the cold open's
    title: str | None  # None where the title cannot be said
    headings: list[str | None]
    cohost_share: float = COHOST_SHARE  # raised for a build whose co-host said too little
    cohost_turn: int = COHOST_TURN

    @property
    def lead(self) -> str:
        return self.options.hosts[0].name

    @property
    def cohost(self) -> str:
        return self.options.hosts[1].name


def make_plan(article: Article, ledger: Ledger, options: WriterOptions) -> Plan:
    traced = Tracer(ledger)
    found = scoring.points(article, ledger, traced)
    best: dict[int, Point] = {}
    for p in found:
        for s in p.sections:
            if s not in best or p.score > best[s].score:
                best[s] = p
    opener = scoring.striking(article, ledger, found)
    mandatory = {p.index for p in best.values()} | ({opener[1].index} if opener else set())
    return Plan(
        article,
        ledger,
        options,
        traced,
        found,
        scoring.comparisons(ledger),
        opener,
        mandatory,
        sayable_text(article.title, traced),
        [sayable_text(s.heading, traced) for s in article.sections],
    )


def sayable_text(text: str, traced: Tracer) -> str | None:
    said = tidy(" ".join(sentences_of(text))).rstrip(".?!:;")
    return said if said and traced(said) else None
