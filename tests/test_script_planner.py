"""The extractive writer's parts: tables said by column, what a figure means, the co-host's
paraphrase, template phrasing."""

from __future__ import annotations

import pytest

from pipeline.figures.ledger import build_ledger
from pipeline.figures.models import Figure
from pipeline.ingest.markup import parse_markdown
from pipeline.script import paraphrase, phrasing, scoring
from pipeline.script.meaning import about, rank, spoken_figure


def _said(text: str) -> str:
    article = parse_markdown(text, "t.md")
    ledger = build_ledger(article)
    return " ".join(p.text for p in scoring.points(article, ledger, lambda _: True))


GPUS = (
    "# Chips\n\nAccelerators keep drawing more power with every generation we see.\n\n"
    "| GPU | Form factor | TDP |\n|---|---|---|\n| L4 | PCIe | 72 W |\n"
    "| H100 | SXM5 | 700 W |\n| GB300 NVL72 | Rack | 120 kW |\n"
)


def test_a_column_in_watts_and_kilowatts_is_ranked_by_value() -> None:
    said = _said(GPUS)
    assert "GB300 NVL72" in said and "120 kW" in said and "L4" in said and "72 W" in said
    assert "Form factor is" not in said  # a column of words is not read out


def test_rows_that_tie_share_the_top() -> None:
    said = _said(
        "# Capex\n\nThe companies keep raising what they spend on new halls.\n\n"
        "| Company | Capex |\n|---|---|\n| Microsoft | $80B |\n| Amazon | $80B |\n"
        "| Meta | $60B |\n"
    )
    assert "Microsoft and Amazon" in said


def test_a_table_without_a_column_of_numbers_is_read_a_row_at_a_time() -> None:
    said = _said(
        "# Sites\n\nThe operator runs sites on three continents at the moment.\n\n"
        "| Site | Cooling |\n|---|---|\n| Oslo | Free air |\n| Dallas | Liquid |\n"
    )
    assert "For Oslo, Cooling is Free air." in said


@pytest.mark.parametrize(
    ("entity", "said"),
    [
        ("typical enterprise rack", "a typical enterprise rack"),
        ("AI campus", "an AI campus"),
        ("Microsoft", "Microsoft"),
        ("GB200 NVL72", "GB200 NVL72"),
        ("operators", None),
        ("", None),
    ],
)
def test_who_a_figure_is_about(entity: str, said: str | None) -> None:
    figure = Figure(id="f1", kind="power", low=1, high=1, unit="kW", entity=entity)
    assert about(figure) == said


def test_an_entity_the_sentence_only_points_back_to_is_not_named() -> None:
    """ "That arrangement works well up to 40 kW": "an arrangement" tells a listener nothing."""
    figure = Figure(
        id="f1",
        kind="power",
        low=30,
        high=40,
        unit="kW",
        entity="arrangement",
        sentence="That arrangement works well up to around 30 to 40 kW per rack.",
    )
    assert about(figure) is None
    named = figure.model_copy(update={"sentence": "The arrangement works up to 40 kW."})
    assert about(named) == "an arrangement"


def test_a_figure_alone_is_said_without_symbols() -> None:
    figure = Figure(
        id="f1", kind="count", low=5000, high=5000, unit="worker", text="More than 5,000 workers"
    )
    assert spoken_figure(figure) == "more than 5,000 workers"
    approx = Figure(id="f2", kind="power", low=10.2, high=10.2, unit="kW", text="~10.2 kW")
    assert spoken_figure(approx) == "about 10.2 kW"


def test_rank_among_the_articles_figures_of_a_kind() -> None:
    article = parse_markdown(
        "# Racks\n\nA legacy rack in an old hall draws 5 kW. A modern "
        "rack in a cloud region draws 15 kW. An AI rack built for "
        "training draws 130 kW.\n",
        "r.md",
    )
    ledger = build_ledger(article)
    by_value = {f.high: f for f in ledger.by_origin("source") if f.unit == "kW"}
    assert rank(by_value[130], ledger) == "top"
    assert rank(by_value[5], ledger) == "bottom"
    assert rank(by_value[15], ledger) == "middle"


def test_a_paraphrase_keeps_subject_verb_and_the_figure() -> None:
    sentence = (
        "A typical enterprise rack drew somewhere between 5 and 15 kW, was cooled by "
        "air pushed through raised floors, and could be planned years in advance."
    )
    assert paraphrase.core(sentence, "between 5 and 15 kW") == (
        "a typical enterprise rack drew between 5 and 15 kW"
    )


@pytest.mark.parametrize(
    "sentence",
    [
        "It draws about 120 kW under load, which is a lot for one rack in any hall.",  # pronoun
        "Google has ordered up to 500 MW of small modular reactors.",  # hardly shorter
    ],
)
def test_no_paraphrase_without_a_clean_short_core(sentence: str) -> None:
    figure = "about 120 kW" if "120" in sentence else "up to 500 MW"
    assert paraphrase.core(sentence, figure) is None


def test_variants_that_need_a_missing_value_are_left_out() -> None:
    with_about = phrasing.variants("question_power", about="a campus")
    without = phrasing.variants("question_power", about=None)
    assert any("a campus" in v for v in with_about)
    assert without and not any(phrasing.MISSING in v for v in without)
    assert len(without) < len(with_about)


def test_a_multiple_is_said_of_the_larger_figure_whichever_order_the_ledger_lists() -> None:
    from pipeline.figures.models import Figure, Ledger
    from pipeline.script.meaning import ratio_terms

    small = Figure(id="f1", kind="power", low=7.0, high=7.0, unit="kW", text="7 kW")
    big = Figure(id="f2", kind="power", low=27.0, high=27.0, unit="kW", text="27 kW")
    ratio = Figure(
        id="c1",
        kind="ratio",
        low=27 / 7,
        high=27 / 7,
        unit="x",
        text="3.9×",
        origin="computed",
        inputs=["f1", "f2"],
    )
    ledger = Ledger(article_hash="0" * 64, figures=[small, big, ratio])
    assert ratio_terms(ratio, ledger) == (big, small)
    wrong = ratio.model_copy(update={"low": 0.26, "high": 0.26})
    assert ratio_terms(wrong, ledger) is None  # not a multiple of one by the other


def test_a_rank_is_said_among_every_figure_of_its_kind_in_the_article() -> None:
    from pipeline.figures.models import Figure, Ledger
    from pipeline.script.meaning import rank

    def money(fid: str, billions: float, role: str | None) -> Figure:
        return Figure(
            id=fid,
            kind="money",
            low=billions * 1e9,
            high=billions * 1e9,
            unit="USD",
            text=f"${billions:g} billion",
            role=role,
        )

    earlier, now = money("f1", 225, "total"), money("f2", 315, "capex")
    campus = money("f3", 1, None)
    ledger = Ledger(article_hash="0" * 64, figures=[earlier, now, campus])
    # The year-earlier total is not "the biggest sum of money in the piece" next to $315 billion.
    assert rank(earlier, ledger) != "top"
    assert rank(now, ledger) == "top" and rank(campus, ledger) == "bottom"
