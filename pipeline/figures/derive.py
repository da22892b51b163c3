"""Computed figures and consistency checks: what an article's own numbers imply.

derive() takes the figures extract() found (and, only when a show asks for
them, assumption figures) and computes rack densities and density ratios,
racks per facility, capex sums, shares and rates, facility draw and annual
energy. Then it looks for results the article states itself and recomputes
them, so editors see when a source's arithmetic is off.

Rules are written over roles (`roles.role_of`: rack_power, facility_power,
capex …), which extract() sets and derive() recomputes for figures built
without one. Every computed figure carries the role and entity of what it
computes, so a consistency check pairs a stated figure only with a
computation of the same entity, role and period, and says how sure it is
(`Check.confidence`): only a disagreement at high confidence is an alarm a
script may say aloud.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from pipeline.figures import roles
from pipeline.figures.display import format_value as _format
from pipeline.figures.display import percent as _pct
from pipeline.figures.models import Check, Figure, FigureKind
from pipeline.figures.units import compatible, convert

HOURS_PER_YEAR = 8760  # 365 × 24: arithmetic, not an assumption

DEFAULT_TOLERANCE = 0.05
"""Relative tolerance for a hedged statement ("about", "roughly", "more than").

Writers round to two significant figures: "nine times" for 8.7, "770" for 769,
"$42,000" for $41,667. Two-figure rounding of a value of 10 or more is off by
at most 5%, so 5% accepts honest rounding and flags anything larger. A
statement without a hedge ("a combined $300 billion") claims to be the result
and is held to half the tolerance: 2.5% accepts $315 B written as "$315
billion" or "$0.32 trillion" but flags "$300 billion" (4.8% off).
"""

# --- keywords and roles ----------------------------------------------------------------


_DRAW = roles.keywords("grid", "draw", "pulls", "total")
_IT = re.compile(r"\bIT\b")  # case-sensitive: "IT load", not the pronoun
_TOTAL = roles.keywords(
    "combined", "total", "together", "altogether", "collectively", "in all", "sum", "aggregate"
)
_GROUP = roles.keywords(
    "combined", "total", "together", "companies", "hyperscalers", "big tech", "firms", "giants",
    "all four", "collectively", "industry", "players"
)
_CHANGE = roles.keywords(
    "increase", "rise", "rose", "up", "grew", "growth", "jump", "decline", "fell", "drop",
    "down", "change", "higher", "lower", "more than"
)
_CLAUSE_BREAK = re.compile(r",\s|;\s|:\s|\.\s|\s[—–]\s|—|[()]")

_AT_LEAST = {
    "more than", "over", "above", "at least", "upwards of", "in excess of", "+", "exceeding",
    "exceed", "exceeds", "exceeded", "greater than", "north of", "beyond",
}
_AT_MOST = {
    "up to", "less than", "under", "below", "at most", "no more than", "as much as",
    "as many as", "fewer than", "a maximum of",
}
_HEDGES = {
    "about", "around", "roughly", "approximately", "nearly", "almost", "some", "~", "close to",
    "circa", "an estimated", "estimated", "just under", "just over", "more or less", "approx.",
    "approx",
}


def _position(f: Figure) -> int | None:
    """Where the figure's text sits in its sentence, not inside a longer number."""
    return _find(f.sentence or "", f.text)


@functools.lru_cache(maxsize=4096)
def _find(sentence: str, text: str) -> int | None:
    found = re.search(r"(?<![\w.,])" + re.escape(text), sentence) if text else None
    return found.start() if found else None


def _clause(f: Figure) -> str:
    """The stretch of the sentence between punctuation breaks that holds the figure;
    the whole sentence when the figure's text is not found in it."""
    return _clause_of(f.sentence or "", f.text)


@functools.lru_cache(maxsize=4096)
def _clause_of(sentence: str, text: str) -> str:
    at = _find(sentence, text)
    if at is None:
        return sentence
    start, end = 0, len(sentence)
    for brk in _CLAUSE_BREAK.finditer(sentence):
        if brk.end() <= at:
            start = brk.end()
        elif brk.start() >= at + len(text):
            end = brk.start()
            break
    return sentence[start:end]


