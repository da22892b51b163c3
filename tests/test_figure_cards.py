"""One figure card per figure mention, and show notes that open with what the episode covers.

A number said in a line is traced first to the figures the line cites: a value that
also matches another figure of the ledger (the article's "5 to 15 kW" range for "15 kW",
a stated "150 racks" for a computed one) used to give the one mention two cards, one
timed where it is heard and one pinned to the line's start.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import actions, episode_files, orchestrate
from pipeline.annotate import annotate, lede, show_notes_html, show_notes_markdown
from pipeline.config import Settings, Show
from pipeline.figures.audit import _matches, audit
from pipeline.figures.models import Figure, Ledger
from pipeline.figures.numbers import find_mentions
from pipeline.ingest.markup import parse_markdown
from pipeline.models import (
    Article,
    EpisodeState,
    Line,
    Paragraph,
    Script,
    Section,
    Segment,
    Source,
    TimedLine,
    TimedSegment,
    Timeline,
)
from pipeline.store import Store

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.md"))


def power(figure_id: str, low: float, high: float, text: str, **more: object) -> Figure:
    return Figure(id=figure_id, kind="power", low=low, high=high, unit="kW", text=text, **more)


def racks(figure_id: str, **more: object) -> Figure:
    return Figure(
        id=figure_id, kind="count", low=150, high=150, unit="rack", text="150 racks", **more
    )


def one_line(text: str, figures: list[str]) -> tuple[Script, Timeline]:
    script = Script(
        title="Racks",
        summary="",
        segments=[Segment(title="The numbers")],
        hosts=["Lena", "Miles"],
        lines=[Line(id="l1", speaker="Lena", text=text, figures=figures)],
    )
    timeline = Timeline(
        duration=10.0,
        lines=[TimedLine(line_id="l1", speaker="Lena", segment=0, start=1.0, end=9.0)],
        segments=[TimedSegment(index=0, title="The numbers", start=0.0, end=10.0)],
    )
    return script, timeline


def cards_of(script: Script, ledger: Ledger, timeline: Timeline) -> list[tuple[str, str]]:
    notes = annotate(script, ledger, timeline, [], "Racks", "https://example.com/a")
    return [(c.figure_id, c.said) for c in notes.cards]


def test_a_value_the_line_cites_is_its_figure_not_a_range_it_also_falls_in() -> None:
    ledger = Ledger(
        article_hash="h",
        figures=[
            power("f1", 5, 15, "between 5 and 15 kW", subject="typical enterprise rack"),
            power("f7", 15, 15, "15 kW", subject="traditional rack"),
            power("f9", 5, 5, "5 kW", subject="traditional rack"),
        ],
    )
    script, timeline = one_line(
        "That's nine times a traditional 15 kW rack, and more than 20 times a 5 kW rack.",
        ["f7", "f9"],
    )
    assert [f.figure_id for f in audit(script.lines, ledger) if f.figure_id] == ["f7", "f9"]
    assert cards_of(script, ledger, timeline) == [("f7", "15 kW"), ("f9", "5 kW")]


def test_the_same_value_said_twice_is_each_cited_figure_once() -> None:
    ledger = Ledger(
        article_hash="h",
        figures=[
            racks("f31", subject="hall"),
            racks("c13", origin="computed", formula="18 MW ÷ 120 kW = 150 racks"),
        ],
    )
    script, timeline = one_line(
        "That comes to 150 racks, which matches the article's 150 racks.", ["c13", "f31"]
    )
    assert cards_of(script, ledger, timeline) == [("c13", "150 racks"), ("f31", "150 racks")]


def test_a_number_the_line_does_not_cite_is_still_traced_to_the_ledger() -> None:
    ledger = Ledger(article_hash="h", figures=[power("f1", 130, 130, "130 kW")])
    script, timeline = one_line("A rack draws 130 kW.", [])
    assert cards_of(script, ledger, timeline) == [("f1", "130 kW")]


@pytest.fixture(scope="module")
def scripted(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Script, Ledger]]:
    """The example articles scripted in-process (no audio): real scripts and ledgers."""
    root = tmp_path_factory.mktemp("cards")
    settings = Settings(data_root=root, shows={"infracast": Show(minutes=5)})
    store = Store(settings.db_url, settings.data_root)
    out = []
    for path in EXAMPLES:
        text = path.read_text(encoding="utf-8")
        episode = actions.submit(store, settings, Source(kind="markdown", uri=path.name, text=text))
        done = orchestrate.run_episode(store, settings, episode.episode.id)
        assert done.state == EpisodeState.IN_REVIEW, done.failure
        ledger = episode_files.LEDGER.read(store.episode_dir(done.id))
        out.append((store.scripts.get(done.id).script, ledger))
    return out


def test_every_mention_in_the_examples_has_one_card(
    scripted: list[tuple[Script, Ledger]],
) -> None:
    for script, ledger in scripted:
        timeline = Timeline(
            duration=len(script.lines) * 10.0,
            lines=[
                TimedLine(
                    line_id=ln.id,
                    speaker=ln.speaker,
                    segment=ln.segment,
                    start=i * 10.0,
                    end=i * 10.0 + 9,
                )
                for i, ln in enumerate(script.lines)
            ],
            segments=[TimedSegment(index=0, title="All", start=0.0, end=len(script.lines) * 10.0)],
        )
        notes = annotate(script, ledger, timeline, [], script.title, "a.md")
        by_line: dict[str, list[str]] = {}
        for card in notes.cards:
            by_line.setdefault(card.line_id, []).append(card.figure_id)
        for line in script.lines:
            cards = by_line.get(line.id, [])
            said = [f.figure_id for f in audit([line], ledger) if f.figure_id]
            pinned = [c for c in cards if c not in said]
            assert len(cards) == len(said) + len(pinned), (line.id, cards)
            # A card pinned to the line (cited, not heard as a number) is for a figure no
            # number of the line states: otherwise that number's card would be a second one.
            for figure_id in pinned:
                figure = ledger.figure(figure_id)
                stated = [m.text for m in find_mentions(line.text) if _matches(m, figure)]
                assert not stated, (script.title, line.id, figure_id, stated, line.text)


def test_show_notes_open_with_the_article_s_lede_and_play_the_episode() -> None:
    article = parse_markdown((ROOT / "examples" / "gigawatt-racks.md").read_text(), "a.md")
    opening = lede(article)
    assert opening.startswith("For two decades the humble server rack was a predictable thing.")
    assert opening.endswith("The AI boom has broken almost every one of those assumptions.")
    ledger = Ledger(article_hash="h", figures=[power("f1", 130, 130, "130 kW")])
    script, timeline = one_line("A rack draws 130 kW.", ["f1"])
    notes = annotate(script, ledger, timeline, [], "Racks", "a.md", lede=opening)
    assert notes.summary == opening
    html = show_notes_html(notes)
    assert '<audio class="player" controls preload="metadata" src="episode.mp3">' in html
    assert html.index("<audio") < html.index(opening[:40]) < html.index("<h2>Chapters")
    assert show_notes_markdown(notes).startswith(f"# Racks\n\n{opening}\n")


def test_no_usable_lede_keeps_the_writer_s_summary() -> None:
    article = Article(
        title="Chips",
        source="a.md",
        content_hash="h",
        sections=[
            Section(
                heading="Chips",
                paragraphs=[
                    Paragraph(
                        id="p1", text="For an 8× H100 node, with its eight GPUs at full load:"
                    ),
                    Paragraph(id="p2", kind="table", text="GPU | TDP " * 10),
                    Paragraph(id="p3", text="Too short to say what it is about."),
                ],
            )
        ],
    )
    assert lede(article) == ""
    script, timeline = one_line("A rack draws 130 kW.", [])
    script = script.model_copy(update={"summary": "What the writer said."})
    ledger = Ledger(article_hash="h", figures=[])
    assert (
        annotate(script, ledger, timeline, [], "Chips", "a.md").summary == "What the writer said."
    )
