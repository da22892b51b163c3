"""The spoken form of a script line: every number, unit and term as words.

`spoken` is the entry point. Numbers are found by `figures.numbers.find_mentions`,
the same reader the audit uses. Each mention is said from its own written
value: its digits, both ends of a range as written, in words ("130 kW" → "one
hundred thirty kilowatts", "$78.75 billion" → "seventy-eight point seven five
billion dollars", "$295-300B" → "two hundred ninety-five to three hundred
billion dollars"). Its unit is said in words, compound units included ("1.2
kJ/m³·K" → "one point two kilojoules per cubic metre kelvin"); a trailing "+"
is said "more than"; other qualifiers and counted nouns are left as written
("about", "exceeds", "GPUs"). Years are said as years ("2025" → "twenty
twenty-five"). A power or energy figure before the noun it modifies is said as
an adjective, its unit singular: "a 130 kW rack" → "a one hundred thirty
kilowatt rack", as "a 130-kilowatt rack" is (`_modifies_a_noun`; the words
are not hyphenated: each engine reads "thirty kilowatt" as two words anyway).

The ledger is never asked what a number is: a figure traced within rounding
may be another number (a neighbouring table cell, a rounded range end), and
what the line writes is what the listener must hear.

Everything else goes through the lexicon (`speech.lexicon`), then numbers the
audit does not count ("Tier 4", "3rd", "24/7") and symbols ("&", "+").

`words_for_comparison` reduces a text to lower-case words with numbers spelled
by the same rules: the transcription QA applies it to both the script and
what the recogniser heard, so "130" and "one hundred thirty" agree. A watt unit
after a number is compared in the plural ("a 130 kW rack" and "130 kW" both give
"one hundred thirty kilowatts"), so the adjective form is the same figure to QA
whether a recogniser writes "130-kilowatt", "130 kilowatt" or "130 kilowatts".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from num2words import num2words

from pipeline.figures import units
from pipeline.figures.display import number_at
from pipeline.figures.mention import Mention
from pipeline.figures.models import FigureKind
from pipeline.figures.number_patterns import (
    ATOM,
    COMPOUND_UNIT,
    CURRENCY_AFTER,
    CURRENCY_BEFORE,
    PER,
    PERCENT,
    PLUS,
    RANGE_SEP,
    RATIO,
    SCALE_GLUED,
    SCALE_WORD,
    UNIT_TOKEN,
)
from pipeline.figures.number_words import physical_unit
from pipeline.figures.numbers import find_mentions
from pipeline.speech import lexicon as lex
from pipeline.speech.spoken_words import (
    ADJECTIVE_UNITS,
    ARTICLE_AMOUNT,
    BRITISH,
    CODE_BEFORE_NUMBER,
    DATE_PARTS,
    DIGITS,
    GLUED_UNITS,
    INVARIANT_UNITS,
    LEFTOVER,
    MONTHS,
    NAME_RUN,
    NEXT_WORD,
    NOUNS_MODIFIED,
    POSSESSIVE_NUMBER,
    POWERS,
    SAYS_MORE,
    SCALES,
    SMALL_CHANGE,
    SYMBOLS,
    TIDY_PUNCT,
    TIDY_SPACE,
    UNIT_WORDS,
    WATT_WORDS,
)


def spoken(text: str, lexicon: Mapping[str, str] | None = None) -> str:
    """`text` as it is to be said: numbers, units, years and terms in words.

    `lexicon` adds to or overrides the default pronunciations. Every number is
    said as the line writes it (see the module docstring).
    """
    table = lex.merged(lexicon)
    out: list[str] = []
    pos = 0
    for mention in find_mentions(text):
        before = text[pos : mention.start]
        out.append(_words(before, table))
        if CODE_BEFORE_NUMBER.search(before):
            out.append(", ")  # "H100 60 kW": "H one hundred, sixty kilowatts", not 160
        out.append(_say_mention(mention, table, text[mention.end :]))
        pos = mention.end
    out.append(_words(text[pos:], table))
    said = TIDY_SPACE.sub(" ", "".join(out))
    return TIDY_PUNCT.sub("", said).strip()


def words_for_comparison(text: str, lexicon: Mapping[str, str] | None = None) -> list[str]:
    """Lower-case words of the spoken form, no punctuation: "$300B" → three hundred billion
    dollars. Apply it to both sides of a comparison (script and transcript).

    A possessive on a number ("2024's $83 billion") is dropped, so the number's words
    are the same as when it is said on its own (QA looks for each figure that way)."""
    said = POSSESSIVE_NUMBER.sub(r"\1", spoken(text, lexicon).lower())
    said = SPELT_LETTERS.sub(lambda m: m[0].replace("-", ""), said.replace("’", "'"))
    return _watts_in_plural(_letters_joined(re.findall(r"[a-z0-9]+", said.replace("'", ""))))


def _letters_joined(words: list[str]) -> list[str]:
    """Single letters in a row as one word ("g b" → "gb", "u s" → "us"); "a" is a word."""
    out: list[str] = []
    run = False  # whether out[-1] is letters joined so far
    for w in words:
        letter = len(w) == 1 and w.isalpha() and w != "a"
        if letter and run:
            out[-1] += w
        else:
            out.append(w)
        run = letter
    return out


# A name said letter by letter ("G-B", "D-P-U's") is one word however a recogniser writes
# it: "GB", "G B" or "gb" are the same thing heard.
SPELT_LETTERS = re.compile(r"(?<![\w-])[a-z](?:-[a-z])+(?:'?s)?(?![\w-])")


def _watts_in_plural(words: list[str]) -> list[str]:
    """A watt unit after a number in the plural: "a 130-kilowatt rack" and "130 kW" (said
    "one hundred thirty kilowatts") compare as the same figure, whichever form a line
    uses or a recogniser writes. "one gigawatt" stays singular."""
    out: list[str] = []
    for i, w in enumerate(words):
        before = out[i - 1] if i else ""
        if (
            w in WATT_WORDS
            and before in NUMBER_WORDS
            and not (before == "one" and (i < 2 or out[i - 2] not in NUMBER_WORDS | {"point"}))
        ):
            w += "s"
        elif w == "hour" and before[:-1] in WATT_WORDS and before.endswith("s"):
            w = "hours"  # "fifty megawatt-hour battery" → "fifty megawatts hours battery"
        out.append(w)
    return out


NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety hundred thousand million billion trillion".split()
)


# --- numbers as words -------------------------------------------------------------


def cardinal(n: int) -> str:
    """ "130" → "one hundred thirty" (American: no "and", no commas)."""
    if abs(n) >= 10**15:  # past any figure; a recogniser's garble is read digit by digit
        return " ".join(DIGITS[int(d)] for d in str(abs(n)))
    words: str = num2words(n, lang="en")
    return " ".join(w for w in words.replace(",", "").split() if w != "and")


def number_words(digits: str) -> str:
    """A number as written ("12,500", "78.75") in words: "seventy-eight point seven five"."""
    whole, _, fraction = digits.replace(",", "").partition(".")
    said = cardinal(int(whole or "0"))
    if fraction:
        said += " point " + " ".join(DIGITS[int(d)] for d in fraction)
    return said


def year_words(year: int) -> str:
    """ "2025" → "twenty twenty-five", "1999" → "nineteen ninety-nine", "2000" → "two thousand"."""
    words: str = num2words(year, lang="en", to="year")
    return " ".join(w for w in words.replace(",", "").split() if w != "and")


def decade_words(year: int) -> str:
    """ "1990" → "nineteen nineties", "2000" → "two thousands"."""
    said = year_words(year)
    return said[:-1] + "ies" if said.endswith("y") else said + "s"


def ordinal(n: int) -> str:
    words: str = num2words(n, lang="en", to="ordinal")
    return " ".join(w for w in words.replace(",", "").split() if w != "and")


def _scaled(value: float) -> tuple[str, str]:
    """(number words, scale word): 1.2e9 → ("one point two", "billion"), 42000 → (…, "").

    A scale word is used when the value is a whole number of millions to at
    most three decimals, as people write it ("$1.125 billion"); "1,051,200" is
    said in full, so no digit the line writes goes unsaid.
    """
    for scale, word in SCALES:
        if abs(value) >= scale:
            q = number_at(value / scale, 6)
            if len(q.partition(".")[2]) <= 3:
                return number_words(q), word
            break
    return number_words(number_at(value, 9)), ""


# --- mentions ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Core:
    """Where, in a mention's text, the number and its unit are: the part said as words."""

    start: int
    end: int
    separator: str | None  # "to", "and", "or" between the ends of a range
    has_unit: bool  # the core spells a unit or currency (not a counted noun)
    plus: bool  # "100+", "100kW+": said "more than"
    singular: bool  # "a 100-megawatt campus", "100 megawatt campus": the unit as written


