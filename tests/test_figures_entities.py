"""Entities of figures on sentences written for these tests: each rule of
pipeline.figures.entities and of the extractor's fallbacks, one at a time."""

from __future__ import annotations

from pipeline.figures.extract import extract
from pipeline.figures.models import Figure
from pipeline.models import Article, Paragraph, Section


def article(*paragraphs: tuple[str, str], heading: str = "") -> Article:
    """An article of one section: (kind, text) paragraphs, lists one item a line."""
    return Article(title="t", source="t", content_hash="", sections=[Section(
        heading=heading,
        paragraphs=[Paragraph(id=f"p{n}", kind=kind, text=text,  # type: ignore[arg-type]
                              rows=[[line] for line in text.split("\n")] if kind == "list" else [])
                    for n, (kind, text) in enumerate(paragraphs, start=1)],
    )])


def said_of(text: str, *more: tuple[str, str]) -> dict[str, Figure]:
    return {f.text: f for f in extract(article(("text", text), *more))}


def test_a_measure_noun_is_looked_past_to_its_owner() -> None:
    figures = said_of("Project Tern, a $9 billion plan for new halls, opens next spring.")
    assert "Tern" in figures["$9 billion"].entity


def test_the_company_is_the_company_named_before() -> None:
    figures = said_of("Cisco had a strong quarter. The company raised its forecast to $12 "
                      "billion on Tuesday.")
    assert figures["$12 billion"].entity == "Cisco"


def test_coordinated_subjects_go_with_coordinated_figures_in_order() -> None:
    figures = said_of("Brazil and Chile accounted for 7 and 5% of the total.")
    assert figures["7"].entity == "Brazil"
    assert figures["5%"].entity == "Chile"


def test_a_share_is_about_where_it_goes() -> None:
    figures = said_of("About 60% goes to storage arrays.")
    assert "storage arrays" in figures["About 60%"].subject


def test_a_share_beside_a_figure_is_about_that_figure_s_subject() -> None:
    figures = said_of("Hospitals used 90 terawatt-hours in 2023, about 2 percent of national "
                      "demand.")
    assert figures["about 2 percent"].subject == "Hospitals"


def test_money_invested_in_a_named_company_is_about_that_company() -> None:
    figures = said_of("Samsung invested $2 billion in Rebellions last year.")
    assert figures["$2 billion"].entity == "Rebellions"


def test_money_committed_to_a_common_noun_stays_with_the_subject() -> None:
    figures = said_of("Oracle committed $6 billion to new cooling plants.")
    assert figures["$6 billion"].entity == "Oracle"


def test_a_parenthesised_noun_after_a_figure_labels_it_but_a_unit_does_not() -> None:
    figures = said_of("The shelf draws 400 W (switches) and 250 W (storage).")
    assert figures["400 W"].entity == "switches"
    assert figures["250 W"].entity == "storage"
    figures = said_of("Each home uses 1.3 kilowatts (kW) on average.")
    assert figures["1.3 kilowatts"].entity != "kW"


def test_a_lead_in_names_what_its_list_is_about() -> None:
    figures = said_of("Edge site (8 kW/rack):", ("list", "- 20 racks × 8 kW = 160 kW IT load"))
    assert figures["8 kW/rack"].entity == "Edge site"
    assert figures["160 kW"].entity == "Edge site"


def test_a_period_is_not_an_entity() -> None:
    figures = said_of("Dell shipped $3 billion of servers in Q3.")
    assert figures["$3 billion"].entity == "Dell"
