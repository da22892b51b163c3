"""The audit: each number a line says traced to the figure it states, not a neighbour."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.figures.audit import audit
from pipeline.figures.models import Figure, Ledger


@dataclass(frozen=True)
class Line:
    id: str
    text: str


def money(figure_id: str, billions: float) -> Figure:
    return Figure(id=figure_id, kind="money", low=billions * 1e9, high=billions * 1e9, unit="USD")


LEDGER = Ledger(
    article_hash="test",
    figures=[
        money("msft24", 56),
        money("meta24", 59),
        money("meta25", 60),
        Figure(id="band", kind="money", low=295e9, high=300e9, unit="USD"),
        Figure(id="ratio", kind="ratio", low=130 / 15, high=130 / 15, unit="x"),
    ],
    years=[2024, 2025],
)


def traced(text: str) -> list[str | None]:
    return [f.figure_id for f in audit([Line("l1", text)], LEDGER)]


def test_a_table_row_traces_each_cell_to_its_own_figure() -> None:
    # $60 billion is within rounding of $56 billion, listed first; the exact figure wins
    assert traced("For Meta, last year's capex is $59 billion and this year's $60 billion.") == [
        "meta24",
        "meta25",
    ]


def test_a_range_traces_to_the_range_and_rounding_still_traces() -> None:
    assert traced("$295-300B in total, roughly nine times the power") == ["band", "ratio"]
