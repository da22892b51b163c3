"""Extract the source figures of an article: every quantity, where it is, and what it measures.

Prose is split into sentences and each number found by `numbers.find_mentions`
becomes a Figure; years become the periods of the figures in their clause.
Table cells take their subject and period from their row and column headers;
list items are read as sentences.

Subjects are a best guess, in this order (simple on purpose, so an editor can
predict them):
1. a number joined to the one before by "and", "or" or a comma shares its subject;
2. "80% of the heat", "1.5 GW of new nuclear capacity" → what follows "of";
3. "a traditional 15 kW rack" → the noun phrase the number modifies;
4. "a rack that draws 120 kW" → the noun before "that"/"which";
   "racks of up to 600 kW", "a facility at $10 million" → the noun before "of"/"at";
5. the clause's grammatical subject: the words before the number, less the
   verb, auxiliaries and adverbs next to it ("operators are already
   provisioning 130 kW" → "operators");
6. otherwise (a pronoun, or a clause that opens with a preposition): a count's
   own noun phrase, then the subject of another number in the sentence, then
   the last subject in the paragraph, then the `per` noun.
Bare numbers are counts with unit ""; quantities in units outside the figure
kinds (°C) are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.figures.models import Figure, FigureKind
from pipeline.figures.numbers import STOP, Mention, find_mentions
from pipeline.models import Article, Paragraph

ABBREVIATIONS = frozenset({
    "u.s", "e.g", "i.e", "etc", "vs", "approx", "inc", "corp", "ltd", "co", "no", "fig", "mr",
    "mrs", "ms", "dr", "st", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec", "est", "al", "u.k", "p", "pp"
})
SENTENCE_END = re.compile(r"[.!?][\"”’)\]]*\s+(?=[\"“(\[]?[A-Z0-9$€£])")
CLAUSE_BREAK = re.compile(r"[;:—–()]|,(?!\d{3})|\s-\s")
WORD = re.compile(r"\S+")
REL_CLAUSE = re.compile(r"\s+(?:that|which|who)\s+(?:\w+\s+){1,2}\Z", re.I)
OF_AT = re.compile(r"\s+(?:of|at)\s+\Z", re.I)
OF_AFTER = re.compile(r"\s+of\s+")
COORDINATED = re.compile(r"\s*(?:,|,?\s*(?:and|or))?\s*\Z", re.I)
PARENTHETICAL = re.compile(r"\s*\(([^)]*)\)\s*")
INTRO_YEAR = re.compile(r"^\W*(?:\w+\s+){0,3}?$")

DETERMINERS = frozenset({
    "a", "an", "the", "its", "their", "each", "every", "this", "these", "those", "our", "his",
    "her"
})
PRONOUNS = frozenset({
    "it", "this", "that", "they", "these", "those", "which", "there", "he", "she", "we",
    "what", "who"
})
PREPOSITIONS = frozenset({
    "with", "at", "in", "on", "for", "by", "from", "of", "to", "under", "over", "after",
    "before", "during", "since", "compared", "up", "down", "inside", "into", "across",
    "through", "around", "about", "than", "as"
})
ADVERBS = frozenset({
    "still", "now", "already", "also", "therefore", "typically", "currently", "today", "again",
    "somewhere", "widely", "only", "just", "enough", "out", "up", "down", "off", "then",
    "alone", "together", "even"
})
SKIPPED = STOP | ADVERBS | {"and", "but"}
AUXILIARIES = frozenset({
    "is", "are", "was", "were", "be", "been", "has", "have", "had", "will", "would", "could",
    "can", "may", "might", "should", "must", "do", "does", "did"
})
LEADING = ADVERBS | {"and", "but", "or", "so", "while", "whereas"}
CLAUSAL = AUXILIARIES | {"that", "which", "who", "whether", "if"}


@dataclass
class _Draft:
    """A figure before its id and before the paragraph-level subject fallbacks."""

    mention: Mention
    offset: int
    sentence: str
    subject: str | None
    period: str | None


def extract(article: Article) -> list[Figure]:
    """The article's source figures in reading order, with ids "f1", "f2", …"""
    figures: list[Figure] = []
    for paragraph in article.paragraphs:
        for draft in _paragraph_drafts(paragraph):
            figures.append(_figure(f"f{len(figures) + 1}", paragraph.id, draft))
    return figures


def years(article: Article) -> list[int]:
    """The distinct years the article mentions (title, headings and text), sorted."""
    texts = [article.title, *(s.heading for s in article.sections),
             *(p.text for p in article.paragraphs)]
    found = {int(y) for text in texts for m in find_mentions(text) if m.is_year
             for y in (m.low, m.high)}
    return sorted(found)


def _figure(figure_id: str, paragraph_id: str, d: _Draft) -> Figure:
    m = d.mention
    kind: FigureKind = m.kind or "count"
    unit = m.unit if m.unit is not None else ""
    return Figure(
        id=figure_id, kind=kind, low=m.low, high=m.high, unit=unit, per=m.per,
        qualifier=m.qualifier, subject=d.subject or "", period=d.period, text=m.text,
        origin="source", paragraph_id=paragraph_id, sentence=d.sentence,
        span=(d.offset + m.start, d.offset + m.end),
    )


def _paragraph_drafts(paragraph: Paragraph) -> list[_Draft]:
    if paragraph.kind == "table" and len(paragraph.rows) > 1:
        return list(_table_drafts(paragraph))
    drafts: list[_Draft] = []
    last: str | None = None
    for start, end in sentences(paragraph.text, by_line=paragraph.kind == "list"):
        sentence_drafts = _sentence_drafts(paragraph.text[start:end], start)
        last = _fill_subjects(sentence_drafts, last)
        drafts.extend(sentence_drafts)
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