def _role(f: Figure) -> str:
    """The figure's role: as extract() set it, else read from its subject and clause."""
    if f.role:
        return f.role
    return roles.role_of(f.kind, f.unit, f.per, f.entity or f.subject, _clause(f))


def _entity(f: Figure) -> str:
    return f.entity or f.subject


def _is_legacy_rack(f: Figure) -> bool:
    """A rack the article contrasts with AI racks: "traditional", "typical", "older" …"""
    return _role(f) == "rack_power" and roles.is_legacy(f"{_entity(f)} {f.subject} {_clause(f)}")


def _is_modern_rack(f: Figure) -> bool:
    return _role(f) == "rack_power" and not _is_legacy_rack(f)


def _is_facility_draw(f: Figure) -> bool:
    """A facility's total draw from the grid rather than its IT load."""
    text = f"{f.subject} {_clause(f)}"
    return _role(f) == "facility_power" and bool(_DRAW.search(text)) and not _IT.search(text)


def _is_it_load(f: Figure) -> bool:
    return _role(f) == "facility_power" and not _is_facility_draw(f) and f.per is None


def _has(role: str) -> Callable[[Figure], bool]:
    return lambda f: _role(f) == role


def _is_stated_total(f: Figure) -> bool:
    """Money said to be a total: "a combined $315 billion", "$225 billion in total"."""
    return f.kind == "money" and f.per is None and bool(_TOTAL.search(f"{f.subject} {_clause(f)}"))


def _is_group(f: Figure) -> bool:
    """Said of several companies together ("the four hyperscalers", "combined")."""
    return bool(_GROUP.search(f"{_entity(f)} {_clause(f)}"))


def _is_table_cell(f: Figure) -> bool:
    """Money for one period, from a table row or a list item: a capex table's cell."""
    return (
        f.kind == "money"
        and f.per is None
        and f.period is not None
        and _role(f) in ("capex", "cost", "revenue")
        and not _is_stated_total(f)
    )


def same_entity(a: str, b: str) -> bool | None:
    """True when two entities name the same thing, False when they clearly differ, None when
    either is unknown. "Microsoft" and "Microsoft Azure" are the same; "rack" and "campus" not."""
    wa, wb = _entity_words(a), _entity_words(b)
    if not wa or not wb:
        return None
    return wa <= wb or wb <= wa


def _entity_words(text: str) -> frozenset[str]:
    return frozenset(
        w.rstrip("s") for w in re.findall(r"[a-z0-9]+", text.lower())
        if w not in ("the", "a", "an", "of", "in", "and", "its", "their", "per", "new")
    )


# --- the computations -------------------------------------------------------------------


@dataclass
class _Calc:
    figure: Figure
    rule: str
    leaves: tuple[Figure, ...]  # the source figures it rests on, for placing it in the text


