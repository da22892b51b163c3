"""Quality checks every script should pass; tests and bench/script_quality use them.

Each check returns problems as sentences an editor can act on; an empty list
means the script passes.

The measures of issue 13 ("scripts worth listening to") follow the checks: pure
functions over a `Script` (and its `Article`) that return line ids, counts or
ratios, so that a writer can be scored and a bench can total them:
`copied_lines`, `stock_sentences`, `repeated_sentences(min_words=4)`,
`turn_lengths`/`median_turn`, `unanswered_questions`, `dangling_pronouns` and
`length_ratio`. Their targets are the constants under "Targets".
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from pipeline.figures.audit import audit, untraced
from pipeline.figures.models import Ledger
from pipeline.models import WORDS_PER_MINUTE, Article, Line, Script

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

MAX_LINE_WORDS = 80
SHARE_RANGE = (0.35, 0.65)
INTERJECTIONS = frozenset(
    "wow right huh hmm okay ok sure exactly really yes yeah no oh ah wait whoa absolutely "
    "totally indeed true seriously".split()
)


def line_lengths(script: Script) -> list[str]:
    problems = []
    for line in script.lines:
        if line.words > MAX_LINE_WORDS:
            problems.append(f"{line.id} has {line.words} words; the most is {MAX_LINE_WORDS}")
        if line.words < 2 and not _is_interjection(line.text):
            problems.append(f"{line.id} is one word ({line.text!r}) and not an interjection")
    return problems


def _is_interjection(text: str) -> bool:
    words = re.findall(r"[a-z]+", text.lower())
    return bool(words) and all(w in INTERJECTIONS for w in words)


def speaker_shares(script: Script) -> dict[str, float]:
    words: Counter[str] = Counter()
    for line in script.lines:
        words[line.speaker] += line.words
    total = sum(words.values()) or 1
    return {host: words[host] / total for host in script.hosts}


def balance(script: Script) -> list[str]:
    low, high = SHARE_RANGE
    return [
        f"{host} speaks {share:.0%} of the words; keep each host between {low:.0%} and {high:.0%}"
        for host, share in speaker_shares(script).items()
        if not low <= share <= high
    ]


def coverage(script: Script, article: Article) -> list[str]:
    """Every section with prose is drawn on by at least one line."""
    cited = {p for line in script.lines for p in line.paragraphs}
    return [
        f"section {section.heading!r} is not covered"
        for section in article.sections
        if section.paragraphs and not cited & {p.id for p in section.paragraphs}
    ]


SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def sentence_keys(text: str, min_words: int = 3) -> list[str]:
    """The sentences of `text` as the repeated-sentence check compares them: lower case,
    punctuation dropped, `min_words` words or more (shorter ones are interjections and
    asides)."""
    keys = (re.sub(r"\W+", " ", s.lower()).strip() for s in SENTENCE_END.split(text))
    return [k for k in keys if len(k.split()) >= min_words]


def repeated_sentences(script: Script, min_words: int = 3) -> list[str]:
    """No sentence said twice in one episode (template phrasing included). Issue 13's target
    counts sentences of four words or more: `repeated_sentences(script, min_words=4)`."""
    seen: Counter[str] = Counter(
        k for line in script.lines for k in sentence_keys(line.text, min_words)
    )
    return [f"said {n} times: {sentence!r}" for sentence, n in seen.items() if n > 1]


def traced(script: Script, ledger: Ledger) -> list[str]:
    return [
        f"{f.line_id}: {f.text!r} is not a figure in the ledger"
        for f in untraced(audit(script.lines, ledger))
    ]


def check(script: Script, article: Article, ledger: Ledger) -> list[str]:
    """All the checks above, in one list."""
    return [
        *line_lengths(script),
        *balance(script),
        *coverage(script, article),
        *repeated_sentences(script),
        *traced(script, ledger),
    ]


# Issue 13: measures of a script worth listening to. Each returns line ids, counts or a
# ratio; the targets are the constants below.

# Targets
MAX_COPIED_SHARE = 0.15  # of all lines, over a corpus
STOCK_SCRIPTS = 3  # a sentence said by this many scripts (of any set) is stock phrasing
REPEAT_MIN_WORDS = 4  # no sentence this long said twice in an episode
MIN_LEAD_MEDIAN_TURN = 18  # words
LENGTH_TOLERANCE = 0.15  # of the target length

COPIED_SHARE = 0.6  # of a line's word 4-grams found in the article
GRAM = 4
QUESTION_MIN_WORDS = 4
ANSWER_MIN_WORDS = 8
STEM = 5  # letters compared when two words are "the same word"

_WORD = re.compile(r"[a-z0-9]+")


def words_of(text: str) -> list[str]:
    """Lower-cased words, punctuation dropped ("$53B," → "53b"; "it's" → "it", "s")."""
    return _WORD.findall(text.lower())


def article_text(article: Article) -> str:
    """Everything a listener could have read: title, headings and every paragraph (a table's
    text holds its rows, a list's its items)."""
    parts = [article.title]
    for section in article.sections:
        parts.append(section.heading)
        parts.extend(p.text for p in section.paragraphs)
    return "\n".join(parts)


def _grams(words: Sequence[str], n: int = GRAM) -> list[tuple[str, ...]]:
    return [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]


def _copied(text: str, source_grams: set[tuple[str, ...]]) -> bool:
    grams = _grams(words_of(text))
    return bool(grams) and sum(g in source_grams for g in grams) >= COPIED_SHARE * len(grams)


def copied_lines(script: Script, article: Article) -> list[str]:
    """Ids of the lines read off the article: a line is copied when at least 60% of its word
    4-grams (`words_of`: lower case, punctuation dropped) occur in the article's text (title,
    headings and all paragraphs, `article_text`). A line under four words has no 4-grams and
    is not copied. Numbers are words here, so a sentence whose figures were respoken
    ("$53B" → "$53 billion") loses the 4-grams around them."""
    source = set(_grams(words_of(article_text(article))))
    return [line.id for line in script.lines if _copied(line.text, source)]


def stock_sentences(
    scripts: Sequence[Script], article_texts: Sequence[str] | None = None
) -> dict[str, int]:
    """Stock phrasing: sentence key (`sentence_keys`, four words or more) → the number of
    scripts that say it, for the sentences said by three scripts or more, most said first.
    Target: none ("no stock sentence shared by three or more of any four scripts").

    A script counts a sentence once however often it says it (that is `repeated_sentences`).
    With `article_texts` (one per script, `article_text`), a sentence that occurs in the
    script's own article is quoted text, not stock phrasing, and is not counted for that
    script; "occurs" is the `copied_lines` rule applied to the sentence (60% of its
    4-grams), so a quote whose "it is" became "it's" still counts as the article's."""
    if article_texts is not None and len(article_texts) != len(scripts):
        raise ValueError(f"{len(scripts)} scripts but {len(article_texts)} article texts")
    counts: Counter[str] = Counter()
    for i, written in enumerate(scripts):
        keys = {k for line in written.lines for k in sentence_keys(line.text, REPEAT_MIN_WORDS)}
        if article_texts is not None:
            source = set(_grams(words_of(article_texts[i])))
            keys = {k for k in keys if not _copied(k, source)}
        counts.update(keys)
    return {k: n for k, n in counts.most_common() if n >= STOCK_SCRIPTS}


def stock_lines(script: Script, stock: Iterable[str]) -> list[str]:
    """Ids of the lines that say at least one of the `stock` sentence keys."""
    stock = set(stock)
    return [
        line.id
        for line in script.lines
        if stock.intersection(sentence_keys(line.text, REPEAT_MIN_WORDS))
    ]


def turn_lengths(script: Script) -> dict[str, list[int]]:
    """Per host, the length in words of each of their turns, in order: a turn is a maximal
    run of consecutive lines by one speaker (segment boundaries do not end it)."""
    turns: dict[str, list[int]] = {host: [] for host in script.hosts}
    previous = None
    for line in script.lines:
        if line.speaker == previous:
            turns[line.speaker][-1] += line.words
        else:
            turns.setdefault(line.speaker, []).append(line.words)
        previous = line.speaker
    return turns


def median_turn(script: Script) -> dict[str, float]:
    """Per host, the median length of their turns in words (0 for a host who never speaks).
    Target: the lead (`script.hosts[0]`) at least 18 words, someone explaining rather than
    trading one-liners."""
    return {
        host: float(statistics.median(lengths)) if lengths else 0.0
        for host, lengths in turn_lengths(script).items()
    }


STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren as at be because
    been before being below between both but by can could did do does doing don down during
    each even ever every few for from further get gets got had has have having he her here
    hers herself him himself his how i if in into is isn it its itself just let ll me might
    more most much must my myself no nor not now of off on once only or other our ours out
    over own re really s same she should so some still such t than that the their theirs them
    themselves then there these they thing things this those through to too under until up
    us ve very was wasn we were what when where which while who whom why will with won would
    you your yours yourself okay ok right well oh so yes yeah say said says tell know mean
    means think go goes going one ones way""".split()
)


def _content_stems(text: str) -> set[str]:
    return {w[:STEM] for w in words_of(text) if w not in STOPWORDS}


def _last_sentence(text: str) -> str:
    sentences = [s for s in SENTENCE_END.split(text.strip()) if s.strip()]
    return sentences[-1].strip() if sentences else ""


def _is_question(line: Line, min_words: int = 1) -> bool:
    last = _last_sentence(line.text).rstrip("\"'”’)")
    return last.endswith("?") and len(last.split()) >= min_words


def unanswered_questions(script: Script) -> list[str]:
    """Ids of the co-host's questions that the next line does not answer. Target: none.

    A question is a line of the co-host (`script.hosts[1]`) whose last sentence ends in "?"
    and has four words or more ("Really?" is a reaction, not a question). It counts as
    answered when the next line is the other host's, is not itself a question (its last
    sentence does not end in "?"), has eight words or more, and shares at least one content
    word with the question line: words outside `STOPWORDS` (numbers count), compared by their
    first five letters, so "cooling"/"cooled" and "racks"/"rack" match.

    This is a proxy, not understanding: a reply that shares a word yet dodges the question
    passes, and an answer in other words ("What does it cost?" → "About $2 million a hall.")
    fails. It catches the common failure of a writer that asks a stock question and carries
    on with whatever sentence comes next."""
    if len(script.hosts) < 2:
        return []
    lead, cohost = script.hosts[0], script.hosts[1]
    missed = []
    for i, line in enumerate(script.lines):
        if line.speaker != cohost or not _is_question(line, QUESTION_MIN_WORDS):
            continue
        reply = script.lines[i + 1] if i + 1 < len(script.lines) else None
        answered = (
            reply is not None
            and reply.speaker == lead
            and not _is_question(reply)
            and reply.words >= ANSWER_MIN_WORDS
            and bool(_content_stems(line.text) & _content_stems(reply.text))
        )
        if not answered:
            missed.append(line.id)
    return missed


def questions_asked(script: Script) -> list[str]:
    """Ids of the co-host's questions, as `unanswered_questions` counts them."""
    if len(script.hosts) < 2:
        return []
    return [
        line.id
        for line in script.lines
        if line.speaker == script.hosts[1] and _is_question(line, QUESTION_MIN_WORDS)
    ]