def _sentence_drafts(sentence: str, offset: int) -> list[_Draft]:
    mentions = find_mentions(sentence)
    found = [m for m in mentions if not m.is_year]
    year_marks = [m for m in mentions if m.is_year]
    drafts: list[_Draft] = []
    previous: _Draft | None = None
    for m in found:
        if m.kind is None and m.unit is not None:
            continue  # °C and other units outside the figure kinds
        subject = _own_subject(sentence, m, previous)
        draft = _Draft(m, offset, sentence.strip(), subject, _period(sentence, m, year_marks))
        drafts.append(draft)
        previous = draft
    return drafts


def _fill_subjects(drafts: list[_Draft], last: str | None) -> str | None:
    """Fallbacks for drafts without a subject of their own; returns the paragraph's last one."""
    first = next((d.subject for d in drafts if d.subject), None)
    for d in drafts:
        if not d.subject:
            m = d.mention
            own = _count_phrase(m) if m.kind == "count" else None
            d.subject = own or first or last or m.per or ""
        last = d.subject or last
    return last


def _own_subject(sentence: str, m: Mention, previous: _Draft | None) -> str | None:
    before, after = sentence[:m.start], sentence[m.end:]
    if previous is not None and COORDINATED.fullmatch(sentence[previous.mention.end:m.start]):
        return previous.subject
    of = OF_AFTER.match(after)
    if of and m.kind in ("power", "energy", "percent", "money"):
        phrase = _phrase_after(after[of.end():])
        if phrase:
            return phrase
    if m.kind in ("power", "energy", "money", "ratio") and after[:1] == " ":
        head = _phrase_after(after)
        if head and m.kind != "ratio":
            return " ".join([*_phrase_before(before), head])
    for pattern in (REL_CLAUSE, OF_AT):
        hit = pattern.search(before)
        if hit and not (pattern is OF_AT and m.kind == "pue"):
            words = _phrase_before(before[:hit.start()])
            if words and words[-1].lower() not in DETERMINERS:
                return " ".join(words)
    return _clause_subject(CLAUSE_BREAK.split(before)[-1])


def _phrase_before(text: str) -> list[str]:
    """The noun phrase that ends `text`: words back to a determiner, a stop word or a number."""
    words: list[str] = []
    for word in reversed(WORD.findall(text)):
        bare = word.strip(",.;:()\"“”").lower()
        if word[-1:] in ",;:)" or any(c.isdigit() for c in word):
            break
        if bare in DETERMINERS:
            words.insert(0, word)
            break
        if bare in SKIPPED:
            break
        words.insert(0, word)
    return words


def _phrase_after(text: str) -> str:
    """Up to three words that follow, stopping at a stop word, an adverb or a verb form."""
    words: list[str] = []
    for word in WORD.findall(text)[:4]:
        bare = word.strip(",.;:()\"“”")
        low = bare.lower()
        if low in DETERMINERS:
            if words:
                break
        elif (not bare.isalpha() and "-" not in bare) or low in SKIPPED or low.endswith(
                ("ly", "ing", "ed")) or len(words) == 3:
            break
        words.append(bare)
        if bare != word:
            break
    if all(w.lower() in DETERMINERS for w in words):
        return ""
    return " ".join(words)


def _clause_subject(clause: str) -> str | None:
    """The subject of a clause that ends where a number starts, or None.

    From the end: stop words, adverbs and participles go, then one verb (an
    infinitive's "to" allows one more: "plan to spend"); what is left must be
    a noun phrase, not a pronoun or a clause of its own.
    """
    words = clause.split()
    while words and (words[0].lower() in LEADING or words[0].lower().endswith("ly")):
        words.pop(0)
    if not words or words[0].lower() in PREPOSITIONS:
        return None
    verb_seen = False
    while words:
        low = words[-1].lower()
        if low in AUXILIARIES:
            verb_seen = True
        elif low == "to" and len(words) > 1 and not words[-2].lower().endswith("s"):
            verb_seen = False
        elif not (low in SKIPPED or (low.endswith(("ly", "ed", "ing")) and not verb_seen)):
            if verb_seen:
                break
            verb_seen = True
        words.pop()
    if not words or any(w.lower() in CLAUSAL for w in words) or (
            len(words) == 1 and words[0].lower() in PRONOUNS | DETERMINERS):
        return None
    return " ".join(words[-8:])


def _count_phrase(m: Mention) -> str | None:
    """A count's own noun phrase: "about 770 racks" → "racks"."""
    words = m.text.split()
    numeric = [i for i, w in enumerate(words)
               if any(c.isdigit() for c in w) or w.lower().split("-")[0] in _NUMBER_WORDS]
    rest = words[numeric[-1] + 1:] if numeric else []
    return " ".join(rest) or None


_NUMBER_WORDS = frozenset({
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    "hundred", "dozen", "thousand", "million", "billion", "trillion"
})


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
                draft = _cell_draft(m, cell, label if c else "", column, " | ".join(row))
                if draft is not None:
                    draft.offset = offsets[r][c]
                    yield draft


def _cell_draft(m: Mention, cell: str, label: str, column: str, row_text: str) -> _Draft | None:
    subject = " ".join(PARENTHETICAL.sub(" ", f"{label} {column}").split())
    period = next((y.text for text in (column, label) for y in find_mentions(text)
                   if y.is_year), None)
    draft = _Draft(m, 0, row_text, subject, period)
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
