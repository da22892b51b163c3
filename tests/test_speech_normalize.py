"""The spoken form of script lines: numbers, units, years and terms in words."""

from __future__ import annotations

import pytest

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
    ("$1.125 billion", "one point one two five billion dollars"),
    ("$295-300B", "two hundred ninety-five to three hundred billion dollars"),
    ("1,051,200 MWh", "one million fifty-one thousand two hundred megawatt-hours"),
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
    ("100+ GPUs", "more than one hundred G-P-U's"),
    # qualifiers kept: "+" is said "more than", words are said as written
    ("100kW+ racks", "more than one hundred kilowatt racks"),
    ("$80B+ in capex", "more than eighty billion dollars in capex"),
    (
        "an AI rack runs 30–120+ kW",
        "an A-I rack runs thirty to more than one hundred twenty kilowatts",
    ),
    ("$42,000+", "more than forty-two thousand dollars"),
    ("racks that exceed 100 kW", "racks that exceed one hundred kilowatts"),
    # compound units in words
    ("1.2 kJ/m³·K", "one point two kilojoules per cubic metre kelvin"),
    ("0.6 W/m·K", "zero point six watts per metre kelvin"),
    ("a WUE of 0.18 L/kWh", "a W-U-E of zero point one eight litres per kilowatt-hour"),
    ("$1.2 million/MW", "one point two million dollars per megawatt"),
    ("700 W/GPU", "seven hundred watts per G-P-U"),
    ("40 kW/rack", "forty kilowatts per rack"),
    ("5 kW/rack to 15 kW/rack", "five to fifteen kilowatts per rack"),
    ("300 W/m²", "three hundred watts per square metre"),
    ("2 MW/acre", "two megawatts per acre"),
    ("1,000 kWh/year", "one thousand kilowatt-hours per year"),
    ("5 kJ", "five kilojoules"),
    # a unit before a noun, hyphenated, stays singular
    ("a 100-megawatt campus", "a one hundred megawatt campus"),
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


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # neighbouring table cells N and N+1 within rounding of each other: each is said
        # from its own digits, never from the figure next to it
        (
            "For Meta, 2024 Capex is $59 billion and 2025 Capex is $60 billion.",
            "For Meta, twenty twenty-four Capex is fifty-nine billion dollars and twenty "
            "twenty-five Capex is sixty billion dollars.",
        ),
        # a sum line: the addends as written
        (
            "$56 billion plus $39 billion comes to $95 billion.",
            "fifty-six billion dollars plus thirty-nine billion dollars comes to ninety-five "
            "billion dollars.",
        ),
        # range ends are never rounded into each other
        (
            "$295-300B in 2025",
            "two hundred ninety-five to three hundred billion dollars in twenty twenty-five",
        ),
        # rounded and converted forms are said as the line writes them
        ("roughly nine times", "roughly nine times"),
        ("about 770 racks", "about seven hundred seventy racks"),
        ("that is 0.13 MW", "that is zero point one three megawatts"),
        ("8.7 to 26 times", "eight point seven to twenty-six times"),
    ],
)
def test_numbers_are_said_as_written(text: str, said: str) -> None:
    # spoken() takes no ledger: a figure traced within rounding (a neighbouring cell, a
    # rounded range end) can never replace what the line writes.
    assert spoken(text) == said


def test_words_for_comparison_match_digits_and_words() -> None:
    script = "A GB200 rack draws 130 kW, up from 15 kW in 2020!"
    heard = "A G B two hundred rack draws one hundred and thirty kilowatts, up from 15 kilowatts"
    heard += " in 2020."
    assert words_for_comparison(script) == words_for_comparison(heard)
    assert words_for_comparison("It's 40% of GPUs") == ["its", "forty", "percent", "of", "gpus"]


def test_a_name_said_letter_by_letter_is_one_word_however_it_is_written() -> None:
    script = words_for_comparison("the Nvidia GB300 NVL72 with 18 DPUs, in the U.S.")
    heard = words_for_comparison("the Nvidia G B 300 N-V-L 72 with 18 dpus, in the US")
    assert script == heard
    assert "gb" in script and "dpus" in script
    assert words_for_comparison("a T-shirt, plan a") == ["a", "t", "shirt", "plan", "a"]


