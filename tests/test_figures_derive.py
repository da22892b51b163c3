"""derive: computed figures, consistency checks and assumptions, on figures built by hand.

The figures mirror what extract() finds in examples/gigawatt-racks.md (sentence,
surface text, subject, qualifier), so these tests do not depend on extraction.
"""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.figures import roles
from pipeline.figures.assumptions import ASSUMPTIONS, ASSUMPTIONS_VERSION, as_figures
from pipeline.figures.derive import DEFAULT_TOLERANCE, Derived, derive
from pipeline.figures.models import Check, Figure


class Stated:
    """Source figures f1, f2 … in document order; each one's text must occur in its sentence."""

    def __init__(self) -> None:
        self.figures: list[Figure] = []
        self.named: dict[str, Figure] = {}

    def add(
        self,
        name: str,
        para: str,
        sentence: str,
        text: str,
        kind: str,
        low: float,
        high: float | None = None,
        unit: str = "",
        **fields: Any,
    ) -> Figure:
        assert text in sentence, (text, sentence)
        figure = Figure.model_validate(
            {
                "id": f"f{len(self.figures) + 1}",
                "kind": kind,
                "low": low,
                "high": low if high is None else high,
                "unit": unit,
                "text": text,
                "sentence": sentence,
                "paragraph_id": para,
                **fields,
            }
        )
        self.figures.append(figure)
        self.named[name] = figure
        return figure

    def __getitem__(self, name: str) -> Figure:
        return self.named[name]


S_ENTERPRISE = (
    "A typical enterprise rack drew somewhere between 5 and 15 kW, was cooled by air "
    "pushed through raised floors, and could be planned years in advance."
)
S_NVL72 = (
    "NVIDIA's GB200 NVL72 system packs 72 GPUs and 36 CPUs into a single liquid-cooled "
    "rack that draws about 120 kW under load, and operators are already provisioning "
    "130 kW per rack to leave headroom."
)
S_NINE = (
    "That is roughly nine times the power of a traditional 15 kW rack, and more than 20 "
    "times a 5 kW rack still common in older colocation halls."
)
S_ROADMAP = (
    "Vendors have shown roadmaps for racks of up to 600 kW before the end of the "
    "decade, which would need cooling loops that look more like industrial plumbing "
    "than IT equipment."
)
S_COOLING = (
    "Direct-to-chip liquid cooling removes roughly 80% of the heat at the cold plate, "
    "with the remaining 20% handled by rear-door heat exchangers or conventional air "
    "handling."
)
S_CAMPUS = "Consider a new 100 MW AI campus."
S_RACKS = (
    "At 130 kW per rack, its IT load supports about 770 racks, compared with around "
    "10,000 racks at 10 kW each in a conventional facility of the same size."
)
S_PUE = "With a power usage effectiveness (PUE) of 1.2, the campus pulls 120 MW from the grid."
S_HOMES = (
    "Running around the clock, that is about 1.05 million MWh a year, roughly the "
    "electricity used by 100,000 American homes."
)
S_GRID = (
    "In Northern Virginia, the largest data-centre market in the world, utilities have "
    "told some developers to wait up to seven years for a new high-voltage connection."
)
S_CAPEX = (
    "The four largest cloud and platform companies plan to spend a combined $315 billion "
    "on capital expenditure in 2025, most of it on AI data centres and the chips inside "
    "them."
)
S_PER_COMPANY = (
    "That works out to nearly $79 billion per company, up from $225 billion in "
    "total the year before, an increase of 40%."
)
S_RATE = (
    "Industry estimates put the cost of building an AI-ready facility at around "
    "$10 million to $12 million per megawatt for the shell, power and cooling alone, "
    "before a single GPU is installed."
)
S_BUILD = (
    "A 100 MW campus therefore costs $1 billion to $1.2 billion to build, and the "
    "servers can cost three times as much again."
)
S_RACK_PRICE = (
    "A fully configured GB200 NVL72 rack is widely reported to sell for about "
    "$3 million, or roughly $42,000 per GPU."
)
S_NUCLEAR = (
    "One hyperscaler has contracted 1.5 GW of new nuclear capacity, enough to run "
    "more than ten campuses like the one above."
)
S_FORECAST = (
    "The industry's own forecasts suggest data centres could use 8% of US "
    "electricity by 2030, up from about 4% in 2023."
)
TABLE = {"Microsoft": (56, 80), "Alphabet": (52, 75), "Amazon": (78, 100), "Meta": (39, 60)}


def example(combined: float = 315e9, combined_text: str = "$315 billion") -> Stated:
    """The figures of examples/gigawatt-racks.md."""
    capex = S_CAPEX.replace("$315 billion", combined_text)
    s = Stated()
    s.add(
        "enterprise",
        "p1",
        S_ENTERPRISE,
        "between 5 and 15 kW",
        "power",
        5,
        15,
        "kW",
        subject="a typical enterprise rack",
    )
    s.add(
        "gpus",
        "p3",
        S_NVL72,
        "72 GPUs",
        "count",
        72,
        unit="GPU",
        subject="NVIDIA's GB200 NVL72 system",
    )
    s.add(
        "cpus",
        "p3",
        S_NVL72,
        "36 CPUs",
        "count",
        36,
        unit="CPU",
        subject="NVIDIA's GB200 NVL72 system",
    )
    s.add(
        "nvl72",
        "p3",
        S_NVL72,
        "about 120 kW",
        "power",
        120,
        unit="kW",
        qualifier="about",
        subject="a single liquid-cooled rack",
    )
    s.add(
        "provisioned",
        "p3",
        S_NVL72,
        "130 kW per rack",
        "power",
        130,
        unit="kW",
        per="rack",
        subject="rack provisioning",
    )
    s.add("nine", "p3", S_NINE, "roughly nine times", "ratio", 9, unit="x", qualifier="roughly")
    s.add(
        "traditional",
        "p3",
        S_NINE,
        "15 kW",
        "power",
        15,
        unit="kW",
        subject="a traditional 15 kW rack",
    )
    s.add(
        "twenty", "p3", S_NINE, "more than 20 times", "ratio", 20, unit="x", qualifier="more than"
    )
    s.add("older", "p3", S_NINE, "5 kW", "power", 5, unit="kW", subject="a 5 kW rack")
    s.add(
        "roadmap",
        "p5",
        S_ROADMAP,
        "up to 600 kW",
        "power",
        600,
        unit="kW",
        qualifier="up to",
        subject="racks",
    )
    s.add(
        "cold_plate",
        "p6",
        S_COOLING,
        "roughly 80%",
        "percent",
        80,
        unit="%",
        qualifier="roughly",
        subject="the heat",
    )
    s.add("rear_door", "p6", S_COOLING, "20%", "percent", 20, unit="%")
    s.add(
        "campus",
        "p8",
        S_CAMPUS,
        "100 MW",
        "power",
        100,
        unit="MW",
        subject="a new 100 MW AI campus",
    )
    s.add("density", "p8", S_RACKS, "130 kW per rack", "power", 130, unit="kW", per="rack")
    s.add(
        "racks_770", "p8", S_RACKS, "about 770 racks", "count", 770, unit="rack", qualifier="about"
    )
    s.add(
        "racks_10k",
        "p8",
        S_RACKS,
        "around 10,000 racks",
        "count",
        10_000,
        unit="rack",
        qualifier="around",
    )
    s.add("conventional", "p8", S_RACKS, "10 kW each", "power", 10, unit="kW", per="rack")
    s.add("pue", "p9", S_PUE, "1.2", "pue", 1.2)
    s.add("draw", "p9", S_PUE, "120 MW", "power", 120, unit="MW", subject="the campus")
    s.add(
        "energy",
        "p9",
        S_HOMES,
        "about 1.05 million MWh a year",
        "energy",
        1.05e6,
        unit="MWh",
        per="year",
        qualifier="about",
    )
    s.add(
        "homes",
        "p9",
        S_HOMES,
        "100,000 American homes",
        "count",
        100_000,
        unit="home",
        qualifier="roughly",
    )
    s.add("wait", "p11", S_GRID, "up to seven years", "count", 7, unit="year", qualifier="up to")
    s.add("four", "p13", capex, "four", "count", 4, unit="company")
    s.add("combined", "p13", capex, combined_text, "money", combined, unit="USD", period="2025")
    for name, (before, after) in TABLE.items():
        for year, value in (("2024", before), ("2025", after)):
            s.add(
                f"{name} {year}",
                "p14",
                f"| {name} | ${before}B | ${after}B |",
                f"${value}B",
                "money",
                value * 1e9,
                unit="USD",
                period=year,
                subject=f"{name} {year} Capex",
            )
    s.add(
        "per_company",
        "p15",
        S_PER_COMPANY,
        "nearly $79 billion per company",
        "money",
        79e9,
        unit="USD",
        per="company",
        qualifier="nearly",
    )
    s.add("total_2024", "p15", S_PER_COMPANY, "$225 billion", "money", 225e9, unit="USD")
    s.add("increase", "p15", S_PER_COMPANY, "40%", "percent", 40, unit="%")
    s.add(
        "rate",
        "p16",
        S_RATE,
        "around $10 million to $12 million per megawatt",
        "money",
        10e6,
        12e6,
        "USD",
        per="MW",
        qualifier="around",
        subject="an AI-ready facility",
    )
    s.add(
        "campus_again", "p16", S_BUILD, "100 MW", "power", 100, unit="MW", subject="a 100 MW campus"
    )
    s.add(
        "build_cost",
        "p16",
        S_BUILD,
        "$1 billion to $1.2 billion",
        "money",
        1e9,
        1.2e9,
        "USD",
        subject="a 100 MW campus",
    )
    s.add("servers", "p16", S_BUILD, "three times", "ratio", 3, unit="x")
    s.add(
        "rack_price",
        "p18",
        S_RACK_PRICE,
        "about $3 million",
        "money",
        3e6,
        unit="USD",
        qualifier="about",
        subject="a fully configured GB200 NVL72 rack",
    )
    s.add(
        "per_gpu",
        "p18",
        S_RACK_PRICE,
        "roughly $42,000 per GPU",
        "money",
        42_000,
        unit="USD",
        per="GPU",
        qualifier="roughly",
    )
    s.add(
        "nuclear",
        "p20",
        S_NUCLEAR,
        "1.5 GW",
        "power",
        1.5,
        unit="GW",
        subject="new nuclear capacity",
    )
    s.add(
        "campuses",
        "p20",
        S_NUCLEAR,
        "more than ten campuses",
        "count",
        10,
        unit="campus",
        qualifier="more than",
    )
    s.add("share_2030", "p21", S_FORECAST, "8%", "percent", 8, unit="%", period="2030")
    s.add(
        "share_2023",
        "p21",
        S_FORECAST,
        "about 4%",
        "percent",
        4,
        unit="%",
        qualifier="about",
        period="2023",
    )
    return s