def _core(text: str, unit: str | None) -> _Core | None:
    """The core of a mention's text; `unit` is the mention's unit when it is said."""
    atom = ATOM.search(text)
    if atom is None:
        return None
    start = atom.start()
    currency = CURRENCY_BEFORE.search(text[:start])
    if currency:
        start -= len(currency.group(1))
    end, plus = _after_number(text, atom.end())
    unit_end = _unit_end(text, end, unit)
    per = PER.match(text, unit_end) if unit_end else None  # "5 kW/rack to 15 kW/rack"
    separator = None
    sep = RANGE_SEP.match(text, per.end() if per else unit_end or end)
    second = ATOM.match(text, sep.end()) if sep else None
    if sep and second:
        separator = (sep.group(1) or "to").lower()
        end, top_plus = _after_number(text, second.end())
        plus = plus or top_plus
        unit_end = _unit_end(text, end, unit)
    singular = bool(unit_end) and _singular(text[end : unit_end or end], unit)
    trailing = PLUS.match(text, unit_end or end) if unit_end else None
    if trailing:
        unit_end = trailing.end()
    return _Core(
        start,
        unit_end or end,
        separator,
        bool(currency or unit_end),
        plus or bool(trailing),
        singular,
    )


def _after_number(text: str, pos: int) -> tuple[int, bool]:
    """Past a number's scale ("bn", " million") and a "+" glued to it: (end, plus)."""
    scale = SCALE_WORD.match(text, pos) or SCALE_GLUED.match(text, pos)
    end = scale.end() if scale else pos
    plus = PLUS.match(text, end)
    return (plus.end(), True) if plus else (end, False)


