"""Extract the source figures of an article: every quantity, where it is, what it is about.

Prose is split into sentences and each number found by `numbers.find_mentions`
(and each multiple in words, `numbers.spelled_multiples`) becomes a Figure;
years become the periods of the figures in their clause.
Each figure gets:
- an entity: the company, product, facility or kind of rack it is about. In a
  table it is the row header; in a list the text before the colon, unless that
  text is itself a quantity ("876K MWh / year: …"). Otherwise it is read from a
  dependency parse of the sentence (`entities.entity_at`). A pronoun or a
  description that refers back ("it", "the company", a measure such as "our
  capital expenditures") takes the most salient entity: the list's lead-in, a
  name said earlier in the sentence, whoever a quotation's "we" quotes, for a
  pronoun the paragraph's last entity, a name said earlier in the paragraph,
  the subject of the title, else the section's last entity, in that order, and
  with none of those the section heading; a
  count that is its clause's subject ("5,000 homes consume …") is about what it
  counts unless a lead-in names it. A figure said as a sentence by itself is
  about the first name of the next sentence when that one points back at it
  ("1.2 gigawatts. That's the lease OpenAI signed"). A figure whose words name
  nothing gets only a guess, as its subject: a count's `per` noun ("176 GPUs per
  pod"), the paragraph's last subject, the section heading or its `per` noun;
- a role (`roles.role_of`): rack_power, capex, count_gpus …;
- its qualifier ("up to", "more than") as written.
The same value said again (a recap, an "A × B = C" line, a table row restated
in prose, a bare operand: "PUE = 700 ÷ 500") is one figure with its other
mentions in `also_at`, unless names tell the two apart ("L40S" and "H100"
rows, "Microsoft" and "Amazon").
Durations ("five years"), counts of the text's own parts ("three
categories") and quantities in units outside the figure kinds (°C, sq ft)
are not figures.
A bare number takes its meaning from around it: a scaled one ("96.4bn") in a sentence
about money is in the currency its paragraph, else the article, states money in; one
after a list label that names a plural ("Switch trays: 9") counts that noun; in a table
of things by column ("| Spec | GB200 NVL72 | HGX B200 |") the column header is what a
cell is about and the row header ("GPUs", "Rack power") its measure. A figure's role is
read from its own clause when that names spending or revenue, else from its sentence.

Where the parts live: sentence splitting in `figures.sentences`, the draft figure in
`figures.drafts`, table cells in `figures.table_figures`, entities in
`figures.entity_naming`; this module reads prose and merges repeats.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from itertools import islice

from pipeline.figures import entity_words, roles, units
from pipeline.figures.drafts import Draft, is_figure
from pipeline.figures.entity_naming import name_entities
from pipeline.figures.mention import Mention
from pipeline.figures.models import Figure, FigureKind, Place
from pipeline.figures.number_patterns import ATOM
from pipeline.figures.number_words import physical_unit
from pipeline.figures.numbers import find_mentions, spelled_multiples
from pipeline.figures.sentences import sentences
from pipeline.figures.table_figures import row_noun, table_drafts
from pipeline.models import Article, Paragraph, Section

# Work per sentence grows with its length times its figures (the parse, each figure's
# entity among the others): a "sentence" of thousands of brackets or numbers with no full
# stop is read in pieces of bounded size, so extraction stays linear in the text.
MAX_SENTENCE_CHARS = 600
MAX_SENTENCE_NUMBERS = 16
SUBCLAUSE = re.compile(r",\s+(?:which|while|whereas|but|with)\b|;\s|\s[—–]\s", re.I)
CLAUSE_BREAK = re.compile(r"[;:—–()]|,(?!\d{3})|\s-\s")
INTRO_YEAR = re.compile(r"^\W*(?:\w+\s+){0,3}?$")
LIST_LABEL = re.compile(r"^\s*(?:[-*+]\s+|\d{1,3}[.)]\s+)?\**([^:\n]{2,60}?)\**\s*[:–—]\s+")
SCALED = re.compile(r"(?:\d|\s)(?:bn|mn|tn|bln|mln|billion|million|trillion)\Z", re.I)
MONEY_WORDS = re.compile(
    r"\b(?:revenues?|sales|income|profits?|earnings|spend(?:ing)?|capex|capital|expenditures?"
    r"|invest(?:ment|ments|ing)?|budgets?|costs?|valuation|funding|cash|price[sd]?)\b",
    re.I,
)
PUE_NAMED = re.compile(r"\bPUEs?\b|\bpower usage effectiveness\b", re.I)
MODEL_NUMBER = re.compile(r"[A-Za-z]\d|\d[A-Za-z]")  # "H100", "L40S", "v5p"
OPERATOR_BEFORE = re.compile(r"[÷=+−]\s*\Z")  # the number is an operand: "= 700 ÷ 500"
OPERATOR_AFTER = re.compile(r"\s*[÷=+−]")


def extract(article: Article) -> list[Figure]:
    """The article's source figures in reading order, with ids "f1", "f2", …"""
    drafts = [d for s in article.sections for d in _section_drafts(s)]
    _bare_money(drafts)
    name_entities(drafts, article)
    return _merge(drafts)