def computed_from(derived: Derived, *inputs: Figure) -> Figure:
    """The computed figure whose inputs are exactly these figures, in this order."""
    ids = [f.id for f in inputs]
    [figure] = [f for f in derived.figures if f.inputs == ids]
    return figure


def check_of(derived: Derived, stated: Figure) -> Check:
    [check] = [c for c in derived.checks if c.stated_id == stated.id]
    return check


def computed(derived: Derived, figure_id: str) -> Figure:
    [figure] = [f for f in derived.figures if f.id == figure_id]
    return figure


@pytest.fixture(scope="module")
def article() -> Stated:
    return example()


@pytest.fixture(scope="module")
def derived(article: Stated) -> Derived:
    return derive(article.figures)


# --- the example article ----------------------------------------------------------------


def test_density_ratio_against_the_articles_typical_rack(article: Stated, derived: Derived) -> None:
    ratio = computed_from(derived, article["provisioned"], article["enterprise"])
    assert (ratio.kind, ratio.unit, ratio.origin) == ("ratio", "x", "computed")
    assert ratio.low == pytest.approx(130 / 15) and ratio.high == pytest.approx(26)
    assert ratio.formula == "130 kW ÷ 5–15 kW = 8.7×–26×"
    assert ratio.text == "8.7×–26×"


def test_stated_ratios_agree_with_their_own_racks(article: Stated, derived: Derived) -> None:
    nine = check_of(derived, article["nine"])
    assert nine.agrees and nine.deviation == pytest.approx(1 / 26, rel=0.01)
    assert computed(derived, nine.computed_id).formula == "130 kW ÷ 15 kW = 8.7×"
    twenty = check_of(derived, article["twenty"])
    assert twenty.agrees and twenty.deviation == 0
    assert computed(derived, twenty.computed_id).formula == "130 kW ÷ 5 kW = 26×"


def test_racks_a_campus_supports(article: Stated, derived: Derived) -> None:
    dense = computed_from(derived, article["campus"], article["density"])
    assert dense.formula == "100 MW ÷ 130 kW = 769 racks" and dense.text == "769 racks"
    assert dense.low == pytest.approx(769.23, abs=0.01) and (dense.kind, dense.unit) == (
        "count",
        "rack",
    )
    legacy = computed_from(derived, article["campus"], article["conventional"])
    assert legacy.formula == "100 MW ÷ 10 kW = 10,000 racks"
    assert check_of(derived, article["racks_770"]).computed_id == dense.id
    assert check_of(derived, article["racks_10k"]).computed_id == legacy.id


def test_a_stated_result_is_not_turned_back_into_an_input(
    article: Stated, derived: Derived
) -> None:
    # "supports about 770 racks" is 100 MW ÷ 130 kW, so 100 MW ÷ 770 racks is not computed.
    used = {tuple(f.inputs) for f in derived.figures}
    assert (article["campus"].id, article["racks_770"].id) not in used
    assert (article["build_cost"].id, article["campus_again"].id) not in used


def test_facility_draw_and_annual_energy(article: Stated, derived: Derived) -> None:
    draw = computed_from(derived, article["campus"], article["pue"])
    assert draw.formula == "100 MW × 1.2 = 120 MW" and draw.low == pytest.approx(120)
    assert check_of(derived, article["draw"]).computed_id == draw.id
    energy = computed_from(derived, article["draw"])
    assert energy.formula == "120 MW × 8,760 h × 100% load = 1,051,200 MWh per year"
    assert (energy.unit, energy.per) == ("MWh", "year")
    assert check_of(derived, article["energy"]).computed_id == energy.id
    it_energy = computed_from(derived, article["campus"])
    assert it_energy.low == pytest.approx(876_000)


def test_capex_table_sums_per_year(article: Stated, derived: Derived) -> None:
    cells_2025 = [article[f"{name} 2025"] for name in TABLE]
    total = computed_from(derived, *cells_2025)
    assert total.formula == "$80 B + $75 B + $100 B + $60 B = $315 B"
    assert total.low == pytest.approx(315e9) and total.text == "$315 billion"
    assert total.period == "2025" and "Microsoft" in total.subject
    check = check_of(derived, article["combined"])
    assert check.computed_id == total.id and check.agrees and check.deviation == 0
    total_2024 = computed_from(derived, *[article[f"{name} 2024"] for name in TABLE])
    assert check_of(derived, article["total_2024"]).computed_id == total_2024.id


def test_capex_per_company_and_year_over_year(article: Stated, derived: Derived) -> None:
    share = computed_from(derived, article["combined"], article["four"])
    assert share.formula == "$315 B ÷ 4 companies = $78.75 B per company"
    assert share.text == "$78.75 billion per company" and share.per == "company"
    assert check_of(derived, article["per_company"]).computed_id == share.id
    change = check_of(derived, article["increase"])
    growth = computed(derived, change.computed_id)
    assert growth.formula == "($315 B − $225 B) ÷ $225 B = 40%"
    assert growth.low == pytest.approx(40) and change.agrees


def test_build_cost_from_cost_per_megawatt(article: Stated, derived: Derived) -> None:
    cost = computed_from(derived, article["rate"], article["campus_again"])
    assert cost.formula == "$10–12 M per MW × 100 MW = $1–1.2 B"
    assert (cost.low, cost.high) == pytest.approx((1e9, 1.2e9))
    assert check_of(derived, article["build_cost"]).computed_id == cost.id


def test_price_per_gpu(article: Stated, derived: Derived) -> None:
    per_gpu = computed_from(derived, article["rack_price"], article["gpus"])
    assert per_gpu.formula == "$3 M ÷ 72 GPUs = $41,667 per GPU"
    assert per_gpu.low == pytest.approx(41_666.67, abs=0.01) and per_gpu.per == "GPU"
    assert check_of(derived, article["per_gpu"]).computed_id == per_gpu.id


def test_every_check_in_the_example_agrees(article: Stated, derived: Derived) -> None:
    checked = {f.id: name for name, f in article.named.items()}
    stated = {checked[c.stated_id] for c in derived.checks}
    assert stated == {
        "nine",
        "twenty",
        "racks_770",
        "racks_10k",
        "draw",
        "energy",
        "combined",
        "per_company",
        "total_2024",
        "increase",
        "build_cost",
        "per_gpu",
    }
    assert all(c.agrees for c in derived.checks), [c.note for c in derived.checks]
    assert all(c.tolerance in (DEFAULT_TOLERANCE, DEFAULT_TOLERANCE / 2) for c in derived.checks)


def test_figures_are_well_formed_and_deterministic(article: Stated, derived: Derived) -> None:
    assert [f.id for f in derived.figures] == [f"c{i}" for i in range(1, len(derived.figures) + 1)]
    known = {f.id for f in article.figures}
    for f in derived.figures:
        assert f.origin == "computed" and f.formula and f.text and f.subject
        assert f.inputs and set(f.inputs) <= known | {g.id for g in derived.figures}
        assert f.low <= f.high
        assert f.formula.endswith(f.text.replace(" billion", " B").replace(" million", " M"))
    assert derive(article.figures) == derived
    assert len({f.formula for f in derived.figures}) == len(derived.figures)


def test_assumptions_are_not_used_unless_asked(derived: Derived) -> None:
    assert not any("assumption" in (f.formula or "") for f in derived.figures)
    assert not any(f.unit == "home" for f in derived.figures)
    assert not any(i.startswith("a") for f in derived.figures for i in f.inputs)


# --- wrong stated results ---------------------------------------------------------------


def test_a_wrong_combined_total_is_flagged() -> None:
    article = example(300e9, "$300 billion")
    derived = derive(article.figures, tolerance=0.02)
    check = check_of(derived, article["combined"])
    assert not check.agrees and check.deviation == pytest.approx(15 / 315, rel=1e-3)
    assert "$315 billion" in check.note and "$300 billion" in check.note
    # Unhedged, "$300 billion" is held to half the default tolerance as well.
    assert not check_of(derive(article.figures), article["combined"]).agrees


def test_a_wrong_ratio_is_flagged_with_what_the_inputs_give() -> None:
    s = Stated()
    s.add(
        "ai",
        "p1",
        "An AI rack draws 130 kW.",
        "130 kW",
        "power",
        130,
        unit="kW",
        subject="an AI rack",
    )
    s.add(
        "claim",
        "p1",
        "That is 14 times a traditional 15 kW rack.",
        "14 times",
        "ratio",
        14,
        unit="x",
    )
    s.add(
        "old",
        "p1",
        "That is 14 times a traditional 15 kW rack.",
        "15 kW",
        "power",
        15,
        unit="kW",
        subject="a traditional 15 kW rack",
    )
    check = check_of(derive(s.figures), s["claim"])
    assert not check.agrees and "8.7×" in check.note and "130 kW ÷ 15 kW" in check.note


@pytest.mark.parametrize(
    ("qualifier", "value", "agrees"),
    [
        ("more than", 8, True),
        ("more than", 10, False),
        ("up to", 9, True),
        ("up to", 8, False),
        ("roughly", 9, True),
        ("nearly", 9, True),
        (None, 9, False),
        (None, 8.7, True),
        ("about", 10, False),
    ],
)
def test_the_qualifier_decides_what_a_statement_claims(
    qualifier: str | None, value: float, agrees: bool
) -> None:
    s = Stated()
    sentence = "An AI rack draws 130 kW, many times a traditional 15 kW rack."
    s.add("ai", "p1", sentence, "130 kW", "power", 130, unit="kW", subject="an AI rack")
    s.add("old", "p1", sentence, "15 kW", "power", 15, unit="kW", subject="a traditional rack")
    s.add("claim", "p1", sentence, "many times", "ratio", value, unit="x", qualifier=qualifier)
    assert check_of(derive(s.figures), s["claim"]).agrees is agrees


# --- more cases ---------------------------------------------------------------------------


