"""What an episode's page shows, gathered into small view objects so the templates stay
free of logic: the script's turns cut at the numbers said, the editor, the figure cards,
the consistency checks, and once rendered the listen view (audio, transcript, QA, cards).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline import actions, editing, episode_files
from pipeline.annotate import Annotations, leaves, unsaid_citations
from pipeline.figures.display import value_text
from pipeline.figures.models import AuditFinding, Check, Ledger
from pipeline.models import (
    CheckVerdict,
    Episode,
    EpisodeState,
    LineQA,
    QAReport,
    Script,
    ScriptVersion,
)
from pipeline.web.context import WebContext

# The states whose lines an editor may have rendered again.
RERENDERABLE = (EpisodeState.TRANSCRIBED, EpisodeState.ANNOTATED)
DOWNLOADS = (
    (episode_files.AUDIO, "MP3"),
    (episode_files.CAPTIONS_VTT, "Captions (VTT)"),
    (episode_files.CAPTIONS_SRT, "Captions (SRT)"),
    (episode_files.CHAPTERS, "Chapters (JSON)"),
    (episode_files.NOTES_HTML, "Show notes"),
)


# --- what the pages show ------------------------------------------------------------------


@dataclass(frozen=True)
class TurnView:
    """A turn of the script as the editor shows it: its text cut at the numbers said."""

    id: str | None
    speaker: str
    text: str
    spans: list[editing.Span]


@dataclass(frozen=True)
class Editor:
    """The review editor: the turns it starts from and the version they are based on."""

    base_version: int
    hosts: list[str]
    turns: list[TurnView]
    comment: str
    draft: bool  # the turns are an unsaved submission shown back, not a saved version
    can_save: bool = True  # false when saving these turns again could only conflict again


@dataclass(frozen=True)
class InputView:
    id: str
    value: str
    subject: str


@dataclass(frozen=True)
class CardView:
    """A figure the script cites: its value, where it came from and how it was computed."""

    id: str
    value: str
    subject: str
    origin: str
    written: str
    quote: str | None
    formula: str | None
    inputs: list[InputView]
    checks: list[tuple[bool, str]]
    assumptions: list[str]
    lines: list[str]


@dataclass(frozen=True)
class CheckView:
    """A disagreeing consistency check as the editor reviews it: said on air or not, and
    why, with the editor's verdict and the lines that say it."""

    id: str
    note: str
    confidence: int  # percent
    status: str
    said: bool
    lines: list[str]
    verdict: CheckVerdict | None
    can_judge: bool


def _check_status(review: actions.CheckReview) -> str:
    if review.verdict is not None:
        return f"not said: marked a false alarm by {review.verdict.by}"
    return "said on air" if review.check.alarm else "not said: low confidence"


def check_views(ctx: WebContext, episode: Episode) -> list[CheckView]:
    """Every disagreeing check of the episode's ledger: the editor sees them all, including
    those too unsure to be said."""
    editable = episode.state in editing.EDITABLE
    return [
        CheckView(
            id=r.check.id,
            note=r.check.note,
            confidence=round(r.check.confidence * 100),
            status=_check_status(r),
            said=r.said,
            lines=r.lines,
            verdict=r.verdict,
            can_judge=editable and bool(r.check.id),
        )
        for r in actions.review_checks(ctx.store, episode.id)
        if not r.check.agrees
    ]


@dataclass(frozen=True)
class ListenLine:
    id: str
    speaker: str
    text: str
    spans: list[editing.Span]
    start: float
    end: float
    qa: LineQA | None


@dataclass(frozen=True)
class TimedCard:
    figure_id: str
    first: bool  # the figure's first card: the one its highlights link to
    time: float
    said: str
    value: str
    subject: str
    origin: str
    quote: str | None
    formula: str | None
    inputs: list[InputView]
    checks: list[str]
    assumption: str | None
    heard: bool


@dataclass(frozen=True)
class Listen:
    """The rendered episode: audio, transcript lines with times, chapters, QA, cards."""

    audio: str
    duration: float
    lines: list[ListenLine]
    chapters: list[tuple[str, float]]
    cards: list[TimedCard]
    qa: QAReport | None
    downloads: list[tuple[str, str]]
    can_rerender: bool
    other_voices: frozenset[str]  # the hosts with an alternate voice to re-render a line in
    peaks: str | None = None  # the URL of the waveform's peaks.json, for player.js


def turn_views(version: ScriptVersion) -> list[TurnView]:
    by_line: dict[str, list[AuditFinding]] = {}
    for f in version.findings:
        by_line.setdefault(f.line_id, []).append(f)
    return [
        TurnView(
            line.id, line.speaker, line.text, editing.spans(line.text, by_line.get(line.id, []))
        )
        for line in version.script.lines
    ]