@dataclass
class _Article:
    source: list[Figure]
    assumptions: list[Figure]
    calcs: list[_Calc] = field(default_factory=list)
    order: dict[str, int] = field(init=False)
    sentences: dict[tuple[str | None, str | None], list[Figure]] = field(init=False)
    _seen: set[tuple[object, ...]] = field(default_factory=set)
    assumed: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.order = {f.id: i for i, f in enumerate(self.source)}
        self.sentences = {}
        for f in self.source:
            self.sentences.setdefault((f.paragraph_id, f.sentence), []).append(f)

    def having(self, role: Callable[[Figure], bool]) -> list[Figure]:
        return [f for f in self.source if role(f)]

    def of(self, rule: str) -> list[Figure]:
        return [c.figure for c in self.calcs if c.rule == rule]

    def show(self, f: Figure, per: bool = True) -> str:
        """A figure as a formula operand, labelled when it is (or rests on) an assumption."""
        text = _format(f.low, f.high, f.unit, f.kind, f.per if per else None)
        if f.origin == "assumption":
            return f"{text} (assumption: {f.subject})"
        return f"{text} (from an assumption)" if f.id in self.assumed else text

    def partner(self, f: Figure, candidates: Sequence[Figure]) -> Figure | None:
        """The candidate in f's paragraph, else the last one stated before f."""
        same = [c for c in candidates if c.paragraph_id == f.paragraph_id]
        before = [c for c in candidates if self.order[c.id] < self.order[f.id]]
        return same[0] if same else (before[-1] if before else None)

    def add(
        self,
        rule: str,
        inputs: Sequence[Figure],
        operation: str,
        value: tuple[float, float],
        *,
        kind: FigureKind,
        unit: str,
        subject: str,
        role: str,
        entity: str = "",
        per: str | None = None,
        period: str | None = None,
    ) -> None:
        """Record a computed figure once; the same rule giving the same result is a duplicate."""
        low, high = value
        key = (rule, kind, unit, per, f"{low:.6g}", f"{high:.6g}")
        if key in self._seen or not (math.isfinite(low) and math.isfinite(high)):
            return
        figure = Figure(
            id=f"c{len(self.calcs) + 1}",
            kind=kind,
            low=low,
            high=high,
            unit=unit,
            per=per,
            subject=subject,
            entity=entity,
            role=role,
            period=period,
            origin="computed",
            inputs=[f.id for f in inputs],
            text=_format(low, high, unit, kind, per, long=True),
            formula=f"{operation} = {_format(low, high, unit, kind, per)}",
        )
        if any(f.origin == "assumption" or f.id in self.assumed for f in inputs):
            self.assumed.add(figure.id)
        leaves = tuple(leaf for f in inputs for leaf in self._leaves(f))
        self.calcs.append(_Calc(figure, rule, leaves))
        self._seen.add(key)

    def _leaves(self, f: Figure) -> tuple[Figure, ...]:
        if f.origin == "source":
            return (f,)
        return next((c.leaves for c in self.calcs if c.figure.id == f.id), ())


def _span(f: Figure, unit: str | None = None) -> tuple[float, float]:
    if unit is None or unit == f.unit:
        return f.low, f.high
    return convert(f.low, f.unit, unit), convert(f.high, f.unit, unit)


