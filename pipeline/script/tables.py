"""A table as a listener hears it: what its columns say, not its rows read out.

For each column of numbers: which row is highest and which lowest ("Amazon
has the highest 2025 capex, at $100 billion, and Meta the lowest, at $60
billion"); and, where the ledger computed a change for each row, which grew
fastest and which slowest. Totals are the ledger's comparisons, said after
the table. Rows named "Total" or "Combined" are not ranked against the
others. Every value is a ledger figure, in long form ("80" under "Capex
($B)" is "$80 billion"). A table with no column of numbers is read a row at
a time, as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.figures import units
from pipeline.figures.display import value_text
from pipeline.figures.models import Figure, Ledger
from pipeline.models import Paragraph
from pipeline.script import phrasing
from pipeline.script.spoken import PARENTHETICAL

TOTAL_ROW = re.compile(r"(?i)^(?:total|combined|sum|overall|all\b|grand total|average)")
YEAR_FIRST = re.compile(r"^((?:19|20)\d\d)\s+(.+)$")
MIN_ROWS = 2  # a column is ranked when this many rows hold a figure in it
MIN_FILLED = 0.6  # … and at least this share of its rows (else it mixes kinds of cell)


def statements(
    paragraph: Paragraph, own: list[Figure], ledger: Ledger
) -> Iterator[tuple[str, list[Figure]]]:
    """The table as sentences about its columns, each with the figures it states."""
    if len(paragraph.rows) < 2:
        return
    header, *body = paragraph.rows
    said = changes = False
    for j, column in enumerate(header[1:], start=1):
        cells = _column(body, j, own)
        rows = sum(1 for r in body if r and not TOTAL_ROW.match(r[0].strip()))
        if len(cells) >= max(MIN_ROWS, MIN_FILLED * rows) and _comparable(cells):
            said = True
            changes |= any((f.role or "").endswith("growth") for _, f in cells)
            yield _extremes(paragraph, column, cells, j)
    growth = _growth(body, own, ledger)
    if len(growth) >= MIN_ROWS and not changes:  # the table has its own column of changes
        said = True
        yield _fastest(paragraph, growth)
    if not said:
        yield from _rows(header, body, own)


def label(header: str) -> str:
    """A column header as a name: "Build cost ($B, 2025 est.)" → "Build cost" (the cells
    are said with their units)."""
    return " ".join(PARENTHETICAL.sub(" ", header).split())


def column_name(header: str) -> str:
    """A column's name as said in a sentence: lower case unless it has capitals inside a
    word ("YoY", "TDP"), and a leading year moved behind ("2024 Capex" → "capex in 2024":
    a year before a noun reads as a count of it)."""
    name = label(header)
    if not any(c.isupper() for w in name.split() for c in w[1:]):
        name = name.lower()
    return YEAR_FIRST.sub(r"\2 in \1", name)


def _name(cell: str) -> str:
    return label(cell.strip()).rstrip(":")


def _column(body: list[list[str]], j: int, own: list[Figure]) -> list[tuple[str, Figure]]:
    """(row name, figure) for each row but totals whose cell `j` holds a figure."""
    found = []
    for row in body:
        if len(row) <= j or not row[0].strip() or TOTAL_ROW.match(row[0].strip()):
            continue
        sentence = " | ".join(row)
        cell = row[j].strip()
        held = [
            f
            for f in own
            if f.sentence == sentence
            and f.text
            and re.search(rf"(?<![\d.,]){re.escape(f.text)}(?![\d])", cell)
        ]
        if len(held) == 1:
            found.append((_name(row[0]), held[0]))
    return found


def _value(figure: Figure, column: str) -> str:
    value = value_text(figure)
    if value.lower().startswith(column.lower() + " "):  # "PUE 1.1" under "PUE"
        return value[len(column) + 1 :]
    return value


def _comparable(cells: list[tuple[str, Figure]]) -> bool:
    """One unit (or units that convert: W and kW), one denominator."""
    first = cells[0][1]
    return all(
        f.per == first.per and (f.unit == first.unit or units.compatible(f.unit, first.unit))
        for _, f in cells
    )


def _middle(figure: Figure, unit: str | None = None) -> float:
    middle = (figure.low + figure.high) / 2
    if unit is None or unit == figure.unit:
        return middle
    return units.convert(middle, figure.unit, unit)


def _extremes(
    paragraph: Paragraph, column: str, cells: list[tuple[str, Figure]], j: int
) -> tuple[str, list[Figure]]:
    unit = cells[0][1].unit
    ranked = sorted(cells, key=lambda c: -_middle(c[1], unit))
    (top, high), (bottom, low) = ranked[0], ranked[-1]
    top = _and_list([n for n, f in ranked if _middle(f, unit) == _middle(high, unit)])  # ties
    bottom = _and_list([n for n, f in ranked if _middle(f, unit) == _middle(low, unit)])
    name = label(column)
    text = phrasing.pick(
        "table_extremes",
        f"{paragraph.id}:{paragraph.text}",
        j,
        column=column_name(column),
        top=top,
        high=_value(high, name),
        bottom=bottom,
        low=_value(low, name),
    )
    return text, [high, low]


def _growth(body: list[list[str]], own: list[Figure], ledger: Ledger) -> list[tuple[str, Figure]]:
    """(row name, the ledger's computed change) for each row it computed one for."""
    ids = {f.id for f in own}
    names = {
        _name(r[0]).lower(): _name(r[0])
        for r in body
        if r and r[0].strip() and not TOTAL_ROW.match(r[0].strip())
    }
    found = []
    for f in ledger.by_origin("computed"):
        if (
            (f.role or "").endswith("growth")
            and f.entity.lower() in names
            and f.inputs
            and set(f.inputs) <= ids
        ):
            found.append((names[f.entity.lower()], f))
    return found


def _fastest(paragraph: Paragraph, growth: list[tuple[str, Figure]]) -> tuple[str, list[Figure]]:
    ranked = sorted(growth, key=lambda c: -_middle(c[1]))
    (top, high), (bottom, low) = ranked[0], ranked[-1]
    name = "table_growth_fell" if low.high < 0 else "table_growth"
    text = phrasing.pick(
        name,
        f"{paragraph.id}:{paragraph.text}:growth",
        top=top,
        high=value_text(high),
        bottom=bottom,
        low=value_text(low),
    )
    return text, [high, low]


def _rows(
    header: list[str], body: list[list[str]], own: list[Figure]
) -> Iterator[tuple[str, list[Figure]]]:
    """A table without a column of numbers, a sentence a row."""
    said = []
    for row in body:
        values = {f.text: value_text(f) for f in own if f.sentence == " | ".join(row)}
        pairs = [
            f"{label(column)} is {_strip(label(column), values.get(cell.strip(), cell))}"
            for column, cell in zip(header[1:], row[1:], strict=False)
            if label(column) and cell.strip()
        ]
        if row and row[0].strip() and pairs:
            said.append(f"For {row[0].strip()}, {_and_list(pairs)}.")
    if said:
        yield " ".join(said), own


def _strip(column: str, value: str) -> str:
    if value.lower().startswith(column.lower() + " "):
        return value[len(column) + 1 :]
    return value


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
