"""Does the web app hold up under load? Target, at 20 concurrent clients: p99 < 300 ms for
each request kind, no errors, and server RSS growth < 50 MB over the run.

A PostgreSQL database of its own on 127.0.0.1:5432 (created, then dropped) holds 1,000
episodes in every state, each with the example article's text; one has a real MP3.
`infracast serve --workers N` (one process per CPU unless told) runs under uvicorn on a
free loopback port, and 20 client threads
send 200 requests each, taking turns over three kinds: the dashboard page (signed-in
session), the API's episode list (API token), and a 64 KiB byte range of the MP3 at a
random offset. Nothing leaves the loopback interface.

python -m bench.web_load [--episodes 1000] [--clients 20] [--requests 200]
                         [--server-processes N]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import secrets
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import update

from bench.common import table
from pipeline import accounts, episode_files
from pipeline.models import EpisodeState, Source
from pipeline.store import Store
from pipeline.store.rows import EpisodeRow
from tests.conftest import EXAMPLE, pg_database
from tests.services import WebServer

KINDS = ("dashboard", "api list", "audio range")
RANGE = 64 * 1024
USER = "bench"
PASSWORD = secrets.token_urlsafe(16)
# Episodes are spread over every state, as on a team's long-running installation.
STATES = [s for s in EpisodeState if s != EpisodeState.QUEUED]


def fill(store: Store, episodes: int) -> int:
    """`episodes` episodes over every state; returns the id of the one with an MP3."""
    body = EXAMPLE.read_text(encoding="utf-8")
    ids = []
    for n in range(episodes):
        source = Source(kind="markdown", uri=f"article-{n}.md", text=body)
        ids.append(store.create_episode("infracast", source, title=f"Article {n}").id)
    with store.session() as s:
        for i, state in enumerate(STATES):
            chosen = ids[i :: len(STATES) + 1]
            values: dict[str, object] = {"state": state.value}
            if state == EpisodeState.FAILED:
                values |= {"failed_stage": "render", "failure": "bench: no voice"}
            s.execute(update(EpisodeRow).where(EpisodeRow.id.in_(chosen)).values(**values))
    audio = store.episode_dir(ids[0]) / episode_files.AUDIO
    audio.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=120",
            "-b:a",
            "64k",
            str(audio),
        ],
        check=True,
    )
    return ids[0]


def server_tree(pid: int) -> list[int]:
    """The server process and its worker processes (`serve --workers N`)."""
    found = [pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone since the listing
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of the server's processes, together."""
    total = 0.0
    for each in server_tree(pid):
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
    return total


