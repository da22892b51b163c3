"""Computed figures and consistency checks: what an article's own numbers imply.

derive() takes the figures extract() found (and, only when a show asks for
them, assumption figures) and computes rack densities and density ratios,
racks per facility, capex sums (tables, lists, parts of a whole), per company,
shares, growth (per period, over a span, per year, as a multiple), cost rates
per MW / rack / GPU, the power of a number of chips, all-in power per GPU,
facility draw, annual energy and homes equivalents. Then it looks for results
the article states itself and recomputes them, so editors see when a source's
arithmetic is off.

Rules are written over roles (`roles.role_of`: rack_power, facility_power,
capex …), which extract() sets and derive() recomputes for figures built
without one. Every computed figure carries the role and entity of what it
computes, so a consistency check pairs a stated figure only with a
computation of the same entity, role and period, and says how sure it is
(`Check.confidence`): only a disagreement at high confidence is an alarm a
script may say aloud.

The package, by concern (enter at `derive` below; read `_RULES` for the order
the rules run in):

    reading.py   what a stated figure is: its clause, role, entity, and the tests rules select by
    article.py   the article's figures as rules see them (Article) and each computation (Calc)
    power.py     density ratios, racks supported, facility draw, energy, generators, PUE overhead
    homes.py     homes equivalents, use per home, power per home
    chips.py     the power of chips and systems, all-in power per GPU
    money.py     sums of tables and parts, per company, shares, cost rates per MW / rack / GPU
    growth.py    periods, series, year-over-year change, multiples, yearly rates
    stated_changes.py  changes the text spells out ("to $70 B from $66 B", "up from")
    wholes.py    a whole against its parts (remainders, stages that sum to a whole)
    counts.py    counts of things inside things (GPUs per blade × blades per pod)
    worked.py    the article's own worked examples ("1,000 racks × 5 kW = 5 MW")
    checks.py    pairing a stated result with the computation it restates, and how sure
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.figures.derive.article import Article
from pipeline.figures.derive.checks import DEFAULT_TOLERANCE, consistency_checks
from pipeline.figures.derive.chips import chips_power, power_per_gpu, units_power
from pipeline.figures.derive.counts import counts_per_site, counts_per_unit
from pipeline.figures.derive.growth import (
    compared_changes,
    levels_after_change,
    percent_multiples,
    starting_amounts,
    year_over_year,
)
from pipeline.figures.derive.homes import (
    home_use,
    homes_equivalents,
    homes_per_power,
    power_per_home,
)
from pipeline.figures.derive.money import (
    component_sums,
    cost_from_rate,
    cost_rates,
    margins,
    money_per_site,
    per_company,
    per_gpu,
    rate_per_mw,
    shares,
    stated_shares,
    table_sums,
)
from pipeline.figures.derive.power import (
    HOURS_PER_YEAR,
    annual_energy,
    compared_multiples,
    density_from_racks,
    density_ratios,
    facility_draw,
    power_per_generator,
    power_per_site,
    pue_overhead,
    racks_supported,
    units_needed,
)
from pipeline.figures.derive.reading import same_entity
from pipeline.figures.derive.stated_changes import changes_in_text
from pipeline.figures.derive.wholes import parts_of_wholes, remainders
from pipeline.figures.derive.worked import worked_examples
from pipeline.figures.models import Check, Figure

__all__ = ["DEFAULT_TOLERANCE", "HOURS_PER_YEAR", "Derived", "derive", "same_entity"]

_RULES = (
    worked_examples,
    density_ratios,
    racks_supported,
    density_from_racks,
    facility_draw,
    annual_energy,
    homes_equivalents,
    pue_overhead,
    home_use,
    table_sums,
    component_sums,
    per_company,
    money_per_site,
    year_over_year,
    changes_in_text,
    compared_changes,
    starting_amounts,
    levels_after_change,
    remainders,
    parts_of_wholes,
    percent_multiples,
    shares,
    stated_shares,
    margins,
    cost_from_rate,
    cost_rates,
    rate_per_mw,
    counts_per_unit,
    per_gpu,
    chips_power,
    units_power,
    power_per_gpu,
    homes_per_power,
    counts_per_site,
    power_per_site,
    power_per_generator,
    units_needed,
    compared_multiples,
    power_per_home,
)


@dataclass(frozen=True)
class Derived:
    """What derive() found: computed figures ("c1", "c2", …) and consistency checks."""

    figures: list[Figure]
    checks: list[Check]


def derive(
    figures: list[Figure],
    assumptions: list[Figure] | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> Derived:
    """Compute what the article's figures imply and check the results it states.

    `figures` are the article's source figures in document order (others are
    ignored). `assumptions` are reference figures (assumptions.as_figures()),
    used only when given; anything computed from one says so in its formula.
    `tolerance` is the relative difference a hedged statement may have from the
    recomputed value (see DEFAULT_TOLERANCE); ranges that overlap always agree.
    The same input always gives the same figures, ids and checks.
    """
    article = Article([f for f in figures if f.origin == "source"], list(assumptions or []))
    for rule in _RULES:
        rule(article)
    return Derived([c.figure for c in article.calcs], consistency_checks(article, tolerance))
