"""The spoken form of a script line: every number, unit and term as words.

`spoken` is the entry point. Numbers are found by `figures.numbers.find_mentions`,
the same reader the audit uses, so what is said is exactly what was traced.
A mention is said as its number words, its unit in words ("130 kW" → "one
hundred thirty kilowatts", "$78.75 billion" → "seventy-eight point seven five
billion dollars"), with its qualifier and counted noun left as written
("about", "GPUs"). Years are said as years ("2025" → "twenty twenty-five").

With a ledger, a mention that traces to a figure is said from the figure's
canonical value and unit, at the precision `figures.display` shows it, so a
figure sounds the same in every line however the script spelled it ("0.13
MW", "130kW" and "130 kilowatts" are all "one hundred thirty kilowatts").

Everything else goes through the lexicon (`speech.lexicon`), then numbers the
audit does not count ("Tier 4", "3rd", "24/7") and symbols ("&", "+").

`words_for_comparison` reduces a text to lower-case words with numbers spelled
by the same rules: the transcription QA applies it to both the script and
what the recogniser heard, so "130" and "one hundred thirty" agree.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from num2words import num2words

from pipeline.figures import units
from pipeline.figures.audit import audit
from pipeline.figures.display import number_at
from pipeline.figures.models import Figure, FigureKind, Ledger
from pipeline.figures.numbers import (
    ATOM,
    CURRENCY_AFTER,
    CURRENCY_BEFORE,
    PERCENT,
    PLUS,
    RANGE_SEP,
    RATIO,
    SCALE_GLUED,
    SCALE_WORD,
    UNIT_TOKEN,
    Mention,
    find_mentions,
    physical_unit,
)
from pipeline.speech import lexicon as lex

# unit → (singular, plural)
UNIT_WORDS: dict[str, tuple[str, str]] = {
    "W": ("watt", "watts"),
    "kW": ("kilowatt", "kilowatts"),
    "MW": ("megawatt", "megawatts"),
    "GW": ("gigawatt", "gigawatts"),
    "TW": ("terawatt", "terawatts"),
    "Wh": ("watt-hour", "watt-hours"),
    "kWh": ("kilowatt-hour", "kilowatt-hours"),
    "MWh": ("megawatt-hour", "megawatt-hours"),
    "GWh": ("gigawatt-hour", "gigawatt-hours"),
    "TWh": ("terawatt-hour", "terawatt-hours"),
    "kVA": ("kilovolt-amp", "kilovolt-amps"),
    "MVA": ("megavolt-amp", "megavolt-amps"),
    "°C": ("degree Celsius", "degrees Celsius"),
    "°F": ("degree Fahrenheit", "degrees Fahrenheit"),
    "%": ("percent", "percent"),
    units.POINTS: ("percentage point", "percentage points"),
    units.RATIO: ("times", "times"),
    "USD": ("dollar", "dollars"),
    "EUR": ("euro", "euros"),
    "GBP": ("pound", "pounds"),
}
SMALL_CHANGE = {"USD": "cent", "EUR": "cent", "GBP": "penny"}
SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")

# Numbers the audit does not count, and symbols, in text outside mentions.
LEFTOVER = re.compile(
    r"(?P<ordinal>\b\d+(?:st|nd|rd|th)\b)"
    r"|(?P<clock>\b\d{1,2}:\d\d\b)"
    r"|(?P<fraction>\b\d+/\d+\b)"
    r"|(?P<dotted>\b\d+(?:\.\d+){2,}\b)"
    r"|(?P<name>\b[A-Za-z]+-?\d[A-Za-z0-9]*\b|\b\d+[A-Za-z][A-Za-z0-9]*\b)"
    r"|(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"|(?P<symbol>[&+@~≈×%#°])")
SYMBOLS = {"&": " and ", "+": " plus ", "@": " at ", "~": "about ", "≈": "about ",
           "×": " times ", "%": " percent", "#": "number ", "°": " degrees"}
NAME_RUN = re.compile(r"[A-Za-z]+|\d+")
GLUED_UNITS = {"GB": "gigabytes", "TB": "terabytes", "PB": "petabytes", "nm": "nanometre",
               "GHz": "gigahertz", "MHz": "megahertz", "Gbps": "gigabits per second",
               "Tbps": "terabits per second", "kg": "kilograms", "km": "kilometres"}
DATE_PARTS = re.compile(
    r"(?P<decade>\b(?:19|20)\d0)s\b"
    r"|\b(?P<iy>(?:19|20)\d\d)[-/](?P<im>\d\d?)[-/](?P<id>\d\d?)\b"
    r"|\b(?P<um>\d\d?)/(?P<ud>\d\d?)/(?P<uy>(?:19|20)\d\d)\b"
    r"|\b(?P<r1>(?:19|20)\d\d)\s?[-–/]\s?(?P<r2>(?:19|20)\d\d|\d\d)\b"
    r"|\b(?P<fy>FY|CY)\s?'?(?P<fyy>(?:19|20)?\d\d)\b"
    r"|(?P<year>(?:19|20)\d\d)"
    r"|\b(?P<day>\d\d?)(?:st|nd|rd|th)?\b", re.I)
TIDY_SPACE = re.compile(r"[ \t]{2,}")
TIDY_PUNCT = re.compile(r"\s+(?=[,.;:!?])")


def spoken(
    text: str, ledger: Ledger | None = None, lexicon: Mapping[str, str] | None = None
) -> str:
    """`text` as it is to be said: numbers, units, years and terms in words.

    `ledger`, when given, makes each traced figure said from its canonical
    value; `lexicon` adds to or overrides the default pronunciations.
    """
    table = lex.merged(lexicon)
    figures = _traced(text, ledger) if ledger is not None else {}
    out: list[str] = []
    pos = 0
    for mention in find_mentions(text):
        out.append(_words(text[pos:mention.start], table))
        out.append(_say_mention(mention, figures.get(mention.start), table))
        pos = mention.end
    out.append(_words(text[pos:], table))
    said = TIDY_SPACE.sub(" ", "".join(out))
    return TIDY_PUNCT.sub("", said).strip()


def words_for_comparison(
    text: str, ledger: Ledger | None = None, lexicon: Mapping[str, str] | None = None
) -> list[str]:
    """Lower-case words of the spoken form, no punctuation: "$300B" → three hundred billion
    dollars. Apply it to both sides of a comparison (script and transcript)."""
    said = spoken(text, ledger, lexicon).lower().replace("'", "").replace("’", "")
    return re.findall(r"[a-z0-9]+", said)


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


def _scaled(value: float, places: int | None, force: bool) -> tuple[str, str]:
    """(number words, scale word): 1.2e9 → ("one point two", "billion"), 42000 → (…, "").

    A scale word is used when the value is a round number of millions (at most
    two decimals) or `force` (money, which is always said in scale words).
    """
    for scale, word in SCALES:
        if abs(value) >= scale:
            q = value / scale
            if force or abs(round(q, 2) - q) <= 1e-9 * abs(q):
                return number_words(number_at(q, 2)), word
            break
    return number_words(number_at(value, 6 if places is None else places)), ""


# --- mentions ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Core:
    """Where, in a mention's text, the number and its unit are: the part said as words."""

    start: int
    end: int
    separator: str | None  # "to", "and", "or" between the ends of a range
    has_unit: bool  # the core spells a unit or currency (not a counted noun)
    plus: bool  # "100+"