def test_racks_at_a_range_of_densities() -> None:
    s = Stated()
    sentence = "A 100 MW campus built for racks of 120 to 140 kW would hold some 760 of them."
    s.add("campus", "p1", sentence, "100 MW", "power", 100, unit="MW", subject="a 100 MW campus")
    s.add("racks", "p1", sentence, "120 to 140 kW", "power", 120, 140, "kW", subject="racks")
    supported = computed_from(derive(s.figures), s["campus"], s["racks"])
    assert supported.formula == "100 MW ÷ 120–140 kW = 714–833 racks"
    assert supported.low == pytest.approx(100_000 / 140) and supported.high == pytest.approx(
        100_000 / 120
    )


def test_density_from_a_facility_and_its_rack_count() -> None:
    s = Stated()
    s.add(
        "site",
        "p1",
        "The 50 MW data centre in Ohio houses 400 racks.",
        "50 MW",
        "power",
        50,
        unit="MW",
        subject="the data centre in Ohio",
    )
    s.add(
        "racks",
        "p1",
        "The 50 MW data centre in Ohio houses 400 racks.",
        "400 racks",
        "count",
        400,
        unit="rack",
    )
    density = computed_from(derive(s.figures), s["site"], s["racks"])
    assert density.formula == "50 MW ÷ 400 racks = 125 kW per rack"
    assert (density.kind, density.unit, density.per) == ("power", "kW", "rack")


def test_cost_per_megawatt_and_per_rack_from_a_facility_cost() -> None:
    s = Stated()
    sentence = "The 200 MW campus will cost $2.4 billion and hold 1,600 racks."
    s.add("site", "p1", sentence, "200 MW", "power", 200, unit="MW", subject="the campus")
    s.add("cost", "p1", sentence, "$2.4 billion", "money", 2.4e9, unit="USD", subject="the campus")
    s.add("racks", "p1", sentence, "1,600 racks", "count", 1600, unit="rack")
    formulas = [f.formula for f in derive(s.figures).figures]
    assert "$2.4 B ÷ 200 MW = $12 M per MW" in formulas
    assert "$2.4 B ÷ 1,600 racks = $1.5 M per rack" in formulas


def test_stated_energy_in_other_units_is_converted_for_the_check() -> None:
    s = Stated()
    s.add(
        "site",
        "p1",
        "The 120 MW campus runs flat out.",
        "120 MW",
        "power",
        120,
        unit="MW",
        subject="the campus",
    )
    s.add(
        "energy",
        "p1",
        "It uses about 1,050 GWh a year.",
        "about 1,050 GWh",
        "energy",
        1050,
        unit="GWh",
        per="year",
        qualifier="about",
    )
    check = check_of(derive(s.figures), s["energy"])
    assert check.agrees and check.deviation == pytest.approx(1.2 / 1051.2, rel=1e-3)


def test_unrelated_figures_are_not_combined() -> None:
    s = Stated()
    s.add("gpus", "p1", "The lab bought 72 GPUs last year.", "72 GPUs", "count", 72, unit="GPU")
    s.add(
        "firms",
        "p1",
        "Four companies bid for the contract.",
        "Four companies",
        "count",
        4,
        unit="company",
    )
    s.add(
        "office",
        "p1",
        "The company's new office cost $3 million.",
        "$3 million",
        "money",
        3e6,
        unit="USD",
        subject="the company's new office",
    )
    s.add(
        "nuclear",
        "p2",
        "The utility added 1.5 GW of capacity.",
        "1.5 GW",
        "power",
        1.5,
        unit="GW",
        subject="capacity",
    )
    s.add("share", "p2", "Demand rose 8% in 2024.", "8%", "percent", 8, unit="%")
    derived = derive(s.figures)
    assert derived.figures == [] and derived.checks == []


def test_a_ceiling_is_a_high_density_rack_too() -> None:
    s = Stated()
    sentence = "Racks of up to 600 kW are coming, against 10 kW for a traditional rack."
    s.add(
        "roadmap",
        "p1",
        sentence,
        "up to 600 kW",
        "power",
        600,
        unit="kW",
        qualifier="up to",
        subject="racks",
    )
    s.add("old", "p1", sentence, "10 kW", "power", 10, unit="kW", subject="a traditional rack")
    [ratio] = derive(s.figures).figures
    assert ratio.formula == "600 kW ÷ 10 kW = 60×"


# --- assumptions ------------------------------------------------------------------------


def test_assumption_table_is_versioned_and_sourced() -> None:
    assert ASSUMPTIONS_VERSION == "2025.1"
    figures = as_figures(ASSUMPTIONS)
    assert [f.id for f in figures] == [f"a{i}" for i in range(1, len(ASSUMPTIONS) + 1)]
    for figure in figures:
        assert figure.origin == "assumption" and figure.reference and figure.text
    assert len({a.key for a in ASSUMPTIONS}) == len(ASSUMPTIONS)


def test_homes_powered_uses_the_household_assumption(article: Stated) -> None:
    assumed = as_figures()
    derived = derive(article.figures, assumed)
    [homes] = [f for f in derived.figures if f.unit == "home"]
    [household] = [a for a in assumed if a.per == "home"]
    assert homes.inputs == [article["energy"].id, household.id]
    assert homes.low == pytest.approx(1.05e9 / 10_800) and homes.high == pytest.approx(1e5)
    assert "assumption" in (homes.formula or "")
    check = check_of(derived, article["homes"])
    assert check.computed_id == homes.id and check.agrees
    assert all(c.agrees for c in derived.checks), [c.note for c in derived.checks]


def test_wrong_homes_count_is_flagged() -> None:
    s = Stated()
    sentence = (
        "The 1.5 MW edge site uses about 13,000 MWh a year, roughly the electricity of 160 homes."
    )
    s.add("site", "p1", sentence, "1.5 MW", "power", 1.5, unit="MW", subject="the edge site")
    s.add(
        "energy",
        "p1",
        sentence,
        "about 13,000 MWh a year",
        "energy",
        13_000,
        unit="MWh",
        per="year",
        qualifier="about",
    )
    s.add("homes", "p1", sentence, "160 homes", "count", 160, unit="home", qualifier="roughly")
    assert [c.stated_id for c in derive(s.figures).checks] == [s["energy"].id]
    check = check_of(derive(s.figures, as_figures()), s["homes"])
    assert not check.agrees and "1,204–1,238 homes" in check.note


def test_assumed_typical_rack_only_when_the_article_names_none() -> None:
    s = Stated()
    s.add(
        "ai",
        "p1",
        "Each AI rack draws 130 kW.",
        "130 kW",
        "power",
        130,
        unit="kW",
        subject="each AI rack",
    )
    assert derive(s.figures).figures == []
    [ratio] = derive(s.figures, as_figures()).figures
    assert ratio.formula == "130 kW ÷ 5–15 kW (assumption: a typical enterprise rack) = 8.7×–26×"
    assert ratio.inputs == ["f1", "a2"]
    article = example()
    with_assumptions = derive(article.figures, as_figures())
    assert not any("a2" in f.inputs for f in with_assumptions.figures)


def test_assumed_pue_is_labelled_downstream() -> None:
    s = Stated()
    s.add(
        "site",
        "p1",
        "Consider a 100 MW campus.",
        "100 MW",
        "power",
        100,
        unit="MW",
        subject="a 100 MW campus",
    )
    derived = derive(s.figures, as_figures())
    draw = computed_from(derived, s["site"], as_figures()[2])
    assert draw.formula == (
        "100 MW × 1.58 (assumption: industry-average power usage effectiveness) = 158 MW"
    )
    energy = computed_from(derived, draw)
    assert energy.formula == (
        "158 MW (from an assumption) × 8,760 h × 100% load = 1,384,080 MWh per year"
    )


def test_price_per_gpu_uses_the_gpu_count_of_the_same_product() -> None:
    s = Stated()
    s.add(
        "hgx",
        "p1",
        "A rack of four HGX H100 servers holds 32 GPUs.",
        "32 GPUs",
        "count",
        32,
        unit="GPU",
        subject="a rack of four HGX H100 servers",
    )
    s.add(
        "nvl",
        "p1",
        "The GB200 NVL72 rack packs 72 GPUs.",
        "72 GPUs",
        "count",
        72,
        unit="GPU",
        subject="the GB200 NVL72 rack",
    )
    s.add(
        "price",
        "p2",
        "A GB200 NVL72 rack sells for about $3 million.",
        "about $3 million",
        "money",
        3e6,
        unit="USD",
        qualifier="about",
        subject="a GB200 NVL72 rack",
    )
    [per_gpu] = derive(s.figures).figures
    assert per_gpu.inputs == [s["price"].id, s["nvl"].id]


def test_a_zero_denominator_gives_no_figure() -> None:
    s = Stated()
    sentence = "The 20 MW site has 0 racks installed so far."
    s.add("site", "p1", sentence, "20 MW", "power", 20, unit="MW", subject="the site")
    s.add("racks", "p1", sentence, "0 racks", "count", 0, unit="rack")
    assert [f.inputs for f in derive(s.figures).figures] == [[s["site"].id]]


# --- growth, multiples, chips and rates (issue 11) ----------------------------------------


def by_formula(derived: Derived, formula_start: str) -> Figure:
    return next(f for f in derived.figures if (f.formula or "").startswith(formula_start))


def test_growth_over_fiscal_years_quarters_and_the_whole_span() -> None:
    s = Stated()
    text = (
        "Contoso's fiscal 2026 spending reached $90B, up from the $60B of fiscal 2025, "
        "which itself was up on fiscal 2024's $40B."
    )
    s.add(
        "fy26",
        "p1",
        text,
        "$90B",
        "money",
        90e9,
        unit="USD",
        entity="Contoso",
        role="capex",
        period="fiscal 2026",
    )
    s.add(
        "fy25",
        "p1",
        text,
        "$60B",
        "money",
        60e9,
        unit="USD",
        entity="Contoso",
        role="capex",
        period="fiscal 2025",
    )
    s.add("fy24", "p1", text, "$40B", "money", 40e9, unit="USD", role="capex", period="fiscal 2024")
    row = "Q3 | $8.0B | $14.0B"
    s.add(
        "q3_old",
        "p2",
        row,
        "$8.0B",
        "money",
        8e9,
        unit="USD",
        entity="Q3",
        role="capex",
        period="FY25",
    )
    s.add(
        "q3_new",
        "p2",
        row,
        "$14.0B",
        "money",
        14e9,
        unit="USD",
        entity="Q3",
        role="capex",
        period="FY26",
    )
    derived = derive(s.figures)
    growth = {round(f.low, 1) for f in derived.figures if f.unit == "%" and f.per is None}
    assert {50.0, 125.0} <= growth  # each year, and fiscal 2024 → 2026 in one
    assert computed_from(derived, s["q3_old"], s["q3_new"]).low == pytest.approx(75)
    yearly = next(f for f in derived.figures if f.per == "year")
    assert yearly.low == pytest.approx(50)  # (90 ÷ 40)^(1/2) − 1
    assert not any(f.per == "company" for f in derived.figures)  # quarters are not companies


