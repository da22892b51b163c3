"""Script quality over the example articles: length, balance, coverage, tracing.

python -m bench.script_quality [MINUTES]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bench.common import ROOT
from pipeline import ingest, script
from pipeline.config import Settings
from pipeline.figures.audit import audit, untraced
from pipeline.figures.ledger import build_ledger
from pipeline.models import Source
from pipeline.script import quality


def row(path: Path, minutes: float) -> list[str]:
    text = path.read_text(encoding="utf-8")
    article = ingest.article_from_source(
        Source(kind="markdown", uri=str(path), text=text), ingest.IngestOptions()
    )
    ledger = build_ledger(article)
    options = script.options_for(Settings(), None, minutes)
    start = time.perf_counter()
    written = script.writer_named("extractive")(article, ledger, options)
    elapsed = time.perf_counter() - start
    shares = quality.speaker_shares(written)
    problems = quality.check(written, article, ledger)
    return [
        path.stem,
        f"{article.word_count}",
        f"{written.words}",
        f"{written.minutes:.1f}/{minutes:g}",
        " ".join(f"{share:.0%}" for share in shares.values()),
        str(max(line.words for line in written.lines)),
        str(len(untraced(audit(written.lines, ledger)))),
        str(len(problems)),
        f"{elapsed * 1000:.0f} ms",
        "yes" if written.notes else "",
    ]


def main() -> None:
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    header = [
        "article",
        "words",
        "script",
        "min/target",
        "shares",
        "longest",
        "untraced",
        "problems",
        "time",
        "note",
    ]
    rows = [row(path, minutes) for path in sorted((ROOT / "examples").glob("*.md"))]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print(f"\nextractive writer on examples/*.md, target {minutes:g} min")
    for r in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)))


if __name__ == "__main__":
    main()
