"""Speech rendering: audio seconds per wall second and peak RSS, per engine and layout.

python -m bench.render_speed

Cases, each in a fresh process so its RSS is its own:
- Piper in one process with 2 onnxruntime intra-op threads, against two worker
  processes with one thread each (render_clips, workers=2), over 20 lines of
  about 20 words; "steady" leaves out interpreter start and voice loading.
- espeak-ng on the same lines.
- re-rendering one edited line of an already rendered script (target < 3 s),
  timed as the call and as a whole fresh process (what `infracast rerender` pays).
  That is the clip alone: bench/rerender_line.py times the whole render stage after
  an edit, assembly and mastering included, step by step.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from bench.common import EXAMPLES, table
from pipeline.config import Voice
from pipeline.speech.normalize import spoken
from pipeline.speech.render import ClipJob, _synthesize, render_clips, wav_duration

MILES = Voice(engine="piper", voice="joe")
LENA = Voice(engine="espeak", voice="en-us+f3")
LINES = 20


def lines(count: int = LINES) -> list[str]:
    """Spoken forms of example-article sentences of 15 to 25 words."""
    text = " ".join(p.read_text("utf-8") for p in sorted(EXAMPLES.glob("*.md")))
    text = re.sub(r"(?m)^#.*$", "", text)
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    picked = [s for s in sentences if 15 <= len(s.split()) <= 25]
    return [spoken(s) for s in picked[:count]]


def jobs(voice: Voice, texts: list[str], tag: str = "") -> list[ClipJob]:
    return [ClipJob(f"l{i}{tag}", text, voice) for i, text in enumerate(texts)]


def peak_rss_mb() -> tuple[float, float]:
    """Peak RSS of this process and of its largest child, in MB (Linux reports KB)."""
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return self_kb / 1024, children_kb / 1024


# --- cases: each runs in its own process and prints one JSON line ----------------


def case_piper_threads(cache: Path) -> dict[str, float]:
    from pipeline.speech.piper import PiperEngine, load_voice, model_path

    engine = PiperEngine(threads=2)
    start = time.perf_counter()
    load_voice(model_path("joe"), 2)
    loaded = time.perf_counter()
    audio = 0.0
    for i, text in enumerate(lines()):
        out = cache / f"{i}.wav"
        engine.synthesize(text, MILES, out)
        audio += wav_duration(out)
    end = time.perf_counter()
    return {"audio": audio, "wall": end - start, "steady": end - loaded}


def case_piper_processes(cache: Path) -> dict[str, float]:
    todo = jobs(MILES, lines())
    start = time.perf_counter()
    clips = render_clips(todo, cache / "a", workers=2)
    wall = time.perf_counter() - start
    # Steady state: the same pool shape, warmed up (voice loaded) before the clock starts.
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        warm = [
            pool.submit(_synthesize, ClipJob("w", "Warm up.", MILES), cache / f"w{i}.wav")
            for i in range(4)
        ]
        for future in warm:
            future.result()
        begin = time.perf_counter()
        ordered = sorted(todo, key=lambda j: len(j.text), reverse=True)
        futures = [
            pool.submit(_synthesize, job, cache / "b" / f"{job.line_id}.wav") for job in ordered
        ]
        steady_audio = sum(f.result() for f in futures)
        steady = time.perf_counter() - begin
    audio = sum(c.duration for c in clips)
    return {"audio": audio, "wall": wall, "steady": steady * audio / steady_audio}


def case_espeak(cache: Path) -> dict[str, float]:
    start = time.perf_counter()
    clips = render_clips(jobs(LENA, lines()), cache, workers=1)
    wall = time.perf_counter() - start
    return {"audio": sum(c.duration for c in clips), "wall": wall, "steady": wall}


def script_jobs(texts: list[str]) -> list[ClipJob]:
    """A two-host script: lines alternate Miles (Piper) and Lena (espeak-ng)."""
    return [ClipJob(f"l{i}", t, MILES if i % 2 == 0 else LENA) for i, t in enumerate(texts)]


def edited(texts: list[str]) -> list[str]:
    return [*texts[:4], texts[4] + " That is the whole point.", *texts[5:]]


def case_rerender(cache: Path) -> dict[str, float]:
    start = time.perf_counter()
    clips = render_clips(script_jobs(edited(lines())), cache, workers=2)
    wall = time.perf_counter() - start
    fresh = [c for c in clips if not c.cached]
    assert len(fresh) == 1, "exactly the edited line is rendered"
    return {"audio": fresh[0].duration, "wall": wall, "steady": wall}


CASES = {
    "piper-threads": case_piper_threads,
    "piper-processes": case_piper_processes,
    "espeak": case_espeak,
    "rerender": case_rerender,
}


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (Linux /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def our_cpu_seconds() -> float:
    """CPU seconds of this process's finished children (their own children included)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_case(name: str, cache: Path) -> dict[str, float]:
    """Runs one case in a fresh interpreter: its result, RSS, whole-process time, and
    how many cores other processes kept busy meanwhile (a shared machine skews timings)."""
    cache.mkdir(parents=True, exist_ok=True)
    busy, ours = busy_seconds(), our_cpu_seconds()
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench.render_speed", name, str(cache)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"case {name} failed:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    result["process"] = time.perf_counter() - start
    others = (busy_seconds() - busy) - (our_cpu_seconds() - ours)
    result["other_cores"] = max(0.0, others / result["process"])
    return result


def main() -> None:
    if len(sys.argv) == 3:  # a case, in its own process
        result = CASES[sys.argv[1]](Path(sys.argv[2]))
        result["rss_self"], result["rss_child"] = peak_rss_mb()
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        results = {name: run_case(name, root / name) for name in CASES if name != "rerender"}
        render_clips(script_jobs(lines()), root / "script", workers=2)  # the script, rendered
        results["rerender"] = run_case("rerender", root / "script")
    words = sum(len(t.split()) for t in lines())
    rows = [
        (
            "lines",
            f"{LINES} lines, {words} words, {results['espeak']['audio']:.0f} s of espeak audio",
        )
    ]
    labels = {
        "piper-threads": "Piper, 1 process × 2 threads",
        "piper-processes": "Piper, 2 processes × 1 thread",
        "espeak": "espeak-ng, in process",
    }
    for name, label in labels.items():
        r = results[name]
        rows.append(
            (
                label,
                f"{r['audio'] / r['wall']:5.1f}× real time "
                f"(steady {r['audio'] / r['steady']:5.1f}×), "
                f"{r['audio']:.0f} s audio in {r['wall']:.1f} s, "
                f"peak RSS {r['rss_self']:.0f} MB"
                + (f" + {r['rss_child']:.0f} MB per worker" if name == "piper-processes" else "")
                + _contention(r),
            )
        )
    r = results["rerender"]
    rows.append(
        (
            "re-render 1 edited line (target < 3 s)",
            f"{r['wall']:.2f} s in the call, {r['process']:.2f} s as a fresh process, "
            f"peak RSS {r['rss_self']:.0f} MB" + _contention(r),
        )
    )
    table(
        "speech rendering (audio seconds per wall second; reference: Piper 24× in one "
        "process, 30× in two; espeak-ng 450×)",
        rows,
    )


def _contention(result: dict[str, float]) -> str:
    other = result["other_cores"]
    return f"  [other processes busy on {other:.1f} cores: slower]" if other > 0.2 else ""


if __name__ == "__main__":
    main()
