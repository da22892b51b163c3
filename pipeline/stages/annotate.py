"""The annotate stage: show notes, figure cards and chapters, timed to what was heard."""

from __future__ import annotations

import json

from pydantic import BaseModel, Field

from pipeline import annotate, episode_files
from pipeline.atomic_files import write_text
from pipeline.config import Settings
from pipeline.errors import InfracastError
from pipeline.figures.models import Ledger
from pipeline.models import Episode, Script, Timeline, Word
from pipeline.stages.base import StageEnv, StageResult
from pipeline.stages.loaders import approved_script, dismissed_checks
from pipeline.store import Store


class AnnotateInputs(BaseModel):
    script: Script
    ledger: Ledger
    timeline: Timeline
    words: list[Word]
    article_title: str
    article_source: str
    language: str
    lede: str = Field("", description="the article's opening: the show notes' summary")
    dismissed: list[str] = Field(
        default_factory=list, description="ids of checks an editor marked a false alarm"
    )


def load(store: Store, episode: Episode, settings: Settings) -> AnnotateInputs:
    folder = store.episode_dir(episode.id)
    if episode.article_id is None:
        raise InfracastError(f"episode {episode.id} has no article; retry its ingest")
    article = store.article(episode.article_id)
    return AnnotateInputs(
        script=approved_script(store, episode).script,
        ledger=episode_files.LEDGER.read(folder),
        timeline=episode_files.TIMELINE.read(folder),
        words=episode_files.WORDS.read(folder).words,
        article_title=article.title,
        article_source=article.source,
        language=settings.show(episode.show).language,
        lede=annotate.lede(article),
        dismissed=dismissed_checks(store, episode),
    )


def run(inputs: AnnotateInputs, env: StageEnv) -> StageResult:
    notes = annotate.annotate(
        inputs.script,
        inputs.ledger,
        inputs.timeline,
        inputs.words,
        inputs.article_title,
        inputs.article_source,
        dismissed=frozenset(inputs.dismissed),
        lede=inputs.lede,
    )
    chapters = json.dumps(annotate.chapters_json(notes), indent=2, ensure_ascii=False)
    folder = env.folder
    files = [
        episode_files.ANNOTATIONS.write(folder, notes),
        write_text(folder / episode_files.NOTES_MD, annotate.show_notes_markdown(notes)),
        write_text(
            folder / episode_files.NOTES_HTML, annotate.show_notes_html(notes, inputs.language)
        ),
        write_text(folder / episode_files.CHAPTERS, chapters),
    ]
    summary = {
        "cards": len(notes.cards),
        "cards_heard": sum(c.heard for c in notes.cards),
        "chapters": len(notes.chapters),
    }
    return StageResult(summary=summary, files=files)