def test_a_spelled_multiple_is_checked_against_the_growth_multiple() -> None:
    s = Stated()
    text = "The group plans $90 billion for 2026, more than doubling 2025's $60 billion."
    s.add(
        "new",
        "p1",
        text,
        "$90 billion",
        "money",
        90e9,
        unit="USD",
        role="capex",
        entity="group",
        period="2026",
    )
    s.add("doubling", "p1", text, "more than doubling", "ratio", 2, unit="x", qualifier="more than")
    s.add("old", "p1", text, "$60 billion", "money", 60e9, unit="USD", role="capex", period="2025")
    derived = derive(s.figures)
    check = check_of(derived, s["doubling"])
    assert check.alarm and "1.5" in check.note


def test_a_comparison_multiple_is_not_a_growth_multiple() -> None:
    s = Stated()
    first = "Use rose from 200 TWh in 2020 to 300 TWh in 2025."
    second = "That is three times faster than the growth of all other demand."
    s.add("old", "p1", first, "200 TWh", "energy", 200, unit="TWh", entity="use", period="2020")
    s.add("new", "p1", first, "300 TWh", "energy", 300, unit="TWh", period="2025")
    s.add("faster", "p1", second, "three times", "ratio", 3, unit="x")
    derived = derive(s.figures)
    assert by_formula(derived, "(300 TWh − 200 TWh)").low == pytest.approx(50)
    assert not any(c.stated_id == s["faster"].id for c in derived.checks)


def test_a_change_spelled_out_in_the_text_and_a_rounded_percentage() -> None:
    s = Stated()
    first = "In March the queue held 80 GW."
    second = "By December it had swollen to 160 GW, and it has grown 100% in the year."
    third = "Energized capacity is 5.5 GW, with another 500 MW due, a rise of 10%."
    s.add(
        "march", "p1", first, "80 GW", "power", 80, unit="GW", role="grid_capacity", entity="queue"
    )
    s.add("december", "p1", second, "160 GW", "power", 160, unit="GW", role="grid_capacity")
    s.add("stated", "p1", second, "100%", "percent", 100, unit="%", role="growth", entity="queue")
    s.add("energized", "p2", third, "5.5 GW", "power", 5.5, unit="GW", role="facility_power")
    s.add("more", "p2", third, "500 MW", "power", 500, unit="MW", role="facility_power")
    s.add("rise", "p2", third, "10%", "percent", 10, unit="%", role="growth")
    derived = derive(s.figures)
    assert check_of(derived, s["stated"]).agrees
    rise = check_of(derived, s["rise"])
    assert rise.agrees and not rise.alarm  # 500 ÷ 5,500 = 9.1%, said as 10%


def test_the_chips_power_against_a_figure_for_the_gpus_alone() -> None:
    s = Stated()
    text = "A Contoso X9 node (4 X9 SXM GPUs at 900 W each) draws about 7 kW from the GPUs alone."
    s.add(
        "count",
        "p1",
        text,
        "4 X9 SXM GPUs",
        "count",
        4,
        unit="GPU",
        role="count_gpus",
        entity="Contoso X9 node",
    )
    s.add("each", "p1", text, "900 W", "power", 900, unit="W", role="chip_power", entity="GPU")
    s.add(
        "alone", "p1", text, "about 7 kW", "power", 7, unit="kW", qualifier="about", entity="X9 SXM"
    )  # the product in brackets, not the node: still the GPUs' draw
    derived = derive(s.figures)
    assert computed_from(derived, s["count"], s["each"]).low == pytest.approx(3.6)
    assert check_of(derived, s["alone"]).alarm


def test_an_it_load_with_the_host_is_not_the_chips_power() -> None:
    s = Stated()
    text = "4 GPUs × 900 W (GPU) + 400 W (host) ≈ 4 kW IT load."
    s.add("count", "p1", text, "4 GPUs", "count", 4, unit="GPU", role="count_gpus")
    s.add("each", "p1", text, "900 W", "power", 900, unit="W", role="chip_power")
    s.add("host", "p1", text, "400 W", "power", 400, unit="W", role="server_power")
    s.add("load", "p1", text, "≈ 4 kW", "power", 4, unit="kW", role="power")
    pue = "With PUE 1.3 the node draws about 5.2 kW in total."
    s.add("pue", "p1", pue, "1.3", "pue", 1.3)
    s.add("draw", "p1", pue, "about 5.2 kW", "power", 5.2, unit="kW", qualifier="about")
    derived = derive(s.figures)
    # Checked against the article's own sum, not against the GPUs' 3.6 kW.
    load = check_of(derived, s["load"])
    assert load.agrees and computed(derived, load.computed_id).formula == (
        "4 GPUs × 900 W + 400 W = 4 kW"
    )
    assert computed_from(derived, s["load"], s["pue"]).low == pytest.approx(5.2)
    assert check_of(derived, s["draw"]).agrees


def test_a_rate_per_gigawatt_restated_per_megawatt() -> None:
    s = Stated()
    first = "Builders now quote $40 billion to $50 billion per gigawatt for new campuses."
    second = "A reply did the sums: $25M per MW."
    s.add(
        "per_gw",
        "p1",
        first,
        "$40 billion to $50 billion per gigawatt",
        "money",
        40e9,
        50e9,
        unit="USD",
        per="GW",
        role="cost_per_mw",
        entity="new campuses",
    )
    s.add(
        "per_mw",
        "p1",
        second,
        "$25M per MW",
        "money",
        25e6,
        unit="USD",
        per="MW",
        role="cost_per_mw",
    )
    derived = derive(s.figures)
    rate = computed_from(derived, s["per_gw"])
    assert (rate.low, rate.high) == pytest.approx((40e6, 50e6))
    assert check_of(derived, s["per_mw"]).alarm


def test_parts_of_a_whole_and_spending_listed_by_company() -> None:
    s = Stated()
    parts = (
        "A one-gigawatt site needs $20 billion of chips plus $10 billion of buildings and power."
    )
    s.add("site", "p1", parts, "one-gigawatt", "power", 1, unit="GW", role="facility_power")
    s.add("chips", "p1", parts, "$20 billion", "money", 20e9, unit="USD", role="capex")
    s.add("rest", "p1", parts, "$10 billion", "money", 10e9, unit="USD", role="capex")
    listed = "Fabrikam ($50B), Contoso ($40B) and Northwind ($30B) lead the spending."
    for name, text, value in (
        ("Fabrikam", "$50B", 50e9),
        ("Contoso", "$40B", 40e9),
        ("Northwind", "$30B", 30e9),
    ):
        s.add(name, "p2", listed, text, "money", value, unit="USD", role="capex", entity=name)
    derived = derive(s.figures)
    whole = computed_from(derived, s["chips"], s["rest"])
    assert whole.low == 30e9
    assert computed_from(derived, s["chips"], whole).low == pytest.approx(200 / 3)  # share
    assert by_formula(derived, "$30 B ÷ 1 GW").low == pytest.approx(30e6)  # per MW
    total = computed_from(derived, s["Fabrikam"], s["Contoso"], s["Northwind"])
    assert total.low == 120e9
    assert computed_from(derived, total).low == 40e9  # per company


# --- check ids --------------------------------------------------------------------------


def test_a_check_keeps_its_id_when_unrelated_checks_come_and_go(derived: Derived) -> None:
    ids = {c.id for c in derived.checks}
    assert len(ids) == len(derived.checks) and all(0 < len(i) <= 20 for i in ids)
    changed = example()
    # Drop the first stated ratio (its check goes) and add a figure with a check of its own
    # before all the others: a verdict keyed by id must still find the same checks.
    figures = [f for f in changed.figures if f.id != changed["nine"].id]
    extra = "A pilot hall of 2 MW holds 20 racks at 100 kW per rack, about 20 racks in all."
    figures[:0] = [
        Figure(
            id="f90",
            kind="power",
            low=2,
            high=2,
            unit="MW",
            text="2 MW",
            sentence=extra,
            paragraph_id="p0",
            role="facility_power",
            entity="pilot hall",
        ),
        Figure(
            id="f91",
            kind="power",
            low=100,
            high=100,
            unit="kW",
            per="rack",
            text="100 kW per rack",
            sentence=extra,
            paragraph_id="p0",
        ),
        Figure(
            id="f92",
            kind="count",
            low=20,
            high=20,
            unit="rack",
            qualifier="about",
            text="about 20 racks",
            sentence=extra,
            paragraph_id="p0",
        ),
    ]
    rebuilt = derive(figures)
    before = {c.stated_id: c.id for c in derived.checks}
    after = {c.stated_id: c.id for c in rebuilt.checks}
    assert "f92" in after and after["f92"] not in before.values()
    kept = {s: i for s, i in before.items() if s != changed["nine"].id}
    assert {s: after[s] for s in kept} == kept


# --- changes, homes and worked examples on sentences written for these tests -------------


def test_changes_said_up_from_and_that_number_is() -> None:
    s = Stated()
    quarter = "Spending this quarter hit $12bn, up from $10bn a year earlier."
    s.add("new", "p1", quarter, "$12bn", "money", 12e9, unit="USD", role="capex")
    s.add("old", "p1", quarter, "$10bn", "money", 10e9, unit="USD", role="capex")
    queue = "In March the queue held 40 GW; today that number is 50 GW."
    s.add("march", "p2", queue, "40 GW", "power", 40, unit="GW", role="grid_capacity")
    s.add("today", "p2", queue, "50 GW", "power", 50, unit="GW", role="grid_capacity")
    density = "Average density rose from 8 kW per rack in 2020 to 20 kW in 2025."
    s.add(
        "from", "p3", density, "8 kW per rack", "power", 8, unit="kW", per="rack", role="rack_power"
    )
    s.add("to", "p3", density, "20 kW", "power", 20, unit="kW", role="rack_power")
    derived = derive(s.figures)
    assert computed_from(derived, s["old"], s["new"]).low == pytest.approx(20)
    assert computed_from(derived, s["march"], s["today"]).low == pytest.approx(25)
    assert computed_from(derived, s["from"], s["to"]).low == pytest.approx(150)


