"""Computed figures and consistency checks: what an article's own numbers imply.

derive() takes the figures extract() found (and, only when a show asks for
them, assumption figures) and computes rack densities and density ratios,
racks per facility, capex sums, shares and rates, facility draw and annual
energy. Then it looks for results the article states itself and recomputes
them, so editors see when a source's arithmetic is off.

Figures get their roles from keyword heuristics over kind, unit, `per`,
subject and the clause of the sentence a figure sits in: one small function
per role below. Figures without a role are never combined.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

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

# --- keywords ---------------------------------------------------------------------------


def _words(*terms: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(t) for t in terms) + ")", re.IGNORECASE)


_RACK = _words("rack")
_LEGACY = _words("legacy", "traditional", "enterprise", "older", "typical", "conventional")
_FACILITY = _words(
    "facilit",
    "campus",
    "site",
    "data cent",
    "data-cent",
    "datacent",
    "cluster",
    "building",
    "hall",
)
_DRAW = _words("grid", "draw", "pulls", "total")
_IT = re.compile(r"\bIT\b")  # case-sensitive: "IT load", not the pronoun
_TOTAL = _words("combined", "total", "together", "altogether", "collectively", "in all", "sum")
_CHANGE = _words(
    "increase",
    "rise",
    "rose",
    "up",
    "grew",
    "growth",
    "jump",
    "decline",
    "fell",
    "drop",
    "down",
    "change",
    "higher",
    "lower",
)
_CLAUSE_BREAK = re.compile(r",\s|;\s|:\s|\.\s|\s[—–]\s|—|[()]")

_AT_LEAST = {
    "more than",
    "over",
    "above",
    "at least",
    "upwards of",
    "in excess of",
    "+",
    "exceeding",
    "greater than",
    "north of",
}
_AT_MOST = {
    "up to",
    "less than",
    "under",
    "below",
    "at most",
    "no more than",
    "as much as",
    "as many as",
    "fewer than",
    "a maximum of",
}
_HEDGES = {
    "about",
    "around",
    "roughly",
    "approximately",
    "nearly",
    "almost",
    "some",
    "~",
    "close to",
    "circa",
    "an estimated",
    "estimated",
    "just under",
    "just over",
    "more or less",
    "approx.",
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
    """The stretch of the sentence between punctuation breaks that holds the figure.

    "At 130 kW per rack, … around 10,000 racks at 10 kW each in a conventional
    facility" makes only the 10 kW conventional; the whole sentence when the
    figure's text is not found in it.
    """
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


def _context(f: Figure) -> str:
    return f"{f.subject} {_clause(f)}"


# --- roles ------------------------------------------------------------------------------


def _is_rack_power(f: Figure) -> bool:
    """Power per rack: `per` is "rack", or a kW/W figure whose subject or clause names a rack."""
    if f.kind != "power":
        return False
    return f.per == "rack" or (
        f.per is None and f.unit in ("W", "kW") and bool(_RACK.search(_context(f)))
    )


def _is_legacy_rack(f: Figure) -> bool:
    """A rack the article contrasts with AI racks: "traditional", "typical", "older" …"""
    return _is_rack_power(f) and bool(_LEGACY.search(_context(f)))


def _is_ceiling(f: Figure) -> bool:
    return (f.qualifier or "").strip().lower() in _AT_MOST


def _is_facility_power(f: Figure) -> bool:
    """MW or GW with no `per`, said of a facility, campus, site, data centre or cluster."""
    return (
        f.kind == "power"
        and f.per is None
        and f.unit in ("MW", "GW")
        and bool(_FACILITY.search(_context(f)))
    )


def _is_facility_draw(f: Figure) -> bool:
    """A facility's total draw from the grid rather than its IT load."""
    text = _context(f)
    return _is_facility_power(f) and bool(_DRAW.search(text)) and not _IT.search(text)


def _is_it_load(f: Figure) -> bool:
    return _is_facility_power(f) and not _is_facility_draw(f)


