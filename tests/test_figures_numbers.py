"""find_mentions: every number in a text, read with its unit, range, qualifier and span."""

from __future__ import annotations

import pytest

from pipeline.figures import units
from pipeline.figures.mention import Mention
from pipeline.figures.numbers import find_mentions, spelled_multiples


def quantities(text: str) -> list[Mention]:
    return [m for m in find_mentions(text) if not m.is_year]


def one(text: str) -> Mention:
    found = quantities(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "low", "high", "unit"),
    [
        ("a rack drawing 130 kW", 130, 130, "kW"),
        ("a 130kW rack", 130, 130, "kW"),
        ("130 kilowatts", 130, 130, "kW"),
        ("130 kw", 130, 130, "kW"),
        ("a 100-megawatt campus", 100, 100, "MW"),
        ("1.5 GW of nuclear", 1.5, 1.5, "GW"),
        ("a 700 W GPU", 700, 700, "W"),
        ("77 MWe each", 77, 77, "MW"),
        ("a 300 MVA transformer", 300, 300, "MVA"),
        ("about 1.05 million MWh a year", 1.05e6, 1.05e6, "MWh"),
        ("176 terawatt-hours", 176, 176, "TWh"),
        ("1,200 megawatt hours", 1200, 1200, "MWh"),
        ("A gigawatt of capacity", 1, 1, "GW"),
    ],
)
def test_power_and_energy(text: str, low: float, high: float, unit: str) -> None:
    m = one(text)
    assert (m.low, m.high, m.unit) == (low, high, unit)
    assert m.kind == units.kind_of(unit)


@pytest.mark.parametrize(
    ("text", "low", "high", "unit"),
    [
        ("$300 billion", 300e9, 300e9, "USD"),
        ("$80B", 80e9, 80e9, "USD"),
        ("USD 315 billion", 315e9, 315e9, "USD"),
        ("US$16 billion", 16e9, 16e9, "USD"),
        ("$3 to $4 million", 3e6, 4e6, "USD"),
        ("$3-4 million", 3e6, 4e6, "USD"),
        ("$10 million to $12 million", 10e6, 12e6, "USD"),
        ("between $1.5 billion and $2 billion", 1.5e9, 2e9, "USD"),
        ("€2bn", 2e9, 2e9, "EUR"),
        ("£500m", 500e6, 500e6, "GBP"),
        ("$42,000", 42000, 42000, "USD"),
        ("$42k", 42000, 42000, "USD"),
        ("30 billion dollars", 30e9, 30e9, "USD"),
        ("8 cents", 0.08, 0.08, "USD"),
    ],
)
def test_money(text: str, low: float, high: float, unit: str) -> None:
    m = one(text)
    assert (m.kind, m.unit) == ("money", unit)
    assert m.low == pytest.approx(low) and m.high == pytest.approx(high)


