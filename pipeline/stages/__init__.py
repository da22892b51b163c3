"""The stages of the flow, registered in order: what each starts from, makes and needs.

Each entry says which state a stage starts from and produces, its queue, how to load its
inputs from the store and how to run it; the run functions, one module a stage, call the
plain domain modules (ingest, figures, script, speech, transcribe, annotate) and touch no
database: pipeline.orchestrate records what they return. Adding a stage is writing its
module and one entry in STAGES.
"""

from __future__ import annotations

from typing import Any

from pipeline.models import EpisodeState
from pipeline.stages import annotate, ingest, publish, render, review, script, transcribe
from pipeline.stages.base import FanOut, Stage, StageEnv, StageResult

__all__ = ["QUEUES", "STAGES", "STATE_ORDER", "FanOut", "Stage", "StageEnv", "StageResult"]

# Each stage is built on its own, not inside the list: there mypy would take the list's
# Stage[Any] for each entry and no longer check that its loader and run function agree.
INGEST = Stage(
    name="ingest",
    queue="default",
    start=EpisodeState.QUEUED,
    end=EpisodeState.INGESTED,
    inputs=ingest.load,
    run=ingest.run,
)

SCRIPT = Stage(
    name="script",
    queue="default",
    start=EpisodeState.INGESTED,
    end=EpisodeState.SCRIPTED,
    inputs=script.load,
    run=script.run,
    fan_out=FanOut(parts=script.segments_to_write, do=script.write_segment, queue="write"),
)

REVIEW = Stage(
    name="review",
    queue="default",
    start=EpisodeState.SCRIPTED,
    end=EpisodeState.IN_REVIEW,
    inputs=review.load,
    run=review.run,
)

RENDER = Stage(
    name="render",
    queue="render",
    start=EpisodeState.APPROVED,
    end=EpisodeState.RENDERED,
    inputs=render.load,
    run=render.run,
    fan_out=FanOut(parts=render.clips_to_render, do=render.render_one_clip),
)

TRANSCRIBE = Stage(
    name="transcribe",
    queue="transcribe",
    start=EpisodeState.RENDERED,
    end=EpisodeState.TRANSCRIBED,
    inputs=transcribe.load,
    run=transcribe.run,
)

ANNOTATE = Stage(
    name="annotate",
    queue="default",
    start=EpisodeState.TRANSCRIBED,
    end=EpisodeState.ANNOTATED,
    inputs=annotate.load,
    run=annotate.run,
)

PUBLISH = Stage(
    name="publish",
    queue="default",
    start=EpisodeState.ANNOTATED,
    end=EpisodeState.PUBLISHED,
    inputs=publish.load,
    run=publish.run,
    after=publish.write_feed,
)

STAGES: list[Stage[Any]] = [INGEST, SCRIPT, REVIEW, RENDER, TRANSCRIBE, ANNOTATE, PUBLISH]
QUEUES = ("default", "write", "render", "transcribe")

# The states an episode goes through, in order: each stage's start and end, so the
# editor's step (in review → approved) falls between review's end and render's start.
STATE_ORDER: tuple[EpisodeState, ...] = tuple(
    dict.fromkeys(state for stage in STAGES for state in (stage.start, stage.end))
)
