"""The words entities are read by: tag sets, word lists and the word classes of a token.

Tables of the fine-grained (Penn Treebank) tags and dependency labels the rules in
`figures.entities` follow, the words they treat specially ("percent", "the company",
"says"), and the tests of a token's class: a noun, a name, a unit.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from pipeline.figures.numbers import find_mentions

if TYPE_CHECKING:
    from spacy.tokens import Token

GENERIC = frozenset(
    {
        "AI",
        "IT",
        "DC",
        "DCs",
        "US",
        "U.S.",
        "GPU",
        "GPUs",
        "MW",
        "GW",
        "kW",
        "CPU",
        "PUE",
        "TDP",
        "YoY",
        "CEO",
        "CFO",
    }
)
# Names of periods, not of things: "Q1", "FY2025", "H2", months; not models ("H100", "H20").
PERIOD = re.compile(
    r"(?:(?:Q[1-4]|H[12])(?!\d)|FY\d*|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct"
    r"|Nov|Dec)\w*\.?$"
)
NUMBER_DASH = re.compile(r"(?<=\d)[–—](?=\d)")
# A model number: capitals, then digits ("B300", "GB200s", "NVL72"), not a period ("Q1").
MODEL_NAME = re.compile(r"\b(?!(?:Q[1-4]|H[12]|FY\d*)\b)[A-Z][A-Za-z]*\d+[A-Za-z]*\b")
NOUN_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS"})
PROPER_TAGS = frozenset({"NNP", "NNPS"})
PRONOUN_TAGS = frozenset({"PRP", "PRP$", "WP", "WP$", "EX"})
VERB_TAGS = frozenset({"VB", "VBD", "VBG", "VBN", "VBP", "VBZ", "MD"})
# A figure's sign, tagged as punctuation or a symbol: ">", "~", "+".
SIGN_TAGS = frozenset({"-LRB-", "-RRB-", "SYM", "NFP", ":", "``", "''"})
# Modifiers kept in an entity: they tell one rack or company from another.
MODIFIERS = frozenset({"compound", "amod", "nmod", "poss", "npadvmod"})
OBJECTS = frozenset({"dobj", "attr", "oprd", "acomp", "npadvmod", "advmod", "appos", "dative"})
CLIMB = frozenset({"xcomp", "conj", "ccomp", "advcl", "pcomp", "acomp", "attr"})
# Nouns that name a quantity or a measure rather than what it is of: look past them.
MEASURE_NOUNS = frozenset(
    {
        "increase",
        "rise",
        "growth",
        "jump",
        "decline",
        "drop",
        "fall",
        "gain",
        "boost",
        "cut",
        "power",
        "capacity",
        "amount",
        "total",
        "number",
        "figure",
        "sum",
        "level",
        "share",
        "portion",
        "percent",
        "fraction",
        "times",
        "expansion",
        "bump",
        "surge",
        "increment",
        "forecast",
        "estimate",
        "projection",
        "plan",
        "commitment",
        "ratio",
        "revenue",
        "revenues",
        "capex",
        "spending",
        "spend",
        "investment",
        "guidance",
        "budget",
        "limit",
        "use",
        "usage",
        "consumption",
        "draw",
        "load",
        "requirement",
        "demand",
        "value",
        "cost",
        "costs",
        "agreement",
        "initiative",
        "deal",
        "revision",
        "baseline",
        "expenditure",
        "expenditures",
        "outlay",
        "average",
        "survey",
        "target",
        "%",
        "pue",
        "tdp",
        "range",
        "energy",
        "density",
        "densities",
        "capital",
        "rate",
        "rating",
        "score",
        "record",
        "stake",
        "rest",
        "remainder",
        "majority",
        "bulk",
        "half",
    }
)
# Words after a figure that qualify it ("14.3 kW max"); a lower-case abbreviation ("p.a.") too.
FIGURE_QUALIFIERS = frozenset({"max", "min", "maximum", "minimum", "apiece", "each"})
ABBREVIATION = re.compile(r"[a-z]\.[a-z]\.?$")
# Nouns that name no thing: "another $20 billion on the way".
EMPTY_NOUNS = frozenset({"way", "thing", "things", "lot", "kind", "sort", "type"})
# Nouns that name when, not whose: "capex for this quarter" is not about the quarter.
PERIOD_NOUNS = frozenset(
    {"quarter", "year", "month", "week", "day", "decade", "period", "half", "time", "season"}
)
# A multiple said as a verb or adjective: "could nearly double", "on course to triple".
MULTIPLE_TAGS = VERB_TAGS | {"JJ", "RB"}
# Nouns a text uses for a company it has named: "the company", "the e-commerce behemoth".
COMPANY_NOUNS = frozenset(
    {
        "company",
        "firm",
        "group",
        "giant",
        "behemoth",
        "titan",
        "maker",
        "chipmaker",
        "provider",
        "operator",
        "hyperscaler",
        "business",
        "corporation",
    }
)
# Words that pick some of a whole: "one of its facilities", "most of the racks".
PARTITIVES = frozenset({"one", "each", "some", "many", "most", "all", "both", "several", "none"})
# Verbs that compare a figure with a standard: "topping the estimate", "beat forecasts".
COMPARING = ("exceed", "top", "beat", "surpass", "outpac", "trail", "miss")
OWN_STANDARD = frozenset(
    {"prior", "previous", "earlier", "original", "initial", "own", "its", "their", "our"}
)
DEMONSTRATIVES = frozenset({"this", "that", "these", "those", "such"})
BE_FORMS = frozenset({"is", "are", "was", "were", "be", "been", "being", "'s", "’s", "remains"})
# Words that put money somewhere: the money is about where it goes ("invested $4B in Anthropic").
INVESTING = ("invest", "commit", "pour", "pump", "spend", "spent", "stake")
RELATIVE = frozenset({"that", "which", "who", "whose"})
# In a quotation, "we" is whoever is quoted: `"We reduced …," Google says.`
FIRST_PERSON = frozenset({"we", "our", "us"})
SAYING = frozenset(
    {
        "says",
        "said",
        "say",
        "told",
        "tells",
        "added",
        "adds",
        "noted",
        "notes",
        "stated",
        "states",
        "wrote",
        "writes",
    }
)
OFFICERS = frozenset(
    {
        "ceo",
        "cfo",
        "coo",
        "cto",
        "chief",
        "president",
        "chairman",
        "chair",
        "founder",
        "spokesperson",
        "spokesman",
        "spokeswoman",
        "executive",
        "director",
        "head",
        "officer",
    }
)
# Personal pronouns stand for an entity named before ("It consumes 150 MW"); demonstratives
# ("That works out to …") more often stand for a statement, and name nothing.
REFERRING = frozenset({"it", "they", "its", "their"}) | FIRST_PERSON
PRONOUNS = frozenset(
    {
        "it",
        "this",
        "that",
        "they",
        "these",
        "those",
        "which",
        "there",
        "he",
        "she",
        "we",
        "what",
        "who",
        "its",
        "their",
        "them",
        "one",
        "each",
        "all",
        "both",
        "some",
        "most",
        "many",
        "i",
        "you",
    }
)
UNWANTED = frozenset(
    {
        "a",
        "an",
        "the",
        "its",
        "their",
        "this",
        "that",
        "these",
        "those",
        "our",
        "his",
        "her",
        "single",
        "new",
        "just",
        "only",
        "each",
        "every",
        "such",
        "same",
        "other",
        "own",
        "more",
        "roughly",
        "about",
        "nearly",
        "around",
        "up",
        "to",
        "than",
        "over",
        "as",
        "much",
        "'s",
        "’s",
    }
)


def names_kind(token: Token) -> bool:
    """A word of a figure that says what is counted ("data" in "94 data centers"), not its
    number or unit."""
    return is_noun(token) and not token.text[0].isdigit() and not is_unit(token.text)


def is_noun(token: Token) -> bool:
    """A common or proper noun, by its fine-grained tag."""
    return token.tag_ in NOUN_TAGS


def is_proper(token: Token) -> bool:
    """A name: a proper noun, or a noun spelt like one ("AWS", "NVL72"), not a unit or "AI"."""
    if token.text in GENERIC:
        return False
    if token.tag_ in PROPER_TAGS:
        return len(token.text) > 1 and not PERIOD.match(token.text)
    if (
        token.tag_ in ("JJ", "JJR")
        and token.dep_ == "compound"
        and token.text.isalpha()
        and (token.text.isupper() and len(token.text) > 1 and not _measures(token.text))
    ):
        return True  # "Amazon's AWS cloud business": capitals the tagger took for an adjective
    code = any(c.isupper() for c in token.text[1:]) or (
        token.text[:1].isupper() and any(c.isdigit() for c in token.text)
    )
    return (
        is_noun(token)
        and code
        and token.text.isalnum()
        and not PERIOD.match(token.text)
        and not is_unit(token.text)
    )


@functools.lru_cache(maxsize=4096)
def is_unit(word: str) -> bool:
    """ "kWh", "MW", "GPU": a unit or an abbreviation, not a name for what the figure is of."""
    return word.isupper() or _measures(word)


def _measures(word: str) -> bool:
    """True for a unit of measure: "kWh", "MW", "percent"."""
    found = find_mentions(f"1 {word}")
    return bool(found) and found[0].kind not in (None, "count")
