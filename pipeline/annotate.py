"""Annotate an episode: each figure it says as a card, with show notes and chapters.

A card says what was said ("130 kW"), when (the start of the heard words of
that phrase, in episode seconds), the ledger value, where it came from (the
article's sentence with a link to its paragraph) and, for computed figures,
the formula with its inputs, the consistency checks and any assumption used. A
disagreement is printed only when it is an alarm (confident enough) that no editor
marked a false alarm; agreements always are.

`annotations.json` is `Annotations.model_dump_json()`; its JSON Schema is
`annotations_schema()`. Show notes are rendered from templates/annotate/
(HTML autoescaped, Markdown not); chapters follow the Podcasting 2.0 JSON
chapters format, version 1.2.0.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pipeline.alignment import assign_words
from pipeline.figures.audit import audit, stated_in
from pipeline.figures.display import value_text
from pipeline.figures.models import AuditFinding, Check, Figure, Ledger
from pipeline.figures.numbers import find_mentions
from pipeline.figures.sentences import sentences
from pipeline.models import Article, Line, Script, TimedLine, Timeline, Word
from pipeline.speech.normalize import words_for_comparison
from pipeline.templating import render

ANNOTATIONS_SCHEMA_VERSION = 1
CHAPTERS_VERSION = "1.2.0"  # Podcasting 2.0 JSON chapters
URL = re.compile(r"https?://\S+")
LEDE_WORDS = 80  # a summary is the lede's first sentences, up to this many words


class FigureInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    value: str = Field(description="the input's value as show notes print it")


class FigureCard(BaseModel):
    """One figure said in one line."""

    model_config = ConfigDict(frozen=True)

    figure_id: str
    line_id: str
    said: str = Field(description="the phrase as written in the line; the figure's text if unsaid")
    time: float = Field(description="seconds into the episode where the phrase is heard")
    heard: bool = Field(description="false when `time` fell back to the line's start")
    value: str
    unit: str
    origin: str
    subject: str = ""
    source_quote: str | None = Field(
        None, description="the article's sentence (computed figures: their inputs' sentences)"
    )
    source_link: str | None = Field(None, description='"#p12", or the article URL + "#p12"')
    formula: str | None = None
    inputs: list[FigureInput] = Field(default_factory=list)
    checks: list[str] = Field(
        default_factory=list,
        description="notes of consistency checks: agreements, and alarms not marked false",
    )
    assumption: str | None = Field(None, description="the published source of an assumption used")


class Chapter(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    start: float
    end: float


class SourceLink(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    url: str | None = None


class Annotations(BaseModel):
    """What the annotate stage makes; saved as annotations.json."""

    model_config = ConfigDict(frozen=True)

    schema_version: int = ANNOTATIONS_SCHEMA_VERSION
    title: str
    summary: str
    duration: float
    chapters: list[Chapter]
    cards: list[FigureCard]
    sources: list[SourceLink]


def annotations_schema() -> dict[str, Any]:
    """The JSON Schema of annotations.json."""
    return Annotations.model_json_schema()


# --- the stage --------------------------------------------------------------


def annotate(
    script: Script,
    ledger: Ledger,
    timeline: Timeline,
    words: Sequence[Word],
    article_title: str,
    article_source: str,
    *,
    dismissed: frozenset[str] = frozenset(),
    lede: str = "",
) -> Annotations:
    """Cards for every figure the episode says, in episode order, with chapters and sources.

    A card's checks are those the notes may print (`printable`): `dismissed` holds the
    ids of checks an editor marked a false alarm. The summary is `lede` (see `lede`),
    or the writer's summary when the article has none.
    """
    ledger = ledger.model_copy(update={"checks": printable(ledger.checks, dismissed)})
    findings = [f for f in audit(script.lines, ledger) if f.figure_id is not None]
    heard = assign_words(timeline, words)
    timed = {t.line_id: t for t in timeline.lines}
    cards: list[FigureCard] = []
    for line in script.lines:
        slot = timed.get(line.id)
        if slot is None:  # not in the audio: nothing to point at
            continue
        said = [f for f in findings if f.line_id == line.id]
        cards.extend(_line_cards(line, said, slot, heard.get(line.id, []), ledger, article_source))
    return Annotations(
        title=script.title,
        summary=lede or script.summary,
        duration=timeline.duration,
        chapters=[Chapter(title=s.title, start=s.start, end=s.end) for s in timeline.segments],
        cards=sorted(cards, key=lambda c: c.time),
        sources=_sources(article_title, article_source, ledger, cards),
    )


def lede(article: Article, most_words: int = LEDE_WORDS) -> str:
    """What the episode covers, as the article's own opening says it: the first sentences
    of its first paragraph of prose (not a table, a list or a label such as "For an
    8× H100 node:"), up to `most_words`. The writers' summaries are its best-scoring
    points: sentences from the middle of the article that do not say what it is about."""
    for paragraph in article.paragraphs:
        text = " ".join(paragraph.text.split())
        if paragraph.kind != "text" or len(text.split()) < 12 or text.endswith(":"):
            continue
        taken: list[str] = []
        for start, end in sentences(text):
            sentence = text[start:end].strip()
            if taken and len(" ".join([*taken, sentence]).split()) > most_words:
                break
            taken.append(sentence)
        if len(" ".join(taken).split()) > most_words * 1.5:  # one run-on sentence
            return ""
        return " ".join(taken)
    return ""


def printable(checks: Sequence[Check], dismissed: frozenset[str] = frozenset()) -> list[Check]:
    """The checks show notes may print: agreements, and disagreements at alarm confidence
    that no editor has marked a false alarm. A false alarm printed is worse than none."""
    return [c for c in checks if c.may_be_said(c.id in dismissed)]


def _line_cards(
    line: Line,
    findings: list[AuditFinding],
    slot: TimedLine,
    heard: list[Word],
    ledger: Ledger,
    article_source: str,
) -> Iterator[FigureCard]:
    tokens = _heard_tokens(heard)
    cursor = 0
    seen: set[str] = set()
    for finding in findings:
        assert finding.figure_id is not None
        figure = ledger.figure(finding.figure_id)
        phrase = line.text[finding.start : finding.end]
        found = _find(tokens, _phrase_words(phrase), cursor)
        if found is not None:
            cursor = found[1]
            time, was_heard = heard[tokens[found[0]][1]].start, True
        else:
            time, was_heard = slot.start, False
        seen.add(figure.id)
        yield _card(figure, ledger, line.id, phrase, time, was_heard, article_source)
    for figure_id in unsaid_citations(line, ledger):  # pinned to the line
        if figure_id not in seen:
            figure = ledger.figure(figure_id)
            yield _card(figure, ledger, line.id, figure.text, slot.start, False, article_source)
            seen.add(figure_id)


def unsaid_citations(line: Line, ledger: Ledger) -> list[str]:
    """The figures `line` cites that no number of it states: each gets a card of its own.
    A cited figure whose value is said is that number's card, or, when the number is
    another figure's ("comes to $315 billion": the sum, and the article's total that it
    agrees with), has none: one mention, one card."""
    known = {f.id: f for f in ledger.figures}
    cited = [known[i] for i in line.figures if i in known]
    said = stated_in(line.text, cited) if cited else set()
    return [f.id for f in cited if f.id not in said]


def _card(
    figure: Figure,
    ledger: Ledger,
    line_id: str,
    said: str,
    time: float,
    heard: bool,
    article_source: str,
) -> FigureCard:
    rests_on = list(leaves(figure, ledger))
    sources = [f for f in rests_on if f.origin == "source"]
    quotes = list(dict.fromkeys(f.sentence for f in sources if f.sentence))
    paragraph = next((f.paragraph_id for f in sources if f.paragraph_id), None)
    references = list(dict.fromkeys(f.reference for f in rests_on if f.reference))
    return FigureCard(
        figure_id=figure.id,
        line_id=line_id,
        said=said,
        time=round(time, 3),
        heard=heard,
        value=value_text(figure),
        unit=figure.unit,
        origin=figure.origin,
        subject=figure.subject,
        source_quote=" … ".join(quotes) or None,
        source_link=_link(article_source, paragraph),
        formula=figure.formula,
        inputs=[FigureInput(id=i, value=value_text(ledger.figure(i))) for i in figure.inputs],
        checks=[c.note for c in ledger.checks if figure.id in (c.stated_id, c.computed_id)],
        assumption="; ".join(references) or None,
    )


def leaves(figure: Figure, ledger: Ledger, depth: int = 0) -> Iterator[Figure]:
    """The source figures and assumptions a figure rests on (itself, when it is one)."""
    if figure.origin != "computed" or depth > 10:
        yield figure
        return
    for figure_id in figure.inputs:
        if any(f.id == figure_id for f in ledger.figures):
            yield from leaves(ledger.figure(figure_id), ledger, depth + 1)


def _link(article_source: str, paragraph_id: str | None) -> str | None:
    if paragraph_id is None:
        return None
    if article_source.startswith(("http://", "https://")):
        return f"{article_source.split('#', 1)[0]}#{paragraph_id}"
    return f"#{paragraph_id}"


def _sources(
    article_title: str, article_source: str, ledger: Ledger, cards: list[FigureCard]
) -> list[SourceLink]:
    url = article_source if article_source.startswith(("http://", "https://")) else None
    out = [SourceLink(title=article_title, url=url)]
    used = {c.figure_id for c in cards}
    for figure in ledger.by_origin("assumption"):
        if figure.reference and any(figure.id in _ids(ledger.figure(u), ledger) for u in used):
            link = URL.search(figure.reference)
            source = SourceLink(title=figure.reference, url=link.group(0) if link else None)
            if source not in out:
                out.append(source)
    return out


def _ids(figure: Figure, ledger: Ledger) -> set[str]:
    return {figure.id} | {f.id for f in leaves(figure, ledger)}


# --- finding a phrase among the heard words ----------------------------------------


def _heard_tokens(heard: list[Word]) -> list[tuple[str, int]]:
    """Comparison words of what was heard, each with the index of the Word it came from
    ("130" heard as one Word gives "one hundred thirty")."""
    return [(t, i) for i, w in enumerate(heard) for t in words_for_comparison(w.text)]


def _phrase_words(phrase: str) -> list[list[str]]:
    """The spoken forms to look for, most specific first: the whole phrase as the renderer
    says it, then just its value and unit."""
    from pipeline.transcribe.scoring import figure_words  # jiwer: only when annotating

    mentions = find_mentions(phrase)
    count = bool(mentions) and mentions[0].kind == "count"
    full = words_for_comparison(phrase)
    core = figure_words(full, count)
    unique = dict.fromkeys(tuple(w) for w in (full, core) if w)
    return [list(w) for w in unique]


def _find(
    tokens: list[tuple[str, int]], candidates: list[list[str]], cursor: int
) -> tuple[int, int] | None:
    """(first, past-last) token index of the first candidate heard at or after `cursor`;
    from the line's start when it is not heard after the cursor."""
    words = [t for t, _ in tokens]
    for start in (cursor, 0):
        for needle in candidates:
            n = len(needle)
            for i in range(start, len(words) - n + 1):
                if words[i : i + n] == needle:
                    return i, i + n
    return None