PRONOUNS = frozenset("it they this that these those its their he she them".split())
DEMONSTRATIVES = frozenset("this that these those".split())
# A connective before the pronoun still leaves it opening the sentence ("And it doubled").
_CONNECTIVES = frozenset("and but so yet because then".split())
_OPENING = re.compile(r"[A-Za-z]+")
# Tags (Penn Treebank, as en_core_web_sm writes them) that start a noun phrase after a
# determiner: "that rack", "this 40% share", "these new racks".
_NOUN_PHRASE = ("NN", "JJ", "CD", "PRP$", "$")


def _pronoun_opening(sentence: str) -> bool:
    words = _OPENING.findall(sentence[:40].lower())
    if words and words[0] in _CONNECTIVES:
        words = words[1:]
    return bool(words) and words[0] in PRONOUNS


def dangling_pronouns(script: Script) -> list[str]:
    """Ids of lines with a sentence that opens on a pronoun a listener cannot resolve.
    Target: none.

    A sentence opens with a pronoun subject when its first word (after an optional "and",
    "but", "so", "yet", "because" or "then") is one of `PRONOUNS`; for "this", "that",
    "these" and "those" only when the next word does not start a noun phrase (a noun,
    adjective, number or possessive: "That rack" is a determiner, "That is" and "That's"
    a pronoun). It dangles when no noun (nor number: a figure just said)
    could be its antecedent: none in the line's earlier sentences nor in the two lines
    before it in the same segment (a segment's first line has no lines before it).

    Word classes come from spaCy's small English tagger (`pipeline.figures.parsing.nlp`,
    already loaded by the figure extractor): a word list cannot tell "that" the pronoun
    from "that" the determiner, nor find nouns among unknown words. Only the lines that
    have a candidate sentence, and the two lines before each, are parsed, in one batch.
    The heuristic is generous to the writer (any noun at all is taken as an antecedent)
    and strict at segment starts: "That wraps up our tour" opening a segment is flagged."""
    return list(dangling_pronoun_words(script))