@pytest.mark.parametrize(
    ("text", "low", "high", "unit", "kind"),
    [
        ("40%", 40, 40, "%", "percent"),
        ("40 percent", 40, 40, "%", "percent"),
        ("40 per cent", 40, 40, "%", "percent"),
        ("30 to 40 per cent", 30, 40, "%", "percent"),
        ("70-80%", 70, 80, "%", "percent"),
        ("5% to 10%", 5, 10, "%", "percent"),
        ("60 percentage points", 60, 60, "pp", "percent"),
        ("14x", 14, 14, "x", "ratio"),
        ("14×", 14, 14, "x", "ratio"),
        ("3,000 times", 3000, 3000, "x", "ratio"),
        ("nine times the power", 9, 9, "x", "ratio"),
        ("2-3x", 2, 3, "x", "ratio"),
        ("a ninefold rise", 9, 9, "x", "ratio"),
        ("a 10-fold rise", 10, 10, "x", "ratio"),
        ("a PUE of 1.2", 1.2, 1.2, "", "pue"),
        ("a 1.2 PUE", 1.2, 1.2, "", "pue"),
        ("power usage effectiveness (PUE) of 1.2", 1.2, 1.2, "", "pue"),
        ("PUE fell from 1.6 to 1.2", 1.6, 1.6, "", "pue"),
    ],
)
def test_percent_ratio_pue(text: str, low: float, high: float, unit: str, kind: str) -> None:
    m = quantities(text)[0]
    assert (m.low, m.high, m.unit, m.kind) == (low, high, unit, kind)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("72 GPUs", 72, "GPU"),
        ("12,500 racks", 12500, "rack"),
        ("160 homes", 160, "home"),
        ("four companies", 4, "company"),
        ("the four largest cloud and platform companies", 4, "company"),
        ("seventy-two GPUs", 72, "GPU"),
        ("twenty five halls", 25, "hall"),
        ("one hundred and sixty homes", 160, "home"),
        ("a dozen neoclouds", 12, "neocloud"),
        ("nine thousand accelerators", 9000, "accelerator"),
        ("1.2 million homes", 1.2e6, "home"),
        ("20k GPUs", 20000, "GPU"),
        ("ten campuses", 10, "campus"),
        ("100,000 H100 GPUs", 100000, "GPU"),
        ("600,000 H100s", 600000, "H100"),
        ("a 32,000-GPU cluster", 32000, "GPU"),
        ("up to seven years", 7, "year"),
        ("a 20-year deal", 20, "year"),
        ("a one-year delay", 1, "year"),
        ("2048 GPUs", 2048, "GPU"),
    ],
)
def test_counts(text: str, value: float, unit: str) -> None:
    m = one(text)
    assert (m.kind, m.low, m.high, m.unit) == ("count", value, value, unit)


@pytest.mark.parametrize(
    ("text", "per"),
    [
        ("130 kW per rack", "rack"),
        ("200 kW/rack", "rack"),
        ("945 TWh a year", "year"),
        ("876,000 MWh annually", "year"),
        ("$10 million per megawatt", "MW"),
        ("$45/MWh", "MWh"),
        ("$2 an hour", "hour"),
        ("$3 million an acre.", "acre"),
        ("1,000 W per GPU", "GPU"),
        ("5% a year", "year"),
        ("40 kilowatts per rack", "rack"),
    ],
)
def test_per(text: str, per: str) -> None:
    assert one(text).per == per


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [
        ("about 120 kW", "about"),
        ("around 10,000 racks", "around"),
        ("roughly nine times", "roughly"),
        ("nearly $79 billion", "nearly"),
        ("almost 40%", "almost"),
        ("up to 600 kW", "up to"),
        ("over $100 million", "over"),
        ("more than 20 times", "more than"),
        ("at least 5 GW", "at least"),
        ("at most 3%", "at most"),
        ("under $2", "under"),
        ("less than 1%", "less than"),
        ("~480 kW", "~"),
        ("100+ kW", "+"),
        ("100+", "+"),
        ("an estimated $35 billion", "an estimated"),
    ],
)
def test_qualifiers(text: str, qualifier: str) -> None:
    m = one(text)
    assert m.qualifier == qualifier
    assert m.text == text  # the span covers the qualifier through the unit


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("5 to 15 kW", 5, 15),
        ("5–15 kW", 5, 15),
        ("5-15 kW", 5, 15),
        ("between 5 and 15 kW", 5, 15),
        ("5 kW to 15 kW", 5, 15),
        ("four to five years", 4, 5),
        ("two or three times", 2, 3),
        ("500 to 1.2 million homes", 500, 1.2e6),
    ],
)
def test_ranges(text: str, low: float, high: float) -> None:
    m = one(text)
    assert (m.low, m.high) == (low, high)


