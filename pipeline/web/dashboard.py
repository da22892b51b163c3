"""What the dashboard shows: one page of the episodes an editor searched and filtered for,
each as a row that says what is happening to it and offers only the actions that can
succeed in its state. The route is in pipeline.web.pages; bulk actions in .bulk.

The filters live in the URL (a GET form), so every link (state counts, sort, pages)
keeps them and a view can be bookmarked or shared.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal
from urllib.parse import urlencode

from pipeline.actions import CHANGES_REQUESTED
from pipeline.episode_files import QA
from pipeline.errors import InputError
from pipeline.models import EpisodeState, RunningStage
from pipeline.stages import STATE_ORDER
from pipeline.store import Store
from pipeline.store.episode_query import EpisodePage, EpisodeQuery, Sort
from pipeline.web.schemas import EpisodeOut, WorkOut, episode_out

# What needs an editor, first in the dashboard's default order; then the flow's order.
NEEDS_AN_EDITOR = (EpisodeState.FAILED, EpisodeState.IN_REVIEW, EpisodeState.ANNOTATED)
DASHBOARD_ORDER = NEEDS_AN_EDITOR + tuple(s for s in STATE_ORDER if s not in NEEDS_AN_EDITOR)
# The state filter's value for "any of NEEDS_AN_EDITOR".
NEEDS_EDITOR = "needs_editor"
# Episodes per page of the dashboard and, by default, of the API's list.
PAGE_SIZE = 50
MAX_PAGE = 2**31 // PAGE_SIZE
Direction = Literal["asc", "desc"]
# The direction each sort starts in: newest dates first, names and states from the top.
DEFAULT_DIRECTION: dict[str, Direction] = {
    "state": "asc",
    "title": "asc",
    "updated": "desc",
    "created": "desc",
    "id": "asc",
}
SORT_LABELS = {
    "state": "State",
    "updated": "Last updated",
    "created": "Created",
    "title": "Title",
}


def states_named(value: str) -> tuple[EpisodeState, ...]:
    """The states a state filter value stands for ("" for all)."""
    if not value:
        return ()
    if value == NEEDS_EDITOR:
        return NEEDS_AN_EDITOR
    try:
        return (EpisodeState(value),)
    except ValueError:
        known = ", ".join([NEEDS_EDITOR, *(s.value for s in EpisodeState)])
        raise InputError(
            f"there is no state {value!r} to filter by; choose one of: {known}"
        ) from None


@dataclass(frozen=True)
class Filters:
    """The dashboard's search, filters, sort and page, as the URL gives them."""

    q: str = ""
    state: str = ""
    show: str = ""
    sort: Sort = "state"
    dir: Direction = "asc"
    page: int = 1

    def query(self) -> EpisodeQuery:
        return EpisodeQuery(
            states=states_named(self.state),
            show=self.show or None,
            search=self.q,
            sort=self.sort,
            descending=self.dir == "desc",
            state_order=DASHBOARD_ORDER,
            limit=PAGE_SIZE,
            offset=(self.page - 1) * PAGE_SIZE,
        )

    def params(self) -> dict[str, str]:
        """The parameters that differ from the defaults, in a stable order."""
        out = {}
        if self.q.strip():
            out["q"] = self.q.strip()
        if self.state:
            out["state"] = self.state
        if self.show:
            out["show"] = self.show
        if self.sort != "state" or self.dir != DEFAULT_DIRECTION[self.sort]:
            out["sort"], out["dir"] = self.sort, self.dir
        if self.page > 1:
            out["page"] = str(self.page)
        return out

    def href(self, **changes: object) -> str:
        """This view's URL with some filters changed (any change but the page's own goes
        back to page 1)."""
        changed = replace(self, **({"page": 1} | changes))  # type: ignore[arg-type]
        params = changed.params()
        return "/?" + urlencode(params) if params else "/"

    def sorted_by(self, sort: Sort) -> str:
        """The link a column heading gives: by that column, or the other way if it is it."""
        if self.sort == sort:
            return self.href(dir="asc" if self.dir == "desc" else "desc")
        return self.href(sort=sort, dir=DEFAULT_DIRECTION[sort])

    def aria_sort(self, sort: Sort) -> str:
        if self.sort != sort:
            return "none"
        return "descending" if self.dir == "desc" else "ascending"

    def poll_url(self) -> str:
        """The API's list of exactly this page, for the live updates."""
        params: list[tuple[str, str]] = [("q", self.q.strip())] if self.q.strip() else []
        params += [("state", s.value) for s in states_named(self.state)]
        if self.show:
            params.append(("show", self.show))
        params += [
            ("sort", self.sort),
            ("dir", self.dir),
            ("limit", str(PAGE_SIZE)),
            ("offset", str((self.page - 1) * PAGE_SIZE)),
        ]
        return "/api/episodes?" + urlencode(params)


@dataclass(frozen=True)
class Row:
    """One episode as the dashboard shows it."""

    e: EpisodeOut
    happening: str  # what is happening to it, in a few words
    tone: str  # "work", "editor", "failure", "held", "changes" or "" (css)
    needs_editor: bool
    flagged: list[str]  # lines QA flagged (annotated episodes only)
    can_retry: bool
    can_review: bool
    can_publish: bool