def _singular(written: str, unit: str | None) -> bool:
    """Whether a unit is written in the singular: hyphenated to its number ("100-megawatt")
    or spelled out without a plural ("100 megawatt campus")."""
    if written.startswith("-"):
        return True
    if unit is None or units.compound(unit) or units.unit_name(unit) == unit:
        return False  # a symbol ("MW", "kJ/m³·K") says nothing about number
    name = " ".join(written.replace("-", " ").lower().split())
    return name == units.unit_name(unit).lower()


def _unit_end(text: str, pos: int, unit: str | None) -> int | None:
    if unit is None:
        return None
    for pattern in (PERCENT, RATIO, CURRENCY_AFTER):
        m = pattern.match(text, pos)
        if m:
            return m.end()
    if units.compound(unit):
        compound = COMPOUND_UNIT.match(text, pos)
        return compound.end() if compound else None
    token = UNIT_TOKEN.match(text, pos)
    if token and physical_unit(token.group(1)):
        return token.end()
    return None


def _say_mention(mention: Mention, table: lex.Table, after: str = "") -> str:
    """A mention from its own reading: the value as written, its unit in words; `after`
    is the text that follows it (a noun there makes a watt unit an adjective)."""
    if mention.is_year:
        return _say_dates(mention.text, table)
    if ARTICLE_AMOUNT.match(mention.text):
        return _words(mention.text, table)  # "a single gigawatt", "a million GPUs": as written
    spells_unit = mention.unit is not None and mention.kind != "count"
    core = _core(mention.text, mention.unit if spells_unit else None)
    low, high = mention.low, mention.high
    if core is None or not all(math.isfinite(v) and abs(v) < 1e15 for v in (low, high)):
        return _words(mention.text, table)  # a recogniser's garble ("inf", 40 digits)
    separator = core.separator or ("to" if low != high else None)
    unit = mention.unit if core.has_unit else None
    plus = core.plus and not SAYS_MORE.search(mention.text[: core.start])  # "over 100,000+"
    singular = core.singular or (
        unit in ADJECTIVE_UNITS and _modifies_a_noun(mention.text[core.end :] + after)
    )
    said = _say_value(low, high, unit, mention.kind, separator, singular, plus)
    head = _words(mention.text[: core.start], table)
    return f"{head}{said}{_say_tail(mention.text[core.end :], table)}"


