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

from pipeline.script.retell_patterns import (
    ACCORDING,
    ACCORDING_BEFORE,
    ASIDE,
    ATTRIBUTION_VERB,
    AUXILIARIES,
    CAUSE,
    CAUSED,
    CAUSES,
    CLAUSE_VERBS,
    CONNECTIVE,
    CONNECTIVES,
    DASHED,
    FINITE,
    FRONTED,
    IRREGULAR_PAST,
    LONG_SENTENCE,
    MAX_FRONTED,
    MAX_MOVED_CLAUSE,
    MIN_CLAUSE,
    MIN_WORDS,
    MOVE,
    MOVES,
    NEGATION,
    NEW_CLAUSE,
    NOT_MOVED,
    NOT_PARTICIPLES,
    NOT_SUBJECTS,
    NOT_VERBS,
    NUMBER,
    OPEN_END,
    PAST,
    PLAIN,
    PLAIN_WORDS,
    PLURAL_VERBS,
    PRESENT,
    PRONOUN_SUBJECT,
    QUOTES,
    SAID,
    SENTENCE_OPENERS,
    SPOKEN_OPENING,
    SUBJECT_ASIDE,
    TAILS,
    UP_FROM_YEAR,
    WAS_DOING,
    WHICH,
    WHILE,
    WITH,
)
from pipeline.script.spoken import capitalize, contract


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
