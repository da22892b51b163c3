"""Reading the model's answer leniently before it is judged, and the repair request
that names what is still wrong.

JSON in a code fence or with prose around it, lines nested in their segments or flat,
speaker names in any case, missing figure ids computed by the audit, long lines split
at sentence ends. What is still wrong (no lines, a speaker who is not a host, a number
the ledger does not hold) is a `Rejection`, sent back in a repair request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pipeline.figures.audit import audit, untraced
from pipeline.figures.display import value_text
from pipeline.figures.models import Figure, Ledger
from pipeline.models import Line
from pipeline.script.llm_outline import unique
from pipeline.script.llm_prompt import SegmentJob, example_answer, figures_of, paragraphs_of
from pipeline.script.llm_server import Message
from pipeline.script.quality import MAX_LINE_WORDS, SENTENCE_END

MAX_DETAILS = 12  # problems listed in one repair request; more would drown the segment


@dataclass(frozen=True)
class Rejection:
    """What is still wrong with an answer once it has been read leniently."""

    problem: str  # completes "the answer …"
    details: list[str] = field(default_factory=list)

    def summary(self) -> str:
        shown = "; ".join(self.details[:3])
        return self.problem + (f" ({shown})" if shown else "")


SPEAKER_KEYS = ("speaker", "host", "name")


TEXT_KEYS = ("text", "line", "content", "says")


LIST_KEYS = ("lines", "dialogue", "turns", "conversation", "script")


def read_answer(
    content: str, job: SegmentJob, *, truncated: bool = False
) -> list[Line] | Rejection:
    """The segment's lines from a model's answer, or what keeps them from being usable.

    Accepted as written: JSON alone, in a ```json fence or with prose around it; a flat
    "lines" list (any "segment" index in it is ignored) or lines nested in "segments";
    speaker names in any case. Fixed in code: unknown figure and paragraph ids are dropped,
    the figures a line states are added from the audit, a line over MAX_LINE_WORDS is split
    at sentence ends. Then every number must trace to the ledger.
    """
    found = _json_in(content, salvage=not truncated)
    if found is None and truncated:
        return Rejection(
            "was cut off at the server's length limit before its JSON ended",
            [f"write at most {len(job.segment.fallback) + 1} short lines"],
        )
    if found is None:
        return Rejection("was not JSON", [_json_error(content)])
    raw = _raw_lines(found)
    if raw is None:
        keys = ", ".join(found) if isinstance(found, dict) else type(found).__name__
        return Rejection(
            "had no list of lines", [f'expected {{"lines": [...]}} at the top level; found {keys}']
        )
    if not raw:
        return Rejection("had no lines", ['"lines" was empty'])
    lines, origins, problems = _lines(raw, job)
    if problems:
        return Rejection("broke the rules", problems[:MAX_DETAILS])
    if findings := untraced(audit(lines, job.ledger)):
        texts = {line.id: line for line in lines}
        article = " ".join(text for _, text in paragraphs_of(job)).casefold()
        details = [
            f"lines[{origins[f.line_id]}].text ({_where(texts[f.line_id])}): "
            f"{f.text!r} matches no figure you were given"
            + (
                " (the article says it, but it is not a figure: say it without the number)"
                if f.text.casefold() in article
                else ""
            )
            for f in findings
        ]
        return Rejection(f"had {counted(len(findings), 'untraced number')}", details[:MAX_DETAILS])
    return lines


def _json_in(content: str, salvage: bool = True) -> Any:
    """The JSON in `content`: the whole answer, a fenced block, or (with `salvage`) the
    first object or array amid prose that holds lines. None when there is none: a piece
    of a broken answer (one line of a list cut short) is not an answer."""
    text = content.strip()
    candidates = [text, *re.findall(r"```[a-zA-Z]*\s*(.*?)```", text, re.DOTALL)]
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except ValueError:
            pass
    decoder = json.JSONDecoder()
    for match in re.finditer(r"[{\[]", text) if salvage else ():
        try:
            found, _ = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if _raw_lines(found):
            return found
    return None


def _json_error(content: str) -> str:
    text = content.strip()
    start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=0)
    try:
        json.loads(text[start:])
    except ValueError as e:
        return str(e)
    return "no JSON object found"


def _raw_lines(found: Any) -> list[Any] | None:
    """The answer's lines, flat or nested in segments; None when it has no such list."""
    if isinstance(found, list):
        if found and all(isinstance(s, dict) and _list_in(s) is not None for s in found):
            return [line for s in found for line in _list_in(s) or []]
        return found
    if not isinstance(found, dict):
        return None
    if (lines := _list_in(found)) is not None:
        return lines
    for key in ("segments", "segment"):
        nested = found.get(key)
        if isinstance(nested, dict):
            nested = [nested]
        if (
            isinstance(nested, list)
            and nested
            and all(isinstance(s, dict) and _list_in(s) is not None for s in nested)
        ):
            return [line for s in nested for line in _list_in(s) or []]
    return None


def _list_in(found: dict[str, Any]) -> list[Any] | None:
    for key in LIST_KEYS:
        if isinstance(found.get(key), list):
            value: list[Any] = found[key]
            return value
    return None


def _lines(raw: list[Any], job: SegmentJob) -> tuple[list[Line], dict[str, int], list[str]]:
    """The lines read from `raw`, where each came from (line id → index in `raw`), and the
    problems code cannot fix."""
    hosts = {h.name.casefold(): h.name for h in job.options.hosts}
    names = " or ".join(repr(h.name) for h in job.options.hosts)
    figures = {f.id: f for f in job.ledger.figures}
    paragraphs = {p.id for p in job.article.paragraphs}
    lines: list[Line] = []
    origins: dict[str, int] = {}
    problems: list[str] = []
    for n, item in enumerate(raw):
        where = f"lines[{n}]"
        if not isinstance(item, dict):
            problems.append(
                f"{where}: a line is an object with speaker and text, not {json.dumps(item)[:60]}"
            )
            continue
        said, text = _first(item, SPEAKER_KEYS), _first(item, TEXT_KEYS)
        if not said:
            problems.append(f"{where}.speaker: missing; it is {names}")
        if not text:
            problems.append(f"{where}.text: missing or empty")
        if not said or not text:
            continue
        speaker = hosts.get(" ".join(said.strip(" :").split()).casefold())
        if speaker is None:
            problems.append(f"{where}.speaker: {said!r} is not {names}")
            continue
        text = re.sub(rf"^\s*{re.escape(speaker)}\s*:\s*", "", text, flags=re.IGNORECASE)
        chunks = list(_split(text))
        if long := [c for c in chunks if len(c.split()) > MAX_LINE_WORDS]:
            problems.append(
                f"{where}.text: a sentence of {len(long[0].split())} words; "
                f"the most is {MAX_LINE_WORDS}"
            )
            continue
        given = [f for f in _strings(item.get("figures")) if f in figures]
        given_paragraphs = [p for p in _strings(item.get("paragraphs")) if p in paragraphs]
        for chunk, cited in zip(chunks, _citations(chunks, given, job.ledger), strict=True):
            line = Line(
                id=f"l{len(lines) + 1}",
                speaker=speaker,
                text=chunk,
                move="question" if chunk.endswith("?") else "point",
                figures=cited,
                paragraphs=given_paragraphs
                or unique(p for f in cited for p in _sources(figures[f], figures)),
            )
            lines.append(line)
            origins[line.id] = n
    return lines, origins, problems


def _citations(chunks: list[str], given: list[str], ledger: Ledger) -> list[list[str]]:
    """The figures each piece of a line cites: those the audit finds it stating, and the ids
    the model gave (on the piece that states them; those none states, on the first)."""
    stated = [
        [f.figure_id for f in audit([Line(id="x", speaker="", text=c)], ledger) if f.figure_id]
        for c in chunks
    ]
    said = {f for ids in stated for f in ids}
    unsaid = [f for f in given if f not in said]
    return [
        unique([*(unsaid if i == 0 else []), *[f for f in given if f in ids], *ids])
        for i, ids in enumerate(stated)
    ]


def _first(item: dict[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        if isinstance(item.get(key), str) and item[key].strip():
            return str(item[key]).strip()
    return ""


def _split(text: str) -> Iterator[str]:
    """`text` in pieces of at most MAX_LINE_WORDS words, cut at sentence ends."""
    piece: list[str] = []
    for sentence in SENTENCE_END.split(text.strip()):
        if piece and len(" ".join([*piece, sentence]).split()) > MAX_LINE_WORDS:
            yield " ".join(piece)
            piece = []
        piece.append(sentence)
    if piece:
        yield " ".join(piece)


def _sources(figure: Figure, figures: dict[str, Figure], depth: int = 3) -> list[str]:
    """The paragraphs a figure comes from: its own, or its inputs' for a computed one."""
    if figure.paragraph_id:
        return [figure.paragraph_id]
    if depth == 0:
        return []
    return [
        p for i in figure.inputs if i in figures for p in _sources(figures[i], figures, depth - 1)
    ]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def _where(line: Line) -> str:
    text = line.text if len(line.text) <= 80 else line.text[:79] + "…"
    return f'{line.speaker}: "{text}"'


def repair_request(rejection: Rejection, job: SegmentJob) -> Message:
    listed = "\n".join(f"- {d}" for d in rejection.details)
    figures = [f.id for f in figures_of(job)]
    advice = ""
    if rejection.problem.startswith("had") and "untraced" in rejection.problem:
        advice = (
            "Say one of the figures you were given instead ("
            + ", ".join(f"{f.id} {value_text(f)}" for f in figures_of(job)[:8])
            + "), or make the point "
            "without the number.\n"
        )
    return {
        "role": "user",
        "content": f'Your answer for the segment "{job.segment.title}" {rejection.problem}:'
        f"\n{listed}\n{advice}Answer again with the whole segment as one JSON "
        f"object and nothing else, shaped like this example:\n"
        f"{example_answer(job.options, figures, job.segment.paragraphs)}",
    }


def counted(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"
