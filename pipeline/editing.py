"""Editors' changes to a script: turns in, a checked new version out.

The review page and the API both send the whole list of turns (speaker and
text, with the id of the line each came from, or none for a new turn) and the
version they started from. A save based on an older version than the newest
is refused (ConflictError), never merged or overwritten. Script edits are
untrusted input: sizes are limited here and the text is escaped wherever it
is shown.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline.episode_files import LEDGER
from pipeline.errors import ConflictError, InputError
from pipeline.figures.audit import audit
from pipeline.figures.models import AuditFinding, Check, Ledger
from pipeline.models import EpisodeState, Line, Script, ScriptVersion
from pipeline.store import Store

MAX_TURNS = 1000
MAX_TURN_CHARS = 2000
MAX_COMMENT_CHARS = 2000
EDITABLE = (EpisodeState.SCRIPTED, EpisodeState.IN_REVIEW)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Turn(BaseModel):
    """One turn as an editor sends it."""

    model_config = ConfigDict(extra="forbid", strict=True)

    id: str | None = Field(None, max_length=20, description="the line it edits; null for new")
    speaker: str = Field(max_length=100)
    text: str = Field(max_length=MAX_TURN_CHARS)


class ScriptEdit(BaseModel):
    """A whole script as edited, and the version the editor started from."""

    model_config = ConfigDict(extra="forbid", strict=True)

    base_version: int = Field(ge=1)
    turns: list[Turn] = Field(min_length=1, max_length=MAX_TURNS)
    comment: str = Field("", max_length=MAX_COMMENT_CHARS)


def apply_edit(base: Script, turns: list[Turn]) -> Script:
    """The script with `turns` as its lines: ids kept for edited lines, new ids for new
    ones, each new turn in the segment of the turn before it."""
    if not turns:
        raise InputError("a script needs at least one turn")
    if len(turns) > MAX_TURNS:
        raise InputError(f"a script has at most {MAX_TURNS} turns")
    known = {line.id: line for line in base.lines}
    next_id = 1 + max((_number(i) for i in known), default=0)
    seen: set[str] = set()
    lines: list[Line] = []
    segment = 0
    for n, turn in enumerate(turns, 1):
        text = clean_text(turn.text)
        if not text:
            raise InputError(f"turn {n} is empty: write something or delete the turn")
        if len(text) > MAX_TURN_CHARS:
            raise InputError(f"turn {n} is longer than {MAX_TURN_CHARS} characters")
        if turn.speaker not in base.hosts:
            raise InputError(f"turn {n}: the speaker must be one of {', '.join(base.hosts)}")
        old = known.get(turn.id or "")
        if turn.id is not None and old is None:
            raise InputError(f"turn {n} edits line {turn.id!r}, which the script does not have")
        if old is not None and old.id in seen:
            raise InputError(f"turn {n}: line {old.id!r} appears twice")
        if old is None:
            line = Line(id=f"l{next_id}", speaker=turn.speaker, text=text, segment=segment)
            next_id += 1
        else:
            seen.add(old.id)
            segment = max(segment, old.segment)
            changed = old.text != text
            line = old.model_copy(
                update={
                    "speaker": turn.speaker,
                    "text": text,
                    "segment": segment,
                    # A rewritten line no longer cites what the writer cited.
                    "figures": [] if changed else old.figures,
                }
            )
        lines.append(line)
    return base.model_copy(update={"lines": lines})


def clean_text(text: str) -> str:
    """Control characters out (PostgreSQL refuses NUL), whitespace runs to one space."""
    return " ".join(_CONTROL.sub(" ", text).split())


def _number(line_id: str) -> int:
    digits = line_id.lstrip("l")
    return int(digits) if digits.isdigit() else 0


def save_edit(store: Store, episode_id: int, edit: ScriptEdit, author: str) -> ScriptVersion:
    """Check and save an edited script as a new version, its numbers audited against the
    episode's ledger; refuse a stale base version."""
    episode = store.episode(episode_id)
    if episode.state not in EDITABLE:
        raise ConflictError(
            f"episode {episode_id} is {episode.state.value}: scripts can be edited while they "
            "are scripted or in review"
        )
    current = store.scripts.get(episode_id)
    if edit.base_version != current.version:
        raise ConflictError(
            f"{current.author} saved version {current.version} after the version "
            f"{edit.base_version} you started from; reload to see their changes, then "
            "make yours again"
        )
    script = apply_edit(current.script, edit.turns)
    findings = audit(script.lines, episode_ledger(store, episode_id))
    return store.scripts.save(
        episode_id,
        script,
        findings,
        author=author,
        comment=clean_text(edit.comment),
        base_version=edit.base_version,
        states=EDITABLE,  # checked again with the save: an approval may have come since
    )