def _section_drafts(section: Section) -> list[Draft]:
    """The figures of a section's paragraphs. Once its heading or a paragraph has named PUE,
    a bare decimal in a later paragraph is a PUE too ("Benchmarks:" then "- 1.1–1.2: …")."""
    drafts: list[Draft] = []
    named = PUE_NAMED.search(section.heading) is not None
    for paragraph in section.paragraphs:
        drafts.extend(_paragraph_drafts(paragraph, section.heading, named))
        named = named or PUE_NAMED.search(paragraph.text) is not None
    return drafts


def years(article: Article) -> list[int]:
    """The distinct years the article mentions (title, headings and text), sorted."""
    texts = [
        article.title,
        *(s.heading for s in article.sections),
        *(p.text for p in article.paragraphs),
    ]
    found = {
        int(y) for text in texts for m in find_mentions(text) if m.is_year for y in (m.low, m.high)
    }
    return sorted(found)


def _paragraph_drafts(
    paragraph: Paragraph, heading: str = "", pue_named: bool = False
) -> list[Draft]:
    """The figures of a paragraph. A bare number takes a meaning from around it: the counted
    noun its section heading gives the same value ("The 1024-GPU cluster" over "1024 × 700 W"),
    PUE after PUE has been named, in the paragraph or before it (`pue_named`), or
    anywhere in its own sentence ("- 1.3: Design PUE of the new halls"; `_is_bare_pue`)."""
    if paragraph.kind == "table" and len(paragraph.rows) > 1:
        return list(table_drafts(paragraph))
    drafts: list[Draft] = []
    for start, end in sentences(paragraph.text, by_line=paragraph.kind == "list"):
        for piece_start, piece_end in _bounded(paragraph.text, start, end):
            drafts.extend(
                _sentence_drafts(paragraph, paragraph.text[piece_start:piece_end], piece_start)
            )
    counted = {(m.low, m.high): m.unit for m in find_mentions(heading) if m.kind == "count"}
    named = PUE_NAMED.search(paragraph.text)
    pue_from = 0 if pue_named else named.start() + 1 if named else None
    for d in drafts:
        m = d.mention
        if m.unit is None and (m.low, m.high) in counted:
            d.mention = replace(m, unit=counted[m.low, m.high], kind="count")
        elif _is_bare_pue(m) and (
            (pue_from is not None and d.offset + m.start >= pue_from) or PUE_NAMED.search(d.text)
        ):
            d.mention = replace(m, unit=units.PUE, kind="pue")
    return drafts


def _bare_money(drafts: list[Draft]) -> None:
    """A bare number with a scale ("96.4bn", "12 billion") in a sentence that states money
    or names it ("revenue", "spending") is money in the one currency its paragraph, else
    the article, states money in: "revenue up by 14% to 96.4bn" after "$75 billion"."""
    by_paragraph: dict[str, set[str | None]] = {}
    for d in drafts:
        if d.mention.kind == "money":
            by_paragraph.setdefault(d.paragraph_id, set()).add(d.mention.unit)
    anywhere = set().union(*by_paragraph.values())
    for d in drafts:
        currencies = by_paragraph.get(d.paragraph_id, anywhere)
        if len(currencies) == 1 and _is_bare_money(d, drafts):
            d.mention = replace(d.mention, unit=next(iter(currencies)), kind="money")


def _is_bare_money(d: Draft, drafts: list[Draft]) -> bool:
    m, sentence = d.mention, d.row or d.text
    return (
        m.unit is None
        and SCALED.search(m.text) is not None
        and (
            MONEY_WORDS.search(sentence) is not None
            or any((o.row or o.text) == sentence and o.mention.kind == "money" for o in drafts)
        )
    )


def _is_bare_pue(m: Mention) -> bool:
    """A bare decimal from 1.0 to 3.0 ("at a 2.5 average", "dropped to 1.58"): a PUE when
    the paragraph has named PUE before it."""
    return m.unit is None and "." in m.text and 1.0 <= m.low <= m.high <= 3.0


