"""What every request handler shares: settings, the store, the dispatcher, the limiter."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from pipeline import orchestrate
from pipeline.accounts import SignInLimiter
from pipeline.config import Settings
from pipeline.errors import InfracastError
from pipeline.stages import Stage
from pipeline.store import Store

log = logging.getLogger(__name__)


class BackgroundRunner:
    """Embedded mode behind a web server: stages run in one background thread, one
    episode at a time, so a request returns at once and the dashboard shows progress."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stages")

    def dispatch(self, episode_id: int, stage: Stage[Any]) -> None:
        self.pool.submit(self._run, episode_id)

    def _run(self, episode_id: int) -> None:
        try:
            orchestrate.run_episode(self.store, self.settings, episode_id)
        except InfracastError as e:  # recorded on the episode by the orchestrator
            log.info("episode %s: %s", episode_id, e)
        except Exception:
            log.exception("episode %s: unexpected error", episode_id)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class WebContext:
    settings: Settings
    store: Store
    dispatcher: orchestrate.Dispatcher
    limiter: SignInLimiter = field(default_factory=SignInLimiter)


async def web(request: Request) -> WebContext:  # async: no thread hop just to read this
    ctx: WebContext = request.app.state.ctx
    return ctx
