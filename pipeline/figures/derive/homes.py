"""Rules over homes: how many homes a stated power or energy would supply, the use per
home a text implies, and the power per home an "equivalent to N homes" states."""

from __future__ import annotations

from pipeline.figures import roles
from pipeline.figures.derive.article import ARTICLE, Article, bounds, div, mul, name_of, unique
from pipeline.figures.derive.reading import entity_of, has_role, role_of


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
    stated = [
        f for f in a.source if f.kind == "energy" and f.per == "year" and f.paragraph_id in sites
    ]
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


_EQUIVALENT = roles.keywords(
    "equivalent",
    "enough",
    "as much",
    "the same as",
    "comparable",
    "power",
    "supply",
    "serve",
    "run",
    "light",
)
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
        pick = (
            None
            if powered or not _EQUIVALENT.search(homes.sentence or "")
            else a.select(homes, loads, reach=ARTICLE)
        )
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
