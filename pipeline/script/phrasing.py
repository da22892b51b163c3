"""Template phrasing: templates/script/NAME.txt.j2, variants separated by a `---` line.

Templates are data, the writer's logic is code: a move renders its file with
its context (the entity, the figure, the topic …) and picks a variant.
`variants` gives them all; `pick` chooses one by a stable key (an article's
hash and a place in it), so the same article always gets the same words and
different articles get different ones.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from pipeline.script.spoken import capitalize
from pipeline.templating import environment

MISSING = "§"  # stands for a context value a move does not have


def variants(name: str, **context: str | None) -> list[str]:
    """Every variant of template `name`, rendered with `context`, on one line each. A
    value given as None (or empty) leaves out the variants that would say it."""
    filled = {k: v or MISSING for k, v in context.items()}
    return [v for v in _variants(name, tuple(sorted(filled.items()))) if MISSING not in v]


def pick(name: str, key: str, offset: int = 0, **context: str | None) -> str:
    """One variant of template `name`, chosen by `key`; consecutive `offset`s (the columns
    of one table) get consecutive variants."""
    found = variants(name, **context)
    return found[(start(key, len(found)) + offset) % len(found)]


def start(key: str, n: int) -> int:
    """A stable index below `n` for `key`."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % n


@lru_cache(maxsize=4096)
def _variants(name: str, context: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    text = environment().get_template(f"script/{name}.txt.j2").render(dict(context))
    found = (" ".join(v.split()) for v in re.split(r"(?m)^---\s*$", text))
    return tuple(capitalize(v) for v in found if v)
