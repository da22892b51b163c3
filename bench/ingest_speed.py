"""How long does ingest take on a 5,000-word Markdown article? Target < 200 ms.

python -m bench.ingest_speed
"""

from __future__ import annotations

import time

from bench.common import long_article, summary, table
from pipeline import ingest
from pipeline.models import Source


def main() -> None:
    text = long_article(5000)
    source = Source(kind="markdown", uri="bench.md", text=text)
    options = ingest.IngestOptions()
    ingest.article_from_source(source, options)  # warm up imports and caches
    samples = []
    for _ in range(20):
        start = time.perf_counter()
        article = ingest.article_from_source(source, options)
        samples.append(time.perf_counter() - start)
    rows = [("words", f"{article.word_count:,}"), ("paragraphs", str(len(article.paragraphs)))]
    table("ingest of a 5,000-word Markdown article (target < 200 ms)", rows + summary(samples))


if __name__ == "__main__":
    main()
