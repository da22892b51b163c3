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
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import islice
from typing import TYPE_CHECKING

from pipeline.figures import entities, roles, units
from pipeline.figures.models import Figure, FigureKind, Place
from pipeline.figures.numbers import (
    ATOM,
    COMPOUND_NOUNS,
    FUNCTION_WORDS,
    STOP,
    Mention,
    find_mentions,
    is_plural,
    physical_unit,
    singular,
    spelled_multiples,
)
from pipeline.models import Article, Paragraph, Section

if TYPE_CHECKING:
    from spacy.tokens import Doc

ABBREVIATIONS = frozenset({
    "u.s", "e.g", "i.e", "etc", "vs", "approx", "inc", "corp", "ltd", "co", "no", "fig", "mr",
    "mrs", "ms", "dr", "st", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec", "est", "al", "u.k", "p", "pp"
})
# Abbreviations that may end a sentence: a letter ("Amazon Q."), "U.S.", "Inc.".
ENDS_A_SENTENCE = frozenset({"u.s", "u.k", "inc", "corp", "ltd", "co", "etc"}) | frozenset(
    "abcdefghijklmnopqrstuvwxyz")
SENTENCE_OPENERS = FUNCTION_WORDS - {"i"}
OPENING_WORD = re.compile(r"[\"“(\[]?([A-Za-z]+)\b(?!\.)")
SENTENCE_END = re.compile(r"[.!?][\"”’)\]]*\s+(?=[\"“(\[]?[A-Z0-9$€£])")
# Work per sentence grows with its length times its figures (the parse, each figure's
# entity among the others): a "sentence" of thousands of brackets or numbers with no full
# stop is read in pieces of bounded size, so extraction stays linear in the text.
MAX_SENTENCE_CHARS = 600
MAX_SENTENCE_NUMBERS = 16
SUBCLAUSE = re.compile(r",\s+(?:which|while|whereas|but|with)\b|;\s|\s[—–]\s", re.I)
CLAUSE_BREAK = re.compile(r"[;:—–()]|,(?!\d{3})|\s-\s")
PARENTHETICAL = re.compile(r"\s*\(([^)]*)\)\s*")
INTRO_YEAR = re.compile(r"^\W*(?:\w+\s+){0,3}?$")
LIST_LABEL = re.compile(r"^\s*(?:[-*+]\s+|\d{1,3}[.)]\s+)?\**([^:\n]{2,60}?)\**\s*[:–—]\s+")
DURATIONS = frozenset({
    "year", "month", "week", "day", "hour", "minute", "second", "decade", "quarter", "century"
})
DISCOURSE_NOUNS = frozenset({
    "category", "way", "reason", "type", "kind", "thing", "step", "part", "area", "factor",
    "lesson", "question", "option", "trend", "takeaway", "pillar", "example", "idea",
    "section", "chapter", "issue", "challenge", "scenario", "theme", "stage", "bucket",
    "approach", "method", "strategy"
})
SCALED = re.compile(r"(?:\d|\s)(?:bn|mn|tn|bln|mln|billion|million|trillion)\Z", re.I)
MONEY_WORDS = re.compile(
    r"\b(?:revenues?|sales|income|profits?|earnings|spend(?:ing)?|capex|capital|expenditures?"
    r"|invest(?:ment|ments|ing)?|budgets?|costs?|valuation|funding|cash|price[sd]?)\b", re.I)
