"""Rules over counts of things inside things: "each pod will house 18 blades, and each blade
will support eight GPUs" gives 144 GPUs per pod, checked against the per-pod count the
article states.
"""

from __future__ import annotations

import re

from pipeline.figures import roles
from pipeline.figures.derive.article import PARAGRAPH, Article, bounds, div, mul
from pipeline.figures.derive.reading import entity_of, position, role_of, same_entity
from pipeline.figures.models import Figure


def counts_per_unit(a: Article) -> None:
    """Inner count × outer count, when the inner is said of each of what the outer counts: 8
    GPUs (of each blade) × 18 blades (of each pod) = 144 GPUs per pod; the result is per
    the outer count's entity."""
    counts = a.having(_is_count_of_each)
    for outer in counts:
        for inner in counts:
            if _contains(a, outer, inner):
                a.add(
                    "per_unit",
                    [inner, outer],
                    f"{a.show(inner)} × {a.show(outer)}",
                    mul(bounds(inner), bounds(outer)),
                    kind="count",
                    unit=inner.unit,
                    per=entity_of(outer).lower(),
                    role=role_of(inner),
                    entity=entity_of(outer),
                    subject=f"{inner.unit}s per {entity_of(outer)}",
                )


def counts_per_site(a: Article) -> None:
    """Things per site = a count of chips, servers or racks ÷ the count of sites or buildings
    its sentence says they are in: "400,000 superchips … housed in eight buildings" is
    50,000 superchips per building."""
    for things in a.having(lambda f: role_of(f) in _CONTAINED and f.per is None):
        for sites in [
            f
            for f in a.said_with(things)
            if role_of(f) == "count_sites"
            and f.low > 1
            and f.per is None
            and _INSIDE.search(_between(things, f))
        ]:
            a.add(
                "per_site",
                [things, sites],
                f"{a.show(things)} ÷ {a.show(sites)}",
                div(bounds(things), bounds(sites)),
                kind="count",
                unit=things.unit,
                per=sites.unit,
                role=role_of(things),
                entity=entity_of(sites) or entity_of(things),
                subject=f"{things.unit}s per {sites.unit}",
            )


_CONTAINED = ("count_gpus", "count_servers", "count_racks")
_INSIDE = re.compile(
    r"\b(?:in|into|inside|across|among|housed|spread|distributed)\s+$", re.IGNORECASE
)
"""Just before the count of sites: "housed in eight buildings", "across 4 halls"."""


def _is_count_of_each(f: Figure) -> bool:
    return f.kind == "count" and f.per is None and bool(entity_of(f)) and f.low == f.high


def _contains(a: Article, outer: Figure, inner: Figure) -> bool:
    """Whether inner counts things in each of what outer counts: inner said of a "blade",
    outer counting blades, in one paragraph, or beyond it when inner's entity is exactly
    what outer counts (add() marks that pair far); or inner said after "each" in outer's
    sentence ("18 nodes …, each with two GB200s—or four B200 GPUs")."""
    if (
        outer.id == inner.id
        or outer.unit == inner.unit
        or same_entity(entity_of(outer), inner.unit) is True
    ):
        return False
    if roles.FACILITY.search(inner.unit) and not roles.FACILITY.search(outer.unit):
        return False  # buildings are never inside what a smaller count counts
    if _EACH.search(_between(inner, outer)):
        return False  # "18 nodes …, each with two GB200s": the GB200s are in the nodes
    between = _between(outer, inner)
    if _EACH.search(between):
        return True
    if _OR.search(between) or same_entity(entity_of(inner), outer.unit) is not True:
        return False  # "two GB200s—or four B200 GPUs": the same things counted twice
    exact = entity_of(inner).lower().rstrip("s") == outer.unit.lower()  # "GB200", "36 GB200s"
    return exact or a.nearness(outer, inner) <= PARAGRAPH


def _between(outer: Figure, inner: Figure) -> str:
    """The text between outer and inner when inner follows outer in one sentence, else ""."""
    if (outer.paragraph_id, outer.sentence) != (inner.paragraph_id, inner.sentence):
        return ""
    start, end = position(outer), position(inner)
    return (
        (outer.sentence or "")[start + len(outer.text) : end]
        if (start is not None and end is not None and start < end)
        else ""
    )


_EACH = re.compile(r"\beach\b", re.IGNORECASE)
_OR = re.compile(r"\bor\b", re.IGNORECASE)