def test_from_to_is_a_change_not_a_range() -> None:
    found = quantities("rack power rose from 6.1 kW to 8.4 kW")
    assert [(m.low, m.high) for m in found] == [(6.1, 6.1), (8.4, 8.4)]
    ranged = quantities("densities ranging from 30 to 50 kW")
    assert [(m.low, m.high) for m in ranged] == [(30, 50)]


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("in 2025", 2025, 2025),
        ("by 2030", 2030, 2030),
        ("FY2024", 2024, 2024),
        ("FY24", 2024, 2024),
        ("2024-25", 2024, 2025),
        ("2024–2030", 2024, 2030),
        ("March 2024", 2024, 2024),
        ("May 1, 2024", 2024, 2024),
        ("1 May 2024", 2024, 2024),
        ("2024-05-01", 2024, 2024),
        ("Q3 2025", 2025, 2025),
        ("mid-2025", 2025, 2025),
        ("the 2020s", 2020, 2029),
        ("fiscal 2026", 2026, 2026),
        ("2025 Capex", 2025, 2025),
        ("the 2030 targets", 2030, 2030),
        ("in 2025 hyperscalers spent more", 2025, 2025),
    ],
)
def test_years_and_dates_are_never_quantities(text: str, low: float, high: float) -> None:
    found = find_mentions(text)
    assert [(m.is_year, m.low, m.high, m.unit, m.kind) for m in found] == [
        (True, low, high, None, None)
    ]


def test_dates_without_a_year_are_skipped() -> None:
    assert find_mentions("the auction closes on March 3 at noon") == []


@pytest.mark.parametrize(
    "text",
    [
        "NVIDIA's GB200 NVL72",
        "the H100 and B200",
        "Llama 3.1 405B",
        "GPT-4 and GPT-4o",
        "TPU v5p",
        "the MI300X",
        "an A100 80GB",
        "Trainium2",
        "a 4nm process",
        "5G and Wi-Fi 7",
        "HBM3e memory",
        "x86 servers",
        "version 5",
        "v2.1",
        "release 3.1.4",
        "Ubuntu 24.04",
        "growth.[3]",
        "demand³",
        "hyperscalers^2",
        "driver 550.54.15",
        "Tier 4",
        "Phase 2",
        "Scope 3 emissions",
        "Gaudi 3 accelerators",
        "COVID-19",
        "Windows 11",
        "1. Secure power",
        "2) Hire staff",
        "call +1 555 0100",
        "or 555-0199",
        "(555) 010-0100",
        "the first, second and third",
        "the 2nd generation",
        "3rd-party chillers",
        "24/7",
        "at 9:30",
        "items (1) and (2)",
        "see #4",
        "no one",
        "one of the largest",
        "one hyperscaler",
        "two-thirds of operators",
        "a two-phase system",
        "one in five racks",
        "the restarted Three Mile Island plant",
        "the 10-K filing",
        "a 4K video wall",
        "N+1 designs",
        "half a gigawatt",
        "the cost of a gigawatt",
    ],
)
def test_tricky_negatives(text: str) -> None:
    assert quantities(text) == []


def test_bare_numbers_and_number_words_in_speech() -> None:
    found = find_mentions("Lena: So that's 130, and then nine more on top.")
    assert [(m.text, m.low, m.unit, m.kind) for m in found] == [
        ("130", 130, None, None),
        ("nine", 9, None, None),
    ]


def test_one_counts_only_before_a_unit_scale_or_range() -> None:
    assert [m.low for m in quantities("one million homes and one GW")] == [1e6, 1]
    assert [(m.low, m.high) for m in quantities("one or two GPUs")] == [(1, 2)]
    assert quantities("One hyperscaler has one of the largest fleets") == []


def test_spans_cover_the_mention() -> None:
    text = (
        "NVIDIA's GB200 NVL72 system packs 72 GPUs into a rack that draws about 120 kW, "
        "roughly $42,000 per GPU, in 2025."
    )
    found = find_mentions(text)
    assert [m.text for m in found] == ["72 GPUs", "about 120 kW", "roughly $42,000 per GPU", "2025"]
    for m in found:
        assert text[m.start : m.end] == m.text