def draft_turn_views(edit: editing.ScriptEdit) -> list[TurnView]:
    return [TurnView(t.id, t.speaker, t.text, [editing.Span(t.text)]) for t in edit.turns]


def _inputs(figure_ids: list[str], ledger: Ledger) -> list[InputView]:
    out = []
    for figure_id in figure_ids:
        try:
            f = ledger.figure(figure_id)
        except KeyError:
            continue
        out.append(InputView(f.id, value_text(f), f.subject))
    return out


def cards_cited(
    script: Script, findings: list[AuditFinding], ledger: Ledger | None
) -> list[CardView]:
    """A card for each figure the script cites, in the order they are first said."""
    if ledger is None:
        return []
    cited: dict[str, list[str]] = {}
    for line in script.lines:
        said = sorted((f for f in findings if f.line_id == line.id), key=lambda f: f.start)
        ids = [f.figure_id for f in said if f.figure_id] + unsaid_citations(line, ledger)
        for figure_id in ids:
            lines = cited.setdefault(figure_id, [])
            if line.id not in lines:
                lines.append(line.id)
    cards = []
    for figure_id, lines in cited.items():
        try:
            f = ledger.figure(figure_id)
        except KeyError:
            continue
        rests_on = list(leaves(f, ledger))
        cards.append(
            CardView(
                id=f.id,
                value=value_text(f),
                subject=f.subject,
                origin=f.origin,
                written=f.text,
                quote=f.sentence,
                formula=f.formula,
                inputs=_inputs(f.inputs, ledger),
                checks=[(c.agrees, c.note) for c in ledger.checks if f.id in _check_ids(c)],
                assumptions=list(dict.fromkeys(x.reference for x in rests_on if x.reference)),
                lines=lines,
            )
        )
    return cards


def _check_ids(check: Check) -> tuple[str, str]:
    return (check.stated_id, check.computed_id)


def listen_view(ctx: WebContext, episode: Episode, turns: list[TurnView]) -> Listen | None:
    folder = ctx.store.episode_dir(episode.id)
    audio = folder / episode_files.AUDIO
    timeline = episode_files.TIMELINE.read_if_present(folder)
    if not audio.is_file() or timeline is None:
        return None

    qa = episode_files.QA.read_if_present(folder)
    annotations = episode_files.ANNOTATIONS.read_if_present(folder)
    qa_by_line = {q.line_id: q for q in qa.lines} if qa else {}
    by_id = {t.id: t for t in turns}
    lines = []
    for t in timeline.lines:
        turn = by_id.get(t.line_id)
        text, spans = (turn.text, turn.spans) if turn else ("", [])
        lines.append(
            ListenLine(t.line_id, t.speaker, text, spans, t.start, t.end, qa_by_line.get(t.line_id))
        )
    if annotations is not None:
        chapters = [(c.title, c.start) for c in annotations.chapters]
    else:
        chapters = [(s.title, s.start) for s in timeline.segments]
    return Listen(
        audio=f"/episodes/{episode.id}/files/episode.mp3?v={int(audio.stat().st_mtime)}",
        duration=timeline.duration,
        lines=lines,
        chapters=chapters,
        cards=_timed_cards(annotations),
        qa=qa,
        downloads=[
            (label, f"/episodes/{episode.id}/files/{name}")
            for name, label in DOWNLOADS
            if (folder / name).is_file()
        ],
        can_rerender=episode.state in RERENDERABLE,
        other_voices=frozenset(
            h.name for h in ctx.settings.show(episode.show).hosts if h.alternates
        ),
        peaks=_versioned(episode.id, episode_files.PEAKS.path(folder)),
    )


def _versioned(episode_id: int, path: Path) -> str | None:
    """The URL of one of the episode's files, changing with the file (so never stale in a
    cache), or None before the file is written."""
    if not path.is_file():
        return None
    return f"/episodes/{episode_id}/files/{path.name}?v={int(path.stat().st_mtime)}"


def _timed_cards(annotations: Annotations | None) -> list[TimedCard]:
    if annotations is None:
        return []
    seen: set[str] = set()
    cards = []
    for c in annotations.cards:
        cards.append(
            TimedCard(
                figure_id=c.figure_id,
                first=c.figure_id not in seen,
                time=c.time,
                said=c.said,
                value=c.value,
                subject=c.subject,
                origin=c.origin,
                quote=c.source_quote,
                formula=c.formula,
                inputs=[InputView(i.id, i.value, "") for i in c.inputs],
                checks=c.checks,
                assumption=c.assumption,
                heard=c.heard,
            )
        )
        seen.add(c.figure_id)
    return cards
