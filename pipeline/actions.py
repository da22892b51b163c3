"""What editors and the API do to an episode: queue it, review it, publish it, recover it.

Each action checks the episode can take it, records it in the store, and, when the
episode can go on, sends its next stage through the dispatcher it is given, so the
CLI, the JSON API and the review pages call one function and never forget to send
the episode on. Running stages, dispatch and the sweeper stay in pipeline.orchestrate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pipeline import editing, ingest
from pipeline.config import Settings
from pipeline.episode_files import PUBLISHING, QA, PublishDecision
from pipeline.errors import ConflictError, Held, InputError, NotFoundError, TransientError
from pipeline.figures.models import Check
from pipeline.models import CheckVerdict, Episode, EpisodeState, ScriptVersion, Source
from pipeline.orchestrate import (
    Dispatcher,
    dispatch_next,
    next_stage,
    run_stage,
    stage_named,
)
from pipeline.stages import Stage
from pipeline.stages.loaders import approved_script
from pipeline.stages.render import Fix, say_again
from pipeline.store import Store, utcnow

# -- queueing -----------------------------------------------------------------


@dataclass(frozen=True)
class Queued:
    episode: Episode
    created: bool


def submit(
    store: Store,
    settings: Settings,
    source: Source,
    show: str | None = None,
    *,
    force: bool = False,
    dispatcher: Dispatcher | None = None,
) -> Queued:
    """Create a queued episode for a source, or return the show's existing one.

    Files and pasted text are parsed now, so bad input is refused before
    anything is stored and duplicates are found by content hash; URLs are
    checked now and fetched by the ingest stage. A new episode's first stage goes
    to `dispatcher`; without one the caller runs it (`infracast make`, tests).
    """
    slug = show or settings.default_show
    settings.show(slug)
    options = ingest.IngestOptions.from_settings(settings)
    title = digest = None
    if source.kind == "url":
        source = source.model_copy(update={"uri": ingest.check_url(source.uri, options)})
    else:
        article = ingest.article_from_source(source, options)
        title, digest = article.title, article.content_hash
    if not force:
        uri = source.uri if source.kind == "url" else None
        existing = store.find_duplicate(slug, content_hash=digest, uri=uri, guid=source.guid)
        if existing is not None:
            return Queued(existing, created=False)
    episode = store.create_episode(slug, source, title=title, content_hash=digest)
    if dispatcher is not None:
        dispatch_next(dispatcher, episode)
    return Queued(episode, created=True)


@dataclass(frozen=True)
class RefusedEntry:
    """A feed entry that was not queued, and why; `episode_id` is the failed episode that
    remembers it, so later polls skip it (None when the entry has no guid or link)."""

    entry: str
    reason: str
    episode_id: int | None = None


@dataclass(frozen=True)
class FeedQueued:
    queued: list[Queued]
    refused: list[RefusedEntry]


def queue_feed(
    store: Store,
    settings: Settings,
    url: str,
    show: str | None,
    *,
    force: bool = False,
    dispatcher: Dispatcher | None = None,
) -> FeedQueued:
    """Queue each entry of a feed that the show has not seen yet (by guid, URL or content),
    and report each refused one with its reason. A refused entry is remembered as an episode
    failed at ingest (`retry` gives it another go), so it is not tried on every poll.
    The new episodes go to `dispatcher` once every entry is queued."""
    slug = show or settings.default_show
    settings.show(slug)
    queued, refused = [], []
    for entry in ingest.fetch_feed(url, ingest.IngestOptions.from_settings(settings)):
        name = entry.title or entry.guid or entry.link or "an untitled entry"
        try:
            source = ingest.source_from_entry(entry, url)
        except InputError as e:
            source = Source(
                kind="html", uri=entry.link or url, text=entry.html or "", guid=entry.guid
            )
            if entry.guid is None or store.find_duplicate(slug, guid=entry.guid) is None:
                refused.append(_remember_refused(store, slug, source, name, e.message))
            continue
        uri = source.uri if source.kind == "url" else None
        if store.find_duplicate(slug, uri=uri, guid=source.guid) is not None:
            continue
        try:
            queued.append(submit(store, settings, source, show, force=force))
        except InputError as e:
            refused.append(_remember_refused(store, slug, source, name, e.message))
        except TransientError as e:  # may pass: tried again on the next poll
            refused.append(RefusedEntry(name, e.message))
    # Sent only now, so an entry whose run fails in-process does not keep the rest unqueued.
    if dispatcher is not None:
        for done in queued:
            if done.created:
                dispatch_next(dispatcher, done.episode)
    return FeedQueued(queued, refused)


def _remember_refused(
    store: Store, show: str, source: Source, name: str, reason: str
) -> RefusedEntry:
    if source.guid is None and source.kind != "url":
        return RefusedEntry(name, reason)
    episode = store.create_episode(show, source, title=name)
    store.fail(episode.id, "ingest", reason)
    return RefusedEntry(name, reason, episode.id)


# -- review -------------------------------------------------------------------

# How a request for changes starts in the episode's history (the dashboard shows it).
CHANGES_REQUESTED = "changes requested by "


def approve(
    store: Store,
    episode_id: int,
    who: str,
    version: int | None = None,
    *,
    dispatcher: Dispatcher,
) -> Episode:
    """An editor approves script `version` (None: the latest, whichever it is): the episode
    goes on to audio with that version. Refused when the episode is not in review or a
    newer version was saved since (ConflictError). Returns the episode as approved."""
    episode = store.scripts.approve(episode_id, version, who)
    dispatch_next(dispatcher, episode)
    return episode


def request_changes(store: Store, episode_id: int, who: str, comment: str) -> Episode:
    """An editor asks for changes: the episode stays in review with the comment in its history."""
    episode = store.episode(episode_id)
    if episode.state != EpisodeState.IN_REVIEW:
        raise ConflictError(f"episode {episode_id} is {episode.state.value}, not in review")
    comment = editing.clean_text(comment)
    if not comment:
        raise InputError("say what should change: the comment is empty")
    store.touch(episode_id, f"{CHANGES_REQUESTED}{who}: {comment[:2000]}", by=who)
    return store.episode(episode_id)


@dataclass(frozen=True)
class CheckReview:
    """A consistency check of an episode's ledger as an editor reviews it."""

    check: Check
    verdict: CheckVerdict | None
    lines: list[str]  # the lines of the latest script version that say it

    @property
    def said(self) -> bool:
        """Whether a script or the show notes may say it: an agreement, or an alarm that
        no editor has marked a false alarm. A low-confidence disagreement never is."""
        return self.check.may_be_said(dismissed=self.verdict is not None)


