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
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from pipeline.figures import roles
from pipeline.figures.display import format_value as _format
from pipeline.figures.display import number as _number
from pipeline.figures.display import percent as _pct
from pipeline.figures.models import ALARM_CONFIDENCE, Check, Figure, FigureKind
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


_DRAW = roles.keywords(
    "grid", "draw", "pulls", "total power", "total facility", "total consumption", "total demand"
)
_IT = roles.IT_LOAD
_CHIPS = re.compile(r"\b(?:GPU|chip|accelerator|processor|TPU|superchip)s\b", re.IGNORECASE)
"""Chips in the plural: "from the GPUs alone" is said of all of them, "each GPU" of one."""
_RISE = roles.keywords(
    "rise", "rising", "rose", "risen", "grow", "grew", "climb", "swell", "swollen", "jump",
    "increase", "raise", "surge", "expand", "boost", "up ", "doubl", "tripl", "quadrupl",
    "fall", "fell", "drop", "decline", "cut", "reduc", "lower", "shrink", "shrank"
)
_UP_FROM = re.compile(
    r"\b(?:up|down|rising|rose|risen|climbing|climbed|growing|grew|increas\w*|declin\w*|"
    r"falling|fell|dropp\w*|jump\w*)\s+from\s*$|\b(?:compared (?:with|to)|versus|vs\.?)\s*$",
    re.IGNORECASE,
)
"""Before the old amount, said after the new one: "$9.2bn, up from $6.8bn last year"."""
_RESTATED = re.compile(
    r"\b(?:that|this|the)\s+(?:number|figure|total|amount|count|tally)\s+(?:is|was|stands at|"
    r"stood at|has (?:risen|grown|climbed|fallen) to|reached|hit)\s+(?:now\s+)?$",
    re.IGNORECASE,
)
"""Before a new amount of the quantity said just before: "today that number is 6.6 GW"."""
_POWER_WORDS = roles.keywords("power", "watt", "kW", "density", "draw")
"""A stated ratio of racks' power: "24× the power per rack", "24× the watts"."""


@functools.lru_cache(maxsize=1024)
def _says_power(clause: str) -> bool:
    return bool(_POWER_WORDS.search(clause))


_MORE = roles.keywords("another", "an additional", "a further", "an extra", "additional")
_SAID_IT = re.compile(r"\s*(?:of\s+)?IT\b")  # "≈ 6.2 kW IT load"
_PLUS = re.compile(r"\bplus\b|\s\+\s|\band another\b", re.IGNORECASE)
_COMPARED = re.compile(
    r"\s*(?:the|as|than|faster|slower|more|less|larger|bigger|higher|greater|smaller|over)\b",
    re.IGNORECASE,
)
_TOTAL = roles.keywords(
    "combined", "total", "together", "altogether", "collectively", "in all", "sum", "aggregate"
)
_GROUP = roles.keywords(
    "combined", "total", "together", "companies", "hyperscalers", "big tech", "firms", "giants",
    "all four", "collectively", "industry", "players"
)
_CHANGE = roles.keywords(
    "increase", "rise", "rose", "up", "grew", "grow", "growth", "jump", "decline", "fell",
    "drop", "down", "change", "higher", "lower", "more than", "expand", "climb", "surge",
    "swell", "yoy", "year-over-year"
)
_CLAUSE_BREAK = re.compile(r",\s|;\s|:\s|\.\s|\s[—–]\s|—|[()]")
_ABBREVIATION = re.compile(r"\(\w{1,6}\)")  # "540 megawatts (MW) for the GPUs": one clause

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
    start, end, before = 0, len(sentence), 0
    masked = _ABBREVIATION.sub(lambda m: " " * len(m.group()), sentence)
    for brk in _CLAUSE_BREAK.finditer(masked):
        if brk.end() <= at:
            start, before = brk.end(), (before if brk.group() == "(" else start)
        elif brk.start() >= at + len(text):
            end = brk.start()
            break
    if sentence[:at].rstrip().endswith("("):  # "Traditional DC (5 kW/rack)": said of the DC
        start = before
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
    """A facility's total draw from the grid rather than its IT load (or its chips' draw: "a
    power draw of 540 MW for the GPUs alone")."""
    text = f"{f.subject} {_clause(f)}"
    return (_role(f) == "facility_power" and bool(_DRAW.search(text))
            and not (_IT.search(text) or _CHIPS.search(_clause(f))))


def _is_it_load(f: Figure) -> bool:
    """Power a facility's IT equipment draws: a facility's power that is not its total draw,
    or any power said to be an IT load ("≈ 6.2 kW IT load" of one node)."""
    if f.kind != "power" or f.per is not None or _is_facility_draw(f):
        return False
    at, sentence = _position(f), f.sentence or ""
    said = at is not None and bool(_SAID_IT.match(sentence[at + len(f.text):]))
    return _role(f) == "facility_power" or said or bool(_IT.search(_entity(f)))


def _has(role: str) -> Callable[[Figure], bool]:
    return lambda f: _role(f) == role


