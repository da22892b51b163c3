"""The "llm" writer: a chat model writes the dialogue, one segment a request.

Enter at `write(article, ledger, options)`. The offline planner
(`pipeline.script.extractive`) makes the outline: its segments, the figures and
paragraphs each draws on, the moves it makes and its word count. Each segment
is then one conversation with the model (several at once, `LLMOptions.parallel`;
in distributed mode one Celery task a segment, see `unwritten_segments` and
`write_one_segment`): the segment's paragraphs and figures, the previous
segment's last line for continuity, the hosts' roles and a word target.

An answer is read leniently before it is judged (`read_answer`): JSON in a
code fence or with prose around it, lines nested in their segments or flat,
speaker names in any case, missing figure ids computed by the audit, long
lines split at sentence ends. What is still wrong (no lines, a speaker who is
not a host, a number the ledger does not hold) goes back to the model in a
repair request naming each problem and showing the expected shape, at most
`max_repairs` times a segment; an identical answer ends the repairs early.
A segment the model could not write is the planner's, and the script's notes
say so and why.

Servers (`LLMOptions.server`), each sent structured output in its documented form:

- "openai": POST {base}/chat/completions with `response_format` {"type":
  "json_schema", "json_schema": {"name", "strict": true, "schema"}} (OpenAI API
  reference, Structured Outputs). Endpoints that refuse json_schema with a 400
  are asked again without it. The default: the field is the de-facto standard,
  honoured by vLLM, llama.cpp's server, LM Studio and Ollama's /v1, and ignored
  by most servers that do not know it.
- "vllm": OpenAI-compatible, with `structured_outputs` {"json": schema}
  (docs.vllm.ai, features/structured_outputs: `guided_json` was removed in
  v0.12.0 in favour of it). For a vLLM older than 0.10.2, use "openai".
- "ollama": the native POST {root}/api/chat with `format` = the JSON schema and
  `stream`: false; the answer is {"message": {"role", "content"}, "done": true,
  "done_reason"} (Ollama API docs, "Generate a chat completion", structured
  outputs). The native endpoint is the one whose `format` takes a schema.
- "llamacpp": llama.cpp's server, POST {base}/chat/completions with
  `response_format` {"type": "json_object", "schema": …} (tools/server/README.md,
  the shape it has supported longest).
- "plain": chat completions with no structured-output field at all.

Where the parts live: the outline in `script.llm_outline`, a segment's job, prompts
and answer schema in `script.llm_prompt`, the HTTP side in `script.llm_server`,
reading answers and asking for repairs in `script.llm_answer`; this module writes
the segments and puts the script together.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal

import httpx
from pydantic import BaseModel

from pipeline import caches
from pipeline.atomic_files import write_text
from pipeline.errors import TransientError
from pipeline.figures.models import Ledger
from pipeline.models import Article, Line, Script, Segment
from pipeline.script import WriterOptions
from pipeline.script.llm_answer import counted, read_answer, repair_request
from pipeline.script.llm_outline import Outline, outline
from pipeline.script.llm_prompt import SegmentJob, answer_schema, llm_options
from pipeline.script.llm_server import TRIES, Endpoint

LENGTH_TOLERANCE = 0.15


class SegmentResult(BaseModel):
    """A written segment: the model's lines, or the planner's with the reason."""

    index: int
    lines: list[Line]
    by: Literal["model", "planner"]
    requests: int
    repairs: int = 0
    reason: str = ""  # why the planner's lines were used
    transient: bool = False  # the endpoint failed, not the model: worth asking again later
    structured: bool = True  # the server took the structured-output field


class LLMWriter:
    """The writer that asks an OpenAI-compatible chat API (registered as "llm")."""

    name = "llm"

    def write(self, article: Article, ledger: Ledger, options: WriterOptions) -> Script:
        return write(article, ledger, options)


def write(article: Article, ledger: Ledger, options: WriterOptions) -> Script:
    """A script whose segments the model wrote, concurrently; the planner's where it could not."""
    llm = llm_options(options)
    plan = outline(article, ledger, options)
    jobs = [SegmentJob(article, ledger, options, plan, s.index) for s in plan.segments]
    with httpx.Client(timeout=llm.timeout) as client:
        endpoint = Endpoint(client, llm, answer_schema(options))
        with ThreadPoolExecutor(max_workers=max(1, min(llm.parallel, len(jobs)))) as pool:
            results = list(pool.map(lambda job: _cached_or_written(job, endpoint), jobs))
    failed = [r for r in results if r.transient]
    if failed and len(failed) == len(results):
        raise TransientError(f"the LLM endpoint wrote no segment: {failed[0].reason}")
    return _script(plan, results, options)


def unwritten_segments(article: Article, ledger: Ledger, options: WriterOptions) -> list[int]:
    """The segments no cached answer covers: the parts distributed mode hands out."""
    llm = llm_options(options)
    if llm.cache is None:
        return []
    plan = outline(article, ledger, options)
    jobs = [SegmentJob(article, ledger, options, plan, s.index) for s in plan.segments]
    return [job.index for job in jobs if _cached(job) is None]