# --- outputs ------------------------------------------------------------------


def clock(seconds: float) -> str:
    """mm:ss (h:mm:ss past an hour)."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def first_mentions(ann: Annotations) -> list[FigureCard]:
    """Each figure once, at the first time it is said: the rows of the figures table."""
    seen: set[str] = set()
    first = []
    for card in ann.cards:
        if card.figure_id not in seen:
            seen.add(card.figure_id)
            first.append(card)
    return first


def show_notes_markdown(ann: Annotations) -> str:
    return render("annotate/show_notes.md.j2", ann=ann, figures=first_mentions(ann), clock=clock)


def show_notes_html(ann: Annotations, language: str = "en") -> str:
    """A whole page (published beside the audio); links only to absolute URLs."""
    return render(
        "annotate/show_notes.html.j2",
        ann=ann,
        figures=first_mentions(ann),
        clock=clock,
        language=language,
    )


# Apple Podcasts shows at most 4,000 characters of an episode's description.
FEED_NOTES_LIMIT = 4000


def feed_notes_html(ann: Annotations, full_notes_url: str, limit: int = FEED_NOTES_LIMIT) -> str:
    """Show notes short enough for a feed item: summary, chapters, as many figures as fit
    (with their formulas), sources, and a link to the full notes."""
    figures = first_mentions(ann)
    for shown in range(len(figures), -1, -1):
        html = render(
            "annotate/feed_notes.html.j2",
            ann=ann,
            figures=figures[:shown],
            more=len(figures) - shown,
            notes_url=full_notes_url,
            clock=clock,
        )
        if len(html) <= limit:
            break
    return html  # over the limit only when the summary and chapters alone are


def chapters_json(ann: Annotations) -> dict[str, Any]:
    """Podcasting 2.0 JSON chapters: version, then chapters in start order."""
    chapters: list[dict[str, Any]] = []
    for chapter in sorted(ann.chapters, key=lambda c: c.start):
        item: dict[str, Any] = {"startTime": round(chapter.start, 3), "title": chapter.title}
        if chapter.end > chapter.start:
            item["endTime"] = round(chapter.end, 3)
        chapters.append(item)
    return {"version": CHAPTERS_VERSION, "chapters": chapters}