# The corner of a table whose columns are the things compared: "| Spec | GB200 | B200 |".
TABLE_CORNERS = frozenset({
    "", "spec", "specs", "specification", "specifications", "metric", "metrics", "parameter",
    "parameters", "feature", "features", "attribute", "attributes", "item", "measure",
    "characteristic", "characteristics", "detail", "details", "key specs", "specs."
})
ROW_MEASURES = frozenset({
    "price", "memory", "weight", "bandwidth", "compute", "performance", "efficiency", "size",
    "area", "footprint", "cooling", "throughput", "speed", "count", "watts", "tdp"
})
PUE_NAMED = re.compile(r"\bPUEs?\b|\bpower usage effectiveness\b", re.I)
MODEL_NUMBER = re.compile(r"[A-Za-z]\d|\d[A-Za-z]")  # "H100", "L40S", "v5p"
COUNT_HEADER = re.compile(r"\s*(?:count|number|no\.?|qty|quantity|#|units?)\s*", re.I)
# Words that open a lead-in or heading without naming anything: "For an 8× H100 node:".
LEAD_WORDS = frozenset({"for", "but", "and", "in", "with", "a", "an", "the", "same"})
QUESTION_WORDS = frozenset({"what", "why", "how", "when", "where", "who", "which"})
# Lead-ins and headings that name a part of the text, not a thing: "Key Takeaways:".
STRUCTURE_WORDS = frozenset({
    "takeaway", "takeaways", "highlight", "highlights", "summary", "overview", "points",
    "facts", "details", "notes", "glance", "findings", "conclusion", "conclusions", "tl;dr",
    "tldr", "recap", "background", "introduction",
})
OPERATOR_BEFORE = re.compile(r"[÷=+−]\s*\Z")  # the number is an operand: "= 700 ÷ 500"
OPERATOR_AFTER = re.compile(r"\s*[÷=+−]")
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
    drafts = [d for s in article.sections for d in _section_drafts(s)]
    _bare_money(drafts)
    _name_entities(drafts, article)
    return _merge(drafts)


def _section_drafts(section: Section) -> list[_Draft]:
    """The figures of a section's paragraphs. Once its heading or a paragraph has named PUE,
    a bare decimal in a later paragraph is a PUE too ("Benchmarks:" then "- 1.1–1.2: …")."""
    drafts: list[_Draft] = []
    named = PUE_NAMED.search(section.heading) is not None
    for paragraph in section.paragraphs:
        drafts.extend(_paragraph_drafts(paragraph, section.heading, named))
        named = named or PUE_NAMED.search(paragraph.text) is not None
    return drafts


def years(article: Article) -> list[int]:
    """The distinct years the article mentions (title, headings and text), sorted."""
    texts = [article.title, *(s.heading for s in article.sections),
             *(p.text for p in article.paragraphs)]
    found = {int(y) for text in texts for m in find_mentions(text) if m.is_year
             for y in (m.low, m.high)}
    return sorted(found)


def _paragraph_drafts(
    paragraph: Paragraph, heading: str = "", pue_named: bool = False
) -> list[_Draft]:
    """The figures of a paragraph. A bare number takes a meaning from around it: the counted
    noun its section heading gives the same value ("The 1024-GPU cluster" over "1024 × 700 W"),
    PUE after PUE has been named, in the paragraph or before it (`pue_named`), or
    anywhere in its own sentence ("- 1.3: Design PUE of the new halls"; `_is_bare_pue`)."""
    if paragraph.kind == "table" and len(paragraph.rows) > 1:
        return list(_table_drafts(paragraph))
    drafts: list[_Draft] = []
    for start, end in sentences(paragraph.text, by_line=paragraph.kind == "list"):
        for piece_start, piece_end in _bounded(paragraph.text, start, end):
            drafts.extend(_sentence_drafts(paragraph, paragraph.text[piece_start:piece_end],
                                           piece_start))
    counted = {(m.low, m.high): m.unit for m in find_mentions(heading) if m.kind == "count"}
    named = PUE_NAMED.search(paragraph.text)
    pue_from = 0 if pue_named else named.start() + 1 if named else None
    for d in drafts:
        m = d.mention
        if m.unit is None and (m.low, m.high) in counted:
            d.mention = replace(m, unit=counted[m.low, m.high], kind="count")
        elif _is_bare_pue(m) and ((pue_from is not None and d.offset + m.start >= pue_from)
                                  or PUE_NAMED.search(d.text)):
            d.mention = replace(m, unit=units.PUE, kind="pue")
    return drafts