def test_a_model_code_before_a_number_is_kept_apart_from_it() -> None:
    # "H100 60 kW" said without a pause is heard as "H one hundred sixty kilowatts": 160.
    assert spoken("The HGX H100 60 kW rack.") == "The HGX H one hundred, sixty kilowatt rack."
    assert spoken("A B200 1,000 W part.") == "A B two hundred, one thousand watts part."
    assert spoken("An H100 draws 700 W.") == "An H one hundred draws seven hundred watts."


def test_spelled_quantities_are_said_as_written() -> None:
    assert spoken("Build a single gigawatt of capacity.") == "Build a single gigawatt of capacity."
    assert spoken("a million GPUs") == "a million G-P-U's"


def test_a_plus_after_a_word_that_already_says_more_is_not_said_twice() -> None:
    assert spoken("over 100,000+ chips") == "over one hundred thousand chips"
    assert spoken("100,000+ chips") == "more than one hundred thousand chips"


def test_an_equals_sign_is_said() -> None:
    assert spoken("8 × 700 W = 5.6 kW") == (
        "eight times seven hundred watts equals five point six kilowatts"
    )


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # a power or energy figure before the noun it modifies: the unit as an adjective
        ("a 130 kW rack", "a one hundred thirty kilowatt rack"),
        ("a 130-kW rack", "a one hundred thirty kilowatt rack"),
        ("a 1-gigawatt campus", "a one gigawatt campus"),
        ("a 1.2 GW site", "a one point two gigawatt site"),
        ("two 500 MW campuses", "two five hundred megawatt campuses"),
        ("a 2-3 GW campus", "a two to three gigawatt campus"),
        ("a 1 GW AI campus", "a one gigawatt A-I campus"),
        ("a 50 MWh battery", "a fifty megawatt-hour battery"),
        ("a 1,000 W GPU", "a one thousand watt G-P-U"),
        ("a 20 MW data centre", "a twenty megawatt data centre"),
        ("a 130 kW-per-rack design", "a one hundred thirty kilowatt-per-rack design"),
        # a figure on its own keeps the plural
        ("racks of 130 kW each", "racks of one hundred thirty kilowatts each"),
        ("130 kW of power", "one hundred thirty kilowatts of power"),
        ("130 kW per rack", "one hundred thirty kilowatts per rack"),
        (
            "It draws 130 kW. Racks run hot.",
            "It draws one hundred thirty kilowatts. Racks run hot.",
        ),
        (
            "9.1 GW comes to $100 billion",
            "nine point one gigawatts comes to one hundred billion dollars",
        ),
        (
            "100 MW divided by 130 kW",
            "one hundred megawatts divided by one hundred thirty kilowatts",
        ),
        ("130 kW in Texas", "one hundred thirty kilowatts in Texas"),
    ],
)
def test_a_unit_before_a_noun_is_said_as_an_adjective(text: str, said: str) -> None:
    assert spoken(text) == said


@pytest.mark.parametrize(
    ("script", "figure", "heard"),
    [
        ("A 130 kW rack.", "130 kW", "A 130 kilowatt rack."),
        ("A 130 kW rack.", "130 kW", "A 130-kilowatt rack."),
        ("A 130 kW rack.", "130 kW", "A 130 kilowatts rack."),
        ("Racks of 130 kW.", "130 kW", "Racks of 130 kilowatt."),
        ("A 50 MWh battery.", "50 MWh", "A 50 megawatt hour battery."),
        ("A 50 MWh battery.", "50 MWh", "A 50 megawatt-hours battery."),
    ],
)
def test_singular_and_plural_watts_compare_as_the_same_words(
    script: str, figure: str, heard: str
) -> None:
    # The adjective form (and a recogniser's choice of "kilowatt" or "kilowatts") must not
    # count as a wrong word, nor hide the figure from QA's search for its own words.
    assert words_for_comparison(script) == words_for_comparison(heard)
    assert " ".join(words_for_comparison(figure)) in " ".join(words_for_comparison(heard))


def test_one_gigawatt_stays_singular_for_comparison() -> None:
    assert words_for_comparison("a 1 GW campus") == ["a", "one", "gigawatt", "campus"]
    assert words_for_comparison("1.1 GW") == ["one", "point", "one", "gigawatts"]
    assert words_for_comparison("31 kW") == ["thirty", "one", "kilowatts"]


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("He said [News] and (Reuters) here.", "He said News and (Reuters) here."),
        ("*Note*: power/cooling", "Note: power slash cooling"),
        ("a {draft} <tag> | pipe", "a draft tag pipe"),
    ],
)
def test_marks_festival_would_name_are_silent_or_said_as_words(written: str, said: str) -> None:
    assert spoken(written) == said
