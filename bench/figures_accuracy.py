"""How well does figure extraction do on the hand-written corpus, and how fast is it?

Targets: precision >= 0.95 and recall >= 0.90 overall on tests/data/figures_corpus.jsonl;
extraction of a 5,000-word article well under 200 ms.

python -m bench.figures_accuracy

A predicted figure matches an expected one when kind and unit agree (and `per`,
when the expected figure gives one) and low and high are within 0.5% relative.
tests/test_figures_extract.py uses the same rule through `score`.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import ROOT, long_article, summary, table
from pipeline.figures.extract import extract
from pipeline.figures.models import Figure
from pipeline.models import Article, Paragraph, Section

CORPUS = ROOT / "tests" / "data" / "figures_corpus.jsonl"
KINDS = ("power", "energy", "money", "count", "pue", "percent", "ratio")
TOLERANCE = 0.005


@dataclass
class Score:
    """True positives, false positives and false negatives, per kind."""

    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    def precision(self, kind: str | None = None) -> float:
        tp, fp = self._counts(self.tp, kind), self._counts(self.fp, kind)
        return tp / (tp + fp) if tp + fp else 1.0

    def recall(self, kind: str | None = None) -> float:
        tp, fn = self._counts(self.tp, kind), self._counts(self.fn, kind)
        return tp / (tp + fn) if tp + fn else 1.0

    def support(self, kind: str | None = None) -> int:
        return self._counts(self.tp, kind) + self._counts(self.fn, kind)

    @staticmethod
    def _counts(counter: Counter[str], kind: str | None) -> int:
        return counter[kind] if kind else sum(counter.values())


def load_corpus(path: Path = CORPUS) -> list[dict[str, Any]]:
    """The corpus items: text, optional table_header, expected figures."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def article_for(item: dict[str, Any]) -> Article:
    """A one-paragraph article: a table (header + the item's row) or a text paragraph."""
    header = item.get("table_header")
    if header:
        rows = [header, [cell.strip() for cell in item["text"].split("|")]]
        paragraph = Paragraph(
            id="p1", kind="table", rows=rows, text="\n".join(" | ".join(row) for row in rows)
        )
    else:
        paragraph = Paragraph(id="p1", text=item["text"])
    return Article(
        title="corpus",
        source="corpus",
        content_hash="",
        sections=[Section(heading="", paragraphs=[paragraph])],
    )


def matches(figure: Figure, expected: dict[str, Any]) -> bool:
    """The shared matching rule."""
    if figure.kind != expected["kind"] or figure.unit != expected["unit"]:
        return False
    if "per" in expected and figure.per != expected["per"]:
        return False
    return _close(figure.low, expected["low"]) and _close(figure.high, expected["high"])


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE * max(abs(a), abs(b))


def score(items: list[dict[str, Any]]) -> Score:
    """Greedy one-to-one matching of predicted to expected figures, item by item."""
    result = Score()
    for item in items:
        predicted = extract(article_for(item))
        unmatched = list(predicted)
        for expected in item["expected"]:
            hit = next((f for f in unmatched if matches(f, expected)), None)
            if hit is None:
                result.fn[expected["kind"]] += 1
                result.misses.append(f"missed {expected} in {item['text']!r}")
            else:
                result.tp[expected["kind"]] += 1
                unmatched.remove(hit)
        for figure in unmatched:
            result.fp[figure.kind] += 1
            result.misses.append(
                f"extra {figure.kind} {figure.low}-{figure.high} "
                f"{figure.unit!r} per={figure.per} in {item['text']!r}"
            )
    return result


def _speed() -> list[tuple[str, str]]:
    from pipeline.ingest import parse_markdown

    article = parse_markdown(long_article(5000), "bench.md")
    extract(article)  # warm up the unit registry and caches
    samples = []
    for _ in range(20):
        start = time.perf_counter()
        figures = extract(article)
        samples.append(time.perf_counter() - start)
    return [("words", f"{article.word_count:,}"), ("figures", str(len(figures))), *summary(samples)]


def main() -> None:
    items = load_corpus()
    result = score(items)
    rows = [
        (
            kind,
            f"precision {result.precision(kind):.3f}  recall {result.recall(kind):.3f}  "
            f"support {result.support(kind)}",
        )
        for kind in KINDS
    ]
    rows.append(
        (
            "overall",
            f"precision {result.precision():.3f}  recall {result.recall():.3f}  "
            f"support {result.support()}",
        )
    )
    rows.append(("items", f"{len(items)} ({sum(not i['expected'] for i in items)} with no figure)"))
    table("figure extraction on the corpus (target precision >= 0.95, recall >= 0.90)", rows)
    table("extraction of a 5,000-word article (target well under 200 ms)", _speed())
    if result.misses:
        print("\nmisses and extras:")
        for line in result.misses:
            print(" ", line)


if __name__ == "__main__":
    main()