def review_checks(store: Store, episode_id: int) -> list[CheckReview]:
    """Every check of the episode's ledger, with any editor's verdict and the lines of the
    latest script that say it; none before the script stage has written the ledger."""
    store.episode(episode_id)
    try:
        ledger = editing.episode_ledger(store, episode_id)
    except ConflictError:  # no ledger yet: nothing to review
        return []
    try:
        latest: ScriptVersion | None = store.scripts.get(episode_id)
    except NotFoundError:
        latest = None
    verdicts = {v.check_id: v for v in store.scripts.verdicts(episode_id)}
    return [
        CheckReview(
            check,
            verdicts.get(check.id) if check.id else None,
            editing.voicing(latest, check) if latest else [],
        )
        for check in ledger.checks
    ]


@dataclass(frozen=True)
class Dismissed:
    """A check marked a false alarm, and the script version saved without the lines that
    said it (None when no line of the latest version said it)."""

    verdict: CheckVerdict
    version: ScriptVersion | None


def dismiss_check(
    store: Store, episode_id: int, check_id: str, who: str, comment: str = ""
) -> Dismissed:
    """An editor marks a disagreeing check a false alarm: the verdict is recorded, a new
    script version leaves out every line that says it, and the show notes will not print
    it. Only while the script can be edited; marking it twice changes nothing more."""
    check = _reviewable_check(store, episode_id, check_id)
    if check.agrees:
        raise ConflictError(
            f"check {check_id} of episode {episode_id} agrees with the article: "
            "there is no alarm to dismiss"
        )
    comment = editing.clean_text(comment)
    current = store.scripts.get(episode_id)
    said_in = editing.voicing(current, check)
    version = None
    if said_in:
        version = editing.without_lines(
            store,
            episode_id,
            current,
            said_in,
            who,
            f"left out {', '.join(said_in)}: check {check_id} marked a false alarm",
        )
    history = f"check {check_id} marked a false alarm by {who}"
    verdict = store.scripts.set_verdict(
        episode_id,
        check_id,
        "false_alarm",
        who,
        comment=comment[: editing.MAX_COMMENT_CHARS],
        note=check.note,
        history=history + (f": {comment[:2000]}" if comment else ""),
    )
    return Dismissed(verdict, version)


