"""Reference values from outside the article, each with its published source.

derive() uses these only when a show asks for them (it gets `assumptions=None`
by default), and anything computed from one says "assumption" in its formula.
Change a value or a source → bump ASSUMPTIONS_VERSION, so ledgers record which
table they were computed with. Hours in a year are arithmetic, not an
assumption, and live in derive.power.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.figures.display import format_value
from pipeline.figures.models import Figure, FigureKind

ASSUMPTIONS_VERSION = "2025.1"


@dataclass(frozen=True)
class Assumption:
    """One reference value: low–high in `unit` (per `per`), with the source it comes from."""

    key: str
    kind: FigureKind
    low: float
    high: float
    unit: str
    per: str | None
    subject: str
    reference: str

    @property
    def text(self) -> str:
        """The value as a listener would hear it: "10,500–10,800 kWh per home"."""
        return format_value(self.low, self.high, self.unit, self.kind, self.per, long=True)


ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption(
        key="us_home_electricity",
        kind="energy",
        low=10_500,
        high=10_800,
        unit="kWh",
        per="home",
        subject="electricity an average US home uses in a year",
        reference=(
            "US Energy Information Administration, FAQ 'How much electricity does an "
            "American home use?' (2021): 10,715 kWh per residential customer in 2020; "
            "about 10,500-10,800 kWh a year in recent years"
        ),
    ),
    Assumption(
        key="typical_rack_power",
        kind="power",
        low=5,
        high=15,
        unit="kW",
        per="rack",
        subject="a typical enterprise rack",
        reference=(
            "Uptime Institute Global Data Center Survey 2024: average rack density "
            "still below 8-10 kW, few racks above 30 kW; 5-15 kW spans typical "
            "enterprise racks"
        ),
    ),
    Assumption(
        key="industry_average_pue",
        kind="pue",
        low=1.58,
        high=1.58,
        unit="",
        per=None,
        subject="industry-average power usage effectiveness",
        reference="Uptime Institute Global Data Center Survey 2023: average annual PUE 1.58",
    ),
)


def as_figures(assumptions: Sequence[Assumption] = ASSUMPTIONS) -> list[Figure]:
    """The assumptions as ledger figures "a1", "a2", … with origin "assumption" and their source."""
    return [
        Figure(
            id=f"a{number}",
            kind=a.kind,
            low=a.low,
            high=a.high,
            unit=a.unit,
            per=a.per,
            subject=a.subject,
            text=a.text,
            origin="assumption",
            reference=a.reference,
        )
        for number, a in enumerate(assumptions, start=1)
    ]
