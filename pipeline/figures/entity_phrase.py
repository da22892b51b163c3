"""From the noun a figure is about to its `Entity`: the phrase around the noun, its name.

Within the noun phrase, the proper nouns win ("Microsoft's capex" → Microsoft);
otherwise the head noun with the words that qualify it ("traditional rack").
Coordinated subjects are kept whole, with their parts ("Asia Pacific and Africa");
a proper noun keeps the number after it ("Phase 1"). Personal pronouns and
descriptions that refer back ("the company", "total capex") are marked `vague`.
Also here: the look-ups in the dependency tree that `figures.entities` shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING

from pipeline.figures.entity_words import (
    COMPANY_NOUNS,
    DEMONSTRATIVES,
    GENERIC,
    MEASURE_NOUNS,
    MODIFIERS,
    PARTITIVES,
    PERIOD_NOUNS,
    PRONOUN_TAGS,
    PRONOUNS,
    REFERRING,
    UNWANTED,
    is_noun,
    is_proper,
    is_unit,
)

if TYPE_CHECKING:
    from spacy.tokens import Token


@dataclass(frozen=True)
class Entity:
    """What a figure is about: `name` to pair figures by, `phrase` to show.

    `vague` marks a description that names nothing itself and refers to an entity named
    before ("the company", "that figure", "total capex"); `parts` are the members of a
    coordinated subject ("Asia Pacific", "Africa"), in order; `own` marks the figure's own
    counted noun ("5,000 homes consume …"), the entity only when nothing around names one;
    `proper` marks a proper name ("AWS", "Microsoft's capex").
    """

    name: str
    phrase: str
    vague: bool = False
    parts: tuple[str, ...] = ()
    own: bool = False
    proper: bool = False


def pobj(prep: Token) -> Token | None:
    if prep.dep_ != "prep":
        return None
    return next(
        (
            c
            for c in prep.children
            if c.dep_ == "pobj" and (is_noun(c) or (c.tag_ == "VBG" and not list(c.children)))
        ),
        None,
    )  # "goes to cooling"


def object_of(
    token: Token, preps: tuple[str, ...], skip: frozenset[int] = frozenset()
) -> Token | None:
    """The noun after one of `preps` that hangs on `token`, unless it is in `skip`."""
    for prep in token.children:
        if prep.lower_ in preps:
            target = pobj(prep)
            if target is not None and target.i not in skip:
                return target
    return None


def owner_given(noun: Token) -> bool:
    """True when a measure noun's own modifiers say whose it is: a name ("Amazon's
    projection") or a noun that is not itself a measure ("US grid load", "data center
    share"; not "electricity use", "Q3 spend")."""
    return any(
        is_proper(t)
        or (
            t.dep_ == "compound"
            and t.tag_ in ("NN", "NNS")
            and (t.lower_ not in MEASURE_NOUNS | PERIOD_NOUNS)
            and t.text not in GENERIC
        )
        for t in noun.children
        if t.dep_ in ("poss", "compound", "nmod")
    )


def parenthesised(token: Token) -> bool:
    """True for a word that opens a parenthesis: "DGX H100 (8× H100 SXM5 …)" describes the
    DGX H100, it adds no member to it."""
    first = token.left_edge
    return first.text == "(" or (first.i > 0 and token.doc[first.i - 1].text == "(")


def entity_named(noun: Token, skip: set[int]) -> Entity | None:
    """The entity a noun names; a coordinated subject gives all its members; a description
    in apposition with names gives the names ("Site owners Crusoe and Blue Owl Capital")."""
    if (
        noun.dep_ in ("nsubj", "nsubjpass")
        and not is_proper(noun)
        and not any(c.dep_ == "nummod" for c in noun.children)
    ):  # "four companies — A, B, C and D"
        noun = next((c for c in noun.children if c.dep_ == "appos" and is_proper(c)), noun)
    parts = _coordinated(noun)
    if len(parts) > 1:
        named = [p for p in (single_entity(t, skip | {c.i for c in parts}) for t in parts) if p]
        if len(named) == len(parts):
            phrase = ", ".join(p.phrase for p in named)
            name = ", ".join(p.name for p in named)
            return Entity(name=name, phrase=phrase, parts=tuple(p.name for p in named))
    return single_entity(noun, skip)


def single_entity(noun: Token, skip: set[int]) -> Entity | None:
    if noun.lower_ in REFERRING:
        return Entity(name=noun.text, phrase=noun.text, vague=True)
    whole = object_of(noun, ("of",)) if noun.lower_ in PARTITIVES else None
    if whole is not None and whole.i not in skip:
        return single_entity(whole, skip)  # "one of its facilities is operating at …": facilities
    if noun.lower_ in PRONOUNS or noun.tag_ in PRONOUN_TAGS:
        return None
    words = _phrase_words(noun, skip)
    if not words:
        return None
    phrase = _clean(
        "".join(
            t.text + (t.whitespace_ or " " * (t.i + 1 not in kept))
            for t, kept in zip(words, repeat({t.i for t in words}))
        )
    )
    phrase = " ".join(w for w in phrase.split() if w.lower() not in ("'s", "’s"))
    named = _named(noun, words)
    return Entity(
        name=named or phrase,
        phrase=phrase,
        vague=not named and _refers_back(noun),
        proper=bool(named) or is_proper(noun),
    )