def dangling_pronoun_words(script: Script) -> dict[str, str]:
    """`dangling_pronouns` with the pronoun each line opens on: line id → "it", "that" …
    (the first dangling one in the line)."""
    lines = script.lines
    candidates = [
        i
        for i, line in enumerate(lines)
        if any(_pronoun_opening(s) for s in SENTENCE_END.split(line.text))
    ]
    if not candidates:
        return {}
    needed = sorted({j for i in candidates for j in range(max(0, i - 2), i + 1)})
    from pipeline.figures.parsing import nlp

    docs = dict(
        zip(needed, nlp().pipe((lines[j].text for j in needed), batch_size=64), strict=True)
    )
    dangling: dict[str, str] = {}
    for i in candidates:
        earlier = any(
            _antecedent(tok)
            for j in range(max(0, i - 2), i)
            if lines[j].segment == lines[i].segment
            for tok in docs[j]
        )
        for sent in _sentences(docs[i]):
            pronoun = _opening_pronoun(sent)
            if pronoun and not earlier:
                dangling[lines[i].id] = pronoun
                break
            earlier = earlier or any(_antecedent(tok) for tok in sent)
    return dangling


def _sentences(doc: Doc) -> Iterator[list[Token]]:
    """The line's sentences as `SENTENCE_END` splits them (the parser's own sentence splits
    wander on spoken text), as token lists."""
    sentence: list[Token] = []
    for tok in doc:
        sentence.append(tok)
        if tok.text in {".", "!", "?"} and (tok.i + 1 == len(doc) or tok.whitespace_):
            yield sentence
            sentence = []
    if sentence:
        yield sentence


def _antecedent(token: Token) -> bool:
    """A noun, or a number ("€7.9 billion. That's the sum …": a figure just said is what
    "that" points back to)."""
    return token.tag_.startswith("NN") or token.tag_ == "CD"


def _opening_pronoun(tokens: list[Token]) -> str:
    """The pronoun subject the sentence opens on, lower case, or ""."""
    words = [t for t in tokens if not t.is_punct]
    if words and words[0].lower_ in _CONNECTIVES:
        words = words[1:]
    if not words or words[0].lower_ not in PRONOUNS:
        return ""
    determiner = len(words) > 1 and words[1].tag_.startswith(_NOUN_PHRASE)
    if words[0].lower_ in DEMONSTRATIVES and determiner:
        return ""  # "that rack", "these 40 racks"
    return words[0].lower_


def length_ratio(script: Script) -> float:
    """Script words / (target minutes × `WORDS_PER_MINUTE`): 1.0 is on target. Target: within
    ±15% when the article has the material (the writer says in `notes` when it ran short)."""
    if script.target_minutes <= 0:
        raise ValueError(f"script {script.title!r} has no target length")
    return script.words / (script.target_minutes * WORDS_PER_MINUTE)