def _is_count_of(noun: str) -> Callable[[Figure], bool]:
    return lambda f: f.kind == "count" and f.unit == noun and f.per is None


_is_rack_count = _is_count_of("rack")
_is_company_count = _is_count_of("company")


def _is_gpus_per_rack(f: Figure) -> bool:
    """A GPU count said of a rack ("72 GPUs … into a single rack")."""
    return (
        f.kind == "count"
        and f.unit == "GPU"
        and (f.per == "rack" or (f.per is None and bool(_RACK.search(_context(f)))))
    )


def _is_stated_total(f: Figure) -> bool:
    """Money said to be a total: "a combined $315 billion", "$225 billion in total"."""
    return f.kind == "money" and f.per is None and bool(_TOTAL.search(_context(f)))


def _said_of(f: Figure) -> str | None:
    """ "rack" or "facility": what a price is for. The subject decides when it names either,
    else the clause, and a rack wins there ("a rack in the campus costs $3 million")."""
    for text in (f.subject, _clause(f)):
        if _RACK.search(text):
            return "rack"
        if _FACILITY.search(text):
            return "facility"
    return None


def _is_rack_price(f: Figure) -> bool:
    return f.kind == "money" and (
        f.per == "rack" or (f.per is None and _said_of(f) == "rack" and not _is_stated_total(f))
    )


def _is_facility_cost(f: Figure) -> bool:
    """Money said of a facility ("a 100 MW campus costs $1 billion"), not a rack or a total."""
    return (
        f.kind == "money"
        and f.per is None
        and _said_of(f) == "facility"
        and not _is_stated_total(f)
    )


def _is_cost_per_power(f: Figure) -> bool:
    return f.kind == "money" and f.per in ("kW", "MW", "GW")


def _is_table_cell(f: Figure) -> bool:
    """Money for one period with no rate and no total: a capex table's cell."""
    return (
        f.kind == "money"
        and f.per is None
        and f.period is not None
        and not _is_stated_total(f)
        and not _is_rack_price(f)
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
    _seen: set[tuple[object, ...]] = field(default_factory=set)
    _assumed: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.order = {f.id: i for i, f in enumerate(self.source)}

    def having(self, role: Callable[[Figure], bool]) -> list[Figure]:
        return [f for f in self.source if role(f)]

    def of(self, rule: str) -> list[Figure]:
        return [c.figure for c in self.calcs if c.rule == rule]

    def show(self, f: Figure, per: bool = True) -> str:
        """A figure as a formula operand, labelled when it is (or rests on) an assumption."""
        text = _format(f.low, f.high, f.unit, f.kind, f.per if per else None)
        if f.origin == "assumption":
            return f"{text} (assumption: {f.subject})"
        return f"{text} (from an assumption)" if f.id in self._assumed else text

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
            period=period,
            origin="computed",
            inputs=[f.id for f in inputs],
            text=_format(low, high, unit, kind, per, long=True),
            formula=f"{operation} = {_format(low, high, unit, kind, per)}",
        )
        if any(f.origin == "assumption" or f.id in self._assumed for f in inputs):
            self._assumed.add(figure.id)
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
    return f.subject or f.text


def _headline_density(a: _Article) -> Figure | None:
    """The AI rack density the article is about: the modern rack power it states most often
    (the first on a tie); legacy racks and ceilings ("up to 600 kW") are left out."""
    modern = [f for f in a.having(_is_rack_power) if not _is_legacy_rack(f) and not _is_ceiling(f)]
    counts = Counter((f.low, f.high, f.unit) for f in modern)
    return max(modern, key=lambda f: counts[(f.low, f.high, f.unit)], default=None)


