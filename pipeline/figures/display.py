"""Figures as people read them: "$78.75 billion", "714–833 racks", "8.7×–26×".

`format_value` is the one place a value becomes text: long form for tables
and scripts ("$78.75 billion"), short form inside formulas ("$78.75 B").
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Context, Decimal

from pipeline.figures.models import Figure, FigureKind

CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£"}
SCALES = ((1e12, "T", "trillion"), (1e9, "B", "billion"), (1e6, "M", "million"))


def number_at(x: float, decimals: int) -> str:
    """`x` rounded half up to `decimals` places, thousands separated, no trailing zeros."""
    if not math.isfinite(x):
        return str(x)
    step = Decimal(1).scaleb(-decimals)
    # Wide precision: recognisers hear absurd numbers, and quantize refuses to lose digits.
    rounded = Decimal(repr(x)).quantize(step, rounding=ROUND_HALF_UP, context=Context(prec=400))
    text = f"{rounded:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent(fraction: float) -> str:
    return f"{number_at(fraction * 100, 1)}%"


def _range(low: float, high: float, decimals: int) -> str:
    a, b = number_at(low, decimals), number_at(high, decimals)
    return a if a == b else f"{a}–{b}"


def _plural(noun: str) -> str:
    if noun.endswith("lf"):  # shelf, half
        return noun[:-1] + "ves"
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    return noun + ("es" if re.search(r"(s|x|ch|sh)$", noun) else "s")


def _money(low: float, high: float, unit: str, long: bool) -> str:
    sign = CURRENCY_SIGNS.get(unit, f"{unit} ")
    for scale, short, word in SCALES:
        if max(abs(low), abs(high)) >= scale:
            return f"{sign}{_range(low / scale, high / scale, 2)} {word if long else short}"
    return f"{sign}{_range(low, high, 0 if abs(high) >= 1000 else 2)}"


def format_value(
    low: float, high: float, unit: str, kind: FigureKind, per: str | None, long: bool = False
) -> str:
    """A value as it is said: "$78.75 B" ("$78.75 billion" when long), "8.7×–26×",
    "714–833 racks", "876,000 MWh per year"."""
    top = max(abs(low), abs(high))
    if kind == "money":
        text = _money(low, high, unit, long)
    elif unit == "x":
        text = "–".join(dict.fromkeys(f"{number_at(v, 1 if v < 10 else 0)}×" for v in (low, high)))
    elif unit == "%":
        text = f"{_range(low, high, 1)}%"
    elif kind == "pue":
        text = _range(low, high, 2)
    else:
        places = 0 if top >= 100 else 1 if top >= 10 or kind == "count" else 2
        value = _range(low, high, places)
        noun = _plural(unit) if kind == "count" and value != "1" else unit
        text = f"{value} {noun}"
    return f"{text} per {per}" if per else text


def number(value: float) -> str:
    """Thousands separated, fewer decimals the larger it is: "12,500", "769", "8.67"."""
    top = abs(value)
    return number_at(value, 0 if top >= 100 else 1 if top >= 10 else 2)


def value_text(figure: Figure) -> str:
    """A figure's value in long form, PUE named: what tables and show notes print."""
    text = format_value(figure.low, figure.high, figure.unit, figure.kind, figure.per, long=True)
    return f"PUE {text}" if figure.kind == "pue" else text