def _div(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    """Range division: the smallest quotient divides by the largest divisor."""
    if b[0] <= 0:  # no quotient worth saying; add() drops it
        return math.nan, math.nan
    return a[0] / b[1], a[1] / b[0]


def _mul(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    return a[0] * b[0], a[1] * b[1]


def _unique(figures: Iterable[Figure]) -> list[Figure]:
    """First of each value, so a figure the article repeats is computed with once."""
    seen: dict[tuple[object, ...], Figure] = {}
    for f in figures:
        seen.setdefault((f.kind, f.unit, f.per, f.low, f.high), f)
    return list(seen.values())


def _name(f: Figure) -> str:
    return f.subject or f.entity or f.text


def _density_ratios(a: _Article) -> None:
    """Each high-density rack ÷ each typical/legacy rack the article states (130 kW ÷ 5–15 kW
    = 8.7×–26×); with none stated, ÷ an assumed typical rack, when assumptions are given."""
    legacy = _unique(a.having(_is_legacy_rack)) or [
        f for f in a.assumptions if f.kind == "power" and f.per == "rack"
    ]
    for head in _unique(a.having(_is_modern_rack)):
        for old in legacy:
            ratio = _div(_span(head), _span(old, head.unit))
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
                subject=f"{_name(head)} against {_name(old)}",
            )


def _racks_supported(a: _Article) -> None:
    """Racks a facility's IT load supports at each rack density stated in its paragraph, or
    at the densities stated after it when its paragraph has none (100 MW ÷ 130 kW = 769)."""
    racks = a.having(_has("rack_power"))
    for site in a.having(_is_it_load):
        here = [r for r in racks if r.paragraph_id == site.paragraph_id]
        later = [r for r in racks if a.order[r.id] > a.order[site.id]][:2]
        for rack in _unique(here or later):
            a.add(
                "racks",
                [site, rack],
                f"{a.show(site)} ÷ {a.show(rack, False)}",
                _div(_span(site, rack.unit), _span(rack)),
                kind="count",
                unit="rack",
                role="count_racks",
                entity=_entity(site),
                subject=f"racks {_name(site)} supports at {rack.text}",
            )


def _density_from_racks(a: _Article) -> None:
    """kW per rack = IT load ÷ a rack count in the same paragraph. Skipped when the count's
    sentence states a density: then the count is that density's result, not an input."""
    for site in a.having(_is_it_load):
        for racks in a.having(_has("count_racks")):
            stated = any(_role(f) == "rack_power" and f.sentence == racks.sentence
                         for f in a.source)
            if racks.paragraph_id == site.paragraph_id and not stated:
                a.add(
                    "density",
                    [site, racks],
                    f"{a.show(site)} ÷ {a.show(racks)}",
                    _div(_span(site, "kW"), _span(racks)),
                    kind="power",
                    unit="kW",
                    per="rack",
                    role="rack_power",
                    entity=_entity(site),
                    subject=f"average rack in {_name(site)}",
                )


def _facility_draw(a: _Article) -> None:
    """Facility draw = IT load × PUE, for the IT load in the PUE's paragraph or stated last
    before it; with no PUE in the article, an assumed one, when assumptions are given."""
    loads = a.having(_is_it_load)
    pues = [(p, a.partner(p, loads)) for p in a.having(lambda f: f.kind == "pue")]
    if not pues:
        assumed = [p for p in a.assumptions if p.kind == "pue"]
        pues = [(p, site) for p in assumed for site in _unique(loads)]
    for pue, site in pues:
        if site is not None:
            a.add(
                "draw",
                [site, pue],
                f"{a.show(site)} × {a.show(pue)}",
                _mul(_span(site), _span(pue)),
                kind="power",
                unit=site.unit,
                role="facility_power",
                entity=_entity(site),
                subject=f"total draw of {_name(site)}",
            )


def _annual_energy(a: _Article) -> None:
    """A facility's energy in a year if it ran at full load all year: MW × 8,760 h × 100%.
    The load factor is in the formula and the subject, so nobody mistakes it for a forecast."""
    for site in _unique([*a.having(_has("facility_power")), *a.of("draw")]):
        a.add(
            "energy",
            [site],
            f"{a.show(site)} × {HOURS_PER_YEAR:,} h × 100% load",
            _mul(_span(site), (HOURS_PER_YEAR, HOURS_PER_YEAR)),
            kind="energy",
            unit=f"{site.unit}h",
            per="year",
            role="energy",
            entity=_entity(site),
            subject=f"energy {_name(site)} would use in a year at full load",
        )


def _homes(a: _Article) -> None:
    """Homes equivalents: a rack's or facility's power ÷ the draw of one home the article
    states, and annual energy ÷ a home's yearly use (stated, or assumed when asked for)."""
    home_power = a.having(_has("home_power"))
    for load in _unique([*a.having(_has("rack_power")), *a.having(_has("facility_power"))]):
        for home in home_power:
            if load.paragraph_id == home.paragraph_id or len(home_power) == 1:
                a.add(
                    "homes",
                    [load, home],
                    f"{a.show(load, False)} ÷ {a.show(home, False)}",
                    _div(_span(load, home.unit), _span(home)),
                    kind="count",
                    unit="home",
                    role="count_homes",
                    entity=_entity(load),
                    subject=f"homes drawing as much power as {_name(load)}",
                )
    households = a.having(_has("home_energy")) or [
        f for f in a.assumptions if f.kind == "energy" and f.per == "home"
    ]
    sites = {f.paragraph_id for f in a.having(_has("facility_power"))}
    stated = [f for f in a.source
              if f.kind == "energy" and f.per == "year" and f.paragraph_id in sites]
    for energy in _unique(stated or a.of("energy")):
        for home in households:
            a.add(
                "homes",
                [energy, home],
                f"{a.show(energy)} ÷ {a.show(home)}",
                _div(_span(energy, home.unit), _span(home)),
                kind="count",
                unit="home",
                role="count_homes",
                entity=_entity(energy),
                subject=f"homes using as much electricity as {_name(energy)}",
            )


def _table_columns(a: _Article) -> list[list[Figure]]:
    """Money cells grouped by paragraph (the table or list), period (the column) and currency;
    a cell said of several companies together is a total, not a row."""
    columns: dict[tuple[str | None, str | None, str], list[Figure]] = {}
    for f in a.having(_is_table_cell):
        if not _is_group(f):
            columns.setdefault((f.paragraph_id, f.period, f.unit), []).append(f)
    return [_unique_rows(cells) for cells in columns.values() if len(_unique_rows(cells)) > 1]


def _unique_rows(cells: list[Figure]) -> list[Figure]:
    """One cell per row entity: a row mentioned twice is summed once."""
    seen: dict[str, Figure] = {}
    for c in cells:
        seen.setdefault(_entity(c).lower() or c.id, c)
    return list(seen.values())


def _table_sums(a: _Article) -> None:
    """Each column of a money table summed ($80 B + $75 B + $100 B + $60 B = $315 B)."""
    for cells in _table_columns(a):
        period = cells[0].period or ""
        rows = ", ".join(_entity(c) or c.text for c in cells)
        a.add(
            "sum",
            cells,
            " + ".join(a.show(c) for c in cells),
            (sum(c.low for c in cells), sum(c.high for c in cells)),
            kind="money",
            unit=cells[0].unit,
            period=cells[0].period,
            role=_role(cells[0]),
            entity="combined",
            subject=f"{period} {_role(cells[0])} total of {rows}".strip(),
        )


def _per_company(a: _Article) -> None:
    """Average per company: a total ÷ the count of companies in its sentence ($315 B ÷ 4),
    and a table column's sum ÷ its number of rows when the article counts them."""
    counts = a.having(_has("count_companies"))
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
            _div(_span(total), _span(count)),
            kind="money",
            unit=total.unit,
            per="company",
            period=total.period,
            role=f"{_role(total)}_per_company",
            entity="combined",
            subject=f"{_name(total)}, per company",
        )


