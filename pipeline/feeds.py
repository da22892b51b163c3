"""A show's feed from the store: its published episodes, their dates, numbers and files.

pipeline.rss builds feeds from plain values; this module finds those values.
An episode's pubDate is when it was first published and its number is its place in
the order of first publication, both read from the state history, so neither changes
when the feed is written again, or when an episode is unpublished and published again.
Its guid is the random one the store gave it at first publication, so no other
installation or data root ever reuses it.
"""

from __future__ import annotations

from pathlib import Path

from pipeline import episode_files
from pipeline.annotate import feed_notes_html
from pipeline.config import Settings
from pipeline.errors import InfracastError
from pipeline.models import EpisodeState
from pipeline.rss import (
    FEED_NAME,
    NOTES_NAME,
    PublishedEpisode,
    episode_url,
    publish,
)
from pipeline.store import Store


def feed_path(settings: Settings, show_slug: str) -> Path:
    return settings.public_dir / show_slug / FEED_NAME


def feed_episodes(store: Store, settings: Settings, show_slug: str) -> list[PublishedEpisode]:
    show = settings.show(show_slug)
    first = store.first_entered(EpisodeState.PUBLISHED, show_slug)
    order = sorted(first, key=lambda episode_id: (first[episode_id], episode_id))
    number = {episode_id: n for n, episode_id in enumerate(order, 1)}
    published = []
    for episode in store.episodes(state=EpisodeState.PUBLISHED, show=show_slug):
        folder = store.episode_dir(episode.id)
        notes = episode_files.ANNOTATIONS.read(folder)
        guid = episode.feed_guid  # given by the store as it first entered published
        if guid is None:
            raise InfracastError(f"episode {episode.id} is published but has no feed guid")
        notes_url = f"{episode_url(show, show_slug, guid)}/{NOTES_NAME}"
        published.append(
            PublishedEpisode(
                guid=guid,
                number=number[episode.id],
                title=notes.title,
                description_html=feed_notes_html(notes, notes_url),
                pub_date=first[episode.id],
                audio=folder / episode_files.AUDIO,
                duration=notes.duration,
                transcript_vtt=folder / episode_files.CAPTIONS_VTT,
                transcript_srt=folder / episode_files.CAPTIONS_SRT,
                chapters_json=folder / episode_files.CHAPTERS,
                notes_html=folder / episode_files.NOTES_HTML,
            )
        )
    return published


def write_feed(store: Store, settings: Settings, show_slug: str) -> Path:
    """Write the show's feed and files into the publish directory; return the feed's path."""
    show = settings.show(show_slug)
    episodes = feed_episodes(store, settings, show_slug)
    return publish(show_slug, show, episodes, settings.public_dir)