def _core(text: str, spells_unit: bool) -> _Core | None:
    atom = ATOM.search(text)
    if atom is None:
        return None
    start = atom.start()
    currency = CURRENCY_BEFORE.search(text[:start])
    if currency:
        start -= len(currency.group(1))
    end = _after_scale(text, atom.end())
    plus = PLUS.match(text, end)
    if plus:
        end = plus.end()
    unit_end = _unit_end(text, end) if spells_unit else None
    separator = None
    sep = RANGE_SEP.match(text, unit_end or end)
    second = ATOM.match(text, sep.end()) if sep else None
    if sep and second:
        separator = (sep.group(1) or "to").lower()
        end = _after_scale(text, second.end())
        unit_end = _unit_end(text, end) if spells_unit else None
    return _Core(start, unit_end or end, separator, bool(currency or unit_end), bool(plus))


def _after_scale(text: str, pos: int) -> int:
    scale = SCALE_WORD.match(text, pos) or SCALE_GLUED.match(text, pos)
    return scale.end() if scale else pos


def _unit_end(text: str, pos: int) -> int | None:
    for pattern in (PERCENT, RATIO, CURRENCY_AFTER):
        m = pattern.match(text, pos)
        if m:
            return m.end()
    token = UNIT_TOKEN.match(text, pos)
    if token and physical_unit(token.group(1)):
        return token.end()
    return None


