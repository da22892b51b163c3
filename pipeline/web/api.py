"""The JSON API under /api (OpenAPI schema at /api/openapi.json, for signed-in callers).

Every operation needs an API token (`Authorization: Bearer <token>`) or a signed-in
session; a state change made with the session cookie must also send the session's
CSRF token in `X-CSRF-Token`. Errors are `{"detail": message}` with the status of
the project error behind them (see pipeline.web.app).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Query, UploadFile

from pipeline import actions, editing
from pipeline.errors import ConflictError, NotFoundError
from pipeline.models import EpisodeState
from pipeline.store.episode_query import MAX_SEARCH, EpisodeQuery, Sort
from pipeline.web import queueing
from pipeline.web.context import WebContext, web
from pipeline.web.dashboard import DASHBOARD_ORDER, DEFAULT_DIRECTION, PAGE_SIZE, Direction
from pipeline.web.schemas import (
    ApproveRequest,
    CheckOut,
    EpisodeDetail,
    EpisodeList,
    EpisodeOut,
    ErrorOut,
    PublishRequest,
    Queued,
    QueueRequest,
    RefusedEntryOut,
    ScriptOut,
    VerdictOut,
    VerdictRequest,
    VersionOut,
    check_out,
    episode_out,
    script_out,
    version_out,
)
from pipeline.web.security import Caller, caller, csrf_checked

# Ids are the database's INTEGER columns (32-bit on PostgreSQL): a larger one names
# nothing, and must not reach the database, which would refuse it with an error.
MAX_ID = 2**31 - 1
# The most episodes one page of the list may ask for.
MAX_PAGE = 500

_ERRORS = {
    400: "the body could not be read: JSON that is not UTF-8, or broken multipart data",
    401: "no API token or session, or one that is not valid",
    403: "a cookie-session request without the session's CSRF token (X-CSRF-Token)",
    404: "no such episode, script, version or check (or verdict to undo)",
    409: "the episode's state or script version does not allow it",
    413: "the request body is over the size limit",
    422: "the request is invalid: the detail says which part and why",
    503: "a service it needs (the broker, a remote site) did not answer: try again later",
}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorOut, "description": _ERRORS[code]} for code in codes}


router = APIRouter(
    prefix="/api",
    tags=["episodes"],
    dependencies=[Depends(caller)],
    responses=_errors(401),
)

Context = Annotated[WebContext, Depends(web)]
# `caller`, plus the CSRF check for a cookie session: every state change takes this.
Changer = Annotated[Caller, Depends(csrf_checked)]


def _episode_id(
    episode_id: Annotated[int, Path(ge=1, description="the episode's id", examples=[1])],
) -> int:
    if episode_id > MAX_ID:
        raise NotFoundError(f"there is no episode {episode_id}")
    return episode_id


CheckId = Annotated[
    str,
    Path(
        max_length=20,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="a check's id in the episode's ledger",
        examples=["k1"],
    ),
]


# Paths say `{episode_id:int}`: only digits are an id, so /api/episodes/upload is never
# taken for episode "upload" (a GET there is 405, and "one" or "-1" is 404).
EpisodeId = Annotated[int, Depends(_episode_id)]


def _queued(result: queueing.QueueResult) -> Queued:
    refused = [
        RefusedEntryOut(entry=r.entry, reason=r.reason, episode_id=r.episode_id)
        for r in result.refused
    ]
    return Queued(
        episodes=[episode_out(e) for e in result.episodes], created=result.created, refused=refused
    )


# -- queueing ----------------------------------------------------------------


@router.post(
    "/episodes",
    status_code=201,
    response_model=Queued,
    operation_id="queue_article",
    summary="Queue an article (text, URL or feed)",
    responses=_errors(400, 403, 413, 422, 503),
)
def queue_article(body: QueueRequest, ctx: Context, who: Changer) -> Queued:
    """Queue pasted Markdown, an article URL or a feed's new entries for a show.

    An article the show already has is not queued again unless `force` is set:
    its episode is returned and `created` leaves it out.
    """
    result = queueing.queue(
        ctx,
        body.show,
        text=body.markdown,
        url=body.url,
        feed_url=body.feed_url,
        force=body.force,
    )
    return _queued(result)


@router.post(
    "/episodes/upload",
    status_code=201,
    response_model=Queued,
    operation_id="upload_article",
    summary="Queue an uploaded article file",
    responses=_errors(400, 403, 413, 422, 503),
)
def upload_article(
    file: Annotated[UploadFile, File(description="a Markdown, text or HTML file")],
    ctx: Context,
    who: Changer,
    show: Annotated[str | None, Form(max_length=100, description="show slug")] = None,
    force: Annotated[bool, Form(description="queue again if the show has it")] = False,
) -> Queued:
    """Queue an uploaded .md, .markdown, .txt, .html or .htm file for a show."""
    limit = ctx.settings.max_article_bytes * 4  # UTF-16/32 files take up to 4 bytes a character
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"the file is over the limit of {limit:,} bytes")
    result = queueing.queue(ctx, show, upload=(file.filename or "upload", data), force=force)
    return _queued(result)


# -- reading -----------------------------------------------------------------


@router.get(
    "/episodes",
    response_model=EpisodeList,
    operation_id="list_episodes",
    summary="List episodes",
    responses=_errors(422),
)
def list_episodes(
    ctx: Context,
    state: Annotated[
        list[EpisodeState] | None,
        Query(description="only episodes in this state (repeat it for any of several)"),
    ] = None,
    show: Annotated[str | None, Query(max_length=100, description="only this show's")] = None,
    q: Annotated[
        str,
        Query(
            max_length=MAX_SEARCH,
            description="only episodes whose title or source contains this (any case)",
        ),
    ] = "",
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description="at most this many episodes (one page)")
    ] = PAGE_SIZE,
    offset: Annotated[int, Query(ge=0, le=MAX_ID, description="skip this many episodes first")] = 0,
    order: Annotated[
        Literal["id", "attention"],
        Query(
            description='"id": oldest first; "attention": the dashboard\'s order, what '
            "needs an editor first and newest first within each state (`sort` overrides it)"
        ),
    ] = "id",
    sort: Annotated[
        Sort | None,
        Query(description='"state" is the attention order; dates and titles break ties by id'),
    ] = None,
    direction: Annotated[
        Direction | None,
        Query(alias="dir", description="asc or desc; by default as the dashboard sorts"),
    ] = None,
) -> EpisodeList:
    """One page of episodes (`limit`, `offset`); `total` says how many match in all. Each
    running episode comes with its stage's `work` (lines done, time left)."""
    chosen: Sort = sort or ("state" if order == "attention" else "id")
    found = ctx.store.find_episodes(
        EpisodeQuery(
            states=tuple(state or ()),
            show=show,
            search=q,
            sort=chosen,
            descending=(direction or DEFAULT_DIRECTION[chosen]) == "desc",
            state_order=DASHBOARD_ORDER,
            limit=limit,
            offset=offset,
        )
    )
    running = ctx.store.running([e.id for e in found.episodes])
    return EpisodeList(
        episodes=[episode_out(e, running.get(e.id)) for e in found.episodes], total=found.total
    )


