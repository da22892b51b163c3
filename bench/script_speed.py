"""The extractive writer on a 5,000-word article: target < 1 s.

python -m bench.script_speed
"""

from __future__ import annotations

import time

from bench.common import long_article, summary, table
from pipeline import ingest, script
from pipeline.config import Settings
from pipeline.figures.ledger import build_ledger
from pipeline.models import Source


def main() -> None:
    source = Source(kind="markdown", uri="bench.md", text=long_article(5000))
    article = ingest.article_from_source(source, ingest.IngestOptions())
    ledger = build_ledger(article)
    options = script.options_for(Settings(), None, 10)
    write = script.writer_named("extractive")
    written = write(article, ledger, options)  # warm up templates
    samples = []
    for _ in range(10):
        start = time.perf_counter()
        written = write(article, ledger, options)
        samples.append(time.perf_counter() - start)
    rows = [("article words", f"{article.word_count:,}"), ("script words", f"{written.words:,}")]
    table(
        "extractive writer, 5,000-word article, 10-minute target (target < 1 s)",
        rows + summary(samples),
    )


if __name__ == "__main__":
    main()