def _phrase_words(noun: Token, skip: set[int]) -> list[Token]:
    """The noun with the modifiers in front of it, less articles, numbers and figures."""
    modifiers = [t for t in noun.subtree if t.i < noun.i and _modifies(t, noun)]
    left = min((t.i for t in modifiers), default=noun.i)
    while left and noun.doc[left - 1].tag_ == "JJ" and left - 1 not in skip:
        left -= 1  # an adjective misparsed away from its noun: "and rural households for 10%"
    while left and _opens_name(noun.doc[left - 1], noun) and left - 1 not in skip:
        left -= 1  # "Blue Owl": a capitalised word the small model tags an adjective
    left = max([left] + [t.i + 1 for t in noun.doc[left : noun.i] if _ends_sentence(t)])
    # A figure's counted noun may be the entity ("four companies … committed"), its number not.
    right = (
        noun.i + 1
        if noun.text[:1].isupper()
        and noun.i + 1 < len(noun.doc)
        and noun.doc[noun.i + 1].dep_ == "nummod"
        and noun.i + 1 not in skip
        else noun.i
    )  # "Phase 1"
    after = noun.doc[right + 1] if right + 1 < len(noun.doc) else None
    if (
        after is not None
        and after.tag_ == "VBN"
        and after.dep_ == "acl"
        and not list(after.children)
        and is_unit(noun.text)
    ):
        right += 1  # a unit says which by its participle: "the megawatts energized"
    words = [
        t
        for t in noun.doc[left : right + 1]
        if (t.i not in skip or t.i == noun.i) and t.text not in "()"
    ]
    while words and (words[0].lower_ in UNWANTED or words[0].is_punct or words[0].like_num):
        words.pop(0)
    return words


def _ends_sentence(token: Token) -> bool:
    """True for a word whose full stop ends a sentence the parser ran on: "Amazon Q." in
    "… and Amazon Q. AWS remains …"; not an abbreviation with inner stops ("U.S.")."""
    doc = token.doc
    return (
        token.text.endswith(".")
        and "." not in token.text[:-1]
        and len(token.text) > 1
        and (token.i + 1 < len(doc) and doc[token.i + 1].text[:1].isupper())
    )


def _opens_name(token: Token, noun: Token) -> bool:
    """True for a capitalised modifier inside a proper name, whatever its tag: the words
    before "Owl" in "Blue Owl", up to the proper noun `noun`."""
    doc = noun.doc
    return (
        is_proper(noun)
        and token.i < noun.i
        and token.text[:1].isupper()
        and (token.tag_ in ("JJ", "NNP", "NNPS"))
        and all(is_proper(t) or t.text[:1].isupper() for t in doc[token.i + 1 : noun.i + 1])
    )


def _coordinated(noun: Token) -> list[Token]:
    """A subject and the names coordinated with it: "Microsoft, Alphabet, Meta, and Amazon"."""
    if noun.dep_ not in ("nsubj", "nsubjpass", "appos"):
        return [noun]
    members = [noun]
    for member in members:
        members.extend(
            c
            for c in member.children
            if (c.dep_ == "conj" and is_noun(c))
            or (c.dep_ == "appos" and is_proper(c) and is_proper(member) and not parenthesised(c))
        )
    return sorted(members, key=lambda t: t.i)


def _refers_back(noun: Token) -> bool:
    """True for a description that stands for something named before: a measure noun ("total
    capex") or "the company", "this facility". Other nouns after "this"/"those" are fine
    entities by themselves ("Those centers consumed …")."""
    if noun.lower_ in MEASURE_NOUNS:
        return not owner_given(noun)
    determiners = {c.lower_ for c in noun.children if c.dep_ in ("det", "poss")}
    return noun.lower_ in COMPANY_NOUNS and bool(
        determiners & (DEMONSTRATIVES | {"the", "its", "their"})
    )


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
    proper = [
        t
        for t in words
        if is_proper(t) or (t.i > noun.i and is_proper(noun)) or _opens_name(t, noun)
    ]
    if not proper or (
        len(proper) == 1 and proper[0].i == noun.i and (len(words) == 1 or _is_acronym(noun))
    ):
        return None
    return " ".join(_clean(t.text) for t in proper)


def _is_acronym(noun: Token) -> bool:
    """A common noun in capitals ("DC" for data centre): its modifiers tell which one ("AI DC",
    "Traditional DC"), so they stay in the name."""
    return noun.text.isupper() and len(noun.text) <= 3


def _clean(text: str) -> str:
    text = text.strip()
    for suffix in ("'s", "’s"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    return text.strip(' ,.;:()"“”')