@router.get(
    "/episodes/{episode_id:int}",
    response_model=EpisodeDetail,
    operation_id="get_episode",
    summary="An episode with its history",
    responses=_errors(404, 422),
)
def get_episode(episode_id: EpisodeId, ctx: Context) -> EpisodeDetail:
    episode = ctx.store.episode(episode_id)
    try:
        version: int | None = ctx.store.scripts.get(episode_id).version
    except NotFoundError:
        version = None
    return EpisodeDetail(
        **episode_out(episode, ctx.store.running([episode_id]).get(episode_id)).model_dump(),
        history=ctx.store.history(episode_id),
        script_version=version,
    )


@router.get(
    "/episodes/{episode_id:int}/script",
    response_model=ScriptOut,
    operation_id="get_script",
    summary="An episode's script, with the audit of its numbers",
    responses=_errors(404, 422),
)
def get_script(
    episode_id: EpisodeId,
    ctx: Context,
    version: Annotated[
        int | None, Query(ge=1, description="a saved version; newest if unset")
    ] = None,
) -> ScriptOut:
    episode = ctx.store.episode(episode_id)
    if version is not None and version > MAX_ID:
        raise NotFoundError(f"episode {episode_id} has no version {version}")
    try:
        return script_out(ctx.store.scripts.get(episode_id, version))
    except NotFoundError:
        if version is not None:
            raise
        raise NotFoundError(
            f"episode {episode_id} has no script yet: it is {episode.state.value}"
        ) from None


@router.get(
    "/episodes/{episode_id:int}/versions",
    response_model=list[VersionOut],
    operation_id="list_script_versions",
    summary="The saved versions of an episode's script",
    responses=_errors(404, 422),
)
def list_script_versions(episode_id: EpisodeId, ctx: Context) -> list[VersionOut]:
    ctx.store.episode(episode_id)
    return [version_out(v) for v in ctx.store.scripts.versions(episode_id)]


@router.get(
    "/episodes/{episode_id:int}/checks",
    response_model=list[CheckOut],
    operation_id="list_checks",
    summary="The consistency checks of an episode's figures, with editors' verdicts",
    responses=_errors(404, 422),
)
def list_checks(episode_id: EpisodeId, ctx: Context) -> list[CheckOut]:
    """Every check, agreeing or not; empty before the script stage has made the ledger. Only
    `said` checks may be said in the script or printed in the show notes."""
    return [check_out(r) for r in actions.review_checks(ctx.store, episode_id)]


# -- changing ----------------------------------------------------------------


@router.put(
    "/episodes/{episode_id:int}/script",
    response_model=ScriptOut,
    operation_id="save_script",
    summary="Save an edited script as a new version",
    responses=_errors(400, 403, 404, 409, 413, 422),
)
def save_script(
    episode_id: EpisodeId, edit: editing.ScriptEdit, ctx: Context, who: Changer
) -> ScriptOut:
    """Send every turn, with the id of the line each came from (null for a new one), and
    the version you started from: if someone saved a newer one since, the save is
    refused with 409 and nothing changes."""
    return script_out(editing.save_edit(ctx.store, episode_id, edit, who.user.name))


