"""Extract the source figures of an article: every quantity, where it is, what it is about.

Prose is split into sentences and each number found by `numbers.find_mentions`
becomes a Figure; years become the periods of the figures in their clause.
Each figure gets:
- an entity: the company, product, facility or kind of rack it is about, read
  from a dependency parse of its sentence (`entities.entity_at`); in a table
  the row header, in a list the text before the colon; a figure whose
  sentence names none (a pronoun, a condition) takes the paragraph's last;
- a role (`roles.role_of`): rack_power, capex, count_gpus …;
- its qualifier ("up to", "more than") as written.
The same figure said twice of the same entity is one figure with its other
mentions in `also_at`. Durations ("five years") and quantities in units
outside the figure kinds (°C) are not figures.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.figures import entities, roles
from pipeline.figures.models import Figure, FigureKind, Place
from pipeline.figures.numbers import Mention, find_mentions
from pipeline.models import Article, Paragraph

ABBREVIATIONS = frozenset({
    "u.s", "e.g", "i.e", "etc", "vs", "approx", "inc", "corp", "ltd", "co", "no", "fig", "mr",
    "mrs", "ms", "dr", "st", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec", "est", "al", "u.k", "p", "pp"
})
SENTENCE_END = re.compile(r"[.!?][\"”’)\]]*\s+(?=[\"“(\[]?[A-Z0-9$€£])")
CLAUSE_BREAK = re.compile(r"[;:—–()]|,(?!\d{3})|\s-\s")
PARENTHETICAL = re.compile(r"\s*\(([^)]*)\)\s*")
INTRO_YEAR = re.compile(r"^\W*(?:\w+\s+){0,3}?$")
LIST_LABEL = re.compile(r"^\s*(?:[-*+]\s+|\d{1,3}[.)]\s+)?\**([^:\n]{2,60}?)\**\s*[:–—]\s+")
DURATIONS = frozenset({
    "year", "month", "week", "day", "hour", "minute", "second", "decade", "quarter", "century"
})
COORDINATED = re.compile(r"\s*(?:,|,?\s*(?:and|or|to))?\s*\Z", re.I)


@dataclass
class _Draft:
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


def extract(article: Article) -> list[Figure]:
    """The article's source figures in reading order, with ids "f1", "f2", …"""
    drafts = [d for p in article.paragraphs for d in _paragraph_drafts(p)]
    _name_entities(drafts)
    return _merge(drafts)


def years(article: Article) -> list[int]:
    """The distinct years the article mentions (title, headings and text), sorted."""
    texts = [article.title, *(s.heading for s in article.sections),
             *(p.text for p in article.paragraphs)]
    found = {int(y) for text in texts for m in find_mentions(text) if m.is_year
             for y in (m.low, m.high)}
    return sorted(found)


def _paragraph_drafts(paragraph: Paragraph) -> list[_Draft]:
    if paragraph.kind == "table" and len(paragraph.rows) > 1:
        return list(_table_drafts(paragraph))
    drafts: list[_Draft] = []
    for start, end in sentences(paragraph.text, by_line=paragraph.kind == "list"):
        drafts.extend(_sentence_drafts(paragraph, paragraph.text[start:end], start))
    return drafts


def sentences(text: str, by_line: bool = False) -> list[tuple[int, int]]:
    """(start, end) of each sentence; "U.S.", "e.g." and decimals do not end one."""
    spans: list[tuple[int, int]] = []
    for line_start, line_end in _lines(text) if by_line else [(0, len(text))]:
        start = line_start
        for m in SENTENCE_END.finditer(text, line_start, line_end):
            word = text[max(line_start, m.start() - 6):m.start()].split()
            token = word[-1].lower().lstrip("(\"“") if word else ""
            if token in ABBREVIATIONS or (len(token) == 1 and token.isalpha()) or (
                    token.isdigit() and _opens_line(text, m.start() - len(token))):
                continue  # "U.S.", "J. Smith", a "1. " that numbers a list
            spans.append((start, m.start() + 1))
            start = m.end()
        if text[start:line_end].strip():
            spans.append((start, line_end))
    return spans


def _opens_line(text: str, at: int) -> bool:
    return not text[text.rfind("\n", 0, at) + 1:at].strip()