def _bare_money(drafts: list[_Draft]) -> None:
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


def _is_bare_money(d: _Draft, drafts: list[_Draft]) -> bool:
    m, sentence = d.mention, d.row or d.text
    return m.unit is None and SCALED.search(m.text) is not None and (
        MONEY_WORDS.search(sentence) is not None
        or any((o.row or o.text) == sentence and o.mention.kind == "money" for o in drafts))


def _is_bare_pue(m: Mention) -> bool:
    """A bare decimal from 1.0 to 3.0 ("at a 2.5 average", "dropped to 1.58"): a PUE when
    the paragraph has named PUE before it."""
    return m.unit is None and "." in m.text and 1.0 <= m.low <= m.high <= 3.0


def sentences(text: str, by_line: bool = False) -> list[tuple[int, int]]:
    """(start, end) of each sentence; "U.S.", "e.g.", initials and decimals do not end one,
    unless a word that opens sentences follows ("… in the U.S. The …", "… Amazon Q. Then …")."""
    spans: list[tuple[int, int]] = []
    for line_start, line_end in _lines(text) if by_line else [(0, len(text))]:
        start = line_start
        for m in SENTENCE_END.finditer(text, line_start, line_end):
            word = text[max(line_start, m.start() - 6):m.start()].split()
            token = word[-1].lower().lstrip("(\"“") if word else ""
            if (token in ABBREVIATIONS or (len(token) == 1 and token.isalpha())) and not (
                    token in ENDS_A_SENTENCE and _opens_a_sentence(text, m.end())):
                continue  # "U.S. operators", "J. Smith", "e.g. Equinix"
            if token.isdigit() and _opens_line(text, m.start() - len(token)):
                continue  # a "1. " that numbers a list
            spans.append((start, m.start() + 1))
            start = m.end()
        if text[start:line_end].strip():
            spans.append((start, line_end))
    return spans


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


def _opens_a_sentence(text: str, at: int) -> bool:
    """Whether the word at `at` is one that opens sentences ("The", "Then", "In"), not a
    name after an initial ("J. Smith") nor another initial ("J. A. Smith")."""
    word = OPENING_WORD.match(text, at)
    return word is not None and word.group(1).lower() in SENTENCE_OPENERS


def _opens_line(text: str, at: int) -> bool:
    return not text[text.rfind("\n", 0, at) + 1:at].strip()


