"""Bulk actions from the dashboard: approve, publish or retry the selected episodes.

Two steps, both POSTs to /episodes/bulk: the first only plans, and shows a confirmation
page that says what will happen to each selected episode (will approve version 3 /
skipped: why); the second, with confirm=yes, acts on the episodes that page said would
be acted on, and no others, through pipeline.actions as the one-episode buttons do.
An episode that changed in between is reported, not forced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipeline import actions, feeds
from pipeline.errors import InfracastError, InputError, NotFoundError
from pipeline.models import Episode, EpisodeState
from pipeline.store.rows import MAX_ID
from pipeline.web.context import WebContext, web
from pipeline.web.dashboard import flagged_lines
from pipeline.web.render import page
from pipeline.web.security import Caller, csrf_checked, local_path

router = APIRouter(include_in_schema=False)

# The most episodes one bulk request may name (a dashboard page holds 50).
MAX_BULK = 200
Action = Literal["approve", "publish", "retry"]
# How each action reads on the buttons, and in the notice after it ("Approved 3 episodes").
VERBS: dict[str, tuple[str, str]] = {
    "approve": ("Approve", "Approved"),
    "publish": ("Publish", "Published"),
    "retry": ("Retry", "Sent back to their failed stage"),
}
# The dashboard's ?bulk= value after each action (the notice's words are fixed here).
NOTICE_KEYS = {"approve": "approved", "publish": "published", "retry": "retried"}


@dataclass(frozen=True)
class Step:
    """What a bulk action does to one selected episode: `will` says it acts, `what` says
    how (or why it is skipped); `version` is the script version an approval approves;
    `show`, the show whose feed a publish writes."""

    episode_id: int
    title: str
    state: str
    will: bool
    what: str
    version: int | None = None
    show: str = ""


def _title(episode: Episode) -> str:
    return episode.title or episode.source.uri


# What an action would do to one episode: whether it acts, how (or why not), and for an
# approval the script version it approves.
Plan = tuple[bool, str, int | None]


def _skip(why: str) -> Plan:
    return False, f"skipped: {why}", None


def _plan_approve(ctx: WebContext, episode: Episode) -> Plan:
    if episode.state != EpisodeState.IN_REVIEW:
        return _skip(f"it is {_state(episode)}, not in review")
    try:
        latest = ctx.store.scripts.get(episode.id)
    except NotFoundError:
        return _skip("it has no script yet")
    untraced = [f for f in latest.findings if f.status == "untraced"]
    if untraced:
        said = ", ".join(dict.fromkeys(f.text for f in untraced[:5]))
        return _skip(
            f"{len(untraced)} number(s) in its script are not traced to the article "
            f"({said}); review them on its page"
        )
    return True, f"will approve script version {latest.version}", latest.version


def _plan_publish(ctx: WebContext, episode: Episode) -> Plan:
    if episode.state == EpisodeState.PUBLISHED:
        return _skip("it is already in its feed")
    if episode.state != EpisodeState.ANNOTATED:
        return _skip(f"it is {_state(episode)}, not ready to publish")
    flagged = flagged_lines(ctx.store, episode.id)
    if flagged is None:
        return _skip("it has no QA report yet")
    if flagged:
        return _skip(
            f"QA flagged {len(flagged)} line(s) ({', '.join(flagged[:8])}); re-render them, "
            "or publish it from its page after listening"
        )
    return True, "will publish it to its show's feed", None


def _plan_retry(ctx: WebContext, episode: Episode) -> Plan:
    if episode.state != EpisodeState.FAILED:
        return _skip(f"it is {_state(episode)}, not failed")
    if episode.failed_stage is None:
        return _skip("it failed at no stage that could run again")
    return True, f"will run its {episode.failed_stage} stage again", None


PLANS = {"approve": _plan_approve, "publish": _plan_publish, "retry": _plan_retry}


def _state(episode: Episode) -> str:
    return episode.state.value.replace("_", " ")


def _ids(raw: list[str]) -> list[int]:
    """The selected ids, checked and in order, each once."""
    if not raw:
        raise InputError("no episode was selected: tick the episodes to act on, then try again")
    if len(raw) > MAX_BULK:
        raise InputError(
            f"{len(raw)} episodes were selected; a bulk action takes at most {MAX_BULK}"
        )
    ids = []
    for value in raw:
        if not value.isdigit() or not 0 < int(value) <= MAX_ID:
            raise InputError(f"{value[:20]!r} is not an episode id")
        ids.append(int(value))
    return list(dict.fromkeys(ids))


def plan(ctx: WebContext, action: Action, ids: list[int]) -> list[Step]:
    """What `action` would do to each episode now, in the order they were selected."""
    steps = []
    for episode_id in ids:
        try:
            episode = ctx.store.episode(episode_id)
        except NotFoundError:
            missing = f"skipped: there is no episode {episode_id}"
            steps.append(Step(episode_id, "", "", will=False, what=missing))
            continue
        will, what, version = PLANS[action](ctx, episode)
        steps.append(
            Step(
                episode.id, _title(episode), episode.state.value, will, what, version, episode.show
            )
        )
    return steps


def _act(ctx: WebContext, who: Caller, action: Action, step: Step) -> None:
    if action == "approve":
        actions.approve(
            ctx.store, step.episode_id, who.user.name, step.version, dispatcher=ctx.dispatcher
        )
    elif action == "publish":  # the feeds are written once, after the last (`bulk`)
        actions.publish(ctx.store, ctx.settings, step.episode_id, who.user.name, write_feed=False)
    else:
        stale_after = timedelta(seconds=ctx.settings.heartbeat_stale_after)
        actions.retry(
            ctx.store, step.episode_id, stale_after, dispatcher=ctx.dispatcher, by=who.user.name
        )


def _versions(seen: list[str]) -> dict[int, int]:
    """The script versions the confirmation page showed, from its "id:version" fields."""
    out = {}
    for token in seen[:MAX_BULK]:
        episode_id, _, version = token.partition(":")
        if episode_id.isdigit() and version.isdigit():
            out[int(episode_id)] = int(version)
    return out


@router.post("/episodes/bulk", response_class=HTMLResponse)
def bulk(
    request: Request,
    action: Action = Form(...),
    ids: list[str] = Form([]),
    seen: list[str] = Form([]),
    confirm: str = Form("", max_length=3),
    skipped: int = Form(0, ge=0, le=MAX_BULK, description="skipped on the confirmation page"),
    back: str = Form("/", max_length=2000),
    who: Caller = Depends(csrf_checked),
    ctx: WebContext = Depends(web),
) -> Response:
    """Without confirm=yes: the confirmation page. With it: act, then back to the
    dashboard with what was done (or, when some could not be, a page that says why)."""
    selected = _ids(ids)
    back = _dashboard(back)
    steps = plan(ctx, action, selected)
    verb, done_verb = VERBS[action]

    def bulk_page(acting: list[Step], outcome: list[Outcome] | None, done: int) -> Response:
        """The confirmation page (`outcome` None), or what could not be done and why."""
        return page(
            request,
            "bulk.html.j2",
            who,
            action=action,
            verb=verb,
            steps=steps,
            back=back,
            acting=acting,
            outcome=outcome,
            done_verb=done_verb,
            done=done,
        )

    if confirm != "yes":
        return bulk_page([s for s in steps if s.will], None, 0)
    shown = _versions(seen)
    outcome = [_carry_out(ctx, who, action, step, shown) for step in steps]
    done = sum(1 for o in outcome if o.done)
    if action == "publish":
        for show in dict.fromkeys(o.step.show for o in outcome if o.done):
            feeds.write_feed(ctx.store, ctx.settings, show)
    if any(o.step.will and not o.done for o in outcome):
        return bulk_page([], outcome, done)
    separator = "&" if "?" in back else "?"
    return RedirectResponse(
        f"{back}{separator}bulk={NOTICE_KEYS[action]}&n={done}"
        f"&skipped={skipped + len(steps) - done}",
        status_code=303,
    )


@dataclass(frozen=True)
class Outcome:
    step: Step
    done: bool
    what: str  # what happened, or why not


def _carry_out(
    ctx: WebContext, who: Caller, action: Action, step: Step, shown: dict[int, int]
) -> Outcome:
    if not step.will:
        return Outcome(step, False, step.what)
    if action == "approve" and shown.get(step.episode_id) != step.version:
        return Outcome(
            step,
            False,
            f"not approved: script version {step.version} was saved after the confirmation "
            "page was shown; review it on its page",
        )
    try:
        _act(ctx, who, action, step)
    except InfracastError as e:
        return Outcome(step, False, f"not done: {e.message}")
    return Outcome(step, True, "done")


def _dashboard(target: str) -> str:
    """The dashboard view the request came from (its filters kept), never another page."""
    path = local_path(target)
    return path if path == "/" or path.startswith("/?") else "/"


def bulk_notice(key: str, n: int, skipped: int) -> str | None:
    """The dashboard's notice after a bulk action (fixed words; only numbers come from
    the URL)."""
    action = next((a for a, k in NOTICE_KEYS.items() if k == key), None)
    if action is None:
        return None
    done_verb = VERBS[action][1]
    text = f"{done_verb}: {n} episode{'' if n == 1 else 's'}."
    if skipped:
        text += f" {skipped} skipped (the confirmation said why)."
    return text
