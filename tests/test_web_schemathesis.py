"""Schemathesis against the API's own OpenAPI schema: every /api operation, with
requests made from the schema, valid and invalid, and an API token. No answer may be
a 5xx, and every answer must be one the schema declares, in the shape it declares.

The schema is read at import (the cases are made when the module is collected) from
an app with only the API's routes; a test checks that it is the full app's schema.
The requests go to a full app on a store with an episode in review, so id 1 exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import AuthContext, Case

from pipeline import accounts
from pipeline.stages import Stage
from pipeline.store import Store
from pipeline.web import api as api_routes
from pipeline.web import create_app
from tests.web import BASE, EDITOR, PASSWORD, Web, episode_in_review, web_settings

OPENAPI = "/api/openapi.json"
CONFIG = {
    "checks": {
        # A request the schema allows may still be refused for what it says: an article
        # with no prose (422), a script edited from an old version (409).
        "positive_data_acceptance": {"expected-statuses": ["2xx", 401, 403, 404, 409, 422]},
        # Starlette answers 405 with the methods of the first route on the path only
        # (`Allow: POST` to an OPTIONS on /api/episodes, which has GET too).
        "allow_header_conformance": {"enabled": False},
    }
}


def routes_only() -> FastAPI:
    app = FastAPI(openapi_url=OPENAPI)
    app.include_router(api_routes.router)
    return app


schema = schemathesis.openapi.from_asgi(
    OPENAPI, routes_only(), config=schemathesis.Config.from_dict(CONFIG)
)


# Schemathesis makes some cases (its coverage phase) when the module is collected,
# before the fixture has made a token: they carry this, swapped for the token when sent.
LATER = "token-from-the-api-fixture"


@schema.auth(refresh_interval=None)
class BearerToken:
    """Authenticates every case, except those schemathesis makes without credentials on
    purpose (they must be refused with 401)."""

    def get(self, case: Case[Any], ctx: AuthContext) -> str:
        return LATER

    def set(self, case: Case[Any], data: str, ctx: AuthContext) -> None:
        case.headers["Authorization"] = f"Bearer {data}"


class Discard:
    """Dispatches nothing, so that approving episode 1 starts no audio rendering in the
    background (tests/test_web_api.py checks what is dispatched)."""

    def dispatch(self, episode_id: int, stage: Stage[Any]) -> None:
        pass


@dataclass
class Api:
    app: FastAPI
    token: str
    episode_id: int


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    settings = web_settings(tmp_path_factory.mktemp("schemathesis") / "data")
    store = Store(settings.db_url, settings.data_root)
    accounts.add_user(store, EDITOR, PASSWORD)
    token = accounts.new_api_token(store, EDITOR, "schemathesis")
    app = create_app(settings, store)
    with TestClient(app, base_url=BASE) as client:
        app.state.ctx.dispatcher = Discard()
        episode_id = episode_in_review(Web(settings, store, app, client, "", token))
        yield Api(app, token, episode_id)
    store.close()


def test_the_schema_tested_is_the_apps(api: Api) -> None:
    tested = routes_only().openapi()
    served = api.app.openapi()
    assert api.episode_id == 1
    assert tested["paths"] == served["paths"]
    assert tested["components"] == served["components"]


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_answers_every_request_as_its_schema_says(case: Case[Any], api: Api) -> None:
    if case.headers.get("Authorization") == f"Bearer {LATER}":
        case.headers["Authorization"] = f"Bearer {api.token}"
    case.call_and_validate(app=api.app)