def cpu_seconds(pid: int) -> float:
    """The server processes' user + system CPU time: what a request costs the server,
    whatever else the machine is busy with."""
    total = 0.0
    for each in server_tree(pid):
        fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def client_run(
    base: str,
    cookies: httpx.Cookies,
    token: str,
    audio: str,
    size: int,
    requests: int,
    seed: int,
    out: dict[str, list[float]],
    errors: dict[str, list[str]],
    only: str | None = None,
) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base, cookies=cookies, timeout=10) as client:
        for n in range(requests):
            kind = only or KINDS[(n + seed) % len(KINDS)]
            headers, expected = {}, 200
            if kind == "dashboard":
                url = "/"
            elif kind == "api list":
                url, headers = "/api/episodes", {"Authorization": f"Bearer {token}"}
            else:
                start = rng.randrange(0, size - RANGE)
                url, expected = audio, 206
                headers = {"Range": f"bytes={start}-{start + RANGE - 1}"}
            began = time.perf_counter()
            try:
                r = client.get(url, headers=headers)
                ok = r.status_code == expected and (
                    kind != "audio range" or len(r.content) == RANGE
                )
                problem = f"{r.status_code} {r.text[:80]!r}"
            except httpx.HTTPError as e:
                ok, problem = False, f"{type(e).__name__}: {e}"
            out[kind].append(time.perf_counter() - began)
            if not ok:
                errors[kind].append(problem)


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def pct(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200, help="per client")
    parser.add_argument(
        "--server-processes",
        type=int,
        default=os.cpu_count() or 1,
        help="`infracast serve --workers`; default one per CPU",
    )
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="bench-load-") as tmp,
        pg_database("infracast_bench") as url,
    ):
        root = Path(tmp)
        store = Store(url, root / "data")
        audio_id = fill(store, args.episodes)
        accounts.add_user(store, USER, PASSWORD)
        token = accounts.new_api_token(store, USER, "bench")
        size = (store.episode_dir(audio_id) / episode_files.AUDIO).stat().st_size
        store.close()
        env = {k: v for k, v in os.environ.items() if not k.startswith("INFRACAST_")}
        env |= {
            "INFRACAST_DATABASE_URL": url,
            "INFRACAST_DATA_ROOT": str(root / "data"),
            "INFRACAST_CONFIG": str(root / "absent.toml"),
        }
        server = WebServer(env, root / "serve.log", "--workers", str(args.server_processes)).start()
        try:
            assert server.proc is not None
            base = server.url
            assert base.startswith("http://127.0.0.1:"), base  # loopback only
            with httpx.Client(base_url=base, timeout=10, follow_redirects=True) as signin:
                r = signin.post("/login", data={"name": USER, "password": PASSWORD, "next": "/"})
                assert r.status_code == 200 and "/login" not in str(r.url), r.status_code
                cookies = signin.cookies
            audio = f"/episodes/{audio_id}/files/episode.mp3"
            warm: dict[str, list[float]] = {k: [] for k in KINDS}
            client_run(
                base, cookies, token, audio, size, len(KINDS), 0, warm, {k: [] for k in KINDS}
            )
            cost = {}
            for kind in KINDS:  # one client, one kind at a time: the server's CPU per request
                spent = cpu_seconds(server.proc.pid)
                client_run(
                    base,
                    cookies,
                    token,
                    audio,
                    size,
                    100,
                    0,
                    warm,
                    {k: [] for k in KINDS},
                    only=kind,
                )
                cost[kind] = (cpu_seconds(server.proc.pid) - spent) / 100
            before = rss_mb(server.proc.pid)
            cpu_before = cpu_seconds(server.proc.pid)
            samples: dict[str, list[float]] = {k: [] for k in KINDS}
            errors: dict[str, list[str]] = {k: [] for k in KINDS}
            threads = [
                threading.Thread(
                    target=client_run,
                    args=(base, cookies, token, audio, size, args.requests, i, samples, errors),
                )
                for i in range(args.clients)
            ]
            began = time.perf_counter()
            client_before = _own_cpu()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - began
            client_cpu = _own_cpu() - client_before
            after = rss_mb(server.proc.pid)
            server_cpu = cpu_seconds(server.proc.pid) - cpu_before
        finally:
            server.stop()

    total = sum(len(v) for v in samples.values())
    rows = [
        ("requests", f"{total} in {elapsed:.1f} s: {total / elapsed:.0f} requests/s"),
        (
            "server CPU",
            f"{server_cpu:.1f} s over the run, {server_cpu / total * 1000:.1f} ms "
            f"per request; load average {os.getloadavg()[0]:.1f} on "
            f"{os.cpu_count()} CPUs at the end",
        ),
        (
            "client CPU",
            f"{client_cpu:.1f} s over the run ({client_cpu / elapsed:.2f} of a core): "
            "the 20 client threads share the machine's cores with the server",
        ),
    ]
    worst = 0.0
    for kind in KINDS:
        ordered = sorted(samples[kind])
        worst = max(worst, pct(ordered, 0.99))
        rows.append(
            (
                kind,
                f"n {len(ordered)}, p50 {pct(ordered, 0.5) * 1000:.0f} ms, "
                f"p90 {pct(ordered, 0.9) * 1000:.0f} ms, "
                f"p99 {pct(ordered, 0.99) * 1000:.0f} ms, "
                f"mean {statistics.fmean(ordered) * 1000:.0f} ms, "
                f"errors {len(errors[kind])}, "
                f"server CPU {cost[kind] * 1000:.1f} ms each alone",
            )
        )
        if errors[kind]:
            rows.append(("", f"first error: {errors[kind][0]}"))
    growth = after - before
    rows.append(("server RSS", f"{before:.0f} MB before, {after:.0f} MB after (+{growth:.0f} MB)"))
    failed = sum(len(v) for v in errors.values())
    verdict = "met" if worst < 0.3 and not failed and growth < 50 else "NOT met"
    rows.append(("targets", f"{verdict} (p99 < 300 ms each, no errors, RSS growth < 50 MB)"))
    table(
        f"web load: {args.episodes} episodes on PostgreSQL, {args.clients} clients × "
        f"{args.requests} requests",
        rows,
    )


if __name__ == "__main__":
    main()
