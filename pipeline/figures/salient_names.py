"""The names a text makes salient besides a figure's own entity: the subject of a text
with no figure (a title), the first name a text says, who a sentence quotes, and the
name before a point. They are what a pronoun, a quotation's "we" or a description that
refers back ("the company") may stand for (`figures.entity_naming`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.figures.entity_phrase import Entity, entity_named, single_entity
from pipeline.figures.entity_words import OFFICERS, SAYING, is_proper

if TYPE_CHECKING:
    from spacy.tokens import Doc


def topic(doc: Doc) -> Entity | None:
    """The last named subject of a text that holds no figure ("Amazon's push into AI …" →
    Amazon): what a later "the company" refers to."""
    found = None
    for token in doc:
        if token.dep_ in ("nsubj", "nsubjpass"):
            entity = entity_named(token, set())
            if (
                entity is not None
                and not entity.vague
                and (is_proper(token) or entity.name != entity.phrase)
            ):
                found = entity
    return found


def first_name(doc: Doc) -> Entity | None:
    """The first name a text says: "That's the lease OpenAI just signed" → OpenAI."""
    return next(
        (
            single_entity(t, set())
            for t in doc
            if is_proper(t) and not (t.dep_ == "compound" and is_proper(t.head))
        ),
        None,
    )


def speaker(doc: Doc) -> Entity | None:
    """Who the sentence quotes: the named subject of a verb of saying ("…," Google says).
    None for a person who speaks for an organisation ("CFO Susan Li said"): their "we" is
    the company the text is about."""
    for verb in doc:
        if verb.lower_ in SAYING:
            subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
            if subject is None or any(t.lower_ in OFFICERS for t in subject.subtree):
                continue
            entity = single_entity(subject, set())
            if entity is not None and entity.proper:
                return entity
    return None


def named_before(doc: Doc, at: int) -> Entity | None:
    """The nearest name before character `at` that is a verb's object ("The spending blitz
    powered AWS …, with revenue climbing 20 percent" → AWS)."""
    for token in reversed([t for t in doc if t.idx < at]):
        if is_proper(token) and token.dep_ == "dobj":
            return single_entity(token, set())
    return None