def _modifies_a_noun(rest: str) -> bool:
    """Whether the words after a unit start with the noun it modifies: "130 kW rack(s)",
    "1 GW AI campus", "a 130 kW-per-rack design"; not "130 kW of power", "130 kW each",
    "130 kW, and", "130 kW divided by"."""
    if re.match(r"-[A-Za-z]", rest):
        return True  # "a 130 kW-per-rack design"
    m = NEXT_WORD.match(rest)
    if m is None:
        return False
    word = m.group("word")
    if word.isupper():
        return len(word) > 1  # an acronym ("a 1,000 W GPU"), not "I"
    word = word.lower()
    return any(w in NOUNS_MODIFIED for w in (word, word[:-1], word[:-2]))


def _say_tail(tail: str, table: lex.Table) -> str:
    """What follows the unit: a denominator ("/rack", "/m²", " per MW") and nouns."""
    slash = re.match(r"\s*/\s*(\S+)", tail)
    if slash is None:
        return _words(tail, table)
    factor = units.factor(slash.group(1))
    per = unit_words(factor[0], factor[1]) if factor and units.is_unit(factor[0]) else None
    if per is None:
        return _words(" per " + tail[slash.start(1) :], table)  # "$42,000/GPU"
    return f" per {per}{_words(tail[slash.end() :], table)}"


def _say_value(
    low: float,
    high: float,
    unit: str | None,
    kind: FigureKind | None,
    separator: str | None,
    singular: bool = False,
    plus: bool = False,
) -> str:
    """The number(s) and unit in words; `plus` ("100+", "30–120+") says "more than" before
    the number, or before a range's top end, which is what the "+" qualifies."""
    more = "more than " if plus else ""
    money = kind == "money" or unit in SMALL_CHANGE
    if money and unit and low == high and abs(low) < 1e6:
        return more + _small_money(low, unit)
    first, first_scale = _scaled(low)
    if separator is None:
        said = f"{more}{first} {first_scale}".strip()
    else:
        second, second_scale = _scaled(high)
        if first_scale == second_scale:
            said = f"{first} {separator} {more}{second} {second_scale}".strip()
        else:
            said = f"{first} {first_scale} {separator} {more}{second} {second_scale}".strip()
    if not unit:
        return said
    one = singular or (separator is None and said == "one")
    return f"{said} {unit_words(unit, plural=not one)}"


def unit_words(unit: str, power: int = 1, plural: bool = False) -> str:
    """A unit symbol in words: "kW" → "kilowatt(s)", "kJ/(m³·K)" → "kilojoules per cubic
    metre kelvin" (the numerator in the plural, what it is per in the singular)."""
    quotient = units.compound(unit)
    if quotient is not None:
        top = " ".join(
            unit_words(s, p, plural and i == len(quotient.numerator) - 1)
            for i, (s, p) in enumerate(quotient.numerator)
        )
        bottom = " ".join(unit_words(s, p) for s, p in quotient.denominator)
        return f"{top} per {bottom}" if bottom else top
    if unit in UNIT_WORDS:
        name = UNIT_WORDS[unit][1 if plural else 0]
    else:
        name = _british(units.unit_name(unit))
        name = _plural_unit(name) if plural else name
    if power == 1:
        return name
    return f"{POWERS[power]} {name}" if power in POWERS else f"{name} to the power {power}"


def _british(name: str) -> str:
    for american, british in BRITISH.items():
        name = re.sub(rf"{american}\b", british, name)
    return name


def _plural_unit(name: str) -> str:
    """ "kilojoule" → "kilojoules", "degree Celsius" → "degrees Celsius", "hertz" stays."""
    first, _, rest = name.partition(" ")
    if rest and first == "degree":
        return f"degrees {rest}"
    if name.endswith(INVARIANT_UNITS):
        return name
    if name.endswith(("ch", "sh", "s", "x")):
        return name + "es"
    return name + "s"