def _density_ratios(a: _Article) -> None:
    """Headline rack density ÷ each legacy rack the article names (130 kW ÷ 15 kW = 8.7×);
    with none named, ÷ an assumed typical rack, when assumptions are given."""
    head = _headline_density(a)
    if head is None:
        return
    legacy = _unique(a.having(_is_legacy_rack)) or [
        f for f in a.assumptions if f.kind == "power" and f.per == "rack"
    ]
    for old in legacy:
        a.add(
            "ratio",
            [head, old],
            f"{a.show(head, False)} ÷ {a.show(old, False)}",
            _div(_span(head), _span(old, head.unit)),
            kind="ratio",
            unit="x",
            subject=f"{_name(head)} relative to {_name(old)}",
        )


def _racks_supported(a: _Article) -> None:
    """Racks a facility's IT load supports at a density stated in the same paragraph
    (100 MW ÷ 130 kW = 769 racks)."""
    for site in a.having(_is_it_load):
        for rack in a.having(_is_rack_power):
            if rack.paragraph_id == site.paragraph_id:
                a.add(
                    "racks",
                    [site, rack],
                    f"{a.show(site)} ÷ {a.show(rack, False)}",
                    _div(_span(site, rack.unit), _span(rack)),
                    kind="count",
                    unit="rack",
                    subject=f"racks {_name(site)} supports at {rack.text}",
                )


def _density_from_racks(a: _Article) -> None:
    """kW per rack = IT load ÷ a rack count in the same paragraph. Skipped when the count's
    sentence states a density: then the count is that density's result, not an input."""
    for site in a.having(_is_it_load):
        for racks in a.having(_is_rack_count):
            stated = any(_is_rack_power(f) and f.sentence == racks.sentence for f in a.source)
            if racks.paragraph_id == site.paragraph_id and not stated:
                a.add(
                    "density",
                    [site, racks],
                    f"{a.show(site)} ÷ {a.show(racks)}",
                    _div(_span(site, "kW"), _span(racks)),
                    kind="power",
                    unit="kW",
                    per="rack",
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
                subject=f"total draw of {_name(site)}",
            )


def _annual_energy(a: _Article) -> None:
    """A facility's energy in a year at constant draw: MW × 8,760 h."""
    for site in _unique([*a.having(_is_facility_power), *a.of("draw")]):
        a.add(
            "energy",
            [site],
            f"{a.show(site)} × {HOURS_PER_YEAR:,} h",
            _mul(_span(site), (HOURS_PER_YEAR, HOURS_PER_YEAR)),
            kind="energy",
            unit=f"{site.unit}h",
            per="year",
            subject=f"energy {_name(site)} uses in a year",
        )


def _homes(a: _Article) -> None:
    """Homes a facility's annual energy would supply, at an assumed household use (only with
    assumptions). The energy is the article's own when stated beside a facility's power."""
    households = [f for f in a.assumptions if f.kind == "energy" and f.per == "home"]
    sites = {f.paragraph_id for f in a.having(_is_facility_power)}
    stated = [
        f for f in a.source if f.kind == "energy" and f.per == "year" and f.paragraph_id in sites
    ]
    for energy in _unique(stated or a.of("energy")):
        for home in households:
            a.add(
                "homes",
                [energy, home],
                f"{a.show(energy)} ÷ {a.show(home)}",
                _div(_span(energy, home.unit), _span(home)),
                kind="count",
                unit="home",
                subject=f"homes using as much electricity as {_name(energy)}",
            )


def _table_columns(a: _Article) -> list[list[Figure]]:
    """Money cells grouped by paragraph (the table), period (the column) and currency."""
    columns: dict[tuple[str | None, str | None, str], list[Figure]] = {}
    for f in a.having(_is_table_cell):
        columns.setdefault((f.paragraph_id, f.period, f.unit), []).append(f)
    return [cells for cells in columns.values() if len(cells) > 1]


def _row_labels(cells: Sequence[Figure], period: str) -> tuple[str, str]:
    """("Capex", "Microsoft, Alphabet …") from subjects like "Microsoft 2025 Capex"."""
    words = [[w for w in c.subject.split() if w != period] for c in cells]
    shared = [w for w in words[0] if all(w in ws for ws in words)]
    rows = [
        " ".join(w for w in ws if w not in shared) or c.text
        for ws, c in zip(words, cells, strict=True)
    ]
    return " ".join(shared), ", ".join(rows)


