"""Stand-ins for remote LLM servers, which cannot run here: local HTTP servers on loopback.

They are not language models. Each speaks just enough of one server's documented
protocol for the "llm" script writer's tests: it checks requests the way the real
server does (refusing what it would refuse, in its own error shape) and answers
in its response shape. Kinds:

- "openai": POST /v1/chat/completions; unknown body fields are refused ("Unrecognized
  request argument supplied"), `response_format` json_schema needs a name and a schema,
  and in strict mode every object lists all its properties as required and sets
  additionalProperties false. Answers are chat.completion objects.
- "vllm": POST /v1/chat/completions; `structured_outputs` takes one of json, regex,
  choice, grammar. Errors in vLLM's {"object": "error", "message", "code"} shape.
- "ollama": POST /api/chat; streams NDJSON unless `stream` is false (Ollama's default
  is to stream); `format` is "json" or a JSON schema. Answers {"message": {"role",
  "content"}, "done": true, "done_reason"}; errors {"error": "…"}.
- "llamacpp": llama.cpp's server, POST /v1/chat/completions; `response_format` type
  must be "text", "json_object" or "json_schema". Answers carry its "timings".
- "plain": an OpenAI-compatible server that ignores every structured-output field.

Each test queues answers, for any request or for the segment whose prompt names a
title (`segment=`), or gives a `responder` that answers from the request; it then
reads back the requests each server got. A reply can be slow, an HTTP error, cut
off at the length limit, or a dropped connection.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KINDS = ("openai", "vllm", "ollama", "llamacpp", "plain")
OPENAI_FIELDS = {
    "model",
    "messages",
    "response_format",
    "temperature",
    "top_p",
    "n",
    "stream",
    "stop",
    "max_tokens",
    "max_completion_tokens",
    "presence_penalty",
    "frequency_penalty",
    "seed",
    "logit_bias",
    "user",
    "tools",
    "tool_choice",
    "logprobs",
    "top_logprobs",
    "store",
    "metadata",
    "parallel_tool_calls",
    "reasoning_effort",
    "stream_options",
    "modalities",
}


@dataclass(frozen=True)
class Reply:
    """One canned answer: message content (or an error), how long to wait, and how it ends."""

    content: str = ""
    status: int = 200
    error: str = ""
    delay: float = 0.0
    truncated: bool = False  # finish_reason / done_reason "length"
    drop: bool = False  # close the connection without answering


@dataclass(frozen=True)
class Request:
    """One request a stand-in got."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, str]]:
        messages: list[dict[str, str]] = self.body["messages"]
        return messages

    @property
    def prompt(self) -> str:
        """The first user message: the segment's prompt."""
        return next(m["content"] for m in self.messages if m["role"] == "user")

    @property
    def response_format(self) -> dict[str, Any]:
        format_: dict[str, Any] = self.body.get("response_format", {})
        return format_


