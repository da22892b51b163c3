"""Reading one mention outward from a number: the words before it, then those after.

`MentionReader` takes a number's match (`number_patterns.ATOM`) and reads its
qualifier, currency and scale, a range, its unit or counted noun and a denominator,
applying the rules of `figures.numbers`; it gives None for a number that is part of
a name or not a number at all.
"""

from __future__ import annotations

import re

from pipeline.figures import roles, units
from pipeline.figures.mention import Mention
from pipeline.figures.models import FigureKind
from pipeline.figures.number_patterns import (
    ATOM,
    BETWEEN,
    BY,
    CHIP_TIMES,
    COMPOUND_NOUNS,
    COMPOUND_UNIT,
    CURRENCY_AFTER,
    CURRENCY_BEFORE,
    FROM,
    FUNCTION_WORDS,
    HYPHEN_CODE,
    HYPHEN_NOUN,
    JOINED,
    MEASURE,
    MODIFIER_ACRONYM,
    MORE,
    NEXT_WORD,
    NOT_COMPOUND,
    PAIRED,
    PAREN_ACRONYM,
    PARTITIVE,
    PER,
    PERCENT,
    PLUS,
    PLUS_WORD,
    PREV_WORD,
    PUE_AFTER,
    PUE_BEFORE,
    PUE_JUST_BEFORE,
    QUALIFIER,
    QUANTITY_BETWEEN,
    RANGE_SEP,
    RANGE_VERBS,
    RATIO,
    SCALE_GLUED,
    SCALE_WORD,
    SCALES,
    SINGULAR_NOUN,
    SMALL_NUMBERS,
    STOP,
    TIME_NOUNS,
    TIMES_A_NUMBER,
    UNIT_TOKEN,
    VERSION_WORDS,
    YEAR_WORDS,
)
from pipeline.figures.number_words import is_plural, is_unit_word, per_unit, physical_unit, singular


def rate_at(text: str, pos: int) -> tuple[str, int] | None:
    """(the `per` unit, where it ends) of a rate said at `pos`: "/rack", " per megawatt",
    " a year", " annually"; None when there is none ("per cent" is not a rate)."""
    per = PER.match(text, pos)
    if per is None or (per.group(1) or "").lower() in ("cent", "the", "a", "an"):
        return None
    return per_unit(per.group(1) or per.group(2)), per.end()


def qualifier_of(m: re.Match[str]) -> str:
    """A QUALIFIER match as the ledger keeps it: "Up  to" → "up to", "~" as written."""
    return " ".join((m.group(1) or m.group(2)).lower().split())


def _atom_value(atom: re.Match[str]) -> float:
    if atom.group("d"):
        return float(atom.group("d").replace(",", ""))
    if atom.group("a"):
        return 1.0
    current = 0
    for word in re.split(r"[\s-]+", atom.group(0).lower()):
        if word == "a":
            current = 1
        elif word in ("hundred", "dozen"):
            current = (current or 1) * (100 if word == "hundred" else 12)
        elif word != "and":
            current += SMALL_NUMBERS[word]
    return float(current)


def _is_year_like(atom: re.Match[str], value: float) -> bool:
    digits = atom.group("d")
    return bool(digits) and len(digits) == 4 and 1900 <= value <= 2100


def _opens_sentence(text: str, at: int) -> bool:
    """Whether the word at `at` opens a sentence, a line or a table cell."""
    before = text[:at].rstrip(' \t"“(')
    return not before or before[-1] in ".!?:\n|"


def _names_a_version(word: str, opens: bool) -> bool:
    """Whether a capitalised word before a bare number or count is a name the number is
    part of ("Llama 3.1", "Tier 4 facilities"); not a function word ("The"), a possessive
    or contraction ("Meta's 600,000 GPUs", "That's 176 GPUs") or a sentence's opening verb
    or adverb ("Adding 5 GW", "Currently 40 sites")."""
    low = word.lower()
    if low in FUNCTION_WORDS or low.endswith(("'s", "’s")):
        return False
    return not (opens and low.endswith(("ing", "ed", "ly")))


