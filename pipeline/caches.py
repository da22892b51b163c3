"""The caches under the data root that every episode shares, and their pruning.

- `clips/`: one WAV per line said a given way (speech.render), so an edit renders only
  the changed lines and a line said the same way in two episodes renders once;
- `script-segments/`: the llm writer's answers by segment, so a retry asks only for
  the segments it lacks.

Both grow with every script and every re-render. An entry's modification time is its
last use: reading a cached entry marks it (`used`), and entries unused for
`Settings.cache_days` are removed (`prune`), at most once a day by the render stage
(`prune_when_due`) or at once with `infracast caches --prune`. A pruned entry costs only
its making again the next time it is needed. (An episode's mastered chunks live in its
own folder and are pruned to the latest render by `speech.assemble`.)
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

# The caches, by their folders under the data root.
CLIPS = "clips"
SCRIPT_SEGMENTS = "script-segments"
# The file names each cache's entries have; anything else in the folder is left alone.
ENTRIES = {CLIPS: "*.wav", SCRIPT_SEGMENTS: "*.json"}
# The file whose time says when the caches were last pruned.
PRUNED_MARK = ".pruned"
PRUNE_EVERY = 24 * 3600.0  # seconds between automatic prunings


def used(path: Path) -> None:
    """Mark a cache entry as used now (its modification time is its last use)."""
    # Gone meanwhile (pruned: made again when next needed), or a read-only cache: no mark.
    with contextlib.suppress(OSError):
        os.utime(path)


@dataclass(frozen=True)
class CacheSize:
    """What a cache holds: its entries, their bytes, and the oldest last use (epoch s)."""

    name: str
    files: int
    bytes: int
    oldest: float | None


def _entries(data_root: Path, name: str) -> list[tuple[Path, os.stat_result]]:
    found = []
    for path in (data_root / name).rglob(ENTRIES[name]):
        try:
            found.append((path, path.stat()))
        except FileNotFoundError:
            continue  # removed while listing
    return found


def sizes(data_root: Path) -> list[CacheSize]:
    out = []
    for name in ENTRIES:
        entries = _entries(data_root, name)
        oldest = min((s.st_mtime for _, s in entries), default=None)
        out.append(CacheSize(name, len(entries), sum(s.st_size for _, s in entries), oldest))
    return out


def prune(data_root: Path, days: float, now: float | None = None) -> list[CacheSize]:
    """Remove every cache entry not used in the last `days` days; what was removed, by
    cache. (Emptied `clips/<xx>/` folders stay: a renderer may be writing into one.)"""
    cutoff = (time.time() if now is None else now) - days * 86400
    removed = []
    for name in ENTRIES:
        files, size = 0, 0
        for path, stat in _entries(data_root, name):
            if stat.st_mtime >= cutoff:
                continue
            try:
                path.unlink()
            except FileNotFoundError:
                continue  # another process pruned it first
            files, size = files + 1, size + stat.st_size
        removed.append(CacheSize(name, files, size, None))
    if data_root.is_dir():  # no data root yet: nothing to prune, nothing to mark
        (data_root / PRUNED_MARK).touch()
    return removed


def prune_when_due(data_root: Path, days: float) -> list[CacheSize] | None:
    """`prune`, when the caches were last pruned a day ago or more (or never); None when
    it was not due."""
    mark = data_root / PRUNED_MARK
    try:
        if time.time() - mark.stat().st_mtime < PRUNE_EVERY:
            return None
    except FileNotFoundError:
        pass
    return prune(data_root, days)