def _lines(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for line in text.split("\n"):
        yield start, start + len(line)
        start += len(line) + 1


def _sentence_drafts(paragraph: Paragraph, sentence: str, offset: int) -> list[_Draft]:
    mentions = sorted(find_mentions(sentence) + spelled_multiples(sentence),
                      key=lambda m: m.start)
    year_marks = [m for m in mentions if m.is_year]
    label = LIST_LABEL.match(sentence) if paragraph.kind == "list" else None
    drafts = []
    for m in mentions:
        if m.is_year or not _is_figure(m):
            continue
        draft = _Draft(m, paragraph.id, offset, sentence, _period(sentence, m, year_marks),
                       context=_role_words(sentence, m))
        if label and m.start >= label.end():
            draft.label = label.group(1).strip()
            noun = _row_noun(draft.label) if m.unit is None and m.low.is_integer() else None
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
    clause = sentence[start:after.start() if after else len(sentence)]
    if roles.CAPEX.search(clause) or roles.REVENUE.search(clause):
        return clause
    return sentence


def _is_figure(m: Mention) -> bool:
    """Quantities of the figure kinds; durations ("five years") and counts of the text's
    own parts ("three categories", "two reasons") are not figures."""
    if m.kind is None and m.unit is not None:
        return False  # °C and other units outside the figure kinds
    if m.kind == "count" and m.unit in DISCOURSE_NOUNS:
        return False
    return not (m.kind == "count" and m.unit in DURATIONS and m.per is None)


def _name_entities(drafts: list[_Draft], article: Article) -> None:
    """Entity and subject of every draft: its label (unless a quantity), else the parse of its
    sentence, else the entity of a figure it is coordinated with. A description that refers
    back ("the company", "that figure") takes the list's lead-in or the most salient entity
    named before it (`_Topics.before`); a figure's own counted noun is its entity
    when no lead-in names one; a figure whose words name nothing gets a guess as its subject
    only: the list's lead-in, the paragraph's last subject, the section heading or its `per`
    noun."""
    settings = _settings(article)
    _unlabel_quantities(drafts)
    in_sentence: dict[str, list[_Draft]] = {}
    for d in drafts:
        if d.label is None:
            in_sentence.setdefault(d.text, []).append(d)
    texts = list(in_sentence)
    docs = dict(zip(texts, entities.parse(texts), strict=True)) if texts else {}
    found = _parsed_entities(in_sentence, docs)
    openings, title = _openings(drafts, found, settings, article.title)
    topics = _Topics(settings, openings, title)
    last: dict[str, str] = {}
    previous: _Draft | None = None
    for d in drafts:
        setting = settings[d.paragraph_id]
        topics.enter(d)
        if d.label is not None and _names_a_thing(d.label):
            d.entity = PARENTHETICAL.sub(" ", d.label).strip()
            d.subject = d.subject or d.entity
        elif d.label is not None:  # "Practical limit: ~30 kW/rack", "With PUE 1.2: ~7.4 kW"
            d.entity = setting.lead_in or setting.heading
            d.subject = d.entity or d.label
        elif (entity := found.get(id(d))) is not None and not (entity.vague or entity.own):
            d.entity, d.subject = entity.name, entity.phrase
        elif (entity is None or entity.vague or entity.own) and setting.lead_in:
            d.entity = d.subject = setting.lead_in
        elif entity is not None and entity.own:
            d.entity, d.subject = entity.name, entity.phrase
        elif entity is not None and (before := topics.before(d, docs[d.text], entity)):
            d.entity, d.subject = before.name, before.phrase
        elif entity is not None and entity.vague and setting.heading:
            d.entity = d.subject = setting.heading  # nothing named before: the section's topic
        elif entity is not None:
            d.entity, d.subject = entity.name, entity.phrase
        elif entity is None and (alone := _said_alone(d, setting.paragraph)) is not None:
            d.entity, d.subject = alone.name, alone.phrase
        elif previous is not None and previous.text == d.text and COORDINATED.fullmatch(
                d.text[previous.mention.end:d.mention.start]):
            d.entity, d.subject = previous.entity, previous.subject
        else:  # a guess: shown as the subject, not used to pair figures
            counted_per = d.mention.per if d.mention.kind == "count" else None  # "176 GPUs per pod"
            d.subject = (counted_per or last.get(d.paragraph_id) or topics.last_phrase(d)
                         or setting.heading or d.mention.per or "")
        if d.subject:
            last[d.paragraph_id] = d.subject
        topics.saw(d, found.get(id(d)))
        previous = d


def _said_alone(d: _Draft, paragraph: Paragraph) -> entities.Entity | None:
    """A figure said as a sentence by itself, and then told by a sentence that points back at
    it, is about that sentence's first name: "1.2 gigawatts. That's the lease OpenAI just
    signed …" → OpenAI."""
    if d.label is not None or (d.text[:d.mention.start] + d.text[d.mention.end:]).strip(
            " .!?"):
        return None
    rest = paragraph.text[d.offset + len(d.text):]
    following = sentences(rest)
    if not following:
        return None
    sentence = rest[slice(*following[0])].strip()
    if re.match(r"(?:that|this|it)\b", sentence, re.I) is None:
        return None
    return entities.first_name(entities.parse([sentence])[0])


def _unlabel_quantities(drafts: list[_Draft]) -> None:
    """A list label that is itself a quantity ("876K MWh / year: Annual consumption of a
    100 MW facility, …") names nothing: its item's figures are read from the item's words."""
    for d in drafts:
        if d.row is None and d.label is not None and any(
                not m.is_year for m in find_mentions(d.label)):
            d.label = None


@dataclass(frozen=True)
class _Setting:
    """Where a paragraph sits: what its figures may be about when their words name nothing."""

    paragraph: Paragraph
    section: int
    heading: str  # the section heading, when it names a thing ("Air cooling")
    lead_in: str  # "Traditional DC (5 kW/rack):" before a list: "Traditional DC"


def _settings(article: Article) -> dict[str, _Setting]:
    settings: dict[str, _Setting] = {}
    for n, section in enumerate(article.sections):
        heading = _nominal(section.heading)
        before: Paragraph | None = None
        for paragraph in section.paragraphs:
            lead_in = ""
            if paragraph.kind == "list" and before is not None and before.kind == "text" and (
                    before.text.rstrip().endswith(":")):
                lead_in = _nominal(before.text.rstrip().rstrip(":"))
            settings[paragraph.id] = _Setting(paragraph, n, heading, lead_in)
            before = paragraph
    return settings


def _nominal(text: str) -> str:
    """A heading or lead-in as the name of what it is about: "Direct Liquid Cooling (DLC)" →
    "Direct Liquid Cooling"; "" when it is long, names a measure ("THE NUMBER") or a part of
    the text ("Key Takeaways")."""
    words = PARENTHETICAL.sub(" ", text).split()
    while words and words[0].lower() in LEAD_WORDS:
        words.pop(0)
    measures = [w for w in words if w.lower().strip(",") in entities.MEASURE_NOUNS]
    structure = [w for w in words if w.lower().strip(",") in STRUCTURE_WORDS]
    if not words or words[0].lower() in QUESTION_WORDS or len(words) > 6 or measures or (
            structure):
        return ""
    return " ".join(words).strip(" ,")


def _names_a_thing(label: str) -> bool:
    """A list label that names what its figures are about ("Nebius Béthune"), not a measure
    ("Practical limit") or a condition ("With PUE 1.2")."""
    words = PARENTHETICAL.sub(" ", label).lower().split()
    return bool(words) and words[-1] not in entities.MEASURE_NOUNS and words[0] not in (
        "with", "at", "for", "in", "on", "by", "from", "assuming")


def _parsed_entities(
    in_sentence: dict[str, list[_Draft]], docs: dict[str, Doc]
) -> dict[int, entities.Entity]:
    """The parse's entity of each sentence's figures, by draft id; figures coordinated with
    the parts of a coordinated subject ("Asia Pacific and Africa … 12 and 11%") take the
    parts in order."""
    found: dict[int, entities.Entity] = {}
    for text, group in in_sentence.items():
        # a sentence said many times is parsed once: each figure's entity, once per place
        spans = list(dict.fromkeys((d.mention.start, d.mention.end) for d in group))
        by_span = {span: entities.entity_at(docs[text], *span, [o for o in spans if o != span])
                   for span in spans}
        for d in group:
            entity = by_span[d.mention.start, d.mention.end]
            if entity is not None:
                found[id(d)] = entity
        shared = [d for d in group if id(d) in found and found[id(d)].parts]
        if shared and len(shared) == len(found[id(shared[0])].parts) > 1 and all(
                found[id(d)] == found[id(shared[0])] for d in shared):
            for d, part in zip(shared, found[id(shared[0])].parts, strict=True):
                found[id(d)] = entities.Entity(name=part, phrase=part)
    return found


def _openings(
    drafts: list[_Draft], found: dict[int, entities.Entity], settings: dict[str, _Setting],
    title: str,
) -> tuple[dict[str, Doc], entities.Entity | None]:
    """The parse of each paragraph's text before its first figure, in one batch with the
    title, where a figure of the paragraph names nothing or refers back: "Amazon's push into
    AI …" names what a later "the e-commerce behemoth" is; the title's named subject ("Meta
    expects …") is what the article is about when its section has named nothing."""
    first: dict[str, _Draft] = {}
    needed: set[str] = set()
    for d in drafts:
        first.setdefault(d.paragraph_id, d)
        entity = found.get(id(d))
        if d.label is None and (entity is None or entity.vague):
            needed.add(d.paragraph_id)
    texts = {pid: settings[pid].paragraph.text[:first[pid].offset].strip() for pid in needed}
    texts = {pid: text for pid, text in texts.items() if text}
    if not needed:
        return {}, None
    *docs, title_doc = entities.parse([*texts.values(), title])
    return dict(zip(texts, docs, strict=True)), entities.topic(title_doc)


class _Topics:
    """The entities named so far, for the descriptions that refer back: by paragraph, the
    last name; by section, the last entity (a named one, and one of any kind)."""

    def __init__(self, settings: dict[str, _Setting], openings: dict[str, Doc],
                 title: entities.Entity | None) -> None:
        self._settings = settings
        self._openings = openings
        self._title = title
        self._proper: dict[str, entities.Entity] = {}  # by paragraph: the last proper name
        self._last: dict[str, entities.Entity] = {}  # by paragraph: the last entity
        self._speakers: dict[str, entities.Entity] = {}  # by paragraph: who is quoted
        self._named: dict[int, entities.Entity] = {}  # by section: the last named entity
        self._any: dict[int, entities.Entity] = {}  # by section: the last entity of any kind

    def before(self, d: _Draft, doc: Doc, vague: entities.Entity) -> entities.Entity | None:
        """What a vague description refers to, the most salient entity first: a name said
        earlier in its sentence (for a measure, "powered AWS …, with revenue climbing"), a
        name said earlier in its paragraph, the title's subject, else the section's last
        entity (a named one for "the company", and for a measure once a name was seen)."""
        if vague.phrase.split()[-1].lower() in entities.MEASURE_NOUNS:
            earlier = entities.named_before(doc, d.mention.start)
            if earlier is not None:
                return earlier
        if vague.name.lower() in entities.FIRST_PERSON:
            quoted = entities.speaker(doc) or self._speakers.get(d.paragraph_id)
            if quoted is not None:
                self._speakers[d.paragraph_id] = quoted
                return quoted
        section = self._settings[d.paragraph_id].section
        last_word = vague.phrase.split()[-1].lower()
        named = last_word in entities.COMPANY_NOUNS
        pronoun = vague.name.lower() in entities.REFERRING
        recent = self._last.get(d.paragraph_id) if pronoun else None
        company = self._named.get(section)
        if last_word in entities.MEASURE_NOUNS and company is not None and company.proper:
            named = True  # "second-quarter revenue" is a company's, not the last loss's
        return recent or self._proper.get(d.paragraph_id) or self._title or (
            company if named else self._any.get(section))

    def last_phrase(self, d: _Draft) -> str:
        topic = self._any.get(self._settings[d.paragraph_id].section)
        return topic.phrase if topic else ""

    def enter(self, d: _Draft) -> None:
        """At a paragraph's first figure, remember the named subject of the text before it."""
        opening = self._openings.pop(d.paragraph_id, None)
        named = entities.topic(opening) if opening is not None else None
        if named is not None:
            section = self._settings[d.paragraph_id].section
            self._named[section] = self._any[section] = self._last[d.paragraph_id] = named
            if named.proper:
                self._proper[d.paragraph_id] = named

    def saw(self, d: _Draft, entity: entities.Entity | None) -> None:
        """Remember `d`'s entity when it names something."""
        section = self._settings[d.paragraph_id].section
        if d.label is not None and d.entity:
            entity = entities.Entity(name=d.entity, phrase=d.entity)
        if entity is None or entity.vague:
            return
        self._last[d.paragraph_id] = entity
        if d.row is None:  # a table row's header is what its row is about, not the prose after
            self._any[section] = entity
        if entity.name != entity.phrase or d.label is not None:
            self._named[section] = entity
        if entity.proper:
            self._proper[d.paragraph_id] = entity


def _merge(drafts: list[_Draft]) -> list[Figure]:
    """One figure per value said of one thing; later mentions (`_repeats`) go to `also_at`."""
    figures: list[Figure] = []
    firsts: dict[tuple[float, float], list[tuple[int, _Draft]]] = {}
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
                update={"also_at": [*first_figure.also_at, place]})
            continue
        same_value.append((len(figures), d))
        figures.append(Figure(
            id=f"f{len(figures) + 1}", kind=kind, low=m.low, high=m.high, unit=unit, per=m.per,
            qualifier=m.qualifier, subject=d.subject, entity=d.entity,
            role=roles.role_of(kind, unit, m.per, d.entity if d.label else d.subject, d.context),
            period=d.period, text=m.text, origin="source", paragraph_id=d.paragraph_id,
            sentence=sentence, span=span,
        ))
    return figures


