"""Rules over chips and systems: the power of a number of chips or of systems ("72 GPUs
at 1.2 kW"), a system's power from its units ("8 units, 10 kW each"), and all-in
power per GPU."""

from __future__ import annotations

import re

from pipeline.figures.derive.article import PARAGRAPH, Article, bounds, div, mul, name_of, products
from pipeline.figures.derive.reading import (
    CHIPS,
    clause_of,
    entity_of,
    has_role,
    is_facility_draw,
    is_it_load,
    is_rack_power,
    position,
    role_of,
)
from pipeline.figures.models import Figure
from pipeline.figures.units import convert


def _is_chip_power(f: Figure) -> bool:
    return f.kind == "power" and role_of(f) == "chip_power" and convert(f.high, f.unit, "W") < 5000


def chips_power(a: Article) -> None:
    """Power of a number of chips = count × power per chip (8 GPUs × 700 W = 5.6 kW), with the
    per-chip power in the count's sentence, else the one naming the same product ("GB200")."""
    per_chip = a.having(_is_chip_power)
    for count in a.having(has_role("count_gpus")):
        said = a.said_with(count)
        chip = next((p for p in per_chip if p in said), None) or next(
            (p for p in per_chip if products(p.sentence or "") & products(count.sentence or "")),
            None,
        )
        if chip is None:
            continue
        watts = mul(bounds(count), bounds(chip, "W"))
        unit = "MW" if watts[1] >= 1e6 else "kW"
        a.add(
            "chips_power",
            [count, chip],
            f"{a.show(count)} × {a.show(chip, False)}",
            (convert(watts[0], "W", unit), convert(watts[1], "W", unit)),
            kind="power",
            unit=unit,
            role="chips_power",
            entity=entity_of(count),
            subject=f"power of {name_of(count)} at {chip.text} each",
        )


def power_per_gpu(a: Article) -> None:
    """All-in power per GPU = a rack's, a system's or a facility's power (IT load or total
    draw) ÷ the GPUs said in its sentence (120 kW ÷ 72 GPUs = 1.67 kW), or a rack's power ÷
    the GPUs per rack said of the same rack (in its paragraph, or naming it): what each GPU
    costs in power with everything around it."""
    for load in a.having(
        lambda f: (
            is_it_load(f)
            or is_facility_draw(f)
            or role_of(f) in ("rack_power", "server_power")
            or _system_power(f)
        )
    ):
        gpus = [
            f
            for f in a.sentences[(load.paragraph_id, load.sentence)]
            if role_of(f) == "count_gpus" and f.per is None
        ]
        if gpus:
            count = max(gpus, key=lambda f: f.high)
            _add_per_gpu(a, load, count)
    for count in a.having(lambda f: role_of(f) == "count_gpus" and f.per == "rack"):
        pick = a.select(count, a.having(is_rack_power))  # "576 [GPUs] per rack"
        if pick is not None and (pick.entity or (pick.sure and pick.entity is None)):
            _add_per_gpu(a, pick.figure, count)
    for load in a.having(_chips_load):
        if not any(role_of(f) == "count_gpus" for f in a.said_with(load)):
            pick = a.select(
                load,
                a.having(lambda f: role_of(f) == "count_gpus" and f.per is None),
                reach=PARAGRAPH,
            )
            if pick is not None and pick.entity is not False:
                _add_per_gpu(a, load, pick.figure)


def _chips_load(f: Figure) -> bool:
    """A site's power said of the chips it runs: "the AI chips will require 1.2 gigawatts"."""
    return (
        role_of(f) == "facility_power"
        and f.per is None
        and bool(CHIPS.search(f"{entity_of(f)} {clause_of(f)}"))
    )


def _add_per_gpu(a: Article, load: Figure, count: Figure) -> None:
    a.add(
        "per_gpu_power",
        [load, count],
        f"{a.show(load)} ÷ {a.show(count)}",
        div(bounds(load, "kW"), bounds(count)),
        kind="power",
        unit="kW",
        per="GPU",
        role="power_per_gpu",
        entity=entity_of(load),
        subject=f"{name_of(load)}, per GPU",
    )


def _system_power(f: Figure) -> bool:
    """A power said of no rack, chip or facility, small enough to be one system's: "DGX B300
    … with eight B300 GPUs … is listed at 14.5 kW"."""
    return (
        role_of(f) == "power"
        and f.per is None
        and f.kind == "power"
        and convert(f.high, f.unit, "kW") < 1000
    )


_UNITS = {
    "system",
    "server",
    "node",
    "box",
    "shelf",
    "tray",
    "chassis",
    "blade",
    "unit",
    "appliance",
    "pod",
    "module",
    "cabinet",
}
"""What a count of equipment counts, whose power is the count × the power of one."""


_EACH = re.compile(
    r"\s*(?:each|apiece|a piece|per (?:system|server|node|unit|box|shelf|tray))\b", re.IGNORECASE
)


def units_power(a: Article) -> None:
    """Power of a number of systems = count × the power of one: "four 33 kW power shelves" =
    132 kW; "18 trays, ~6.5 kW each" = 117 kW; "32 DGX B200 systems" × the 14.3 kW a DGX B200
    system draws, said sentences before (select(): the same product, never another's)."""
    powers = a.having(
        lambda f: f.kind == "power" and f.per is None and convert(f.high, f.unit, "kW") < 1000
    )
    for count in a.having(
        lambda f: f.kind == "count" and f.per is None and f.unit in _UNITS and f.low > 1
    ):
        pick = a.select(count, [p for p in powers if _of_one(count, p)])
        if pick is None or (not pick.sure and pick.entity is not True):
            continue
        one = pick.figure
        a.add(
            "units_power",
            [count, one],
            f"{a.show(count)} × {a.show(one)}",
            mul(bounds(count), bounds(one)),
            kind="power",
            unit=one.unit,
            role="units_power",
            entity=entity_of(count),
            subject=f"power of {count.text}",
            inferred=pick.entity is not True and pick.place > 0,
        )


def _of_one(count: Figure, power: Figure) -> bool:
    """Whether `power` is the power of one of what `count` counts: said right after the count
    ("four 33 kW power shelves") or with "each" in its sentence, or said of one such thing
    in another sentence ("system power at 14.3 kW" for "32 … systems")."""
    sentence = power.sentence or ""
    at, counted = position(power), position(count)
    if at is None:
        return False
    if power.sentence == count.sentence and power.paragraph_id == count.paragraph_id:
        attached = counted is not None and 0 <= at - (counted + len(count.text)) <= 1
        return attached or bool(_EACH.match(sentence[at + len(power.text) :]))
    return re.search(rf"\b{re.escape(count.unit)}\b", sentence, re.IGNORECASE) is not None
