"""Rules over power: rack density ratios, racks a facility supports, the density a rack
count implies, facility draw with PUE, annual energy at a stated load factor, power per
site and per generator, units a load needs, compared multiples and PUE overhead. Homes
equivalents are `derive.homes`'s; the power of chips and systems `derive.chips`'s.
"""

from __future__ import annotations

import re

from pipeline.figures import roles
from pipeline.figures.derive.article import PARAGRAPH, Article, bounds, div, mul, name_of, unique
from pipeline.figures.derive.reading import (
    entity_of,
    find,
    has_role,
    is_it_load,
    is_legacy_rack,
    is_modern_rack,
    is_said_now,
    role_of,
)
from pipeline.figures.display import format_value as _format
from pipeline.figures.models import Figure
from pipeline.figures.units import convert

HOURS_PER_YEAR = 8760  # 365 × 24: arithmetic, not an assumption


def density_ratios(a: Article) -> None:
    """Each high-density rack ÷ each typical/legacy rack the article states (130 kW ÷ 5–15 kW
    = 8.7×–26×), with none stated, ÷ an assumed typical rack, when assumptions are given; and
    each denser rack ÷ an AI rack said to be today's (600 kW ÷ "the current" 120 kW = 5×),
    inferred (never an alarm): that it is the baseline is read from one word."""
    legacy = unique(a.having(is_legacy_rack)) or [
        f for f in a.assumptions if f.kind == "power" and f.per == "rack"
    ]
    heads = unique(a.having(is_modern_rack))
    current = [f for f in heads if is_said_now(f)]
    baselines = [*legacy, *current]
    for head in heads:
        for old in baselines:
            ratio = div(bounds(head), bounds(old, head.unit))
            if ratio[0] <= 1:
                continue  # not a high-density rack against a legacy one
            a.add(
                "ratio",
                [head, old],
                f"{a.show(head, False)} ÷ {a.show(old, False)}",
                ratio,
                kind="ratio",
                unit="x",
                role="ratio",  # no entity: a stated ratio's is the rack it is compared with
                subject=f"{name_of(head)} against {name_of(old)}",
                inferred=any(old is f for f in current),
            )


def racks_supported(a: Article) -> None:
    """Racks a facility's IT load supports at each rack density stated in a paragraph it is
    said in, or at the densities stated after it when none has one (100 MW ÷ 130 kW = 769)."""
    racks = a.having(has_role("rack_power"))
    for site in a.having(is_it_load):
        paragraphs = a.in_paragraphs(site)
        here = [r for r in racks if a.in_paragraphs(r) & paragraphs]
        later = [r for r in racks if a.order[r.id] > a.order[site.id]][:2]
        for rack in unique(here or later):
            a.add(
                "racks",
                [site, rack],
                f"{a.show(site)} ÷ {a.show(rack, False)}",
                div(bounds(site, rack.unit), bounds(rack)),
                kind="count",
                unit="rack",
                role="count_racks",
                entity=entity_of(site),
                subject=f"racks {name_of(site)} supports at {rack.text}",
            )


def density_from_racks(a: Article) -> None:
    """kW per rack = IT load ÷ a rack count in the same paragraph. Skipped when the count's
    sentence states a density: then the count is that density's result, not an input."""
    counts = a.having(has_role("count_racks"))
    for site in a.having(is_it_load):
        for racks in [r for r in counts if r.paragraph_id == site.paragraph_id]:
            stated = any(
                role_of(f) == "rack_power" and f.sentence == racks.sentence for f in a.source
            )
            if not stated:
                a.add(
                    "density",
                    [site, racks],
                    f"{a.show(site)} ÷ {a.show(racks)}",
                    div(bounds(site, "kW"), bounds(racks)),
                    kind="power",
                    unit="kW",
                    per="rack",
                    role="rack_power",
                    entity=entity_of(site),
                    subject=f"average rack in {name_of(site)}",
                )


def facility_draw(a: Article) -> None:
    """Facility draw = IT load × PUE, for the IT load in the PUE's paragraph or stated last
    before it; with no PUE in the article, an assumed one, when assumptions are given."""
    loads = a.having(is_it_load)
    pues = [(p, a.partner(p, loads)) for p in a.having(lambda f: f.kind == "pue")]
    if not pues:
        assumed = [p for p in a.assumptions if p.kind == "pue"]
        pues = [(p, site) for p in assumed for site in unique(loads)]
    for pue, site in pues:
        if site is not None:
            a.add(
                "draw",
                [site, pue],
                f"{a.show(site)} × {a.show(pue)}",
                mul(bounds(site), bounds(pue)),
                kind="power",
                unit=site.unit,
                role=role_of(site),
                entity=entity_of(site),
                subject=f"total draw of {name_of(site)}",
            )


