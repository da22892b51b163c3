"""Sentences of a paragraph, as character spans: split where a sentence ends, not at
an abbreviation ("U.S.", "Inc."), and, for a list or table, by line."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.figures.number_patterns import FUNCTION_WORDS

ABBREVIATIONS = frozenset(
    {
        "u.s",
        "e.g",
        "i.e",
        "etc",
        "vs",
        "approx",
        "inc",
        "corp",
        "ltd",
        "co",
        "no",
        "fig",
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "est",
        "al",
        "u.k",
        "p",
        "pp",
    }
)


# Abbreviations that may end a sentence: a letter ("Amazon Q."), "U.S.", "Inc.".
ENDS_A_SENTENCE = frozenset({"u.s", "u.k", "inc", "corp", "ltd", "co", "etc"}) | frozenset(
    "abcdefghijklmnopqrstuvwxyz"
)


SENTENCE_OPENERS = FUNCTION_WORDS - {"i"}


OPENING_WORD = re.compile(r"[\"“(\[]?([A-Za-z]+)\b(?!\.)")


SENTENCE_END = re.compile(r"[.!?][\"”’)\]]*\s+(?=[\"“(\[]?[A-Z0-9$€£])")


def sentences(text: str, by_line: bool = False) -> list[tuple[int, int]]:
    """(start, end) of each sentence; "U.S.", "e.g.", initials and decimals do not end one,
    unless a word that opens sentences follows ("… in the U.S. The …", "… Amazon Q. Then …")."""
    spans: list[tuple[int, int]] = []
    for line_start, line_end in _lines(text) if by_line else [(0, len(text))]:
        start = line_start
        for m in SENTENCE_END.finditer(text, line_start, line_end):
            word = text[max(line_start, m.start() - 6) : m.start()].split()
            token = word[-1].lower().lstrip('("“') if word else ""
            if (token in ABBREVIATIONS or (len(token) == 1 and token.isalpha())) and not (
                token in ENDS_A_SENTENCE and _opens_a_sentence(text, m.end())
            ):
                continue  # "U.S. operators", "J. Smith", "e.g. Equinix"
            if token.isdigit() and _opens_line(text, m.start() - len(token)):
                continue  # a "1. " that numbers a list
            spans.append((start, m.start() + 1))
            start = m.end()
        if text[start:line_end].strip():
            spans.append((start, line_end))
    return spans


def _opens_a_sentence(text: str, at: int) -> bool:
    """Whether the word at `at` is one that opens sentences ("The", "Then", "In"), not a
    name after an initial ("J. Smith") nor another initial ("J. A. Smith")."""
    word = OPENING_WORD.match(text, at)
    return word is not None and word.group(1).lower() in SENTENCE_OPENERS


def _opens_line(text: str, at: int) -> bool:
    return not text[text.rfind("\n", 0, at) + 1 : at].strip()


def _lines(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for line in text.split("\n"):
        yield start, start + len(line)
        start += len(line) + 1
