"""Figures as people read them."""

from __future__ import annotations

import pytest

from pipeline.figures.display import number, value_text
from pipeline.figures.models import Figure


def fig(
    kind: str, low: float, high: float | None = None, unit: str = "", per: str | None = None
) -> Figure:
    return Figure(
        id="f1", kind=kind, low=low, high=low if high is None else high, unit=unit, per=per
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("figure", "text"),
    [
        (fig("power", 130, unit="kW", per="rack"), "130 kW per rack"),
        (fig("power", 5, 15, unit="kW"), "5–15 kW"),
        (fig("money", 78.75e9, unit="USD"), "$78.75 billion"),
        (fig("money", 1e9, 1.2e9, unit="USD"), "$1–1.2 billion"),
        (fig("money", 41666.67, unit="USD", per="GPU"), "$41,667 per GPU"),
        (fig("money", 2e9, unit="EUR"), "€2 billion"),
        (fig("ratio", 8.6667, 26, unit="x"), "8.7×–26×"),
        (fig("count", 714.28, 833.33, unit="rack"), "714–833 racks"),
        (fig("count", 1, unit="company"), "1 company"),
        (fig("count", 4, unit="company"), "4 companies"),
        (fig("count", 4, unit="shelf"), "4 shelves"),
        (fig("percent", 40, unit="%"), "40%"),
        (fig("pue", 1.2), "PUE 1.2"),
        (fig("energy", 1_051_200, unit="MWh", per="year"), "1,051,200 MWh per year"),
    ],
)
def test_value_text(figure: Figure, text: str) -> None:
    assert value_text(figure) == text


def test_number_keeps_whole_numbers_and_rounds_fractions() -> None:
    assert number(12500) == "12,500"
    assert number(769.2307) == "769"
    assert number(8.6667) == "8.67"
    assert number(0.125) == "0.13"
