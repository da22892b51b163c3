"""`Mention`: one number found in a text, with its span, value, unit and kind."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.figures.models import FigureKind


@dataclass(frozen=True)
class Mention:
    """One number in a text; `start`/`end` cover qualifier to unit (and `per`).

    `unit` is a normalised unit ("kW", "USD", "%", "x", "" for PUE), a counted
    noun in the singular ("GPU"), or None for a bare number. Years have
    `is_year` set and no unit.
    """

    start: int
    end: int
    text: str
    low: float
    high: float
    unit: str | None
    kind: FigureKind | None
    per: str | None
    qualifier: str | None
    is_year: bool