def _is_stated_total(f: Figure) -> bool:
    """Money said to be a total: "a combined $315 billion", "$225 billion in total"."""
    return f.kind == "money" and f.per is None and bool(_TOTAL.search(f"{f.subject} {_clause(f)}"))


def _is_stated_multiple(f: Figure) -> bool:
    """A ratio said of growth ("more than doubling 2024's $83 billion", "up 2.3×"), not of a
    comparison ("nine times the power of", "four times faster than")."""
    return f.kind == "ratio" and _said_as_multiple(f.sentence or "", f.text)


@functools.lru_cache(maxsize=1024)
def _said_as_multiple(sentence: str, text: str) -> bool:
    at = _find(sentence, text)
    if at is None:
        return False
    clause = _clause_of(sentence, text)
    before = clause[: max(clause.find(text), 0)]
    after = sentence[at + len(text):]
    return bool(_RISE.search(text) or _RISE.search(before)) and not _COMPARED.match(after)


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


_NOT_AN_ENTITY = re.compile(
    r"(?:racks|GPUs|homes|households|servers|companies|(?:kilo|mega|giga)?watts|[kMG]W)",
    re.IGNORECASE,
)
"""A bare plural counted noun or unit ("racks", "megawatts") names what is counted, not whose."""


@functools.lru_cache(maxsize=4096)
def _entity_words(text: str) -> frozenset[str]:
    if _NOT_AN_ENTITY.fullmatch(text.strip()):
        return frozenset()
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
    restates: str | None = None  # the one stated figure it may be checked against, if any
    again: frozenset[tuple[str | None, str]] = field(init=False)  # later mentions of leaves
    paragraphs: frozenset[str] = field(init=False)  # where the leaves are first said

    def __post_init__(self) -> None:
        self.again = frozenset(
            (p.paragraph_id, p.sentence) for leaf in self.leaves for p in leaf.also_at)
        self.paragraphs = frozenset(
            leaf.paragraph_id for leaf in self.leaves if leaf.paragraph_id is not None)


@dataclass
class _Article:
    source: list[Figure]
    assumptions: list[Figure]
    calcs: list[_Calc] = field(default_factory=list)
    order: dict[str, int] = field(init=False)
    sentences: dict[tuple[str | None, str | None], list[Figure]] = field(init=False)
    mentions: dict[str | None, list[tuple[int, str, Figure]]] = field(init=False)
    states_multiple: bool = field(init=False)  # a growth multiple: "more than doubling"
    _seen: set[tuple[object, ...]] = field(default_factory=set)
    assumed: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.order = {f.id: i for i, f in enumerate(self.source)}
        self.states_multiple = any(_is_stated_multiple(f) for f in self.source)
        self.sentences = {}
        self.mentions = {}
        for f in self.source:
            self.sentences.setdefault((f.paragraph_id, f.sentence), []).append(f)
            places = [(f.paragraph_id, f.sentence, f.span), *(
                (p.paragraph_id, p.sentence, p.span) for p in f.also_at)]
            for paragraph, sentence, span in places:
                at = span[0] if span else self.order[f.id]
                self.mentions.setdefault(paragraph, []).append((at, sentence or "", f))
        for said in self.mentions.values():
            said.sort(key=lambda m: (m[0], self.order[m[2].id]))

    def said_with(self, f: Figure) -> list[Figure]:
        """Figures mentioned in f's sentence (at any of their mentions), f excluded."""
        return [g for _, sentence, g in self.mentions.get(f.paragraph_id, [])
                if sentence == (f.sentence or "") and g.id != f.id]

    def in_paragraphs(self, f: Figure) -> set[str | None]:
        """The paragraphs f is mentioned in."""
        return {f.paragraph_id, *(p.paragraph_id for p in f.also_at)}

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
        """The candidate in f's sentence, else the nearest in its paragraph (the one before
        it on a tie), else the last one stated before f."""
        said = self.said_with(f)
        here = [c for c in candidates if f.paragraph_id in self.in_paragraphs(c)]
        same = [c for c in here if c in said] or here
        before = [c for c in candidates if self.order[c.id] < self.order[f.id]]
        if same:
            return min(same, key=lambda c: _back(self.order[f.id], self.order[c.id]))
        return before[-1] if before else None

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
        restates: Figure | None = None,
    ) -> None:
        """Record a computed figure once; the same rule giving the same result is a duplicate.
        `restates`: the stated figure it is the result of (a worked example's "= 5 MW")."""
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
        self.calcs.append(_Calc(figure, rule, leaves, restates.id if restates else None))
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


def _percent(ratio: tuple[float, float], less: float = 0) -> tuple[float, float]:
    """A ratio in percent, less `less` (1 for a change: 1.4 → 40%)."""
    return 100 * (ratio[0] - less), 100 * (ratio[1] - less)


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
    """Racks a facility's IT load supports at each rack density stated in a paragraph it is
    said in, or at the densities stated after it when none has one (100 MW ÷ 130 kW = 769)."""
    racks = a.having(_has("rack_power"))
    for site in a.having(_is_it_load):
        paragraphs = a.in_paragraphs(site)
        here = [r for r in racks if a.in_paragraphs(r) & paragraphs]
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
                role=_role(site),
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


