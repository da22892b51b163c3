"""The word lists and patterns `retell` reads a sentence with: which connectives,
prepositions, verbs and attributions it knows, and the shapes of the clauses it moves.

A declarative table: the rules that use them, and why, are in `pipeline.script.retell`.
"""

from __future__ import annotations

import re

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