def test_compared_to_names_the_amount_a_change_starts_from() -> None:
    # "to" in "compared to" is not "rose to": the amount after it is the old one, and no
    # starting amount is worked back from the old one.
    s = Stated()
    sales = (
        "Quarterly sales were $600 million, an increase of 200% compared to $200 "
        "million a year earlier."
    )
    s.add("new", "p1", sales, "$600 million", "money", 600e6, unit="USD", role="revenue")
    s.add("rise", "p1", sales, "200%", "percent", 200, unit="%", role="revenue_growth")
    s.add("old", "p1", sales, "$200 million", "money", 200e6, unit="USD", role="revenue")
    derived = derive(s.figures)
    changes = [f for f in derived.figures if f.kind == "percent"]
    assert [f.low for f in changes] == [pytest.approx(200)]
    assert not [f for f in derived.figures if f.kind == "money"]


def test_revenue_growth_is_not_checked_against_spending_growth() -> None:
    s = Stated()
    revenue = "The company booked $50 billion in revenue, up 18 percent."
    s.add("revenue", "p1", revenue, "$50 billion", "money", 50e9, unit="USD", role="revenue")
    s.add(
        "growth",
        "p1",
        revenue,
        "18 percent",
        "percent",
        18,
        unit="%",
        role=roles.role_of("percent", "%", None, "company", revenue),
    )  # as extract() does
    assert s["growth"].role == "revenue_growth"
    capex = "Capex hit $12bn, up from $10bn last year."
    s.add("new", "p2", capex, "$12bn", "money", 12e9, unit="USD", role="capex")
    s.add("old", "p2", capex, "$10bn", "money", 10e9, unit="USD", role="capex")
    assert not any(c.stated_id == s["growth"].id for c in derive(s.figures).checks)


def test_a_homes_yearly_use_and_the_energy_of_many_homes() -> None:
    s = Stated()
    site = "A 50 MW campus uses 438,000 MWh a year, as much as 40,000 homes."
    s.add(
        "energy",
        "p1",
        site,
        "438,000 MWh a year",
        "energy",
        438_000,
        unit="MWh",
        per="year",
        role="energy",
    )
    s.add("homes", "p1", site, "40,000 homes", "count", 40_000, unit="home")
    home = "An average home uses about 10,000 kWh."
    s.add(
        "use",
        "p2",
        home,
        "about 10,000 kWh",
        "energy",
        10_000,
        unit="kWh",
        entity="average home",
        qualifier="about",
    )
    derived = derive(s.figures)
    assert computed_from(derived, s["energy"], s["homes"]).low == pytest.approx(10.95)
    energy = computed_from(derived, s["homes"], s["use"])
    assert (energy.low, energy.unit, energy.per) == (4e8, "kWh", "year")


def test_a_worked_example_is_checked_against_its_own_result() -> None:
    s = Stated()
    right = "IT load 400 kW, total facility 560 kW → PUE = 560 ÷ 400 = 1.40."
    s.add("it", "p1", right, "400 kW", "power", 400, unit="kW", entity="facility")
    s.add("total", "p1", right, "560 kW", "power", 560, unit="kW", entity="facility")
    s.add("560", "p1", right, "560", "count", 560)
    s.add("400", "p1", right, "400", "count", 400)
    s.add("pue", "p1", right, "1.40", "pue", 1.4)
    wrong = "20 racks × 40 kW = 1 MW IT load"
    s.add("racks", "p2", wrong, "20 racks", "count", 20, unit="rack")
    s.add("density", "p2", wrong, "40 kW", "power", 40, unit="kW", per="rack")
    s.add("load", "p2", wrong, "1 MW", "power", 1, unit="MW", role="facility_power")
    derived = derive(s.figures)
    pue = check_of(derived, s["pue"])
    assert pue.agrees and computed(derived, pue.computed_id).formula == "560 ÷ 400 = 1.4"
    load = check_of(derived, s["load"])
    assert load.alarm and computed(derived, load.computed_id).low == pytest.approx(0.8)


# --- no false alarms: the same quantity of the same thing over the same span --------------


def test_a_stated_rate_for_one_span_is_not_checked_against_another_span() -> None:
    s = Stated()
    text = (
        "Demand grew at a compound annual growth rate of 7% from 2014 to 2018, "
        "increasing to 18% between 2018 and 2023."
    )
    s.add("early", "p1", text, "7%", "percent", 7, unit="%", role="growth", period="2014")
    s.add("late", "p1", text, "18%", "percent", 18, unit="%", role="growth", period="2018")
    amounts = "Use was 60 TWh in 2014, 76 TWh in 2018 and 176 TWh in 2023."
    for name, text_, value, year in (
        ("a", "60 TWh", 60, "2014"),
        ("b", "76 TWh", 76, "2018"),
        ("c", "176 TWh", 176, "2023"),
    ):
        s.add(
            name,
            "p2",
            amounts,
            text_,
            "energy",
            value,
            unit="TWh",
            role="energy",
            entity="data centres",
            period=year,
        )
    derived = derive(s.figures)
    late = check_of(derived, s["late"])
    assert late.agrees and "176" in late.note and "76 TWh" in late.note  # 2018 → 2023: 18.3%
    early = check_of(derived, s["early"])
    assert "176" not in early.note  # 2014 → 2018 only
    assert not any(c.alarm for c in derived.checks)


def test_a_growth_of_one_quantity_is_not_a_change_of_another_in_its_sentence() -> None:
    s = Stated()
    text = (
        "The cloud unit saw 32% growth for $13.6bn in revenue, with income climbing from "
        "$1.2bn to $2.8bn."
    )
    s.add(
        "growth",
        "p1",
        text,
        "32%",
        "percent",
        32,
        unit="%",
        role="revenue_growth",
        entity="cloud unit",
    )
    s.add(
        "revenue",
        "p1",
        text,
        "$13.6bn",
        "money",
        13.6e9,
        unit="USD",
        role="revenue",
        entity="cloud unit",
    )
    s.add(
        "old", "p1", text, "$1.2bn", "money", 1.2e9, unit="USD", role="revenue", entity="cloud unit"
    )
    s.add(
        "new", "p1", text, "$2.8bn", "money", 2.8e9, unit="USD", role="revenue", entity="cloud unit"
    )
    derived = derive(s.figures)
    income = computed_from(derived, s["old"], s["new"])
    assert income.low == pytest.approx(133.333, rel=1e-3)
    assert not any(set(f.inputs) == {s["old"].id, s["revenue"].id} for f in derived.figures)
    assert not any(c.alarm for c in derived.checks)


def test_an_expectation_is_not_a_point_in_a_time_series_of_actuals() -> None:
    s = Stated()
    actual = "Cloud revenue reached almost $12 billion for the quarter, up 30 percent."
    expected = "Analysts had expected a 32.2 percent increase to $12.16bn."
    s.add(
        "actual",
        "p1",
        actual,
        "almost $12 billion",
        "money",
        12e9,
        unit="USD",
        role="revenue",
        entity="Cloud",
        qualifier="almost",
    )
    s.add(
        "up",
        "p1",
        actual,
        "30 percent",
        "percent",
        30,
        unit="%",
        role="revenue_growth",
        entity="Cloud",
    )
    s.add(
        "guess",
        "p1",
        expected,
        "32.2 percent",
        "percent",
        32.2,
        unit="%",
        role="revenue_growth",
        entity="Cloud",
    )
    s.add(
        "target",
        "p1",
        expected,
        "$12.16bn",
        "money",
        12.16e9,
        unit="USD",
        role="revenue",
        entity="Cloud",
    )
    derived = derive(s.figures)
    assert not any({s["actual"].id, s["target"].id} <= set(f.inputs) for f in derived.figures)
    assert not any(c.alarm for c in derived.checks)


def test_a_forecast_of_a_later_year_is_a_change_from_an_actual() -> None:
    s = Stated()
    text = "Demand is expected to reach 35 GW by 2030, up from 17 GW in 2022."
    s.add(
        "new",
        "p1",
        text,
        "35 GW",
        "power",
        35,
        unit="GW",
        role="facility_power",
        entity="demand",
        period="2030",
    )
    s.add(
        "old",
        "p1",
        text,
        "17 GW",
        "power",
        17,
        unit="GW",
        role="facility_power",
        entity="demand",
        period="2022",
    )
    derived = derive(s.figures)
    [change] = [
        f for f in derived.figures if f.inputs == [s["old"].id, s["new"].id] and f.per is None
    ]
    assert change.low == pytest.approx(105.88, rel=1e-3)


def test_growth_from_rounded_inputs_carries_their_rounding_into_the_check() -> None:
    s = Stated()
    first = "26GW of demand is at the engineering stage as of December 2024."
    second = "In July 2024, only 8GW was in that stage, a 245 percent increase."
    s.add(
        "new",
        "p1",
        first,
        "26GW",
        "power",
        26,
        unit="GW",
        role="facility_power",
        entity="demand",
        period="December 2024",
    )
    s.add(
        "old",
        "p1",
        second,
        "8GW",
        "power",
        8,
        unit="GW",
        role="facility_power",
        entity="demand",
        period="July 2024",
    )
    s.add(
        "rise",
        "p1",
        second,
        "245 percent",
        "percent",
        245,
        unit="%",
        role="growth",
        entity="demand",
    )
    derived = derive(s.figures)
    [change] = [f for f in derived.figures if f.inputs == [s["old"].id, s["new"].id]]
    assert change.low == pytest.approx(225)  # 26 ÷ 8 as printed
    check = check_of(derived, s["rise"])
    assert check.agrees and "rounded" in check.note  # 25.5–26.5 ÷ 7.5–8.5 allows 245%


def test_rounding_is_no_excuse_for_a_spelled_multiple_that_is_twice_off() -> None:
    s = Stated()
    text = "A second substation will quadruple Colossus's grid power use to 300 MW."
    now = "It currently consumes 150 MW."
    s.add("word", "p1", text, "quadruple", "ratio", 4, unit="x")
    s.add(
        "new",
        "p1",
        text,
        "300 MW",
        "power",
        300,
        unit="MW",
        role="facility_power",
        entity="Colossus",
    )
    # "It …": whose it is only points back; the entity from another mention is not held
    s.add(
        "now",
        "p1",
        now,
        "150 MW",
        "power",
        150,
        unit="MW",
        role="facility_power",
        entity="Tesla Megapack",
    )
    derived = derive(s.figures)
    check = check_of(derived, s["word"])
    assert check.alarm and "2×" in check.note  # 300 ÷ 150 is a doubling