def test_units_normalise_and_convert() -> None:
    assert [
        units.normalise_unit(u)
        for u in (
            "kilowatts",
            "kW",
            "kw",
            "megawatt-hours",
            "MWh",
            "TWh",
            "W",
            "GW",
            "°C",
            "$",
            "per cent",
        )
    ] == ["kW", "kW", "kW", "MWh", "MWh", "TWh", "W", "GW", "°C", "USD", "%"]
    assert units.convert(1.5, "GW", "MW") == pytest.approx(1500)
    assert units.convert(1.05e6, "MWh", "TWh") == pytest.approx(1.05)
    assert units.compatible("kW", "GW") and not units.compatible("kW", "kWh")
    assert not units.compatible("USD", "EUR") and units.compatible("rack", "rack")
    assert [units.kind_of(u) for u in ("MW", "TWh", "USD", "%", "x", "", "rack", "°C")] == [
        "power",
        "energy",
        "money",
        "percent",
        "ratio",
        "pue",
        None,
        None,
    ]
    with pytest.raises(ValueError, match="cannot convert"):
        units.convert(1, "USD", "EUR")
    with pytest.raises(ValueError, match="unknown unit"):
        units.normalise_unit("rack")


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [
        ("racks that exceed 100 kW", "exceed"),
        ("loads exceeding 50 MW", "exceeding"),
        ("demand exceeds 40 kW per rack", "exceeds"),
        ("100kW+ racks", "+"),
        ("$80B+ in capex", "+"),
        ("an AI rack runs 30–120+ kW", "+"),
        ("no more than 5 kW", "no more than"),
        ("a 50,000-plus GPU cluster", "plus"),
        ("racks of ≥ 40 kW", "≥"),
    ],
)
def test_qualifiers_exceed_and_plus_are_kept(text: str, qualifier: str) -> None:
    m = one(text)
    assert m.qualifier == qualifier and qualifier in m.text


@pytest.mark.parametrize(
    ("text", "low", "high", "unit", "kind", "per"),
    [
        # a compound of no ledger kind keeps its whole unit and kind None
        ("a specific heat of 1.2 kJ/m³·K", 1.2, 1.2, "kJ/(m³·K)", None, None),
        ("a conductivity of 0.6 W/m·K", 0.6, 0.6, "W/(m·K)", None, None),
        ("a WUE of 0.18 L/kWh", 0.18, 0.18, "l/kWh", None, None),
        ("1,000 kg/m^3", 1000, 1000, "kg/m³", None, None),
        # a ledger kind with a denominator is that kind per the denominator
        ("$1.2 million/MW", 1.2e6, 1.2e6, "USD", "money", "MW"),
        ("700 W/GPU", 700, 700, "W", "power", "GPU"),
        ("40 kW/rack", 40, 40, "kW", "power", "rack"),
        ("1,000 kWh/year", 1000, 1000, "kWh", "energy", "year"),
        ("2 MW/acre", 2, 2, "MW", "power", "acre"),
        ("300 W/m²", 300, 300, "W", "power", "m²"),
        ("80–120+ kW / rack", 80, 120, "kW", "power", "rack"),
    ],
)
def test_compound_units(
    text: str, low: float, high: float, unit: str, kind: str | None, per: str | None
) -> None:
    m = one(text)
    assert (m.low, m.high, m.unit, m.kind, m.per) == (low, high, unit, kind, per)


