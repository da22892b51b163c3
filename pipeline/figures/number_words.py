"""Word forms for counted nouns and units: singular and plural, physical units, denominators."""

from __future__ import annotations

from functools import lru_cache

from pipeline.figures import units
from pipeline.figures.number_patterns import INVARIANT, IRREGULAR, MEASURE, SINGULAR_IN_S, STOP


@lru_cache(maxsize=2048)
def physical_unit(token: str) -> str | None:
    """The normalised unit for a power, energy or temperature spelling, else None."""
    try:
        unit = units.normalise_unit(token)
    except ValueError:
        return None
    if unit in ("°C", "°F") or units.kind_of(unit) in ("power", "energy"):
        return unit
    return None


def singular(word: str) -> str:
    """A plural noun in the singular, lower-cased unless it is an acronym ("GPUs" → "GPU")."""
    if word.isalpha() and (word[1:].islower() or word.islower()):
        word = word.lower()
    low = word.lower()
    if low in IRREGULAR:
        return IRREGULAR[low]
    if low in INVARIANT or low in SINGULAR_IN_S or not low.endswith("s"):
        return word
    if low.endswith("ies") and len(low) > 4:
        return word[:-3] + "y"
    if low.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if low.endswith("uses") and low[-5:-4] not in "aeiou":
        return word[:-2]
    return word[:-1]


def is_plural(word: str) -> bool:
    """Whether a word reads as a plural noun: "GPUs", "racks"; not "gas", "status", "its"."""
    low = word.lower()
    if (len(word) > 2 and word.endswith("s") and word[:-1].isupper()) or low in IRREGULAR:
        return True  # "GPUs", "TPUs", "people"
    return (
        len(low) > 2
        and low.endswith("s")
        and low not in STOP
        and low not in SINGULAR_IN_S
        and not low.endswith(("ss", "us", "is", "ous", "'s", "’s"))
    )


def is_unit_word(word: str) -> bool:
    """Whether a word is a unit ("MVA", "kW", "ft"), not a noun that could be counted."""
    return physical_unit(word) is not None or MEASURE.fullmatch(" " + word) is not None


def per_unit(word: str) -> str:
    """A denominator as written ("megawatt", "racks", "annum") in its normal form."""
    if word.lower() in ("annum", "annually", "yearly", "yr"):
        return "year"
    return physical_unit(word) or singular(word)
