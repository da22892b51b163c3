"""extract(): the source figures of an article, scored on the corpus and checked on the example."""

from __future__ import annotations

from typing import Any

import pytest

from bench.figures_accuracy import article_for, load_corpus, score
from pipeline.figures.extract import extract, years
from pipeline.figures.models import Figure
from pipeline.figures.sentences import sentences
from pipeline.ingest.markup import parse_markdown
from pipeline.models import Article, Paragraph, Section
from tests.conftest import EXAMPLE


@pytest.fixture(scope="module")
def article() -> Article:
    return parse_markdown(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE))


@pytest.fixture(scope="module")
def figures(article: Article) -> list[Figure]:
    return extract(article)


def one_paragraph(text: str, kind: str = "text", rows: list[list[str]] | None = None) -> Article:
    paragraph = Paragraph(id="p1", kind=kind, text=text, rows=rows or [])  # type: ignore[arg-type]
    return Article(
        title="t",
        source="t",
        content_hash="",
        sections=[Section(heading="", paragraphs=[paragraph])],
    )


# The show's founding example, as its editors first tried it.
FOUNDING = (
    "Just four companies, Microsoft, Alphabet, Amazon and Meta, committed over $300 "
    "billion to AI infrastructure this year. A single rack can pull up to 130 kilowatts, "
    "while a traditional rack usually only needs about 5 to 15 kilowatts."
)


def find(figures: list[Figure], text: str) -> Figure:
    hits = [f for f in figures if f.text == text]
    assert len(hits) >= 1, f"no figure with text {text!r}: {[f.text for f in figures]}"
    return hits[0]


def test_corpus_precision_and_recall() -> None:
    items = load_corpus()
    assert len(items) >= 150
    assert sum(not item["expected"] for item in items) >= 30
    result = score(items)
    report = "\n".join(result.misses)
    assert result.precision() >= 0.95, report
    assert result.recall() >= 0.90, report


def test_corpus_covers_every_kind_and_tables() -> None:
    items = load_corpus()
    kinds = {e["kind"] for item in items for e in item["expected"]}
    assert kinds == {"power", "energy", "money", "count", "pue", "percent", "ratio"}
    assert sum("table_header" in item for item in items) >= 15


@pytest.mark.parametrize(
    ("text", "kind", "low", "high", "unit", "per", "qualifier"),
    [
        ("somewhere between 5 and 15 kW", "power", 5, 15, "kW", None, None),
        ("72 GPUs", "count", 72, 72, "GPU", None, None),
        ("36 CPUs", "count", 36, 36, "CPU", None, None),
        ("about 120 kW", "power", 120, 120, "kW", None, "about"),
        ("130 kW per rack", "power", 130, 130, "kW", "rack", None),
        ("roughly nine times", "ratio", 9, 9, "x", None, "roughly"),
        ("15 kW", "power", 15, 15, "kW", None, None),
        ("5 kW", "power", 5, 5, "kW", None, None),
        ("more than 20 times", "ratio", 20, 20, "x", None, "more than"),
        ("up to 600 kW", "power", 600, 600, "kW", None, "up to"),
        ("roughly 80%", "percent", 80, 80, "%", None, "roughly"),
        ("20%", "percent", 20, 20, "%", None, None),
        ("100 MW", "power", 100, 100, "MW", None, None),
        ("about 770 racks", "count", 770, 770, "rack", None, "about"),
        ("around 10,000 racks", "count", 10000, 10000, "rack", None, "around"),
        ("10 kW", "power", 10, 10, "kW", None, None),
        ("1.2", "pue", 1.2, 1.2, "", None, None),
        ("120 MW", "power", 120, 120, "MW", None, None),
        ("about 1.05 million MWh a year", "energy", 1.05e6, 1.05e6, "MWh", "year", "about"),
        ("100,000 American homes", "count", 100000, 100000, "home", None, None),
        ("four largest cloud and platform companies", "count", 4, 4, "company", None, None),
        ("$315 billion", "money", 315e9, 315e9, "USD", None, None),
        ("nearly $79 billion per company", "money", 79e9, 79e9, "USD", "company", "nearly"),
        ("$225 billion", "money", 225e9, 225e9, "USD", None, None),
        ("40%", "percent", 40, 40, "%", None, None),
        (
            "around $10 million to $12 million per megawatt",
            "money",
            10e6,
            12e6,
            "USD",
            "MW",
            "around",
        ),
        ("$1 billion to $1.2 billion", "money", 1e9, 1.2e9, "USD", None, None),
        ("three times", "ratio", 3, 3, "x", None, None),
        ("about $3 million", "money", 3e6, 3e6, "USD", None, "about"),
        ("roughly $42,000 per GPU", "money", 42000, 42000, "USD", "GPU", "roughly"),
        ("1.5 GW", "power", 1.5, 1.5, "GW", None, None),
        ("more than ten campuses", "count", 10, 10, "campus", None, "more than"),
        ("8%", "percent", 8, 8, "%", None, None),
        ("about 4%", "percent", 4, 4, "%", None, "about"),
    ],
)
def test_example_article_figures(
    figures: list[Figure],
    text: str,
    kind: str,
    low: float,
    high: float,
    unit: str,
    per: str | None,
    qualifier: str | None,
) -> None:
    f = find(figures, text.removeprefix("somewhere "))
    assert (f.kind, f.unit, f.per, f.qualifier) == (kind, unit, per, qualifier)
    assert (f.low, f.high) == (pytest.approx(low), pytest.approx(high))


