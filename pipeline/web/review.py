"""An episode's pages: review and edit the script, diff versions, approve; after rendering,
listen with the synchronised transcript, QA flags and figure cards.

Views only parse, call the orchestrator or `editing`, and render: what a page shows is
gathered into small view objects here so the templates stay free of logic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from pipeline import actions, editing, episode_files
from pipeline.annotate import Annotations, clock, leaves
from pipeline.errors import ConflictError, InputError, NotFoundError
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
from pipeline.web.context import WebContext, web
from pipeline.web.render import page
from pipeline.web.security import Caller, caller, csrf_checked

router = APIRouter(include_in_schema=False)

# The episode folder's files a browser may fetch; nothing else in it is served.
SERVED_FILES = frozenset(
    {
        episode_files.AUDIO,
        episode_files.CAPTIONS_VTT,
        episode_files.CAPTIONS_SRT,
        episode_files.CHAPTERS,
        episode_files.NOTES_HTML,
    }
)
# Show notes are our own autoescaped HTML, but they are served from this origin:
# sandboxed, with no script, so a flaw in them cannot act as the signed-in editor.
NOTES_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"
RERENDERABLE = (EpisodeState.TRANSCRIBED, EpisodeState.ANNOTATED)
DOWNLOADS = (
    (episode_files.AUDIO, "MP3"),
    (episode_files.CAPTIONS_VTT, "Captions (VTT)"),
    (episode_files.CAPTIONS_SRT, "Captions (SRT)"),
    (episode_files.CHAPTERS, "Chapters (JSON)"),
    (episode_files.NOTES_HTML, "Show notes"),
)
# Room for the most turns of the longest text, JSON-quoted, with their ids and speakers.
MAX_TURNS_JSON = editing.MAX_TURNS * (editing.MAX_TURN_CHARS * 2 + 200)
# What a redirect back to the page says happened (fixed texts: nothing is echoed from the URL).
NOTICES = {
    "already-queued": "This show already has this article: this is its episode. To make "
    "another, queue it with \u201cQueue again even if this show has it\u201d.",
    "approved": "Approved: the episode goes on to audio.",
    "changes": "Your request for changes is recorded in the history.",
    "rerender": "The line goes back to rendering; the audio updates when it is done.",
    "published": "Published: the episode is in its show's feed.",
    "unpublished": "Unpublished: the episode is out of its show's feed.",
    "false-alarm": "Marked a false alarm: no script line or show note will say it.",
    "false-alarm-cut": "Marked a false alarm: a new script version leaves out the lines that "
    "said it, and the show notes will not print it.",
    "restored": "No longer a false alarm. Lines left out when it was marked stay out: "
    "the versions' diff shows them.",
}


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


def _check_views(ctx: WebContext, episode: Episode) -> list[CheckView]:
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


def _turns(version: ScriptVersion) -> list[TurnView]:
    by_line: dict[str, list[AuditFinding]] = {}
    for f in version.findings:
        by_line.setdefault(f.line_id, []).append(f)
    return [
        TurnView(
            line.id, line.speaker, line.text, editing.spans(line.text, by_line.get(line.id, []))
        )
        for line in version.script.lines
    ]


def _draft_turns(edit: editing.ScriptEdit) -> list[TurnView]:
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


def _cards(script: Script, findings: list[AuditFinding], ledger: Ledger | None) -> list[CardView]:
    """A card for each figure the script cites, in the order they are first said."""
    if ledger is None:
        return []
    cited: dict[str, list[str]] = {}
    for line in script.lines:
        said = sorted((f for f in findings if f.line_id == line.id), key=lambda f: f.start)
        for figure_id in [f.figure_id for f in said if f.figure_id] + line.figures:
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


def _listen(ctx: WebContext, episode: Episode, turns: list[TurnView]) -> Listen | None:
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
    )


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


def _episode_page(
    request: Request,
    who: Caller,
    ctx: WebContext,
    episode_id: int,
    *,
    status_code: int = 200,
    draft: editing.ScriptEdit | None = None,
    problem: str | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    """The episode page; with `draft`, the editor shows those (refused) turns instead."""
    episode = ctx.store.episode(episode_id)
    versions = ctx.store.scripts.versions(episode_id)
    latest = versions[-1] if versions else None
    turns = _turns(latest) if latest else []
    ledger = episode_files.LEDGER.read_if_present(ctx.store.episode_dir(episode_id))
    editor = None
    if draft is not None and latest is not None:
        editor = Editor(
            draft.base_version,
            latest.script.hosts,
            _draft_turns(draft),
            draft.comment,
            draft=True,
            can_save=status_code != 409,
        )
    elif latest is not None and episode.state in editing.EDITABLE:
        editor = Editor(latest.version, latest.script.hosts, turns, "", draft=False)
    listen = _listen(ctx, episode, turns)
    untraced = [f for f in latest.findings if f.status == "untraced"] if latest else []
    return page(
        request,
        "episode.html.j2",
        who,
        status_code=status_code,
        episode=episode,
        history=list(reversed(ctx.store.history(episode_id))),
        versions=versions,
        latest=latest,
        turns=turns,
        editor=editor,
        listen=listen,
        cards=_cards(latest.script, latest.findings, ledger) if latest else [],
        checks=_check_views(ctx, episode),
        untraced=untraced,
        problem=problem,
        notice=notice,
        source_link=_source_link(episode),
        clock=clock,
    )


def _source_link(episode: Episode) -> str | None:
    uri = episode.source.uri
    return uri if uri.startswith(("http://", "https://")) else None


def _back(episode_id: int, query: str = "") -> RedirectResponse:
    return RedirectResponse(f"/episodes/{episode_id}{query}", status_code=303)


# --- routes -------------------------------------------------------------------------------


@router.get("/episodes/{episode_id}", response_class=HTMLResponse)
def episode_page(
    request: Request,
    episode_id: int,
    saved: int | None = Query(None, ge=1),
    done: str | None = Query(None, max_length=20),
    who: Caller = Depends(caller),
    ctx: WebContext = Depends(web),
) -> Response:
    notice = f"Saved version {saved}." if saved else NOTICES.get(done or "")
    return _episode_page(request, who, ctx, episode_id, notice=notice)


@router.post("/episodes/{episode_id}/script", response_class=HTMLResponse)
def save_script(
    request: Request,
    episode_id: int,
    turns_json: str = Form(..., max_length=MAX_TURNS_JSON),
    base_version: int = Form(..., ge=1),
    comment: str = Form("", max_length=editing.MAX_COMMENT_CHARS),
    who: Caller = Depends(csrf_checked),
    ctx: WebContext = Depends(web),
) -> Response:
    ctx.store.episode(episode_id)  # 404 before anything else
    edit = _parse_edit(turns_json, base_version, comment)
    try:
        version = editing.save_edit(ctx.store, episode_id, edit, who.user.name)
    except ConflictError as e:
        problem = f"Your edit was not saved: {e.message.rstrip('.')}."
        return _episode_page(
            request, who, ctx, episode_id, status_code=409, draft=edit, problem=problem
        )
    except InputError as e:
        problem = f"Your edit was not saved: {e.message.rstrip('.')}."
        return _episode_page(
            request, who, ctx, episode_id, status_code=422, draft=edit, problem=problem
        )
    return _back(episode_id, f"?saved={version.version}")


def _parse_edit(turns_json: str, base_version: int, comment: str) -> editing.ScriptEdit:
    """The edited script from the form, or a 422 that says what is wrong with it."""
    try:
        turns = json.loads(turns_json)
    except ValueError as e:
        raise InputError(f"the edited script is not valid JSON ({e}); reload the page") from e
    if not isinstance(turns, list):
        raise InputError("the edited script must be a list of turns; reload the page")
    try:
        return editing.ScriptEdit.model_validate(
            {"base_version": base_version, "turns": turns, "comment": comment}
        )
    except ValidationError as e:
        raise InputError(f"the edited script was refused: {_problems(e)}") from e


def _problems(error: ValidationError) -> str:
    out = []
    for e in error.errors()[:5]:
        loc = list(e["loc"])
        if len(loc) >= 2 and loc[0] == "turns" and isinstance(loc[1], int):
            where = f"turn {loc[1] + 1}" + "".join(f" {p}" for p in loc[2:])
        else:
            where = " ".join(str(p) for p in loc) or "the script"
        out.append(f"{where}: {e['msg']}")
    return "; ".join(out)


@router.get("/episodes/{episode_id}/diff", response_class=HTMLResponse)
def diff_page(
    request: Request,
    episode_id: int,
    a: int | None = Query(None, ge=1),
    b: int | None = Query(None, ge=1),
    who: Caller = Depends(caller),
    ctx: WebContext = Depends(web),
) -> Response:
    episode = ctx.store.episode(episode_id)
    versions = ctx.store.scripts.versions(episode_id)
    if not versions:
        raise NotFoundError(f"episode {episode_id} has no script yet")
    numbers = [v.version for v in versions]
    new_n = b if b is not None else numbers[-1]
    old_n = a if a is not None else max(1, new_n - 1)
    by_number = {v.version: v for v in versions}
    for n in (old_n, new_n):
        if n not in by_number:
            raise NotFoundError(f"episode {episode_id} has no script version {n}")
    old, new = by_number[old_n], by_number[new_n]
    rows = editing.diff(old.script, new.script)
    counts = {kind: sum(r.kind == kind for r in rows) for kind in ("changed", "added", "removed")}
    return page(
        request,
        "diff.html.j2",
        who,
        episode=episode,
        versions=versions,
        old=old,
        new=new,
        rows=rows,
        counts=counts,
    )


@router.post("/episodes/{episode_id}/approve")
def approve(
    episode_id: int,
    version: int | None = Form(None, ge=1),
    who: Caller = Depends(csrf_checked),
    ctx: WebContext = Depends(web),
) -> Response:
    """Approves the script version the page showed (the form carries it): if an edit was
    saved since, nothing is approved and the editor is asked to review the new one."""
    if version is None:
        raise ConflictError(
            f"the approval did not say which script version of episode {episode_id} it "
            "approves: reload the page and approve again"
        )
    actions.approve(ctx.store, episode_id, who.user.name, version, dispatcher=ctx.dispatcher)
    return _back(episode_id, "?done=approved")


@router.post("/episodes/{episode_id}/request-changes")
def request_changes(
    episode_id: int,
    comment: str = Form(..., max_length=editing.MAX_COMMENT_CHARS),
    who: Caller = Depends(csrf_checked),
    ctx: WebContext = Depends(web),
) -> Response:
    actions.request_changes(ctx.store, episode_id, who.user.name, comment)
    return _back(episode_id, "?done=changes")


@router.post("/episodes/{episode_id}/checks/{check_id}/false-alarm")
def mark_false_alarm(
    episode_id: int,
    check_id: str = PathParam(..., max_length=20),
    comment: str = Form("", max_length=editing.MAX_COMMENT_CHARS),
    who: Caller = Depends(csrf_checked),
    ctx: WebContext = Depends(web),
) -> Response:
    """The check's disagreement is wrong: record it, and leave it out of script and notes."""
    done = actions.dismiss_check(ctx.store, episode_id, check_id, who.user.name, comment)
    return _back(episode_id, "?done=false-alarm-cut" if done.version else "?done=false-alarm")