def _say_mention(mention: Mention, figure: Figure | None, table: lex.Table) -> str:
    if mention.is_year:
        return _say_dates(mention.text, table)
    spells_unit = mention.unit is not None and mention.kind != "count"
    core = _core(mention.text, spells_unit)
    if core is None:  # cannot happen for a mention; say it as plain text
        return _words(mention.text, table)
    low, high, unit, kind, places = _value(mention, figure)
    if not all(math.isfinite(v) and abs(v) < 1e15 for v in (low, high)):
        return _words(mention.text, table)  # a recogniser's garble ("inf", 40 digits)
    if core.separator is None:
        high = low  # a single number said, even when it traces to a range
    said = _say_value(low, high, unit if core.has_unit else None, kind, places, core.separator)
    if core.plus:
        said += " plus"
    head = _words(mention.text[:core.start], table)
    tail = mention.text[core.end:]
    tail = re.sub(r"^\s*/\s*", " per ", tail)  # "$42,000/GPU"
    return f"{head}{said}{_words(tail, table)}"


def _value(
    mention: Mention, figure: Figure | None
) -> tuple[float, float, str | None, FigureKind | None, int | None]:
    """(low, high, unit, kind, decimal places) to say: the figure's when traced."""
    if figure is None:
        return mention.low, mention.high, mention.unit, mention.kind, None
    if mention.low != mention.high or figure.low == figure.high:
        low, high = figure.low, figure.high
    else:  # one number said of a range figure: the end it names, else the number itself
        said = mention.low
        if mention.unit and mention.unit != figure.unit and units.compatible(
                mention.unit, figure.unit):
            said = units.convert(said, mention.unit, figure.unit)
        near = min((figure.low, figure.high), key=lambda v: abs(v - said))
        low = high = near if abs(near - said) <= 0.1 * max(abs(near), abs(said)) else said
    places = _display_places(max(abs(low), abs(high)), figure.unit, figure.kind)
    return low, high, figure.unit, figure.kind, places


def _display_places(top: float, unit: str, kind: FigureKind) -> int:
    """Decimal places `figures.display.format_value` shows a value with."""
    if kind == "money":
        return 2 if top < 1000 or top >= 1e6 else 0
    if unit == units.RATIO:
        return 1 if top < 10 else 0
    if unit == "%":
        return 1
    if kind == "pue":
        return 2
    return 0 if top >= 100 else 1 if top >= 10 or kind == "count" else 2


def _say_value(
    low: float, high: float, unit: str | None, kind: FigureKind | None, places: int | None,
    separator: str | None,
) -> str:
    money = kind == "money" or unit in SMALL_CHANGE
    if money and unit and low == high and abs(low) < 1e6:
        return _small_money(low, unit, places)
    first, first_scale = _scaled(low, places, money)
    if separator is None:
        said = f"{first} {first_scale}".strip()
    else:
        second, second_scale = _scaled(high, places, money)
        if first_scale == second_scale:
            said = f"{first} {separator} {second} {second_scale}".strip()
        else:
            said = f"{first} {first_scale} {separator} {second} {second_scale}".strip()
    if not unit:
        return said
    singular, plural = UNIT_WORDS.get(unit, (unit, unit))
    one = separator is None and said == "one"
    return f"{said} {singular if one else plural}"


def _small_money(value: float, code: str, places: int | None) -> str:
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


def _traced(text: str, ledger: Ledger) -> dict[int, Figure]:
    """The figure each traced mention names, by the mention's start."""
    findings = audit([_Said(text)], ledger)
    return {f.start: ledger.figure(f.figure_id) for f in findings if f.figure_id}


@dataclass(frozen=True)
class _Said:
    text: str
    id: str = ""


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
                year_words(int(end)) if len(end) == 4 else _two_digits(end))
        if g("fy"):
            year = g("fyy")
            return f"{lex.spell(g('fy').upper())} " + (
                year_words(int(year)) if len(year) == 4 else _two_digits(year))
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
    return "".join(said if done else LEFTOVER.sub(_say_leftover, said)
                   for said, done in lex.apply(text, table))


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
