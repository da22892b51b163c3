"""The figure ledger: every number an episode may say, where it came from, how it was computed."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

FigureKind = Literal["power", "energy", "money", "count", "pue", "percent", "ratio"]
Origin = Literal["source", "computed", "assumption"]

LEDGER_SCHEMA_VERSION = 1


class Place(BaseModel):
    """Where a figure is mentioned again: its paragraph, sentence and character span."""

    model_config = ConfigDict(frozen=True)

    paragraph_id: str
    sentence: str
    span: tuple[int, int]


class Figure(BaseModel):
    """One quantity: stated in the article, computed from others, or an assumption.

    Values are in `unit` as written ("130 kW" → 130, "kW"), except that money
    scale words are folded in ("$80B" → 80e9, "USD"). A single value has
    low == high. `per` is the denominator of a rate ("kW per rack" → "rack").
    """

    model_config = ConfigDict(frozen=True)

    id: str
    kind: FigureKind
    low: float
    high: float
    unit: str = Field(
        description='pint symbol ("kW", "MWh"), currency code ("USD"), "%", "x", '
        '"" for PUE, or the counted noun in the singular ("GPU", "rack")'
    )
    per: str | None = None
    qualifier: str | None = Field(None, description='"about", "up to", "over", "at least", …')
    subject: str = Field(
        "", description='what it measures: "NVIDIA GB200 NVL72 rack", "Microsoft 2025 capex"'
    )
    entity: str = Field(
        "", description='who or what it is about: "Microsoft", "GB200 NVL72", "typical rack"'
    )
    role: str | None = Field(
        None, description='what quantity it is: "rack_power", "capex", "facility_power" …'
    )
    period: str | None = Field(None, description='the year or period it applies to: "2025"')
    text: str = Field(
        "", description="the figure as written in the article, or the formula's result"
    )
    origin: Origin = "source"
    paragraph_id: str | None = None
    sentence: str | None = None
    span: tuple[int, int] | None = Field(
        None, description="character offsets of `text` in the paragraph's text"
    )
    also_at: list[Place] = Field(
        default_factory=list, description="further mentions of the same figure in the article"
    )
    formula: str | None = Field(None, description='computed figures: "130 kW ÷ 15 kW = 8.7×"')
    inputs: list[str] = Field(default_factory=list, description="ids of the figures used")
    reference: str | None = Field(None, description="an assumption's published source")

    @property
    def is_range(self) -> bool:
        return self.low != self.high


ALARM_CONFIDENCE = 0.8
"""A disagreement is said aloud or printed in notes only at this confidence or above."""


class Check(BaseModel):
    """A result the article states, recomputed from the article's own inputs.

    `confidence` is how sure derive is that the stated figure and the
    computation are about the same entity, role and period (not how far apart
    they are). Only an `alarm` (a disagreement at ALARM_CONFIDENCE or above)
    may be said in a script or printed in show notes; every disagreement is
    shown to the editor, who can mark it a false alarm.
    """

    model_config = ConfigDict(frozen=True)

    id: str = Field(
        "",
        description='"k" and a short hash of what it pairs ("k3f9a0c21be"): the same check '
        "keeps its id when the ledger is rebuilt; at most 20 characters",
    )
    stated_id: str
    computed_id: str
    agrees: bool
    deviation: float = Field(description="relative difference; 0 when the ranges overlap")
    tolerance: float
    confidence: float = Field(1.0, ge=0.0, le=1.0)
    note: str

    @property
    def alarm(self) -> bool:
        return not self.agrees and self.confidence >= ALARM_CONFIDENCE

    def may_be_said(self, dismissed: bool = False) -> bool:
        """Whether a script or show notes may say it: an agreement, or an alarm no editor
        marked a false alarm. A false alarm said aloud is worse than no check."""
        return self.agrees or (self.alarm and not dismissed)


class Ledger(BaseModel):
    """Everything figures.extract and figures.derive found for one article."""

    model_config = ConfigDict(frozen=True)

    schema_version: int = LEDGER_SCHEMA_VERSION
    article_hash: str
    figures: list[Figure]
    checks: list[Check] = Field(default_factory=list)
    years: list[int] = Field(default_factory=list, description="years the article mentions")
    assumptions_version: str | None = None

    def figure(self, figure_id: str) -> Figure:
        for f in self.figures:
            if f.id == figure_id:
                return f
        raise KeyError(figure_id)

    def by_origin(self, origin: Origin) -> list[Figure]:
        return [f for f in self.figures if f.origin == origin]


class AuditFinding(BaseModel):
    """A number said in a script line, and the ledger figure it matches (or none)."""

    model_config = ConfigDict(frozen=True)

    line_id: str
    text: str
    start: int
    end: int
    figure_id: str | None
    status: Literal["traced", "untraced"]


T = TypeVar("T")


def per_ledger(compute: Callable[[Ledger], T]) -> Callable[[Ledger], T]:
    """`compute(ledger)`, remembered for the last ledger asked about (the same object, not
    an equal one): the writer and the audit ask about one article's ledger many times,
    and about one article at a time."""
    last: list[tuple[Ledger, T]] = []

    @functools.wraps(compute)
    def remembered(ledger: Ledger) -> T:
        if not last or last[0][0] is not ledger:
            last[:] = [(ledger, compute(ledger))]
        return last[0][1]

    return remembered