def write_one_segment(article: Article, ledger: Ledger, options: WriterOptions, index: int) -> None:
    """Write segment `index` into the segment cache (a distributed part); `write` finds it."""
    llm = llm_options(options)
    job = SegmentJob(article, ledger, options, outline(article, ledger, options), index)
    with httpx.Client(timeout=llm.timeout) as client:
        _cached_or_written(job, Endpoint(client, llm, answer_schema(options)))


def _cached(job: SegmentJob) -> SegmentResult | None:
    cache = llm_options(job.options).cache
    path = Path(cache) / f"{job.key()}.json" if cache else None
    if path is None or not path.is_file():
        return None
    caches.used(path)
    try:
        return SegmentResult.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError:
        return None  # a file from an older writer: write the segment again


def _cached_or_written(job: SegmentJob, endpoint: Endpoint) -> SegmentResult:
    if (found := _cached(job)) is not None:
        return found
    result = _write_segment(job, endpoint)
    cache = llm_options(job.options).cache
    if cache and not result.transient:  # a failed endpoint is asked again next time
        write_text(Path(cache) / f"{job.key()}.json", result.model_dump_json())
    return result


def _write_segment(job: SegmentJob, endpoint: Endpoint) -> SegmentResult:
    """The conversation for one segment: ask, read, repair in bounded rounds."""
    messages = job.messages()
    requests, previous, rejection = 0, None, None
    limit = endpoint.llm.max_repairs
    for repairs in range(limit + 1):
        try:
            answer = endpoint.complete(messages)
        except TransientError as e:
            return _planner(
                job,
                requests + TRIES,
                repairs,
                str(e),
                transient=True,
                structured=endpoint.structured,
            )
        requests += 1
        outcome = read_answer(answer.content, job, truncated=answer.truncated)
        if isinstance(outcome, list):
            return SegmentResult(
                index=job.index,
                lines=outcome,
                by="model",
                requests=requests,
                repairs=repairs,
                structured=endpoint.structured,
            )
        rejection = outcome
        if answer.content == previous:
            return _planner(
                job,
                requests,
                repairs,
                f"the model gave the same answer again, which still {rejection.summary()}",
                structured=endpoint.structured,
            )
        previous = answer.content
        messages = [
            *messages,
            {"role": "assistant", "content": answer.content},
            repair_request(rejection, job),
        ]
    assert rejection is not None
    return _planner(
        job,
        requests,
        limit,
        f"the model's answer still {rejection.summary()} after {counted(limit, 'repair')}",
        structured=endpoint.structured,
    )


def _planner(
    job: SegmentJob,
    requests: int,
    repairs: int,
    reason: str,
    *,
    transient: bool = False,
    structured: bool = True,
) -> SegmentResult:
    return SegmentResult(
        index=job.index,
        lines=job.segment.fallback,
        by="planner",
        requests=requests,
        repairs=repairs,
        reason=reason,
        transient=transient,
        structured=structured,
    )


def _script(plan: Outline, results: list[SegmentResult], options: WriterOptions) -> Script:
    lines: list[Line] = []
    for result in sorted(results, key=lambda r: r.index):
        lines += [
            line.model_copy(update={"id": f"l{len(lines) + n}", "segment": result.index})
            for n, line in enumerate(result.lines, start=1)
        ]
    script = Script(
        title=plan.title,
        summary=plan.summary,
        segments=[Segment(title=s.title) for s in plan.segments],
        lines=lines,
        hosts=[h.name for h in options.hosts],
        writer="llm",
        target_minutes=options.minutes,
    )
    return script.model_copy(update={"notes": _notes(script, plan, results, options)})


def _notes(
    script: Script, plan: Outline, results: list[SegmentResult], options: WriterOptions
) -> list[str]:
    """What editors should know: who wrote it, which segments are the planner's and why."""
    llm = llm_options(options)
    requests = sum(r.requests for r in results)
    repairs = sum(r.repairs for r in results if r.by == "model")
    written = (
        f"written by {llm.model} in {counted(requests, 'request')} for "
        f"{counted(len(results), 'segment')}"
    )
    notes = [written + (f", after {counted(repairs, 'repair')}" if repairs else "")]
    for r in sorted(results, key=lambda r: r.index):
        if r.by == "planner":
            title = plan.segments[r.index].title
            notes.append(f"segment {r.index + 1} {title!r} is the planner's: {r.reason}")
    notes += plan.notes
    if not all(r.structured for r in results):
        notes.append("the endpoint has no JSON-schema output, so none was asked for")
    if abs(script.minutes - script.target_minutes) > LENGTH_TOLERANCE * script.target_minutes:
        notes.append(
            f"{script.words} words, about {script.minutes:.1f} minutes, for a "
            f"{script.target_minutes:g}-minute target"
        )
    return notes
