"""`Draft`: a figure before its entity, role and id, and what counts as a figure at all.

The extractor (`figures.extract`) makes a draft of every mention it keeps, from
prose (`figures.extract`) or a table (`figures.table_figures`), then names its
entity (`figures.entity_naming`) and merges repeats into Figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.figures.mention import Mention

PARENTHETICAL = re.compile(r"\s*\(([^)]*)\)\s*")


DURATIONS = frozenset(
    {"year", "month", "week", "day", "hour", "minute", "second", "decade", "quarter", "century"}
)


DISCOURSE_NOUNS = frozenset(
    {
        "category",
        "way",
        "reason",
        "type",
        "kind",
        "thing",
        "step",
        "part",
        "area",
        "factor",
        "lesson",
        "question",
        "option",
        "trend",
        "takeaway",
        "pillar",
        "example",
        "idea",
        "section",
        "chapter",
        "issue",
        "challenge",
        "scenario",
        "theme",
        "stage",
        "bucket",
        "approach",
        "method",
        "strategy",
    }
)


@dataclass
class Draft:
    """A figure before its entity, role and id: a mention and where it sits."""

    mention: Mention
    paragraph_id: str
    offset: int  # where `text` starts in the paragraph's text
    text: str  # the sentence, or the table row, the mention's offsets refer to
    period: str | None
    label: str | None = None  # a table row's or list item's header: the entity when given
    context: str = ""  # words that tell the role: the sentence, or a cell's column header
    row: str | None = None  # a table cell's whole row, "Microsoft | 80 | 30%": its sentence
    entity: str = ""
    subject: str = ""


def is_figure(m: Mention) -> bool:
    """Quantities of the figure kinds; durations ("five years") and counts of the text's
    own parts ("three categories", "two reasons") are not figures."""
    if m.kind is None and m.unit is not None:
        return False  # °C and other units outside the figure kinds
    if m.kind == "count" and m.unit in DISCOURSE_NOUNS:
        return False
    return not (m.kind == "count" and m.unit in DURATIONS and m.per is None)
