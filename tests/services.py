"""Real services for the tests and benchmarks: redis-server, Celery workers, the CLI."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

INFRACAST = str(Path(sys.executable).parent / "infracast")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A redis-server of the test's own on a free loopback port; no persistence."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            raise RuntimeError("redis-server is not installed (make test installs it)")
        self.proc = subprocess.Popen(
            [
                exe,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def distributed_env(broker_url: str, data_root: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFRACAST_")}
    env |= {
        "INFRACAST_BROKER_URL": broker_url,
        "INFRACAST_DATA_ROOT": str(data_root),
        "INFRACAST_CONFIG": str(data_root / "absent.toml"),
        "INFRACAST_FETCH_ALLOW_NETWORKS": '["127.0.0.0/8"]',
        "PYTHONUNBUFFERED": "1",
    }
    return env | extra


class Worker:
    """`infracast worker` in its own process group, so a test can SIGKILL all of it."""

    def __init__(self, env: dict[str, str], log: Path, queues: str = "default") -> None:
        self.env, self.log, self.queues = env, log, queues
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> Worker:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [INFRACAST, "worker", "--queues", self.queues, "--concurrency", "1"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log.read_text(errors="replace"):
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"worker exited:\n{self.log.read_text(errors='replace')[-3000:]}"
                )
            time.sleep(0.1)
        raise RuntimeError(f"worker not ready:\n{self.log.read_text(errors='replace')[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes: nothing gets to clean up."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    def stop(self) -> None:
        stop_group(self.proc)
        self.proc = None


class WebServer:
    """`infracast serve` (uvicorn) on a free loopback port, in its own process group."""

    def __init__(self, env: dict[str, str], log: Path, *args: str) -> None:
        self.env, self.log, self.args = env, log, args
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> WebServer:
        import httpx

        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [INFRACAST, "serve", "--port", str(self.port), *self.args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited:\n{self.log.read_text(errors='replace')}")
            try:
                if httpx.get(f"{self.url}/login", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()  # not left running (with its server processes) after a failed start
        raise RuntimeError(f"serve not ready:\n{self.log.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        stop_group(self.proc)
        self.proc = None


def stop_group(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM a process group, then SIGKILL it if it has not gone in 15 s."""
    if proc is None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def cli(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [INFRACAST, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def wait_for(predicate, timeout: float = 60, interval: float = 0.05) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError("timed out waiting")
