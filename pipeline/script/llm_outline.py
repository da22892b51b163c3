"""The outline the "llm" writer works from: the offline planner's segments, each with
the figures and paragraphs its lines cite, its moves, its word count and its lines as
the fallback when the model cannot write it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from pipeline.figures.models import Ledger
from pipeline.models import Article, Line
from pipeline.script import WriterOptions


class SegmentPlan(BaseModel):
    """One segment of the planner's script: what the model is asked to write, and the
    fallback when it cannot."""

    index: int
    title: str
    moves: list[str]
    figures: list[str]
    paragraphs: list[str]
    words: int
    fallback: list[Line]


class Outline(BaseModel):
    title: str
    summary: str
    segments: list[SegmentPlan]
    notes: list[str]  # the planner's, about what the article has to say: they hold for both


def outline(article: Article, ledger: Ledger, options: WriterOptions) -> Outline:
    """The planner's segments, each with the figures and paragraphs its lines cite."""
    from pipeline.script import extractive  # the planner; imported here, as writers are

    planned = extractive.write(article, ledger, options)
    segments = []
    for index, segment in enumerate(planned.segments):
        lines = [line for line in planned.lines if line.segment == index]
        segments.append(
            SegmentPlan(
                index=index,
                title=segment.title,
                moves=unique(line.move for line in lines),
                figures=unique(f for line in lines for f in line.figures),
                paragraphs=unique(p for line in lines for p in line.paragraphs),
                words=sum(line.words for line in lines),
                fallback=lines,
            )
        )
    return Outline(
        title=planned.title, summary=planned.summary, segments=segments, notes=planned.notes
    )


def unique(items: Any) -> list[str]:
    return list(dict.fromkeys(items))
