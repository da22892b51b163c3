"""Extraction and derivation on a 5,000-word article: target < 300 ms.

python -m bench.figures_speed
"""

from __future__ import annotations

import time

from bench.common import long_article, ms, summary, table
from pipeline import ingest
from pipeline.figures.derive import derive
from pipeline.figures.extract import extract
from pipeline.figures.ledger import build_ledger
from pipeline.models import Source


def main() -> None:
    source = Source(kind="markdown", uri="bench.md", text=long_article(5000))
    article = ingest.article_from_source(source, ingest.IngestOptions())
    build_ledger(article)  # warm up: unit registry, compiled patterns
    extract_times, derive_times, totals = [], [], []
    for _ in range(10):
        start = time.perf_counter()
        figures = extract(article)
        middle = time.perf_counter()
        derived = derive(figures)
        end = time.perf_counter()
        extract_times.append(middle - start)
        derive_times.append(end - middle)
        totals.append(end - start)
    rows = [
        ("words", f"{article.word_count:,}"),
        ("figures stated", str(len(figures))),
        ("figures computed", str(len(derived.figures))),
        ("checks", str(len(derived.checks))),
        ("extract median", ms(sorted(extract_times)[len(extract_times) // 2])),
        ("derive median", ms(sorted(derive_times)[len(derive_times) // 2])),
    ]
    table("extract + derive on a 5,000-word article (target < 300 ms)", rows + summary(totals))


if __name__ == "__main__":
    main()