@dataclass(frozen=True)
class StateLink:
    label: str
    value: str
    count: int
    href: str
    current: bool


def flagged_lines(store: Store, episode_id: int) -> list[str] | None:
    """The lines QA flagged in the episode's audio; None when it has no QA report."""
    report = QA.read_if_present(store.episode_dir(episode_id))
    return None if report is None else [q.line_id for q in report.flagged]


def work_text(work: WorkOut) -> str:
    """ "render 12/40 lines · about 1 min left" (dashboard.js says it the same way)."""
    if work.done is None or not work.total:
        return f"{work.stage} running"
    text = f"{work.stage} {work.done}/{work.total} lines"
    return f"{text} · {work.time_left}" if work.time_left else text


def _happening(
    e: EpisodeOut, held: str | None, flagged: list[str] | None, request: str | None
) -> tuple[str, str]:
    """What is happening to the episode, and its tone (a css class)."""
    if e.work is not None:
        return work_text(e.work), "work"
    if e.state == EpisodeState.FAILED:
        return (
            f"failed at {e.failed_stage}: {e.failure}" if e.failed_stage else "failed"
        ), "failure"
    if e.state == EpisodeState.IN_REVIEW:
        if request is not None:
            return request[:1].upper() + request[1:], "changes"
        return "Waiting for you: review the script", "editor"
    if e.state == EpisodeState.ANNOTATED:
        if held:
            return f"Held: {held}", "held"
        if flagged:
            return f"QA flagged {len(flagged)} line(s): {', '.join(flagged[:5])}", "held"
        return "waiting for publish", ""  # the publish stage takes it on by itself
    if e.state == EpisodeState.PUBLISHED:
        return "In its show's feed", ""
    return (f"waiting for {e.next_stage}" if e.next_stage else ""), ""


def _row(e: EpisodeOut, held: str | None, flagged: list[str] | None, request: str | None) -> Row:
    happening, tone = _happening(e, held, flagged, request)
    idle = e.work is None
    return Row(
        e=e,
        happening=happening,
        tone=tone,
        # (an annotated episode only when it waits: held, or QA flagged lines)
        needs_editor=tone in ("failure", "changes", "editor", "held"),
        flagged=flagged or [],
        can_retry=idle and e.state == EpisodeState.FAILED and e.failed_stage is not None,
        can_review=e.state == EpisodeState.IN_REVIEW,
        # held (an editor unpublished it) with QA's report clean: a publish can succeed;
        # with no hold the publish stage is taking it on already
        can_publish=idle and e.state == EpisodeState.ANNOTATED and bool(held) and flagged == [],
    )


def rows(store: Store, found: EpisodePage) -> list[Row]:
    """The page's rows: its running stages, change requests and QA flags read in one
    query each (QA from the files of its annotated episodes only)."""
    ids = [e.id for e in found.episodes]
    running: dict[int, RunningStage] = store.running(ids)
    in_review = [e.id for e in found.episodes if e.state == EpisodeState.IN_REVIEW]
    requests = store.latest_notes(in_review, CHANGES_REQUESTED) if in_review else {}
    out = []
    for episode in found.episodes:
        flagged = None
        if episode.state == EpisodeState.ANNOTATED:
            flagged = flagged_lines(store, episode.id)
        request = requests.get(episode.id)
        e = episode_out(episode, running.get(episode.id))
        out.append(_row(e, episode.held_reason, flagged, request.note if request else None))
    return out


def state_links(filters: Filters, found: EpisodePage) -> list[StateLink]:
    """ "All", "Needs an editor" and each state with an episode, with their counts (of the
    search and show filter), as links that keep the other filters."""
    counts = found.counts
    links = [
        StateLink("All", "", sum(counts.values()), filters.href(state=""), not filters.state),
        StateLink(
            "Needs an editor",
            NEEDS_EDITOR,
            sum(counts.get(s, 0) for s in NEEDS_AN_EDITOR),
            filters.href(state=NEEDS_EDITOR),
            filters.state == NEEDS_EDITOR,
        ),
    ]
    for state in DASHBOARD_ORDER:
        if counts.get(state) or filters.state == state.value:
            links.append(
                StateLink(
                    state.value.replace("_", " ").capitalize(),
                    state.value,
                    counts.get(state, 0),
                    filters.href(state=state.value),
                    filters.state == state.value,
                )
            )
    return links


@dataclass(frozen=True)
class Pager:
    page: int
    pages: int
    first: int  # the first row's number on this page (1-based), 0 when empty
    last: int
    total: int
    prev: str | None
    next: str | None


def pager(filters: Filters, total: int) -> Pager:
    pages = max(1, -(-total // PAGE_SIZE))
    first = (filters.page - 1) * PAGE_SIZE + 1 if total else 0
    return Pager(
        page=filters.page,
        pages=pages,
        first=min(first, total),
        last=min(filters.page * PAGE_SIZE, total),
        total=total,
        prev=filters.href(page=filters.page - 1) if filters.page > 1 else None,
        next=filters.href(page=filters.page + 1) if filters.page < pages else None,
    )


def when(at: datetime) -> str:
    """A date as the table shows it (UTC, to the minute)."""
    return at.strftime("%Y-%m-%d %H:%M")