def _year(period: str | None) -> int | None:
    found = re.search(r"(19|20)\d\d", period or "")
    return int(found.group()) if found else None


def _year_over_year(a: _Article) -> None:
    """Change from one year to the next, in percent, per company (a table's rows, or a
    company's capex stated for two years) and combined (a table's column sums, or stated
    totals with a year when there is no table): $225 B → $315 B is 40%."""
    groups: dict[tuple[object, ...], dict[int, Figure]] = {}
    sums = [(c.figure, c.leaves[0].paragraph_id) for c in a.calcs if c.rule == "sum"]
    for total, table in sums or [(f, None) for f in a.having(_is_stated_total)]:
        year = _year(total.period)
        if year is not None:
            groups.setdefault(("combined", table, total.unit), {}).setdefault(year, total)
    for cell in a.having(lambda f: _role(f) == "capex" and f.per is None):
        year = _year(cell.period)
        if year is not None and _entity(cell) and not _is_group(cell):
            key = (_entity(cell).lower(), cell.paragraph_id if cell.entity else None, cell.unit)
            groups.setdefault(key, {}).setdefault(year, cell)
    for by_year in groups.values():
        for year in sorted(by_year):
            old, new = by_year.get(year - 1), by_year[year]
            if old is not None:
                change = _div(_span(new), _span(old))
                entity = "combined" if new.origin == "computed" else _entity(new)
                a.add(
                    "yoy",
                    [old, new],
                    f"({a.show(new)} − {a.show(old)}) ÷ {a.show(old)}",
                    ((change[0] - 1) * 100, (change[1] - 1) * 100),
                    kind="percent",
                    unit="%",
                    period=new.period,
                    role="capex_growth" if _role(new) == "capex" else "growth",
                    entity=entity,
                    subject=f"change from {_name(old)} to {_name(new)}",
                )


def _shares(a: _Article) -> None:
    """Each row's share of its table column's sum (Amazon's $100 B of $315 B = 32%)."""
    for calc in [c for c in a.calcs if c.rule == "sum"]:
        total = calc.figure
        for part in calc.leaves:
            a.add(
                "share",
                [part, total],
                f"{a.show(part)} ÷ {a.show(total)}",
                tuple(100 * x for x in _div(_span(part), _span(total))),  # type: ignore[arg-type]
                kind="percent",
                unit="%",
                period=total.period,
                role="share",
                entity=_entity(part),
                subject=f"{_name(part)} as a share of {_name(total)}",
            )


