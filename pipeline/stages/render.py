"""The render stage: the approved script said line by line, mastered into one episode MP3.

Also what decides how a line sounds (its spoken form, its voice after a re-render) and
where rendered audio is kept, which QA and editors' re-renders share.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from pipeline import episode_files
from pipeline.config import Host, Settings, Voice
from pipeline.models import Episode, Script
from pipeline.speech import fallback, normalize
from pipeline.speech.render import ClipJob, clip_key, clip_path, render_clip, render_clips
from pipeline.stages.base import StageEnv, StageResult
from pipeline.stages.loaders import approved_script
from pipeline.store import Store


class RenderInputs(BaseModel):
    """The approved script and everything that decides how it sounds."""

    script_version: int
    script: Script
    voices: dict[str, Voice]
    overrides: dict[str, Voice] = Field(default_factory=dict, description="line id → voice")
    lexicon: dict[str, str]
    show: str
    author: str
    date: str
    cover: str | None


def load(store: Store, episode: Episode, settings: Settings) -> RenderInputs:
    show = settings.show(episode.show)
    saved = approved_script(store, episode)
    return RenderInputs(
        script_version=saved.version,
        script=saved.script,
        voices={h.name: h.voice for h in show.hosts},
        overrides=episode_files.read_overrides(store.episode_dir(episode.id)),
        lexicon=show.lexicon,
        show=show.title,
        author=show.author,
        date=episode.created_at.date().isoformat(),
        cover=str(show.artwork) if show.artwork else None,
    )


def say_again(folder: Path, hosts: list[Host], script: Script, line_ids: list[str]) -> None:
    """Moves each of `line_ids` one step down its host's ladder of voices (never to
    another host's voice), for the next render."""
    by_name = {h.name: h for h in hosts}
    overrides = episode_files.read_overrides(folder)
    for line in script.lines:
        if line.id in line_ids:
            host = by_name[line.speaker]
            current = overrides.get(line.id, host.voice)
            overrides[line.id] = fallback.next_voice(host, current)
    episode_files.write_overrides(folder, overrides)


def spoken_lines(script: Script, lexicon: dict[str, str]) -> dict[str, str]:
    """Each line's spoken form: what the voice says and what QA expects to hear."""
    return {line.id: normalize.spoken(line.text, lexicon) for line in script.lines}


def clip_jobs(inputs: RenderInputs) -> list[ClipJob]:
    said = spoken_lines(inputs.script, inputs.lexicon)
    return [
        ClipJob(line.id, said[line.id], inputs.overrides.get(line.id, inputs.voices[line.speaker]))
        for line in inputs.script.lines
    ]


def run(inputs: RenderInputs, env: StageEnv) -> StageResult:
    # scipy and pyloudnorm take a second to import: only the stage that masters pays it.
    from pipeline.speech.assemble import EpisodeTags, assemble

    clips = render_clips(clip_jobs(inputs), clip_cache(env.settings), env.settings.render_workers)
    tags = EpisodeTags(
        title=inputs.script.title,
        show=inputs.show,
        artist=inputs.author,
        date=inputs.date,
        cover=Path(inputs.cover) if inputs.cover else None,
    )
    # The last render's mastering gain and host levels, and its mastered chunks: after an
    # edit of a line or two only the chunks around it are mastered and encoded again.
    # Kept out of the stage's inputs, so they never decide whether the stage runs again.
    hint = episode_files.MASTERING.read_if_present(env.folder) or episode_files.MasteringHint()
    done = assemble(
        inputs.script,
        {c.line_id: c.path for c in clips},
        env.folder / episode_files.AUDIO,
        tags,
        gain_hint=hint.gain_db,
        host_gains=hint.host_gains,
        cache=master_cache(env.folder),
    )
    mastered = episode_files.MasteringHint(gain_db=done.gain_db, host_gains=done.host_gains)
    files = [
        done.mp3,
        episode_files.TIMELINE.write(env.folder, done.timeline),
        episode_files.MASTERING.write(env.folder, mastered),
    ]
    summary = {
        "duration": round(done.timeline.duration, 2),
        "loudness_lufs": round(done.loudness, 2),
        "true_peak_dbtp": round(done.true_peak, 2),
        "clips": len(clips),
        "clips_rendered": sum(not c.cached for c in clips),
    }
    return StageResult(summary=summary, files=files)


def clip_cache(settings: Settings) -> Path:
    """Clips are shared by every episode: a line said the same way is rendered once."""
    return settings.data_root / "clips"


def master_cache(folder: Path) -> Path:
    """An episode's mastered chunks, kept for its next render (`assemble` prunes it to the
    chunks of the latest one); one folder an episode, as no two episodes share chunks."""
    return folder / episode_files.MASTER_CHUNKS


def clips_to_render(inputs: RenderInputs, settings: Settings) -> list[dict[str, Any]]:
    cache = clip_cache(settings)
    todo = {}
    for job in clip_jobs(inputs):
        key = clip_key(job)
        if not clip_path(cache, key).exists():
            todo[key] = {"line_id": job.line_id, "text": job.text, "voice": job.voice.model_dump()}
    return list(todo.values())


def render_one_clip(part: dict[str, Any], settings: Settings) -> None:
    job = ClipJob(part["line_id"], part["text"], Voice.model_validate(part["voice"]))
    render_clip(job, clip_cache(settings))