def _home_use(a: _Article) -> None:
    """A home's yearly use = annual energy ÷ the homes said in its sentence (876,000 MWh ÷
    80,000–100,000 homes = 8.76–10.95 MWh), and the energy of a number of homes = homes × a
    home's yearly use the article states (5,000 × 10,700 kWh = 53.5 million kWh)."""
    for energy in a.having(lambda f: _role(f) == "energy" and f.per in (None, "year")):
        for homes in [f for f in a.said_with(energy) if _role(f) == "count_homes"]:
            a.add(
                "home_use",
                [energy, homes],
                f"{a.show(energy, False)} ÷ {a.show(homes)}",
                _div(_span(energy), _span(homes)),
                kind="energy",
                unit=energy.unit,
                role="home_energy",
                entity="home",
                subject=f"a year's electricity per home, from {_name(energy)}",
            )
    for use in a.having(lambda f: _role(f) == "home_energy" and f.per in (None, "home")):
        for homes in _unique(a.having(_has("count_homes"))):
            a.add(
                "homes_energy",
                [homes, use],
                f"{a.show(homes)} × {a.show(use, False)}",
                _mul(_span(homes), _span(use)),
                kind="energy",
                unit=use.unit,
                per="year",
                role="energy",
                entity=_entity(homes),
                subject=f"electricity {homes.text} use in a year",
            )


def _table_columns(a: _Article) -> list[list[Figure]]:
    """Money cells grouped by paragraph (the table or list), period (the column) and currency;
    a cell said of several companies together is a total, not a row. A sentence that lists
    the spending of three or more named entities ("Microsoft ($80B), Google ($75B), or Meta
    ($65B)") is a column too."""
    columns: dict[tuple[str | None, str | None, str], list[Figure]] = {}
    for f in a.having(_is_table_cell):
        if not _is_group(f):
            columns.setdefault((f.paragraph_id, f.period, f.unit), []).append(f)
    found = [_unique_rows(cells) for cells in columns.values() if len(_unique_rows(cells)) > 1]
    return found + [cells for cells in _sentence_lists(a) if cells not in found]


def _sentence_lists(a: _Article) -> list[list[Figure]]:
    lists = []
    for mates in a.sentences.values():
        spent = [f for f in mates if f.kind == "money" and f.per is None and f.entity
                 and _role(f) in ("capex", "cost") and not _is_group(f)]
        named = {f.entity.lower() for f in spent}
        distinct = all(same_entity(f.entity, g.entity) is False
                       for f in spent for g in spent if f.id < g.id)
        currencies = {f.unit for f in spent}
        if len(spent) >= 3 and len(named) == len(spent) and distinct and len(currencies) == 1:
            lists.append(spent)
    return lists


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


def _component_sums(a: _Article) -> None:
    """Money said as parts of one whole: "$35 billion on hardware plus $15 billion on other
    components" = $50 B (and each part's share of it, in _shares)."""
    for mates in a.sentences.values():
        money = [f for f in mates if f.kind == "money" and f.per is None]
        for first, second in itertools.pairwise(money):
            start, end = _position(first), _position(second)
            between = (first.sentence or "")[start + len(first.text):end] if (
                start is not None and end is not None) else ""
            if first.unit == second.unit and _PLUS.search(between):
                a.add(
                    "components",
                    [first, second],
                    f"{a.show(first)} + {a.show(second)}",
                    (first.low + second.low, first.high + second.high),
                    kind="money",
                    unit=first.unit,
                    period=first.period or second.period,
                    role=_role(first),
                    entity=_entity(first),
                    subject=f"{_name(first)} in all",
                )


def _per_company(a: _Article) -> None:
    """Average per company: a total ÷ the count of companies in its sentence ($315 B ÷ 4),
    a table column's sum ÷ its number of rows when the article counts them, and a column
    of named companies' spending ÷ the number of companies it names."""
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
            subject=f"{_name(total)}, per company",
        )


def _are_companies(rows: Sequence[Figure]) -> bool:
    """Rows of spending by named entities that are not periods ("Q1", "FY24")."""
    return all(
        r.entity and _role(r) in ("capex", "cost") and not _QUARTER.search(r.entity)
        and _period_key(r.entity) is None
        for r in rows
    )


_QUARTER = re.compile(r"\b[QH]([1-4])\b")


@functools.lru_cache(maxsize=1024)
def _period_key(period: str | None) -> tuple[int, int] | None:
    """A period as (year, quarter) to order and compare: "2025" → (2025, 0), "fiscal 2024" →
    (2024, 0), "FY24" → (2024, 0), "Q1 FY2025" → (2025, 1); None without a year."""
    text = period or ""
    year = re.search(r"(?<!\d)(?:19|20)\d\d(?!\d)", text)
    fiscal = re.search(r"\bFY\s?'?(\d\d)(?!\d)", text, re.IGNORECASE)
    if year is None and fiscal is None:
        return None
    quarter = _QUARTER.search(text)
    return (int(year.group()) if year else 2000 + int(fiscal.group(1)) if fiscal else 0,
            int(quarter.group(1)) if quarter else 0)