class MentionReader:
    """Reads one mention outward from a number: left context, then right context."""

    def __init__(self, text: str, atom: re.Match[str]) -> None:
        self.text, self.atom = text, atom
        self.left = atom.start()
        self.pos = atom.end()
        self.low = self.high = _atom_value(atom)
        self.currency: str | None = None
        self.scale = 1.0
        self.glued_scale = False  # "100k", "3.5m" without a currency: counts a noun or is none
        self.unit: str | None = None
        self.noun = False
        self.per: str | None = None
        self.qualifier: str | None = None
        self.ranged = False
        self.operand = False  # multiplied by the number after it: never a year

    def read(self) -> Mention | None:
        """The mention at this number, or None when it is part of a name or not a number."""
        if not self._read_left() or not self._read_scale():
            return None
        self._read_plus()
        self._read_range()
        if not self.ranged:
            if not self._read_unit():
                return None
            if self.unit is not None:
                self._read_range()
            else:
                self._read_shared_unit()
        self._read_plus()  # "100kW+": after the unit
        if self._is_year():
            return Mention(
                self.atom.start(),
                self.atom.end(),
                self.atom.group(0),
                self.low,
                self.high,
                None,
                None,
                None,
                None,
                True,
            )
        if not self._accept():
            return None
        if self.per is None:
            self._read_per()
        kind: FigureKind | None = (
            "count" if self.noun else (units.kind_of(self.unit) if self.unit is not None else None)
        )
        return Mention(
            self.left,
            self.pos,
            self.text[self.left : self.pos],
            self.low,
            self.high,
            self.unit,
            kind,
            self.per,
            self.qualifier,
            False,
        )

    def _read_left(self) -> bool:
        text, start = self.text, self.atom.start()
        cur = CURRENCY_BEFORE.search(text[max(0, start - 5) : start])
        if cur:
            self.currency = units.normalise_unit(cur.group(1).strip())
            start -= len(cur.group(1))
        prev = text[start - 1] if start else " "
        prev2 = text[start - 2] if start > 1 else " "
        if self.atom.group("d") and (
            prev.isalnum() or prev in "_^#" or (prev in "-–‐‑.+" and prev2.isalpha())
        ):
            return False  # "H100", "GPT-4", "NVLink‑5", "growth.3", "N+1"
        self.left = start
        window = text[max(0, start - 30) : start]
        qual = QUALIFIER.search(window)
        if qual:
            self.qualifier = qualifier_of(qual)
            self.left = start - len(window) + qual.start()
        return True

    def _read_scale(self) -> bool:
        scale = SCALE_WORD.match(self.text, self.pos) or SCALE_GLUED.match(self.text, self.pos)
        if scale is None:
            return True
        suffix = scale.group(1)
        if len(suffix) == 1 and self.currency is None:
            if suffix not in "kKmM" or (suffix in "mM" and not self._counts_after(scale.end())):
                return False  # "405B", "5M", "3.5m": part of a name, or metres
            self.glued_scale = True
        self.scale = SCALES[suffix.lower()]
        self.low = self.high = self.low * self.scale
        self.pos = scale.end()
        return True

    def _counts_after(self, pos: int) -> bool:
        """Whether a plural noun follows `pos`: "3.5m homes" is millions of homes."""
        nxt = NEXT_WORD.match(self.text, pos)
        return nxt is not None and is_plural(nxt.group(1)) and not is_unit_word(nxt.group(1))

    def _read_plus(self) -> None:
        plus = PLUS.match(self.text, self.pos)
        if plus:  # "over 100,000+ GPUs": the "+" is read past, the first qualifier kept
            self.qualifier, self.pos = self.qualifier or "+", plus.end()
        elif (word := PLUS_WORD.match(self.text, self.pos)) is not None:
            self.qualifier, self.pos = self.qualifier or "plus", word.end()

    def _read_range(self) -> None:
        sep = RANGE_SEP.match(self.text, self.pos)
        if sep is None or (
            (sep.group(1) or "").lower() == "and"
            and not BETWEEN.search(self.text[max(0, self.left - 10) : self.left])
        ):
            return
        before = FROM.search(self.text[max(0, self.left - 30) : self.left])
        if before and before.group(1).lower() not in RANGE_VERBS:
            return  # "rose from 5 kW to 15 kW" is a change, not a range
        second = ATOM.match(self.text, sep.end())
        if second is None or second.group("a"):
            return
        other = MentionReader(self.text, second)
        if sep.group("cur"):
            other.currency = units.normalise_unit(sep.group("cur"))
        elif self.currency and not self.unit:
            other.currency = self.currency
        if not other._read_scale():
            return
        other._read_plus()  # "30–120+ kW": the "+" qualifies the range
        if not other._read_unit() or not self._joins(other):
            return
        low = self.low
        if other.scale > 1 and self.scale == 1 and low <= other.low / other.scale:
            low *= other.scale  # "$3 to $4 million"
        if (
            low > other.low
            or self._change_then_level(sep, low, other.low)
            or ("—" in sep.group(0) and other.low > 10 * low)
        ):
            return  # "= 1.40—40% overhead": an em dash between two figures, not a range
        self.low, self.high, self.pos, self.ranged = low, other.low, other.pos, True
        if (sep.group(1) or "").lower() == "and":
            self._take_between()
        self.qualifier = self.qualifier or other.qualifier
        self.scale = max(self.scale, other.scale)
        self.unit, self.noun, self.per = other.unit, other.noun, other.per

    def _take_between(self) -> None:
        """ "between 5 and 15 kW": the mention starts at "between", so it reads the same on
        its own as in its sentence (QA looks for each mention's own spoken words)."""
        found = BETWEEN.search(self.text, max(0, self.left - 10), self.left)
        if found is not None:
            self.left = found.start()

    def _change_then_level(self, sep: re.Match[str], low: float, high: float) -> bool:
        """ "fell by 1,200 to 64,000": a change, then the level it reached, when the second
        is many times the first; "grew by 5 to 10%" stays a range."""
        return (
            (sep.group(1) or "").lower() == "to"
            and high > 4 * low
            and BY.search(self.text[max(0, self.left - 10) : self.left]) is not None
        )

    def _read_shared_unit(self) -> None:
        """ "12 and 11%", "4.4 → 12%", "from 5 to 15%": a bare number takes the unit of the
        number joined to it ("to" only after "from"); a year keeps none ("2023 and 40%")."""
        sep = JOINED.match(self.text, self.pos)
        if (
            sep is None
            or _is_year_like(self.atom, self.low)
            or (sep.group(1) and not FROM.search(self.text, max(0, self.left - 30), self.left))
        ):
            return
        second = ATOM.match(self.text, sep.end())
        if second is None or second.group("a"):
            return
        other = MentionReader(self.text, second)
        if other._read_scale() and other._read_unit() and other.unit is not None:
            self.unit, self.noun, self.per = other.unit, other.noun, other.per

    def _joins(self, other: MentionReader) -> bool:
        if self.unit is not None and (self.unit, self.noun) != (other.unit, other.noun):
            return False
        if self.currency != other.currency:
            return False
        return _is_year_like(self.atom, self.low) == _is_year_like(other.atom, other.low) or bool(
            other.unit
        )

    def _read_unit(self) -> bool:
        """Reads the unit or counted noun; False when the number is glued to a name."""
        if self.currency is not None:
            self.unit = self.currency
            return self._not_glued()
        text, pos = self.text, self.pos
        times = TIMES_A_NUMBER.match(text, pos)
        if times:  # "8 × 700 W" counts what the next quantity is per; "4 x 2.5 MW generators"
            self.operand = True
            noun = self._noun_past_quantity(times.end())
            if noun is not None:
                self.unit, self.noun = noun, True
            return True
        if self._read_multiplied_chip():
            return True
        for pattern, unit in ((PERCENT, "%"), (RATIO, units.RATIO), (PUE_AFTER, units.PUE)):
            m = pattern.match(text, pos)
            if m:
                self.unit, self.pos = unit, m.end()
                if unit == "%" and m.group(2):
                    self.unit = units.POINTS
                return True
        money = CURRENCY_AFTER.match(text, pos)
        if money:
            code = money.group(1).lower()
            cents = code.startswith("cent")
            self.unit, self.pos = "USD" if cents else units.normalise_unit(code), money.end()
            if cents:
                self.low, self.high = self.low / 100, self.high / 100
            return True
        if self._read_compound():
            return True
        token = UNIT_TOKEN.match(text, pos)
        symbol = physical_unit(token.group(1)) if token else None
        if token and symbol:
            self.unit, self.pos = symbol, token.end()
            return True
        measure = MEASURE.match(text, pos)
        if measure:  # "50,000 sq ft", "1.1 exaFLOPS": a unit, of no ledger kind
            self.unit, self.pos = " ".join(measure.group(1).split()), measure.end()
            return True
        hyphen = HYPHEN_NOUN.match(text, pos)
        if (hyphen and hyphen.group(1).lower() in NOT_COMPOUND) or HYPHEN_CODE.match(text, pos):
            return False  # "two-thirds", "two-phase", "one-off", "10-K"
        if self._pue_before(PUE_JUST_BEFORE) or self._read_noun(hyphen):
            return True
        if self.glued_scale:
            return False
        if self._pue_before(PUE_BEFORE):
            return True
        return self._not_glued()

    def _read_compound(self) -> bool:
        """A compound unit: a kind with a denominator ("130 kW/rack" is kW per rack, "$/MW"
        money per MW), else the whole quotient as the unit ("1.2 kJ/m³·K"), of no kind."""
        m = COMPOUND_UNIT.match(self.text, self.pos)
        quotient = units.compound(m.group(1)) if m else None
        if m is None or quotient is None:
            return False
        head = quotient.head
        if head is not None and len(quotient.denominator) == 1 and units.kind_of(head):
            self.unit, self.per = head, per_unit(m.group(1).partition("/")[2].strip(" ()"))
        else:
            self.unit = quotient.symbol
        self.pos = m.end()
        return True

    def _not_glued(self) -> bool:
        nxt = self.text[self.pos : self.pos + 1]
        return not (nxt.isalpha() or nxt.isdigit())

    def _read_multiplied_chip(self) -> bool:
        """ "8× H100": a whole number times an accelerator's name counts GPUs."""
        m = CHIP_TIMES.match(self.text, self.pos)
        if m is None or not self.low.is_integer() or not roles.CHIP.match(m.group(2)):
            return False
        self.unit, self.noun, self.pos = "GPU", True, m.end(1)
        return True

    def _read_noun(self, hyphen: re.Match[str] | None) -> bool:
        """The counted noun: a hyphenated one ("32,000-GPU"), else within five words an
        acronym in brackets after the noun ("graphics processing units (GPUs)"), the first
        plural noun ("data centers" kept whole) or an acronym before a noun ("a 1.2 million
        GPU cluster"). "More" and a quantity in between ("three 300 MVA transformers", where
        the count ends at "three") are passed over."""
        if hyphen:
            self.unit, self.noun, self.pos = singular(hyphen.group(1)), True, hyphen.end()
            return True
        pos = self.pos
        while (nxt := NEXT_WORD.match(self.text, pos)) and nxt.group(1).lower() in MORE:
            pos = nxt.end()
        if QUANTITY_BETWEEN.match(self.text, pos):
            noun = self._noun_past_quantity(pos)
            if noun is not None:
                self.unit, self.noun = noun, True
            return noun is not None
        found = self._noun_from(pos)
        if found is None:
            modifier = MODIFIER_ACRONYM.match(self.text, pos)
            found = (modifier.group(1), modifier.end()) if modifier else None
        found = found or self._partitive(pos) or self._paired_singular(pos)
        if found is not None:
            (self.unit, self.pos), self.noun = found, True
        return found is not None

    def _partitive(self, pos: int) -> tuple[str, int] | None:
        """ "3 of 5 sites", "Three of the four hyperscalers": the part counts the noun of the
        whole; the mention still ends at the part, the whole being a mention of its own."""
        of = PARTITIVE.match(self.text, pos)
        whole = ATOM.match(self.text, of.end()) if of else None
        if whole is None or whole.group("a"):
            return None
        other = MentionReader(self.text, whole)
        if not (other._read_scale() and other._read_unit() and other.noun and other.unit):
            return None
        return other.unit, self.pos

    def _paired_singular(self, pos: int) -> tuple[str, int] | None:
        """ "one Grace CPU with two B200 GPUs": a 1 counts the singular noun before another
        count joined to it."""
        m = SINGULAR_NOUN.match(self.text, pos) if self.low == 1 else None
        if m is None or any(w.lower() in STOP for w in m.group(0).split()):
            return None
        return singular(m.group(1)), m.end()

    def _noun_past_quantity(self, pos: int) -> str | None:
        """The noun counted past a quantity at `pos` ("300 MVA transformers"), else None."""
        between = QUANTITY_BETWEEN.match(self.text, pos)
        if between is None or not is_unit_word(between.group(0).split()[-1]):
            return None
        found = self._noun_from(between.end())
        return found[0] if found else None

    def _noun_from(self, pos: int) -> tuple[str, int] | None:
        """(counted noun, where it ends) in the run of up to five words from `pos`, which
        ends at a number word ("one GPU and two CPUs": the "one" does not count CPUs)."""
        plural: tuple[str, int] | None = None
        previous = ""
        for _ in range(5):
            nxt = NEXT_WORD.match(self.text, pos)
            if nxt is None or nxt.group(1).lower() in STOP or nxt.group(1).lower() in SMALL_NUMBERS:
                break
            word = nxt.group(1)
            acronym = PAREN_ACRONYM.match(self.text, nxt.end())
            if acronym and is_plural(word):
                return singular(acronym.group(1)), acronym.end()
            if plural is None and is_plural(word):
                compound = f"{previous.lower()} {singular(word).lower()}"
                plural = (compound if compound in COMPOUND_NOUNS else singular(word), nxt.end())
            previous, pos = word, nxt.end()
        return plural

    def _pue_before(self, pattern: re.Pattern[str]) -> bool:
        if not 1.0 <= self.low <= 3.0 or not pattern.search(
            self.text[max(0, self.left - 60) : self.left]
        ):
            return False
        self.unit = units.PUE
        return True

    def _is_one(self) -> bool:
        return self.atom.group(0).lower() in ("one", "zero")

    def _is_year(self) -> bool:
        if not _is_year_like(self.atom, self.low) or self.currency or self.scale > 1:
            return False
        if self.unit is None:
            return not self.operand
        if not self.noun:
            return False
        prev = PREV_WORD.search(self.text[max(0, self.left - 20) : self.left])
        word = prev.group(1).lower() if prev else ""
        # "full-year 2024 capex", "Dominion's 2024 IRP projects"
        return word in YEAR_WORDS or word.endswith(("-year", "'s", "’s"))

    def _accept(self) -> bool:
        """Rejects "one hyperscaler", "Llama 3.1", "version 5" and the like."""
        bare = self.unit is None or self.noun
        if (
            self._is_one()
            and bare
            and not (
                self.ranged
                or self.scale > 1
                or self.unit in TIME_NOUNS
                or (self.noun and PAIRED.match(self.text, self.pos))
            )
        ):
            return False
        if (
            self.atom.group("w")
            and self.atom.group(0)[0].isupper()
            and not _opens_sentence(self.text, self.atom.start())
        ):
            return False  # "Three Mile Island"
        if not bare or self.atom.group("w") or self.qualifier or self.currency:
            return True
        prev = PREV_WORD.search(self.text[max(0, self.left - 30) : self.left])
        if prev is None:
            return True
        word = prev.group(1)
        if word.lower() in VERSION_WORDS or (self.unit is None and word.lower() == "top"):
            return False  # "version 5", "ranks in the top 10"
        at = max(0, self.left - 30) + prev.start()
        return not (word[0].isupper() and _names_a_version(word, _opens_sentence(self.text, at)))

    def _read_per(self) -> None:
        rate = rate_at(self.text, self.pos)
        if rate is not None:
            self.per, self.pos = rate
