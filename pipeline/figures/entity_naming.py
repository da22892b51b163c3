"""Naming the entity and subject of every draft figure of an article.

A draft's table or list label names it, unless the label is a quantity; otherwise
the dependency parse of its sentence does (`figures.entities`); a description
that refers back ("the company", "that figure") or a pronoun takes the most salient
entity named before it (`_Topics`): the list's lead-in, a name said earlier in the
sentence, whoever a quotation's "we" quotes, the paragraph's last entity, the
subject of the title, the section's last entity, the section heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.figures import entities, entity_words, parsing, salient_names
from pipeline.figures.drafts import PARENTHETICAL, Draft
from pipeline.figures.entity_phrase import Entity
from pipeline.figures.numbers import find_mentions
from pipeline.figures.sentences import sentences
from pipeline.models import Article, Paragraph

if TYPE_CHECKING:
    from spacy.tokens import Doc


COORDINATED = re.compile(r"\s*(?:,|,?\s*(?:and|or|to))?\s*\Z", re.I)


# Words that open a lead-in or heading without naming anything: "For an 8× H100 node:".
LEAD_WORDS = frozenset({"for", "but", "and", "in", "with", "a", "an", "the", "same"})


QUESTION_WORDS = frozenset({"what", "why", "how", "when", "where", "who", "which"})


# Lead-ins and headings that name a part of the text, not a thing: "Key Takeaways:".
STRUCTURE_WORDS = frozenset(
    {
        "takeaway",
        "takeaways",
        "highlight",
        "highlights",
        "summary",
        "overview",
        "points",
        "facts",
        "details",
        "notes",
        "glance",
        "findings",
        "conclusion",
        "conclusions",
        "tl;dr",
        "tldr",
        "recap",
        "background",
        "introduction",
    }
)


def name_entities(drafts: list[Draft], article: Article) -> None:
    """Entity and subject of every draft: its label (unless a quantity), else the parse of its
    sentence, else the entity of a figure it is coordinated with. A description that refers
    back ("the company", "that figure") takes the list's lead-in or the most salient entity
    named before it (`_Topics.before`); a figure's own counted noun is its entity
    when no lead-in names one; a figure whose words name nothing gets a guess as its subject
    only: the list's lead-in, the paragraph's last subject, the section heading or its `per`
    noun."""
    settings = _settings(article)
    _unlabel_quantities(drafts)
    in_sentence: dict[str, list[Draft]] = {}
    for d in drafts:
        if d.label is None:
            in_sentence.setdefault(d.text, []).append(d)
    texts = list(in_sentence)
    docs = dict(zip(texts, parsing.parse(texts), strict=True)) if texts else {}
    found = _parsed_entities(in_sentence, docs)
    openings, title = _openings(drafts, found, settings, article.title)
    topics = _Topics(settings, openings, title)
    last: dict[str, str] = {}
    previous: Draft | None = None
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
        elif (
            previous is not None
            and previous.text == d.text
            and COORDINATED.fullmatch(d.text[previous.mention.end : d.mention.start])
        ):
            d.entity, d.subject = previous.entity, previous.subject
        else:  # a guess: shown as the subject, not used to pair figures
            counted_per = d.mention.per if d.mention.kind == "count" else None  # "176 GPUs per pod"
            d.subject = (
                counted_per
                or last.get(d.paragraph_id)
                or topics.last_phrase(d)
                or setting.heading
                or d.mention.per
                or ""
            )
        if d.subject:
            last[d.paragraph_id] = d.subject
        topics.saw(d, found.get(id(d)))
        previous = d


def _said_alone(d: Draft, paragraph: Paragraph) -> Entity | None:
    """A figure said as a sentence by itself, and then told by a sentence that points back at
    it, is about that sentence's first name: "1.2 gigawatts. That's the lease OpenAI just
    signed …" → OpenAI."""
    if d.label is not None or (d.text[: d.mention.start] + d.text[d.mention.end :]).strip(" .!?"):
        return None
    rest = paragraph.text[d.offset + len(d.text) :]
    following = sentences(rest)
    if not following:
        return None
    sentence = rest[slice(*following[0])].strip()
    if re.match(r"(?:that|this|it)\b", sentence, re.I) is None:
        return None
    return salient_names.first_name(parsing.parse([sentence])[0])


def _unlabel_quantities(drafts: list[Draft]) -> None:
    """A list label that is itself a quantity ("876K MWh / year: Annual consumption of a
    100 MW facility, …") names nothing: its item's figures are read from the item's words."""
    for d in drafts:
        if (
            d.row is None
            and d.label is not None
            and any(not m.is_year for m in find_mentions(d.label))
        ):
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
            if (
                paragraph.kind == "list"
                and before is not None
                and before.kind == "text"
                and (before.text.rstrip().endswith(":"))
            ):
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
    measures = [w for w in words if w.lower().strip(",") in entity_words.MEASURE_NOUNS]
    structure = [w for w in words if w.lower().strip(",") in STRUCTURE_WORDS]
    if not words or words[0].lower() in QUESTION_WORDS or len(words) > 6 or measures or (structure):
        return ""
    return " ".join(words).strip(" ,")


def _names_a_thing(label: str) -> bool:
    """A list label that names what its figures are about ("Nebius Béthune"), not a measure
    ("Practical limit") or a condition ("With PUE 1.2")."""
    words = PARENTHETICAL.sub(" ", label).lower().split()
    return (
        bool(words)
        and words[-1] not in entity_words.MEASURE_NOUNS
        and words[0] not in ("with", "at", "for", "in", "on", "by", "from", "assuming")
    )