def _lines(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for line in text.split("\n"):
        yield start, start + len(line)
        start += len(line) + 1


def _sentence_drafts(paragraph: Paragraph, sentence: str, offset: int) -> list[_Draft]:
    mentions = find_mentions(sentence)
    year_marks = [m for m in mentions if m.is_year]
    label = LIST_LABEL.match(sentence) if paragraph.kind == "list" else None
    drafts = []
    for m in mentions:
        if m.is_year or not _is_figure(m):
            continue
        draft = _Draft(m, paragraph.id, offset, sentence, _period(sentence, m, year_marks),
                       context=sentence)
        if label and m.start >= label.end():
            draft.label = label.group(1).strip()
        drafts.append(draft)
    return drafts


def _is_figure(m: Mention) -> bool:
    """Quantities of the figure kinds; durations ("five years") are not figures."""
    if m.kind is None and m.unit is not None:
        return False  # °C and other units outside the figure kinds
    return not (m.kind == "count" and m.unit in DURATIONS and m.per is None)


def _name_entities(drafts: list[_Draft]) -> None:
    """Entity and subject of every draft: its label, else the parse of its sentence, else the
    entity of a figure it is coordinated with, the paragraph's last entity or its `per` noun."""
    in_sentence: dict[str, list[_Draft]] = {}
    for d in drafts:
        if d.label is None:
            in_sentence.setdefault(d.text, []).append(d)
    texts = list(in_sentence)
    docs = dict(zip(texts, entities.parse(texts), strict=True)) if texts else {}
    last: dict[str, str] = {}
    previous: _Draft | None = None
    for d in drafts:
        if d.label is not None:
            d.entity = PARENTHETICAL.sub(" ", d.label).strip()
            d.subject = d.subject or d.entity
        else:
            m = d.mention
            others = [(o.mention.start, o.mention.end) for o in in_sentence[d.text] if o is not d]
            found = entities.entity_at(docs[d.text], m.start, m.end, others)
            if found is not None:
                d.entity, d.subject = found.name, found.phrase
            elif previous is not None and previous.text == d.text and COORDINATED.fullmatch(
                    d.text[previous.mention.end:m.start]):
                d.entity, d.subject = previous.entity, previous.subject
            else:  # a guess: shown as the subject, not used to pair figures
                d.subject = last.get(d.paragraph_id) or (m.per or "")
        if d.subject:
            last[d.paragraph_id] = d.subject
        previous = d


def _merge(drafts: list[_Draft]) -> list[Figure]:
    """One figure per value said of one entity; later mentions go to `also_at`."""
    figures: list[Figure] = []
    index: dict[tuple[object, ...], int] = {}
    for d in drafts:
        m = d.mention
        kind: FigureKind = m.kind or "count"
        unit = m.unit if m.unit is not None else ""
        span = (d.offset + m.start, d.offset + m.end)
        sentence = (d.row or d.text).strip()
        key = (kind, unit, m.per, m.low, m.high, d.entity.lower(), d.period)
        if key in index and d.entity:
            first = figures[index[key]]
            place = Place(paragraph_id=d.paragraph_id, sentence=sentence, span=span)
            figures[index[key]] = first.model_copy(update={"also_at": [*first.also_at, place]})
            continue
        index[key] = len(figures)
        figures.append(Figure(
            id=f"f{len(figures) + 1}", kind=kind, low=m.low, high=m.high, unit=unit, per=m.per,
            qualifier=m.qualifier, subject=d.subject, entity=d.entity,
            role=roles.role_of(kind, unit, m.per, d.entity if d.label else d.subject, d.context),
            period=d.period, text=m.text, origin="source", paragraph_id=d.paragraph_id,
            sentence=sentence, span=span,
        ))
    return figures


def _period(sentence: str, m: Mention, year_marks: list[Mention]) -> str | None:
    """A year in the same clause as the figure, else one that opens the sentence."""
    best: Mention | None = None
    for y in year_marks:
        lo, hi = sorted((y.end, m.start)) if y.start < m.start else (m.end, y.start)
        if CLAUSE_BREAK.search(sentence, lo, hi):
            continue
        if best is None or abs(y.start - m.start) < abs(best.start - m.start):
            best = y
    if best is None and year_marks:
        first = year_marks[0]
        cut = CLAUSE_BREAK.search(sentence)
        if cut and first.end <= cut.start() < m.start and INTRO_YEAR.match(
                sentence[:first.start]):
            best = first
    return best.text if best else None


def _table_drafts(paragraph: Paragraph) -> Iterator[_Draft]:
    header, *body = paragraph.rows
    offsets = _cell_offsets(paragraph.text, paragraph.rows)
    for r, row in enumerate(body, start=1):
        label = row[0] if row else ""
        for c, cell in enumerate(row):
            column = header[c] if c < len(header) else ""
            for m in find_mentions(cell):
                if m.is_year or (c == 0 and m.unit is None):
                    continue
                draft = _cell_draft(m, paragraph.id, offsets[r][c], cell, label if c else "",
                                    column)
                if draft is not None:
                    draft.row = " | ".join(row)
                    yield draft


def _cell_draft(
    m: Mention, paragraph_id: str, offset: int, cell: str, label: str, column: str
) -> _Draft | None:
    """A table cell's figure: the row header is its entity, the column header its role."""
    period = next((y.text for text in (column, label) for y in find_mentions(text)
                   if y.is_year), None)
    draft = _Draft(m, paragraph_id, offset, cell, period, label=label, context=column,
                   subject=" ".join(PARENTHETICAL.sub(" ", f"{label} {column}").split()))
    if m.unit is None:
        hinted = _header_hint(m, column)
        if hinted is not None:
            draft.mention = Mention(m.start, m.end, m.text, hinted.low, hinted.high, hinted.unit,
                                    hinted.kind, hinted.per, m.qualifier, False)
    elif m.kind is None:
        return None
    return draft


def _header_hint(m: Mention, column: str) -> Mention | None:
    """The cell's number read with the unit its column header gives: "Capex ($B)", "GPUs"."""
    inner = PARENTHETICAL.search(column)
    unit = inner.group(1).strip() if inner else (column.split() or [""])[-1]
    currency = re.match(r"(US\$|\$|€|£|USD|EUR|GBP)\s*", unit)
    if currency:
        text = f"{currency.group(1)} {m.text}{unit[currency.end():]}"
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