@dataclass
class ChatStandIn:
    """A threaded server of one kind on a free loopback port, answering from queues."""

    kind: str = "openai"
    rejects_json_schema: bool = False  # an OpenAI-compatible server without structured output
    responder: Callable[[Request], Reply | None] | None = None
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        assert self.kind in KINDS, self.kind
        self._replies: deque[Reply] = deque()
        self._by_segment: dict[str, deque[Reply]] = {}
        self._lock = threading.Lock()
        self.in_flight = self.most_in_flight = 0  # requests being answered at once
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        root = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self.base_url = root if self.kind == "ollama" else root + "/v1"
        # a short poll interval keeps shutdown, and so each test's teardown, quick
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.01,), daemon=True)

    def answer(
        self,
        content: str,
        *,
        segment: str | None = None,
        delay: float = 0.0,
        truncated: bool = False,
    ) -> None:
        """Queue an answer whose message content is `content`."""
        self._queue(Reply(content, delay=delay, truncated=truncated), segment)

    def fail(self, status: int, message: str, *, segment: str | None = None) -> None:
        """Queue an error answer in the server's error shape."""
        self._queue(Reply(status=status, error=message), segment)

    def drop(self, *, segment: str | None = None) -> None:
        """Queue a dropped connection."""
        self._queue(Reply(drop=True), segment)

    def _queue(self, reply: Reply, segment: str | None) -> None:
        if segment is None:
            self._replies.append(reply)
        else:
            self._by_segment.setdefault(segment, deque()).append(reply)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def arrived(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)

    def left(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def for_segment(self, title: str) -> list[Request]:
        """The requests for the segment titled `title`, in order."""
        return [r for r in self.requests if f': "{title}".' in r.prompt]

    # --- serving ----------------------------------------------------------------------

    def reply_to(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
            for title, queue in self._by_segment.items():
                if queue and f': "{title}".' in request.prompt:
                    return queue.popleft()
            if self._replies:
                return self._replies.popleft()
        if self.responder is not None and (reply := self.responder(request)) is not None:
            return reply
        return Reply(status=500, error="the stand-in has no reply queued")

    def _refusal(self, request: Request) -> Reply | None:
        """What the real server would refuse, as it would say it."""
        path, body = request.path, request.body
        expected = "/api/chat" if self.kind == "ollama" else "/v1/chat/completions"
        if path != expected:
            return Reply(status=404, error=f"no route {path}")
        if not body.get("model") or not isinstance(body.get("messages"), list):
            return Reply(status=400, error="model and messages are required")
        check: Callable[[dict[str, Any]], Reply | None] = getattr(self, f"_check_{self.kind}")
        return check(body)

    def _check_openai(self, body: dict[str, Any]) -> Reply | None:
        if unknown := sorted(set(body) - OPENAI_FIELDS):
            return Reply(status=400, error=f"Unrecognized request argument supplied: {unknown[0]}")
        format_ = body.get("response_format")
        if format_ is None or format_.get("type") in ("text", "json_object"):
            return None
        if format_.get("type") != "json_schema":
            return Reply(
                status=400,
                error=f"Invalid value: {format_.get('type')!r}. "
                "Supported values are: 'text', 'json_object' and 'json_schema'.",
            )
        if self.rejects_json_schema:
            return Reply(
                status=400,
                error="response_format of type json_schema is not supported by this model",
            )
        spec = format_.get("json_schema", {})
        if not spec.get("name") or not isinstance(spec.get("schema"), dict):
            return Reply(
                status=400,
                error="Missing required parameter: "
                "'response_format.json_schema.name' or '.schema'.",
            )
        if spec.get("strict") and (problem := _strict_problem(spec["schema"])):
            return Reply(
                status=400, error=f"Invalid schema for response_format '{spec['name']}': {problem}"
            )
        return None

    def _check_vllm(self, body: dict[str, Any]) -> Reply | None:
        outputs = body.get("structured_outputs")
        kinds = {"json", "regex", "choice", "grammar", "json_object", "structural_tag"}
        if outputs is not None and (
            not isinstance(outputs, dict) or len(set(outputs) & kinds) != 1
        ):
            return Reply(
                status=400,
                error="You can only use one kind of structured outputs "
                "constraint but multiple are specified",
            )
        return None

    def _check_ollama(self, body: dict[str, Any]) -> Reply | None:
        format_ = body.get("format")
        if format_ is not None and format_ != "json" and not isinstance(format_, dict):
            return Reply(status=400, error=f"invalid format: {format_!r}")
        return None

    def _check_llamacpp(self, body: dict[str, Any]) -> Reply | None:
        format_ = body.get("response_format")
        if format_ is not None and format_.get("type") not in (
            "text",
            "json_object",
            "json_schema",
        ):
            return Reply(
                status=400,
                error='response_format type must be one of "text" or '
                f'"json_object", but got: {format_.get("type")}',
            )
        return None

    def _check_plain(self, body: dict[str, Any]) -> Reply | None:
        return None

    # --- answering in each server's shape ---------------------------------------------

    def error_body(self, reply: Reply) -> dict[str, Any]:
        if self.kind == "ollama":
            return {"error": reply.error}
        if self.kind == "vllm":
            return {
                "object": "error",
                "message": reply.error,
                "type": "BadRequestError",
                "param": None,
                "code": reply.status,
            }
        return {
            "error": {
                "message": reply.error,
                "type": "invalid_request_error",
                "param": None,
                "code": reply.status,
            }
        }

    def answer_body(self, reply: Reply, model: str) -> dict[str, Any]:
        reason = "length" if reply.truncated else "stop"
        message: dict[str, Any] = {"role": "assistant", "content": reply.content}
        if self.kind == "ollama":
            return {
                "model": model,
                "created_at": "2026-12-01T22:00:00.000000Z",
                "message": message,
                "done_reason": reason,
                "done": True,
                "total_duration": 1_000_000,
                "eval_count": len(reply.content.split()),
            }
        choice: dict[str, Any] = {
            "index": 0,
            "message": message,
            "finish_reason": reason,
            "logprobs": None,
        }
        body: dict[str, Any] = {
            "id": "chatcmpl-standin",
            "object": "chat.completion",
            "created": 1_764_626_400,
            "model": model,
            "choices": [choice],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
        if self.kind == "vllm":
            message |= {"reasoning_content": None, "tool_calls": []}
            choice["stop_reason"] = None
        if self.kind == "llamacpp":
            body["timings"] = {"prompt_n": 1, "predicted_n": 1}
        return body


def _strict_problem(schema: dict[str, Any], where: str = "schema") -> str | None:
    """What OpenAI's strict mode refuses: an object whose properties are not all required,
    or that allows additional properties."""
    if schema.get("type") == "object":
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is not False:
            return (
                f"In context={where}, 'additionalProperties' is required to be supplied "
                "and to be false."
            )
        if sorted(schema.get("required", [])) != sorted(properties):
            return (
                f"In context={where}, 'required' is required to be supplied and to be "
                "an array including every key in properties."
            )
        for name, sub in properties.items():
            if problem := _strict_problem(sub, f"{where}.{name}"):
                return problem
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return _strict_problem(schema["items"], f"{where}[]")
    return None


def _handler(server: ChatStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                body = {}
            request = Request(self.path, dict(self.headers.items()), body)
            server.arrived()
            try:
                self._answer(server.reply_to(request), body)
            finally:
                server.left()

        def _answer(self, reply: Reply, body: dict[str, Any]) -> None:
            time.sleep(reply.delay)
            if reply.drop:
                self.close_connection = True
                return
            try:
                if reply.status != 200:
                    self._send(reply.status, json.dumps(server.error_body(reply)).encode())
                elif server.kind == "ollama" and body.get("stream", True) is not False:
                    self._stream(reply, body.get("model", ""))
                else:
                    data = server.answer_body(reply, body.get("model", ""))
                    self._send(200, json.dumps(data).encode())
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up first, which is what the timeout tests want

        def _send(self, status: int, data: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, reply: Reply, model: str) -> None:
            """Ollama's default: one JSON object a line, the last one with done: true."""
            chunks = [reply.content[i : i + 20] for i in range(0, len(reply.content), 20)]
            records = [
                {"model": model, "message": {"role": "assistant", "content": c}, "done": False}
                for c in chunks
            ]
            records.append(
                {
                    "model": model,
                    "message": {"role": "assistant", "content": ""},
                    "done": True,
                    "done_reason": "stop",
                }
            )
            data = "".join(json.dumps(r) + "\n" for r in records).encode()
            self._send(200, data, "application/x-ndjson")

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep pytest's output clean

    return Handler