def restore_check(store: Store, episode_id: int, check_id: str, who: str) -> Episode:
    """Undo a false-alarm verdict: the check counts again from the next script and notes.
    Lines left out when it was marked stay out (the versions' diff shows them)."""
    _reviewable_check(store, episode_id, check_id)
    history = f"check {check_id} is no longer a false alarm: undone by {who}"
    if not store.scripts.clear_verdict(episode_id, check_id, history=history, by=who):
        raise NotFoundError(f"check {check_id} of episode {episode_id} is not marked a false alarm")
    return store.episode(episode_id)


def _reviewable_check(store: Store, episode_id: int, check_id: str) -> Check:
    episode = store.episode(episode_id)
    if episode.state not in editing.EDITABLE:
        raise ConflictError(
            f"episode {episode_id} is {episode.state.value}: checks can be judged while the "
            "script is scripted or in review"
        )
    for check in editing.episode_ledger(store, episode_id).checks:
        if check.id and check.id == check_id:
            return check
    raise NotFoundError(f"episode {episode_id}'s ledger has no check {check_id!r}")


# -- publishing ---------------------------------------------------------------


def decide_publishing(store: Store, episode_id: int, decision: PublishDecision) -> Episode:
    """Record an editor's decision for the publish stage to act on."""
    episode = store.episode(episode_id)
    PUBLISHING.write(store.episode_dir(episode_id), decision)
    note = f"publishing decided by {decision.by}: " + _decision_text(decision)
    store.touch(episode_id, note, by=decision.by)
    return store.episode(episode.id)


def _decision_text(decision: PublishDecision) -> str:
    if decision.hold:
        return "hold"
    return "publish even if QA failed" if decision.allow_failed_qa else "publish when QA passes"


def publish(
    store: Store,
    settings: Settings,
    episode_id: int,
    who: str,
    *,
    allow_failed_qa: bool = False,
    write_feed: bool = True,
) -> Episode:
    """Publish an annotated episode now (in this process): the publish stage, then its
    feed (unless `write_feed` is False: a bulk publish writes each show's feed once, at
    the end, with `feeds.write_feed`)."""
    episode = store.episode(episode_id)
    if episode.state == EpisodeState.PUBLISHED:
        return episode
    if episode.state != EpisodeState.ANNOTATED:
        raise ConflictError(
            f"episode {episode_id} is {episode.state.value}; only annotated episodes "
            "can be published"
        )
    decide_publishing(store, episode_id, PublishDecision(allow_failed_qa=allow_failed_qa, by=who))
    episode = run_stage(store, settings, episode_id, "publish", after=write_feed)
    if episode.state != EpisodeState.PUBLISHED:
        raise Held(f"episode {episode_id} was not published: {episode.held_reason or 'held'}")
    return episode


def unpublish(store: Store, settings: Settings, episode_id: int, who: str) -> Episode:
    """Take an episode out of its show's feed; it waits, annotated, until published again."""
    from pipeline import feeds

    episode = store.episode(episode_id)
    if episode.state != EpisodeState.PUBLISHED:
        raise ConflictError(f"episode {episode_id} is {episode.state.value}, not published")
    decide_publishing(store, episode_id, PublishDecision(hold=True, by=who))
    reason = f"unpublished by {who}"
    episode = store.move(
        episode_id, EpisodeState.PUBLISHED, EpisodeState.ANNOTATED, reason, held=reason, by=who
    )
    feeds.write_feed(store, settings, episode.show)
    return episode