def test_example_article_periods_and_subjects(figures: list[Figure]) -> None:
    assert find(figures, "$315 billion").period == "2025"
    assert find(figures, "8%").period == "2030"
    assert find(figures, "about 4%").period == "2023"
    assert find(figures, "$225 billion").period is None
    assert find(figures, "72 GPUs").subject == "NVIDIA's GB200 NVL72 system"
    assert "GB200" in find(figures, "72 GPUs").entity
    assert find(figures, "about 120 kW").subject == "liquid-cooled rack"
    assert find(figures, "15 kW").entity == "traditional rack"
    assert find(figures, "120 MW").entity == "campus"
    assert find(figures, "roughly 80%").entity == "Direct-to-chip liquid cooling"
    assert find(figures, "8%").subject == "data centres"


def test_example_article_roles(figures: list[Figure]) -> None:
    roles = {f.text: f.role for f in figures}
    assert roles["between 5 and 15 kW"] == roles["about 120 kW"] == "rack_power"
    assert roles["100 MW"] == "facility_power"
    assert roles["about 770 racks"] == "count_racks"
    assert roles["72 GPUs"] == "count_gpus"
    assert roles["$80B"] == roles["$315 billion"] == "capex"
    assert roles["roughly $42,000 per GPU"] == "price"


def test_durations_are_not_figures() -> None:
    figures = extract(
        one_paragraph(
            "The lease runs for five years, up to seven years with options, on a 40 MW campus."
        )
    )
    assert [f.text for f in figures] == ["40 MW"]


def test_a_figure_said_twice_of_one_entity_is_one_figure_with_two_mentions() -> None:
    figures = extract(
        one_paragraph(
            "Microsoft will spend $80 billion this year. Analysts say "
            "Microsoft will spend $80 billion on data centres alone."
        )
    )
    assert len(figures) == 1 and figures[0].entity == "Microsoft"
    assert len(figures[0].also_at) == 1


def test_founding_example_entities() -> None:
    figures = extract(one_paragraph(FOUNDING))
    by_text = {f.text: f for f in figures}
    assert by_text["up to 130 kilowatts"].entity == "rack"
    assert by_text["up to 130 kilowatts"].qualifier == "up to"
    assert by_text["about 5 to 15 kilowatts"].entity == "traditional rack"
    assert by_text["over $300 billion"].entity == "companies"
    assert by_text["over $300 billion"].qualifier == "over"


def test_example_article_table(figures: list[Figure]) -> None:
    table = [f for f in figures if f.paragraph_id == "p9"]
    assert [(f.subject, f.period, f.low) for f in table] == [
        ("Microsoft 2024 Capex", "2024", 56e9),
        ("Microsoft 2025 Capex", "2025", 80e9),
        ("Alphabet 2024 Capex", "2024", 52e9),
        ("Alphabet 2025 Capex", "2025", 75e9),
        ("Amazon 2024 Capex", "2024", 78e9),
        ("Amazon 2025 Capex", "2025", 100e9),
        ("Meta 2024 Capex", "2024", 39e9),
        ("Meta 2025 Capex", "2025", 60e9),
    ]
    assert {(f.kind, f.unit) for f in table} == {("money", "USD")}


