"""Units: one shared pint registry, currencies as their own dimensions, and cached lookups.

pint parses and converts every physical unit. The only hand-written table is
`SPELLINGS`: surface forms that writers use and pint does not know ("kw",
"MWe", "$", "per cent"). Currencies are separate dimensions, so USD never
converts to EUR. Ratios ("x") and PUE ("") are dimensionless and kept out of
pint's namespace on purpose: "x" and "" are not pint units.

Compound units ("kJ/m³·K", "$/MW", "kW/rack") are read by `compound`: each
part through pint, a counted noun allowed as the whole denominator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    "kw": "kW",
    "mw": "MW",
    "gw": "GW",
    "tw": "TW",
    "kwe": "kW",
    "mwe": "MW",
    "gwe": "GW",
    "kwh": "kWh",
    "mwh": "MWh",
    "gwh": "GWh",
    "twh": "TWh",
    "kva": "kVA",
    "mva": "MVA",
    "$": "USD",
    "us$": "USD",
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "us dollars": "USD",
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "%": "%",
    "percent": "%",
    "per cent": "%",
    "pct": "%",
    "percentage point": POINTS,
    "percentage points": POINTS,
    "pp": POINTS,
    "x": RATIO,
    "×": RATIO,
    "times": RATIO,
    "fold": RATIO,
    "pue": PUE,
    "": PUE,
    "°c": "degC",
    "ºc": "degC",
    "degrees c": "degC",
    "degrees celsius": "degC",
    "°f": "degF",
    "ºf": "degF",
    "degrees f": "degF",
    "degrees fahrenheit": "degF",
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
    if COMPOUND_SEPARATOR.search(key):
        quotient = compound(key)
        if quotient is None or quotient.noun:
            raise ValueError(f"unknown unit {text!r}")
        return quotient.symbol
    spelled = SPELLINGS.get(key.lower())
    if spelled in (RATIO, PUE, POINTS, "%", *CURRENCIES):
        return spelled
    name = spelled or key.replace("-", "_").replace(" ", "_")
    unit = _parse(name) or (_parse(name.lower()) if name[1:].islower() else None)
    if unit is None:
        raise ValueError(f"unknown unit {text!r}")
    return f"{unit:~}"


Part = tuple[str, int]
"""One factor of a compound unit: its symbol ("m", "kJ", "USD", or a noun: "rack") and power."""

COMPOUND_SEPARATOR = re.compile(r"\s*(?:[/·⋅]|(?<!\*)\*(?!\*))\s*")
PART = re.compile(
    r"\(?(?P<name>[$€£]|[^\W\d_²³]+)(?:(?:\^|\*\*)?(?P<exp>-?\d)|(?P<sup>[²³]))?\)?\Z"
)
SUPERSCRIPTS = {"²": 2, "³": 3}


@dataclass(frozen=True)
class Compound:
    """A unit written with "/" or "·": "kJ/m³·K", "kW/rack", "$/MW".

    Everything after the first "/" is the denominator, the way "kJ/m³·K" is
    meant (kJ/(m³·K)), not the way a calculator would read it.
    """

    numerator: tuple[Part, ...]
    denominator: tuple[Part, ...]
    noun: bool  # the denominator is a counted noun ("rack"), not a unit pint knows

    @property
    def symbol(self) -> str:
        """The canonical form pint parses back: "kJ/(m³·K)", "kW/rack"."""
        top = "·".join(map(_part_symbol, self.numerator))
        bottom = "·".join(map(_part_symbol, self.denominator))
        if not bottom:
            return top
        return f"{top}/({bottom})" if len(self.denominator) > 1 else f"{top}/{bottom}"

    @property
    def head(self) -> str | None:
        """The numerator when it is one plain unit ("kW", "USD"), else None."""
        if len(self.numerator) == 1 and self.numerator[0][1] == 1:
            return self.numerator[0][0]
        return None


@lru_cache(maxsize=1024)
def compound(text: str) -> Compound | None:
    """`text` read as a compound unit, or None when a part is not a unit.

    Every numerator part must be a unit pint knows; the denominator may be a
    single counted noun instead ("kW/rack", "W/GPU").
    """
    top, slash, bottom = text.strip().partition("/")
    if not COMPOUND_SEPARATOR.search(text):
        return None
    numerator = _parts(top)
    denominator = _parts(bottom) if slash else ()
    if numerator is None or denominator is None or not (slash or len(numerator) > 1):
        return None
    if any(not is_unit(symbol) for symbol, _ in numerator):
        return None
    known = all(is_unit(symbol) for symbol, _ in denominator)
    if not known and (len(denominator) != 1 or denominator[0][1] != 1):
        return None
    return Compound(numerator, denominator, noun=not known)


def factor(text: str) -> Part | None:
    """One factor as written, normalised: "m³" → ("m", 3), "megawatts" → ("MW", 1),
    "rack" → ("rack", 1); None when it is not a word with an optional power."""
    m = PART.match(text.strip())
    if m is None:
        return None
    exp = m.group("exp")
    power = int(exp) if exp else SUPERSCRIPTS.get(m.group("sup") or "", 1)
    return _part_name(m.group("name")), power


def is_unit(symbol: str) -> bool:
    """Whether a normalised symbol is a unit pint knows (a currency included), not a noun."""
    return symbol in CURRENCIES or (
        symbol not in (RATIO, PUE, POINTS, "%") and _dimensionality(symbol) is not None
    )


def _parts(text: str) -> tuple[Part, ...] | None:
    parts = [factor(piece) for piece in COMPOUND_SEPARATOR.split(text.strip())]
    return None if None in parts else tuple(p for p in parts if p is not None)


def _part_name(name: str) -> str:
    """A part's canonical symbol: "kilojoules" → "kJ", "$" → "USD"; a noun as written."""
    try:
        return normalise_unit(name)
    except ValueError:
        return name


def _part_symbol(part: Part) -> str:
    symbol, power = part
    if power == 1:
        return symbol
    return symbol + {2: "²", 3: "³"}.get(power, f"^{power}")


@lru_cache(maxsize=256)
def unit_name(symbol: str) -> str:
    """pint's name for a unit symbol, words spaced: "kJ" → "kilojoule", "kWh" →
    "kilowatt hour", "°C" → "degree Celsius"; the symbol itself when pint has none."""
    try:
        name = str(registry().get_name(_pint_name(symbol)))
    except (pint.UndefinedUnitError, AttributeError, ValueError, TypeError):
        return symbol
    return name.replace("_", " ")


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
    scale = _scale(unit, to_unit)
    if scale is not None:
        return value * scale
    try:
        return float(registry().convert(value, _unit(unit), _unit(to_unit)))
    except pint.DimensionalityError as e:
        raise ValueError(f"cannot convert {unit} to {to_unit}") from e


@lru_cache(maxsize=4096)
def _scale(unit: str, to_unit: str) -> float | None:
    """The factor from `unit` to `to_unit` when one is all it takes (no offset, as
    temperatures have); None otherwise. The audit converts hundreds of thousands of
    times a script, and pint takes 35 µs each."""
    try:
        zero = registry().convert(0.0, _unit(unit), _unit(to_unit))
        one = registry().convert(1.0, _unit(unit), _unit(to_unit))
    except pint.DimensionalityError:
        return None
    return float(one) if zero == 0 else None


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