def test_a_count_per_unit_is_checked_against_the_product_of_counts() -> None:
    s = Stated()
    text = "Each pod will house 18 blades, and each blade will hold eight GPUs."
    total = "That's 176 GPUs per pod, and 576 per rack."
    s.add("blades", "p1", text, "18 blades", "count", 18, unit="blade", entity="pod")
    s.add(
        "gpus", "p1", text, "eight GPUs", "count", 8, unit="GPU", role="count_gpus", entity="blade"
    )
    s.add(
        "per_pod",
        "p1",
        total,
        "176 GPUs per pod",
        "count",
        176,
        unit="GPU",
        per="pod",
        role="count_gpus",
        entity="blade",
    )
    s.add(
        "per_rack",
        "p1",
        total,
        "576 per rack",
        "count",
        576,
        unit="GPU",
        per="rack",
        role="count_gpus",
        entity="blade",
    )
    derived = derive(s.figures)
    assert computed_from(derived, s["gpus"], s["blades"]).low == 144
    check = check_of(derived, s["per_pod"])
    assert check.alarm and "144" in check.note


def test_power_per_site_per_home_and_per_gpu_all_in() -> None:
    s = Stated()
    sites = "The utility has connected 94 data centers totaling 4,000 MW."
    homes = "The new line brings 300 MW, enough to run 300,000 homes."
    gpus = "The site launched with 100,000 GPUs, drawing about 70 MW from the grid."
    s.add(
        "sites", "p1", sites, "94 data centers", "count", 94, unit="data center", role="count_sites"
    )
    s.add("load", "p1", sites, "4,000 MW", "power", 4000, unit="MW", role="facility_power")
    s.add("line", "p2", homes, "300 MW", "power", 300, unit="MW", role="facility_power")
    s.add("homes", "p2", homes, "300,000 homes", "count", 300000, unit="home", role="count_homes")
    s.add("gpus", "p3", gpus, "100,000 GPUs", "count", 100000, unit="GPU", role="count_gpus")
    s.add(
        "draw",
        "p3",
        gpus,
        "about 70 MW",
        "power",
        70,
        unit="MW",
        role="facility_power",
        qualifier="about",
    )
    derived = derive(s.figures)
    assert computed_from(derived, s["load"], s["sites"]).low == pytest.approx(42.553, rel=1e-3)
    assert computed_from(derived, s["line"], s["homes"]).low == pytest.approx(1.0)
    assert computed_from(derived, s["draw"], s["gpus"]).low == pytest.approx(0.7)


# --- inputs chosen across sentences and paragraphs (Article.select) -------------------------


def test_a_change_stated_in_the_sentence_after_its_new_amount() -> None:
    s = Stated()
    first = "Fabrikam spent $30 billion on capital expenditures in the latest quarter."
    second = "The total was up from $24 billion in the quarter before."
    s.add(
        "new",
        "p1",
        first,
        "$30 billion",
        "money",
        30e9,
        unit="USD",
        role="capex",
        entity="Fabrikam",
    )
    s.add(
        "old",
        "p1",
        second,
        "$24 billion",
        "money",
        24e9,
        unit="USD",
        role="capex",
        entity="Fabrikam",
    )
    derived = derive(s.figures)
    assert computed_from(derived, s["old"], s["new"]).low == pytest.approx(25)


def test_systems_times_the_power_of_one_said_a_paragraph_before() -> None:
    s = Stated()
    one = "A Contoso CX900 system draws 12 kW at full load; a Contoso CX800 system draws 9 kW."
    many = "A pod of 20 Contoso CX900 systems needs about 240 kW."
    s.add("x9", "p1", one, "12 kW", "power", 12, unit="kW", entity="Contoso CX900 system")
    s.add("x8", "p1", one, "9 kW", "power", 9, unit="kW", entity="Contoso CX800 system")
    s.add("count", "p2", many, "20 Contoso CX900 systems", "count", 20, unit="system", entity="pod")
    s.add(
        "pod", "p2", many, "about 240 kW", "power", 240, unit="kW", qualifier="about", entity="pod"
    )
    derived = derive(s.figures)
    power = computed_from(derived, s["count"], s["x9"])  # the X9's, never the X8's
    assert power.low == 240 and not any(
        f.inputs == [s["count"].id, s["x8"].id] for f in derived.figures
    )
    check = check_of(derived, s["pod"])
    assert check.agrees and check.confidence < 0.8  # inputs a paragraph apart: inferred


def test_a_far_disagreement_is_shown_but_never_an_alarm() -> None:
    s = Stated()
    one = "A Contoso CX900 system draws 12 kW at full load."
    many = "A pod of 20 Contoso CX900 systems needs about 400 kW."
    s.add("x9", "p1", one, "12 kW", "power", 12, unit="kW", entity="Contoso CX900 system")
    s.add("count", "p2", many, "20 Contoso CX900 systems", "count", 20, unit="system", entity="pod")
    s.add(
        "pod", "p2", many, "about 400 kW", "power", 400, unit="kW", qualifier="about", entity="pod"
    )
    check = check_of(derive(s.figures), s["pod"])
    assert not check.agrees and not check.alarm


def test_systems_with_the_power_of_each_in_their_sentence() -> None:
    s = Stated()
    text = "The rack holds four 33 kW power shelves and 18 trays at 6.5 kW each."
    s.add("shelves", "p1", text, "four", "count", 4, unit="shelf", entity="power shelves")
    s.add("shelf", "p1", text, "33 kW", "power", 33, unit="kW", entity="power shelves")
    s.add("trays", "p1", text, "18 trays", "count", 18, unit="tray", entity="trays")
    s.add("tray", "p1", text, "6.5 kW", "power", 6.5, unit="kW", entity="trays")
    derived = derive(s.figures)
    assert computed_from(derived, s["shelves"], s["shelf"]).low == 132
    assert computed_from(derived, s["trays"], s["tray"]).low == pytest.approx(117)


def test_cost_per_megawatt_of_a_plant_said_paragraphs_apart() -> None:
    s = Stated()
    plant = "The operator hopes to reopen the 800MW plant in 2028."
    cost = "It will invest $1.6 billion to restart the reactor."
    s.add(
        "plant",
        "p1",
        plant,
        "800MW",
        "power",
        800,
        unit="MW",
        role="facility_power",
        entity="plant",
    )
    s.add(
        "cost",
        "p3",
        cost,
        "$1.6 billion",
        "money",
        1.6e9,
        unit="USD",
        role="capex",
        entity="operator",
    )
    derived = derive(s.figures)
    assert computed_from(derived, s["cost"], s["plant"]).low == pytest.approx(2e6)


def test_homes_said_as_an_equivalent_in_the_next_paragraph() -> None:
    s = Stated()
    load = "Requests have reached 60,000 megawatts."
    homes = "That's enough electricity to power 15 million homes."
    s.add("load", "p1", load, "60,000 megawatts", "power", 60000, unit="MW", role="facility_power")
    s.add("homes", "p2", homes, "15 million homes", "count", 15e6, unit="home", role="count_homes")
    derived = derive(s.figures)
    assert computed_from(derived, s["load"], s["homes"]).low == pytest.approx(4.0)


def test_the_amount_a_stated_change_started_from() -> None:
    s = Stated()
    text = "Requests have jumped by 60%, reaching 40,000 megawatts."
    delta = "Leases rose to $50 billion, up $10 billion from the quarter before."
    s.add("rise", "p1", text, "60%", "percent", 60, unit="%", role="growth")
    s.add("now", "p1", text, "40,000 megawatts", "power", 40000, unit="MW", role="facility_power")
    s.add("leases", "p2", delta, "$50 billion", "money", 50e9, unit="USD", role="capex")
    s.add("delta", "p2", delta, "$10 billion", "money", 10e9, unit="USD", role="capex")
    derived = derive(s.figures)
    assert computed_from(derived, s["now"], s["rise"]).low == pytest.approx(25000)
    assert computed_from(derived, s["leases"], s["delta"]).low == pytest.approx(40e9)


def test_multiples_of_two_percentages_said_as_fourfold_and_sixfold() -> None:
    s = Stated()
    first = "Our overhead fell to 20% versus an industry average of 90%."
    second = "In other words we cut the overhead by more than fourfold."
    third = "One site runs at only 15%, a sixfold improvement."
    s.add("ours", "p1", first, "20%", "percent", 20, unit="%")
    s.add("average", "p1", first, "90%", "percent", 90, unit="%")
    s.add("four", "p1", second, "more than fourfold", "ratio", 4, unit="x", qualifier="more than")
    s.add("site", "p1", third, "15%", "percent", 15, unit="%")
    s.add("six", "p1", third, "sixfold", "ratio", 6, unit="x")
    derived = derive(s.figures)
    assert check_of(derived, s["four"]).agrees  # 90 ÷ 20 = 4.5
    six = check_of(derived, s["six"])
    assert six.agrees and computed(derived, six.computed_id).low == pytest.approx(6.0)


def test_a_named_ratio_is_not_a_multiple_of_the_growth_beside_it() -> None:
    # Two growth rates divided mean nothing; "a book-to-bill ratio of 1.3x" is its own measure.
    s = Stated()
    orders = "Orders rose 12% on the year and 8% on the quarter, with a book-to-bill ratio of 1.3x."
    s.add("year", "p1", orders, "12%", "percent", 12, unit="%", role="growth")
    s.add("quarter", "p1", orders, "8%", "percent", 8, unit="%", role="growth")
    s.add("ratio", "p1", orders, "1.3x", "ratio", 1.3, unit="x")
    derived = derive(s.figures)
    assert not [c for c in derived.checks if c.stated_id == s["ratio"].id]
    assert not [f for f in derived.figures if f.kind == "ratio"]


def test_pue_overhead_and_a_margin() -> None:
    s = Stated()
    pue = "At a PUE of 2.5, everything but the servers drew 1.5 times their power."
    revenue = "Cloud revenue reached $12 billion."
    income = "Operating income was $2.4 billion, and the margin rose from 10% to 20%."
    s.add("pue", "p1", pue, "2.5", "pue", 2.5)
    s.add("times", "p1", pue, "1.5 times", "ratio", 1.5, unit="x")
    s.add(
        "revenue",
        "p2",
        revenue,
        "$12 billion",
        "money",
        12e9,
        unit="USD",
        role="revenue",
        entity="Cloud",
    )
    s.add(
        "income",
        "p3",
        income,
        "$2.4 billion",
        "money",
        2.4e9,
        unit="USD",
        role="revenue",
        entity="Cloud",
    )
    s.add("before", "p3", income, "10%", "percent", 10, unit="%")
    s.add("margin", "p3", income, "20%", "percent", 20, unit="%")
    derived = derive(s.figures)
    assert check_of(derived, s["times"]).agrees
    margin = check_of(derived, s["margin"])
    assert margin.agrees and computed(derived, margin.computed_id).low == pytest.approx(20)