def test_compound_units_parse_with_pint() -> None:
    heat = units.compound("kJ/m³·K")
    assert heat is not None and heat.symbol == "kJ/(m³·K)" and not heat.noun
    assert heat.denominator == (("m", 3), ("K", 1))  # all after "/" divides, as meant
    assert units.normalise_unit("kJ/m³·K") == "kJ/(m³·K)"
    assert units.convert(1.2, "kJ/(m³·K)", "J/(m³·K)") == pytest.approx(1200)
    assert units.kind_of("kJ/(m³·K)") is None
    per_mw = units.compound("$/MW")
    assert per_mw is not None and per_mw.symbol == "USD/MW" and per_mw.head == "USD"
    rack = units.compound("kW/rack")
    assert rack is not None and rack.noun and rack.head == "kW"
    assert units.compound("and/or") is None and units.compound("GPUs/rack") is None


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("the bank lent it in two tranches", 2, "tranche"),
        ("six shelves of batteries", 6, "shelf"),
        ("some 240 data centres in Europe", 240, "data centre"),
        ("3,000 more Google tensor processing units (TPUs)", 3000, "TPU"),
        ("about 9,000 average U.K. households", 9000, "household"),
        ("a 600,000 GPU campus is planned", 600000, "GPU"),
        ("each rack holds 4× B200 and a switch", 4, "GPU"),
    ],
)
def test_counted_nouns_past_modifiers_and_acronyms(text: str, value: float, unit: str) -> None:
    m = one(text)
    assert (m.kind, m.low, m.unit) == ("count", value, unit)


def test_a_count_before_a_quantity_counts_the_noun_after_both() -> None:
    found = quantities("The yard holds five 500 MVA transformers.")
    assert [(m.text, m.low, m.unit) for m in found] == [
        ("five", 5, "transformer"),
        ("500 MVA", 500, "MVA"),
    ]


def test_times_a_number_is_an_operand_not_a_ratio() -> None:
    found = quantities("Per node: 4 × 1,000 W = 4 kW; the B200 gives 2.5× H100 speed.")
    assert [(m.text, m.unit, m.kind) for m in found] == [
        ("4", None, None),
        ("1,000 W", "W", "power"),
        ("4 kW", "kW", "power"),
        ("2.5×", "x", "ratio"),
    ]


def test_by_then_to_is_a_change_then_a_level_unless_a_close_range() -> None:
    found = quantities("Staff fell by 300 to 9,500 employees; sales grew by 10 to 20%.")
    assert [(m.low, m.high, m.unit) for m in found] == [
        (300, 300, None),
        (9500, 9500, "employee"),
        (10, 20, "%"),
    ]


def test_a_bare_number_shares_the_unit_of_the_number_joined_to_it() -> None:
    found = quantities("Europe and Asia took 30 and 25%; the sites add 4 and 5 GW.")
    assert [(m.low, m.unit) for m in found] == [(30, "%"), (25, "%"), (4, "GW"), (5, "GW")]


def test_an_arrow_or_from_to_shares_the_unit_but_a_year_takes_none() -> None:
    found = quantities("The share went 2.1 → 6% as load rose from 3 to 9 GW.")
    assert [(m.text, m.low, m.unit) for m in found] == [
        ("2.1", 2.1, "%"),
        ("6%", 6, "%"),
        ("3", 3, "GW"),
        ("9 GW", 9, "GW"),
    ]
    found = find_mentions("In 2031 and 18% of cases")
    assert [(m.low, m.unit, m.is_year) for m in found] == [(2031, None, True), (18, "%", False)]
    assert [m.unit for m in quantities("Staff fell by 40 to 900 people")] == [None, "person"]


def test_a_pue_after_a_comparison_sign() -> None:
    assert [(m.qualifier, m.kind) for m in quantities("a PUE ≤ 1.2 at the site")] == [("≤", "pue")]


def test_an_em_dash_glues_two_figures_unless_they_read_as_a_range() -> None:
    found = quantities("so the ratio is 1.25—25% of the load goes to cooling")
    assert [(m.text, m.low, m.high, m.unit) for m in found] == [
        ("1.25", 1.25, 1.25, None),
        ("25%", 25, 25, "%"),
    ]
    assert [(m.low, m.high) for m in quantities("racks of 8—12 kW")] == [(8, 12)]