def test_example_article_has_no_figure_from_names_or_years(figures: list[Figure]) -> None:
    texts = " ".join(f.text for f in figures)
    for name in ("GB200", "NVL72", "2025", "2030", "2023", "2024", "decade "):
        assert name not in texts
    assert not any(f.low in (2023, 2024, 2025, 2030, 200) for f in figures)
    assert not any(f.low == 1 and f.unit == "hyperscaler" for f in figures)


def test_ids_spans_and_sentences(article: Article, figures: list[Figure]) -> None:
    texts = {p.id: p.text for p in article.paragraphs}
    assert [f.id for f in figures] == [f"f{i}" for i in range(1, len(figures) + 1)]
    for f in figures:
        assert f.span is not None and f.paragraph_id is not None and f.sentence
        assert texts[f.paragraph_id][f.span[0] : f.span[1]] == f.text
        assert f.origin == "source"
    assert find(figures, "about 120 kW").sentence.startswith("NVIDIA's GB200 NVL72 system")


def test_years(article: Article) -> None:
    assert years(article) == [2023, 2024, 2025, 2030]


def test_table_headers_give_units_subjects_and_periods() -> None:
    rows = [
        ["Operator", "IT load (MW)", "Capex ($bn)", "PUE", "GPUs", "FY2025 share (%)"],
        ["Campus A", "100", "1.2", "1.25", "16,384", "12"],
    ]
    text = "\n".join(" | ".join(r) for r in rows)
    found = extract(one_paragraph(text, "table", rows))
    assert [(f.kind, f.low, f.unit, f.subject) for f in found] == [
        ("power", 100, "MW", "Campus A IT load"),
        ("money", 1.2e9, "USD", "Campus A Capex"),
        ("pue", 1.25, "", "Campus A PUE"),
        ("count", 16384, "GPU", "Campus A GPUs"),
        ("percent", 12, "%", "Campus A FY2025 share"),
    ]
    assert found[-1].period == "FY2025"
    for f in found:
        assert f.span is not None and text[f.span[0] : f.span[1]] == f.text


def test_table_years_and_labels_are_not_figures() -> None:
    rows = [["Year", "Capex"], ["2024", "$56B"], ["H100", "$30,000"]]
    text = "\n".join(" | ".join(r) for r in rows)
    found = extract(one_paragraph(text, "table", rows))
    assert [(f.low, f.period, f.subject) for f in found] == [
        (56e9, "2024", "2024 Capex"),
        (30000, None, "H100 Capex"),
    ]


def test_list_items_are_sentences() -> None:
    rows = [["Rack density: 130 kW"], ["Campus: 100 MW"]]
    text = "\n".join(r[0] for r in rows)
    found = extract(one_paragraph(text, "list", rows))
    assert [(f.text, f.sentence) for f in found] == [
        ("130 kW", "Rack density: 130 kW"),
        ("100 MW", "Campus: 100 MW"),
    ]


def test_sentence_splitting() -> None:
    text = (
        "U.S. operators, e.g. Equinix, added 1.5 GW. Prices rose 3.5% in 2024! "
        "Dr. Smith disagreed? Yes."
    )
    assert [text[a:b] for a, b in sentences(text)] == [
        "U.S. operators, e.g. Equinix, added 1.5 GW.",
        "Prices rose 3.5% in 2024!",
        "Dr. Smith disagreed?",
        "Yes.",
    ]


def test_period_from_an_opening_year_clause() -> None:
    found = extract(one_paragraph("In 2025, Microsoft spent $80B on data centres."))
    assert [(f.low, f.period) for f in found] == [(80e9, "2025")]


def test_out_of_kind_units_and_bare_numbers() -> None:
    found = extract(one_paragraph("Coolant leaves at 45°C; the hall has 12 rows and 400."))
    assert [(f.kind, f.low, f.unit) for f in found] == [("count", 12, "row"), ("count", 400, "")]


def test_article_for_builds_tables_from_corpus_rows() -> None:
    item: dict[str, Any] = {
        "text": "Microsoft | $56B",
        "table_header": ["Company", "Capex"],
        "expected": [],
    }
    paragraph = article_for(item).paragraphs[0]
    assert paragraph.kind == "table" and paragraph.rows[1] == ["Microsoft", "$56B"]


