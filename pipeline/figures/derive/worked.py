"""The article's own worked examples: "1,000 racks × 5 kW = 5 MW", "8 × 700 W + 500 W ≈
6.2 kW", "PUE = 700 ÷ 500 = 1.40". The left side is recomputed from its figures and bare
numbers and checked against the figure after "=", and only that one.
"""

from __future__ import annotations

import re

from pipeline.figures.derive.article import Article, div, name_of
from pipeline.figures.derive.reading import entity_of, role_of
from pipeline.figures.display import number as _number
from pipeline.figures.models import Figure
from pipeline.figures.units import compatible, convert

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


def worked_examples(a: Article) -> None:
    """Results the article works out itself ("1,000 racks × 5 kW = 5 MW", "8 × 700 W + 500 W
    ≈ 6.2 kW", "PUE = 700 ÷ 500 = 1.40"): the left side recomputed from its figures and bare
    numbers, × and ÷ before + and −, checked against the figure after "=" and only that one."""
    for (_, sentence), mates in a.sentences.items():
        if not sentence or not _EQUALS.search(sentence):
            continue
        said = sorted([*a.said_with(mates[0]), mates[0]], key=lambda f: -len(f.text))
        for equals in _EQUALS.finditer(sentence):
            result = next(
                (
                    f
                    for f in said
                    if sentence.startswith(f.text, equals.end())
                    or sentence.startswith(f.text, equals.start() + 1)
                ),
                None,
            )
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


def _terms(
    sentence: str, left: list[tuple[int, Figure]], start: int, end: int
) -> list[_Operand | str] | None:
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
        low, high = div((xl, xh), (yl, yh))
        return low, high, xu, None
    if xu is None or not compatible(xu, yu):
        return None
    low, high = div((_to(xl, xu, yu), _to(xh, xu, yu)), (yl, yh))
    return low, high, None, None


def _to(value: float, unit: str | None, to_unit: str | None) -> float:
    return value if unit == to_unit or not unit or not to_unit else convert(value, unit, to_unit)


def _range(low: float, high: float) -> str:
    return _number(low) if low == high else f"{_number(low)}–{_number(high)}"


def _add_worked(a: Article, terms: list[_Operand | str], value: _Operand, result: Figure) -> None:
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
    shown = " ".join(
        t if isinstance(t, str) else a.show(t[3]) if t[3] and t[3].unit else _range(t[0], t[1])
        for t in terms
    )
    a.add(
        "worked",
        inputs,
        shown,
        (low, high),
        kind=result.kind,
        unit=result.unit,
        per=result.per,
        period=result.period,
        role=role_of(result),
        entity=entity_of(result),
        subject=f"{name_of(result)}, as the article works it out",
        restates=result,
    )