@pytest.mark.parametrize(
    "text",
    [
        "Our full-year 2026 operating expenses will rise.",
        "The company kept its 2027 targets.",
        "Fiscal 2030 deliveries slipped.",
    ],
)
def test_a_year_that_opens_a_noun_phrase_is_a_year(text: str) -> None:
    assert [(m.is_year, m.unit) for m in find_mentions(text)] == [(True, None)]


def test_parts_pairs_and_elided_nouns_are_counted() -> None:
    found = quantities("Two of the six campuses and 4 of 9 halls run liquid loops.")
    assert [(m.text, m.unit) for m in found] == [
        ("Two", "campus"),
        ("six campuses", "campus"),
        ("4", "hall"),
        ("9 halls", "hall"),
    ]
    assert [m.text for m in quantities("one of the six campuses is new")] == ["six campuses"]
    found = quantities(
        "Each tray pairs one Vera CPU with four GPUs; one operator and two utilities signed."
    )
    assert [(m.low, m.unit) for m in found] == [
        (1, "CPU"),
        (4, "GPU"),
        (1, "operator"),
        (2, "utility"),
    ]
    found = quantities("The state has 212 substations, of which 15 are new, and 30 more.")
    assert [(m.low, m.unit) for m in found] == [(212, "substation"), (15, "substation"), (30, None)]
    found = quantities(
        "The number of edge sites tripled to 610, with another 95 planned; "
        "the number of racks rose 9% to 4,000."
    )
    assert [(m.low, m.unit) for m in found] == [(610, "site"), (95, "site"), (9, "%"), (4000, None)]
    found = quantities("It runs 80 sites; including 5 in Ohio, that is a lot.")
    assert [m.unit for m in found] == ["site", None]  # another clause


@pytest.mark.parametrize(
    "text",
    [
        "a 20,000 sq ft hall",
        "it reaches 2.5 exaFLOPS",
        "floors rated for 1,200 kg",
        "a 400-acre site",
        "800 TB of flash",
        "a 13.8 kV feeder",
        "3 miles of trench",
        "a 12,000 m² hall",
        "cores at 3.4 GHz",
        "a 65 dB limit",
        "30 metres of pipe",
    ],
)
def test_units_outside_the_ledger_kinds_have_no_kind(text: str) -> None:
    m = one(text)
    assert m.kind is None and m.unit is not None


def test_single_gigawatt_dates_without_a_year_and_unicode_hyphens() -> None:
    assert [(m.low, m.unit) for m in quantities("a single gigawatt of load")] == [(1, "GW")]
    assert find_mentions("On 14 March, the board met") == []
    assert quantities("NVLink‑5 switch trays") == []  # a non-breaking hyphen
    assert one("Legacy DC (8 kW/rack):").text == "8 kW/rack"


@pytest.mark.parametrize(
    ("text", "value", "qualifier"),
    [
        ("Cloud revenue more than doubled in a year.", 2, "more than"),
        ("Output will roughly triple by the end of the decade.", 3, "roughly"),
        ("Demand quadruples when training starts.", 4, None),
        ("Doubling the racks doubles the load.", 2, None),
    ],
)
def test_spelled_multiples_are_ratios(text: str, value: float, qualifier: str | None) -> None:
    found = spelled_multiples(text)
    assert {(m.low, m.high, m.unit, m.kind, m.qualifier) for m in found} == {
        (value, value, "x", "ratio", qualifier)
    }
    for m in found:
        assert text[m.start : m.end] == m.text
    assert find_mentions(text) == []  # said as written, never turned into "two times"


def test_spelled_multiples_skip_idioms() -> None:
    assert spelled_multiples("double-digit growth; they double down; a double-check") == []