def test_a_rise_said_as_increasing_from_one_amount_to_another() -> None:
    s = Stated()
    rise = "Monthly demand kept increasing from 40 megawatts in 2020 to 100 megawatts in 2024."
    said = "That amounts to a 150% increase."
    s.add("old", "p1", rise, "40 megawatts", "power", 40, unit="MW", role="facility_power")
    s.add("new", "p1", rise, "100 megawatts", "power", 100, unit="MW", role="facility_power")
    s.add("stated", "p2", said, "150%", "percent", 150, unit="%", role="growth")
    derived = derive(s.figures)
    assert computed_from(derived, s["old"], s["new"]).low == pytest.approx(150)


def test_a_share_a_change_runs_from_is_not_the_change() -> None:
    s = Stated()
    level = "Cloud took 30% of the budget, a sharp rise from 6% in 2019."
    amounts = "Its spending grew from $2 billion in 2019 to $9 billion in 2024."
    s.add("now", "p1", level, "30%", "percent", 30, unit="%", role="growth", period="2024")
    s.add("was", "p1", level, "6%", "percent", 6, unit="%", role="growth", period="2019")
    s.add("old", "p2", amounts, "$2 billion", "money", 2e9, unit="USD", role="capex", period="2019")
    s.add("new", "p2", amounts, "$9 billion", "money", 9e9, unit="USD", role="capex", period="2024")
    derived = derive(s.figures)
    assert all(c.stated_id != s["was"].id for c in derived.checks)


def test_chips_per_building_and_power_per_chip_from_the_next_sentence() -> None:
    s = Stated()
    chips = "The operator is buying 120,000 accelerator chips that will be spread across six halls."
    power = "Once running, the chips will need 300 megawatts."
    s.add("chips", "p1", chips, "120,000 accelerator chips", "count", 120000, unit="chip")
    s.add("halls", "p1", chips, "six halls", "count", 6, unit="building")
    s.add("load", "p1", power, "300 megawatts", "power", 300, unit="MW", entity="the chips")
    derived = derive(s.figures)
    per_hall = computed_from(derived, s["chips"], s["halls"])
    assert (per_hall.low, per_hall.per) == (pytest.approx(20000), "building")
    per_chip = computed_from(derived, s["load"], s["chips"])
    assert (per_chip.unit, per_chip.low) == ("kW", pytest.approx(2.5))
    assert not any(f.unit == "building" and f.origin == "computed" for f in derived.figures)


def test_a_share_of_a_whole_named_after_the_percentage() -> None:
    s = Stated()
    text = "The park should add $3 billion to output, about 1.5% of the region's $200 billion."
    s.add("part", "p1", text, "$3 billion", "money", 3e9, unit="USD")
    s.add(
        "share", "p1", text, "about 1.5%", "percent", 1.5, unit="%", role="share", qualifier="about"
    )
    s.add("whole", "p1", text, "$200 billion", "money", 200e9, unit="USD")
    derived = derive(s.figures)
    check = check_of(derived, s["share"])
    assert check.agrees and computed(derived, check.computed_id).low == pytest.approx(1.5)


def test_money_per_project_from_a_count_in_the_next_sentence() -> None:
    s = Stated()
    fund = "The two investors set up a platform worth $6 billion."
    plan = "The platform will build three projects in Spain and Italy."
    s.add(
        "fund", "p1", fund, "$6 billion", "money", 6e9, unit="USD", role="capex", entity="platform"
    )
    s.add("projects", "p1", plan, "three projects", "count", 3, unit="project", entity="platform")
    derived = derive(s.figures)
    each = computed_from(derived, s["fund"], s["projects"])
    assert (each.low, each.per) == (pytest.approx(2e9), "project")


def _ledger_of(markdown: str) -> Any:
    from pipeline.figures.ledger import build_ledger
    from pipeline.ingest.markup import parse_markdown

    filler = "\n\nThe operator published these figures in its quarterly report this week.\n"
    return build_ledger(parse_markdown(markdown + filler, "test.md"))


def test_a_year_on_year_increase_is_checked_as_a_change_not_a_yearly_rate() -> None:
    ledger = _ledger_of(
        "# Results\n\nRevenue: Second-quarter revenue at Acme was $500 million, a "
        "year-on-year increase of 150% compared to $200 million last year.\n"
    )
    stated = next(f for f in ledger.figures if f.text == "150%")
    assert any(c.stated_id == stated.id and c.agrees for c in ledger.checks)


def test_a_price_series_leaves_its_rate_unsaid_after_the_first_amount() -> None:
    ledger = _ledger_of(
        "# Prices\n\nThe grid price climbed from $40 per megawatt-day for 2024/25 to $100 "
        "for 2025/26, a 150 percent jump.\n"
    )
    computed = [f for f in ledger.by_origin("computed") if f.unit == "%"]
    assert any(abs(f.low - 150.0) < 0.01 for f in computed)


def _computed_near(ledger: Any, value: float, unit: str) -> list[Figure]:
    return [
        f
        for f in ledger.by_origin("computed")
        if f.unit == unit and abs(f.low - value) <= 0.01 * abs(value)
    ]


def test_nearly_a_multiple_is_flagged_when_the_amounts_give_more() -> None:
    ledger = _ledger_of(
        "# Growth\n\nBrazil's cloud capacity is set to nearly double by 2028, rising from "
        "400MW in March 2024 to over 1,000MW.\n"
    )
    stated = next(f for f in ledger.figures if "double" in f.text)
    assert any(c.stated_id == stated.id and c.alarm for c in ledger.checks)


def test_nearly_a_multiple_agrees_a_little_under_it() -> None:
    ledger = _ledger_of(
        "# Growth\n\nBrazil's cloud capacity is set to nearly double by 2028, rising from "
        "400MW in March 2024 to 760MW.\n"
    )
    stated = next(f for f in ledger.figures if "double" in f.text)
    assert not any(c.stated_id == stated.id and c.alarm for c in ledger.checks)


def test_power_across_a_count_of_reactors_is_power_per_reactor() -> None:
    ledger = _ledger_of(
        "# Nuclear\n\nThe utility's agreement covers up to 600MW across eight to ten reactors.\n"
    )
    each = [f for f in ledger.by_origin("computed") if f.per == "reactor"]
    assert [(round(f.low), round(f.high), f.unit) for f in each] == [(60, 75, "MW")]


def test_units_a_power_takes_at_a_rating_range() -> None:
    ledger = _ledger_of(
        "# Nuclear\n\nThe developer plans up to 600 MW of new capacity by 2035. It will build "
        "small units rated from 60 MW to 100 MW.\n"
    )
    units = [f for f in ledger.by_origin("computed") if f.unit == "unit"]
    assert [(round(f.low, 1), round(f.high, 1)) for f in units] == [(6.0, 10.0)]


def test_a_level_after_another_percent_is_checked_against_the_level_stated() -> None:
    ledger = _ledger_of(
        "# Capacity\n\nIn 2024, the region's data centre capacity reached about 2,000 MW, with "
        "300 MW added during the year. Capacity is projected to rise by another 25%, reaching "
        "around 2,480 MW.\n"
    )
    level = _computed_near(ledger, 2500, "MW")
    assert level and level[0].formula.startswith("2,000 MW")
    stated = next(f for f in ledger.figures if f.text == "around 2,480 MW")
    assert any(c.stated_id == stated.id and c.agrees for c in ledger.checks)


def test_the_start_of_a_change_said_after_an_amount_in_a_list() -> None:
    ledger = _ledger_of(
        "# Results\n\n- Backlog: $6.6 billion backlog as of Q3 2025, up 10% versus the prior "
        "year.\n"
    )
    assert _computed_near(ledger, 6e9, "USD")


def test_what_a_total_leaves_besides_the_part_added_to_the_rest() -> None:
    ledger = _ledger_of(
        "# Plants\n\nThe deal brings the campus's total to 8 turbines delivering 3 GW. The "
        "five new turbines will add 1.9 GW to the existing three.\n"
    )
    rest = _computed_near(ledger, 1.1, "GW")
    assert rest and not any(c.computed_id == rest[0].id and c.alarm for c in ledger.checks)


def test_a_percentage_higher_after_an_amount_is_against_the_amount_said_last() -> None:
    ledger = _ledger_of(
        "# Prices\n\nThe auction cleared at a record $200 per megawatt-day.\n\nWithout the "
        "cap, it would have cleared near $300 per megawatt-day, about 50 percent higher.\n"
    )
    stated = next(f for f in ledger.figures if f.text == "about 50 percent")
    assert any(c.stated_id == stated.id and c.agrees for c in ledger.checks)


def test_a_percentage_higher_year_on_year_is_not_against_another_amount() -> None:
    ledger = _ledger_of(
        "# Results\n\n- Orders: Exceeded $2 billion in orders for the first time.\n- Profit: "
        "Adjusted operating profit was $400 million for Q2 2025, 20% higher year on year.\n"
    )
    assert not any(c.alarm for c in ledger.checks)


def test_twice_as_much_as_is_recomputed_from_the_two_amounts_of_its_paragraph() -> None:
    ledger = _ledger_of(
        "# Demand\n\nThe utility said the new campus could use about three times as much "
        "electricity as the city of Springfield. The city has a peak demand of about 500 "
        "megawatts. The campus is about 1.5 GW.\n"
    )
    stated = next(f for f in ledger.figures if f.text == "about three times")
    assert any(c.stated_id == stated.id and c.agrees and not c.alarm for c in ledger.checks)


def test_annual_energy_only_for_a_sites_load() -> None:
    # A campus runs all year; a region's capacity, an auction and a plant's output do not.
    s = Stated()
    campus = "The new campus will draw 50 MW."
    region = "The region's data center capacity reached 900 MW."
    plant = "Two gas plants will add 600 MW."
    s.add("campus", "p1", campus, "50 MW", "power", 50, unit="MW", role="facility_power")
    s.add("region", "p2", region, "900 MW", "power", 900, unit="MW", role="facility_power")
    s.add("plant", "p3", plant, "600 MW", "power", 600, unit="MW", role="facility_power")
    energy = [f for f in derive(s.figures).figures if f.kind == "energy"]
    assert [f.inputs for f in energy] == [[s["campus"].id]]


