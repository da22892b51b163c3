"""What quantity a figure is: its role, from its kind, unit and what it is said of.

A role names the quantity independently of the article's wording, so derive's
rules and checks are written over roles ("rack_power ÷ rack_power") rather
than over sentence positions. `role_of` decides from, in this order, the
figure's `per`, its unit or counted noun, the entity's head noun, and the
words of its clause (a table cell: its column header).
"""

from __future__ import annotations

import re

from pipeline.figures.models import FigureKind


def keywords(*terms: str) -> re.Pattern[str]:
    """Any of `terms` starting at a word boundary, in any case: "facilit" finds "facilities"."""
    return re.compile(r"\b(?:" + "|".join(re.escape(t) for t in terms) + ")", re.IGNORECASE)


RACK = keywords("rack", "cabinet", "NVL")  # "GB300 NVL72": NVLink rack-scale systems are racks
SERVER = keywords("server", "node", "DGX", "HGX", "blade", "chassis")
CHIP = keywords(
    "GPU",
    "chip",
    "accelerator",
    "processor",
    "H100",
    "H200",
    "B200",
    "B300",
    "MI300",
    "MI325",
    "MI355",
    "TPU",
    "superchip",
    "CPU",
    "die",
)
HOME = keywords("home", "household", "house", "residence")
MANY_HOMES = re.compile(
    r"\d[\d,.]*\s*(?:thousand\s+|million\s+)?(?:\w+\s+)?(?:homes|households|houses)\b",
    re.IGNORECASE,
)
"""A number of homes: "5,000 homes consume 53.5 million kWh" is many homes' energy, not one's."""
FACILITY = keywords(
    "facilit",
    "campus",
    "site",
    "data cent",
    "data-cent",
    "datacent",
    "cluster",
    "building",
    "hall",
    "project",
    "plant",
    "complex",
    "factory",
    "park",
    "supercomputer",
    "region",
    "colossus",
    "stargate",
    "phase",
)
GRID = keywords(
    "grid",
    "utility",
    "interconnect",
    "capacity",
    "generation",
    "transmission",
    "substation",
    "reactor",
    "nuclear",
    "gas turbine",
    "power plant",
    "demand",
    "consumption",
    "load",
)
CAPEX = keywords(
    "capex",
    "capital expenditure",
    "capital spending",
    "capital investment",
    "spend",
    "spent",
    "invest",
    "outlay",
    "commit",
    "budget",
    "purchases of property",
)
REVENUE = keywords("revenue", "sales", "income", "earnings")
GROWTH = keywords(
    "increase",
    "rise",
    "rose",
    "grew",
    "growth",
    "jump",
    "up ",
    "higher",
    "more than",
    "year-over-year",
    "year over year",
    "yoy",
    "from a year",
    "compared with",
    "decline",
    "fell",
    "drop",
    "down ",
)
IT_LOAD = re.compile(r"\bIT\b")  # case-sensitive: "5 MW IT load", not the pronoun
LEGACY = keywords(
    "legacy",
    "traditional",
    "enterprise",
    "older",
    "typical",
    "conventional",
    "standard",
    "average",
    "air-cooled",
    "ordinary",
    "general-purpose",
    "regular",
    "historical",
    "past",
)

COUNTED = {
    "rack": "count_racks",
    "cabinet": "count_racks",
    "GPU": "count_gpus",
    "accelerator": "count_gpus",
    "chip": "count_gpus",
    "home": "count_homes",
    "household": "count_homes",
    "company": "count_companies",
    "hyperscaler": "count_companies",
    "data center": "count_sites",
    "data centre": "count_sites",
    "facility": "count_sites",
    "site": "count_sites",
    "campus": "count_sites",
    "server": "count_servers",
    "superchip": "count_gpus",
    "building": "count_sites",
    "project": "count_sites",
}


def role_of(kind: FigureKind, unit: str, per: str | None, entity: str, context: str) -> str:
    """The figure's role ("rack_power", "capex", "count_gpus" …) or its kind when none fits."""
    about = f"{entity} {context}"
    if kind == "power":
        return _power_role(unit, per, entity, about)
    if kind == "energy":
        one_home = HOME.search(entity) and not MANY_HOMES.search(context)
        return "home_energy" if per in ("home", "household") or one_home else "energy"
    if kind == "money":
        return _money_role(per, about)
    if kind == "percent":
        if CAPEX.search(about) and GROWTH.search(context):
            return "capex_growth"
        if REVENUE.search(about) and GROWTH.search(context):
            return "revenue_growth"  # "$40.6 billion in revenue, up 18%": not spending's growth
        return "growth" if GROWTH.search(context) else "share"
    if kind == "count":
        return COUNTED.get(unit, "count")
    return kind  # pue, ratio


def _power_role(unit: str, per: str | None, entity: str, about: str) -> str:
    if per in ("rack", "cabinet"):
        return "rack_power"
    if per in ("GPU", "chip", "accelerator"):
        return "chip_power"
    if per == "server":
        return "server_power"
    if per in ("home", "household"):
        return "home_power"
    large = unit in ("MW", "GW", "TW")
    if large and IT_LOAD.search(about):  # "1,000 racks × 5 kW = 5 MW IT load"
        return "facility_power"
    for pattern, role in (
        (HOME, "home_power"),
        (RACK, "rack_power"),
        (SERVER, "server_power"),
        (CHIP, "chip_power"),
    ):
        if pattern.search(entity) and not (large and pattern in (SERVER, CHIP)):
            return role  # megawatts said of "the GPUs" are many chips': a facility's load
    if large and FACILITY.search(about):
        return "facility_power"
    if large and GRID.search(about):
        return "grid_capacity"
    if not large and RACK.search(about):
        return "rack_power"
    if FACILITY.search(entity):  # "a 700 kW facility": small sites are facilities too
        return "facility_power"
    return "facility_power" if large else "power"


def _money_role(per: str | None, about: str) -> str:
    if per in ("kW", "MW", "GW"):
        return "cost_per_mw"
    if per in ("company", "hyperscaler", "firm"):
        return "capex_per_company" if CAPEX.search(about) else "cost_per_company"
    if per in ("GPU", "rack", "server", "chip"):
        return "price"
    if REVENUE.search(about) and not CAPEX.search(about):
        return "revenue"
    if CAPEX.search(about):
        return "capex"
    return "cost"


def is_legacy(entity: str) -> bool:
    """A rack the article contrasts with AI racks: "traditional", "typical", "older" …"""
    return bool(LEGACY.search(entity))
