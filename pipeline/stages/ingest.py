"""The ingest stage: the episode's source, read into an article."""

from __future__ import annotations

from pipeline import episode_files, ingest
from pipeline.config import Settings
from pipeline.models import Episode, Source
from pipeline.stages.base import StageEnv, StageResult
from pipeline.store import Store


def load(store: Store, episode: Episode, settings: Settings) -> Source:
    return episode.source


def run(source: Source, env: StageEnv) -> StageResult:
    article = ingest.article_from_source(source, ingest.IngestOptions.from_settings(env.settings))
    path = episode_files.ARTICLE.write(env.folder, article)
    summary = {"content_hash": article.content_hash, "words": article.word_count}
    return StageResult(summary=summary, article=article, files=[path])
