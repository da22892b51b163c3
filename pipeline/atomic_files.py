"""Atomic file writes: the one way anything under the data root is replaced.

A reader (a web request, another worker, a crash's aftermath) sees the old file or the
new one, never half of one. Each write goes to a uniquely named temporary file beside
its target, is flushed to disk, and replaces the target with one rename; two writers of
one file each have their own temporary file, so the last rename wins whole.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Files are read by other processes (the web server, workers under another user on a
# shared mount); mkstemp would leave them readable by their owner only.
MODE = 0o644


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """Yields a fresh temporary path beside `target` to write (by hand, or by a tool such
    as ffmpeg); when the block ends without an error the file replaces `target`. On an
    error `target` is left as it was and the temporary file is removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # Same directory: os.replace is atomic only within one filesystem.
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        _flush_to_disk(tmp)
        os.chmod(tmp, MODE)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _flush_to_disk(path: Path) -> None:
    # Without it a crash soon after the rename can leave the new name on an empty file.
    with path.open("rb") as f:
        os.fsync(f.fileno())


def write_bytes(target: Path, data: bytes) -> Path:
    with replacing(target) as tmp:
        tmp.write_bytes(data)
    return target


def write_text(target: Path, text: str) -> Path:
    with replacing(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


def copy_file(source: Path, target: Path, *, keep_time: bool = False) -> Path:
    """Copy `source` to `target` atomically; with `keep_time` the copy has the source's
    modification time (so a later stat tells it is the same copy)."""
    with replacing(target) as tmp:
        shutil.copyfile(source, tmp)
        if keep_time:
            times = source.stat()
            os.utime(tmp, ns=(times.st_atime_ns, times.st_mtime_ns))
    return target