def _cost_from_rate(a: _Article) -> None:
    """Build cost = cost per MW × the facility's IT load ($10–12 M per MW × 100 MW)."""
    loads = a.having(_is_it_load)
    for rate in a.having(_has("cost_per_mw")):
        site = a.partner(rate, loads)
        if site is not None and rate.per is not None:
            a.add(
                "cost",
                [rate, site],
                f"{a.show(rate)} × {a.show(site)}",
                _mul(_span(rate), _span(site, rate.per)),
                kind="money",
                unit=rate.unit,
                role="cost",
                entity=_entity(site),
                subject=f"cost of {_name(site)}",
            )


def _is_facility_money(f: Figure) -> bool:
    return f.kind == "money" and f.per is None and _role(f) in ("cost", "capex") and not (
        _is_stated_total(f) or _is_group(f))


def _cost_rates(a: _Article) -> None:
    """Money spent on a facility ÷ its IT load (per MW), ÷ its rack count (per rack) and ÷ its
    GPU count (per GPU), for figures in the same paragraph; no per-MW rate where the paragraph
    states one (the cost is then its result)."""
    for cost in a.having(_is_facility_money):
        paragraph = [f for f in a.source if f.paragraph_id == cost.paragraph_id]
        rated = any(_role(f) == "cost_per_mw" for f in paragraph)
        here = [f for f in paragraph
                if f.id != cost.id and same_entity(_entity(f), _entity(cost)) is not False]
        for site in [] if rated else [f for f in here if _is_it_load(f)]:
            a.add(
                "cost_per_mw",
                [cost, site],
                f"{a.show(cost)} ÷ {a.show(site)}",
                _div(_span(cost), _span(site, "MW")),
                kind="money",
                unit=cost.unit,
                per="MW",
                role="cost_per_mw",
                entity=_entity(site),
                subject=f"{_name(cost)}, per MW",
            )
        built = roles.FACILITY.search(f"{_entity(cost)} {cost.subject} {_clause(cost)}")
        counts = [f for f in here if built and _role(f) in ("count_racks", "count_gpus")]
        for count, noun in ((f, f.unit) for f in counts):
            a.add(
                f"cost_per_{noun.lower()}",
                [cost, count],
                f"{a.show(cost)} ÷ {a.show(count)}",
                _div(_span(cost), _span(count)),
                kind="money",
                unit=cost.unit,
                per=noun,
                role="price",
                entity=_entity(cost),
                subject=f"{_name(cost)}, per {noun}",
            )


def _words_of(f: Figure) -> set[str]:
    return {w.lower() for w in re.findall(r"\w{3,}", f"{f.subject} {f.sentence or ''}")}


def _best_match(a: _Article, f: Figure, candidates: Sequence[Figure]) -> Figure | None:
    """The candidate sharing most words (product names) with f, the nearest on a tie."""
    return max(
        candidates,
        default=None,
        key=lambda g: (len(_words_of(f) & _words_of(g)), -abs(a.order[g.id] - a.order[f.id])),
    )


def _is_rack_price(f: Figure) -> bool:
    return f.kind == "money" and (f.per == "rack" or (
        f.per is None and "rack" in f"{_entity(f)} {f.subject}".lower()
        and not _is_stated_total(f)))


def _per_gpu(a: _Article) -> None:
    """Price per GPU = rack price ÷ GPUs per rack ($3 M ÷ 72 GPUs = $41,667), with the GPU
    count that best matches the price (_best_match)."""
    gpus = [f for f in a.having(_has("count_gpus"))
            if f.per == "rack" or "rack" in f"{_entity(f)} {_clause(f)}".lower()
            or f.low <= 1000]
    for price in a.having(_is_rack_price):
        count = _best_match(a, price, gpus)
        if count is not None:
            a.add(
                "per_gpu",
                [price, count],
                f"{a.show(price, False)} ÷ {a.show(count, False)}",
                _div(_span(price), _span(count)),
                kind="money",
                unit=price.unit,
                per="GPU",
                role="price",
                entity=_entity(price),
                subject=f"{_name(price)}, per GPU",
            )


_RULES = (
    _density_ratios,
    _racks_supported,
    _density_from_racks,
    _facility_draw,
    _annual_energy,
    _homes,
    _table_sums,
    _per_company,
    _year_over_year,
    _shares,
    _cost_from_rate,
    _cost_rates,
    _per_gpu,
)

