"""The render stage: the approved script said line by line, mastered into one episode MP3.

Also what decides how a line sounds (its spoken form, its voice after a re-render) and
where rendered audio is kept, which QA and editors' re-renders share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from pipeline import caches, episode_files
from pipeline.config import Host, Settings, Voice
from pipeline.errors import ConflictError, InputError
from pipeline.models import Episode, Line, Script
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
    respellings: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="line id → {word as written: how the voice says it}"
    )
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
        respellings=episode_files.read_respellings(store.episode_dir(episode.id)),
        lexicon=show.lexicon,
        show=show.title,
        author=show.author,
        date=episode.created_at.date().isoformat(),
        cover=str(show.artwork) if show.artwork else None,
    )


FixKind = Literal["next", "slower", "voice", "respell"]
FIX_KINDS: tuple[FixKind, ...] = ("next", "slower", "voice", "respell")
MAX_RESPELLING = 100
# A respelling is said, not read: letters, spaces, hyphens and apostrophes only.
RESPELLING = re.compile(r"[^\W\d_]+(?:[ '’-]+[^\W\d_]+)*[’']?")
WORD = re.compile(r"[\w’'.-]{1,60}")


@dataclass(frozen=True)
class Fix:
    """How a re-rendered line is to sound different: `next`, one step down its host's
    ladder (what QA's automatic re-render does); `slower`, its voice 10% slower; `voice`,
    the host's next voice; `respell`, `word` of the line said as `said`."""

    kind: FixKind = "next"
    word: str = ""
    said: str = ""

    def describe(self) -> str:
        if self.kind == "respell":
            return f"“{self.word}” said as “{self.said}”"
        return {"next": "next voice step", "slower": "10% slower", "voice": "another voice"}[
            self.kind
        ]


def say_again(
    folder: Path, hosts: list[Host], script: Script, line_ids: list[str], fix: Fix = Fix()
) -> None:
    """Changes how each of `line_ids` is said at the next render, as `fix` says: by
    default one step down its host's ladder of voices (never to another host's voice).
    Nothing is written when any line cannot take the fix (InputError, ConflictError)."""
    by_name = {h.name: h for h in hosts}
    lines = [line for line in script.lines if line.id in line_ids]
    if fix.kind == "respell":
        if len(lines) != 1:
            raise InputError("a respelling is for one line at a time: name the line")
        respellings = episode_files.read_respellings(folder)
        words = respelt(lines[0], fix.word, fix.said)
        respellings[lines[0].id] = {**respellings.get(lines[0].id, {}), **words}
        episode_files.RESPELLINGS.write(folder, episode_files.Respellings(lines=respellings))
        return
    overrides = episode_files.read_overrides(folder)
    for line in lines:
        host = by_name[line.speaker]
        overrides[line.id] = _voice_after(fix.kind, host, overrides.get(line.id, host.voice), line)
    episode_files.write_overrides(folder, overrides)


def _voice_after(kind: FixKind, host: Host, current: Voice, line: Line) -> Voice:
    if kind == "slower":
        slowed = fallback.slower(host, current)
        if slowed is None:
            raise ConflictError(
                f"line {line.id} is already said as slowly as {host.name}'s voice goes "
                f"({current.speed:.0%} of normal): choose another fix"
            )
        return slowed
    if kind == "voice":
        other = fallback.other_voice(host, current)
        if other is None:
            raise InputError(f"{host.name} has one voice only: choose another fix for {line.id}")
        return other
    return fallback.next_voice(host, current)


def respelt(line: Line, word: str, said: str) -> dict[str, str]:
    """The respelling of `word` in `line`, as the lexicon entries the line is said with:
    each way the line writes the word (matched whatever its case) → `said`. Refused with
    a message an editor can act on when the word is not in the line or the respelling
    is not something a voice can say."""
    # Pasted from the line, a word may bring its punctuation along ("Okay,"): not part of it.
    word, said = word.strip().strip('.,;:!?"“”()[]'), " ".join(said.split())
    if not word:
        raise InputError("say which word of the line to respell")
    if not WORD.fullmatch(word):
        raise InputError(f"“{word[:60]}” is not one word: give a single word of the line")
    if not said:
        raise InputError(f"say how “{word}” should sound, e.g. “en-vidia” for “Nvidia”")
    if len(said) > MAX_RESPELLING:
        raise InputError(f"the respelling is {len(said)} characters; at most {MAX_RESPELLING}")
    if not RESPELLING.fullmatch(said):
        raise InputError(
            f"a respelling may use letters, spaces, hyphens and apostrophes only (not “{said}”)"
        )
    # Where the lexicon finds a term: a whole word, or its plural ("GPU" in "GPUs").
    found = re.finditer(rf"(?<![\w-]){re.escape(word)}(?=s?(?!\w))", line.text, re.IGNORECASE)
    words = dict.fromkeys(sorted({m.group() for m in found}), said)
    if not words:
        raise InputError(f"line {line.id} does not say “{word}”: give a word of the line")
    if normalize.spoken(line.text, words) == normalize.spoken(line.text):
        raise InputError(
            f"respelling “{word}” as “{said}” would not change what line {line.id} says "
            "(a word read as part of a number cannot be respelt)"
        )
    return words


def spoken_lines(script: Script, lexicon: dict[str, str]) -> dict[str, str]:
    """Each line's spoken form: what a listener should hear, and so what QA expects to
    hear. The one owner of what a line says; an editor's respellings do not change it."""
    return {line.id: normalize.spoken(line.text, lexicon) for line in script.lines}


def voiced_lines(
    script: Script, lexicon: dict[str, str], respellings: dict[str, dict[str, str]]
) -> dict[str, str]:
    """What each line's voice is given to say: its spoken form, with the words an editor
    respelt for that line said their way (a lexicon of the line's own, over the show's)."""
    said = spoken_lines(script, lexicon)
    for line in script.lines:
        if respellings.get(line.id):
            said[line.id] = normalize.spoken(line.text, {**lexicon, **respellings[line.id]})
    return said


def clip_jobs(inputs: RenderInputs) -> list[ClipJob]:
    said = voiced_lines(inputs.script, inputs.lexicon, inputs.respellings)
    return [
        ClipJob(line.id, said[line.id], inputs.overrides.get(line.id, inputs.voices[line.speaker]))
        for line in inputs.script.lines
    ]


def run(inputs: RenderInputs, env: StageEnv) -> StageResult:
    # scipy and pyloudnorm take a second to import: only the stage that masters pays it.
    from pipeline.speech.assemble import EpisodeTags, assemble

    clips = render_clips(
        clip_jobs(inputs), clip_cache(env.settings), env.settings.render_workers, env.progress
    )
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
    # Every clip this episode says was marked used just now: the clips (and LLM segments)
    # no episode has used for `cache_days` go, once a day.
    caches.prune_when_due(env.settings.data_root, env.settings.cache_days)
    mastered = episode_files.MasteringHint(gain_db=done.gain_db, host_gains=done.host_gains)
    files = [
        done.mp3,
        episode_files.TIMELINE.write(env.folder, done.timeline),
        episode_files.MASTERING.write(env.folder, mastered),
    ]
    if done.peaks is not None:
        files.append(episode_files.PEAKS.write(env.folder, done.peaks))
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
    return settings.data_root / caches.CLIPS


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