def _small_money(value: float, code: str) -> str:
    """$42,000 → "forty-two thousand dollars"; $2.50 → "two dollars and fifty cents"."""
    singular, plural = UNIT_WORDS[code]
    cents = round(abs(value) * 100) % 100
    whole = int(abs(value) + 1e-9)
    change = SMALL_CHANGE[code]
    change_said = f"{cardinal(cents)} {change if cents == 1 else _plural_change(change)}"
    if whole == 0 and cents:
        return change_said
    said = f"{cardinal(whole)} {singular if whole == 1 else plural}"
    return f"{said} and {change_said}" if cents else said


def _plural_change(word: str) -> str:
    return "pence" if word == "penny" else word + "s"


def _say_dates(text: str, table: lex.Table) -> str:
    """Years and dates in a year mention: "Q3 2025" → "Q three twenty twenty-five",
    "2024-25" → "twenty twenty-four to twenty-five"."""

    def say(m: re.Match[str]) -> str:
        g = m.group
        if g("decade"):
            return decade_words(int(g("decade")))
        if g("iy"):
            return _date(int(g("iy")), int(g("im")), int(g("id")))
        if g("uy"):
            return _date(int(g("uy")), int(g("um")), int(g("ud")))
        if g("r1"):
            end = g("r2")
            return f"{year_words(int(g('r1')))} to " + (
                year_words(int(end)) if len(end) == 4 else _two_digits(end)
            )
        if g("fy"):
            year = g("fyy")
            return f"{lex.spell(g('fy').upper())} " + (
                year_words(int(year)) if len(year) == 4 else _two_digits(year)
            )
        if g("year"):
            return year_words(int(g("year")))
        return ordinal(int(g("day")))

    return _words(DATE_PARTS.sub(say, text), table)


def _date(year: int, month: int, day: int) -> str:
    if not 1 <= month <= 12:
        return f"{year_words(year)} {cardinal(month)} {cardinal(day)}"
    return f"{MONTHS[month - 1]} {ordinal(day)}, {year_words(year)}"


def _two_digits(digits: str) -> str:
    """ "25" → "twenty-five", "05" → "oh-five": the short end of "2024-25", "FY05"."""
    return f"oh-{DIGITS[int(digits[1])]}" if digits[0] == "0" else cardinal(int(digits))


# --- everything else --------------------------------------------------------------


def _words(text: str, table: lex.Table) -> str:
    """Text outside number mentions: lexicon terms, then leftover digits and symbols."""
    return "".join(
        said if done else LEFTOVER.sub(_say_leftover, said) for said, done in lex.apply(text, table)
    )


def _say_leftover(m: re.Match[str]) -> str:
    g = m.group
    if g("ordinal"):
        return ordinal(int(g("ordinal")[:-2]))
    if g("clock"):
        hours, minutes = g("clock").split(":")
        said = cardinal(int(hours))
        return f"{said} {_minutes(minutes)}" if minutes != "00" else f"{said} o'clock"
    if g("fraction"):
        top, bottom = g("fraction").split("/")
        if (top, bottom) == ("24", "7"):
            return "twenty-four seven"
        return f"{cardinal(int(top))} over {cardinal(int(bottom))}"
    if g("dotted"):
        return " point ".join(cardinal(int(part)) for part in g("dotted").split("."))
    if g("name"):
        return _say_name(g("name"))
    if g("number"):
        return number_words(g("number"))
    if g("silent"):
        return " "
    return SYMBOLS[g("symbol")]


def _minutes(digits: str) -> str:
    return f"oh-{DIGITS[int(digits[1])]}" if digits[0] == "0" else cardinal(int(digits))


def _say_name(token: str) -> str:
    """ "GPT-4" → "G-P-T four", "Q3" → "Q three", "80GB" → "eighty gigabytes"."""
    runs = NAME_RUN.findall(token)
    said: list[str] = []
    for i, run in enumerate(runs):
        if run.isdigit():
            said.append(cardinal(int(run)))
        elif i and runs[i - 1].isdigit() and run in GLUED_UNITS:
            said.append(GLUED_UNITS[run])
        elif run.isupper() and len(run) <= 5:
            said.append(lex.spell(run))
        else:
            said.append(run)
    return " ".join(said)
