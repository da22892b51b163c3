"""Text rewritten to be said aloud: short sentences, contractions, nothing to see.

`sentences_of` is the entry point: Markdown, URLs and parentheses go,
symbols are said in words ("~$80B" → "about $80B", "$80B+" → "$80B or more",
"flat/up" → "flat or up"), attributions go ("…, CNBC reports." → "…."), common
phrases contract ("it is" → "it's"), and long sentences split at "; ", " — "
and ", and". `Abbreviations` expands abbreviations on their first use in an
episode ("graphics processing units, or GPUs,"). `formula_in_words` says a
ledger formula ("÷" → "divided by", "=" → "comes to").

Numbers and units are never touched: the audit traces them back to the
ledger as written, and the audio stage decides how to say them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from pipeline.figures.sentences import sentences

LONG_SENTENCE = 18  # words; longer sentences are split where both halves stand alone
MIN_HALF = 6  # words each half of a split keeps, so neither is a fragment
SEPARATORS = ("; ", " — ", " – ", ", and ")

# Expanded on first use. Left out on purpose: AI, IT and US (every listener knows
# them, and "IT" would read as the pronoun), units (the audio stage says them) and
# product names.
LEXICON = {
    "PUE": "power usage effectiveness",
    "WUE": "water usage effectiveness",
    "GPU": "graphics processing unit",
    "CPU": "central processing unit",
    "TPU": "tensor processing unit",
    "CDU": "coolant distribution unit",
    "UPS": "uninterruptible power supply",
    "HBM": "high-bandwidth memory",
    "PPA": "power purchase agreement",
    "SMR": "small modular reactor",
    "LLM": "large language model",
    "TCO": "total cost of ownership",
    "HPC": "high-performance computing",
}

CONTRACTIONS = {
    "it is": "it's",
    "that is": "that's",
    "there is": "there's",
    "here is": "here's",
    "what is": "what's",
    "who is": "who's",
    "they are": "they're",
    "we are": "we're",
    "you are": "you're",
    "let us": "let's",
    "do not": "don't",
    "does not": "doesn't",
    "did not": "didn't",
    "is not": "isn't",
    "are not": "aren't",
    "was not": "wasn't",
    "were not": "weren't",
    "cannot": "can't",
    "can not": "can't",
    "will not": "won't",
    "would not": "wouldn't",
    "could not": "couldn't",
    "should not": "shouldn't",
    "has not": "hasn't",
    "have not": "haven't",
    "had not": "hadn't",
}
# A phrase contracts only when a word follows: "what it is." must stay as it is.
CONTRACTION = re.compile(
    r"\b(" + "|".join(sorted(CONTRACTIONS, key=len, reverse=True)) + r")\b(?=\s+[\w$€£])",
    re.IGNORECASE,
)

SCALES = {"B": "billion", "M": "million", "T": "trillion"}  # short money scales in formulas
OPERATORS = (
    (" ÷ ", " divided by "),
    (" × ", " times "),
    (" + ", " plus "),
    (" − ", " minus "),
    (" = ", " comes to "),
)

IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
URL = re.compile(r"\b(?:https?://|www\.)\S+?(?=[.,;:!?)]?(?:\s|$))")
EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1|(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)")
LINE_MARKS = re.compile(r"(?m)^\s*(?:#{1,6}\s+|>\s?|[-*+]\s+|\d{1,3}[.)]\s+)")
TAG = re.compile(r"<[^>]+>")
FOOTNOTE = re.compile(r"\[\d{1,3}\]|\^\d+")
PARENTHETICAL = re.compile(r"(?<!/)\s*\(([^()]*)\)")  # not a unit's "kJ/(m³·K)"
ACRONYM = re.compile(r"[A-Z][A-Za-z0-9&-]*[A-Z0-9]s?")
# Asides nobody says aloud: enumerators "(1)", "(b)" and pointers "(see Figure 3)".
UNSAID = re.compile(r"\d{1,2}|[a-z]|[ivx]+|(?i:(?:see|source|sources|via|cf|fig|figure|table)\b.*)")
# Symbols a listener cannot hear. A "/" between two words is "or" ("flat/up"); one after
# a unit or a number is a rate ("kW/rack", "24/7") and stays for the audio stage.
ABOUT = re.compile(r"(?:~|≈)\s*(?=[$€£\d])")
ROUGHLY = re.compile(r"(?:~|≈)\s*(?=[A-Za-z])")
OR_MORE = re.compile(r"(?<=[\dA-Za-z%])\+(?=[\s,.;:!?)]|$)")
WORD_OR_WORD = re.compile(r"(?<![\w/])([a-z][a-z-]+)/([a-z][a-z-]+)(?![\w/])")
AND_OR = re.compile(r"\band/or\b")
AMPERSAND = re.compile(r"(?<=\s)&(?=\s)")
ARROW = re.compile(r"\s*(?:→|->)\s*")
SPACED_SLASH = re.compile(r"(?<=\w)\s+/\s+(?=[A-Za-z])")  # "kW / rack" is a rate
# A label before a colon: "Total rack power: about 10.2 kW" → "Total rack power is about
# 10.2 kW"; "Key insight: A DGX …" → "A DGX …".
LABEL_VALUE = re.compile(
    r"^([A-Z][A-Za-z’'-]*(?:\s+[A-Za-z’'&-]+){0,4}):\s+(?=(?:about|around|"
    r"roughly|nearly|up to|over|more than|under|~|[$€£\d]))"
)
LABEL_ONLY = re.compile(r"^[A-Z][A-Za-z’'-]*(?:\s+[A-Za-z’'-]+)?:\s+(?=[A-Z])")  # two words at most
# Lines nobody says aloud: where the article's data came from, photo credits.
UNSPOKEN = re.compile(r"(?i)^(?:sources?|photo|image|credits?|disclosure|source data)\s*:")
# Attributions a listener does not need ("…, CNBC reports."; "According to Reuters, …"):
# the episode cites its source once, and the article's sources are in the show notes.
SOURCE_NAME = r"(?:the\s+)?[A-Z][\w.&'’-]*(?:\s+(?:and\s+)?[A-Z][\w.&'’-]*){0,5}"
ATTRIBUTION_AFTER = re.compile(
    rf",\s*(?:(?:according\s+to|as\s+per|per)\s+{SOURCE_NAME}|(?:{SOURCE_NAME}|the\s+report|"
    r"the\s+company|analysts|the\s+firm)\s+(?:reports?|reported|says|said|adds|added|notes|"
    r"noted|writes|wrote))(?=\s*[.;!?]\s*$)"
)
ATTRIBUTION_MID = re.compile(rf",\s*(?:according\s+to|as\s+per)\s+{SOURCE_NAME},")
ATTRIBUTION_BEFORE = re.compile(rf"^(?:According\s+to|As\s+per)\s+{SOURCE_NAME}(?:\s+data)?,\s+")
REPORTS_THAT = re.compile(rf"^{SOURCE_NAME}\s+(?:reports|reported)\s+(?:that\s+)?(?=[a-z])")
DASH_ASIDE = re.compile(r"(?<=\w)[—–]([^—–]{1,60})[—–](?=\w)")
TAG_PREFIX = re.compile(r"^\s*\[[^\]]{1,24}\]\s*")
CLOSING = "\"'”’)"
STRAY = re.compile(r",\s*(?=[,.;:!?])|\s+(?=[,.;:!?])")


def plain(text: str) -> str:
    """Text without Markdown, HTML tags, footnote marks or URLs, on one line."""
    text = TAG_PREFIX.sub("", text)
    text = IMAGE.sub("", text)
    text = LINK.sub(r"\1", text)
    text = URL.sub("", text)
    text = TAG.sub("", text)
    text = FOOTNOTE.sub("", text)
    text = LINE_MARKS.sub("", text)
    text = EMPHASIS.sub(lambda m: m.group(2) or m.group(3), text)
    return tidy(text)


def in_words(text: str) -> str:
    """Symbols said in words: "~" → "about", a trailing "+" → "or more", "flat/up" →
    "flat or up", " & " → " and ", "→" → " to ". Numbers and units stay as written."""
    text = ABOUT.sub("about ", text)
    text = ROUGHLY.sub("roughly ", text)
    text = OR_MORE.sub(" or more", text)
    text = AND_OR.sub("or", text)
    text = WORD_OR_WORD.sub(r"\1 or \2", text)
    text = AMPERSAND.sub("and", text)
    text = ARROW.sub(" to ", text)
    text = SPACED_SLASH.sub(" per ", text)
    return text


def unattributed(sentence: str) -> str:
    """A sentence without who said it: "Capex rose 40%, CNBC reports." → "Capex rose 40%."
    and "According to Reuters, capex rose." → "Capex rose." Asides between unspaced dashes
    become commas ("Alphabet—Google's parent—stands out")."""
    text = DASH_ASIDE.sub(r", \1, ", sentence)
    text = LABEL_VALUE.sub(r"\1 is ", text)
    text = LABEL_ONLY.sub("", text)
    text = ATTRIBUTION_AFTER.sub("", text)
    text = ATTRIBUTION_BEFORE.sub("", text)
    text = ATTRIBUTION_MID.sub(" ", text)
    text = REPORTS_THAT.sub("", text)
    return capitalize(tidy(text))


def tidy(text: str) -> str:
    """Single spaces, no space or stray comma before punctuation, no empty parentheses, no
    pictographs (a title's "🤔" is not said; "°" is)."""
    text = "".join(c for c in text if not _pictograph(c))
    text = " ".join(text.replace("()", "").split())
    return STRAY.sub("", text)


def _pictograph(c: str) -> bool:
    return c in "\u200d\ufe0f" or (unicodedata.category(c) == "So" and c != "°")


def unparenthesize(text: str) -> str:
    """Parentheses become speech: "(PUE)" → ", or PUE,"; an aside with a number becomes
    a clause between commas; an aside without one, an enumerator or a pointer ("see
    Figure 3") is dropped."""

    def spoken(m: re.Match[str]) -> str:
        inner = m.group(1).strip()
        if UNSAID.fullmatch(inner):
            return ""
        if ACRONYM.fullmatch(inner):
            return f", or {inner},"
        if any(c.isdigit() for c in inner):
            return f", {inner},"
        return ""

    return tidy(PARENTHETICAL.sub(spoken, text))


def contract(text: str) -> str:
    """ "it is" → "it's", "do not" → "don't" …, keeping a capital where there was one."""

    def short(m: re.Match[str]) -> str:
        said = CONTRACTIONS[m.group(1).lower()]
        return said[0].upper() + said[1:] if m.group(1)[0].isupper() else said

    return CONTRACTION.sub(short, text)


PAIRED_DASHES = re.compile(r" [—–] ([^—–]{1,160}?) [—–] ")


def split_long(sentence: str) -> list[str]:
    """A long sentence as shorter ones, cut at the separator nearest its middle where both
    halves have at least MIN_HALF words; short sentences come back as they are. An aside
    between two dashes is an aside (commas), not a place to cut: cut there, neither half
    would stand alone."""
    sentence = PAIRED_DASHES.sub(r", \1, ", sentence)
    words = sentence.split()
    if len(words) <= LONG_SENTENCE:
        return [sentence]
    best: tuple[int, int, str] | None = None
    for separator in SEPARATORS:
        for m in re.finditer(re.escape(separator), sentence):
            before, after = sentence[: m.start()], sentence[m.end() :]
            n_before, n_after = len(before.split()), len(after.split())
            if min(n_before, n_after) < MIN_HALF or _ends_a_list(before, separator):
                continue
            balance = abs(n_before - n_after)
            if best is None or balance < best[0]:
                best = (balance, m.start(), separator)
    if best is None:
        return [sentence]
    _, at, separator = best
    first = sentence[:at].rstrip(",;") + "."
    rest = sentence[at + len(separator) :]
    if separator == ", and ":
        rest = "and " + rest
    return [*split_long(first), *split_long(capitalize(rest))]


def _ends_a_list(before: str, separator: str) -> bool:
    """ "A, B, and C" (or "was X, was Y, and Z") is one list, not two sentences."""
    return separator == ", and " and ", " in before


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def sentences_of(text: str, by_line: bool = False) -> list[str]:
    """`text` as short spoken sentences, each ending in punctuation."""
    source = text if by_line else plain(text)
    said: list[str] = []
    for start, end in sentences(source, by_line=by_line):
        written = plain(source[start:end])
        if UNSPOKEN.match(written):
            continue
        sentence = unattributed(unparenthesize(contract(in_words(written))))
        if not sentence:
            continue
        if sentence.rstrip(CLOSING)[-1:] not in (".", "!", "?"):  # a lead-in ends in ":"
            sentence = sentence.rstrip(",;:–— ") + "."
        said.extend(split_long(capitalize(sentence)))
    return said


class Abbreviations:
    """Expands each lexicon abbreviation the first time an episode says it."""

    def __init__(self, lexicon: dict[str, str] | None = None) -> None:
        self.lexicon = LEXICON if lexicon is None else lexicon
        self.introduced: set[str] = set()
        self._pattern = _abbreviation_pattern(tuple(self.lexicon))

    def expand(self, text: str) -> str:
        """`text` with first uses expanded; later calls leave the same abbreviations alone."""
        if self._pattern is None:
            return text
        return tidy(self._pattern.sub(lambda m: self._first_use(m, text), text))

    def _first_use(self, m: re.Match[str], text: str) -> str:
        abbreviation, plural = m.group(1), m.group(2)
        if abbreviation in self.introduced:
            return m.group(0)
        self.introduced.add(abbreviation)
        long = self.lexicon[abbreviation]
        long += "" if long.endswith("s") else plural  # "effectiveness", not "…nesss"
        if long.lower() in text[: m.start()].lower():
            return m.group(0)  # the article spelled it out already
        # After a number, the abbreviation is the counted noun the audit reads: keep it first.
        if any(c.isdigit() for c in " ".join(text[: m.start()].split()[-6:])):
            return f"{m.group(0)}, or {long},"
        return f"{long}, or {m.group(0)},"

    def copy(self) -> Abbreviations:
        twin = Abbreviations(self.lexicon)
        twin.introduced = set(self.introduced)
        return twin


@cache
def _abbreviation_pattern(abbreviations: tuple[str, ...]) -> re.Pattern[str] | None:
    if not abbreviations:
        return None
    alternatives = "|".join(map(re.escape, sorted(abbreviations, key=len, reverse=True)))
    return re.compile(rf"(?<![\w-])({alternatives})(s?)(?![\w-])")


def formula_in_words(formula: str) -> str:
    """A ledger formula as it is said: "130 kW ÷ 15 kW = 8.7×" → "130 kW divided by 15 kW
    comes to 8.7 times". Hours in a year are arithmetic, not a figure: they become "running
    around the clock for a year"."""
    text = re.sub(
        r"([$€£][\d.,]+(?:–[\d.,]+)?) ([BMT])\b", lambda m: f"{m[1]} {SCALES[m[2]]}", formula
    )
    text = re.sub(
        r"\s*×\s*8,760 h × 100% load", ", running around the clock for a year at full load,", text
    )
    text = re.sub(r"\s*×\s*8,760 h\b", ", running around the clock for a year,", text)
    text = re.sub(r"\s*\(assumption: ([^)]*)\)", r", the assumed figure for \1,", text)
    text = text.replace(" (from an assumption)", ", from an assumption,")
    text = re.sub(r"\(([^()]*)\)\s*", r"\1, ", text)  # (a − b) ÷ c → a − b, ÷ c
    text = re.sub(r"([\d.,]+)×–([\d.,]+)×", r"\1 to \2 times", text)
    text = re.sub(r"(\d)×", r"\1 times", text)
    for symbol, words in OPERATORS:
        text = text.replace(symbol, words)
    return tidy(text)


def english_list(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(items) <= 2:
        return " and ".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