def _year_over_year(a: _Article) -> None:
    """Change from one period to the next, in percent, per entity and combined (a table's
    column sums, or stated totals with a year when there is no table): $225 B → $315 B is
    40%. A series of three or more periods also gets its first-to-last change
    ($35.4 B → $55.7 B → $80 B: 126% in two years), and a change over several years its
    yearly rate."""
    groups: dict[tuple[object, ...], dict[tuple[int, int], Figure]] = {}
    sums = [(c.figure, c.leaves[0].paragraph_id) for c in a.calcs if c.rule == "sum"]
    for total, table in sums or [(f, None) for f in a.having(_is_stated_total)]:
        key = _period_key(total.period)
        if key is not None:
            groups.setdefault(("combined", table, total.unit), {}).setdefault(key, total)
    for series in _series(a):
        for f in series:
            key = _period_key(f.period)
            if key is not None:
                groups.setdefault(("series", key[1], series[0].id), {}).setdefault(key, f)
    for by_period in groups.values():
        periods = sorted(by_period)
        pairs = list(itertools.pairwise(periods))
        if len(periods) > 2:
            pairs.append((periods[0], periods[-1]))
        for old, new in pairs:
            _add_change(a, by_period[old], by_period[new], years=new[0] - old[0])


def _series(a: _Article) -> list[list[Figure]]:
    """Amounts of one quantity stated for different periods: per paragraph, kind, currency and
    role, one series per named entity (a figure with no entity joins its paragraph's only
    named one); the same named entity's series in other paragraphs join it."""
    buckets: dict[tuple[str | None, str, str, str], list[Figure]] = {}
    for f in a.source:
        if (f.kind in ("money", "energy", "power") and f.per is None and not _is_group(f)
                and _period_key(f.period) is not None):
            role = "capex" if _role(f) == "cost" else _role(f)
            unit = f.unit if f.kind == "money" else f.kind
            buckets.setdefault((f.paragraph_id, f.kind, unit, role), []).append(f)
    series: dict[tuple[object, ...], list[Figure]] = {}
    for (_, kind, unit, role), figures in buckets.items():
        named = {f.entity.lower() for f in figures if f.entity}
        for f in figures:
            if f.entity or len(named) == 1:
                entity = f.entity.lower() or next(iter(named))
            elif named:
                continue  # whose it is cannot be told
            else:
                entity = f"paragraph {f.paragraph_id}"
            series.setdefault((kind, unit, role, entity), []).append(f)
    return [figures for figures in series.values() if len(figures) > 1]


def _add_change(a: _Article, old: Figure, new: Figure, years: int = 1) -> None:
    """The change from old to new in percent; as a multiple too when the article states a
    growth multiple ("more than doubling"); and per year when it spans several years."""
    multiple = _div(_span(new), _span(old, new.unit))
    role = _growth_role(new)
    entity = "combined" if new.origin == "computed" else _entity(new) or _entity(old)
    a.add(
        "yoy",
        [old, new],
        f"({a.show(new)} − {a.show(old)}) ÷ {a.show(old)}",
        _percent(multiple, less=1),
        kind="percent",
        unit="%",
        period=new.period,
        role=role,
        entity=entity,
        subject=f"change from {_name(old)} to {_name(new)}",
    )
    if a.states_multiple:
        a.add(
            "multiple",
            [old, new],
            f"{a.show(new)} ÷ {a.show(old)}",
            multiple,
            kind="ratio",
            unit="x",
            period=new.period,
            role="growth_multiple",
            entity=entity,
            subject=f"{_name(new)} as a multiple of {_name(old)}",
        )
    if years > 1 and multiple[0] > 0:
        a.add(
            "yearly",
            [old, new],
            f"({a.show(new)} ÷ {a.show(old)})^(1/{years}) − 1",
            _percent((multiple[0] ** (1 / years), multiple[1] ** (1 / years)), less=1),
            kind="percent",
            unit="%",
            per="year",
            period=f"{old.period}–{new.period}",
            role=role,
            entity=entity,
            subject=f"yearly change from {_name(old)} to {_name(new)}",
        )


def _growth_role(f: Figure) -> str:
    """The role of a change in f: spending's, revenue's, or anything else's growth."""
    role = _role(f)
    return "capex_growth" if role in ("capex", "cost") else (
        "revenue_growth" if role == "revenue" else "growth")


def _changes_in_text(a: _Article) -> None:
    """Changes the text spells out without periods: "to $70 billion from $66 billion", "it
    has swelled to 225 gigawatts" (from the same quantity said before it in the paragraph),
    and "another 600 megawatts" on top of the amount said before it. Every mention counts:
    a figure said again may be said as the new amount."""
    for said in a.mentions.values():
        for i, (_, sentence, new) in enumerate(said):
            at = _find(sentence, new.text)
            if new.kind not in ("money", "energy", "power") or at is None:
                continue
            before = sentence[:at]
            earlier = [(s, f) for _, s, f in said[:i] if f.id != new.id and _same_quantity(f, new)]
            previous = earlier[-1][1] if earlier else None
            newer = next((f for s, f in reversed(earlier) if s == sentence), None)
            if re.search(r"\bto\s*$", before) and _RISE.search(_clause_of(sentence, new.text)):
                old = _stated_from(said, sentence, new) or previous
                if old is not None:
                    _add_change(a, old, new)
            elif _UP_FROM.search(before) and newer is not None:
                _add_change(a, new, newer)  # "hit $9.2bn, up from $6.8bn last year"
            elif _RESTATED.search(before) and previous is not None:
                _add_change(a, previous, new)  # "6 GW in February; today that number is 6.6 GW"
            elif _MORE.search(before[-16:]) and previous is not None:
                a.add(
                    "increment",
                    [previous, new],
                    f"{a.show(new)} ÷ {a.show(previous)}",
                    _percent(_div(_span(new), _span(previous, new.unit))),
                    kind="percent",
                    unit="%",
                    period=new.period,
                    role=_growth_role(new),
                    entity=_entity(previous) or _entity(new),
                    subject=f"{_name(new)} more on top of {_name(previous)}",
                )


