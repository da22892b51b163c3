"""How terms are said: acronyms spelled out, product names read, unit symbols as words.

`LEXICON` is the default; a show extends or overrides it (its entries merge
over these). Keys match whole tokens, case-sensitively ("US" the country,
not "us"), and a plural "s" on a key carries over ("GPUs" → "G-P-U's").

Spelled acronyms join their letters with hyphens: "G-P-U". Piper and espeak
phonemise with espeak-ng, which reads a lone "A" as the article ("A I" comes
out as "uh eye") but says each letter of "A-I"; Festival splits the token at
the hyphens and says each letter too (heard through Whisper tiny.en: "G-B two
hundred", "M-I three hundred X", "H one hundred", "G-P-U's" come back as GB200,
MI300X, H100, GPU's). For comparison with a transcript the hyphens split, so
"G-P-U" is the words "g p u".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

Table = tuple[tuple[str, str], ...]
"""A lexicon as a hashable, ordered table of (term, said) pairs."""


def spell(letters: str) -> str:
    """Letters said one by one: "GPU" → "G-P-U"."""
    return "-".join(letters)


# Acronyms said letter by letter. Those said as words (ERCOT, ASIC, FERC) are left
# to the engines.
_SPELLED = (
    "AI",
    "US",
    "UK",
    "EU",
    "GPU",
    "CPU",
    "TPU",
    "NPU",
    "DPU",
    "PUE",
    "WUE",
    "HBM",
    "HPC",
    "CDU",
    "UPS",
    "PPA",
    "SMR",
    "LLM",
    "TCO",
    "IT",
    "AMD",
    "AWS",
    "IEA",
    "EIA",
    "DOE",
    "PJM",
    "IPO",
    "CEO",
    "CFO",
    "FY",
    "EV",
    "API",
    "SSD",
    "TSMC",
    "FPGA",
    "GPT",
    "xAI",
)

LEXICON: dict[str, str] = {
    **{term: spell(term.upper()) for term in _SPELLED},
    "R&D": "R and D",
    "NVL72": "N-V-L seventy-two",
    "NVL36": "N-V-L thirty-six",
    "NVL144": "N-V-L one forty-four",
    "H100": "H one hundred",
    "H200": "H two hundred",
    "A100": "A one hundred",
    "B200": "B two hundred",
    "B300": "B three hundred",
    "GB200": "G-B two hundred",
    "GB300": "G-B three hundred",
    "MI300X": "M-I three hundred X",
    "OpenAI": "Open A-I",
    "ChatGPT": "Chat G-P-T",
    # Unit symbols said on their own ("per kW"); after a number the unit is read
    # with the number, singular or plural.
    "kW": "kilowatt",
    "MW": "megawatt",
    "GW": "gigawatt",
    "TW": "terawatt",
    "kWh": "kilowatt-hour",
    "MWh": "megawatt-hour",
    "GWh": "gigawatt-hour",
    "TWh": "terawatt-hour",
    "kVA": "kilovolt-amp",
    "MVA": "megavolt-amp",
    "vs": "versus",
    "vs.": "versus",
    "e.g.": "for example",
    "i.e.": "that is",
}


def merged(extra: Mapping[str, str] | None) -> Table:
    """The default lexicon with `extra` over it, as a hashable, ordered table."""
    table = {**LEXICON, **(extra or {})}
    return tuple(sorted(table.items()))


@lru_cache(maxsize=32)
def _pattern(table: Table) -> re.Pattern[str]:
    # Longest first, so "GB200" wins over "GB" and "kWh" over "kW".
    keys = sorted((k for k, _ in table), key=len, reverse=True)
    alternatives = "|".join(re.escape(k) for k in keys)
    return re.compile(rf"(?<![\w\-])(?P<term>{alternatives})(?P<plural>s)?(?![\w])")


def apply(text: str, table: Table) -> list[tuple[str, bool]]:
    """`text` cut into pieces: (said form, True) for each term, (text, False) between them."""
    if not table:
        return [(text, False)]
    lookup = dict(table)
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for m in _pattern(table).finditer(text):
        said = lookup[m.group("term")]
        if m.group("plural"):
            # "G-P-U's" is how espeak-ng says a spelled plural; "G-P-Us" would say "us".
            said += "'s" if said[-1:].isupper() else "s"
        pieces += [(text[pos : m.start()], False), (said, True)]
        pos = m.end()
    pieces.append((text[pos:], False))
    return [p for p in pieces if p[0]]
