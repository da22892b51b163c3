"""Rules over counts of things inside things: "each pod will house 18 blades, and each blade
will support eight GPUs" gives 144 GPUs per pod, checked against the per-pod count the
article states.
"""

from __future__ import annotations

from pipeline.figures.derive.article import Article, bounds, mul
from pipeline.figures.derive.reading import entity_of, role_of, same_entity
from pipeline.figures.models import Figure


def counts_per_unit(a: Article) -> None:
    """Inner count × outer count, when the inner is said of each of what the outer counts: 8
    GPUs (of each blade) × 18 blades (of each pod) = 144 GPUs per pod. Both in one
    paragraph; the result is per the outer count's entity."""
    counts = a.having(_is_count_of_each)
    for outer in counts:
        for inner in counts:
            if _contains(outer, inner):
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


def _is_count_of_each(f: Figure) -> bool:
    return f.kind == "count" and f.per is None and bool(entity_of(f)) and f.low == f.high


def _contains(outer: Figure, inner: Figure) -> bool:
    """Whether inner counts things in each of what outer counts: inner said of a "blade",
    outer counting blades, in one paragraph."""
    return (outer.id != inner.id and outer.paragraph_id == inner.paragraph_id
            and outer.unit != inner.unit and same_entity(entity_of(inner), outer.unit) is True
            and same_entity(entity_of(outer), inner.unit) is not True)