def _table_sums(a: _Article) -> None:
    """Each column of a money table summed ($80 B + $75 B + $100 B + $60 B = $315 B)."""
    for cells in _table_columns(a):
        period = cells[0].period or ""
        column, rows = _row_labels(cells, period)
        a.add(
            "sum",
            cells,
            " + ".join(a.show(c) for c in cells),
            (sum(c.low for c in cells), sum(c.high for c in cells)),
            kind="money",
            unit=cells[0].unit,
            period=cells[0].period,
            subject=f"{period} {column} total of {rows}".replace("  ", " "),
        )


def _per_company(a: _Article) -> None:
    """Average per company: a total ÷ the count of companies in its sentence ($315 B ÷ 4),
    and a table column's sum ÷ that count when the table has as many rows."""
    counts = a.having(_is_company_count)
    totals = [
        (t, n)
        for t in a.having(_is_stated_total)
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
            subject=f"{_name(total)}, per company",
        )


def _year(period: str | None) -> int | None:
    return int(period) if period and re.fullmatch(r"(19|20)\d\d", period) else None


def _year_over_year(a: _Article) -> None:
    """Change from one year's total to the next, in percent ($225 B → $315 B: 40%). Totals
    come from one table's sums; only without a table from stated totals with a year."""
    groups: dict[tuple[object, str], dict[int, Figure]] = {}
    sums = [(c.figure, c.leaves[0].paragraph_id) for c in a.calcs if c.rule == "sum"]
    for total, table in sums or [(f, None) for f in a.having(_is_stated_total)]:
        year = _year(total.period)
        if year is not None:
            groups.setdefault((table, total.unit), {}).setdefault(year, total)
    for by_year in groups.values():
        for year in sorted(by_year):
            old, new = by_year.get(year - 1), by_year[year]
            if old is not None:
                change = _div(_span(new), _span(old))
                a.add(
                    "yoy",
                    [old, new],
                    f"({a.show(new)} − {a.show(old)}) ÷ {a.show(old)}",
                    ((change[0] - 1) * 100, (change[1] - 1) * 100),
                    kind="percent",
                    unit="%",
                    period=new.period,
                    subject=f"change from {_name(old)} to {_name(new)}",
                )


def _cost_from_rate(a: _Article) -> None:
    """Build cost = cost per MW × the facility's IT load ($10–12 M per MW × 100 MW)."""
    loads = a.having(_is_it_load)
    for rate in a.having(_is_cost_per_power):
        site = a.partner(rate, loads)
        if site is not None and rate.per is not None:
            a.add(
                "cost",
                [rate, site],
                f"{a.show(rate)} × {a.show(site)}",
                _mul(_span(rate), _span(site, rate.per)),
                kind="money",
                unit=rate.unit,
                subject=f"cost of {_name(site)}",
            )


def _cost_rates(a: _Article) -> None:
    """A facility's cost ÷ its IT load (per MW) or ÷ its rack count (per rack), for figures in
    the same paragraph; no per-MW rate where the paragraph states one (the cost is its result)."""
    for cost in a.having(_is_facility_cost):
        here = [f for f in a.source if f.paragraph_id == cost.paragraph_id]
        rated = any(_is_cost_per_power(f) for f in here)
        for site in [] if rated else [f for f in here if _is_it_load(f)]:
            a.add(
                "cost_per_mw",
                [cost, site],
                f"{a.show(cost)} ÷ {a.show(site)}",
                _div(_span(cost), _span(site, "MW")),
                kind="money",
                unit=cost.unit,
                per="MW",
                subject=f"{_name(cost)}, per MW",
            )
        for racks in (f for f in here if _is_rack_count(f)):
            a.add(
                "cost_per_rack",
                [cost, racks],
                f"{a.show(cost)} ÷ {a.show(racks)}",
                _div(_span(cost), _span(racks)),
                kind="money",
                unit=cost.unit,
                per="rack",
                subject=f"{_name(cost)}, per rack",
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


def _per_gpu(a: _Article) -> None:
    """Price per GPU = rack price ÷ GPUs per rack ($3 M ÷ 72 GPUs = $41,667), with the GPU
    count that best matches the price (_best_match)."""
    gpus = a.having(_is_gpus_per_rack)
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
    _cost_from_rate,
    _cost_rates,
    _per_gpu,
)