@router.post("/episodes/{episode_id}/checks/{check_id}/restore")
def restore_check(
    episode_id: int,
    check_id: str = PathParam(..., max_length=20),
    who: Caller = Depends(csrf_checked),
    ctx: WebContext = Depends(web),
) -> Response:
    """Undo a false-alarm verdict."""
    actions.restore_check(ctx.store, episode_id, check_id, who.user.name)
    return _back(episode_id, "?done=restored")


@router.post("/episodes/{episode_id}/rerender-line")
def rerender_line(
    episode_id: int,
    line_id: str = Form(..., max_length=20),
    who: Caller = Depends(csrf_checked),
    ctx: WebContext = Depends(web),
) -> Response:
    actions.rerender_lines(
        ctx.store, ctx.settings, episode_id, [line_id], dispatcher=ctx.dispatcher
    )
    return _back(episode_id, "?done=rerender")


@router.api_route("/episodes/{episode_id}/files/{name}", methods=["GET", "HEAD"])
def episode_file(
    episode_id: int,
    name: str,
    who: Caller = Depends(caller),
    ctx: WebContext = Depends(web),
) -> Response:
    """One of the episode's published files (byte ranges and HEAD answered by FileResponse)."""
    ctx.store.episode(episode_id)
    missing = HTTPException(404, f"episode {episode_id} has no file {name!r} to serve")
    if name not in SERVED_FILES:  # before any path is made of it (a null byte, "..")
        raise missing
    folder = ctx.store.episode_dir(episode_id).resolve()
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        raise missing
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache"}
    if name == episode_files.NOTES_HTML:
        headers["Content-Security-Policy"] = NOTES_CSP
    return FileResponse(path, headers=headers)
