"""Rules over money: table and list column sums, sums of parts, per company, each part's
share of its whole, build cost from a rate, and cost rates per MW, per rack and per GPU.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from pipeline.figures import roles
from pipeline.figures.derive.article import (
    PARAGRAPH,
    Article,
    as_percent,
    bounds,
    div,
    mul,
    name_of,
)
from pipeline.figures.derive.growth import QUARTER, period_key
from pipeline.figures.derive.reading import (
    clause_of,
    entity_of,
    has_role,
    is_group,
    is_it_load,
    is_stated_total,
    is_table_cell,
    position,
    role_of,
    same_entity,
)
from pipeline.figures.models import Figure
from pipeline.figures.units import convert

_PLUS = re.compile(r"\bplus\b|\s\+\s|\band another\b", re.IGNORECASE)


def _table_columns(a: Article) -> list[list[Figure]]:
    """Money cells grouped by paragraph (the table or list), period (the column) and currency;
    a cell said of several companies together is a total, not a row. A sentence that lists
    the spending of three or more named entities ("Microsoft ($80B), Google ($75B), or Meta
    ($65B)") is a column too."""
    columns: dict[tuple[str | None, str | None, str], list[Figure]] = {}
    for f in a.having(is_table_cell):
        if not is_group(f):
            columns.setdefault((f.paragraph_id, f.period, f.unit), []).append(f)
    found = [_unique_rows(cells) for cells in columns.values() if len(_unique_rows(cells)) > 1]
    return found + [cells for cells in _sentence_lists(a) if cells not in found]


def _sentence_lists(a: Article) -> list[list[Figure]]:
    lists = []
    for mates in a.sentences.values():
        spent = [
            f
            for f in mates
            if f.kind == "money"
            and f.per is None
            and f.entity
            and role_of(f) in ("capex", "cost")
            and not is_group(f)
        ]
        named = {f.entity.lower() for f in spent}
        distinct = all(
            same_entity(f.entity, g.entity) is False for f in spent for g in spent if f.id < g.id
        )
        currencies = {f.unit for f in spent}
        if len(spent) >= 3 and len(named) == len(spent) and distinct and len(currencies) == 1:
            lists.append(spent)
    return lists


def _unique_rows(cells: list[Figure]) -> list[Figure]:
    """One cell per row entity: a row mentioned twice is summed once."""
    seen: dict[str, Figure] = {}
    for c in cells:
        seen.setdefault(entity_of(c).lower() or c.id, c)
    return list(seen.values())


def table_sums(a: Article) -> None:
    """Each column of a money table summed ($80 B + $75 B + $100 B + $60 B = $315 B)."""
    for cells in _table_columns(a):
        period = cells[0].period or ""
        rows = ", ".join(entity_of(c) or c.text for c in cells)
        a.add(
            "sum",
            cells,
            " + ".join(a.show(c) for c in cells),
            (sum(c.low for c in cells), sum(c.high for c in cells)),
            kind="money",
            unit=cells[0].unit,
            period=cells[0].period,
            role=role_of(cells[0]),
            entity="combined",
            subject=f"{period} {role_of(cells[0])} total of {rows}".strip(),
        )


def component_sums(a: Article) -> None:
    """Money said as parts of one whole: "$35 billion on hardware plus $15 billion on other
    components" = $50 B (and each part's share of it, in shares)."""
    for mates in a.sentences.values():
        money = [f for f in mates if f.kind == "money" and f.per is None]
        for first, second in itertools.pairwise(money):
            start, end = position(first), position(second)
            between = (
                (first.sentence or "")[start + len(first.text) : end]
                if (start is not None and end is not None)
                else ""
            )
            if first.unit == second.unit and _PLUS.search(between):
                a.add(
                    "components",
                    [first, second],
                    f"{a.show(first)} + {a.show(second)}",
                    (first.low + second.low, first.high + second.high),
                    kind="money",
                    unit=first.unit,
                    period=first.period or second.period,
                    role=role_of(first),
                    entity=entity_of(first),
                    subject=f"{name_of(first)} in all",
                )


def per_company(a: Article) -> None:
    """Average per company: a total ÷ the count of companies in its sentence ($315 B ÷ 4),
    a table column's sum ÷ its number of rows when the article counts them, and a column
    of named companies' spending ÷ the number of companies it names."""
    counts = a.having(has_role("count_companies"))
    totals = [
        (t, n)
        for t in a.having(lambda f: f.kind == "money" and f.per is None)
        for n in counts
        if (n.paragraph_id, n.sentence) == (t.paragraph_id, t.sentence)
    ]
    sums = [(s, n) for s in a.of("sum") for n in counts if n.low == n.high == len(s.inputs)]
    for total, count in [*totals, *sums]:
        a.add(
            "per_company",
            [total, count],
            f"{a.show(total)} ÷ {a.show(count)}",
            div(bounds(total), bounds(count)),
            kind="money",
            unit=total.unit,
            per="company",
            period=total.period,
            role=f"{role_of(total)}_per_company",
            entity="combined",
            subject=f"{name_of(total)}, per company",
        )
    for calc in [c for c in a.calcs if c.rule == "sum" and _are_companies(c.leaves)]:
        total, rows = calc.figure, len(calc.leaves)
        a.add(
            "per_company",
            [total],
            f"{a.show(total)} ÷ {rows} (the companies it adds up)",
            (total.low / rows, total.high / rows),
            kind="money",
            unit=total.unit,
            per="company",
            period=total.period,
            role=f"{total.role}_per_company",
            entity="combined",
            subject=f"{name_of(total)}, per company",
        )


def _are_companies(rows: Sequence[Figure]) -> bool:
    """Rows of spending by named entities that are not periods ("Q1", "FY24")."""
    return all(
        r.entity
        and role_of(r) in ("capex", "cost")
        and not QUARTER.search(r.entity)
        and period_key(r.entity) is None
        for r in rows
    )


def shares(a: Article) -> None:
    """Each row's share of its table column's sum (Amazon's $100 B of $315 B = 32%), and each
    part's share of a whole said in parts ($35 B of $35 B + $15 B = 70%)."""
    for calc in [c for c in a.calcs if c.rule in ("sum", "components")]:
        total = calc.figure
        for part in calc.leaves:
            a.add(
                "share",
                [part, total],
                f"{a.show(part)} ÷ {a.show(total)}",
                as_percent(div(bounds(part), bounds(total))),
                kind="percent",
                unit="%",
                period=total.period,
                role="share",
                entity=entity_of(part),
                subject=f"{name_of(part)} as a share of {name_of(total)}",
            )


def stated_shares(a: Article) -> None:
    """A part's share of a whole the sentence names after a percentage: "€1.4 billion …,
    roughly 0.6% of today's €233.4 billion" is €1.4 B ÷ €233.4 B, checked against the 0.6%."""
    for said in a.having(lambda f: f.kind == "percent" and role_of(f) == "share"):
        mates = a.sentences[(said.paragraph_id, said.sentence)]
        at = position(said)
        money = [(position(f), f) for f in mates if f.kind == "money" and f.per is None]
        after = [(p, f) for p, f in money if p is not None and at is not None and p > at]
        before = [(p, f) for p, f in money if p is not None and at is not None and p < at]
        if not (after and before):
            continue
        whole = min(after, key=lambda m: m[0])[1]
        part = max(before, key=lambda m: m[0])[1]
        between = (said.sentence or "")[(at or 0) + len(said.text) : position(whole)]
        if _OF_WHOLE.match(between) and part.unit == whole.unit:
            a.add(
                "share",
                [part, whole],
                f"{a.show(part)} ÷ {a.show(whole)}",
                as_percent(div(bounds(part), bounds(whole))),
                kind="percent",
                unit="%",
                role="share",
                entity=entity_of(part),
                subject=f"{name_of(part)} as a share of {name_of(whole)}",
                restates=said,
            )


_OF_WHOLE = re.compile(
    r"\s*of\s+(?:the\s+|its\s+|their\s+)?(?:[\w-]+'s\s+)?[\w\s-]{0,20}?$", re.IGNORECASE
)
"""Between a percentage and the whole it is a share of: " of today's ", " of the total "."""


def money_per_site(a: Article) -> None:
    """Average per site or project = money said of several ÷ their count, in its sentence or
    the next said in its paragraph: "valued at €7.899 billion. The joint venture plans to
    develop four projects" is €1.97 B per project."""
    sites = a.having(lambda f: role_of(f) == "count_sites" and f.low > 1 and f.per is None)
    for total in a.having(
        lambda f: f.kind == "money" and f.per is None and role_of(f) in ("capex", "cost")
    ):
        pick = a.select(total, sites, reach=PARAGRAPH)
        if pick is None or pick.entity is False:
            continue
        count = pick.figure
        a.add(
            "per_site",
            [total, count],
            f"{a.show(total)} ÷ {a.show(count)}",
            div(bounds(total), bounds(count)),
            kind="money",
            unit=total.unit,
            per=count.unit,
            period=total.period,
            role=f"{role_of(total)}_per_site",
            entity=entity_of(count) or entity_of(total),
            subject=f"{name_of(total)}, per {count.unit}",
        )


def cost_from_rate(a: Article) -> None:
    """Build cost = cost per MW × the facility's IT load ($10–12 M per MW × 100 MW)."""
    loads = a.having(is_it_load)
    for rate in a.having(has_role("cost_per_mw")):
        site = a.partner(rate, loads)
        if site is not None and rate.per is not None:
            a.add(
                "cost",
                [rate, site],
                f"{a.show(rate)} × {a.show(site)}",
                mul(bounds(rate), bounds(site, rate.per)),
                kind="money",
                unit=rate.unit,
                role="cost",
                entity=entity_of(site),
                subject=f"cost of {name_of(site)}",
            )


def _is_facility_money(f: Figure) -> bool:
    return (
        f.kind == "money"
        and f.per is None
        and role_of(f) in ("cost", "capex")
        and not (is_stated_total(f) or is_group(f))
    )


def cost_rates(a: Article) -> None:
    """Money spent on a facility (or said in parts) ÷ its IT load (per MW), ÷ its rack count
    (per rack) and ÷ its GPU count (per GPU): the IT load in the cost's sentence, else in its
    paragraph; none where the paragraph states a rate and the cost's sentence does not (the
    cost is then the rate's result; a rate in its sentence is checked against it). Rack and
    GPU counts in its sentence, or its paragraph when the money is said of a facility. With no
    IT load in its paragraph, money said of a facility or a plant ("to restart the dormant
    reactor") is divided by the one select() finds elsewhere in the article."""
    wholes = [(c.figure, c.leaves[0]) for c in a.calcs if c.rule == "components"]
    for cost, at in [*((f, f) for f in a.having(_is_facility_money)), *wholes]:
        paragraph = [f for f in a.source if at.paragraph_id in a.in_paragraphs(f)]
        said = [f for f in a.said_with(at) if f.id not in cost.inputs]
        rate_said = any(role_of(f) == "cost_per_mw" for f in said)
        rated = any(role_of(f) == "cost_per_mw" for f in paragraph) and not rate_said
        here = said + [
            f
            for f in paragraph
            if f.id != at.id
            and f not in said
            and same_entity(entity_of(f), entity_of(cost)) is not False
        ]
        sites = [] if rated else [f for f in here if is_it_load(f)]
        built = roles.FACILITY.search(f"{entity_of(cost)} {cost.subject} {clause_of(at)}")
        far = (
            []
            if rated or sites or not (built or roles.GRID.search(clause_of(at)))
            else [pick.figure for pick in [a.select(at, a.having(is_it_load))] if pick]
        )
        for site in [f for f in sites if f in said] or sites or far:
            a.add(
                "cost_per_mw",
                [cost, site],
                f"{a.show(cost)} ÷ {a.show(site)}",
                div(bounds(cost), bounds(site, "MW")),
                kind="money",
                unit=cost.unit,
                per="MW",
                role="cost_per_mw",
                entity=entity_of(site),
                subject=f"{name_of(cost)}, per MW",
            )
        counts = [
            f for f in here if role_of(f) in ("count_racks", "count_gpus") and (built or f in said)
        ]
        for count, noun in ((f, f.unit) for f in counts):
            a.add(
                f"cost_per_{noun.lower()}",
                [cost, count],
                f"{a.show(cost)} ÷ {a.show(count)}",
                div(bounds(cost), bounds(count)),
                kind="money",
                unit=cost.unit,
                per=noun,
                role="price",
                entity=entity_of(cost),
                subject=f"{name_of(cost)}, per {noun}",
            )


def rate_per_mw(a: Article) -> None:
    """A cost per GW or per kW restated per MW ($80–100 B per GW = $80–100 M per MW)."""
    for rate in a.having(lambda f: role_of(f) == "cost_per_mw" and f.per in ("kW", "GW")):
        factor = convert(1, "MW", rate.per or "MW")
        a.add(
            "per_mw",
            [rate],
            f"{a.show(rate)} × {factor:g} {rate.per} per MW",
            (rate.low * factor, rate.high * factor),
            kind="money",
            unit=rate.unit,
            per="MW",
            role="cost_per_mw",
            entity=entity_of(rate),
            subject=f"{name_of(rate)}, per MW",
        )


def _words_of(f: Figure) -> set[str]:
    return {w.lower() for w in re.findall(r"\w{3,}", f"{f.subject} {f.sentence or ''}")}


def _best_match(a: Article, f: Figure, candidates: Sequence[Figure]) -> Figure | None:
    """The candidate sharing most words (product names) with f, the nearest on a tie."""
    return max(
        candidates,
        default=None,
        key=lambda g: (len(_words_of(f) & _words_of(g)), -abs(a.order[g.id] - a.order[f.id])),
    )


def _is_rack_price(f: Figure) -> bool:
    return f.kind == "money" and (
        f.per == "rack"
        or (
            f.per is None
            and "rack" in f"{entity_of(f)} {f.subject}".lower()
            and not is_stated_total(f)
        )
    )


def per_gpu(a: Article) -> None:
    """Price per GPU = rack price ÷ GPUs per rack ($3 M ÷ 72 GPUs = $41,667), with the GPU
    count that best matches the price (_best_match); and the price of a system ÷ the GPUs
    counted inside one such system ("This AI server … about $3 million" ÷ the 36 GB200s × 2
    GPUs of "the AI server")."""
    gpus = [
        f
        for f in a.having(has_role("count_gpus"))
        if f.per == "rack" or "rack" in f"{entity_of(f)} {clause_of(f)}".lower() or f.low <= 1000
    ]
    pairs = [(price, _best_match(a, price, gpus)) for price in a.having(_is_rack_price)]
    inside = [f for f in a.of("per_unit") if f.role == "count_gpus"]
    for price in a.having(lambda f: _is_facility_money(f) and not _is_rack_price(f)):
        pairs += [(price, f) for f in inside if same_entity(entity_of(price), f.entity)]
    for price, count in pairs:
        if count is not None:
            a.add(
                "per_gpu",
                [price, count],
                f"{a.show(price, False)} ÷ {a.show(count, False)}",
                div(bounds(price), bounds(count)),
                kind="money",
                unit=price.unit,
                per="GPU",
                role="price",
                entity=entity_of(price),
                subject=f"{name_of(price)}, per GPU",
            )


_MARGIN = roles.keywords("margin")
_INCOME = roles.keywords("income", "profit", "earnings")
_SALES = roles.keywords("revenue", "sales")
_TO = re.compile(r"\bto\s*$", re.IGNORECASE)


def margins(a: Article) -> None:
    """A margin = income ÷ revenue, for income said with a margin ("operating income was
    $2.1bn, and the operating margin increased from 9.4 percent to 17.5 percent") and the
    revenue select() finds for it ("revenue reached almost $12 billion", a paragraph before):
    checked against the margin it ends on."""
    money = a.having(lambda f: f.kind == "money" and f.per is None)
    for income in [f for f in money if _INCOME.search(_before_figure(f))]:
        said = [
            f
            for f in a.said_with(income)
            if f.kind == "percent" and f.per is None and _MARGIN.search(f.sentence or "")
        ]
        if not said:
            continue
        margin = next((f for f in said if _TO.search(_before_figure(f))), said[0])
        revenue = a.select(
            income, [f for f in money if f.unit == income.unit and _SALES.search(_before_figure(f))]
        )
        if revenue is not None:
            a.add(
                "margin",
                [income, revenue.figure],
                f"{a.show(income)} ÷ {a.show(revenue.figure)}",
                as_percent(div(bounds(income), bounds(revenue.figure))),
                kind="percent",
                unit="%",
                role=role_of(margin),
                entity=entity_of(income),
                subject=f"margin of {name_of(income)} on {name_of(revenue.figure)}",
                restates=margin,
                inferred=revenue.entity is not True,
            )


def _before_figure(f: Figure) -> str:
    """The words of f's clause before it: what it is said to be ("operating income was")."""
    clause = clause_of(f)
    return clause[: max(clause.find(f.text), 0)]
