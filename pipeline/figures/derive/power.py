"""Rules over power: rack density ratios, racks a facility supports, the density a rack
count implies, facility draw with PUE, annual energy at a stated load factor, homes
equivalents, the power of a number of chips or of systems, and all-in power per GPU.
"""

from __future__ import annotations

import re

from pipeline.figures import roles
from pipeline.figures.derive.article import (
    ARTICLE,
    PARAGRAPH,
    Article,
    bounds,
    div,
    mul,
    name_of,
    products,
    unique,
)
from pipeline.figures.derive.reading import (
    CHIPS,
    clause_of,
    entity_of,
    find,
    has_role,
    is_facility_draw,
    is_it_load,
    is_legacy_rack,
    is_modern_rack,
    is_rack_power,
    is_said_now,
    position,
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
            stated = any(role_of(f) == "rack_power" and f.sentence == racks.sentence
                         for f in a.source)
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


_A_SITE = roles.keywords("data cent", "data-cent", "datacent", "campus", "facilit", "cluster",
                         "hall", "site")
_NOT_A_LOAD = roles.keywords(
    "capacity", "demand", "queue", "auction", "procure", "contract", "pipeline", "request",
    "generat", "plant", "reactor", "turbine", "solar", "batter", "substation", "market")
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


def homes_equivalents(a: Article) -> None:
    """Homes equivalents: a rack's or facility's power ÷ the draw of one home the article
    states, and annual energy ÷ a home's yearly use (stated, or assumed when asked for)."""
    home_power = a.having(has_role("home_power"))
    for load in unique([*a.having(has_role("rack_power")), *a.having(has_role("facility_power"))]):
        for home in home_power:
            if load.paragraph_id == home.paragraph_id or len(home_power) == 1:
                a.add(
                    "homes",
                    [load, home],
                    f"{a.show(load, False)} ÷ {a.show(home, False)}",
                    div(bounds(load, home.unit), bounds(home)),
                    kind="count",
                    unit="home",
                    role="count_homes",
                    entity=entity_of(load),
                    subject=f"homes drawing as much power as {name_of(load)}",
                )
    households = a.having(has_role("home_energy")) or [
        f for f in a.assumptions if f.kind == "energy" and f.per == "home"
    ]
    sites = {f.paragraph_id for f in a.having(has_role("facility_power"))}
    stated = [f for f in a.source
              if f.kind == "energy" and f.per == "year" and f.paragraph_id in sites]
    for energy in unique(stated or a.of("energy")):
        for home in households:
            a.add(
                "homes",
                [energy, home],
                f"{a.show(energy)} ÷ {a.show(home)}",
                div(bounds(energy, home.unit), bounds(home)),
                kind="count",
                unit="home",
                role="count_homes",
                entity=entity_of(energy),
                subject=f"homes using as much electricity as {name_of(energy)}",
            )


def home_use(a: Article) -> None:
    """A home's yearly use = annual energy ÷ the homes said in its sentence (876,000 MWh ÷
    80,000–100,000 homes = 8.76–10.95 MWh), and the energy of a number of homes = homes × a
    home's yearly use the article states (5,000 × 10,700 kWh = 53.5 million kWh)."""
    for energy in a.having(lambda f: role_of(f) == "energy" and f.per in (None, "year")):
        for homes in [f for f in a.said_with(energy) if role_of(f) == "count_homes"]:
            a.add(
                "home_use",
                [energy, homes],
                f"{a.show(energy, False)} ÷ {a.show(homes)}",
                div(bounds(energy), bounds(homes)),
                kind="energy",
                unit=energy.unit,
                role="home_energy",
                entity="home",
                subject=f"a year's electricity per home, from {name_of(energy)}",
            )
    for use in a.having(lambda f: role_of(f) == "home_energy" and f.per in (None, "home")):
        for homes in unique(a.having(has_role("count_homes"))):
            a.add(
                "homes_energy",
                [homes, use],
                f"{a.show(homes)} × {a.show(use, False)}",
                mul(bounds(homes), bounds(use)),
                kind="energy",
                unit=use.unit,
                per="year",
                role="energy",
                entity=entity_of(homes),
                subject=f"electricity {homes.text} use in a year",
            )


def _is_chip_power(f: Figure) -> bool:
    return f.kind == "power" and role_of(f) == "chip_power" and convert(f.high, f.unit, "W") < 5000


def chips_power(a: Article) -> None:
    """Power of a number of chips = count × power per chip (8 GPUs × 700 W = 5.6 kW), with the
    per-chip power in the count's sentence, else the one naming the same product ("GB200")."""
    per_chip = a.having(_is_chip_power)
    for count in a.having(has_role("count_gpus")):
        said = a.said_with(count)
        chip = next((p for p in per_chip if p in said), None) or next(
            (p for p in per_chip if products(p.sentence or "") & products(
                count.sentence or "")), None)
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
    for load in a.having(lambda f: is_it_load(f) or is_facility_draw(f) or role_of(f) in (
            "rack_power", "server_power") or _system_power(f)):
        gpus = [f for f in a.sentences[(load.paragraph_id, load.sentence)]
                if role_of(f) == "count_gpus" and f.per is None]
        if gpus:
            count = max(gpus, key=lambda f: f.high)
            _add_per_gpu(a, load, count)
    for count in a.having(lambda f: role_of(f) == "count_gpus" and f.per == "rack"):
        pick = a.select(count, a.having(is_rack_power))  # "576 [GPUs] per rack"
        if pick is not None and (pick.entity or (pick.sure and pick.entity is None)):
            _add_per_gpu(a, pick.figure, count)
    for load in a.having(_chips_load):
        if not any(role_of(f) == "count_gpus" for f in a.said_with(load)):
            pick = a.select(load, a.having(lambda f: role_of(f) == "count_gpus"
                                           and f.per is None), reach=PARAGRAPH)
            if pick is not None and pick.entity is not False:
                _add_per_gpu(a, load, pick.figure)


def _chips_load(f: Figure) -> bool:
    """A site's power said of the chips it runs: "the AI chips will require 1.2 gigawatts"."""
    return role_of(f) == "facility_power" and f.per is None and bool(
        CHIPS.search(f"{entity_of(f)} {clause_of(f)}"))


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
    return (role_of(f) == "power" and f.per is None and f.kind == "power"
            and convert(f.high, f.unit, "kW") < 1000)


def homes_per_power(a: Article) -> None:
    """Homes a facility could serve at the article's homes per unit of power: "a gigawatt can
    serve 750,000 homes", so 10 GW × 750,000 homes ÷ 1 GW = 7.5 million homes."""
    sites = unique(a.having(lambda f: role_of(f) in ("facility_power", "grid_capacity")))
    for homes in a.having(has_role("count_homes")):
        mates = a.sentences[(homes.paragraph_id, homes.sentence)]
        rated = [f for f in mates if f.kind == "power" and f.per is None]
        for per in rated[:1]:
            for site in [s for s in sites if s.sentence != homes.sentence]:
                a.add(
                    "homes",
                    [site, homes, per],
                    f"{a.show(site)} × {a.show(homes)} ÷ {a.show(per)}",
                    div(mul(bounds(site, per.unit), bounds(homes)), bounds(per)),
                    kind="count",
                    unit="home",
                    role="count_homes",
                    entity=entity_of(site),
                    subject=f"homes {name_of(site)} could serve",
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


_RATED = re.compile(r"\b(units?|reactors?|turbines?|generators?|modules?)\s+(?:each\s+)?"
                    r"(?:rated|sized|of)\s+(?:at\s+)?(?:from\s+|between\s+)?$", re.IGNORECASE)
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
        rating = _rating_range(a, low, sentence[at + len(low.text):])
        noun = named.group(1).lower().rstrip("s")
        totals = [f for f in a.source if f.kind == "power" and f.per is None
                  and f.paragraph_id == low.paragraph_id and a.order[f.id] < a.order[low.id]
                  and convert(f.low, f.unit, low.unit) >= 2 * rating[1]]
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


def _rating_range(a: Article, low: Figure, after: str,
                  ) -> tuple[float, float, list[Figure]]:
    """A rating and, when "to Y" follows it, the range it runs to."""
    for f in a.said_with(low):
        if f.kind == "power" and f.per is None and re.match(
                r"\s*(?:to|and|-|–)\s*" + re.escape(f.text), after):
            y = convert(f.high, f.unit, low.unit)
            return min(low.low, y), max(low.high, y), [low, f]
    return low.low, low.high, [low]


_AS_MUCH = re.compile(r"^\s*(?:as\s+much|as\s+many|the)\b[^.;]*?\bas\b|^\s*(?:more|larger|"
                      r"bigger|higher|greater)\b[^.;]*?\bthan\b", re.IGNORECASE)
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
        amounts = [f for f in a.source if f.kind in _AMOUNTS and f.per is None
                   and f.sentence != word.sentence]
        elsewhere = [f for f in amounts if f.paragraph_id == word.paragraph_id]
        if not _AS_MUCH.match(sentence[at + len(word.text):]):
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


_EQUIVALENT = roles.keywords(
    "equivalent", "enough", "as much", "the same as", "comparable", "power", "supply", "serve",
    "run", "light")
"""A number of homes said as what a load could supply: "equivalent to that of 800,000 US
households", "That's enough electricity to power 17.5 million homes"."""


def power_per_home(a: Article) -> None:
    """The draw per home a comparison assumes: "300 MW, enough to run 300,000 homes" is 1 kW
    a home; power ÷ the homes it is compared with: said in its sentence, or a number of homes
    said as an equivalent with no power of its own beside it, of the load select() finds
    ("837MW …" and, a paragraph on, "equivalent to that of 800,000 US households")."""
    loads = a.having(lambda f: role_of(f) in ("facility_power", "grid_capacity"))
    for homes in a.having(lambda f: role_of(f) == "count_homes" and f.per is None):
        said = [f for f in a.said_with(homes) if f in loads]
        powered = any(f.kind == "power" for f in a.said_with(homes))
        pick = None if powered or not _EQUIVALENT.search(homes.sentence or "") else a.select(
            homes, loads, reach=ARTICLE)
        for load in said or ([pick.figure] if pick else []):
            a.add(
                "home_power",
                [load, homes],
                f"{a.show(load)} ÷ {a.show(homes)}",
                div(bounds(load, "kW"), bounds(homes)),
                kind="power",
                unit="kW",
                per="home",
                role="home_power",
                entity="home",
                subject=f"power per home that {name_of(load)} for {homes.text} assumes",
            )


_UNITS = {"system", "server", "node", "box", "shelf", "tray", "chassis", "blade", "unit",
          "appliance", "pod", "module", "cabinet"}
"""What a count of equipment counts, whose power is the count × the power of one."""
_EACH = re.compile(r"\s*(?:each|apiece|a piece|per (?:system|server|node|unit|box|shelf|tray))\b",
                   re.IGNORECASE)


def units_power(a: Article) -> None:
    """Power of a number of systems = count × the power of one: "four 33 kW power shelves" =
    132 kW; "18 trays, ~6.5 kW each" = 117 kW; "32 DGX B200 systems" × the 14.3 kW a DGX B200
    system draws, said sentences before (select(): the same product, never another's)."""
    powers = a.having(lambda f: f.kind == "power" and f.per is None
                      and convert(f.high, f.unit, "kW") < 1000)
    for count in a.having(lambda f: f.kind == "count" and f.per is None and f.unit in _UNITS
                          and f.low > 1):
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
        return attached or bool(_EACH.match(sentence[at + len(power.text):]))
    return re.search(rf"\b{re.escape(count.unit)}\b", sentence, re.IGNORECASE) is not None


_OVERHEAD = roles.keywords("overhead")


def pue_overhead(a: Article) -> None:
    """What a PUE says about everything but the IT load: PUE − 1, checked against the multiple
    said in its sentence ("a 2.5 average, meaning [the rest] was 1.5 times the servers' total
    power") and against an overhead percentage in its paragraph ("1.40—40% overhead")."""
    for pue in a.having(lambda f: f.kind == "pue" and f.per is None and f.low > 1):
        words = [f for f in a.said_with(pue) if f.kind == "ratio" and f.unit == "x"
                 and f.per is None]
        overheads = [f for f in a.source if f.kind == "percent" and f.per is None
                     and _OVERHEAD.search(f.sentence or "")]
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
