"""Finding episodes among thousands: search by title and source, filters by state and
show, a sort, and one page of the result with how many match in all and in each state.

Everything happens in SQL, on SQLite and PostgreSQL alike, and the article text is left
out of every row: lists never show it, and a thousand articles made each list megabytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, aliased, defer

from pipeline.models import Episode, EpisodeState, StateChange
from pipeline.store.episode_rows import episode_model
from pipeline.store.rows import EpisodeRow, StateChangeRow

Sort = Literal["id", "updated", "created", "title", "state"]
SORTS: tuple[Sort, ...] = ("id", "updated", "created", "title", "state")
# The longest search term looked for (a title is rarely longer; LIKE over more is waste).
MAX_SEARCH = 200


@dataclass(frozen=True)
class EpisodeQuery:
    """Which episodes, in which order, and which page of them.

    `sort="state"` orders by `state_order` (states missing from it come last) and, within
    a state, newest first whichever the direction; the other sorts break ties by id.
    """

    states: tuple[EpisodeState, ...] = ()  # empty: every state
    show: str | None = None
    search: str = ""  # a case-insensitive part of the title or the source
    sort: Sort = "id"
    descending: bool = False
    state_order: tuple[EpisodeState, ...] = tuple(EpisodeState)
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class EpisodePage:
    episodes: list[Episode]
    total: int  # how many match every filter, over all pages
    # how many match the search and show filters in each state (the state filter aside,
    # so a list can offer each state with its count)
    counts: dict[EpisodeState, int] = field(default_factory=dict)


def find(s: Session, query: EpisodeQuery) -> EpisodePage:
    """One page of `query`, its total and counts, in the caller's transaction (so the
    counts agree with the page)."""
    rows = _filtered(select(EpisodeRow), query, by_state=True)
    rows = rows.order_by(*_order(query)).offset(query.offset).limit(query.limit)
    rows = rows.options(defer(EpisodeRow.source_text, raiseload=True))
    counting = _filtered(
        select(EpisodeRow.state, func.count()).group_by(EpisodeRow.state), query, by_state=False
    )
    episodes = [episode_model(r, text=False) for r in s.scalars(rows)]
    counts = {EpisodeState(st): n for st, n in s.execute(counting)}
    wanted = set(query.states) or set(counts)
    total = sum(n for st, n in counts.items() if st in wanted)
    return EpisodePage(episodes, total, counts)


def search_pattern(term: str) -> str:
    """`term` as a LIKE pattern that matches it anywhere, its wildcards taken literally
    (escaped with a backslash)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(
    query: Select[*tuple[Any, ...]], wanted: EpisodeQuery, *, by_state: bool
) -> Select[*tuple[Any, ...]]:
    if by_state and wanted.states:
        query = query.where(EpisodeRow.state.in_([st.value for st in wanted.states]))
    if wanted.show is not None:
        query = query.where(EpisodeRow.show == wanted.show)
    # (PostgreSQL refuses a NUL in a string: no title or source holds one anyway)
    term = wanted.search.replace("\x00", "").strip()[:MAX_SEARCH]
    if term:
        # ILIKE on PostgreSQL, lower() LIKE lower() on SQLite (ASCII letters only there)
        pattern = search_pattern(term)
        query = query.where(
            EpisodeRow.title.ilike(pattern, escape="\\")
            | EpisodeRow.source_uri.ilike(pattern, escape="\\")
        )
    return query


def _order(query: EpisodeQuery) -> list[Any]:
    def way(column: Any) -> Any:
        return column.desc() if query.descending else column.asc()

    if query.sort == "state":
        rank = case(
            {st.value: n for n, st in enumerate(query.state_order)},
            value=EpisodeRow.state,
            else_=len(query.state_order),
        )
        return [way(rank), EpisodeRow.id.desc()]
    if query.sort == "updated":
        return [way(EpisodeRow.updated_at), way(EpisodeRow.id)]
    if query.sort == "created":
        return [way(EpisodeRow.created_at), way(EpisodeRow.id)]
    if query.sort == "title":
        shown = func.lower(func.coalesce(EpisodeRow.title, EpisodeRow.source_uri))
        return [way(shown), way(EpisodeRow.id)]
    return [way(EpisodeRow.id)]


def latest_notes(s: Session, episode_ids: Sequence[int], prefix: str) -> dict[int, StateChange]:
    """Each episode's latest history note that starts with `prefix`, among the notes made
    since it came into its present state (one query for them all)."""
    if not episode_ids:
        return {}
    move = aliased(StateChangeRow)
    arrived = (
        select(func.max(move.id))
        .where(move.episode_id == EpisodeRow.id, move.from_state.is_distinct_from(move.to_state))
        .correlate(EpisodeRow)
        .scalar_subquery()
    )
    latest = (
        select(func.max(StateChangeRow.id).label("id"))
        .join(EpisodeRow, EpisodeRow.id == StateChangeRow.episode_id)
        .where(
            EpisodeRow.id.in_(list(episode_ids)),
            StateChangeRow.to_state == EpisodeRow.state,
            StateChangeRow.note.startswith(prefix, autoescape=True),
            StateChangeRow.id > func.coalesce(arrived, 0),
        )
        .group_by(StateChangeRow.episode_id)
        .subquery()
    )
    rows = s.scalars(select(StateChangeRow).join(latest, StateChangeRow.id == latest.c.id))
    return {
        r.episode_id: StateChange(
            from_state=EpisodeState(r.from_state) if r.from_state else None,
            to_state=EpisodeState(r.to_state),
            at=r.at,
            note=r.note,
        )
        for r in rows
    }