# -- recovery -----------------------------------------------------------------


def rerender_lines(
    store: Store,
    settings: Settings,
    episode_id: int,
    line_ids: list[str] | None = None,
    *,
    fix: Fix | None = None,
    by: str | None = None,
    dispatcher: Dispatcher,
) -> tuple[Episode, list[str]]:
    """Send a transcribed episode back to rendering, with some lines said another way:
    those named, or those QA flagged.

    By default each line moves one step down its host's ladder (`speech.fallback`): 10%
    slower, then the host's alternate voices. `fix` picks one move instead: slower, the
    host's next voice, or a word of one line respelt (`stages.render.Fix`). Clips are
    cached by what they say and how, so only those lines are rendered again. Returns the
    episode as sent back, and the lines. Nothing changes when a line cannot take the fix.
    """
    episode = store.episode(episode_id)
    if episode.state not in (EpisodeState.TRANSCRIBED, EpisodeState.ANNOTATED):
        raise ConflictError(
            f"episode {episode_id} is {episode.state.value}; only a transcribed or annotated "
            "(unpublished) episode can be re-rendered"
        )
    folder = store.episode_dir(episode_id)
    script = approved_script(store, episode).script
    if line_ids is None:
        report = QA.read(folder)
        line_ids = [q.line_id for q in report.flagged]
        if not line_ids:
            raise ConflictError(
                f"QA flagged no lines in episode {episode_id}: nothing to re-render"
            )
    unknown = set(line_ids) - {line.id for line in script.lines}
    if unknown:
        raise InputError(f"episode {episode_id} has no line {', '.join(sorted(unknown))}")
    fix = fix or Fix()
    say_again(folder, settings.show(episode.show).hosts, script, line_ids, fix)
    note = f"re-render {', '.join(line_ids)}: {fix.describe()}"
    episode = store.move(episode_id, episode.state, EpisodeState.APPROVED, note, by=by)
    dispatch_next(dispatcher, episode)
    return episode, line_ids


def retry(
    store: Store,
    episode_id: int,
    stale_after: timedelta = timedelta(minutes=1),
    *,
    dispatcher: Dispatcher,
    by: str | None = None,
) -> tuple[Episode, Stage[Any]]:
    """Put a failed episode back in the state its failed stage starts from, or, for an
    episode waiting in a working state with no live run (no heartbeat for `stale_after`),
    clear its dead run; either way send the stage again. `by` is the editor who asked
    (None: the pipeline). Returns the episode as sent, and the stage."""
    episode = store.episode(episode_id)
    if episode.state != EpisodeState.FAILED:
        stage = next_stage(episode)
        if stage is None:
            raise ConflictError(
                f"episode {episode_id} is {episode.state}, not failed: nothing to retry"
            )
        _check_not_running(store, episode, stale_after)
        store.end_heartbeat(episode_id)
        store.touch(episode_id, f"retry {stage.name}: no live run", by=by)
        episode = store.episode(episode_id)
    else:
        if episode.failed_stage is None:
            raise ConflictError(f"episode {episode_id} is failed at no stage: nothing to retry")
        stage = stage_named(episode.failed_stage)
        episode = store.move(
            episode_id, EpisodeState.FAILED, stage.start, note=f"retry {stage.name}", by=by
        )
    dispatcher.dispatch(episode.id, stage)
    return episode, stage


def _check_not_running(store: Store, episode: Episode, stale_after: timedelta) -> None:
    if episode.state == EpisodeState.ANNOTATED and episode.held_reason:
        raise ConflictError(f"episode {episode.id} is held, not stuck: {episode.held_reason}")
    run = store.running([episode.id]).get(episode.id)
    if run is not None:
        age = (utcnow() - run.beat_at).total_seconds()
        if age < stale_after.total_seconds():
            raise ConflictError(
                f"episode {episode.id} is running its {run.stage} stage (last heartbeat "
                f"{age:.0f} s ago): nothing to retry"
            )