def test_a_decline_of_a_percentage_from_the_previous_expectation() -> None:
    s = Stated()
    sentence = (
        "It now expects capital expenditure in 2025 of between $12 billion and $14 "
        "billion, a decline of 40% from the previous expectation of $20 billion to $23 "
        "billion."
    )
    s.add(
        "new",
        "p1",
        sentence,
        "between $12 billion and $14 billion",
        "money",
        12e9,
        14e9,
        unit="USD",
        role="capex",
        entity="Acme",
        period="2025",
    )
    s.add("cut", "p1", sentence, "40%", "percent", 40, unit="%", role="capex_growth", entity="Acme")
    s.add(
        "old",
        "p1",
        sentence,
        "$20 billion to $23 billion",
        "money",
        20e9,
        23e9,
        unit="USD",
        role="capex",
        entity="previous expectation",
    )
    derived = derive(s.figures)
    change = computed_from(derived, s["old"], s["new"])
    assert (change.low, change.high) == (pytest.approx(-47.826, abs=1e-3), pytest.approx(-30))
    assert check_of(derived, s["cut"]).agrees  # "a decline of 40%" claims −40%


def test_a_jump_from_the_prior_years_amount() -> None:
    s = Stated()
    sentence = "The 2026 auction cleared at $330, a 22% jump from the prior year's $270."
    s.add("new", "p1", sentence, "$330", "money", 330, unit="USD", role="cost", entity="auction")
    s.add("jump", "p1", sentence, "22%", "percent", 22, unit="%", role="growth", entity="auction")
    s.add("old", "p1", sentence, "$270", "money", 270, unit="USD", role="cost", entity="auction")
    derived = derive(s.figures)
    assert computed_from(derived, s["old"], s["new"]).low == pytest.approx(22.22, abs=0.01)
    assert check_of(derived, s["jump"]).agrees


def test_a_forecast_for_this_year_against_last_years_actual() -> None:
    s = Stated()
    s.add(
        "forecast",
        "p1",
        "Acme expects capital expenditure to hit $75 billion this year.",
        "$75 billion",
        "money",
        75e9,
        unit="USD",
        role="capex",
        entity="Acme",
    )
    s.add(
        "last",
        "p2",
        "That is significantly above 2024's $52.5bn capex spend.",
        "$52.5bn",
        "money",
        52.5e9,
        unit="USD",
        role="capex",
        period="2024",
    )
    change = computed_from(derive(s.figures), s["last"], s["forecast"])
    assert change.low == pytest.approx(42.857, abs=1e-3)


def test_an_amount_said_in_comparison_is_where_the_one_before_it_started() -> None:
    s = Stated()
    now = "The utility said 26GW of demand is in the engineering stage."
    then = (
        "In comparison, in July 2024, only 8GW was in that stage, with the Q4 number a 225 "
        "percent increase."
    )
    s.add(
        "now",
        "p1",
        now,
        "26GW",
        "power",
        26,
        unit="GW",
        role="grid_capacity",
        entity="engineering letters",
    )
    s.add("then", "p1", then, "8GW", "power", 8, unit="GW", role="facility_power", entity="stage")
    s.add("rise", "p1", then, "225 percent", "percent", 225, unit="%", role="growth")
    derived = derive(s.figures)
    assert computed_from(derived, s["then"], s["now"]).low == pytest.approx(225)
    assert check_of(derived, s["rise"]).agrees


def test_the_price_of_a_system_per_gpu_counted_inside_it() -> None:
    s = Stated()
    s.add(
        "chip",
        "p1",
        "Each GB200 accelerator features two B200 GPUs.",
        "two B200 GPUs",
        "count",
        2,
        unit="GPU",
        role="count_gpus",
        entity="GB200",
    )
    s.add(
        "price",
        "p2",
        "This AI server is estimated to cost about $3 million.",
        "about $3 million",
        "money",
        3e6,
        unit="USD",
        role="cost",
        entity="AI server",
        qualifier="about",
    )
    s.add(
        "chips",
        "p3",
        "Each of the 36 GB200s in the AI server has its own network card.",
        "36 GB200s",
        "count",
        36,
        unit="GB200",
        role="count",
        entity="AI server",
    )
    derived = derive(s.figures)
    per_gpu = [f for f in derived.figures if f.per == "GPU" and f.kind == "money"]
    assert [round(f.low) for f in per_gpu] == [41667]


def test_a_systems_power_said_of_a_rack_is_a_racks_density() -> None:
    s = Stated()
    s.add(
        "old",
        "p1",
        "The historical baseline for an enterprise rack was 5 to 10 kW.",
        "5 to 10 kW",
        "power",
        5,
        10,
        unit="kW",
        role="rack_power",
        entity="enterprise rack",
    )
    s.add(
        "hgx",
        "p2",
        "An HGX H100 DLC rack lands near 60 kW.",
        "60 kW",
        "power",
        60,
        unit="kW",
        role="server_power",
        entity="HGX H100 DLC",
    )
    ratio = computed_from(derive(s.figures), s["hgx"], s["old"])
    assert (ratio.low, ratio.high) == (6, 12)


def test_a_coming_rack_against_todays_ai_rack() -> None:
    s = Stated()
    s.add(
        "old",
        "p1",
        "A traditional rack draws 10 kW.",
        "10 kW",
        "power",
        10,
        unit="kW",
        role="rack_power",
        entity="traditional rack",
    )
    s.add(
        "now",
        "p1",
        "The current B200 racks use up to 120kW per rack.",
        "up to 120kW per rack",
        "power",
        120,
        unit="kW",
        per="rack",
        role="rack_power",
        entity="B200",
    )
    s.add(
        "next",
        "p2",
        "Kyber racks will draw 600kW per rack.",
        "600kW per rack",
        "power",
        600,
        unit="kW",
        per="rack",
        role="rack_power",
        entity="Kyber",
    )
    ratios = {(f.inputs[0], f.inputs[1]): f.low for f in derive(s.figures).figures if f.unit == "x"}
    assert ratios == {
        (s["now"].id, s["old"].id): 12,
        (s["next"].id, s["old"].id): 60,
        (s["next"].id, s["now"].id): 5,
    }


def test_a_multiple_of_gpus_is_not_checked_as_a_power_ratio() -> None:
    s = Stated()
    s.add(
        "old",
        "p1",
        "An enterprise rack was 5 to 10 kW.",
        "5 to 10 kW",
        "power",
        5,
        10,
        unit="kW",
        role="rack_power",
        entity="enterprise rack",
    )
    sentence = "The NVL72 rack runs at 60 kW: 9× the GPUs and 12× the watts."
    s.add("new", "p1", sentence, "60 kW", "power", 60, unit="kW", role="rack_power", entity="NVL72")
    s.add("gpus", "p1", sentence, "9×", "ratio", 9, unit="x", role="ratio")
    s.add("watts", "p1", sentence, "12×", "ratio", 12, unit="x", role="ratio")
    derived = derive(s.figures)
    assert [c.stated_id for c in derived.checks] == [s["watts"].id]


def test_a_racks_power_per_gpu_from_the_gpus_per_rack_said_of_it() -> None:
    s = Stated()
    s.add(
        "kyber",
        "p1",
        "Rubin Ultra Kyber racks will consume up to 600kW per rack.",
        "up to 600kW per rack",
        "power",
        600,
        unit="kW",
        per="rack",
        role="rack_power",
        entity="Rubin Ultra",
    )
    s.add(
        "b200",
        "p2",
        "The current Blackwell B200 racks use up to 120kW per rack.",
        "up to 120kW per rack",
        "power",
        120,
        unit="kW",
        per="rack",
        role="rack_power",
        entity="Blackwell B200",
    )
    s.add(
        "gpus",
        "p3",
        "Each Rubin Ultra rack will hold 576 GPUs per rack.",
        "576 GPUs per rack",
        "count",
        576,
        unit="GPU",
        per="rack",
        role="count_gpus",
        entity="Rubin Ultra",
    )
    per_gpu = [f for f in derive(s.figures).figures if f.per == "GPU"]
    assert [(f.inputs, round(f.low, 3)) for f in per_gpu] == [
        ([s["kyber"].id, s["gpus"].id], 1.042)
    ]


def test_a_whole_in_stages_is_the_sum_of_the_stages_said_after_it() -> None:
    s = Stated()
    s.add(
        "whole",
        "p1",
        "The utility has approximately 30GW in various stages of contracting.",
        "approximately 30GW",
        "power",
        30,
        unit="GW",
        role="grid_capacity",
        entity="utility",
        qualifier="approximately",
    )
    s.add(
        "first",
        "p2",
        "It said 20GW of demand is in the engineering stage.",
        "20GW",
        "power",
        20,
        unit="GW",
        role="grid_capacity",
    )
    s.add(
        "then",
        "p2",
        "In comparison, in July 2024, only 6GW was in that stage.",
        "6GW",
        "power",
        6,
        unit="GW",
        role="facility_power",
    )
    sentence = (
        "It has 7GW in service agreements, an increase of 1GW since July, and 3GW with "
        "construction letters."
    )
    s.add("second", "p3", sentence, "7GW", "power", 7, unit="GW", role="facility_power")
    s.add("delta", "p3", sentence, "1GW", "power", 1, unit="GW", role="facility_power")
    s.add("third", "p3", sentence, "3GW", "power", 3, unit="GW", role="facility_power")
    derived = derive(s.figures)
    total = computed_from(derived, s["first"], s["second"], s["third"])
    assert total.low == 30
    check = check_of(derived, s["whole"])
    assert check.agrees and not check.alarm


def test_stages_that_miss_their_whole_are_shown_but_never_an_alarm() -> None:
    s = Stated()
    s.add(
        "whole",
        "p1",
        "The utility has 50GW in various stages of contracting.",
        "50GW",
        "power",
        50,
        unit="GW",
        role="grid_capacity",
        entity="utility",
    )
    s.add(
        "first",
        "p2",
        "It said 20GW is in the engineering stage.",
        "20GW",
        "power",
        20,
        unit="GW",
        role="grid_capacity",
    )
    s.add(
        "second",
        "p3",
        "It has 7GW in service agreements.",
        "7GW",
        "power",
        7,
        unit="GW",
        role="grid_capacity",
    )
    check = check_of(derive(s.figures), s["whole"])
    assert not check.agrees and not check.alarm
