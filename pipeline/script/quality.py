"""Quality checks every script should pass; tests and bench/script_quality use them.

Each check returns problems as sentences an editor can act on; an empty list
means the script passes.
"""

from __future__ import annotations

import re
from collections import Counter

from pipeline.figures.audit import audit, untraced
from pipeline.figures.models import Ledger
from pipeline.models import Article, Script

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


def sentence_keys(text: str) -> list[str]:
    """The sentences of `text` as the repeated-sentence check compares them: lower case,
    punctuation dropped, three words or more (shorter ones are interjections and asides)."""
    keys = (re.sub(r"\W+", " ", s.lower()).strip() for s in SENTENCE_END.split(text))
    return [k for k in keys if len(k.split()) >= 3]


def repeated_sentences(script: Script) -> list[str]:
    """No sentence said twice in one episode (template phrasing included)."""
    seen: Counter[str] = Counter(k for line in script.lines for k in sentence_keys(line.text))
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
