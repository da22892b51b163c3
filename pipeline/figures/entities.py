"""Who or what a figure is about, read from a dependency parse.

The parse is the tagger and dependency parser of spaCy's small English
pipeline (`figures.parsing`; the word lists and tag sets the rules below follow
are in `figures.entity_words`, and building the `Entity` from the noun found in
`figures.entity_phrase`; the names a text makes salient besides, `topic`, `speaker` and
the like, in `figures.salient_names`). Only the sentences that hold figures are parsed
(`parsing.parse`), in one batch, with a range's dash read as a hyphen and a model
number spelt as a name ("B300" as "Bxxx", so that it is not tagged a number);
the docs keep the sentences' own words. Word classes are read from the
fine-grained tags, so the attribute ruler that maps them to coarse ones does
not run.

`entity_at(doc, start, end)` follows the tree from the figure's tokens:
1. a figure in parentheses is about the noun before them ("Traditional DC
   (5 kW/rack)"); a figure followed by a parenthesised noun is about that noun
   ("500 W (host)");
   a figure that opens its text before a colon is about what follows the colon
   ("1.1–1.2: Hyperscale / advanced liquid cooling");
2. a figure said "for" a name is about it ("190kW for the NVL144"); money put
   "into OpenAI" or spent "on hardware" is about where it goes;
3. a figure that modifies a noun is about that noun ("a 130-kilowatt rack"),
   unless the noun names a period ("17.5 percent year over year");
4. a figure that is the object of a verb is about the verb's subject, through
   "plans to spend", "can pull", conjoined verbs and relative clauses ("a rack
   that draws 120 kW" → the rack);
5. "capex of $80 billion" → the noun before "of"; "80% of the heat" → the
   noun after it, but a share that goes "to X" or lies "in X" is about X, and
   "AWS accounts for 60% of …" is about AWS, and a share that is a verb's object
   is the subject's ("data centres used 21% of the electricity"); in a gapped
   clause the noun before the preposition is the subject ("urban households
   accounted for 18% and rural households for 10%");
6. a figure after "up from" shares its clause's subject; a multiple said as a
   verb ("could nearly double", "a substation that will quadruple …") is about
   the clause's subject; a count that is the subject ("5,000 homes consume …")
   is about what it counts (`own`); a quantity that is the subject of "is in"
   is about where it lies ("8GW was in that stage").
The clause's grammatical subject is the default: found through "according to
the Journal, Crusoe has secured …" (the parser hangs it on the source) and
through an infinitive ("AWS received approval to build …" → AWS); a common-noun
subject with names in apposition is those names ("Site owners Crusoe and Blue
Owl Capital"), unless it is counted ("four companies — A, B, C and D"); a figure inside
an apposition is about what it describes ("PJM, the grid operator for 67 million people" →
PJM). A sign before a figure (">$2B") is not its word in the tree. A plural "noun" right
after a figure and before a preposition, in a sentence whose root is a noun, is a verb the
parser misread ("The capacity price of $16.1 billion averages to …"): the root is the entity.
A capitalised word before a proper noun belongs to the name, whatever its tag ("Blue Owl"),
and a compound in capitals is a name though tagged an adjective ("Amazon's AWS cloud business").
Misparses read back: a word that qualifies a figure is part of it ("14.3 kW max", "€1.4 billion
p.a."); a number tagged as punctuation leaves its unit as the figure's word ("~10.2 kW"); an
adverb a figure modifies is a noun ("40% overhead"); a rate "at" a price is the noun right
before "at" ("a delay on a 100 MW project at $80M/MW" → project); of two subjects the nearest
wins, and a full stop inside a phrase ends it ("… Amazon Q. AWS remains" → AWS). A figure
that opens a verbless fragment is about its clause's subject ("A $4.2 billion, 495MW campus
to be built …"); "a deal worth $27 billion" → deal; "could consume twice as much electricity"
→ the subject; ", up 27 percent" after a noun phrase → that phrase (not a period); a bare
count "in" a name is the place's ("nine in Maine"); "one of its facilities" → facilities; a
parenthesised apposition adds no member, and counts inside it are the whole's ("A DGX H100
(8× H100 SXM5 …)"); a measure in a bare infinitive is the seer's ("AWS saw revenue grow").
A one-word maker owning the phrase found gives way to the one product a sentence names by
model number ("In a DGX B200 box, NVIDIA's guidance lists 14.3 kW" → DGX B200).
"18 nodes, each with two GB200s" → nodes. A
measure that a figure is compared with ("exceeding the estimate of $73.81
billion", "versus the average of 96%") is the entity itself, not the
subject's, unless it is the subject's own ("the prior forecast", "its
guidance").
A predicate noun, or a noun inside the predicate of a name, stands for its
subject ("Project Caprock is a 540 MW campus" → Project Caprock; "NVL72 is the
next jump: 72 GPUs in a single rack at 120 kW" → NVL72). Another figure's
number or unit is never the entity. Nouns that name a measure rather than a thing ("forecast",
"range", "energy", "number") are looked past, to their owner, their object or
the clause's subject ("consumes enough energy to power 100,000 homes"), unless
a modifier says whose they are ("US grid load", "data center share").
Within the noun phrase found, the proper nouns win ("Microsoft's capex" →
Microsoft); otherwise the head noun with the words that qualify it
("traditional rack"). Coordinated subjects are kept whole, with their parts
("Asia Pacific and Africa accounted for 12 and 11%"); a proper noun keeps the
number after it ("Phase 1"). Relative words and demonstratives ("that works
out to …") give None. Personal pronouns ("it", "they") and descriptions that
refer back ("the company", "that figure") are marked `vague`, and the caller
puts the entity named before in their place; "it" in reported speech is the
reporter ("the utility said it has 40GW"), and "we" in a quotation is who is
quoted (`speaker`: `"We reduced …," Google says`), unless an officer speaks
for the company ("CFO Susan Li said").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from pipeline.figures.entity_phrase import (
    Entity,
    entity_named,
    object_of,
    owner_given,
    parenthesised,
    pobj,
    single_entity,
)
from pipeline.figures.entity_words import (
    ABBREVIATION,
    BE_FORMS,
    CLIMB,
    COMPARING,
    EMPTY_NOUNS,
    FIGURE_QUALIFIERS,
    INVESTING,
    MEASURE_NOUNS,
    MODEL_NAME,
    MULTIPLE_TAGS,
    OBJECTS,
    OWN_STANDARD,
    PARTITIVES,
    PERIOD,
    PERIOD_NOUNS,
    RELATIVE,
    SIGN_TAGS,
    VERB_TAGS,
    is_noun,
    is_proper,
    is_unit,
    names_kind,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token


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
    figures = {t.i for t in span}
    while len(span) > 1 and span[0].tag_ in SIGN_TAGS and not span[0].like_num:
        span = span[1:]  # ">$2B": the sign hangs on the verb, the amount is the figure
    for lo, hi in others:
        other = doc.char_span(lo, hi, alignment_mode="expand")
        figures |= {t.i for t in other or ()}
    noun = _labelled(span, figures) or _defined(span) or _about(span, figures)
    for _ in range(3):
        if (
            noun is None
            or noun.lower_ not in MEASURE_NOUNS
            or owner_given(noun)
            or (_standard(noun))
        ):
            break
        noun = _beyond(noun, frozenset(figures)) or noun
        if noun.lower_ in MEASURE_NOUNS:
            break
    if noun is None or (noun.i in figures - {t.i for t in span} and not names_kind(noun)):
        return None  # another figure's number or unit is no entity
    if (
        noun.dep_ == "appos"
        and is_proper(noun.head)
        and not is_proper(noun)
        and (noun.head.i not in figures)
    ):
        noun = noun.head  # "Project Rainier — a cluster of 400,000 chips"
    noun = _reporter(noun) or _copula_subject(noun) or noun
    entity = entity_named(noun, {i for i in figures - {noun.i} if not names_kind(doc[i])})
    if entity is not None and entity.vague and _standard(noun):
        entity = replace(entity, vague=False)
    if entity is not None and noun.i in {t.i for t in span}:
        return replace(entity, own=True)
    if (
        entity is not None
        and entity.proper
        and not is_proper(noun)
        and " " not in entity.name
        and (not MODEL_NAME.search(entity.name))
    ):
        return _product(doc, figures) or entity  # "NVIDIA's guidance", not "NVIDIA spends"
    return entity


def _product(doc: Doc, figures: set[int]) -> Entity | None:
    """The one product a sentence names by a model number ("DGX B200"), which a figure said
    of a thing its maker owns, named in one word, is about ("In a DGX B200 box, NVIDIA's
    guidance lists 14.3 kW")."""
    found = {
        e.name: e
        for t in doc
        if t.i not in figures
        and is_proper(t)
        and MODEL_NAME.match(t.text)
        and (t.head == t or not (is_proper(t.head) and MODEL_NAME.match(t.head.text)))
        and (e := single_entity(t, figures)) is not None
    }
    return next(iter(found.values())) if len(found) == 1 else None


def _labelled(span: Span, figures: set[int]) -> Token | None:
    """A noun that labels the figure by parentheses: "Traditional DC (5 kW/rack)" → DC,
    "500 W (host)" → host."""
    doc = span.doc
    after = span.end
    if after + 2 < len(doc) and doc[after].text == "(" and doc[after + 2].text == ")":
        inner = doc[after + 1]
        if is_noun(inner) and not is_unit(inner.text) and inner.i not in figures:
            return inner
    before = span.start - 1
    while before >= 0 and doc[before].i in figures | {span.start}:
        before -= 1
    if before >= 1 and doc[before].text == "(":
        closing = next((t for t in doc[span.end :] if t.text[0] in "()"), None)
        noun = doc[before - 1]
        if closing is not None and closing.text[0] == ")" and is_noun(noun):
            return noun
    return None


def _defined(span: Span) -> Token | None:
    """A figure that opens its text before a colon is about what follows the colon: "1.1–1.2:
    Hyperscale / advanced liquid cooling", "876K MWh / year: Annual consumption of a 100 MW
    facility" (a measure, looked past to the facility)."""
    doc = span.doc
    if (
        span.end >= len(doc)
        or doc[span.end].text != ":"
        or not all(t.is_punct for t in doc[: span.start])
    ):
        return None
    after = doc[span.end + 1 :]
    head = next((t for t in after if not span.end < t.head.i < len(doc) or t.head == t), None)
    return head if head is not None and is_noun(head) else None


def _about(span: Span, figures: set[int]) -> Token | None:
    """The noun the figure in `span` is about (rules 2–4 of the module docstring)."""
    inside = {t.i for t in span}
    root = span.root
    if root.dep_ == "punct":  # "~10.2 kW": a number taken for punctuation, its unit the object
        root = next((t for t in span if t.head.i not in inside and t.dep_ != "punct"), root)
    head = root.head
    percent = next((t for t in (*span, root.head) if t.lower_ in ("%", "percent")), None)
    if percent is not None:
        share = _share_of(percent, figures - inside)
        if share is not None:
            return share
    change = _changed(root)
    if change is not None:
        return change
    place = object_of(root, ("in",)) if root.like_num else None
    if place is not None and is_proper(place):
        return place  # "4,300 data centers, including nine in Maine": a bare count of a place
    recipient = _recipient(root) or _named_for(root)
    if recipient is not None:
        return recipient
    if root.dep_ in ("compound", "amod", "nmod", "nummod", "quantmod") and head.i not in inside:
        while head.dep_ == "compound" and is_noun(head.head):
            head = head.head
        if head.lower_ in PERIOD_NOUNS:  # "to 17.5 percent year over year": the figure's place
            return _about(span.doc[head.i : head.i + 1], figures)
        if _qualifies(head):  # "€1.4 billion p.a.", "14.3 kW max": read as one figure
            return _about(span.doc[span.start : head.i + 1], figures)
        if _misread_verb(head):
            return head.sent.root  # "The capacity price of $16.1 billion averages to …"
        if head.dep_ == "appos" and parenthesised(head) and is_noun(head.head):
            return head.head  # "A DGX H100 (8× H100 SXM5 …)": the parts count for the whole
        if is_noun(head) or (root.dep_ == "compound" and head.tag_ == "RB"):
            return head  # an adverb a figure modifies is a noun: "40% overhead from cooling"
        if head.tag_ == "DT" and (head.dep_ in OBJECTS or head.dep_ == "pobj"):
            return _subject_of(head.head)  # "three to four times that", "for 10 times that"
    if root.dep_ == "pobj" and head.dep_ == "prep":
        holder = head.head
        if holder.i in figures and holder.i not in inside:  # "225 GW with 30 GW added"
            return _about(span.doc[holder.i : holder.i + 1], figures)
        if is_noun(holder) and holder.i not in inside and head.lower_ in ("of", "at", "with"):
            return _nearer(holder, head)
        if holder.dep_ == "amod" and is_noun(holder.head):
            return holder.head  # "a 100 MW facility, equivalent to 80,000 homes"
        if holder.lower_ in PARTITIVES and holder.dep_ == "appos":
            return holder.head  # "18 nodes, each with two GB200s"
        return _subject_of(holder)
    if root.dep_ in ("nsubj", "nsubjpass"):
        return _counted_subject(root) or _located(root)
    if root.dep_ == "appos" and head.i in figures:
        return _about(span.doc[head.i : head.i + 1], figures)  # "72 GPUs (36 superchips …)"
    if root.dep_ in ("advcl", "ccomp", "xcomp", "relcl") and root.tag_ in MULTIPLE_TAGS:
        return _subject_of(root)  # "use is on course to more than double"
    if root.dep_ == "ROOT" and root.like_num:  # "A $4.2 billion, 495MW campus to be built …"
        clause = next((c for c in root.children if c.dep_ in ("relcl", "acl")), None)
        subject = _subject_of(clause) if clause is not None else None
        if subject is not None and is_noun(subject):
            return subject
    if root.dep_ in OBJECTS or root.dep_ in ("ROOT", "prep"):
        if root.dep_ == "appos" and is_noun(head):
            return head
        if root.dep_ == "npadvmod" and head.dep_ == "amod" and is_noun(head.head):
            return head.head  # "a deal worth $27 billion": the adjective's noun
        if head.dep_ == "amod" and head.head.dep_ == "dobj":
            return _subject_of(head.head.head)  # "could consume twice as much electricity"
        return _subject_of(head if root.dep_ != "ROOT" else root)
    if root.dep_ == "conj":
        first = head
        while first.dep_ == "conj":
            first = first.head
        return None if first.i in inside else _about(first.doc[first.i : first.i + 1], figures)
    return None


def _nearer(holder: Token, prep: Token) -> Token:
    """The noun right before "at" when the parser hung "at" higher up, on a noun whose
    phrase holds it: "a delay on a 100 MW project at $80M/MW" → project."""
    before = prep.doc[prep.i - 1]
    if (
        prep.lower_ == "at"
        and before.i > holder.i
        and is_noun(before)
        and (before.dep_ == "pobj" and holder.is_ancestor(before))
    ):
        return before
    return holder


def _changed(figure: Token) -> Token | None:
    """The noun before ", up 27 percent": a change said after a noun phrase is that phrase's
    ("a larger slice of the $107 billion cloud market, up 27 percent year-over-year")."""
    word = figure.head
    if figure.dep_ != "npadvmod" or word.lower_ not in ("up", "down") or word.i < 2:
        return None
    comma, before = figure.doc[word.i - 1], figure.doc[word.i - 2]
    named = (
        is_noun(before) and before.lower_ not in PERIOD_NOUNS and not PERIOD.match(before.text)
    )  # "revenue rose in the quarter, up 30 percent": not the quarter's
    return before if comma.text == "," and named else None


def _qualifies(noun: Token) -> bool:
    """True for a word after a figure that qualifies it, not a thing: "max", "p.a."."""
    return noun.lower_ in FIGURE_QUALIFIERS or bool(ABBREVIATION.match(noun.text))


def _misread_verb(noun: Token) -> bool:
    """True for a verb the parser took for a plural noun after a figure: in a sentence whose
    root is a noun, an "-s" word right after the figure and before a preposition ("The
    capacity price of $16.1 billion averages to $329 per megawatt")."""
    doc, root = noun.doc, noun.sent.root
    return (
        noun.tag_ == "NNS"
        and root != noun
        and is_noun(root)
        and noun.i + 1 < len(doc)
        and doc[noun.i + 1].tag_ in ("IN", "TO")
        and noun.i > 0
        and doc[noun.i - 1].like_num
    )


def _standard(noun: Token) -> bool:
    """A measure something is compared with ("exceeding the estimate of $73.81 billion",
    "versus the average of 96%"): another's figure, not the subject's, unless it is the
    subject's own ("exceeding the prior $100 billion forecast", "beating its guidance")."""
    if any(t.lower_ in OWN_STANDARD for t in noun.subtree if t.i < noun.i):
        return False
    head = noun.head
    if noun.dep_ == "dobj":
        return head.lower_.startswith(COMPARING)
    return noun.dep_ == "pobj" and (
        head.lower_ in ("versus", "vs", "vs.", "than")
        or (head.head.lower_ in ("ahead", "above", "below", "compared"))
    )


def _located(quantity: Token) -> Token | None:
    """Where a quantity that is its clause's subject lies: "8GW was in that stage" → stage."""
    verb = quantity.head
    if verb.lower_ not in BE_FORMS:
        return None
    return next(
        (pobj(p) for p in verb.children if p.i > verb.i and p.lower_ in ("in", "within")), None
    )


def _reporter(pronoun: Token) -> Token | None:
    """Who a pronoun in reported speech stands for: "the utility said it has 40GW" → the
    utility."""
    verb = pronoun.head
    if pronoun.lower_ not in ("it", "they") or pronoun.dep_ != "nsubj" or verb.dep_ != "ccomp":
        return None
    reporter = _subject_of(verb.head)
    return reporter if reporter is not None and is_noun(reporter) else None


def _copula_subject(noun: Token) -> Token | None:
    """The subject a predicate noun describes: "Project Caprock is a 540 MW campus" → Caprock;
    None when the subject is a pronoun or a measure ("It is a 540 MW campus"). A noun inside
    the predicate stands for a named subject too: "NVL72 is the next jump: 72 GPUs in a
    single rack at roughly 120 kW" → NVL72."""
    predicate = noun
    while predicate.dep_ in ("pobj", "prep", "appos") and predicate.head != predicate:
        predicate = predicate.head
    if predicate.dep_ != "attr" or predicate.head.lower_ not in BE_FORMS:
        return None
    subject = _subject_of(predicate.head)
    if (
        subject is None
        or not is_noun(subject)
        or subject.lower_ in MEASURE_NOUNS
        or (predicate != noun and not is_proper(subject))
    ):
        return None
    return subject


def _counted_subject(noun: Token) -> Token | None:
    """A count that is its clause's subject is about what it counts: "5,000 homes consume …"
    → homes; a quantity in a unit ("130 kW is needed") is about nothing named."""
    return noun if is_noun(noun) and not is_unit(noun.text) else None


def _share_of(percent: Token, figures: set[int]) -> Token | None:
    """What a percentage is the share of: "19% in Europe" → Europe, "~70% goes to GPU clusters"
    → clusters, "AWS accounts for 60% of …" → AWS, "80% of the heat" → heat. None for a share
    said beside another figure ("consumed 415 TWh, roughly 1.5% of the world's electricity"):
    it is about what that figure is about."""
    place = object_of(percent, ("in",))
    if place is not None:
        return place
    verb = percent.head
    if verb.i in figures or any(
        c.dep_ == percent.dep_ and c.i in figures and c.i != percent.i for c in verb.children
    ):
        return None
    if percent.dep_ in ("nsubj", "nsubjpass"):
        return object_of(verb, ("to", "in", "into")) or object_of(percent, ("of",))
    if percent.dep_ == "pobj" and verb.lower_ == "for" and verb.head.tag_ in VERB_TAGS:
        return _gapped(verb) or _subject_of(verb.head)
    if percent.dep_ in OBJECTS and _subject_of(verb) is not None:
        return None  # "data centres used 21% of the electricity": the subject's share
    return object_of(percent, ("of",))


def _gapped(prep: Token) -> Token | None:
    """The subject of a gapped clause: "urban households accounted for 18% and rural
    households for 10%" → rural households, for the "for" after them."""
    before = prep.doc[prep.i - 1] if prep.i else None
    if before is None or not is_noun(before) or before.head == prep:
        return None
    between = prep.doc[prep.head.i + 1 : before.i]
    return before if any(t.dep_ == "cc" for t in between) else None


def _recipient(figure: Token) -> Token | None:
    """Where money goes: "$15 billion on additional components", "$35 billion in spending on
    hardware", and a named recipient of an investing word: "invested $4B in Anthropic", "a $5
    billion commitment to South Korean facilities"."""
    for prep in figure.children:
        target = pobj(prep)
        if target is not None and target.lower_.startswith(INVESTING):
            target = object_of(target, ("on", "in", "into"))
        elif prep.lower_ not in ("on", "into"):
            continue
        if target is not None and target.lower_ not in MEASURE_NOUNS | EMPTY_NOUNS:
            return target
    investing = figure.head
    if figure.dep_ in ("dobj", "nummod", "compound", "quantmod") and investing.lower_.startswith(
        INVESTING
    ):
        target = object_of(investing, ("in", "into", "to"))
        # a verb's object must be a name ("invested $1 billion in SB Energy", not "committed
        # $300B to AI infrastructure"); a noun's may be described ("South Korean facilities")
        named = is_proper if figure.dep_ == "dobj" else _names_something
        if target is not None and named(target):
            return target
    return None


def _named_for(figure: Token) -> Token | None:
    """A name the figure is said for: "190kW for the NVL144", "$2 billion for Anthropic"."""
    target = object_of(figure, ("for",))
    return target if target is not None and _names_something(target) else None


def _names_something(noun: Token) -> bool:
    """A name, or a noun with a capitalised modifier ("South Korean facilities")."""
    return is_proper(noun) or any(
        t.dep_ in ("compound", "amod") and t.text[:1].isupper() and len(t.text) > 1 and t.i > 0
        for t in noun.children
    )


def _beyond(noun: Token, figures: frozenset[int]) -> Token | None:
    """What a measure noun is about: "an increase in Meta's spending" → spending, "the power of
    a rack" → rack, "Project Stargate, a $500 billion plan" → Stargate; "capex saw a 40%
    increase" → the verb's subject."""
    if noun.dep_ == "appos" and _names_something(noun.head):
        return noun.head
    target = object_of(noun, ("of", "in", "for", "by"), figures)
    if target is not None and target.lower_ not in PERIOD_NOUNS:
        return target
    clause = noun.head
    if (
        noun.dep_ == "nsubj"
        and clause.dep_ == "ccomp"
        and clause.tag_ == "VB"
        and not any(c.dep_ in ("aux", "mark") for c in clause.children)
    ):
        return _subject_of(clause.head)  # a bare infinitive: "AWS saw revenue grow 17.5%"
    if noun.dep_ in OBJECTS or noun.dep_ in ("pobj", "nsubj"):
        return _subject_of(noun.head if noun.dep_ != "pobj" else noun.head.head)
    return None


def _subject_of(verb: Token) -> Token | None:
    """The grammatical subject of `verb`, climbing "plans to spend", "and", relative clauses."""
    for _ in range(6):
        # the nearest, where the parser gave the verb two ("the infrastructure … AWS remains")
        subject = max(
            (c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")),
            key=lambda c: c.i if c.i < verb.i else -c.i,
            default=None,
        )
        if subject is None:  # "Microsoft, racing to expand …, spent": the subject sits lower
            subject = next(
                (
                    g
                    for c in verb.children
                    if c.dep_ == "advcl" and c.i < verb.i
                    for g in c.children
                    if g.dep_ == "nsubj" and g.i < c.i
                ),
                None,
            )
        subject = subject or _after_source(verb)
        if subject is not None:
            if subject.lower_ in RELATIVE and verb.dep_ == "relcl":
                return verb.head
            return subject
        if verb.dep_ in ("relcl", "appos") and is_noun(verb.head):
            return verb.head  # "PJM, the grid operator for 67 million people": PJM
        if verb.dep_ in CLIMB or verb.dep_ in ("prep", "advmod", "npadvmod", "agent"):
            verb = verb.head
            continue
        if verb.dep_ == "acl" and is_noun(verb.head) and not _infinitive(verb):
            return verb.head
        if verb.dep_ == "acl" and verb.head.dep_ in OBJECTS:
            verb = verb.head.head  # "AWS received approval to build …": the receiver builds
            continue
        return None
    return None


def _infinitive(verb: Token) -> bool:
    """A verb after "to" ("approval to build"): its subject is the clause's, not the noun."""
    return any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children)


def _after_source(verb: Token) -> Token | None:
    """The subject the parser hung on a source: "According to the Journal, Crusoe Energy has
    secured …" → Crusoe Energy."""
    source = next(
        (
            pobj(p)
            for c in verb.children
            if c.lower_ == "according"
            for p in c.children
            if p.lower_ == "to"
        ),
        None,
    )
    if source is None:
        return None
    return next((c for c in source.children if c.dep_ == "appos" and c.i > source.i), None)
