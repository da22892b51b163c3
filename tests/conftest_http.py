"""A real HTTP server on 127.0.0.1 for the fetching tests, with routes set per test."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Route:
    """What one path answers. `repeat` > 1 sends the body that many times, with no length."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0
    repeat: int = 1
    interval: float = 0.0  # seconds between repeats: a server that trickles its body


class LoopbackServer:
    """A threaded HTTP server on a free loopback port; `requests` records what it was asked."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.port = self._httpd.server_address[1]
        # a short poll interval keeps shutdown, and so each test's teardown, quick
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.01,), daemon=True)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        content_type: str = "text/html",
        status: int = 200,
        delay: float = 0.0,
        repeat: int = 1,
        interval: float = 0.0,
    ) -> str:
        """Serve `body` at `path` and return its URL."""
        data = body.encode() if isinstance(body, str) else body
        headers = {"Content-Type": content_type} if content_type else {}
        self.routes[path] = Route(status, headers, data, delay, repeat, interval)
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        """Answer `path` with a redirect to `location` and return its URL."""
        self.routes[path] = Route(status, {"Location": location})
        return self.url(path)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _handler(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append((self.path, dict(self.headers.items())))
            route = server.routes.get(self.path, Route(404, body=b"not found"))
            time.sleep(route.delay)
            # the client may give up first, which is what some tests want
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._answer(route)

        def _answer(self, route: Route) -> None:
            self.send_response(route.status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if route.repeat == 1:
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            for _ in range(route.repeat):
                self.wfile.write(route.body)
                if route.interval:
                    self.wfile.flush()
                    time.sleep(route.interval)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output quiet

    return Handler


@pytest.fixture(name="http_server")
def http_server_fixture() -> Iterator[LoopbackServer]:
    """A started LoopbackServer; import this function to use the `http_server` fixture."""
    server = LoopbackServer()
    server.start()
    yield server
    server.stop()
