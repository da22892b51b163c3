"""spoken: article prose rewritten to be said aloud, with every number left as written."""

from __future__ import annotations

import pytest

from pipeline.figures.numbers import find_mentions
from pipeline.script.spoken import (
    Abbreviations,
    contract,
    english_list,
    formula_in_words,
    plain,
    sentences_of,
    split_long,
    unparenthesize,
)


@pytest.mark.parametrize(
    ("written", "said"),
    [
        (
            "It is clear that we are late and they do not care.",
            "It's clear that we're late and they don't care.",
        ),
        (
            "Air cannot carry that heat, and there is no way around it.",
            "Air can't carry that heat, and there's no way around it.",
        ),
        ("That is not what it is.", "That's not what it is."),  # no "it's." at the end
        ("Operators will not wait; they are building.", "Operators won't wait; they're building."),
        ("That is, the grid is the limit.", "That is, the grid is the limit."),
    ],
)
def test_common_phrases_contract(written: str, said: str) -> None:
    assert contract(written) == said


@pytest.mark.parametrize(
    ("written", "said"),
    [
        (
            "With a power usage effectiveness (PUE) of 1.2, the campus pulls 120 MW.",
            "With a power usage effectiveness, or PUE, of 1.2, the campus pulls 120 MW.",
        ),
        ("The racks (see the photo above) are dense.", "The racks are dense."),
        ("A GB200 rack (about 120 kW) needs liquid.", "A GB200 rack, about 120 kW, needs liquid."),
        ("It needs liquid cooling (not air).", "It needs liquid cooling."),
        ("Racks got denser (see Figure 3) and hotter (1).", "Racks got denser and hotter."),
        # a compound unit's parentheses are part of the unit
        ("Water holds 4.2 kJ/(kg·K) of heat (per degree).", "Water holds 4.2 kJ/(kg·K) of heat."),
    ],
)
def test_parentheses_become_speech(written: str, said: str) -> None:
    assert unparenthesize(written) == said


def test_markdown_and_urls_are_not_read_out() -> None:
    text = "**Dense** racks need [liquid cooling](https://example.com/cooling) and `CDUs`; see https://example.com/x."
    said = plain(text)
    assert said == "Dense racks need liquid cooling and CDUs; see."
    assert "http" not in " ".join(sentences_of("Read more at www.example.com/report today."))


def test_long_sentences_split_where_both_halves_stand_alone() -> None:
    sentence = (
        "NVIDIA's GB200 NVL72 system packs 72 GPUs and 36 CPUs into a single liquid-cooled "
        "rack that draws about 120 kW under load, and operators are already provisioning "
        "130 kW per rack to leave headroom."
    )
    assert split_long(sentence) == [
        "NVIDIA's GB200 NVL72 system packs 72 GPUs and 36 CPUs into a single liquid-cooled "
        "rack that draws about 120 kW under load.",
        "And operators are already provisioning 130 kW per rack to leave headroom.",
    ]
    semicolon = (
        "Grid connections have become the hardest part of building any new campus; "
        "some developers now wait up to seven years for a connection."
    )
    assert len(split_long(semicolon)) == 2
    dash = (
        "The next generation of racks goes much further than this one — vendors show "
        "roadmaps for racks of up to 600 kW."
    )
    assert split_long(dash)[1].startswith("Vendors show roadmaps")


def test_lists_short_sentences_and_short_halves_stay_whole() -> None:
    serial = (
        "A typical rack drew between 5 and 15 kW, was cooled by air pushed through "
        "raised floors, and could be planned years in advance."
    )
    assert split_long(serial) == [serial]
    assert split_long("Short, and sweet.") == ["Short, and sweet."]
    lopsided = (
        "The operators of the largest campuses in Northern Virginia have all signed "
        "new power deals this year, and so on."
    )
    assert split_long(lopsided) == [lopsided]


@pytest.mark.parametrize(
    "text",
    [
        "With a power usage effectiveness (PUE) of 1.2, it is about 1.05 million MWh a year.",
        "The four largest companies plan to spend a combined $315 billion in 2025; that is "
        "up from $225 billion in total the year before, an increase of 40%.",
        "Costs run from $10 million to $12 million per megawatt (before a single GPU).",
    ],
)
def test_numbers_and_units_are_kept_exactly(text: str) -> None:
    before = [m.text for m in find_mentions(text)]
    after = [m.text for s in sentences_of(text) for m in find_mentions(s)]
    assert after == before


def test_abbreviations_expand_on_first_use_only() -> None:
    said = Abbreviations()
    assert said.expand("The GPUs run hot.") == ("The graphics processing units, or GPUs, run hot.")
    assert said.expand("More GPUs arrive.") == "More GPUs arrive."
    # After a number the abbreviation is the counted noun: it stays where it is.
    assert Abbreviations().expand("It packs 72 GPUs into a rack.") == (
        "It packs 72 GPUs, or graphics processing units, into a rack."
    )
    spelled = "A power usage effectiveness, or PUE, of 1.2."
    assert Abbreviations().expand(spelled) == spelled
    assert Abbreviations().expand("A PUE.") == "A power usage effectiveness, or PUE."
    kept = "AI needs multi-GPU servers and IT staff."
    assert Abbreviations().expand(kept) == kept


def test_list_paragraphs_are_read_line_by_line() -> None:
    said = sentences_of("- Racks draw 130 kW\n- Cooling is liquid", by_line=True)
    assert said == ["Racks draw 130 kW.", "Cooling is liquid."]


@pytest.mark.parametrize(
    ("formula", "said"),
    [
        ("130 kW ÷ 15 kW = 8.7×", "130 kW divided by 15 kW comes to 8.7 times"),
        ("130 kW ÷ 5–15 kW = 8.7×–26×", "130 kW divided by 5–15 kW comes to 8.7 to 26 times"),
        ("100 MW × 1.2 = 120 MW", "100 MW times 1.2 comes to 120 MW"),
        ("$80 B + $75 B = $155 B", "$80 billion plus $75 billion comes to $155 billion"),
        (
            "($315 B − $225 B) ÷ $225 B = 40%",
            "$315 billion minus $225 billion, divided by $225 billion comes to 40%",
        ),
        (
            "$10–12 M per MW × 100 MW = $1–1.2 B",
            "$10–12 million per MW times 100 MW comes to $1–1.2 billion",
        ),
        (
            "100 MW × 8,760 h = 876,000 MWh per year",
            "100 MW, running around the clock for a year, comes to 876,000 MWh per year",
        ),
        (
            "130 kW ÷ 10 kW (assumption: typical rack) = 13×",
            "130 kW divided by 10 kW, the assumed figure for typical rack, comes to 13 times",
        ),
    ],
)
def test_formulas_are_said_in_words(formula: str, said: str) -> None:
    assert formula_in_words(formula) == said


def test_english_list() -> None:
    assert english_list(["a"]) == "a"
    assert english_list(["a", "b"]) == "a and b"
    assert english_list(["a", "b", "c"]) == "a, b and c"
