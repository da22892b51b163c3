"""Annotation: figure cards with times, show notes and Podcasting 2.0 chapters, no audio."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.annotate import (
    Annotations,
    FigureCard,
    annotate,
    annotations_schema,
    chapters_json,
    clock,
    show_notes_html,
    show_notes_markdown,
)
from pipeline.figures.models import Check, Figure, Ledger
from pipeline.models import Line, Script, Segment, TimedLine, TimedSegment, Timeline, Word

URL = "https://example.com/racks"


def ledger() -> Ledger:
    return Ledger(
        article_hash="h",
        figures=[
            Figure(
                id="f1",
                kind="power",
                low=130,
                high=130,
                unit="kW",
                per="rack",
                subject="GB200 NVL72 rack",
                text="130 kW",
                paragraph_id="p3",
                sentence="An NVL72 rack draws 130 kW.",
                span=(22, 28),
            ),
            Figure(
                id="f2",
                kind="power",
                low=15,
                high=15,
                unit="kW",
                per="rack",
                subject="a typical rack",
                text="15 kW",
                paragraph_id="p4",
                sentence="A typical rack draws 15 kW.",
                span=(21, 26),
            ),
            Figure(
                id="c1",
                kind="ratio",
                low=130 / 15,
                high=130 / 15,
                unit="x",
                subject="NVL72 vs typical rack",
                text="8.7×",
                origin="computed",
                formula="130 kW ÷ 15 kW = 8.7×",
                inputs=["f1", "f2"],
            ),
            Figure(
                id="f3",
                kind="ratio",
                low=9,
                high=9,
                unit="x",
                text="9x",
                paragraph_id="p5",
                sentence="That is <script>alert(1)</script> 9x.",
            ),
        ],
        checks=[
            Check(
                stated_id="f3",
                computed_id="c1",
                agrees=True,
                deviation=0.0,
                tolerance=0.1,
                note='"9x" (f3) agrees with c1: 130 kW ÷ 15 kW = 8.7×',
            )
        ],
    )


def script(title: str = "Racks & <script>power</script>") -> Script:
    return Script(
        title=title,
        summary="Why AI racks draw so much power.",
        segments=[Segment(title="Intro"), Segment(title="The numbers")],
        hosts=["Lena", "Miles"],
        lines=[
            Line(id="l1", speaker="Lena", text="A GB200 rack draws 130 kW.", figures=["f1"]),
            Line(
                id="l2",
                speaker="Miles",
                segment=1,
                text="A typical rack draws 15 kW.",
                figures=["f2"],
            ),
            Line(
                id="l3",
                speaker="Lena",
                segment=1,
                text="So that is 8.7 times the power.",
                figures=["c1"],
            ),
        ],
    )


def timeline() -> Timeline:
    return Timeline(
        duration=80.0,
        lines=[
            TimedLine(line_id="l1", speaker="Lena", segment=0, start=10.0, end=15.0),
            TimedLine(line_id="l2", speaker="Miles", segment=1, start=65.0, end=70.0),
            TimedLine(line_id="l3", speaker="Lena", segment=1, start=71.0, end=76.0),
        ],
        segments=[
            TimedSegment(index=0, title="Intro", start=0.0, end=64.0),
            TimedSegment(index=1, title="The numbers", start=64.0, end=80.0),
        ],
    )


def said(start: float, text: str, step: float = 0.3) -> list[Word]:
    return [
        Word(text=w, start=start + i * step, end=start + i * step + 0.25)
        for i, w in enumerate(text.split())
    ]


def words() -> list[Word]:
    return [
        *said(10.2, "A GB200 rack draws"),
        *said(12.4, "one hundred thirty kilowatts."),
        *said(65.1, "A typical rack draws"),
        *said(67.3, "15 kilowatts."),
        *said(71.1, "So that is eight point seven times the power."),
    ]


@pytest.fixture
def ann() -> Annotations:
    return annotate(script(), ledger(), timeline(), words(), "AI racks <b>", URL)


def card(ann: Annotations, figure_id: str) -> FigureCard:
    return next(c for c in ann.cards if c.figure_id == figure_id)


def test_card_time_points_at_the_words_of_its_figure(ann: Annotations) -> None:
    c = card(ann, "f1")
    assert (c.line_id, c.said, c.time, c.heard) == ("l1", "130 kW", 12.4, True)
    assert card(ann, "f2").time == 67.3  # heard as digits
    assert card(ann, "c1").time == pytest.approx(71.1 + 3 * 0.3)


def test_unheard_figure_falls_back_to_line_start() -> None:
    heard = [w for w in words() if not 12 < w.start < 14]
    ann = annotate(script(), ledger(), timeline(), heard, "AI racks", URL)
    assert (card(ann, "f1").time, card(ann, "f1").heard) == (10.0, False)


def test_source_card_quotes_and_links_its_paragraph(ann: Annotations) -> None:
    c = card(ann, "f1")
    assert c.value == "130 kW per rack" and c.origin == "source" and c.formula is None
    assert c.source_quote == "An NVL72 rack draws 130 kW."
    assert c.source_link == f"{URL}#p3"
    local = annotate(script(), ledger(), timeline(), words(), "AI racks", "article.md")
    assert card(local, "f1").source_link == "#p3"


def test_computed_card_has_formula_inputs_and_checks(ann: Annotations) -> None:
    c = card(ann, "c1")
    assert c.said == "8.7 times" and c.origin == "computed"
    assert c.formula == "130 kW ÷ 15 kW = 8.7×"
    assert [(i.id, i.value) for i in c.inputs] == [
        ("f1", "130 kW per rack"),
        ("f2", "15 kW per rack"),
    ]
    assert c.source_quote is not None and "130 kW" in c.source_quote and "15 kW" in c.source_quote
    assert c.checks and "agrees with c1" in c.checks[0]
    assert c.assumption is None


def disagreeing(confidence: float, check_id: str = "k2") -> Check:
    return Check(
        id=check_id,
        stated_id="f2",
        computed_id="c1",
        agrees=False,
        deviation=0.4,
        tolerance=0.05,
        confidence=confidence,
        note='The article states "15 kW" (f2), but its own figures give 21 kW',
    )


@pytest.mark.parametrize(
    ("confidence", "dismissed", "printed"),
    [(0.95, frozenset(), True), (0.5, frozenset(), False), (0.95, frozenset({"k2"}), False)],
    ids=["alarm", "low confidence", "marked a false alarm"],
)
def test_a_disagreement_is_printed_only_as_an_alarm_no_editor_dismissed(
    confidence: float, dismissed: frozenset[str], printed: bool
) -> None:
    led = ledger()
    led = led.model_copy(update={"checks": [*led.checks, disagreeing(confidence)]})
    ann = annotate(script(), led, timeline(), words(), "AI racks", URL, dismissed=dismissed)
    notes = show_notes_markdown(ann) + show_notes_html(ann)
    assert ("its own figures give 21 kW" in notes) == printed
    assert any("its own figures give" in n for n in card(ann, "f2").checks) == printed
    assert any("agrees with c1" in n for n in card(ann, "c1").checks)  # agreements stay


def test_assumption_input_is_named() -> None:
    led = ledger()
    typical = Figure(
        id="a1",
        kind="power",
        low=15,
        high=15,
        unit="kW",
        per="rack",
        origin="assumption",
        text="15 kW",
        reference="Uptime Institute survey 2024 https://uptime.example/survey",
    )
    computed = led.figure("c1").model_copy(update={"inputs": ["f1", "a1"]})
    figures = [f for f in led.figures if f.id not in ("f2", "c1")] + [typical, computed]
    led = led.model_copy(update={"figures": figures})
    lines = [ln for ln in script().lines if ln.id != "l2"]
    ann = annotate(
        script().model_copy(update={"lines": lines}), led, timeline(), words(), "AI racks", URL
    )
    assert card(ann, "c1").assumption is not None
    assert "Uptime" in (card(ann, "c1").assumption or "")
    assert ann.sources[-1].url == "https://uptime.example/survey"


def test_cards_in_time_order_and_json_round_trips(ann: Annotations) -> None:
    assert [c.time for c in ann.cards] == sorted(c.time for c in ann.cards)
    assert ann.schema_version == 1 and ann.duration == 80.0
    assert Annotations.model_validate_json(ann.model_dump_json()) == ann
    assert "cards" in annotations_schema()["properties"]


def test_markdown_notes(ann: Annotations) -> None:
    md = show_notes_markdown(ann)
    assert "- 00:00 Intro" in md and "- 01:04 The numbers" in md
    assert "| time | said | value | how computed / source |" in md
    assert "| 00:12 | 130 kW | 130 kW per rack |" in md
    assert "130 kW ÷ 15 kW = 8.7×" in md
    assert f"[AI racks <b>]({URL})" in md


def test_html_notes_are_escaped(ann: Annotations) -> None:
    html = show_notes_html(ann)
    assert "<script>" not in html
    assert "Racks &amp; &lt;script&gt;power&lt;/script&gt;" in html
    assert '<time datetime="PT64S">01:04</time> The numbers' in html
    assert '<table class="figures">' in html and "00:12" in html
    assert f'<a href="{URL}#p3">source</a>' in html
    assert "AI racks &lt;b&gt;" in html


def test_html_escapes_source_quotes() -> None:
    led = ledger()
    f1 = led.figure("f1").model_copy(update={"sentence": 'It draws <script>x()</script> "130 kW".'})
    led = led.model_copy(update={"figures": [f1, *led.figures[1:]]})
    html = show_notes_html(annotate(script("Plain"), led, timeline(), words(), "t", URL))
    assert "<script>" not in html and "&lt;script&gt;x()&lt;/script&gt;" in html


def test_clock() -> None:
    assert (clock(0), clock(64.9), clock(3725)) == ("00:00", "01:04", "1:02:05")


def test_chapters_json_shape(ann: Annotations) -> None:
    doc = json.loads(json.dumps(chapters_json(ann)))
    assert doc["version"] == "1.2.0"
    chapters = doc["chapters"]
    assert [c["title"] for c in chapters] == ["Intro", "The numbers"]
    starts = [c["startTime"] for c in chapters]
    assert starts == sorted(starts) and starts[0] == 0
    for c in chapters:
        assert set(c) <= {"startTime", "endTime", "title", "img", "url", "toc", "location"}
        assert isinstance(c["startTime"], (int, float)) and isinstance(c["title"], str)
        assert isinstance(c.get("endTime", 0.0), (int, float))
        assert c.get("endTime", c["startTime"]) >= c["startTime"]


def test_documented_schema_is_current() -> None:
    docs = Path(__file__).resolve().parent.parent / "docs"
    documented = json.loads((docs / "annotations.schema.json").read_text(encoding="utf-8"))
    assert documented == annotations_schema(), "regenerate docs/annotations.schema.json"
    described = (docs / "annotations.md").read_text(encoding="utf-8")
    for model in ("Annotations", "FigureCard"):
        for name in annotations_schema()["$defs"].get(model, annotations_schema())["properties"]:
            assert f"`{name}`" in described, f"docs/annotations.md does not describe {name}"
