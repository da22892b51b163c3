"""A script writer on a 5,000-word article, 10-minute target: target < 1 s.

python -m bench.script_speed [--writer NAME] [--runs N]

Ingest and ledger are timed apart from the writer (they run once per article in the
pipeline whichever writer runs); the writer is warmed up once (templates, caches) and
then timed N times.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.common import long_article, ms, table
from pipeline import ingest, script
from pipeline.config import Settings
from pipeline.figures.ledger import build_ledger
from pipeline.models import Source

TARGET_S = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writer", default="extractive")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    source = Source(kind="markdown", uri="bench.md", text=long_article(5000))
    start = time.perf_counter()
    article = ingest.article_from_source(source, ingest.IngestOptions())
    ingested = time.perf_counter() - start
    start = time.perf_counter()
    ledger = build_ledger(article)
    ledgered = time.perf_counter() - start
    options = script.options_for(Settings(), None, 10)
    write = script.writer_named(args.writer).write
    start = time.perf_counter()
    written = write(article, ledger, options)
    first = time.perf_counter() - start
    samples = []
    for _ in range(args.runs):
        start = time.perf_counter()
        written = write(article, ledger, options)
        samples.append(time.perf_counter() - start)
    median = statistics.median(samples)
    table(
        f"{args.writer} writer, 5,000-word article, 10-minute target (target < {TARGET_S:g} s)",
        [
            ("article words", f"{article.word_count:,}"),
            ("script words", f"{written.words:,} ({written.minutes:.1f} min)"),
            ("ingest (once)", ms(ingested)),
            ("ledger (once)", ms(ledgered)),
            ("writer, first run", ms(first)),
            ("writer runs", str(len(samples))),
            ("writer median", ms(median)),
            ("writer max", ms(max(samples))),
            ("target met", "yes" if median < TARGET_S else "NO"),
        ],
    )


if __name__ == "__main__":
    main()