def _parsed_entities(
    in_sentence: dict[str, list[Draft]], docs: dict[str, Doc]
) -> dict[int, Entity]:
    """The parse's entity of each sentence's figures, by draft id; figures coordinated with
    the parts of a coordinated subject ("Asia Pacific and Africa … 12 and 11%") take the
    parts in order."""
    found: dict[int, Entity] = {}
    for text, group in in_sentence.items():
        # a sentence said many times is parsed once: each figure's entity, once per place
        spans = list(dict.fromkeys((d.mention.start, d.mention.end) for d in group))
        by_span = {
            span: entities.entity_at(docs[text], *span, [o for o in spans if o != span])
            for span in spans
        }
        for d in group:
            entity = by_span[d.mention.start, d.mention.end]
            if entity is not None:
                found[id(d)] = entity
        shared = [d for d in group if id(d) in found and found[id(d)].parts]
        if (
            shared
            and len(shared) == len(found[id(shared[0])].parts) > 1
            and all(found[id(d)] == found[id(shared[0])] for d in shared)
        ):
            for d, part in zip(shared, found[id(shared[0])].parts, strict=True):
                found[id(d)] = Entity(name=part, phrase=part)
    return found


def _openings(
    drafts: list[Draft],
    found: dict[int, Entity],
    settings: dict[str, _Setting],
    title: str,
) -> tuple[dict[str, Doc], Entity | None]:
    """The parse of each paragraph's text before its first figure, in one batch with the
    title, where a figure of the paragraph names nothing or refers back: "Amazon's push into
    AI …" names what a later "the e-commerce behemoth" is; the title's named subject ("Meta
    expects …") is what the article is about when its section has named nothing."""
    first: dict[str, Draft] = {}
    needed: set[str] = set()
    for d in drafts:
        first.setdefault(d.paragraph_id, d)
        entity = found.get(id(d))
        if d.label is None and (entity is None or entity.vague):
            needed.add(d.paragraph_id)
    texts = {pid: settings[pid].paragraph.text[: first[pid].offset].strip() for pid in needed}
    texts = {pid: text for pid, text in texts.items() if text}
    if not needed:
        return {}, None
    *docs, title_doc = parsing.parse([*texts.values(), title])
    return dict(zip(texts, docs, strict=True)), salient_names.topic(title_doc)


class _Topics:
    """The entities named so far, for the descriptions that refer back: by paragraph, the
    last name; by section, the last entity (a named one, and one of any kind)."""

    def __init__(
        self, settings: dict[str, _Setting], openings: dict[str, Doc], title: Entity | None
    ) -> None:
        self._settings = settings
        self._openings = openings
        self._title = title
        self._proper: dict[str, Entity] = {}  # by paragraph: the last proper name
        self._last: dict[str, Entity] = {}  # by paragraph: the last entity
        self._speakers: dict[str, Entity] = {}  # by paragraph: who is quoted
        self._named: dict[int, Entity] = {}  # by section: the last named entity
        self._any: dict[int, Entity] = {}  # by section: the last entity of any kind

    def before(self, d: Draft, doc: Doc, vague: Entity) -> Entity | None:
        """What a vague description refers to, the most salient entity first: a name said
        earlier in its sentence (for a measure, "powered AWS …, with revenue climbing"), a
        name said earlier in its paragraph, the title's subject, else the section's last
        entity (a named one for "the company", and for a measure once a name was seen)."""
        if vague.phrase.split()[-1].lower() in entity_words.MEASURE_NOUNS:
            earlier = salient_names.named_before(doc, d.mention.start)
            if earlier is not None:
                return earlier
        if vague.name.lower() in entity_words.FIRST_PERSON:
            quoted = salient_names.speaker(doc) or self._speakers.get(d.paragraph_id)
            if quoted is not None:
                self._speakers[d.paragraph_id] = quoted
                return quoted
        section = self._settings[d.paragraph_id].section
        last_word = vague.phrase.split()[-1].lower()
        named = last_word in entity_words.COMPANY_NOUNS
        pronoun = vague.name.lower() in entity_words.REFERRING
        recent = self._last.get(d.paragraph_id) if pronoun else None
        company = self._named.get(section)
        if last_word in entity_words.MEASURE_NOUNS and company is not None and company.proper:
            named = True  # "second-quarter revenue" is a company's, not the last loss's
        return (
            recent
            or self._proper.get(d.paragraph_id)
            or self._title
            or (company if named else self._any.get(section))
        )

    def last_phrase(self, d: Draft) -> str:
        topic = self._any.get(self._settings[d.paragraph_id].section)
        return topic.phrase if topic else ""

    def enter(self, d: Draft) -> None:
        """At a paragraph's first figure, remember the named subject of the text before it."""
        opening = self._openings.pop(d.paragraph_id, None)
        named = salient_names.topic(opening) if opening is not None else None
        if named is not None:
            section = self._settings[d.paragraph_id].section
            self._named[section] = self._any[section] = self._last[d.paragraph_id] = named
            if named.proper:
                self._proper[d.paragraph_id] = named

    def saw(self, d: Draft, entity: Entity | None) -> None:
        """Remember `d`'s entity when it names something."""
        section = self._settings[d.paragraph_id].section
        if d.label is not None and d.entity:
            entity = Entity(name=d.entity, phrase=d.entity)
        if entity is None or entity.vague:
            return
        self._last[d.paragraph_id] = entity
        if d.row is None:  # a table row's header is what its row is about, not the prose after
            self._any[section] = entity
        if entity.name != entity.phrase or d.label is not None:
            self._named[section] = entity
        if entity.proper:
            self._proper[d.paragraph_id] = entity
