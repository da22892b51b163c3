"""An episode's folder: the name of every file in it, and how each is read and written.

Stages write these files, the web pages, the CLI, the feed and editor actions read them;
each name is defined here once. Structured files have a typed reader and writer
(`JsonFile`), and every write is atomic (pipeline.atomic_files), so a page never reads a
file a worker is halfway through writing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from pipeline.annotate import Annotations
from pipeline.atomic_files import write_text
from pipeline.config import Voice
from pipeline.errors import InfracastError
from pipeline.figures.models import Ledger
from pipeline.models import Article, QAReport, Script, Timeline, Word
from pipeline.speech.peaks import Peaks

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class JsonFile(Generic[M]):
    """One JSON file of the folder and the model it holds."""

    name: str
    model: type[M]

    def path(self, folder: Path) -> Path:
        return folder / self.name

    def exists(self, folder: Path) -> bool:
        return self.path(folder).is_file()

    def read(self, folder: Path) -> M:
        """The file's content; a missing file is the stage that writes it not having run."""
        path = self.path(folder)
        if not path.is_file():
            raise InfracastError(f"{path} is missing; retry the stage that writes it")
        return self.model.model_validate_json(path.read_text(encoding="utf-8"))

    def read_if_present(self, folder: Path) -> M | None:
        """The file's content, or None before the stage that writes it has run."""
        return self.read(folder) if self.exists(folder) else None

    def write(self, folder: Path, value: M) -> Path:
        return write_text(self.path(folder), value.model_dump_json(indent=2))


class Words(BaseModel):
    """What the recogniser heard, word by word in episode time (words.json)."""

    words: list[Word]


class PublishDecision(BaseModel):
    """What an editor decided about publishing (publishing.json); absent means "if QA passes"."""

    hold: bool = False
    allow_failed_qa: bool = False
    by: str = ""


class Respellings(BaseModel):
    """How the voice is to say some words of some lines (respellings.json), by line id:
    {"l3": {"Nvidia": "en-vidia"}}. Only the text given to the voice changes; QA still
    expects the line's normal spoken form, what a listener should hear."""

    lines: dict[str, dict[str, str]] = {}


class MasteringHint(BaseModel):
    """The last render's mastering gain and host levels (mastering.json): hints that let
    the next render master only the chunks around an edit."""

    gain_db: float | None = None
    host_gains: dict[str, float] | None = None


# -- written by the stages, in the order they run --------------------------------------------

ARTICLE = JsonFile("article.json", Article)  # ingest
LEDGER = JsonFile("ledger.json", Ledger)  # script: the figures the script was written from
SCRIPT = JsonFile("script.json", Script)  # script: as the writer wrote it, before any edit
AUDIO = "episode.mp3"  # render
TIMELINE = JsonFile("timeline.json", Timeline)  # render: where each line is in the audio
MASTERING = JsonFile("mastering.json", MasteringHint)  # render, for the next render
MASTER_CHUNKS = "master-chunks"  # render: a folder of mastered chunks, for the next render
PEAKS = JsonFile("peaks.json", Peaks)  # render: the waveform the listen view draws
WORDS = JsonFile("words.json", Words)  # transcribe
QA = JsonFile("qa.json", QAReport)  # transcribe
QA_RECHECKS = "qa_rechecks.json"  # transcribe: both hearings of each re-checked line
CAPTIONS_VTT = "captions.vtt"  # transcribe
CAPTIONS_SRT = "captions.srt"  # transcribe
ANNOTATIONS = JsonFile("annotations.json", Annotations)  # annotate
NOTES_MD = "notes.md"  # annotate
NOTES_HTML = "notes.html"  # annotate
CHAPTERS = "chapters.json"  # annotate: Podcasting 2.0 chapters, as published

# -- written by editors' actions -------------------------------------------------------------

OVERRIDES = "overrides.json"  # the voice each re-rendered line is said with, by line id
PUBLISHING = JsonFile("publishing.json", PublishDecision)
RESPELLINGS = JsonFile("respellings.json", Respellings)  # words of a line said another way


def read_overrides(folder: Path) -> dict[str, Voice]:
    """The voice each re-rendered line is said with, by line id (none before a re-render)."""
    path = folder / OVERRIDES
    if not path.is_file():
        return {}
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {line_id: Voice.model_validate(voice) for line_id, voice in raw.items()}


def read_respellings(folder: Path) -> dict[str, dict[str, str]]:
    """Each respelt line's words and how to say them (none before an editor respells one)."""
    found = RESPELLINGS.read_if_present(folder)
    return found.lines if found is not None else {}


def write_overrides(folder: Path, overrides: dict[str, Voice]) -> Path:
    raw = {line_id: voice.model_dump() for line_id, voice in overrides.items()}
    return write_text(folder / OVERRIDES, json.dumps(raw, indent=2))


def read_publish_decision(folder: Path) -> PublishDecision:
    """The editor's decision, or the default (publish if QA passes) when there is none."""
    return PUBLISHING.read_if_present(folder) or PublishDecision()


def write_qa_rechecks(folder: Path, rechecks: list[dict[str, Any]]) -> Path:
    text = json.dumps({"rechecks": rechecks}, indent=2) + "\n"
    return write_text(folder / QA_RECHECKS, text)
