"""One WAV clip per script line, cached by content, rendered in parallel.

A clip's key is the sha256 of everything that changes its sound: the spoken
text, the engine and its version, the voice (and, for Piper, the model file's
digest) and the speed. The clip lives at `cache_dir/<key[:2]>/<key>.wav`; a
clip whose file exists is never synthesised again, so after an edit only the
changed lines are rendered. Files are written to a temporary name in the same
folder and renamed, so a reader (or a second worker rendering the same clip,
perhaps on another host sharing the folder) sees a whole file or none.

Parallelism: Piper clips go to a pool of `workers` processes, each of which
loads its voice once with one onnxruntime thread (see `speech.piper`);
espeak-ng clips take milliseconds and are rendered in this process while the
pool works. One missing clip, or `workers=1`, renders here without a pool, and
so does a daemonic process (a Celery prefork child may not start children):
distributed mode fans out `render_clip` per line instead.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import wave
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from pipeline import caches
from pipeline.atomic_files import replacing
from pipeline.config import Voice
from pipeline.speech.engines import engine_named

# Bump when the clip format or the rendering itself changes, to retire old clips.
CLIP_FORMAT = 2  # 2: Piper says "-teen" numbers with the stress on "teen"


@dataclass(frozen=True)
class ClipJob:
    """One line to say: its id, its spoken form (`normalize.spoken`) and the voice."""

    line_id: str
    text: str
    voice: Voice


@dataclass(frozen=True)
class Clip:
    """A rendered line: its WAV file, cache key, length in seconds, and whether it was cached."""

    line_id: str
    path: Path
    key: str
    duration: float
    cached: bool


def clip_key(job: ClipJob) -> str:
    """sha256 of (spoken text, engine, engine version, voice, voice fingerprint, speed).

    Raises ConfigError when the job's engine or voice cannot be used.
    """
    engine = engine_named(job.voice.engine)
    payload = {
        "format": CLIP_FORMAT,
        "text": job.text,
        "engine": engine.name,
        "version": engine.version,
        "voice": job.voice.voice,
        "fingerprint": engine.fingerprint(job.voice),
        "speed": job.voice.speed,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def clip_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / key[:2] / f"{key}.wav"


def render_clip(job: ClipJob, cache_dir: Path) -> Clip:
    """One line's clip, synthesised here unless cached (a distributed worker's unit of work)."""
    key = clip_key(job)
    path = clip_path(cache_dir, key)
    if path.exists():
        caches.used(path)
        return Clip(job.line_id, path, key, wav_duration(path), cached=True)
    duration = _synthesize(job, path)
    return Clip(job.line_id, path, key, duration, cached=False)


def render_clips(
    jobs: list[ClipJob],
    cache_dir: Path,
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> list[Clip]:
    """Every job's clip, in job order: cached ones read, the rest synthesised in parallel;
    `progress` is told (lines done, lines) as clips are ready.

    All keys are computed first, so a missing voice or engine fails before any
    work starts.
    """
    keys = [clip_key(job) for job in jobs]
    todo: dict[str, ClipJob] = {}  # by key: a line said twice the same way renders once
    for job, key in zip(jobs, keys, strict=True):
        path = clip_path(cache_dir, key)
        if path.exists():
            caches.used(path)  # kept while episodes say it (caches.prune)
        else:
            todo.setdefault(key, job)
    lines_of = Counter(keys)
    done = [len(jobs) - sum(lines_of[k] for k in todo)]

    def rendered(key: str) -> None:
        done[0] += lines_of[key]
        if progress is not None:
            progress(done[0], len(jobs))

    if progress is not None:
        progress(done[0], len(jobs))
    durations = _render_missing(todo, cache_dir, workers, rendered)
    return [
        Clip(
            job.line_id,
            clip_path(cache_dir, key),
            key,
            durations[key] if key in durations else wav_duration(clip_path(cache_dir, key)),
            cached=key not in durations,
        )
        for job, key in zip(jobs, keys, strict=True)
    ]


def _render_missing(
    todo: dict[str, ClipJob], cache_dir: Path, workers: int, rendered: Callable[[str], None]
) -> dict[str, float]:
    """Duration of each clip rendered, by key; `rendered` is told each key as it is done."""
    heavy = {k: j for k, j in todo.items() if engine_named(j.voice.engine).heavy}
    light = {k: j for k, j in todo.items() if k not in heavy}
    done: dict[str, float] = {}
    if workers <= 1 or len(heavy) <= 1 or multiprocessing.current_process().daemon:
        light |= heavy  # a pool would cost more (start, voice load) than it saves
        heavy = {}

    def say_light() -> None:
        for k, j in light.items():
            done[k] = _synthesize(j, clip_path(cache_dir, k))
            rendered(k)

    if not heavy:
        say_light()
        return done
    # spawn, not fork: the caller may hold threads (a web server, a Celery worker, an
    # onnxruntime session) that a forked child would inherit in an undefined state.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(workers, len(heavy)), mp_context=context) as pool:
        # Longest first: the pool ends sooner when the big clips do not come last.
        order = sorted(heavy, key=lambda k: len(heavy[k].text), reverse=True)
        futures: dict[str, Future[float]] = {
            k: pool.submit(_synthesize, heavy[k], clip_path(cache_dir, k)) for k in order
        }
        keys_of = {future: k for k, future in futures.items()}
        say_light()  # while the pool says the heavy ones
        for future in as_completed(futures.values()):
            k = keys_of[future]
            done[k] = future.result()
            rendered(k)
    return done


def _synthesize(job: ClipJob, path: Path) -> float:
    """Renders one clip to `path` atomically; its duration in seconds.

    Runs in pool workers too: the engine (and a Piper voice) is loaded once per
    process by `engine_named` and the voice cache, not once per clip.
    """
    with replacing(path) as tmp:
        engine_named(job.voice.engine).synthesize(job.text, job.voice, tmp)
        duration = wav_duration(tmp)
    return duration


def wav_duration(path: Path) -> float:
    """Length of a WAV file in seconds, from its header."""
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()
