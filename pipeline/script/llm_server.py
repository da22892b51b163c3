"""The HTTP side of the "llm" writer: each server kind's request and response shapes
(see `pipeline.script.llm` for the kinds), retries of a busy or slow server, and its
failures mapped to project errors."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from pipeline.errors import InfracastError, TransientError
from pipeline.script import LLMOptions

ERROR_CHARS = 300  # of a server's error message, quoted in ours


TRIES = 2  # of one request that times out or meets a busy server


RETRY_PAUSE = 0.5  # seconds between those tries


Message = dict[str, str]


@dataclass(frozen=True)
class Answer:
    content: str
    truncated: bool  # the server stopped at its length limit


@dataclass
class Endpoint:
    """The HTTP side: one server kind's request and response shapes, failures mapped to
    project errors. Shared by the segments' threads (httpx.Client is thread-safe)."""

    client: httpx.Client
    llm: LLMOptions
    schema: dict[str, Any]
    structured: bool = True  # send the structured-output field until the server refuses it

    @property
    def url(self) -> str:
        base = self.llm.base_url.rstrip("/")
        if self.llm.server == "ollama":
            return base.removesuffix("/v1").removesuffix("/api") + "/api/chat"
        return base + "/chat/completions"

    def complete(self, messages: list[Message]) -> Answer:
        """The model's answer to `messages`, tried again once when the server is busy."""
        for attempt in range(1, TRIES + 1):
            try:
                return self._complete(messages)
            except TransientError:
                if attempt == TRIES:
                    raise
                time.sleep(RETRY_PAUSE)
        raise AssertionError("unreachable")

    def _complete(self, messages: list[Message]) -> Answer:
        response = self._post(messages)
        if (
            response.status_code in (400, 422)
            and self.structured
            and self.llm.server in ("openai", "plain")
            and _about_format(response)
        ):
            self.structured = False
            response = self._post(messages)
        _raise_for_status(response, self.url)
        try:
            data = response.json()
            if self.llm.server == "ollama":
                message, reason = data["message"], data.get("done_reason")
            else:
                choice = data["choices"][0]
                message, reason = choice["message"], choice.get("finish_reason")
            content = message.get("content")
        except (ValueError, LookupError, TypeError, AttributeError):
            raise InfracastError(
                f"the LLM endpoint {self.url} did not answer with a chat "
                f"completion: {_clip(response.text)}; is INFRACAST_LLM_SERVER "
                f"({self.llm.server!r}) the kind of server it is?"
            ) from None
        return Answer(str(content or ""), truncated=reason == "length")

    def _post(self, messages: list[Message]) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.llm.api_key}"} if self.llm.api_key else {}
        try:
            return self.client.post(self.url, json=self._body(messages), headers=headers)
        except httpx.TimeoutException as e:
            raise TransientError(
                f"the LLM endpoint {self.url} did not answer within {self.llm.timeout:g} s; "
                "try again, or allow it more time with INFRACAST_LLM_TIMEOUT"
            ) from e
        except httpx.TransportError as e:
            raise TransientError(
                f"could not reach the LLM endpoint {self.url} ({e}); check that it is running "
                "and that INFRACAST_LLM_BASE_URL points at it"
            ) from e

    def _body(self, messages: list[Message]) -> dict[str, Any]:
        """The request in the server's documented form (see the module's docstring)."""
        body: dict[str, Any] = {"model": self.llm.model, "messages": messages}
        server, schema = self.llm.server, self.schema
        if server == "ollama":
            body |= {"stream": False, "format": schema}
        elif server == "vllm":
            body["structured_outputs"] = {"json": schema}
        elif server == "llamacpp":
            body["response_format"] = {"type": "json_object", "schema": schema}
        elif server == "openai" and self.structured:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "segment", "strict": True, "schema": schema},
            }
        return body


def _about_format(response: httpx.Response) -> bool:
    text = response.text.lower()
    return "response_format" in text or "json_schema" in text


def _raise_for_status(response: httpx.Response, url: str) -> None:
    status = response.status_code
    if status < 400:
        return
    said = f"HTTP {status}: {_server_message(response)}"
    if status in (401, 403):
        raise InfracastError(
            f"the LLM endpoint {url} refused the API key ({said}); "
            "set INFRACAST_LLM_API_KEY to a key it accepts"
        )
    if status in (408, 429) or status >= 500:
        raise TransientError(f"the LLM endpoint {url} is busy or failing ({said}); try again later")
    raise InfracastError(
        f"the LLM endpoint {url} rejected the request ({said}); "
        "check INFRACAST_LLM_BASE_URL, INFRACAST_LLM_MODEL and "
        "INFRACAST_LLM_SERVER"
    )


def _server_message(response: httpx.Response) -> str:
    """The message of an error body: OpenAI's {"error": {"message"}}, Ollama's {"error": "…"},
    vLLM's older {"message": …}; else the body."""
    try:
        data = response.json()
        error = data.get("error", data)
        message = error.get("message", error) if isinstance(error, dict) else error
    except (ValueError, AttributeError):
        message = response.text
    return _clip(str(message))


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"
