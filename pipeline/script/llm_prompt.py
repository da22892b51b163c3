"""What the "llm" writer asks: one segment to write (`SegmentJob`), its system and user
prompts, and the JSON schema of the answer.

The system prompt gives the hosts' roles and an example of the answer's shape; the
segment's prompt gives its paragraphs and figures (each with its ledger id and the
checks over it), the previous segment's last line and a word target. The job's key,
over the prompt and the server's settings, is its cache key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from pipeline.errors import ConfigError
from pipeline.figures.display import value_text
from pipeline.figures.models import Figure, Ledger
from pipeline.models import Article
from pipeline.script import LLMOptions, WriterOptions
from pipeline.script.llm_outline import Outline, SegmentPlan
from pipeline.script.llm_server import Message
from pipeline.script.quality import MAX_LINE_WORDS

VERSION = "2"  # of the prompt and the reading rules: part of each segment's cache key


SERVERS = ("openai", "vllm", "ollama", "llamacpp", "plain")


def llm_options(options: WriterOptions) -> LLMOptions:
    llm = options.llm
    if llm is None:
        raise ConfigError(
            "the llm writer needs an OpenAI-compatible endpoint: set INFRACAST_LLM_BASE_URL "
            "(e.g. http://127.0.0.1:8000/v1), INFRACAST_LLM_MODEL and, if the endpoint "
            "wants one, INFRACAST_LLM_API_KEY"
        )
    if not llm.base_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"INFRACAST_LLM_BASE_URL {llm.base_url!r} is not an http(s) URL; "
            "give one like http://127.0.0.1:8000/v1"
        )
    if llm.server not in SERVERS:
        raise ConfigError(
            f"unknown INFRACAST_LLM_SERVER {llm.server!r}; servers: {', '.join(SERVERS)}"
        )
    return llm


@dataclass
class SegmentJob:
    """One segment to write, with everything its prompt and its review need."""

    article: Article
    ledger: Ledger
    options: WriterOptions
    plan: Outline
    index: int

    @property
    def segment(self) -> SegmentPlan:
        return self.plan.segments[self.index]

    def messages(self) -> list[Message]:
        return [
            {"role": "system", "content": _system_prompt(self.options)},
            {"role": "user", "content": _segment_prompt(self)},
        ]

    def key(self) -> str:
        llm = llm_options(self.options)
        said = json.dumps([VERSION, llm.server, llm.model, llm.max_repairs, self.messages()])
        return hashlib.sha256(said.encode()).hexdigest()


SYSTEM = """\
You write one segment at a time of {show}, a podcast where two hosts talk through one \
article about AI and data-centre infrastructure. {lead} {lead_role}. {cohost} {cohost_role}.
Rules:
1. Say only numbers from the figures you are given, as their values show them or rounded \
the way people speak ("about 770 racks"). Years you are given are fine. Never invent, \
compute or convert a number yourself; even small ones such as "two" or "a dozen" count, and \
so do numbers in the article's sentences that are not in the figures ("two decades").
2. In each line, list the ids of the figures it says in "figures" and the ids of the \
paragraphs it draws on in "paragraphs".
3. Write for the ear: short sentences, contractions, no Markdown, no URLs, no parentheses, \
abbreviations spelled out on first use.
4. No line over {max_words} words. Let the hosts take turns.
5. Never say that the article's figures are wrong, off or do not add up, except for a \
check listed under MISMATCHES; a check listed under AGREEMENTS may be said to check out.
6. Answer with one JSON object and nothing else, shaped like this:
{example}
where "speaker" is exactly "{lead}" or "{cohost}"."""


def _system_prompt(options: WriterOptions) -> str:
    lead, cohost = options.hosts
    return SYSTEM.format(
        show=options.show_title,
        lead=lead.name,
        lead_role=lead.role,
        cohost=cohost.name,
        cohost_role=cohost.role,
        max_words=MAX_LINE_WORDS,
        example=example_answer(options, ["f1"], ["p1"]),
    )


def example_answer(options: WriterOptions, figures: list[str], paragraphs: list[str]) -> str:
    lead, cohost = options.hosts
    return json.dumps(
        {
            "lines": [
                {
                    "speaker": lead.name,
                    "text": "…",
                    "figures": figures[:1],
                    "paragraphs": paragraphs[:1],
                },
                {"speaker": cohost.name, "text": "…", "figures": [], "paragraphs": paragraphs[:1]},
            ]
        },
        ensure_ascii=False,
    )


def _segment_prompt(job: SegmentJob) -> str:
    segment, segments = job.segment, job.plan.segments
    words = max(segment.words, 30)
    parts = [
        f"Write segment {segment.index + 1} of {len(segments)} of the episode "
        f'"{job.plan.title}": "{segment.title}".'
    ]
    if segment.index == 0:
        parts.append("It opens the episode: greet the listeners and say what the article is about.")
    else:
        before = segments[segment.index - 1]
        last = before.fallback[-1] if before.fallback else None
        parts.append(
            f'It follows the segment "{before.title}"'
            + (f', which ends with {last.speaker}: "{last.text}"' if last else "")
            + ". Do not greet the listeners again."
        )
    if segment.index == len(segments) - 1:
        parts.append("It closes the episode: sum up and say goodbye.")
    else:
        parts.append(f'The segment after it is "{segments[segment.index + 1].title}".')
    first = segment.fallback[0].speaker if segment.fallback else job.options.hosts[0].name
    parts.append(
        f"Write about {words} words in {_lines_wanted(segment)} lines, starting with "
        f"{first}; the hosts take turns."
    )
    if segment.moves:
        parts.append("The planner's moves for it: " + ", ".join(segment.moves) + ".")
    paragraphs = paragraphs_of(job)
    if paragraphs:
        parts.append("ARTICLE PARAGRAPHS it draws on:")
        parts.extend(f"[{p_id}] {text}" for p_id, text in paragraphs)
    figures = figures_of(job)
    if figures:
        parts.append("FIGURES it may say (id: value, what it measures):")
        parts.extend(_ledger_entry(f) for f in figures)
    parts.extend(_checks(job.ledger, {f.id for f in figures}))
    if job.ledger.years:
        parts.append("Years you may say: " + ", ".join(str(y) for y in job.ledger.years))
    return "\n".join(parts)


def _lines_wanted(segment: SegmentPlan) -> str:
    n = max(2, len(segment.fallback))
    return f"{max(2, n - 1)} to {n + 1}"


def paragraphs_of(job: SegmentJob) -> list[tuple[str, str]]:
    by_id = {p.id: p.text for p in job.article.paragraphs}
    return [(p, by_id[p]) for p in job.segment.paragraphs if p in by_id]


def figures_of(job: SegmentJob) -> list[Figure]:
    """The planner's figures for the segment, those its paragraphs state, and the computed
    figures built only from these."""
    chosen = set(job.segment.figures)
    paragraphs = set(job.segment.paragraphs)
    chosen |= {f.id for f in job.ledger.figures if f.paragraph_id in paragraphs}
    chosen |= {f.id for f in job.ledger.figures if f.inputs and set(f.inputs) <= chosen}
    return [f for f in job.ledger.figures if f.id in chosen]


def _ledger_entry(figure: Figure) -> str:
    entry = f"{figure.id}: {value_text(figure)}, {figure.subject or figure.kind}"
    if figure.period:
        entry += f" ({figure.period})"
    return entry + (f"; computed as {figure.formula}" if figure.formula else "")


def _checks(ledger: Ledger, figures: set[str]) -> list[str]:
    """The consistency checks the segment may say: agreements, and disagreements only at
    alarm confidence (a low-confidence one probably paired figures that do not belong
    together, and a false alarm said aloud is worse than none)."""
    mine = [c for c in ledger.checks if {c.stated_id, c.computed_id} & figures]
    agreements = [c for c in mine if c.agrees]
    mismatches = [c for c in mine if c.alarm]
    parts = []
    if agreements:
        parts.append("AGREEMENTS (the article's figure matches its own arithmetic):")
        parts.extend(f"{c.stated_id} = {c.computed_id}: {c.note}" for c in agreements)
    if mismatches:
        parts.append("MISMATCHES (the article's figure does not match its own arithmetic):")
        parts.extend(f"{c.stated_id} ≠ {c.computed_id}: {c.note}" for c in mismatches)
    return parts


def answer_schema(options: WriterOptions) -> dict[str, Any]:
    """A segment's JSON schema, in the strict subset that structured-output endpoints accept."""
    text, strings = {"type": "string"}, {"type": "array", "items": {"type": "string"}}
    line = _object(
        speaker={"type": "string", "enum": [h.name for h in options.hosts]},
        text=text,
        figures=strings,
        paragraphs=strings,
    )
    return _object(lines={"type": "array", "items": line})


def _object(**properties: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
