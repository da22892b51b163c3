"""One article sentence rewritten for the ear: shorter sentences, the point first.

`retell(sentence)` takes a spoken sentence (`spoken.sentences_of` has already
dropped Markdown, brackets and most attributions) and gives it back as one or
more sentences a host would say; `scoring.points` calls it on every sentence it
makes pieces of, after `unaside` has dropped the asides between dashes that
state no figure ("Alphabet—Google's parent—stands out" → "Alphabet stands out").

- A tail after a comma that comments on the clause's figure becomes a sentence
  of its own that restates it: "…, roughly twice the country's capacity" →
  "…. That's roughly twice the country's capacity."; "…, up from 4% in 2023" →
  "…. Back in 2023 it was 4%."; "…, bringing the total to $15 billion" → "….
  That brings the total to $15 billion."; "…, which can generate 1,000 MW" →
  "…. They can generate 1,000 MW."; "…, with Meta taking the remaining 20%" →
  "…. Meta is taking the remaining 20%."; "…, while Amazon is tipped to invest
  $100bn" → "…. Meanwhile, Amazon is tipped to invest $100bn.".
- A subject's aside is said first: "DGX B300, the newer Blackwell Ultra
  system, is listed at 14.5 kW." → "DGX B300 is the newer Blackwell Ultra
  system. It's listed at 14.5 kW."
- A fronted adverbial moves to the end of its clause: "In the United States,
  more than 2,600 GW … is waiting in queues" → "More than 2,600 GW … is
  waiting in queues in the United States."
- A written connective or word becomes a spoken one ("As a result," → "So";
  "However," → "But"; "approximately" → "about"), and an attribution frames the
  sentence: "X said it expects …" → "X says it expects …"; "…, according to the
  IEA analysis." → "The IEA analysis says …".
- A closing aside with no figure leaves a long sentence ("…, continuing a trend
  of rising bills").

Rule-based, on punctuation and word lists: a parse would cost more than the
writer's whole budget, and these few shapes cover most of what articles write
for the eye. A rewrite never touches a number: every token with a digit comes
out as it went in, every figure the sentence states (`figures`) and every
negation stay, and every sentence must still trace (`traced`), or the sentence
is left as it was. So is a quotation, and so is anything the rules do not
recognise; a short sentence only gets a spoken connective. The guesses the rules
make (a plural from a last word's "s", a past tense from "-ed") are checked by
tests on the real-article corpus, not by a parser.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from pipeline.script.spoken import capitalize, contract

MIN_WORDS = 12  # shorter sentences are left as they are
LONG_SENTENCE = 20  # words; a longer one may lose a closing aside that states no figure
MIN_CLAUSE = 5  # words each sentence of a split keeps
MAX_FRONTED = 8  # words of an adverbial moved to the end of its clause
MAX_MOVED_CLAUSE = 24  # words of a clause an adverbial is moved behind

QUOTES = re.compile(r"[\"“”«»]|(?<!\w)['‘](?=\w)")
NUMBER = re.compile(r"\S*\d\S*")
NEGATION = re.compile(r"(?i)\b(?:not|no|never|none|nor|without)\b|n['’]t\b")
PRONOUN_SUBJECT = re.compile(
    r"(?i)^(?:it|its|they|their|this|that|these|those|he|she|we|i|you|there|here|which|who|"
    r"such|both|each|one|some|many|most|all)\b"
)
# A word that cannot end a clause a tail can follow ("rose to, about …" is no clause).
OPEN_END = re.compile(
    r"(?i)\b(?:a|an|the|of|to|for|from|with|by|at|in|on|and|or|but|than|as|"
    r"its|their|his|her|our|is|are|was|were|be|that)$"
)

# Written connectives at a sentence's start and what a host says instead.
CONNECTIVES = {
    "as a result": "So",
    "consequently": "So",
    "therefore": "So",
    "thus": "So",
    "however": "But",
    "in addition": "On top of that",
    "additionally": "On top of that",
    "furthermore": "What's more",
    "moreover": "What's more",
    "at the same time": "Meanwhile",
    "nevertheless": "Even so",
    "nonetheless": "Even so",
    "currently": "Right now",
    "in contrast": "By contrast",
    "overall": "All in all",
    "in total": "All told",
    "in other words": "Put simply",
    "simultaneously": "Meanwhile",
    "similarly": "Likewise",
    "historically": "In the past",
    "ultimately": "In the end",
    "essentially": "Basically",
    "initially": "At first",
    "subsequently": "After that",
    "in comparison": "By comparison",
}
CONNECTIVE = re.compile(
    r"^(" + "|".join(sorted(CONNECTIVES, key=len, reverse=True)) + r"),\s+(?=\S)", re.I
)
# Spoken replacements that need no comma after them.
SPOKEN_OPENING = {"So": "So ", "But": "But "}
# Written words and what a host says instead.
PLAIN_WORDS = {
    "approximately": "about",
    "such as": "like",
    "in order to": "to",
    "prior to": "before",
    "in excess of": "more than",
    "per annum": "a year",
}
PLAIN = re.compile(r"(?i)\b(?:" + "|".join(sorted(PLAIN_WORDS, key=len, reverse=True)) + r")\b")
ACCORDING_BEFORE = re.compile(r"^According to ((?:the |an? )?[^,\d]{3,60}?), (?=\S)")

# Adverbials a sentence may open with, to be moved to the end of its clause.
PREPOSITIONS = (
    "in",
    "at",
    "by",
    "on",
    "for",
    "during",
    "within",
    "across",
    "over",
    "since",
    "after",
    "before",
    "under",
    "among",
    "between",
    "from",
    "through",
    "as of",
    "throughout",
    "until",
    r"(?:last|this|next|earlier|later|early|late) (?:this |that |last |next )?"
    r"(?:year|month|week|quarter|spring|summer|fall|autumn|winter|decade)",
)
FRONTED = re.compile(r"^((?:" + "|".join(PREPOSITIONS) + r")\b[^,;:—–]{1,80}?),\s+(?=\S)", re.I)
# Openings that look like adverbials but are connectives or framing: left where they are.
NOT_MOVED = re.compile(
    r"(?i)^(?:in (?:addition|fact|contrast|short|particular|other words|turn|practice|theory|"
    r"general|total|sum|comparison|response|the end|the meantime|effect|any case|that case|"
    r"this case|some cases|many cases|most cases)|at (?:the same time|first|least|most|"
    r"the moment|this point|that point|the time)|by (?:contrast|comparison|the way|then)|"
    r"on (?:the other hand|one hand|top of that|average|balance|paper)|for (?:example|"
    r"instance|now|one thing|comparison|context|reference|perspective|that reason|this reason)"
    r"|over time|after all|as of now|from there|from here|in time|since then|until then|"
    r"under the hood|this is|this means|last but)\b"
)

# Tails after a comma that comment on the clause before them, and how a host opens them
# as a sentence of their own: the opening, then the tail less its first `drop` words.
TAILS: list[tuple[re.Pattern[str], str, int]] = [
    (
        re.compile(
            r"(?i)^(?:up|down) (?:roughly |about |nearly |almost |some |more than )?"
            r"(?:\S*\d\S* )?from\b"
        ),
        "That's",
        0,
    ),
    (
        re.compile(
            r"(?i)^(?:a|an) (?:\S*\d\S* )?(?:[\w-]+ )?(?:increase|decrease|rise|jump|surge|"
            r"drop|decline|fall|gain|climb|leap|boost|cut|reduction|hike|"
            r"improvement)\b"
        ),
        "That's",
        0,
    ),
    (
        re.compile(
            r"(?i)^(?:roughly|about|around|nearly|almost|some|more than|less than|"
            r"just over|just under|well over|well above|well below) "
            r"(?:\S*\d\S*|twice|double|half|triple|a (?:third|quarter|fifth|tenth)\b|"
            r"(?:two|three|four|five|six|seven|eight|nine|ten|\w+teen|twenty|thirty) "
            r"times)"
        ),
        "That's",
        0,
    ),
    (
        re.compile(
            r"(?i)^(?:twice|double|triple|half|(?:\S*\d\S*|two|three|four|five|six|seven|"
            r"eight|nine|ten|twenty) times)\b"
        ),
        "That's",
        0,
    ),
    (
        re.compile(
            r"(?i)^(?:(?:the )?equivalent of|(?:enough|equivalent|comparable|similar|close|"
            r"equal) to)\b"
        ),
        "That's",
        0,
    ),
    (
        re.compile(r"(?i)^the (?:\w+est|most|least|first|second|third|fourth|fifth|only)\b"),
        "That's",
        0,
    ),
    (
        re.compile(
            r"(?i)^(?:(?:largely|mostly|partly|mainly) )?(?:driven|fuelled|fueled|boosted|"
            r"helped|led|powered|spurred|supported|offset) by\b"
        ),
        "That's|That was",
        0,
    ),
    (re.compile(r"(?i)^compared (?:to|with) "), "That compares with", 2),
    (re.compile(r"(?i)^(?:versus|vs\.?) "), "That compares with", 1),
    (re.compile(r"(?i)^against \S*\d"), "Compare that with", 1),
    (re.compile(r"(?i)^or (?:about|roughly|around|nearly|almost|some) \S*\d"), "That's", 1),
]
# A closing participle that says what the clause's figure does: "…, bringing the total to
# $15 billion" → "That brings the total to $15 billion."
CAUSES = {
    "bringing": "brings",
    "leading": "leads",
    "pushing": "pushes",
    "putting": "puts",
    "taking": "takes",
    "leaving": "leaves",
    "making": "makes",
    "giving": "gives",
    "driving": "drives",
    "lifting": "lifts",
    "raising": "raises",
    "boosting": "boosts",
    "marking": "marks",
    "adding": "adds",
    "representing": "represents",
    "exceeding": "exceeds",
    "outperforming": "outperforms",
    "surpassing": "surpasses",
    "topping": "tops",
    "beating": "beats",
    "eclipsing": "eclipses",
    "dwarfing": "dwarfs",
    "translating": "translates",
    "lowering": "lowers",
    "cutting": "cuts",
    "reducing": "reduces",
    "equating": "equates",
    "amounting": "amounts",
    "creating": "creates",
    "allowing": "allows",
    "enabling": "enables",
    "requiring": "requires",
    "costing": "costs",
    "reaching": "takes it to",
}
CAUSED = {
    "brings": "brought",
    "leads": "led",
    "pushes": "pushed",
    "takes": "took",
    "leaves": "left",
    "makes": "made",
    "gives": "gave",
    "drives": "drove",
    "lifts": "lifted",
    "raises": "raised",
    "boosts": "boosted",
    "marks": "marked",
    "adds": "added",
    "represents": "represented",
    "exceeds": "exceeded",
    "outperforms": "outperformed",
    "surpasses": "surpassed",
    "tops": "topped",
    "eclipses": "eclipsed",
    "dwarfs": "dwarfed",
    "translates": "translated",
    "lowers": "lowered",
    "reduces": "reduced",
    "equates": "equated",
    "amounts": "amounted",
    "creates": "created",
    "allows": "allowed",
    "enables": "enabled",
    "requires": "required",
    "takes it to": "took it to",
}
# "…, jumping from 1,263MW to over 4,500MW" → "That's a jump from 1,263MW to over 4,500MW."
MOVES = {
    "jumping": "a jump",
    "rising": "a rise",
    "climbing": "a climb",
    "falling": "a fall",
    "surging": "a surge",
    "dropping": "a drop",
    "soaring": "a leap",
    "sliding": "a slide",
}
MOVE = re.compile(r"^(?P<verb>" + "|".join(MOVES) + r") (?=(?:from|to|by) )")
CAUSE = re.compile(
    r"^(?:(?P<adverb>far|well|further|effectively|roughly|nearly|almost) )?"
    r"(?P<verb>" + "|".join(CAUSES) + r")\b"
)
# "…, with Meta taking the remaining 20% stake" → "Meta is taking the remaining 20% stake."
WITH = re.compile(r"^with (?P<who>(?:[\w'’.-]+ ){1,5}?)(?P<verb>[a-z]+ing)\b(?P<rest>.*)$")
PAST = re.compile(
    r"\b(?:was|were|had|did|saw|rose|fell|grew|spent|drew|came|took|made|gave|"
    r"brought|paid|bought|sold|won|built|began|became|went|stood|\w{3,}ed)\b"
)
PRESENT = re.compile(
    r"\b(?:is|are|will|has|have|does|do|can|could|may|might|must|would|"
    r"should|shall)\b|\b(?:it|that|there|what|he|she)['’]s\b"
)
# A word that makes an adverbial a clause of its own: "In 2007 it was at 2.5, …".
FINITE = re.compile(
    r"(?i)\b(?:is|are|was|were|has|have|had|will|would|can|could|it|they|we|"
    r"he|she|its|their|which|who|that)\b"
)
# "…, while Amazon is tipped to invest $100bn" → "Meanwhile, Amazon is tipped …".
WHILE = re.compile(r"^while (?=(?:the |its |their |[A-Z])\S*(?: \S+){2})")
UP_FROM_YEAR = re.compile(
    r"(?i)^up (?:from )(?P<value>(?:about |roughly |around |nearly |just )?\S*\d\S*"
    r"(?: \w+){0,2}?) in (?P<year>(?:19|20)\d\d)$"
)
SUBJECT_ASIDE = re.compile(
    r"^(?P<who>[A-Z][\w'’.-]*(?: [\w'’.-]+){0,5}), "
    r"(?P<aside>(?:which|an?|the) (?:[^,;:]|,(?=\d)){3,90}), "
    r"(?P<rest>[a-z]\S* .+)$"
)
NOT_VERBS = frozenset(
    "a an the and or but of in on at to for with from by as which who that while whose "
    "its their his her our this these those both each".split()
)
NEW_CLAUSE = re.compile(
    r"^(?:and|but) (?:the|its|their|it|they|this|these|those|we|he|she|"
    r"[A-Z])"
)
ASIDE = re.compile(
    r"^(?:including|continuing|citing|underscoring|highlighting|reflecting|"
    r"signalling|signaling|suggesting|noting|amid)\b"
)
NOT_PARTICIPLES = frozenset(
    "during building spending funding housing cooling pricing training computing planning "
    "engineering manufacturing something nothing everything anything bring morning "
    "evening ceiling offering earnings filing listing rating ranking thing king ring "
    "remaining following leading existing outstanding upcoming incoming ongoing".split()
)
# A progressive said of the past ("with revenue growing 13%" after "exceeded") in the past.
WAS_DOING = {
    "growing": "grew",
    "rising": "rose",
    "climbing": "climbed",
    "increasing": "increased",
    "falling": "fell",
    "jumping": "jumped",
    "reaching": "reached",
    "coming": "came",
    "taking": "took",
    "going": "went",
    "accounting": "accounted",
    "making": "made",
    "bringing": "brought",
    "stating": "stated",
    "suggesting": "suggested",
    "showing": "showed",
    "topping": "topped",
    "totaling": "totaled",
    "totalling": "totalled",
}
DASHED = re.compile(r"\s*[—–]\s*([^—–]{1,80}?)\s*[—–]\s*")
WHICH = re.compile(r"(?i)^which (?P<verb>\w+)\b")
# "…, which means …" points back to the clause ("That means …"), "…, which has …" to a thing.
CLAUSE_VERBS = frozenset(
    "means meant makes made puts put brings brought translates translated "
    "equates equated amounts amounted represents represented".split()
)
PLURAL_VERBS = frozenset("are were have do".split())
# Words a subject's aside cannot open on: it is an adverbial, not a subject.
NOT_SUBJECTS = frozenset(
    "unlike while although though despite as if when because since after before with "
    "without like given once whereas until unless besides beyond amid per via including "
    "excluding for in on at by from to of during within across over under among between "
    "through throughout so but and yet".split()
)
AUXILIARIES = frozenset(
    "is are was were has have had will would can could may might must should does do did".split()
)
IRREGULAR_PAST = frozenset(
    "saw rose fell grew spent drew came took made gave brought paid "
    "bought sold won built began became went stood hit cut set put "
    "led beat kept held ran".split()
)
ATTRIBUTION_VERB = re.compile(
    r"(?i)\b(?:said|says|say|reported|reports|noted|notes|added|adds|"
    r"wrote|writes|told|according|believes|argued|argues|claims|"
    r"claimed)\b"
)

SAID = re.compile(
    r"^(?P<who>(?:(?:So|But|And|Meanwhile,|On top of that,|What's more,) )?"
    r"(?:(?:The |the )?[A-Z][\w.&'’-]*(?: [A-Z][\w.&'’-]*){0,3}|"
    r"(?:the|The) (?:[a-z]+ )?(?:report|study|survey|company|utility|firm|agency|operator|"
    r"analysis)|analysts)) "
    r"(?:said |stated |(?:reported|noted|notes|added|adds) (?=that |it |they ))"
    r"(?!(?:at|in|on|during|after|before|to|with|for|of|by|from|last|this|on)\b)(?=[a-z])"
)
ACCORDING = re.compile(r",\s+according to ((?:the |an? )?[\w.&'’ -]{3,60}?)\s*([.!?])$")
SENTENCE_OPENERS = frozenset(
    "the a an global total data most many some all this these those each every more less "
    "nearly about around roughly over under new current annual average worldwide overall "
    "electricity power energy demand capacity spending capital revenue costs cost prices "
    "price investment investments growth sales".split()
)


def retell(
    sentence: str, traced: Callable[[str], bool] | None = None, figures: Sequence[str] = ()
) -> list[str]:
    """`sentence` as a host would say it: one or more sentences, each ending in
    punctuation, with every number as written. Left as it was (a one-item list) when it
    holds a quotation or no rule applies; a short one only gets a spoken connective. Also
    left as it was when a rewrite would lose one of `figures` (figures' written texts)
    that the sentence states or, with `traced`, when any sentence of it would not trace
    (a number read differently out of its context)."""
    if QUOTES.search(sentence):
        return [sentence]
    # A figure is found by its written text, case and all: where moving an adverbial
    # would capitalise one ("more than 2,600 GW …") or a plain word would change one
    # ("approximately 1,200 watts"), the sentence is retold without that step.
    for front, plain in ((True, True), (False, True), (True, False), (False, False)):
        told = _retold(sentence, front, plain)
        if told == [sentence]:
            return told
        if _same_facts(sentence, told, figures) and (
            traced is None or all(traced(s) for s in told)
        ):
            return told
    return [sentence]


def _retold(sentence: str, front: bool, plain: bool) -> list[str]:
    said = _spoken_opening(sentence, plain)
    if len(sentence.split()) < MIN_WORDS:
        return [said]
    told: list[str] = []
    for n, part in enumerate(_opening_aside(said)):
        clauses = _clauses(part, len(sentence.split()) > LONG_SENTENCE)
        if n == 0 and front:
            clauses = [_fronted_to_end(clauses[0]), *clauses[1:]]
        told.extend(_says(capitalize(c)) for c in clauses)
    return told


def _opening_aside(sentence: str) -> list[str]:
    """A subject's aside said first, as a sentence of its own: "DGX B300, the newer
    Blackwell Ultra system, is listed at 14.5 kW." → "DGX B300 is the newer Blackwell
    Ultra system. It's listed at 14.5 kW."; "Data centres, which consumed 1,238 GWh in
    2015, saw …" → "Data centres consumed 1,238 GWh in 2015. They saw …"."""
    m = SUBJECT_ASIDE.match(sentence)
    if m is None:
        return [sentence]
    who, aside, rest = m.group("who"), m.group("aside"), m.group("rest")
    first = rest.split(" ", 1)[0]
    if (
        " and " in who
        or who.split(" ", 1)[0].lower() in NOT_SUBJECTS
        or CONNECTIVE.match(sentence)
        or PRONOUN_SUBJECT.match(who)
        or not _verb_like(first)
    ):
        return [sentence]
    plural = _plural(who)
    if aside.startswith("which "):
        if NEGATION.search(aside):
            return [sentence]
        said = f"{who} {aside[len('which ') :]}."
    else:
        said = f"{who} {'are' if plural else 'is'} {aside}."
    pronoun = "They" if plural else "It"
    rest = contract(f"{pronoun} {rest}")
    return [said, rest]


def _verb_like(word: str) -> bool:
    """A guess at whether `word` opens a predicate: an auxiliary, a common irregular past,
    or a word with a verb's ending ("cleared", "draws")."""
    return (
        word in AUXILIARIES
        or word in IRREGULAR_PAST
        or (
            word.isalpha()
            and word.islower()
            and word not in NOT_VERBS
            and word.endswith(("ed", "s"))
            and not word.endswith(("ss", "us", "is"))
        )
    )


def _spoken_opening(sentence: str, plain: bool = True) -> str:
    """A written connective said as a host would, and an attribution framing the
    sentence instead of trailing it."""
    m = CONNECTIVE.match(sentence)
    if m:
        spoken = CONNECTIVES[m.group(1).lower()]
        rest = sentence[m.end() :]
        rest = rest if _keeps_capital(rest) else rest[:1].lower() + rest[1:]
        sentence = SPOKEN_OPENING.get(spoken, f"{spoken}, ") + rest
    m = ACCORDING_BEFORE.match(sentence)
    if m and len(m.group(1).split()) <= 8:
        source, body = m.group(1), sentence[m.end() :]
        body = body if _keeps_capital(body) else body[:1].lower() + body[1:]
        sentence = f"{capitalize(source)} {'say' if _plural(source) else 'says'} {body}"
    if plain:
        sentence = PLAIN.sub(lambda m: _plain(m.group(0)), sentence)
    sentence = _says(sentence)
    m = ACCORDING.search(sentence)
    if m and not NUMBER.search(m.group(1)) and not ATTRIBUTION_VERB.search(sentence[: m.start()]):
        source, body = m.group(1).strip(), sentence[: m.start()]
        first = body.split(" ", 1)[0]
        if first.lower() in SENTENCE_OPENERS and not PRONOUN_SUBJECT.match(body):
            body = body[:1].lower() + body[1:]
            sentence = f"{capitalize(source)} says {body}{m.group(2)}"
    return sentence


def _says(sentence: str) -> str:
    """ "The utility said it expects …" → "The utility says it expects …"."""
    m = SAID.match(sentence)
    return f"{m.group('who')} says {sentence[m.end() :]}" if m else sentence


def _plain(written: str) -> str:
    said = PLAIN_WORDS[written.lower()]
    return capitalize(said) if written[:1].isupper() else said


def _keeps_capital(text: str) -> bool:
    first = text.split(" ", 1)[0]
    return first.lower() not in SENTENCE_OPENERS or first.isupper() or first == "I"


def _clauses(sentence: str, long: bool) -> list[str]:
    """The sentence cut before each tail that comments on what came before it, each tail
    restated as a sentence of its own (and a clause after it, "and …", too); a closing
    aside that states no figure is left out where the sentence was `long`."""
    end = sentence[-1] if sentence[-1] in ".!?" else "."
    body = sentence[:-1] if sentence[-1] in ".!?" else sentence
    parts = body.split(", ")
    clauses = [parts[0]]
    main = True  # the last clause is a main clause a tail may comment on
    cut = False  # the last clause is a tail said on its own: a clause after it is too
    k = 1
    while k < len(parts):
        part = parts[k]
        if cut and NEW_CLAUSE.match(part):
            clauses.append(capitalize(part))
            main, cut, k = True, False, k + 1
            continue
        if long and len(clauses) == 1 and _aside(", ".join(parts[k:])):
            break
        # The tail runs to the next clause ("and PJM's forecast …") or the end.
        stop = next((j for j in range(k + 1, len(parts)) if NEW_CLAUSE.match(parts[j])), len(parts))
        if stop - k > 1:
            stop = len(parts)  # "servers, GPUs, and the buildings": a list's last item
        told = _tail(", ".join(parts[k:stop]), clauses[-1], stop == k + 1) if main else None
        if told is None:
            clauses[-1] += ", " + part
            main = main or bool(NEW_CLAUSE.match(part))
            cut, k = False, k + 1
        else:
            clauses.append(told)
            main, cut, k = False, True, stop
    return [c.rstrip(",;: ") + end if c[-1:] not in ".!?" else c for c in clauses]


def _aside(part: str) -> bool:
    """A closing phrase that adds colour, not a figure: "…, including Frankfurt and
    Paris", "…, continuing a trend of rising bills"."""
    return bool(ASIDE.match(part)) and not NUMBER.search(part) and not NEGATION.search(part)


def unaside(text: str, figures: Sequence[str] = ()) -> str:
    """An article sentence without the asides between dashes that state no figure (no
    digit, none of `figures`' written texts): "Alphabet—Google's parent—stands out" →
    "Alphabet stands out". Asides with a negation or a quotation stay. (Asides in brackets
    are `spoken.unparenthesize`'s.)"""

    def kept(m: re.Match[str]) -> str:
        aside = m.group(1)
        if (
            NUMBER.search(aside)
            or NEGATION.search(aside)
            or QUOTES.search(aside)
            or any(f in aside for f in figures)
        ):
            return m.group(0)
        return " "

    return DASHED.sub(kept, text)


def _tail(part: str, before: str, single: bool) -> str | None:
    """`part` (what follows a comma, up to the next clause or the end) as a sentence of
    its own, or None where it is no tail: the clause before it must stand alone, and a
    tail that restates a figure ("That's …") must be one phrase (`single`: no comma in
    it), or it may be an apposition in the middle of a clause."""
    if (
        len(before.split()) < MIN_CLAUSE
        or OPEN_END.search(before)
        or len(part.split()) < 3
        or ATTRIBUTION_VERB.search(part)
    ):
        return None
    figure = bool(NUMBER.search(before) or NUMBER.search(part))
    if WHILE.match(part) and not NEGATION.search(part):
        return f"Meanwhile, {part[len('while ') :]}"
    m = CAUSE.match(part)
    if m and figure:
        adverb = f"{m.group('adverb')} " if m.group("adverb") else ""
        verb = CAUSES[m.group("verb")]
        if _past(before):
            verb = CAUSED.get(verb, verb)
        return f"That {adverb}{verb}{part[m.end() :]}"
    m = MOVE.match(part)
    if m and figure:
        return f"That's {MOVES[m.group('verb')]} {part[m.end() :]}"
    m = WITH.match(part)
    if (
        m
        and m.group("verb") not in NOT_PARTICIPLES
        and figure
        and m.group("who").split()[-1].lower() not in NOT_VERBS
    ):
        who, verb, rest = m.group("who").strip(), m.group("verb"), m.group("rest")
        plural = _plural(who)
        if re.search(r"\b(?:has|have) been\b", before):
            verb = f"{'have' if plural else 'has'} been {verb}"
        elif _past(before):
            if verb not in WAS_DOING or ", " in rest:
                return None
            verb = WAS_DOING[verb]
        else:
            verb = f"{'are' if plural else 'is'} {verb}"
        return f"{capitalize(who)} {verb}{rest}"
    if not single:
        return None
    m = UP_FROM_YEAR.match(part)
    if m and NUMBER.search(before):
        return f"Back in {m.group('year')} it was {m.group('value')}"
    m = WHICH.match(part)
    if m and NUMBER.search(part):
        verb = m.group("verb").lower()
        if verb in CLAUSE_VERBS:
            opener = "That"
        elif verb in PLURAL_VERBS or (_plural(before) and verb not in ("is", "was", "has")):
            opener = "They"
        else:
            opener = "It"
        return contract(f"{opener} {part[m.start('verb') :]}")
    for pattern, opening, drop in TAILS:
        if pattern.match(part) is None:
            continue
        if not figure:
            return None  # the tail restates a figure, or points back to one
        now, _, then = opening.partition("|")  # said of the past: "That was driven by …"
        opening = then if then and _past(before) else now
        return f"{opening} {part.split(' ', drop)[-1] if drop else part}"
    return None


def _participle(word: str) -> bool:
    """ "meaning", "showing": a clause of its own, not a subject ("cooling", "spending")."""
    return word.endswith("ing") and word not in NOT_PARTICIPLES


def _past(clause: str) -> bool:
    """A guess: the clause has a verb in the past tense and none in the present."""
    return bool(PAST.search(clause)) and not PRESENT.search(clause)


def _plural(noun_phrase: str) -> bool:
    """A guess from the last word: "data centres" and "hyperscalers" are plural, "Meta",
    "AWS" and "the majority" are not."""
    last = noun_phrase.split()[-1]
    return last[:1].islower() and last.endswith("s") and not last.endswith(("ss", "'s", "’s"))


def _fronted_to_end(clause: str) -> str:
    """ "In 2023, data centres used 21% of the electricity." → "Data centres used 21% of
    the electricity in 2023." Only a short adverbial before a clause that opens on a noun
    (not a pronoun a listener would have to resolve) and is short enough to hold it."""
    m = FRONTED.match(clause)
    if m is None or NOT_MOVED.match(clause):
        return clause
    fronted, rest = m.group(1), clause[m.end() :]
    if (
        len(fronted.split()) > MAX_FRONTED
        or len(rest.split()) > MAX_MOVED_CLAUSE
        or len(rest.split()) < MIN_CLAUSE
        or PRONOUN_SUBJECT.match(rest)
        or FINITE.search(fronted)
        or _participle(rest.split(" ", 1)[0].lower())
        or re.search(r", |[;:—–]|\bthat\b|\bwhich\b|\bwho\b", rest)
        or rest[-1:] not in ".!?"
    ):
        return clause
    return capitalize(f"{rest[:-1]} {fronted[:1].lower()}{fronted[1:]}{rest[-1]}")


def _same_facts(sentence: str, told: list[str], figures: Sequence[str]) -> bool:
    """Every number as written, every figure the sentence states and every negation,
    kept."""
    text = " ".join(told)
    return (
        sorted(_numbers(sentence)) == sorted(_numbers(text))
        and len(NEGATION.findall(sentence)) == len(NEGATION.findall(text))
        and all(f in text for f in figures if f in sentence)
    )


def _numbers(text: str) -> list[str]:
    return [m.group(0).strip(".,;:!?") for m in NUMBER.finditer(text)]