def episode_ledger(store: Store, episode_id: int) -> Ledger:
    """The figures ledger the episode's script was written from (and is audited against)."""
    ledger = LEDGER.read_if_present(store.episode_dir(episode_id))
    if ledger is None:
        raise ConflictError(
            f"episode {episode_id} has no figures ledger, so its numbers cannot be checked: "
            "retry its script stage"
        )
    return ledger


def voicing(version: ScriptVersion, check: Check) -> list[str]:
    """The lines of a script version that say a consistency check: each cites or says
    both the figure the article states and the computation it is checked against."""
    said: dict[str, set[str]] = {}
    for f in version.findings:
        if f.figure_id is not None:
            said.setdefault(f.line_id, set()).add(f.figure_id)
    both = {check.stated_id, check.computed_id}
    return [
        line.id
        for line in version.script.lines
        if both <= set(line.figures) | said.get(line.id, set())
    ]


def without_lines(
    store: Store,
    episode_id: int,
    base: ScriptVersion,
    line_ids: list[str],
    author: str,
    comment: str,
) -> ScriptVersion:
    """Save `base` less some of its lines as a new version, by the rules of any edit."""
    turns = [
        Turn(id=line.id, speaker=line.speaker, text=line.text)
        for line in base.script.lines
        if line.id not in line_ids
    ]
    if not turns:
        raise ConflictError(
            f"leaving out {', '.join(line_ids)} would leave episode {episode_id} without a "
            "script: edit the script instead"
        )
    edit = ScriptEdit(base_version=base.version, turns=turns, comment=comment[:MAX_COMMENT_CHARS])
    return save_edit(store, episode_id, edit, author)


# --- showing numbers in a line, and differences between versions --------------------------


@dataclass(frozen=True)
class Span:
    """A piece of a line's text; `figure_id` / `untraced` mark a number said in it."""

    text: str
    figure_id: str | None = None
    untraced: bool = False


def spans(text: str, findings: list[AuditFinding]) -> list[Span]:
    """The line cut at the numbers the audit found, so a page can highlight them."""
    out: list[Span] = []
    at = 0
    for f in sorted(findings, key=lambda f: f.start):
        if f.start < at or f.end > len(text):
            continue
        if f.start > at:
            out.append(Span(text[at : f.start]))
        out.append(Span(text[f.start : f.end], f.figure_id, f.status == "untraced"))
        at = f.end
    if at < len(text):
        out.append(Span(text[at:]))
    return out


@dataclass(frozen=True)
class DiffRow:
    """One row of a two-version diff: a turn kept, removed, added or changed."""

    kind: Literal["same", "removed", "added", "changed"]
    old: str | None
    new: str | None
    words: list[tuple[Literal["same", "removed", "added"], str]]


def diff(old: Script, new: Script) -> list[DiffRow]:
    """Turn by turn ("Speaker: text"), with word-level changes inside changed turns."""
    a = [f"{line.speaker}: {line.text}" for line in old.lines]
    b = [f"{line.speaker}: {line.text}" for line in new.lines]
    rows: list[DiffRow] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            rows.extend(DiffRow("same", x, x, [("same", x)]) for x in a[i1:i2])
            continue
        olds, news = a[i1:i2], b[j1:j2]
        for k in range(max(len(olds), len(news))):
            before = olds[k] if k < len(olds) else None
            after = news[k] if k < len(news) else None
            if before is not None and after is not None:
                rows.append(DiffRow("changed", before, after, _word_diff(before, after)))
            elif before is not None:
                rows.append(DiffRow("removed", before, None, [("removed", before)]))
            elif after is not None:
                rows.append(DiffRow("added", None, after, [("added", after)]))
    return rows


def _word_diff(before: str, after: str) -> list[tuple[Literal["same", "removed", "added"], str]]:
    a, b = before.split(), after.split()
    out: list[tuple[Literal["same", "removed", "added"], str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("same", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("removed", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(("added", " ".join(b[j1:j2])))
    return out