# Which stated figures may restate a rule's result. Every rule accepts a statement in the
# sentence or paragraph of one of its inputs; rules named here also accept one anywhere in
# the article that passes the test (their results are distinctive enough not to collide).
_ANYWHERE: dict[str, Callable[[Figure], bool]] = {
    "sum": lambda s: bool(_TOTAL.search(_context(s))),
    "yoy": lambda s: bool(_CHANGE.search(_context(s))),
    "per_company": lambda s: True,
    "cost_per_mw": lambda s: True,
    "per_gpu": lambda s: True,
}
# And some rules accept only statements that pass their test, wherever they are.
_ONLY_IF: dict[str, Callable[[Figure], bool]] = {
    "sum": _ANYWHERE["sum"],
    "yoy": _ANYWHERE["yoy"],
    "draw": _is_facility_power,
}


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


def _rank(s: Figure, calc: _Calc) -> tuple[int, int, float] | None:
    """How plausibly stated figure s restates calc's result; None when it cannot."""
    c = calc.figure
    if s.id in c.inputs or any(leaf.id == s.id for leaf in calc.leaves):
        return None
    if (s.kind, s.per) != (c.kind, c.per) or not compatible(s.unit, c.unit):
        return None
    if s.period and c.period and s.period != c.period:
        return None
    if calc.rule in _ONLY_IF and not _ONLY_IF[calc.rule](s):
        return None
    place = _placement(s, calc)
    if place is None:
        if calc.rule not in _ANYWHERE or not _ANYWHERE[calc.rule](s):
            return None
        place = (3, 0)
    stated, computed = (s.low + s.high) / 2, (c.low + c.high) / 2
    closeness = abs(math.log(stated / computed)) if stated > 0 and computed > 0 else math.inf
    return *place, closeness


def _claimed(s: Figure, unit: str, tolerance: float) -> tuple[float, float, float]:
    """The interval a statement claims, in `unit`, and the tolerance its hedge earns."""
    low, high = _span(s, unit)
    hedge = (s.qualifier or "").strip().lower()
    if hedge in _AT_LEAST:
        return low, math.inf, tolerance
    if hedge in _AT_MOST:
        return -math.inf, high, tolerance
    return low, high, tolerance if hedge in _HEDGES else tolerance / 2


def _check(s: Figure, c: Figure, tolerance: float) -> Check:
    low, high, allowed = _claimed(s, c.unit, tolerance)
    if c.high < low:
        deviation = (low - c.high) / abs(c.high) if c.high else math.inf
    elif c.low > high:
        deviation = (c.low - high) / abs(c.low)
    else:
        deviation = 0.0
    deviation = deviation if deviation > 1e-9 else 0.0  # float noise: 315 / 225 - 1
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
        note=note,
    )


def _checks(a: _Article, tolerance: float) -> list[Check]:
    """Pair each stated result with the computation it most plausibly restates: same clause as
    an input, then sentence, paragraph, elsewhere; nearest in text, then nearest in value."""
    ranked = sorted(
        (rank, a.order[s.id], n, s, calc)
        for n, calc in enumerate(a.calcs)
        for s in a.source
        if (rank := _rank(s, calc)) is not None
    )
    stated: set[str] = set()
    computed: set[str] = set()
    checks = []
    for _, _, _, s, calc in ranked:
        if s.id not in stated and calc.figure.id not in computed:
            stated.add(s.id)
            computed.add(calc.figure.id)
            checks.append(_check(s, calc.figure, tolerance))
    return sorted(checks, key=lambda c: a.order[c.stated_id])


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