_A_SITE = roles.keywords(
    "data cent", "data-cent", "datacent", "campus", "facilit", "cluster", "hall", "site"
)
_NOT_A_LOAD = roles.keywords(
    "capacity",
    "demand",
    "queue",
    "auction",
    "procure",
    "contract",
    "pipeline",
    "request",
    "generat",
    "plant",
    "reactor",
    "turbine",
    "solar",
    "batter",
    "substation",
    "market",
)
"""A site's power is a load that runs all year; a country's capacity, a utility's queue or
contracts, an auction and a power plant's output are not."""


def annual_energy(a: Article) -> None:
    """A facility's energy in a year if it ran at full load all year: MW × 8,760 h × 100%.
    The load factor is in the formula and the subject, so nobody mistakes it for a forecast.
    Only for the power of one site (`_A_SITE`), never for capacity, demand or generation."""
    for site in unique([*a.having(has_role("facility_power")), *a.of("draw")]):
        said = f"{site.entity} {site.subject} {site.sentence or ''}"
        if site.origin == "source" and (not _A_SITE.search(said) or _NOT_A_LOAD.search(said)):
            continue
        a.add(
            "energy",
            [site],
            f"{a.show(site)} × {HOURS_PER_YEAR:,} h × 100% load",
            mul(bounds(site), (HOURS_PER_YEAR, HOURS_PER_YEAR)),
            kind="energy",
            unit=f"{site.unit}h",
            per="year",
            role="energy",
            entity=entity_of(site),
            subject=f"energy {name_of(site)} would use in a year at full load",
        )


def power_per_site(a: Article) -> None:
    """Average power per site = power said of several sites ÷ their count in its sentence:
    "94 data centers totaling over four GW" = 42.6 MW each."""
    for load in a.having(lambda f: role_of(f) in ("facility_power", "grid_capacity")):
        mates = a.sentences[(load.paragraph_id, load.sentence)]
        for count in [f for f in mates if role_of(f) == "count_sites" and f.low > 1]:
            a.add(
                "per_site_power",
                [load, count],
                f"{a.show(load)} ÷ {a.show(count)}",
                div(bounds(load, "MW"), bounds(count)),
                kind="power",
                unit="MW",
                per="site",
                role="facility_power",
                entity=entity_of(count),
                subject=f"{name_of(load)}, per {count.unit}",
            )


_GENERATORS = frozenset({"reactor", "turbine", "generator", "engine", "fuel cell"})
"""Counted machines that each make part of a stated power: "up to 500MW across six to seven
reactors", "The three turbines … a combined capacity of 2.26GW"."""


def power_per_generator(a: Article) -> None:
    """Power per generating unit = power said in a sentence with a count of reactors, turbines
    or generators ÷ that count, in the power's own unit: "500MW across six to seven reactors"
    = 71.4–83.3 MW a reactor. Only a power with no rate of its own ("50 MW per unit" is one
    already) and a count of more than one."""
    for count in a.having(lambda f: f.kind == "count" and f.unit in _GENERATORS and f.low > 1):
        for load in a.said_with(count):
            if load.kind != "power" or load.per is not None:
                continue
            a.add(
                "per_generator",
                [load, count],
                f"{a.show(load)} ÷ {a.show(count)}",
                div(bounds(load), bounds(count)),
                kind="power",
                unit=load.unit,
                per=count.unit,
                role="facility_power",
                entity=entity_of(load) or entity_of(count),
                subject=f"{name_of(load)}, per {count.unit}",
            )


_RATED = re.compile(
    r"\b(units?|reactors?|turbines?|generators?|modules?)\s+(?:each\s+)?"
    r"(?:rated|sized|of)\s+(?:at\s+)?(?:from\s+|between\s+)?$",
    re.IGNORECASE,
)
"""Before the rating of each generating unit: "units rated from 50 MW to 75 MW"."""


def units_needed(a: Article) -> None:
    """How many units a stated power takes at the rating each unit is said to have: "up to
    500 MW … units rated from 50 MW to 75 MW" = 500 ÷ 75 to 500 ÷ 50 = 6.7–10 units. A rating
    said "from X to Y" is one range; the power is the nearest said before it in its paragraph,
    at least twice the rating and with no rate of its own."""
    for low in a.having(lambda f: f.kind == "power" and f.per is None):
        sentence = low.sentence or ""
        at = find(sentence, low.text)
        named = _RATED.search(sentence[:at]) if at is not None else None
        if at is None or named is None:
            continue
        rating = _rating_range(a, low, sentence[at + len(low.text) :])
        noun = named.group(1).lower().rstrip("s")
        totals = [
            f
            for f in a.source
            if f.kind == "power"
            and f.per is None
            and f.paragraph_id == low.paragraph_id
            and a.order[f.id] < a.order[low.id]
            and convert(f.low, f.unit, low.unit) >= 2 * rating[1]
        ]
        if not totals:
            continue
        total = totals[-1]
        inputs = [total, *rating[2]]
        a.add(
            "units_needed",
            inputs,
            f"{a.show(total)} ÷ {_format(rating[0], rating[1], low.unit, 'power', None)}",
            div(bounds(total, low.unit), rating[:2]),
            kind="count",
            unit=noun,
            role="count",
            entity=entity_of(total),
            subject=f"{noun}s for {name_of(total)}",
        )