@pytest.mark.parametrize(
    ("text", "values"),
    [
        (
            "Rigs report up to 35 on-site pumps, far exceeding the 15 permitted.",
            [(35, "pump", "count", None), (15, "pump", "count", None)],
        ),
        (
            "The operator runs 40 sites, up from 25 a year ago.",
            [(40, "site", "count", None), (25, "site", "count", None)],
        ),
        (
            "That's 176 GPUs per pod, and 576 per rack.",
            [(176, "GPU", "count", "pod"), (576, "GPU", "count", "rack")],
        ),
        (
            "Use could reach 945 TWh, up from 415 in 2024.",
            [(945, "TWh", "energy", None), (415, "TWh", "energy", None)],
        ),
        (
            "We add 3 GW by 2027 and another 2 by 2028.",
            [(3, "GW", "power", None), (2, "GW", "power", None)],
        ),
        ("The hall has 12 rows and 400.", [(12, "row", "count", None), (400, None, None, None)]),
    ],
)
def test_a_cue_ties_a_bare_number_to_the_quantity_before_it(
    text: str, values: list[tuple[float, str | None, str | None, str | None]]
) -> None:
    assert [(m.low, m.unit, m.kind, m.per) for m in quantities(text)] == values


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("Each frame holds four 'pods,' each with 18 blades", 4, "pod"),
        ('two "superpods" per hall', 2, "superpod"),
        ("Meta's 600,000 GPUs", 600_000, "GPU"),
        ("Adding 5 GW is hard.", 5, "GW"),
        ("some 3.5m homes", 3.5e6, "home"),
    ],
)
def test_quotes_possessives_openers_and_a_glued_million(text: str, value: float, unit: str) -> None:
    m = quantities(text)[0]
    assert (m.low, m.unit) == (value, unit)


@pytest.mark.parametrize(
    "text",
    [
        "12-high HBM3e stacks",
        "a 3.5m rack",
        "405B parameters",
        "it ranks in the top 10",
        "Dominion's 2024 IRP projects rising load",
    ],
)
def test_adjectives_lengths_names_and_ranks_are_not_quantities(text: str) -> None:
    assert quantities(text) == []


def test_a_year_after_in_is_not_a_proportion() -> None:
    assert [m.low for m in quantities("It was 415 in 2024, and one in five.")] == [415]


def test_a_noun_that_ends_in_s_is_not_the_counted_plural() -> None:
    [plants] = find_mentions("Entergy will build seven natural gas plants by 2030.")[:1]
    assert (plants.low, plants.unit) == (7, "plant")


@pytest.mark.parametrize(
    ("text", "value", "qualifier"),
    [
        ("Prices rose eleven and a half times in three years.", 11.5, None),
        ("The campus could use about twice as much power as the city.", 2, "about"),
    ],
)
def test_spelled_multiples_in_words_and_halves(
    text: str, value: float, qualifier: str | None
) -> None:
    found = spelled_multiples(text)
    assert [(m.low, m.unit, m.qualifier) for m in found] == [(value, "x", qualifier)]
    assert [m for m in find_mentions(text) if m.kind == "ratio"] == []


def test_twice_without_a_comparison_is_no_multiple() -> None:
    assert spelled_multiples("The board meets twice a year.") == []


def test_a_date_range_is_no_figure() -> None:
    found = find_mentions("The auction, held July 9-15, 2025, cleared at $329.17.")
    assert [(m.text, m.is_year) for m in found] == [("July 9-15, 2025", True), ("$329.17", False)]


def test_the_original_three_counts_the_noun_before_it() -> None:
    found = find_mentions("The seven new plants will add 5.2 GW to the original three.")
    assert [(m.low, m.unit) for m in found] == [(7, "plant"), (5.2, "GW"), (3, "plant")]


def test_an_amount_and_its_equivalent_in_brackets_share_the_rate_after_them() -> None:
    euros, dollars = find_mentions("Building costs 9 million euros ($9.70 million) per megawatt.")
    assert (euros.unit, euros.per) == ("EUR", "MW") and (dollars.unit, dollars.per) == ("USD", "MW")
    plain, bracketed = find_mentions("A 300 MW (0.3 GW) campus.")
    assert plain.per is None and bracketed.per is None