def _same_quantity(f: Figure, g: Figure) -> bool:
    """Same kind, unit and role, entities not different: "7 kW per rack … to 27 kW" (a rate
    said once with its "per" and once without) too."""
    return f.kind == g.kind and (f.per == g.per or None in (f.per, g.per)) and compatible(
        f.unit, g.unit) and _role(f) == _role(g) and same_entity(
        _entity(f), _entity(g)) is not False


def _stated_from(said: list[tuple[int, str, Figure]], sentence: str, new: Figure) -> Figure | None:
    """The figure of the same quantity said "from" in the sentence: "to $70 B from $66 B"."""
    for _, where, f in said:
        at = _find(where, f.text) if where == sentence else None
        if f.id != new.id and at is not None and _same_quantity(f, new) and re.search(
                r"\bfrom\s*$", where[:at]):
            return f
    return None


def _shares(a: _Article) -> None:
    """Each row's share of its table column's sum (Amazon's $100 B of $315 B = 32%), and each
    part's share of a whole said in parts ($35 B of $35 B + $15 B = 70%)."""
    for calc in [c for c in a.calcs if c.rule in ("sum", "components")]:
        total = calc.figure
        for part in calc.leaves:
            a.add(
                "share",
                [part, total],
                f"{a.show(part)} ÷ {a.show(total)}",
                _percent(_div(_span(part), _span(total))),
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
    """Money spent on a facility (or said in parts) ÷ its IT load (per MW), ÷ its rack count
    (per rack) and ÷ its GPU count (per GPU): the IT load in the cost's sentence, else in its
    paragraph; none where the paragraph states a rate and the cost's sentence does not (the
    cost is then the rate's result; a rate in its sentence is checked against it). Rack and
    GPU counts in its sentence, or its paragraph when the money is said of a facility."""
    wholes = [(c.figure, c.leaves[0]) for c in a.calcs if c.rule == "components"]
    for cost, at in [*((f, f) for f in a.having(_is_facility_money)), *wholes]:
        paragraph = [f for f in a.source if at.paragraph_id in a.in_paragraphs(f)]
        said = [f for f in a.said_with(at) if f.id not in cost.inputs]
        rate_said = any(_role(f) == "cost_per_mw" for f in said)
        rated = any(_role(f) == "cost_per_mw" for f in paragraph) and not rate_said
        here = said + [f for f in paragraph if f.id != at.id and f not in said
                       and same_entity(_entity(f), _entity(cost)) is not False]
        sites = [] if rated else [f for f in here if _is_it_load(f)]
        for site in [f for f in sites if f in said] or sites:
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
        built = roles.FACILITY.search(f"{_entity(cost)} {cost.subject} {_clause(at)}")
        counts = [f for f in here if _role(f) in ("count_racks", "count_gpus")
                  and (built or f in said)]
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


def _rate_per_mw(a: _Article) -> None:
    """A cost per GW or per kW restated per MW ($80–100 B per GW = $80–100 M per MW)."""
    for rate in a.having(lambda f: _role(f) == "cost_per_mw" and f.per in ("kW", "GW")):
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
            entity=_entity(rate),
            subject=f"{_name(rate)}, per MW",
        )


def _is_chip_power(f: Figure) -> bool:
    return f.kind == "power" and _role(f) == "chip_power" and convert(f.high, f.unit, "W") < 5000


def _chips_power(a: _Article) -> None:
    """Power of a number of chips = count × power per chip (8 GPUs × 700 W = 5.6 kW), with the
    per-chip power in the count's sentence, else the one naming the same product ("GB200")."""
    per_chip = a.having(_is_chip_power)
    for count in a.having(_has("count_gpus")):
        said = a.said_with(count)
        chip = next((p for p in per_chip if p in said), None) or next(
            (p for p in per_chip if _products(p) & _products(count)), None)
        if chip is None:
            continue
        watts = _mul(_span(count), _span(chip, "W"))
        unit = "MW" if watts[1] >= 1e6 else "kW"
        a.add(
            "chips_power",
            [count, chip],
            f"{a.show(count)} × {a.show(chip, False)}",
            (convert(watts[0], "W", unit), convert(watts[1], "W", unit)),
            kind="power",
            unit=unit,
            role="chips_power",
            entity=_entity(count),
            subject=f"power of {_name(count)} at {chip.text} each",
        )