def article_of(*blocks: tuple[str, str, list[list[str]] | None], heading: str = "") -> Article:
    """An article of text, list and table paragraphs ("text"/"list"/"table", text, rows)."""
    paragraphs = [
        Paragraph(id=f"p{i}", kind=kind, text=text, rows=rows or [])  # type: ignore[arg-type]
        for i, (kind, text, rows) in enumerate(blocks, start=1)
    ]
    return Article(
        title="t",
        source="t",
        content_hash="",
        sections=[Section(heading=heading, paragraphs=paragraphs)],
    )


def table(rows: list[list[str]]) -> tuple[str, str, list[list[str]]]:
    return "table", "\n".join(" | ".join(r) for r in rows), rows


def test_a_repeat_in_an_arithmetic_line_or_a_recap_is_one_figure() -> None:
    figures = extract(
        article_of(
            ("text", "A legacy hall runs 6 kW per rack.", None),
            ("list", "- 2,000 racks × 6 kW = 12 MW of IT load\n- Recap: 2,000 racks, 12 MW", None),
            ("text", "The 12 MW still fits one substation.", None),
        )
    )
    assert [(f.text, len(f.also_at)) for f in figures] == [
        ("6 kW per rack", 1),
        ("2,000 racks", 1),
        ("12 MW", 2),
    ]


def test_a_bare_multiplier_repeats_the_count_said_before() -> None:
    figures = extract(
        article_of(
            ("text", "Each server holds 4× B300 accelerators.", None),
            ("list", "- 4 × 1,400 W = 5.6 kW per server", None),
        )
    )
    assert [(f.kind, f.low, f.unit, len(f.also_at)) for f in figures] == [
        ("count", 4, "GPU", 1),
        ("power", 1400, "W", 0),
        ("power", 5.6, "kW", 0),
    ]


def test_same_values_of_differently_named_things_stay_apart() -> None:
    rows = [["Chip", "Power"], ["Zephyr X2", "500 W"], ["Boreal Q9", "500 W"]]
    figures = extract(
        article_of(
            table(rows),
            (
                "text",
                "The Zephyr X2 board alone draws 500 W, and Helio spends $9 billion while "
                "Orion spends $9 billion.",
                None,
            ),
        )
    )
    assert [(f.entity, f.low, len(f.also_at)) for f in figures if f.kind == "power"] == [
        ("Zephyr X2", 500, 1),
        ("Boreal Q9", 500, 0),
    ]
    assert len([f for f in figures if f.kind == "money"]) == 2


def test_a_heading_gives_a_bare_number_its_counted_noun() -> None:
    figures = extract(
        article_of(
            ("list", "- Cluster power: 2048 × 1 kW = 2.05 MW", None),
            heading="A 2048-GPU cluster, in kilowatts",
        )
    )
    assert (figures[0].kind, figures[0].low, figures[0].unit) == ("count", 2048, "GPU")


def test_a_bare_decimal_after_pue_is_named_is_a_pue() -> None:
    figures = extract(
        one_paragraph(
            "Operators track one ratio above all: PUE. A decade ago it sat at a 1.9 average. "
            "Today the figure is 1.41, across 40 sites, at 12.5 MW each."
        )
    )
    assert [(f.kind, f.low, f.unit) for f in figures] == [
        ("pue", 1.9, ""),
        ("pue", 1.41, ""),
        ("count", 40, "site"),
        ("power", 12.5, "MW"),
    ]


def test_spelled_multiples_are_ratio_figures_with_their_qualifier() -> None:
    figures = extract(
        one_paragraph(
            "Grid demand in the region more than doubled, and storage will roughly triple."
        )
    )
    assert [(f.text, f.kind, f.low, f.unit, f.qualifier) for f in figures] == [
        ("more than doubled", "ratio", 2, "x", "more than"),
        ("roughly triple", "ratio", 3, "x", "roughly"),
    ]


def test_a_count_column_counts_the_row_headers_noun() -> None:
    rows = [
        ["Part", "Qty", "Draw"],
        ["Cooling distribution units", "6", "90 kW"],
        ["Battery cabinets (lithium)", "14", "8 kW"],
    ]
    figures = extract(article_of(table(rows)))
    assert [(f.kind, f.low, f.unit) for f in figures] == [
        ("count", 6, "unit"),
        ("power", 90, "kW"),
        ("count", 14, "cabinet"),
        ("power", 8, "kW"),
    ]