@router.post(
    "/episodes/{episode_id:int}/approve",
    response_model=EpisodeOut,
    operation_id="approve_episode",
    summary="Approve a script version: the episode goes on to audio with it",
    responses=_errors(400, 403, 404, 409, 413, 422, 503),
)
def approve_episode(
    episode_id: EpisodeId, ctx: Context, who: Changer, body: ApproveRequest | None = None
) -> EpisodeOut:
    """Send the script version you reviewed (`{"version": 2}`): if it is not the latest
    (someone saved an edit since) or is missing, nothing is approved and the answer is 409."""
    episode = ctx.store.episode(episode_id)
    if episode.state != EpisodeState.IN_REVIEW:
        raise ConflictError(
            f"episode {episode_id} is {episode.state.value}, not in review: nothing to approve"
        )
    if body is None or body.version is None:
        raise ConflictError(
            f"say which script version of episode {episode_id} you approve: send "
            '{"version": N}, the version you reviewed'
        )
    episode = actions.approve(
        ctx.store, episode_id, who.user.name, body.version, dispatcher=ctx.dispatcher
    )
    return episode_out(episode)


@router.post(
    "/episodes/{episode_id:int}/retry",
    response_model=EpisodeOut,
    operation_id="retry_episode",
    summary="Run a failed episode's failed stage again, or a stuck one's stage with no live run",
    responses=_errors(403, 404, 409, 422, 503),
)
def retry_episode(episode_id: EpisodeId, ctx: Context, who: Changer) -> EpisodeOut:
    stale_after = timedelta(seconds=ctx.settings.heartbeat_stale_after)
    episode, _ = actions.retry(
        ctx.store, episode_id, stale_after, dispatcher=ctx.dispatcher, by=who.user.name
    )
    return episode_out(episode)


@router.post(
    "/episodes/{episode_id:int}/publish",
    response_model=EpisodeOut,
    operation_id="publish_episode",
    summary="Publish an annotated episode to its show's feed",
    responses=_errors(400, 403, 404, 409, 413, 422),
)
def publish_episode(
    episode_id: EpisodeId,
    ctx: Context,
    who: Changer,
    body: PublishRequest | None = None,
) -> EpisodeOut:
    """Publishes now. An episode whose transcript check (QA) flagged lines is held
    (409) unless `allow_failed_qa` is set."""
    allow = body.allow_failed_qa if body is not None else False
    episode = actions.publish(
        ctx.store, ctx.settings, episode_id, who.user.name, allow_failed_qa=allow
    )
    return episode_out(episode)


@router.post(
    "/episodes/{episode_id:int}/unpublish",
    response_model=EpisodeOut,
    operation_id="unpublish_episode",
    summary="Take a published episode out of its show's feed",
    responses=_errors(403, 404, 409, 422),
)
def unpublish_episode(episode_id: EpisodeId, ctx: Context, who: Changer) -> EpisodeOut:
    return episode_out(actions.unpublish(ctx.store, ctx.settings, episode_id, who.user.name))


@router.put(
    "/episodes/{episode_id:int}/checks/{check_id}/verdict",
    response_model=VerdictOut,
    operation_id="judge_check",
    summary="Mark a disagreeing check a false alarm",
    responses=_errors(400, 403, 404, 409, 413, 422),
)
def judge_check(
    episode_id: EpisodeId, check_id: CheckId, body: VerdictRequest, ctx: Context, who: Changer
) -> VerdictOut:
    """Records the verdict and, when lines of the latest script say the check, saves a new
    version without them. Only while the script can be edited (409 otherwise, and for a
    check that agrees); a check already judged keeps its first verdict."""
    done = actions.dismiss_check(ctx.store, episode_id, check_id, who.user.name, body.comment)
    return VerdictOut(
        check=_check(ctx, episode_id, check_id),
        script_version=done.version.version if done.version else None,
    )


@router.delete(
    "/episodes/{episode_id:int}/checks/{check_id}/verdict",
    response_model=CheckOut,
    operation_id="undo_check_verdict",
    summary="Undo a false-alarm verdict",
    responses=_errors(403, 404, 409, 422),
)
def undo_check_verdict(
    episode_id: EpisodeId, check_id: CheckId, ctx: Context, who: Changer
) -> CheckOut:
    """The check counts again; lines left out when it was marked stay out. 404 when the
    check has no verdict."""
    actions.restore_check(ctx.store, episode_id, check_id, who.user.name)
    return _check(ctx, episode_id, check_id)


def _check(ctx: WebContext, episode_id: int, check_id: str) -> CheckOut:
    for review in actions.review_checks(ctx.store, episode_id):
        if review.check.id == check_id:
            return check_out(review)
    raise NotFoundError(f"episode {episode_id}'s ledger has no check {check_id!r}")