def _products(f: Figure) -> set[str]:
    """Product names in f's sentence: words of letters and digits ("GB200", "H100")."""
    return {w.lower() for w in re.findall(r"\b(?=\w*\d)(?=\w*[A-Za-z])\w{3,}\b", f.sentence or "")}


def _power_per_gpu(a: _Article) -> None:
    """All-in power per GPU = a rack's or a facility's power ÷ the GPUs said in its sentence
    (120 kW ÷ 72 GPUs = 1.67 kW): what each GPU costs in power with everything around it."""
    for load in a.having(lambda f: _is_it_load(f) or _role(f) == "rack_power"):
        gpus = [f for f in a.sentences[(load.paragraph_id, load.sentence)]
                if _role(f) == "count_gpus" and f.per is None]
        if gpus:
            count = max(gpus, key=lambda f: f.high)
            a.add(
                "per_gpu_power",
                [load, count],
                f"{a.show(load)} ÷ {a.show(count)}",
                _div(_span(load, "kW"), _span(count)),
                kind="power",
                unit="kW",
                per="GPU",
                role="power_per_gpu",
                entity=_entity(load),
                subject=f"{_name(load)}, per GPU",
            )


def _homes_per_power(a: _Article) -> None:
    """Homes a facility could serve at the article's homes per unit of power: "a gigawatt can
    serve 750,000 homes", so 10 GW × 750,000 homes ÷ 1 GW = 7.5 million homes."""
    sites = _unique(a.having(lambda f: _role(f) in ("facility_power", "grid_capacity")))
    for homes in a.having(_has("count_homes")):
        mates = a.sentences[(homes.paragraph_id, homes.sentence)]
        rated = [f for f in mates if f.kind == "power" and f.per is None]
        for per in rated[:1]:
            for site in [s for s in sites if s.sentence != homes.sentence]:
                a.add(
                    "homes",
                    [site, homes, per],
                    f"{a.show(site)} × {a.show(homes)} ÷ {a.show(per)}",
                    _div(_mul(_span(site, per.unit), _span(homes)), _span(per)),
                    kind="count",
                    unit="home",
                    role="count_homes",
                    entity=_entity(site),
                    subject=f"homes {_name(site)} could serve",
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


_OPERATORS = {"×": "×", "x": "×", "*": "×", "÷": "÷", "/": "÷", "+": "+", "−": "−"}
_WORKED_TOKEN = re.compile(
    r"\s*(?:(?P<op>[×*÷/+−]|\bx\b)|(?P<num>\d[\d,]*(?:\.\d+)?)(?![\d,.]*\s*[A-Za-z%$€£])"
    r"|(?P<word>\([^()]{0,30}\)|[A-Za-z][\w-]*))"
)
"""Between the figures of a worked example: an operator, a bare number ("8 × 700 W"), or a
word or a bracket that names an operand ("700 kW facility ÷ 500 kW IT", "500 W (host)")."""
_EQUALS = re.compile(r"\s[=≈]\s")
_EXPRESSION_START = re.compile(r".*(?:^|[:;=≈→]\s*|\.\s)", re.DOTALL)

_Operand = tuple[float, float, str | None, Figure | None]  # low, high, unit (None: a number)


def _worked_examples(a: _Article) -> None:
    """Results the article works out itself ("1,000 racks × 5 kW = 5 MW", "8 × 700 W + 500 W
    ≈ 6.2 kW", "PUE = 700 ÷ 500 = 1.40"): the left side recomputed from its figures and bare
    numbers, × and ÷ before + and −, checked against the figure after "=" and only that one."""
    for (_, sentence), mates in a.sentences.items():
        if not sentence or not _EQUALS.search(sentence):
            continue
        said = sorted([*a.said_with(mates[0]), mates[0]], key=lambda f: -len(f.text))
        for equals in _EQUALS.finditer(sentence):
            result = next((f for f in said if sentence.startswith(f.text, equals.end())
                           or sentence.startswith(f.text, equals.start() + 1)), None)
            found = _EXPRESSION_START.match(sentence, 0, equals.start())
            start = found.end() if found else 0
            left = _placed(sentence, said, start, equals.start())
            terms = _terms(sentence, left, start, equals.start()) if left else None
            value = _evaluate(terms) if terms else None
            if result is not None and terms and value is not None:
                _add_worked(a, terms, value, result)


def _placed(sentence: str, said: list[Figure], start: int, end: int) -> list[tuple[int, Figure]]:
    """Where each figure (longest text first) sits between start and end, not inside another
    ("560" is not the "560" of "560 kW"), in order."""
    placed: list[tuple[int, Figure]] = []
    for f in said:
        for m in re.finditer(r"(?<![\w.,])" + re.escape(f.text), sentence[start:end]):
            at = start + m.start()
            if not any(b < at + len(f.text) and at < b + len(g.text) for b, g in placed):
                placed.append((at, f))
                break
    return sorted(placed, key=lambda m: m[0])


def _terms(sentence: str, left: list[tuple[int, Figure]], start: int,
           end: int) -> list[_Operand | str] | None:
    """Operands and operators in order; None when the text between them is not arithmetic."""
    terms: list[_Operand | str] = []
    at = start
    for begin, f in [*left, (end, None)]:
        stretch = sentence[at:begin]
        tokens = list(_WORKED_TOKEN.finditer(stretch))
        if "".join(m.group() for m in tokens) != stretch.rstrip():
            return None  # something else between the figures: not a worked example
        for token in tokens:
            if token.group("op"):
                terms.append(_OPERATORS[token.group("op")])
            elif token.group("num"):
                number = float(token.group("num").replace(",", ""))
                terms.append((number, number, None, None))
        if f is not None:
            terms.append(_operand(f))
            at = begin + len(f.text)
            if f.text.rstrip().endswith(("×", "x")):  # "8×" said as a multiplier
                terms.append("×")
    shape = all((i % 2 == 1) == isinstance(t, str) for i, t in enumerate(terms))
    return terms if shape and len(terms) >= 3 and len(terms) % 2 == 1 else None


def _operand(f: Figure) -> _Operand:
    if f.kind == "percent":
        return f.low / 100, f.high / 100, None, f
    if f.kind in ("count", "pue", "ratio"):
        return f.low, f.high, None, f
    return f.low, f.high, f.unit, f


def _evaluate(terms: list[_Operand | str]) -> _Operand | None:
    """× and ÷ first, then + and −; None when the units do not combine."""
    operands = [t for t in terms if not isinstance(t, str)]
    operators = [t for t in terms if isinstance(t, str)]
    parts: list[_Operand | None] = [operands[0]]
    signs: list[str] = []
    for op, term in zip(operators, operands[1:], strict=True):
        if op in ("×", "÷"):
            last = parts[-1]
            parts[-1] = None if last is None else _combine(last, op, term)
        else:
            parts.append(term)
            signs.append(op)
    total = parts[0]
    for op, part in zip(signs, parts[1:], strict=True):
        total = None if total is None or part is None else _combine(total, op, part)
    return total


def _combine(x: _Operand, op: str, y: _Operand) -> _Operand | None:
    (xl, xh, xu, _), (yl, yh, yu, _) = x, y
    if op in ("+", "−"):
        if (xu is None) != (yu is None) or (xu and yu and not compatible(xu, yu)):
            return None
        yl, yh = (_to(yl, yu, xu), _to(yh, yu, xu)) if xu and yu else (yl, yh)
        return (xl + yl, xh + yh, xu, None) if op == "+" else (xl - yh, xh - yl, xu, None)
    if op == "×":
        if xu is not None and yu is not None:
            return None
        return xl * yl, xh * yh, xu or yu, None
    if yu is None:
        low, high = _div((xl, xh), (yl, yh))
        return low, high, xu, None
    if xu is None or not compatible(xu, yu):
        return None
    low, high = _div((_to(xl, xu, yu), _to(xh, xu, yu)), (yl, yh))
    return low, high, None, None


def _to(value: float, unit: str | None, to_unit: str | None) -> float:
    return value if unit == to_unit or not unit or not to_unit else convert(value, unit, to_unit)


def _range(low: float, high: float) -> str:
    return _number(low) if low == high else f"{_number(low)}–{_number(high)}"


def _add_worked(a: _Article, terms: list[_Operand | str], value: _Operand,
                result: Figure) -> None:
    low, high, unit, _ = value
    if unit is None:
        if result.kind == "percent":
            low, high = 100 * low, 100 * high
        elif result.kind not in ("count", "pue", "ratio"):
            return
    elif result.kind in ("count", "pue", "ratio", "percent") or not compatible(unit, result.unit):
        return
    else:
        low, high = _to(low, unit, result.unit), _to(high, unit, result.unit)
    inputs = [t[3] for t in terms if not isinstance(t, str) and t[3] is not None]
    shown = " ".join(t if isinstance(t, str) else a.show(t[3]) if t[3] and t[3].unit
                     else _range(t[0], t[1]) for t in terms)
    a.add(
        "worked",
        inputs,
        shown,
        (low, high),
        kind=result.kind,
        unit=result.unit,
        per=result.per,
        period=result.period,
        role=_role(result),
        entity=_entity(result),
        subject=f"{_name(result)}, as the article works it out",
        restates=result,
    )


_RULES = (
    _worked_examples,
    _density_ratios,
    _racks_supported,
    _density_from_racks,
    _facility_draw,
    _annual_energy,
    _homes,
    _home_use,
    _table_sums,
    _component_sums,
    _per_company,
    _year_over_year,
    _changes_in_text,
    _shares,
    _cost_from_rate,
    _cost_rates,
    _rate_per_mw,
    _per_gpu,
    _chips_power,
    _power_per_gpu,
    _homes_per_power,
)

# Which stated figures may restate a rule's result. Every rule accepts a statement in the
# sentence or paragraph of one of its inputs; rules named here also accept one anywhere in
# the article that passes the test (their results are distinctive enough not to collide).
_ANYWHERE: dict[str, Callable[[Figure], bool]] = {
    "sum": lambda s: bool(_TOTAL.search(f"{s.subject} {_clause(s)}")) or _is_group(s),
    "yoy": lambda s: bool(_CHANGE.search(f"{s.subject} {_clause(s)}")),
    "per_company": lambda s: True,
    "cost_per_mw": lambda s: True,
    "per_gpu": lambda s: True,
    "ratio": lambda s: _says_power(_clause(s)),
}
# Rules whose results are so common ("24×", "3×") that a statement far from the inputs is
# paired only when it agrees: a disagreement that far away is likelier another comparison.
_AGREEING_ONLY = {"ratio"}
# And some rules accept only statements that pass their test, wherever they are.
_ONLY_IF: dict[str, Callable[[Figure], bool]] = {
    "sum": _ANYWHERE["sum"],
    "yoy": _ANYWHERE["yoy"],
    "increment": _ANYWHERE["yoy"],
    "ratio": lambda s: not _is_stated_multiple(s),
}
# Rules whose result a statement of another role may restate, when it passes the test (in
# place of the same role): a total draw of a node or a facility, the GPUs' power "from the
# GPUs alone", a growth multiple ("more than doubling").
_RESTATES: dict[str, Callable[[Figure], bool]] = {
    "draw": lambda s: s.kind == "power" and (
        _role(s) == "facility_power" or bool(_DRAW.search(f"{s.subject} {_clause(s)}"))),
    "chips_power": lambda s: s.kind == "power" and bool(_CHIPS.search(_clause(s))),
    "multiple": _is_stated_multiple,
}
# Rules that restate one figure in other units: a statement of the same role and rate in
# the input's paragraph is as surely the same quantity as one in its sentence.
_CONVERSIONS = {"per_mw"}
# Rules whose test names what the statement is about ("from the GPUs alone"): its entity,
# often the product in brackets beside it, is not compared with the result's.
_SAID_OF_INPUTS = {"chips_power"}
_CHANGES = {"yoy", "multiple", "yearly", "increment"}
# Rules that read the wording rather than the periods ("another 600 MW"): their results are
# paired last and never at alarm confidence.
_UNSURE = {"increment"}
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
    if (s.paragraph_id, s.sentence) in calc.again:  # said beside a later mention of an input
        return 1, 0
    return (2, 0) if s.paragraph_id in calc.paragraphs else None


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
    if calc.restates is not None and s.id != calc.restates:
        return None
    if (s.kind, s.per) != (c.kind, c.per) or not compatible(s.unit, c.unit):
        return None
    restates = _RESTATES.get(calc.rule)
    if restates is not None and not restates(s):
        return None
    if restates is None and _family(_role(s)) != _family(c.role) and c.role is not None:
        return None
    if s.period and c.period and s.period != c.period and not (
            calc.rule in _CHANGES and any(s.period == leaf.period for leaf in calc.leaves)):
        return None  # "up 44% from fiscal 2024" may carry either end's period
    if calc.rule in _ONLY_IF and not _ONLY_IF[calc.rule](s):
        return None
    place = _placement(s, calc)
    if place is not None and place[0] == 2 and calc.rule in _CONVERSIONS:
        place = (1, 0)
    if place is None:
        if calc.rule not in _ANYWHERE or not _ANYWHERE[calc.rule](s):
            return None
        if calc.rule in _AGREEING_ONLY and _deviation(s, c, 0.0)[0] > DEFAULT_TOLERANCE:
            return None
        place = (3, 0)
    entity = _entity_match(s, c)
    if entity is False and calc.rule in _SAID_OF_INPUTS:
        entity = None
    if entity is False or _foreign_input(s, calc, a):
        return None
    if calc.rule in _UNSURE:
        place = (3, place[1])
    confidence = _PLACE_CONFIDENCE[place[0]] + (0.1 if entity else -0.1)
    if s.period and s.period == c.period:
        confidence += 0.05
    if c.id in a.assumed:
        confidence -= 0.3  # the article never said the assumption: not its error
    if calc.rule in _UNSURE:
        confidence = min(confidence, ALARM_CONFIDENCE - 0.1)
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
    if unit == "%" and low.is_integer() and high.is_integer():
        low, high = low - 1, high + 1  # a whole percentage is rounded: 10% for 9.1%
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
    return _with_ids(checks, a)


def _with_ids(checks: list[Check], a: _Article) -> list[Check]:
    """Give each check an id from its content: the stated figure's paragraph, span and text
    and the computation's formula. An editor's verdict is keyed by it, so it must name the
    same check when the ledger is rebuilt with checks added, dropped or reordered."""
    formulas = {c.figure.id: c.figure.formula or "" for c in a.calcs}
    stated = {f.id: f for f in a.source}
    given: set[str] = set()
    out = []
    for check in checks:
        s = stated[check.stated_id]
        content = f"{s.paragraph_id}|{s.span}|{s.text}|{formulas[check.computed_id]}"
        base = "k" + hashlib.blake2b(content.encode("utf-8"), digest_size=5).hexdigest()
        check_id, n = base, 1
        while check_id in given:  # the same content twice: a figure extract() split in two
            n += 1
            check_id = f"{base}-{n}"
        given.add(check_id)
        out.append(check.model_copy(update={"id": check_id}))
    return out


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