def _rating_range(
    a: Article,
    low: Figure,
    after: str,
) -> tuple[float, float, list[Figure]]:
    """A rating and, when "to Y" follows it, the range it runs to."""
    for f in a.said_with(low):
        if (
            f.kind == "power"
            and f.per is None
            and re.match(r"\s*(?:to|and|-|–)\s*" + re.escape(f.text), after)
        ):
            y = convert(f.high, f.unit, low.unit)
            return min(low.low, y), max(low.high, y), [low, f]
    return low.low, low.high, [low]


_AS_MUCH = re.compile(
    r"^\s*(?:as\s+much|as\s+many|the)\b[^.;]*?\bas\b|^\s*(?:more|larger|"
    r"bigger|higher|greater)\b[^.;]*?\bthan\b",
    re.IGNORECASE,
)
"""After a multiple that compares two things: "twice as much electricity as the city"."""


def compared_multiples(a: Article) -> None:
    """A multiple that compares two things its sentence gives no figures for ("could consume
    about twice as much electricity as the city of New Orleans"), recomputed from the only
    two amounts of one kind its paragraph states elsewhere (the city's 1,200 MW and the data
    center's 2.4 GW): larger ÷ smaller = 2×. A multiple said in a paragraph of its own, with
    no amounts ("Eleven and a half times, in three delivery years."), comments on the
    paragraph before it: its only two amounts of one kind ($28.92 and $333.44). Paired with
    that multiple only, and inferred (never an alarm): which amount is whose is read from
    nothing but their count."""
    paragraphs = list(dict.fromkeys(f.paragraph_id for f in a.source))
    for word in a.having(lambda f: f.kind == "ratio" and f.unit == "x" and f.per is None):
        sentence = word.sentence or ""
        at = find(sentence, word.text)
        if at is None or any(f.kind in _AMOUNTS for f in a.said_with(word)):
            continue
        here = paragraphs.index(word.paragraph_id)
        amounts = [
            f
            for f in a.source
            if f.kind in _AMOUNTS and f.per is None and f.sentence != word.sentence
        ]
        elsewhere = [f for f in amounts if f.paragraph_id == word.paragraph_id]
        if not _AS_MUCH.match(sentence[at + len(word.text) :]):
            if elsewhere or here == 0:
                continue
            elsewhere = [f for f in amounts if f.paragraph_id == paragraphs[here - 1]]
        pairs = [[f for f in elsewhere if f.kind == kind] for kind in _AMOUNTS]
        pairs = [pair for pair in pairs if len(pair) == 2]
        if len(pairs) != 1 or entity_of(pairs[0][0]) == entity_of(pairs[0][1]):
            continue
        elsewhere = pairs[0]
        unit = elsewhere[0].unit
        small, big = sorted(elsewhere, key=lambda f: convert(f.high, f.unit, unit))
        a.add(
            "compared_multiple",
            [big, small],
            f"{a.show(big)} ÷ {a.show(small)}",
            div(bounds(big, unit), bounds(small, unit)),
            kind="ratio",
            unit="x",
            role="ratio",
            entity=entity_of(big),
            subject=f"{name_of(big)} as a multiple of {name_of(small)}",
            restates=word,
            inferred=True,
        )


_AMOUNTS = ("power", "energy", "money")


_OVERHEAD = roles.keywords("overhead")


def pue_overhead(a: Article) -> None:
    """What a PUE says about everything but the IT load: PUE − 1, checked against the multiple
    said in its sentence ("a 2.5 average, meaning [the rest] was 1.5 times the servers' total
    power") and against an overhead percentage in its paragraph ("1.40—40% overhead")."""
    for pue in a.having(lambda f: f.kind == "pue" and f.per is None and f.low > 1):
        words = [
            f for f in a.said_with(pue) if f.kind == "ratio" and f.unit == "x" and f.per is None
        ]
        overheads = [
            f
            for f in a.source
            if f.kind == "percent" and f.per is None and _OVERHEAD.search(f.sentence or "")
        ]
        share = a.select(pue, overheads, reach=PARAGRAPH)
        said = [(w, "x", 1.0) for w in words] + ([(share.figure, "%", 100.0)] if share else [])
        for word, unit, scale in said:
            a.add(
                "pue_overhead",
                [pue],
                _less_one(a.show(pue), pue.is_range, unit == "%"),
                (scale * (pue.low - 1), scale * (pue.high - 1)),
                kind=word.kind,
                unit=unit,
                role=role_of(word),
                entity=entity_of(pue),
                subject=f"power beyond the IT load at a PUE of {pue.text}",
                restates=word,
            )


def _less_one(pue: str, is_range: bool, share: bool) -> str:
    operand = f"({pue})" if is_range else pue
    return f"{operand} − 1" + (" as a share of the IT load" if share else "")