# Which stated figures may restate a rule's result. Every rule accepts a statement in the
# sentence or paragraph of one of its inputs; rules named here also accept one anywhere in
# the article that passes the test (their results are distinctive enough not to collide).
_ANYWHERE: dict[str, Callable[[Figure], bool]] = {
    "sum": lambda s: bool(_TOTAL.search(f"{s.subject} {_clause(s)}")) or _is_group(s),
    "yoy": lambda s: bool(_CHANGE.search(_clause(s))),
    "per_company": lambda s: True,
    "cost_per_mw": lambda s: True,
    "per_gpu": lambda s: True,
}
# And some rules accept only statements that pass their test, wherever they are.
_ONLY_IF: dict[str, Callable[[Figure], bool]] = {
    "sum": _ANYWHERE["sum"],
    "yoy": _ANYWHERE["yoy"],
    "draw": lambda s: _role(s) == "facility_power",
}
# Roles that restate one another: a "combined $315 billion" of spending is the sum of a
# capex column, whatever word the article used for it.
_FAMILY = {"cost": "capex", "revenue": "capex", "growth": "capex_growth",
           "cost_per_company": "capex_per_company", "price": "price"}
# How sure a pairing is, by where the statement sits: the clause or sentence of an input, its
# paragraph, or anywhere (only for the rules in _ANYWHERE).
_PLACE_CONFIDENCE = (0.95, 0.9, 0.75, 0.7)


# --- consistency checks -----------------------------------------------------------------


def _placement(s: Figure, calc: _Calc) -> tuple[int, int] | None:
    """How close s sits to the inputs: (0, distance) in the clause of one, (1, distance) in
    its sentence, (2, 0) in its paragraph; None when further away."""
    near = [
        leaf
        for leaf in calc.leaves
        if leaf.sentence and (leaf.paragraph_id, leaf.sentence) == (s.paragraph_id, s.sentence)
    ]
    if near:
        at = _position(s) or 0
        return min(
            (0 if _clause(leaf) == _clause(s) else 1, abs(at - (_position(leaf) or 0)))
            for leaf in near
        )
    if any(
        leaf.paragraph_id is not None and leaf.paragraph_id == s.paragraph_id
        for leaf in calc.leaves
    ):
        return 2, 0
    return None


def _family(role: str | None) -> str | None:
    return _FAMILY.get(role or "", role)


def _entity_match(s: Figure, c: Figure) -> bool | None:
    """Whether stated s and computed c are about the same entity (None: cannot tell)."""
    if c.entity == "combined":
        return True if _is_group(s) or _is_stated_total(s) else (None if not s.entity else False)
    return same_entity(_entity(s), c.entity)


def _foreign_input(s: Figure, calc: _Calc, a: _Article) -> bool:
    """A statement beside an input of the same role that this calc did not use: "12,500 racks
    at 40 kW" restates facility ÷ 40 kW, never facility ÷ the legacy 10 kW of the paragraph."""
    if any(leaf.sentence == s.sentence for leaf in calc.leaves):
        return False
    used = {leaf.id for leaf in calc.leaves}
    roles_used = {_role(leaf) for leaf in calc.leaves}
    return any(
        f.id not in used and f.id != s.id and _role(f) in roles_used
        for f in a.sentences[(s.paragraph_id, s.sentence)]
    )


def _back(at: int, leaf: int) -> int:
    """How far back an input is from a statement; an input said after it counts tenfold."""
    return at - leaf if leaf <= at else 10 * (leaf - at)