def test_counts_of_the_texts_own_parts_and_table_durations_are_not_figures() -> None:
    figures = extract(
        article_of(
            ("text", "The $2 billion budget splits into four categories for two reasons.", None),
            table([["Site", "Load", "Build time"], ["Lakeside", "90 MW", "18 months"]]),
        )
    )
    assert [f.text for f in figures] == ["$2 billion", "90 MW"]


def test_a_worked_pue_example_its_operands_and_a_later_list_of_bare_pues() -> None:
    figures = extract(
        article_of(
            (
                "text",
                "PUE is total power over IT power. Example: 900 kW total ÷ 600 kW IT = "
                "1.50—50% overhead.",
                None,
            ),
            ("text", "IT load 600 kW, total 900 kW → PUE = 900 ÷ 600 = 1.50.", None),
            ("text", "Typical ranges:", None),
            ("list", "- 1.1–1.3: Hyperscale halls\n- 1.6–2.0: Older enterprise rooms", None),
        )
    )
    assert [(f.text, f.kind, f.unit, len(f.also_at)) for f in figures] == [
        ("900 kW", "power", "kW", 2),
        ("600 kW", "power", "kW", 2),
        ("1.50", "pue", "", 1),
        ("50%", "percent", "%", 0),
        ("1.1–1.3", "pue", "", 0),
        ("1.6–2.0", "pue", "", 0),
    ]


def test_a_bare_decimal_is_a_pue_only_in_a_section_that_names_pue() -> None:
    article = article_of(("text", "Most halls run at a PUE of 1.4.", None))
    other = article_of(("list", "- 1.1–1.3: Hyperscale halls", None), heading="Ratios")
    article.sections.append(other.sections[0])
    assert [(f.low, f.kind) for f in extract(article)] == [(1.4, "pue"), (1.1, "count")]
    figures = extract(article_of(("list", "- 2 GW: planned load\n- 1.3: design PUE", None)))
    assert [(f.low, f.kind) for f in figures] == [(2, "power"), (1.3, "pue")]


def test_a_year_before_a_noun_phrase_and_an_elided_noun() -> None:
    figures = extract(
        one_paragraph(
            "Our full-year 2026 capital expenditures will reach $12 billion across 310 "
            "substations, of which eleven are new."
        )
    )
    assert [(f.text, f.kind, f.unit) for f in figures] == [
        ("$12 billion", "money", "USD"),
        ("310 substations", "count", "substation"),
        ("eleven", "count", "substation"),
    ]


def test_an_abbreviation_or_initial_ends_a_sentence_before_an_opening_word() -> None:
    text = (
        "AWS launched Amazon Q. Then it spent $5B. J. A. Smith and John F. Kennedy spoke "
        "in the U.S. The grid held; U.S. Steel grew."
    )
    assert [text[a:b] for a, b in sentences(text)] == [
        "AWS launched Amazon Q.",
        "Then it spent $5B.",
        "J. A. Smith and John F. Kennedy spoke in the U.S.",
        "The grid held; U.S. Steel grew.",
    ]


def test_scaled_money_without_a_sign_takes_the_passages_currency() -> None:
    figures = extract(
        article_of(
            (
                "text",
                "Orion's $40 billion spending plan came with its quarterly results, which "
                "saw revenue up by 9% to 61.2bn.",
                None,
            ),
            ("text", "Sales reached 70 billion. Its cloud served 2 billion.", None),
        )
    )
    assert [(f.text, f.kind, f.unit, f.role) for f in figures] == [
        ("$40 billion", "money", "USD", "capex"),
        ("9%", "percent", "%", "revenue_growth"),
        ("61.2bn", "money", "USD", "revenue"),
        ("70 billion", "money", "USD", "revenue"),
        ("2 billion", "count", "", "count"),
    ]


def test_a_table_of_things_by_column_and_a_label_that_names_what_is_counted() -> None:
    rows = [
        ["Spec", "Zephyr X2", "Boreal Q9"],
        ["GPUs", "72", "8"],
        ["Rack power", "~120 kW", "14 kW"],
    ]
    figures = extract(article_of(table(rows), ("list", "- Switch trays: 9", None)))
    assert [(f.low, f.unit, f.entity) for f in figures] == [
        (72, "GPU", "Zephyr X2"),
        (8, "GPU", "Boreal Q9"),
        (120, "kW", "Zephyr X2"),
        (14, "kW", "Boreal Q9"),
        (9, "tray", "Switch trays"),
    ]
