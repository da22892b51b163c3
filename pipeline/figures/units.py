"""Units: one shared pint registry, currencies as their own dimensions, and cached lookups.

pint parses and converts every physical unit. The only hand-written table is
`SPELLINGS`: surface forms that writers use and pint does not know ("kw",
"MWe", "$", "per cent"). Currencies are separate dimensions, so USD never
converts to EUR. Ratios ("x") and PUE ("") are dimensionless and kept out of
pint's namespace on purpose: "x" and "" are not pint units.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pint

from pipeline.figures.models import FigureKind

CURRENCIES = ("USD", "EUR", "GBP")
RATIO = "x"
PUE = ""
POINTS = "pp"  # percentage points: a percent kind, but not a percentage

# Spellings pint does not know, lower-cased; values are pint names or our own symbols.
SPELLINGS = {
    "kw": "kW", "mw": "MW", "gw": "GW", "tw": "TW", "kwe": "kW", "mwe": "MW", "gwe": "GW",
    "kwh": "kWh", "mwh": "MWh", "gwh": "GWh", "twh": "TWh",
    "kva": "kVA", "mva": "MVA",
    "$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
    "us dollars": "USD", "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "£": "GBP", "gbp": "GBP",
    "%": "%", "percent": "%", "per cent": "%", "pct": "%", "percentage point": POINTS,
    "percentage points": POINTS, "pp": POINTS,
    "x": RATIO, "×": RATIO, "times": RATIO, "fold": RATIO,
    "pue": PUE, "": PUE,
    "°c": "degC", "ºc": "degC", "degrees c": "degC", "degrees celsius": "degC",
    "°f": "degF", "ºf": "degF", "degrees f": "degF", "degrees fahrenheit": "degF",
}


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry[Any]:
    """The shared registry, built once on first use (about 0.2 s)."""
    ureg: pint.UnitRegistry[Any] = pint.UnitRegistry()
    for code in CURRENCIES:
        ureg.define(f"{code} = [currency_{code.lower()}]")
    return ureg


@lru_cache(maxsize=4096)
def normalise_unit(text: str) -> str:
    """The canonical symbol for a unit as written: "kilowatts" → "kW", "$" → "USD".

    Raises ValueError for text that is neither a known spelling nor a pint unit.
    """
    key = " ".join(text.strip().split())
    spelled = SPELLINGS.get(key.lower())
    if spelled in (RATIO, PUE, POINTS, "%", *CURRENCIES):
        return spelled
    name = spelled or key.replace("-", "_").replace(" ", "_")
    unit = _parse(name) or (_parse(name.lower()) if name[1:].islower() else None)
    if unit is None:
        raise ValueError(f"unknown unit {text!r}")
    return f"{unit:~}"


def _parse(name: str) -> pint.Unit | None:
    try:
        return registry().parse_units(name)
    except (pint.UndefinedUnitError, AttributeError, ValueError, TypeError):
        return None


@lru_cache(maxsize=4096)
def kind_of(unit: str) -> FigureKind | None:
    """The figure kind a normalised unit measures, or None (counted nouns, °C, metres)."""
    if unit in CURRENCIES:
        return "money"
    if unit in ("%", POINTS):
        return "percent"
    if unit == RATIO:
        return "ratio"
    if unit == PUE:
        return "pue"
    dims = _dimensionality(unit)
    if dims is None:
        return None
    ureg = registry()
    if dims == ureg.get_dimensionality("[power]"):
        return "power"
    if dims == ureg.get_dimensionality("[energy]"):
        return "energy"
    return None


def quantity(value: float, unit: str) -> pint.Quantity[Any]:
    """`value` in `unit` as a pint Quantity; ratios and PUE are dimensionless."""
    symbol = normalise_unit(unit)
    ureg = registry()
    if symbol in (RATIO, PUE):
        return ureg.Quantity(value, "dimensionless")
    if symbol == POINTS:
        return ureg.Quantity(value, "percent")
    return ureg.Quantity(value, _pint_name(symbol))


def convert(value: float, unit: str, to_unit: str) -> float:
    """`value` from `unit` to `to_unit`; ValueError when they measure different things."""
    try:
        return float(registry().convert(value, _unit(unit), _unit(to_unit)))
    except pint.DimensionalityError as e:
        raise ValueError(f"cannot convert {unit} to {to_unit}") from e


@lru_cache(maxsize=4096)
def _unit(unit: str) -> Any:
    """Parsed once: audit and derive convert thousands of times, and pint parses each time."""
    return quantity(1, unit).units


@lru_cache(maxsize=4096)
def compatible(unit_a: str, unit_b: str) -> bool:
    """Whether two units measure the same thing (kW and MW yes; USD and EUR no).

    Counted nouns ("rack", "GPU") are compatible only with themselves.
    """
    try:
        a, b = normalise_unit(unit_a), normalise_unit(unit_b)
    except ValueError:
        return unit_a == unit_b
    if a in (RATIO, PUE, POINTS) or b in (RATIO, PUE, POINTS):
        return a == b
    return _dimensionality(a) == _dimensionality(b)


@lru_cache(maxsize=1024)
def _dimensionality(unit: str) -> pint.util.UnitsContainer | None:
    try:
        return registry().parse_units(_pint_name(unit)).dimensionality
    except (pint.UndefinedUnitError, AttributeError, ValueError, TypeError):
        return None


def _pint_name(symbol: str) -> str:
    # pint prints temperatures as "°C" but only parses its own names back.
    return {"°C": "degC", "°F": "degF", "%": "percent"}.get(symbol, symbol)
