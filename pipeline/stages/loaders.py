"""What several stages' loaders read from the store: the approved script, dismissed checks."""

from __future__ import annotations

from pipeline.errors import InfracastError
from pipeline.models import Episode, ScriptVersion
from pipeline.store import Store


def approved_script(store: Store, episode: Episode) -> ScriptVersion:
    """The script version approved for audio: what render says, QA hears and captions and
    notes show, never "the latest" (a version saved after approval is not reviewed)."""
    if episode.approved_version is None:
        raise InfracastError(
            f"episode {episode.id} has no approved script version: its script must be "
            "approved first"
        )
    return store.scripts.get(episode.id, episode.approved_version)


def dismissed_checks(store: Store, episode: Episode) -> list[str]:
    """The checks an editor marked a false alarm: nothing may say them."""
    return sorted(
        v.check_id for v in store.scripts.verdicts(episode.id) if v.verdict == "false_alarm"
    )
