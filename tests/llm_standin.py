"""A stand-in for a remote LLM API, which cannot run here: a local chat-completions server.

It is not a language model. It speaks just enough of the OpenAI-compatible
chat-completions protocol (POST /v1/chat/completions, JSON in and out) for the
"llm" script writer's tests: each test queues the answers it wants, in order,
and reads back the requests the writer sent. It can also answer slowly,
answer with an HTTP error, or refuse `response_format` of type json_schema
the way endpoints without structured output do.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    """One canned answer: a status, a JSON body, and how long to wait before sending it."""

    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class Request:
    """One request the stand-in got."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, str]]:
        messages: list[dict[str, str]] = self.body["messages"]
        return messages

    @property
    def response_format(self) -> dict[str, Any]:
        format_: dict[str, Any] = self.body.get("response_format", {})
        return format_


class ChatStandIn:
    """A threaded chat-completions server on a free loopback port, answering from a queue."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[Request] = []
        self.rejects_json_schema = False
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"
        # a short poll interval keeps shutdown, and so each test's teardown, quick
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.01,), daemon=True)

    def answer(self, content: str, *, delay: float = 0.0) -> None:
        """Queue a chat completion whose message content is `content`."""
        choice = {
            "index": 0,
            "finish_reason": "stop",
            "message": {"role": "assistant", "content": content},
        }
        body = {"id": "chatcmpl-standin", "object": "chat.completion", "choices": [choice]}
        self.replies.append(Reply(200, body, delay))

    def fail(self, status: int, message: str) -> None:
        """Queue an OpenAI-style error answer."""
        self.replies.append(Reply(status, {"error": {"message": message, "type": "error"}}))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def reply_to(self, request: Request) -> Reply:
        self.requests.append(request)
        if request.path != "/v1/chat/completions":
            return Reply(404, {"error": {"message": f"no route {request.path}"}})
        if self.rejects_json_schema and request.response_format.get("type") == "json_schema":
            message = "response_format of type json_schema is not supported by this model"
            return Reply(400, {"error": {"message": message, "param": "response_format"}})
        if not self.replies:
            return Reply(500, {"error": {"message": "the stand-in has no reply queued"}})
        return self.replies.popleft()


def _handler(server: ChatStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            reply = server.reply_to(Request(self.path, dict(self.headers.items()), body))
            time.sleep(reply.delay)
            data = json.dumps(reply.body).encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up first, which is what the timeout test wants

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep pytest's output clean

    return Handler
