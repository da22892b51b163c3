"""Script quality on the real-article corpus and the examples: issue 13's measures and targets.

python -m bench.script_quality [MINUTES] [--writer NAME] [--show N] [--only PATTERN]

Writes one script per article (tests/data/real_articles/*.md, examples/*.md) with the
named writer (default "extractive") at MINUTES (default 5) and prints a row per script
(the measures of `pipeline.script.quality`), then the totals against each target, the
top stock sentences, and with `--show N` the full text of N scripts for reviewers.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.common import EXAMPLES, ROOT
from pipeline import ingest, script
from pipeline.config import Settings
from pipeline.figures.audit import audit, untraced
from pipeline.figures.ledger import build_ledger
from pipeline.models import Article, Script, Source
from pipeline.script import quality

CORPUS = ROOT / "tests" / "data" / "real_articles"
# A note in which the writer says the article ran out before the target length.
SHORT_NOTE = re.compile(r"material for about|ran short|runs short|ran out|runs out", re.I)


@dataclass
class Scored:
    name: str
    article: Article
    script: Script
    ms: float
    copied: list[str]
    repeated: list[str]
    medians: dict[str, float]
    asked: list[str]
    unanswered: list[str]
    dangling: dict[str, str]
    untraced: int
    ratio: float
    stock: list[str]

    @property
    def short(self) -> bool:
        return any(SHORT_NOTE.search(note) for note in self.script.notes)


def sources() -> list[Path]:
    return [
        p
        for p in [*sorted(CORPUS.glob("*.md")), *sorted(EXAMPLES.glob("*.md"))]
        if p.stem != "README"
    ]


def score(path: Path, writer: str, minutes: float) -> Scored:
    text = path.read_text(encoding="utf-8")
    article = ingest.article_from_source(
        Source(kind="markdown", uri=str(path), text=text), ingest.IngestOptions()
    )
    ledger = build_ledger(article)
    options = script.options_for(Settings(), None, minutes)
    start = time.perf_counter()
    written = script.writer_named(writer).write(article, ledger, options)
    elapsed = time.perf_counter() - start
    return Scored(
        name=path.stem,
        article=article,
        script=written,
        ms=elapsed * 1000,
        copied=quality.copied_lines(written, article),
        repeated=quality.repeated_sentences(written, quality.REPEAT_MIN_WORDS),
        medians=quality.median_turn(written),
        asked=quality.questions_asked(written),
        unanswered=quality.unanswered_questions(written),
        dangling=quality.dangling_pronoun_words(written),
        untraced=len(untraced(audit(written.lines, ledger))),
        ratio=quality.length_ratio(written),
        stock=[],
    )


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    for r in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)))


def pct(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def met(ok: bool) -> str:
    return "yes" if ok else "NO"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("minutes", nargs="?", type=float, default=5.0)
    parser.add_argument("--writer", default="extractive")
    parser.add_argument("--show", type=int, default=0, help="print the text of N scripts")
    parser.add_argument("--only", default="", help="only articles whose name contains this")
    args = parser.parse_args()

    paths = [p for p in sources() if args.only in p.stem]
    started = time.perf_counter()
    scored = [score(path, args.writer, args.minutes) for path in paths]
    stock = quality.stock_sentences(
        [s.script for s in scored], [quality.article_text(s.article) for s in scored]
    )
    for s in scored:
        s.stock = quality.stock_lines(s.script, stock)

    header = [
        "article",
        "lines",
        "copied",
        "stock",
        "repeat",
        "turn lead/co",
        "answered",
        "dangling",
        "untraced",
        "length",
        "ms",
        "short",
    ]
    rows = []
    for s in scored:
        lead, cohost = (s.medians.get(h, 0.0) for h in s.script.hosts[:2])
        n = len(s.script.lines)
        rows.append(
            [
                s.name[:34],
                str(n),
                pct(len(s.copied), n),
                pct(len(s.stock), n),
                str(len(s.repeated)),
                f"{lead:g}/{cohost:g}",
                f"{len(s.asked) - len(s.unanswered)}/{len(s.asked)}",
                str(len(s.dangling)),
                str(s.untraced),
                f"{s.ratio:.0%}",
                f"{s.ms:.0f}",
                "short" if s.short else "",
            ]
        )
    print_table(
        f"{args.writer} writer, {len(scored)} articles (corpus + examples), "
        f"target {args.minutes:g} min",
        header,
        rows,
    )

    lines = sum(len(s.script.lines) for s in scored)
    copied = sum(len(s.copied) for s in scored)
    stock_lines = sum(len(s.stock) for s in scored)
    repeating = [s for s in scored if s.repeated]
    lead_ok = [
        s for s in scored if s.medians.get(s.script.hosts[0], 0) >= quality.MIN_LEAD_MEDIAN_TURN
    ]
    asked = sum(len(s.asked) for s in scored)
    unanswered = sum(len(s.unanswered) for s in scored)
    dangling = sum(len(s.dangling) for s in scored)
    untraced_n = sum(s.untraced for s in scored)
    full = [s for s in scored if not s.short]
    in_range = [s for s in full if abs(s.ratio - 1) <= quality.LENGTH_TOLERANCE]
    short = [s for s in scored if s.short]
    leads = [s.medians.get(s.script.hosts[0], 0) for s in scored]
    n = len(scored)
    totals = [
        [
            "lines copied from the article",
            f"<= {quality.MAX_COPIED_SHARE:.0%} of lines",
            f"{copied}/{lines} = {pct(copied, lines)}",
            met(copied <= quality.MAX_COPIED_SHARE * lines),
        ],
        [
            "lines with a stock sentence",
            "0 sentences in >= 3 scripts",
            f"{len(stock)} sentences, {stock_lines}/{lines} lines = {pct(stock_lines, lines)}",
            met(not stock),
        ],
        [
            "sentence >= 4 words said twice",
            "0 scripts",
            f"{len(repeating)}/{n} scripts, {sum(len(s.repeated) for s in scored)} sentences",
            met(not repeating),
        ],
        [
            "lead's median turn",
            f">= {quality.MIN_LEAD_MEDIAN_TURN} words each script",
            f"{len(lead_ok)}/{n} scripts meet it; median of medians "
            f"{statistics.median(leads) if leads else 0:g}",
            met(len(lead_ok) == n),
        ],
        [
            "co-host questions answered",
            "all",
            f"{asked - unanswered}/{asked} answered",
            met(unanswered == 0),
        ],
        [
            "dangling pronouns",
            "0",
            f"{dangling} lines in "
            f"{sum(1 for s in scored if s.dangling)}/{n} scripts: "
            + ", ".join(
                f"{w} {k}"
                for w, k in Counter(w for s in scored for w in s.dangling.values()).most_common()
            ),
            met(dangling == 0),
        ],
        ["untraced numbers", "0", str(untraced_n), met(untraced_n == 0)],
        [
            "length vs target (article has material)",
            f"within ±{quality.LENGTH_TOLERANCE:.0%}",
            f"{len(in_range)}/{len(full)} scripts",
            met(len(in_range) == len(full)),
        ],
        [
            "  exempt: article ran short",
            "reported",
            f"{len(short)} scripts, lengths "
            + (
                f"{min(s.ratio for s in short):.0%}–{max(s.ratio for s in short):.0%}"
                if short
                else "-"
            ),
            "",
        ],
    ]
    ms = [s.ms for s in scored]
    totals.append(
        [
            "writer time",
            "per article",
            f"median {statistics.median(ms):.0f} ms, max {max(ms):.0f} ms",
            "",
        ]
    )
    print_table("totals", ["measure", "target", "result", "met"], totals)

    if stock:
        print_table(
            "top stock sentences (scripts saying each)",
            ["scripts", "sentence"],
            [[str(k), sentence] for sentence, k in list(stock.items())[:10]],
        )
    examples = Counter[str]()
    for s in scored:
        by_id = {line.id: line for line in s.script.lines}
        for line_id in s.copied[:1]:
            examples[f"{s.name}/{line_id}: {by_id[line_id].text[:110]}"] += 1
    if examples:
        print_table(
            "copied lines, first of each of 5 scripts", ["line"], [[k] for k in list(examples)[:5]]
        )

    for s in scored[: args.show]:
        print(f"\n=== {s.name} ({s.script.words} words, {len(s.script.lines)} lines) ===")
        flags = {
            "copied": set(s.copied),
            "stock": set(s.stock),
            "unanswered": set(s.unanswered),
            "dangling": set(s.dangling),
        }
        segment = -1
        for line in s.script.lines:
            if line.segment != segment:
                segment = line.segment
                title = s.script.segments[segment].title if segment < len(s.script.segments) else ""
                print(f"  -- {title}")
            marks = [k for k, ids in flags.items() if line.id in ids]
            mark = f"   [{', '.join(marks)}]" if marks else ""
            print(f"  {line.id} {line.speaker}: {line.text}{mark}")
        for note in s.script.notes:
            print(f"  note: {note}")
    print(f"\n{time.perf_counter() - started:.1f} s in all")


if __name__ == "__main__":
    main()
