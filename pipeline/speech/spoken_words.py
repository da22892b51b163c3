"""The words the spoken form is made of: units, currencies, scales, months and symbols in
words, and the patterns that find what follows a number.

A declarative table: the rules that use it are in `pipeline.speech.normalize`.
"""

from __future__ import annotations

import re

from pipeline.figures import units

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
BRITISH = {"meter": "metre", "liter": "litre"}  # pint's names end "-meter", "-liter"
POWERS = {2: "square", 3: "cubic"}
INVARIANT_UNITS = ("hertz", "lux", "siemens")
SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# Numbers the audit does not count, and symbols, in text outside mentions.
LEFTOVER = re.compile(
    r"(?P<ordinal>\b\d+(?:st|nd|rd|th)\b)"
    r"|(?P<clock>\b\d{1,2}:\d\d\b)"
    r"|(?P<fraction>\b\d+/\d+\b)"
    r"|(?P<dotted>\b\d+(?:\.\d+){2,}\b)"
    r"|(?P<name>\b[A-Za-z]+-?\d[A-Za-z0-9]*\b|\b\d+[A-Za-z][A-Za-z0-9]*\b)"
    r"|(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"|(?P<symbol>[&+@~≈×%#°=/])"
    # Marks a reader does not say: Festival would say each one's name ("left bracket"),
    # and the recogniser would then hear words the spoken form does not have.
    r"|(?P<silent>[\[\]{}<>|*_^\\])"
)
SYMBOLS = {
    "&": " and ",
    "+": " plus ",
    "@": " at ",
    "~": "about ",
    "≈": "about ",
    "×": " times ",
    "%": " percent",
    "#": "number ",
    "°": " degrees",
    "=": " equals ",
    "/": " slash ",
}
NAME_RUN = re.compile(r"[A-Za-z]+|\d+")
GLUED_UNITS = {
    "GB": "gigabytes",
    "TB": "terabytes",
    "PB": "petabytes",
    "nm": "nanometre",
    "GHz": "gigahertz",
    "MHz": "megahertz",
    "Gbps": "gigabits per second",
    "Tbps": "terabits per second",
    "kg": "kilograms",
    "km": "kilometres",
}
DATE_PARTS = re.compile(
    r"(?P<decade>\b(?:19|20)\d0)s\b"
    r"|\b(?P<iy>(?:19|20)\d\d)[-/](?P<im>\d\d?)[-/](?P<id>\d\d?)\b"
    r"|\b(?P<um>\d\d?)/(?P<ud>\d\d?)/(?P<uy>(?:19|20)\d\d)\b"
    r"|\b(?P<r1>(?:19|20)\d\d)\s?[-–/]\s?(?P<r2>(?:19|20)\d\d|\d\d)\b"
    r"|\b(?P<fy>FY|CY)\s?'?(?P<fyy>(?:19|20)?\d\d)\b"
    r"|(?P<year>(?:19|20)\d\d)"
    r"|\b(?P<day>\d\d?)(?:st|nd|rd|th)?\b",
    re.I,
)
POSSESSIVE_NUMBER = re.compile(
    r"\b(zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:thir|four|fif"
    r"|six|seven|eigh|nine)teen|(?:twen|thir|for|fif|six|seven|eigh|nine)ty|hundred|thousand"
    r"|[mbtr]illion)['’]s\b"
)
ARTICLE_AMOUNT = re.compile(r"(?:an?|a single|one single)\s+[a-z]", re.I)
SAYS_MORE = re.compile(
    r"\b(?:over|more than|above|exceed\w*|at least|upwards of|beyond)\W*\Z", re.I
)
CODE_BEFORE_NUMBER = re.compile(r"[A-Za-z][\w-]*\d[ \t]+\Z")
# Units said in the singular when the figure modifies a noun: "a 130 kW rack" is "a one
# hundred thirty kilowatt rack", "1.2 GW campuses" "one point two gigawatt campuses".
ADJECTIVE_UNITS = frozenset({"W", "kW", "MW", "GW", "TW", "Wh", "kWh", "MWh", "GWh", "TWh"})
NEXT_WORD = re.compile(r"[ \t]+(?P<word>[A-Za-z][A-Za-z'’]*)")
# Nouns (and the words that start a noun phrase: "data centre", "solar farm") that a
# power or energy figure modifies. A list of what to say singular, rather than of what
# not to, since a wrong guess is worse one way: "130 kilowatts rack" sounds a little
# off, "130 kilowatt divided by" sounds wrong. Plurals ("racks", "campuses") count.
NOUNS_MODIFIED = frozenset(
    """
    rack campus site facility facilities data center centre hall building cluster system
    deployment project plant reactor turbine battery batteries array farm park capacity
    design density densities connection substation grid footprint chip server unit module
    block pod phase expansion buildout build load supply feed line transformer generator
    engine contract deal agreement tranche order request interconnection increment step
    jump increase rise drop cut gap shortfall deficit surplus limit cap ceiling threshold
    target budget allocation installation megaproject gigaproject solar wind gas nuclear
    hydro storage liquid air cooling power computing compute training inference
    supercomputer microgrid fuel chiller backup factory gigafactory mine home house office
    machine node cabinet room floor wing lot parcel portfolio pipeline queue bank
    """.split()
)
WATT_WORDS = frozenset(("watt", "kilowatt", "megawatt", "gigawatt", "terawatt"))
TIDY_SPACE = re.compile(r"[ \t]{2,}")
TIDY_PUNCT = re.compile(r"\s+(?=[,.;:!?])")
