"""The spoken form of script lines: numbers, units, years and terms in words."""

from __future__ import annotations

import pytest

from pipeline.figures.models import Figure, Ledger
from pipeline.speech.normalize import spoken, words_for_comparison

CASES = [
    # numbers and decimals
    ("A rack draws 130 kW.", "A rack draws one hundred thirty kilowatts."),
    ("12,500 GPUs", "twelve thousand five hundred G-P-U's"),
    ("1.2 GW", "one point two gigawatts"),
    ("0.5 MW", "zero point five megawatts"),
    ("1,000,000 homes", "one million homes"),
    ("1.2 million GPUs", "one point two million G-P-U's"),
    ("2,048 GPUs", "two thousand forty-eight G-P-U's"),
    # ranges
    ("ranging 5 to 15 kW per rack", "ranging five to fifteen kilowatts per rack"),
    ("5–15 kW", "five to fifteen kilowatts"),
    ("5 kW to 15 kW", "five to fifteen kilowatts"),
    ("between 5 and 15 kW", "between five and fifteen kilowatts"),
    ("10–20%", "ten to twenty percent"),
    # money
    ("$300 billion in capex", "three hundred billion dollars in capex"),
    ("$42,000 per GPU", "forty-two thousand dollars per G-P-U"),
    ("$42,000/GPU", "forty-two thousand dollars per G-P-U"),
    ("€2bn", "two billion euros"),
    ("$78.75 billion", "seventy-eight point seven five billion dollars"),
    ("$80B", "eighty billion dollars"),
    ("$1.5 trillion", "one point five trillion dollars"),
    ("$3 to $4 million", "three to four million dollars"),
    ("$500 million to $1.2 billion", "five hundred million to one point two billion dollars"),
    ("EUR 5 million", "five million euros"),
    ("$1", "one dollar"),
    ("$2.50", "two dollars and fifty cents"),
    ("25 cents", "twenty-five cents"),
    # units, singular for one
    ("1 GW", "one gigawatt"),
    ("one gigawatt", "one gigawatt"),
    ("1 kWh", "one kilowatt-hour"),
    ("3 MWh", "three megawatt-hours"),
    ("100 TWh a year", "one hundred terawatt-hours a year"),
    ("3.5 kilowatt hours", "three point five kilowatt-hours"),
    ("600 W", "six hundred watts"),
    ("30 °C inlet water", "thirty degrees Celsius inlet water"),
    ("1 °C", "one degree Celsius"),
    # percentages, ratios, PUE
    ("40% of power", "forty percent of power"),
    ("~40%", "about forty percent"),
    ("5 percentage points", "five percentage points"),
    ("about 8.7× more", "about eight point seven times more"),
    ("8.7x", "eight point seven times"),
    ("a PUE of 1.1", "a P-U-E of one point one"),
    ("100+ GPUs", "one hundred plus G-P-U's"),
    # years and dates
    ("in 2025 and by 2030", "in twenty twenty-five and by twenty thirty"),
    ("in 1999", "in nineteen ninety-nine"),
    ("in 2000", "in two thousand"),
    ("the 2000s", "the two thousands"),
    ("the 1990s", "the nineteen nineties"),
    ("2024–2026", "twenty twenty-four to twenty twenty-six"),
    ("2024-25", "twenty twenty-four to twenty-five"),
    ("Q3 2025", "Q three twenty twenty-five"),
    ("FY2024", "F-Y twenty twenty-four"),
    ("2024-05-01", "May first, twenty twenty-four"),
    # ordinals and numbers the audit does not count
    ("the 3rd rack", "the third rack"),
    ("the 21st century", "the twenty-first century"),
    ("Tier 4 sites run 24/7", "Tier four sites run twenty-four seven"),
    ("Llama 3.1 needs 80GB", "Llama three point one needs eighty gigabytes"),
    # lexicon
    ("GB200 NVL72: 72 GPUs", "G-B two hundred N-V-L seventy-two: seventy-two G-P-U's"),
    ("H100 versus TPU", "H one hundred versus T-P-U"),
    ("AI & the US grid", "A-I and the U-S grid"),
    ("priced per kW", "priced per kilowatt"),
    ("us and them", "us and them"),
]


@pytest.mark.parametrize(("text", "said"), CASES)
def test_spoken(text: str, said: str) -> None:
    assert spoken(text) == said


def test_enough_cases() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("said", [said for _, said in CASES])
def test_a_spoken_form_is_its_own_spoken_form(said: str) -> None:
    # QA normalises text that is already spoken (the clip's text) and text that is not
    # (the transcript) with the same function; words said once must not change again.
    assert spoken(said) == said


def test_a_show_lexicon_extends_and_overrides_the_default() -> None:
    lexicon = {"Stargate": "Star-gate", "GPU": "graphics chip"}
    assert spoken("Stargate buys GPUs", lexicon=lexicon) == "Star-gate buys graphics chips"
    assert spoken("a TPU") == "a T-P-U"  # the default stays for everything else


LEDGER = Ledger(
    article_hash="test",
    figures=[
        Figure(id="rack", kind="power", low=130, high=130, unit="kW", per="rack"),
        Figure(id="ratio", kind="ratio", low=8.6667, high=8.6667, unit="x", origin="computed"),
        Figure(id="capex", kind="money", low=78.75e9, high=78.75e9, unit="USD"),
        Figure(id="old", kind="power", low=5, high=15, unit="kW", per="rack"),
        Figure(id="racks", kind="count", low=769.23, high=769.23, unit="rack"),
    ],
    years=[2025],
)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # however the script writes a figure, it is said from the ledger's value and unit
        ("a 130 kW rack", "a one hundred thirty kilowatts rack"),
        ("a 130kW rack", "a one hundred thirty kilowatts rack"),
        ("that is 0.13 MW", "that is one hundred thirty kilowatts"),
        ("$78.75B of capex", "seventy-eight point seven five billion dollars of capex"),
        ("$78,750,000,000", "seventy-eight point seven five billion dollars"),
        # at the precision the ledger shows it
        ("roughly nine times", "roughly eight point seven times"),
        ("about 770 racks", "about seven hundred sixty-nine racks"),
        # a range figure: the range, or the end a single number names
        ("5–15 kW per rack", "five to fifteen kilowatts per rack"),
        ("up to 15 kW per rack", "up to fifteen kilowatts per rack"),
        # untraced numbers are said as written
        ("42 kW", "forty-two kilowatts"),
    ],
)
def test_a_traced_figure_is_said_from_the_ledger(text: str, said: str) -> None:
    assert spoken(text, LEDGER) == said


def test_one_figure_sounds_the_same_in_every_spelling() -> None:
    forms = ["130 kW", "130kW", "130 kilowatts", "0.13 MW"]
    assert len({spoken(f"draws {form}", LEDGER) for form in forms}) == 1


def test_words_for_comparison_match_digits_and_words() -> None:
    script = "A GB200 rack draws 130 kW, up from 15 kW in 2020!"
    heard = "A G B two hundred rack draws one hundred and thirty kilowatts, up from 15 kilowatts"
    heard += " in 2020."
    assert words_for_comparison(script) == words_for_comparison(heard)
    assert words_for_comparison("It's 40% of GPUs") == [
        "its", "forty", "percent", "of", "g", "p", "us"
    ]