def _bounded(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """[start, end) in pieces of at most MAX_SENTENCE_CHARS characters and
    MAX_SENTENCE_NUMBERS numbers, cut at a space where there is one."""
    pos = start
    while pos < end:
        limit = min(end, pos + MAX_SENTENCE_CHARS)
        numbers = ATOM.finditer(text, pos, limit)
        extra = next(islice(numbers, MAX_SENTENCE_NUMBERS, None), None)
        if extra is not None and extra.start() > pos:
            limit = extra.start()
        if limit < end:
            space = max(text.rfind(" ", pos + 1, limit), text.rfind("\n", pos + 1, limit))
            limit = space if space > pos else limit
        yield pos, limit
        pos = limit
        while pos < end and text[pos].isspace():
            pos += 1


def _sentence_drafts(paragraph: Paragraph, sentence: str, offset: int) -> list[Draft]:
    mentions = sorted(find_mentions(sentence) + spelled_multiples(sentence), key=lambda m: m.start)
    year_marks = [m for m in mentions if m.is_year]
    label = LIST_LABEL.match(sentence) if paragraph.kind == "list" else None
    drafts = []
    for m in mentions:
        if m.is_year or not is_figure(m):
            continue
        draft = Draft(
            m,
            paragraph.id,
            offset,
            sentence,
            _period(sentence, m, year_marks),
            context=_role_words(sentence, m),
        )
        if label and m.start >= label.end():
            draft.label = label.group(1).strip()
            noun = row_noun(draft.label) if m.unit is None and m.low.is_integer() else None
            if noun is not None:  # "- Switch trays: 9"
                draft.mention = replace(m, unit=noun, kind="count")
        drafts.append(draft)
    return drafts


def _role_words(sentence: str, m: Mention) -> str:
    """The words that tell a figure's role: its own clause when that names spending or
    revenue ("…, which saw company-wide revenue up by 14% to 96.4bn" after a "spending
    plan"), else the whole sentence."""
    start = max((b.end() for b in SUBCLAUSE.finditer(sentence, 0, m.start)), default=0)
    after = SUBCLAUSE.search(sentence, m.end)
    clause = sentence[start : after.start() if after else len(sentence)]
    if roles.CAPEX.search(clause) or roles.REVENUE.search(clause):
        return clause
    return sentence


def _merge(drafts: list[Draft]) -> list[Figure]:
    """One figure per value said of one thing; later mentions (`_repeats`) go to `also_at`."""
    figures: list[Figure] = []
    firsts: dict[tuple[float, float], list[tuple[int, Draft]]] = {}
    for d in drafts:
        m = d.mention
        kind: FigureKind = m.kind or "count"
        unit = m.unit if m.unit is not None else ""
        span = (d.offset + m.start, d.offset + m.end)
        sentence = (d.row or d.text).strip()
        same_value = firsts.setdefault((m.low, m.high), [])
        earlier = next((i for i, first in same_value if _repeats(d, first)), None)
        if earlier is not None:
            first_figure = figures[earlier]
            place = Place(paragraph_id=d.paragraph_id, sentence=sentence, span=span)
            figures[earlier] = first_figure.model_copy(
                update={"also_at": [*first_figure.also_at, place]}
            )
            continue
        same_value.append((len(figures), d))
        figures.append(
            Figure(
                id=f"f{len(figures) + 1}",
                kind=kind,
                low=m.low,
                high=m.high,
                unit=unit,
                per=m.per,
                qualifier=m.qualifier,
                subject=d.subject,
                entity=d.entity,
                role=roles.role_of(
                    kind, unit, m.per, d.entity if d.label else d.subject, d.context
                ),
                period=d.period,
                text=m.text,
                origin="source",
                paragraph_id=d.paragraph_id,
                sentence=sentence,
                span=span,
            )
        )
    return figures


def _repeats(later: Draft, first: Draft) -> bool:
    """Whether `later` says the figure `first` said, of the same value: a bare number
    ("8 × 700 W") repeats a count, and a bare operand of a sum, a quotient or an equation
    ("PUE = 700 ÷ 500") repeats any figure; otherwise kind and unit agree, `per` and period
    agree where both give one, they are not two cells of one table, and their names do not
    tell them apart (`_told_apart`)."""
    a, b = later.mention, first.mention
    if a.unit is None:
        return b.kind in (None, "count") or _is_operand(later)
    if (
        (a.kind, a.unit) != (b.kind, b.unit)
        or _differ(a.per, b.per)
        or _differ(later.period, first.period)
    ):
        return False
    if (
        later.row is not None
        and first.row is not None
        and later.paragraph_id == (first.paragraph_id)
    ):
        return False
    return not _told_apart(later, first)


def _is_operand(d: Draft) -> bool:
    """Whether the draft's number stands next to "÷", "=", "+" or a minus sign."""
    m = d.mention
    return bool(OPERATOR_BEFORE.search(d.text, 0, m.start) or OPERATOR_AFTER.match(d.text, m.end))


def _differ(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a != b


def _told_apart(a: Draft, b: Draft) -> bool:
    """Two mentions are of different things when each names something (a capitalised word, a
    model number: "Microsoft", "L40S") that the other's entity, or table row, does not, and
    they share no model number ("H100 DGX node" is not told apart from an "H100 SXM5" row)."""
    names_a, names_b = _names(a.entity), _names(b.entity)
    scope_a, scope_b = _names(a.row or a.entity), _names(b.row or b.entity)
    if names_a <= scope_b or names_b <= scope_a:
        return False
    return not any(MODEL_NUMBER.search(w) for w in scope_a & scope_b)


def _names(text: str) -> set[str]:
    """The words of `text` that name something: capitalised or a model number ("L40S"), not
    a number, a unit, a generic acronym ("AI", "GPU") or a hyphenated part of one."""
    return {
        w.lower()
        for w in re.findall(r"[^\W_]+", text)
        if len(w) > 1
        and w not in entity_words.GENERIC
        and w[0].isalpha()
        and (w[0].isupper() or MODEL_NUMBER.search(w))
        and not physical_unit(w)
    }


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
        if cut and first.end <= cut.start() < m.start and INTRO_YEAR.match(sentence[: first.start]):
            best = first
    return best.text if best else None