def _rank(s: Figure, calc: _Calc, a: _Article) -> tuple[int, int, float, int, float] | None:
    """How plausibly stated figure s restates calc's result, with the pairing's confidence
    last; None when it cannot: another entity, role or period, or too far away."""
    c = calc.figure
    if s.id in c.inputs or any(leaf.id == s.id for leaf in calc.leaves):
        return None
    if (s.kind, s.per) != (c.kind, c.per) or not compatible(s.unit, c.unit):
        return None
    if _family(_role(s)) != _family(c.role) and c.role is not None:
        return None
    if s.period and c.period and s.period != c.period:
        return None
    if calc.rule in _ONLY_IF and not _ONLY_IF[calc.rule](s):
        return None
    entity = _entity_match(s, c)
    if entity is False or _foreign_input(s, calc, a):
        return None
    place = _placement(s, calc)
    if place is None:
        if calc.rule not in _ANYWHERE or not _ANYWHERE[calc.rule](s):
            return None
        place = (3, 0)
    confidence = _PLACE_CONFIDENCE[place[0]] + (0.1 if entity else -0.1)
    if s.period and s.period == c.period:
        confidence += 0.05
    if c.id in a.assumed:
        confidence -= 0.3  # the article never said the assumption: not its error
    # How far the result lies outside what the statement claims ("more than 20 times" claims
    # 24× and 26× alike); on a tie, "That is nine times …" restates the figures said just
    # before it.
    closeness = round(_deviation(s, c, 0.0)[0], 3)
    recency = min(_back(a.order[s.id], a.order.get(leaf.id, 0)) for leaf in calc.leaves)
    confidence = round(min(max(confidence, 0.0), 1.0), 2)
    return place[0], place[1], closeness, recency, confidence


def _claimed(s: Figure, unit: str, tolerance: float) -> tuple[float, float, float]:
    """The interval a statement claims, in `unit`, and the tolerance its hedge earns."""
    low, high = _span(s, unit)
    hedge = (s.qualifier or "").strip().lower()
    if hedge in _AT_LEAST:
        return low, math.inf, tolerance
    if hedge in _AT_MOST:
        return -math.inf, high, tolerance
    return low, high, tolerance if hedge in _HEDGES else tolerance / 2


def _deviation(s: Figure, c: Figure, tolerance: float) -> tuple[float, float]:
    """How far c lies outside the interval s claims, relative, and the tolerance s earns."""
    low, high, allowed = _claimed(s, c.unit, tolerance)
    if c.high < low:
        deviation = (low - c.high) / abs(c.high) if c.high else math.inf
    elif c.low > high:
        deviation = (c.low - high) / abs(c.low)
    else:
        deviation = 0.0
    return (deviation if deviation > 1e-9 else 0.0), allowed  # float noise: 315 / 225 - 1


def _check(s: Figure, c: Figure, tolerance: float, confidence: float) -> Check:
    deviation, allowed = _deviation(s, c, tolerance)
    agrees = deviation <= allowed
    off = f"{_pct(deviation)} off, tolerance {_pct(allowed)}"
    if agrees:
        note = f'"{s.text}" ({s.id}) agrees with {c.id}: {c.formula}'
        note += f" ({off})" if deviation else ""
    else:
        note = (
            f'The article states "{s.text}" ({s.id}), but its own figures give {c.text} '
            f"({c.id}: {c.formula}): {off}"
        )
    return Check(
        stated_id=s.id,
        computed_id=c.id,
        agrees=agrees,
        deviation=round(deviation, 6),
        tolerance=allowed,
        confidence=confidence,
        note=note,
    )


def _checks(a: _Article, tolerance: float) -> list[Check]:
    """Pair each stated result with the computation it most plausibly restates: same clause as
    an input, then sentence, paragraph, elsewhere; nearest in text, then nearest in value."""
    by_shape: dict[tuple[str, str | None], list[Figure]] = {}
    for s in a.source:  # only a statement of the same kind and rate can restate a result
        by_shape.setdefault((s.kind, s.per), []).append(s)
    ranked = sorted(
        (rank, a.order[s.id], n, s, calc)
        for n, calc in enumerate(a.calcs)
        for s in by_shape.get((calc.figure.kind, calc.figure.per), [])
        if (rank := _rank(s, calc, a)) is not None
    )
    stated: set[str] = set()
    computed: set[str] = set()
    checks = []
    for rank, _, _, s, calc in ranked:
        if s.id not in stated and calc.figure.id not in computed:
            stated.add(s.id)
            computed.add(calc.figure.id)
            checks.append(_check(s, calc.figure, tolerance, rank[-1]))
    checks.sort(key=lambda c: a.order[c.stated_id])
    return [c.model_copy(update={"id": f"k{i}"}) for i, c in enumerate(checks, start=1)]


# --- entry point ------------------------------------------------------------------------


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
    article = _Article([f for f in figures if f.origin == "source"], list(assumptions or []))
    for rule in _RULES:
        rule(article)
    return Derived([c.figure for c in article.calcs], _checks(article, tolerance))