def _repeats(later: _Draft, first: _Draft) -> bool:
    """Whether `later` says the figure `first` said, of the same value: a bare number
    ("8 × 700 W") repeats a count, and a bare operand of a sum, a quotient or an equation
    ("PUE = 700 ÷ 500") repeats any figure; otherwise kind and unit agree, `per` and period
    agree where both give one, they are not two cells of one table, and their names do not
    tell them apart (`_told_apart`)."""
    a, b = later.mention, first.mention
    if a.unit is None:
        return b.kind in (None, "count") or _is_operand(later)
    if (a.kind, a.unit) != (b.kind, b.unit) or _differ(a.per, b.per) or _differ(
            later.period, first.period):
        return False
    if later.row is not None and first.row is not None and later.paragraph_id == (
            first.paragraph_id):
        return False
    return not _told_apart(later, first)


def _is_operand(d: _Draft) -> bool:
    """Whether the draft's number stands next to "÷", "=", "+" or a minus sign."""
    m = d.mention
    return bool(OPERATOR_BEFORE.search(d.text, 0, m.start) or OPERATOR_AFTER.match(d.text, m.end))


def _differ(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a != b


def _told_apart(a: _Draft, b: _Draft) -> bool:
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
    return {w.lower() for w in re.findall(r"[^\W_]+", text)
            if len(w) > 1 and w not in entities.GENERIC and w[0].isalpha()
            and (w[0].isupper() or MODEL_NUMBER.search(w)) and not physical_unit(w)}


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
                draft = _cell_draft(m, paragraph.id, offsets[r][c], cell, about if c else "",
                                    measure)
                if draft is not None:
                    draft.row = " | ".join(row)
                    yield draft


def _by_column(header: list[str], labels: list[str]) -> bool:
    """Whether a table compares things by column and measures by row ("| Spec | GB200 NVL72 |
    HGX B200 |" over "| GPUs | 72 | 8 |"): its corner is empty or a word such as "Spec",
    its columns are not years, and, with an empty corner, most row headers name measures."""
    corner = header[0].strip().lower() if header else ""
    columns = [h for h in header[1:] if h.strip()]
    if corner not in TABLE_CORNERS or not columns or any(
            m.is_year for h in columns for m in find_mentions(h)):
        return False
    measures = [label for label in labels if _names_a_measure(label)]
    return bool(corner) or 2 * len(measures) > len(labels)


def _names_a_measure(label: str) -> bool:
    """A row header that names a measure ("Rack power", "Price (est.)") or what is counted
    ("GPUs", "Compute trays"), not a thing."""
    words = PARENTHETICAL.sub(" ", label).split()
    last = words[-1].lower() if words else ""
    return last in entities.MEASURE_NOUNS or last in ROW_MEASURES or is_plural(last)


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
        elif COUNT_HEADER.fullmatch(column) and (noun := _row_noun(label)):
            draft.mention = replace(m, unit=noun, kind="count")
    return draft if _is_figure(draft.mention) else None


def _row_noun(label: str) -> str | None:
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
