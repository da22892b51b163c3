"""The ledger as a whole: built from the example article, documented, rendered, audited."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline import ingest
from pipeline.figures.audit import audit, untraced
from pipeline.figures.ledger import build_ledger
from pipeline.figures.models import Figure, Ledger
from pipeline.models import Article, Source
from pipeline.templating import render
from tests.conftest import EXAMPLE

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.fixture(scope="module")
def article() -> Article:
    text = EXAMPLE.read_text(encoding="utf-8")
    return ingest.article_from_source(
        Source(kind="markdown", uri="x.md", text=text), ingest.IngestOptions()
    )


@pytest.fixture(scope="module")
def ledger(article: Article) -> Ledger:
    return build_ledger(article)


@dataclass
class Line:
    id: str
    text: str


def test_schema_in_docs_is_current() -> None:
    documented = json.loads((DOCS / "ledger.schema.json").read_text(encoding="utf-8"))
    assert documented == Ledger.model_json_schema()
    prose = (DOCS / "ledger.md").read_text(encoding="utf-8")
    for field in [*Ledger.model_fields, *Figure.model_fields]:
        assert f"`{field}`" in prose, field


def test_example_ledger_has_stated_and_computed_figures(ledger: Ledger) -> None:
    assert ledger.by_origin("source") and ledger.by_origin("computed")
    assert ledger.by_origin("assumption") == [] and ledger.assumptions_version is None
    assert 2025 in ledger.years
    for computed in ledger.by_origin("computed"):
        assert computed.formula and computed.inputs
        for figure_id in computed.inputs:
            ledger.figure(figure_id)
    assert all(check.agrees for check in ledger.checks), [
        c.note for c in ledger.checks if not c.agrees
    ]


def test_ledger_round_trips_through_json(ledger: Ledger) -> None:
    assert Ledger.model_validate_json(ledger.model_dump_json()) == ledger


def test_markdown_rendering_lists_every_figure(ledger: Ledger) -> None:
    text = render("figures/ledger.md.j2", ledger=ledger)
    for figure in ledger.figures:
        assert f"| {figure.id} |" in text
    assert "## Consistency" in text


def test_html_rendering_escapes_article_text() -> None:
    evil = Figure(
        id="f1",
        kind="power",
        low=1,
        high=1,
        unit="kW",
        subject="<script>x</script>",
        sentence="<img src=x onerror=alert(1)>",
        text="1 kW",
    )
    html = render("figures/ledger.html.j2", ledger=Ledger(article_hash="h", figures=[evil]))
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html


def test_audit_traces_the_articles_numbers(ledger: Ledger) -> None:
    lines = [
        Line("l1", "A GB200 NVL72 rack packs 72 GPUs and draws about 120 kilowatts."),
        Line("l2", "That's roughly nine times a traditional 15 kW rack."),
        Line("l3", "The four companies plan to spend $315 billion in 2025."),
        Line("l4", "At 130 kW a rack, a 100 MW campus holds about 770 racks."),
    ]
    findings = audit(lines, ledger)
    assert untraced(findings) == []
    said = {f.text for f in findings}
    assert any("72" in s for s in said) and any("315" in s for s in said)


def test_audit_flags_invented_numbers(ledger: Ledger) -> None:
    lines = [Line("l1", "Racks now draw 450 kW, and 37 companies spend $12 trillion.")]
    flagged = untraced(audit(lines, ledger))
    assert len(flagged) == 3
    assert {f.line_id for f in flagged} == {"l1"}


def test_audit_unknown_year_is_untraced(ledger: Ledger) -> None:
    [finding] = audit([Line("l1", "By 2041 everything changes.")], ledger)
    assert finding.status == "untraced"
    [known] = audit([Line("l1", "Spending in 2025 is the story.")], ledger)
    assert known.status == "traced"


def test_a_source_whose_own_arithmetic_is_off_is_flagged() -> None:
    text = """# Capex

The four largest cloud companies plan to spend a combined $300 billion in 2025.

| Company   | 2025 Capex |
|-----------|------------|
| Microsoft | $80B       |
| Alphabet  | $75B       |
| Amazon    | $100B      |
| Meta      | $60B       |
"""
    source = Source(kind="markdown", uri="capex.md", text=text)
    ledger = build_ledger(ingest.article_from_source(source, ingest.IngestOptions()))
    [wrong] = [c for c in ledger.checks if not c.agrees]
    assert ledger.figure(wrong.stated_id).text == "$300 billion"
    assert ledger.figure(wrong.computed_id).formula == "$80 B + $75 B + $100 B + $60 B = $315 B"
    assert "$315 billion" in wrong.note


def test_assumptions_are_used_only_when_asked_and_labelled(article: Article) -> None:
    with_assumptions = build_ledger(article, use_assumptions=True)
    assumed = with_assumptions.by_origin("assumption")
    assert assumed and all(a.reference for a in assumed)
    assert with_assumptions.assumptions_version == "2025.1"
    users = [
        f for f in with_assumptions.by_origin("computed") if set(f.inputs) & {a.id for a in assumed}
    ]
    assert users and all("assumption" in (f.formula or "") for f in users)
