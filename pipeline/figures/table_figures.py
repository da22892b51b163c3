"""Figures read from a table: a draft per numeric cell, labelled by its row and column.

In a table of things by row the row header is what a cell is about and the column
header its measure; in a table of things by column ("| Spec | GB200 NVL72 | HGX B200
|") it is the other way about. Offsets point into the paragraph's own text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from pipeline.figures import entity_words
from pipeline.figures.drafts import PARENTHETICAL, Draft, is_figure
from pipeline.figures.mention import Mention
from pipeline.figures.number_patterns import COMPOUND_NOUNS, STOP
from pipeline.figures.number_words import is_plural, singular
from pipeline.figures.numbers import find_mentions
from pipeline.models import Paragraph

# The corner of a table whose columns are the things compared: "| Spec | GB200 | B200 |".
TABLE_CORNERS = frozenset(
    {
        "",
        "spec",
        "specs",
        "specification",
        "specifications",
        "metric",
        "metrics",
        "parameter",
        "parameters",
        "feature",
        "features",
        "attribute",
        "attributes",
        "item",
        "measure",
        "characteristic",
        "characteristics",
        "detail",
        "details",
        "key specs",
        "specs.",
    }
)


ROW_MEASURES = frozenset(
    {
        "price",
        "memory",
        "weight",
        "bandwidth",
        "compute",
        "performance",
        "efficiency",
        "size",
        "area",
        "footprint",
        "cooling",
        "throughput",
        "speed",
        "count",
        "watts",
        "tdp",
    }
)


COUNT_HEADER = re.compile(r"\s*(?:count|number|no\.?|qty|quantity|#|units?)\s*", re.I)


def table_drafts(paragraph: Paragraph) -> Iterator[Draft]:
    """The figures of a table's cells; in a table of things by column (`_by_column`), the
    column header is what a cell is about and the row header its measure."""
    header, *body = paragraph.rows
    offsets = _cell_offsets(paragraph.text, paragraph.rows)
    by_column = _by_column(header, [row[0] for row in body if row])
    for r, row in enumerate(body, start=1):
        label = row[0] if row else ""
        for c, cell in enumerate(row):
            column = header[c] if c < len(header) else ""
            for m in find_mentions(cell):
                if m.is_year or (c == 0 and m.unit is None):
                    continue
                about, measure = (column, label) if by_column else (label, column)
                draft = _cell_draft(
                    m, paragraph.id, offsets[r][c], cell, about if c else "", measure
                )
                if draft is not None:
                    draft.row = " | ".join(row)
                    yield draft


def _by_column(header: list[str], labels: list[str]) -> bool:
    """Whether a table compares things by column and measures by row ("| Spec | GB200 NVL72 |
    HGX B200 |" over "| GPUs | 72 | 8 |"): its corner is empty or a word such as "Spec",
    its columns are not years, and, with an empty corner, most row headers name measures."""
    corner = header[0].strip().lower() if header else ""
    columns = [h for h in header[1:] if h.strip()]
    if (
        corner not in TABLE_CORNERS
        or not columns
        or any(m.is_year for h in columns for m in find_mentions(h))
    ):
        return False
    measures = [label for label in labels if _names_a_measure(label)]
    return bool(corner) or 2 * len(measures) > len(labels)


def _names_a_measure(label: str) -> bool:
    """A row header that names a measure ("Rack power", "Price (est.)") or what is counted
    ("GPUs", "Compute trays"), not a thing."""
    words = PARENTHETICAL.sub(" ", label).split()
    last = words[-1].lower() if words else ""
    return last in entity_words.MEASURE_NOUNS or last in ROW_MEASURES or is_plural(last)


def _cell_draft(
    m: Mention, paragraph_id: str, offset: int, cell: str, label: str, column: str
) -> Draft | None:
    """A table cell's figure: the row header is its entity, the column header its role."""
    period = next(
        (y.text for text in (column, label) for y in find_mentions(text) if y.is_year), None
    )
    draft = Draft(
        m,
        paragraph_id,
        offset,
        cell,
        period,
        label=label,
        context=column,
        subject=" ".join(PARENTHETICAL.sub(" ", f"{label} {column}").split()),
    )
    if m.unit is None:
        hinted = _header_hint(m, column)
        if hinted is not None:
            draft.mention = Mention(
                m.start,
                m.end,
                m.text,
                hinted.low,
                hinted.high,
                hinted.unit,
                hinted.kind,
                hinted.per,
                m.qualifier,
                False,
            )
        elif COUNT_HEADER.fullmatch(column) and (noun := row_noun(label)):
            draft.mention = replace(m, unit=noun, kind="count")
    return draft if is_figure(draft.mention) else None


def row_noun(label: str) -> str | None:
    """What a header counts: its last plural noun before a preposition, else its last one,
    in the singular, a compound kept whole ("NVLink-5 switch trays" → "tray", "Data centers
    in Texas" → "data center", "Number of GPUs" → "GPU")."""
    words = re.findall(r"[A-Za-z]+", PARENTHETICAL.sub(" ", label))
    cut = next((i for i, w in enumerate(words) if w.lower() in STOP), len(words))
    for part in (words[:cut], words):
        at = [i for i, w in enumerate(part) if is_plural(w)]
        if at:
            noun = singular(part[at[-1]])
            compound = f"{part[at[-1] - 1].lower()} {noun.lower()}" if at[-1] else ""
            return compound if compound in COMPOUND_NOUNS else noun
    return None


def _header_hint(m: Mention, column: str) -> Mention | None:
    """The cell's number read with the unit its column header gives: "Capex ($B)", "GPUs"."""
    inner = PARENTHETICAL.search(column)
    unit = inner.group(1).strip() if inner else (column.split() or [""])[-1]
    currency = re.match(r"(US\$|\$|€|£|USD|EUR|GBP)\s*", unit)
    if currency:
        text = f"{currency.group(1)} {m.text}{unit[currency.end() :]}"
        text = text.replace("$ ", "$").replace("€ ", "€").replace("£ ", "£")
    else:
        text = f"{m.text}{'' if unit[:1] in '%x×' else ' '}{unit}"
    hinted = [h for h in find_mentions(text) if not h.is_year]
    if len(hinted) == 1 and hinted[0].unit is not None and hinted[0].kind is not None:
        return hinted[0]
    return None


def _cell_offsets(text: str, rows: list[list[str]]) -> list[list[int]]:
    offsets: list[list[int]] = []
    cursor = 0
    for row in rows:
        found = []
        for cell in row:
            at = text.find(cell, cursor)
            found.append(max(at, 0))
            cursor = at + len(cell) if at >= 0 else cursor
        offsets.append(found)
    return offsets
