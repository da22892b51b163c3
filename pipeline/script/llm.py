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
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import BaseModel

from pipeline.errors import ConfigError, InfracastError, TransientError
from pipeline.figures.audit import audit, untraced
from pipeline.figures.display import value_text
from pipeline.figures.models import Figure, Ledger
from pipeline.models import Article, Line, Script, Segment
from pipeline.script import LLMOptions, WriterOptions
from pipeline.script.quality import MAX_LINE_WORDS, SENTENCE_END

VERSION = "2"  # of the prompt and the reading rules: part of each segment's cache key
SERVERS = ("openai", "vllm", "ollama", "llamacpp", "plain")
ERROR_CHARS = 300  # of a server's error message, quoted in ours
MAX_DETAILS = 12  # problems listed in one repair request; more would drown the segment
TRIES = 2  # of one request that times out or meets a busy server
RETRY_PAUSE = 0.5  # seconds between those tries
LENGTH_TOLERANCE = 0.15
Message = dict[str, str]


# --- the outline --------------------------------------------------------------------------


class SegmentPlan(BaseModel):
    """One segment of the planner's script: what the model is asked to write, and the
    fallback when it cannot."""

    index: int
    title: str
    moves: list[str]
    figures: list[str]
    paragraphs: list[str]
    words: int
    fallback: list[Line]


class Outline(BaseModel):
    title: str
    summary: str
    segments: list[SegmentPlan]
    notes: list[str]  # the planner's, about what the article has to say: they hold for both


def outline(article: Article, ledger: Ledger, options: WriterOptions) -> Outline:
    """The planner's segments, each with the figures and paragraphs its lines cite."""
    from pipeline.script import extractive  # the planner; imported here, as writers are

    planned = extractive.write(article, ledger, options)
    segments = []
    for index, segment in enumerate(planned.segments):
        lines = [line for line in planned.lines if line.segment == index]
        segments.append(SegmentPlan(
            index=index, title=segment.title, moves=_unique(line.move for line in lines),
            figures=_unique(f for line in lines for f in line.figures),
            paragraphs=_unique(p for line in lines for p in line.paragraphs),
            words=sum(line.words for line in lines), fallback=lines))
    return Outline(title=planned.title, summary=planned.summary, segments=segments,
                   notes=planned.notes)


def _unique(items: Any) -> list[str]:
    return list(dict.fromkeys(items))


# --- writing ------------------------------------------------------------------------------


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


def write(article: Article, ledger: Ledger, options: WriterOptions) -> Script:
    """A script whose segments the model wrote, concurrently; the planner's where it could not."""
    llm = _llm_options(options)
    plan = outline(article, ledger, options)
    jobs = [_Job(article, ledger, options, plan, s.index) for s in plan.segments]
    with httpx.Client(timeout=llm.timeout) as client:
        endpoint = _Endpoint(client, llm, _schema(options))
        with ThreadPoolExecutor(max_workers=max(1, min(llm.parallel, len(jobs)))) as pool:
            results = list(pool.map(lambda job: _cached_or_written(job, endpoint), jobs))
    failed = [r for r in results if r.transient]
    if failed and len(failed) == len(results):
        raise TransientError(f"the LLM endpoint wrote no segment: {failed[0].reason}")
    return _script(plan, results, options)


def unwritten_segments(article: Article, ledger: Ledger, options: WriterOptions) -> list[int]:
    """The segments no cached answer covers: the parts distributed mode hands out."""
    llm = _llm_options(options)
    if llm.cache is None:
        return []
    plan = outline(article, ledger, options)
    jobs = [_Job(article, ledger, options, plan, s.index) for s in plan.segments]
    return [job.index for job in jobs if _cached(job) is None]


def write_one_segment(article: Article, ledger: Ledger, options: WriterOptions,
                      index: int) -> None:
    """Write segment `index` into the segment cache (a distributed part); `write` finds it."""
    llm = _llm_options(options)
    job = _Job(article, ledger, options, outline(article, ledger, options), index)
    with httpx.Client(timeout=llm.timeout) as client:
        _cached_or_written(job, _Endpoint(client, llm, _schema(options)))


def _llm_options(options: WriterOptions) -> LLMOptions:
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
        raise ConfigError(f"unknown INFRACAST_LLM_SERVER {llm.server!r}; "
                          f"servers: {', '.join(SERVERS)}")
    return llm


@dataclass
class _Job:
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
        return [{"role": "system", "content": _system_prompt(self.options)},
                {"role": "user", "content": _segment_prompt(self)}]

    def key(self) -> str:
        llm = _llm_options(self.options)
        said = json.dumps([VERSION, llm.server, llm.model, llm.max_repairs, self.messages()])
        return hashlib.sha256(said.encode()).hexdigest()


def _cached(job: _Job) -> SegmentResult | None:
    cache = _llm_options(job.options).cache
    path = Path(cache) / f"{job.key()}.json" if cache else None
    if path is None or not path.is_file():
        return None
    try:
        return SegmentResult.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError:
        return None  # a file from an older writer: write the segment again


def _cached_or_written(job: _Job, endpoint: _Endpoint) -> SegmentResult:
    if (found := _cached(job)) is not None:
        return found
    result = _write_segment(job, endpoint)
    cache = _llm_options(job.options).cache
    if cache and not result.transient:  # a failed endpoint is asked again next time
        path = Path(cache) / f"{job.key()}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(result.model_dump_json(), encoding="utf-8")
        tmp.replace(path)
    return result


def _write_segment(job: _Job, endpoint: _Endpoint) -> SegmentResult:
    """The conversation for one segment: ask, read, repair in bounded rounds."""
    messages = job.messages()
    requests, previous, rejection = 0, None, None
    limit = endpoint.llm.max_repairs
    for repairs in range(limit + 1):
        try:
            answer = endpoint.complete(messages)
        except TransientError as e:
            return _planner(job, requests + TRIES, repairs, str(e), transient=True,
                            structured=endpoint.structured)
        requests += 1
        outcome = read_answer(answer.content, job, truncated=answer.truncated)
        if isinstance(outcome, list):
            return SegmentResult(index=job.index, lines=outcome, by="model", requests=requests,
                                 repairs=repairs, structured=endpoint.structured)
        rejection = outcome
        if answer.content == previous:
            return _planner(job, requests, repairs, f"the model gave the same answer again, "
                            f"which still {rejection.summary()}", structured=endpoint.structured)
        previous = answer.content
        messages = [*messages, {"role": "assistant", "content": answer.content},
                    _repair_request(rejection, job)]
    assert rejection is not None
    return _planner(job, requests, limit,
                    f"the model's answer still {rejection.summary()} after "
                    f"{_count(limit, 'repair')}", structured=endpoint.structured)


def _planner(job: _Job, requests: int, repairs: int, reason: str, *, transient: bool = False,
             structured: bool = True) -> SegmentResult:
    return SegmentResult(index=job.index, lines=job.segment.fallback, by="planner",
                         requests=requests, repairs=repairs, reason=reason, transient=transient,
                         structured=structured)


def _script(plan: Outline, results: list[SegmentResult], options: WriterOptions) -> Script:
    lines: list[Line] = []
    for result in sorted(results, key=lambda r: r.index):
        lines += [line.model_copy(update={"id": f"l{len(lines) + n}", "segment": result.index})
                  for n, line in enumerate(result.lines, start=1)]
    script = Script(title=plan.title, summary=plan.summary,
                    segments=[Segment(title=s.title) for s in plan.segments], lines=lines,
                    hosts=[h.name for h in options.hosts], writer="llm",
                    target_minutes=options.minutes)
    return script.model_copy(update={"notes": _notes(script, plan, results, options)})


def _notes(script: Script, plan: Outline, results: list[SegmentResult],
           options: WriterOptions) -> list[str]:
    """What editors should know: who wrote it, which segments are the planner's and why."""
    llm = _llm_options(options)
    requests = sum(r.requests for r in results)
    repairs = sum(r.repairs for r in results if r.by == "model")
    written = (f"written by {llm.model} in {_count(requests, 'request')} for "
               f"{_count(len(results), 'segment')}")
    notes = [written + (f", after {_count(repairs, 'repair')}" if repairs else "")]
    for r in sorted(results, key=lambda r: r.index):
        if r.by == "planner":
            title = plan.segments[r.index].title
            notes.append(f"segment {r.index + 1} {title!r} is the planner's: {r.reason}")
    notes += plan.notes
    if not all(r.structured for r in results):
        notes.append("the endpoint has no JSON-schema output, so none was asked for")
    if abs(script.minutes - script.target_minutes) > LENGTH_TOLERANCE * script.target_minutes:
        notes.append(f"{script.words} words, about {script.minutes:.1f} minutes, for a "
                     f"{script.target_minutes:g}-minute target")
    return notes


# --- the prompt ---------------------------------------------------------------------------

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
    return SYSTEM.format(show=options.show_title, lead=lead.name, lead_role=lead.role,
                         cohost=cohost.name, cohost_role=cohost.role, max_words=MAX_LINE_WORDS,
                         example=_example(options, ["f1"], ["p1"]))


def _example(options: WriterOptions, figures: list[str], paragraphs: list[str]) -> str:
    lead, cohost = options.hosts
    return json.dumps({"lines": [
        {"speaker": lead.name, "text": "…", "figures": figures[:1], "paragraphs": paragraphs[:1]},
        {"speaker": cohost.name, "text": "…", "figures": [], "paragraphs": paragraphs[:1]},
    ]}, ensure_ascii=False)


def _segment_prompt(job: _Job) -> str:
    segment, segments = job.segment, job.plan.segments
    words = max(segment.words, 30)
    parts = [f'Write segment {segment.index + 1} of {len(segments)} of the episode '
             f'"{job.plan.title}": "{segment.title}".']
    if segment.index == 0:
        parts.append("It opens the episode: greet the listeners and say what the article is "
                     "about.")
    else:
        before = segments[segment.index - 1]
        last = before.fallback[-1] if before.fallback else None
        parts.append(f'It follows the segment "{before.title}"'
                     + (f", which ends with {last.speaker}: \"{last.text}\"" if last else "")
                     + ". Do not greet the listeners again.")
    if segment.index == len(segments) - 1:
        parts.append("It closes the episode: sum up and say goodbye.")
    else:
        parts.append(f'The segment after it is "{segments[segment.index + 1].title}".')
    first = segment.fallback[0].speaker if segment.fallback else job.options.hosts[0].name
    parts.append(f"Write about {words} words in {_lines_wanted(segment)} lines, starting with "
                 f"{first}; the hosts take turns.")
    if segment.moves:
        parts.append("The planner's moves for it: " + ", ".join(segment.moves) + ".")
    paragraphs = _paragraphs(job)
    if paragraphs:
        parts.append("ARTICLE PARAGRAPHS it draws on:")
        parts.extend(f"[{p_id}] {text}" for p_id, text in paragraphs)
    figures = _figures(job)
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


def _paragraphs(job: _Job) -> list[tuple[str, str]]:
    by_id = {p.id: p.text for p in job.article.paragraphs}
    return [(p, by_id[p]) for p in job.segment.paragraphs if p in by_id]


def _figures(job: _Job) -> list[Figure]:
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


def _schema(options: WriterOptions) -> dict[str, Any]:
    """A segment's JSON schema, in the strict subset that structured-output endpoints accept."""
    text, strings = {"type": "string"}, {"type": "array", "items": {"type": "string"}}
    line = _object(speaker={"type": "string", "enum": [h.name for h in options.hosts]},
                   text=text, figures=strings, paragraphs=strings)
    return _object(lines={"type": "array", "items": line})


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties),
            "additionalProperties": False}


# --- the endpoint -------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    content: str
    truncated: bool  # the server stopped at its length limit


@dataclass
class _Endpoint:
    """The HTTP side: one server kind's request and response shapes, failures mapped to
    project errors. Shared by the segments' threads (httpx.Client is thread-safe)."""

    client: httpx.Client
    llm: LLMOptions
    schema: dict[str, Any]
    structured: bool = True  # send the structured-output field until the server refuses it

    @property
    def url(self) -> str:
        base = self.llm.base_url.rstrip("/")
        if self.llm.server == "ollama":
            return base.removesuffix("/v1").removesuffix("/api") + "/api/chat"
        return base + "/chat/completions"

    def complete(self, messages: list[Message]) -> Answer:
        """The model's answer to `messages`, tried again once when the server is busy."""
        for attempt in range(1, TRIES + 1):
            try:
                return self._complete(messages)
            except TransientError:
                if attempt == TRIES:
                    raise
                time.sleep(RETRY_PAUSE)
        raise AssertionError("unreachable")

    def _complete(self, messages: list[Message]) -> Answer:
        response = self._post(messages)
        if (response.status_code in (400, 422) and self.structured
                and self.llm.server in ("openai", "plain") and _about_format(response)):
            self.structured = False
            response = self._post(messages)
        _raise_for_status(response, self.url)
        try:
            data = response.json()
            if self.llm.server == "ollama":
                message, reason = data["message"], data.get("done_reason")
            else:
                choice = data["choices"][0]
                message, reason = choice["message"], choice.get("finish_reason")
            content = message.get("content")
        except (ValueError, LookupError, TypeError, AttributeError):
            raise InfracastError(f"the LLM endpoint {self.url} did not answer with a chat "
                                 f"completion: {_clip(response.text)}; is INFRACAST_LLM_SERVER "
                                 f"({self.llm.server!r}) the kind of server it is?") from None
        return Answer(str(content or ""), truncated=reason == "length")

    def _post(self, messages: list[Message]) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.llm.api_key}"} if self.llm.api_key else {}
        try:
            return self.client.post(self.url, json=self._body(messages), headers=headers)
        except httpx.TimeoutException as e:
            raise TransientError(
                f"the LLM endpoint {self.url} did not answer within {self.llm.timeout:g} s; "
                "try again, or allow it more time with INFRACAST_LLM_TIMEOUT") from e
        except httpx.TransportError as e:
            raise TransientError(
                f"could not reach the LLM endpoint {self.url} ({e}); check that it is running "
                "and that INFRACAST_LLM_BASE_URL points at it") from e

    def _body(self, messages: list[Message]) -> dict[str, Any]:
        """The request in the server's documented form (see the module's docstring)."""
        body: dict[str, Any] = {"model": self.llm.model, "messages": messages}
        server, schema = self.llm.server, self.schema
        if server == "ollama":
            body |= {"stream": False, "format": schema}
        elif server == "vllm":
            body["structured_outputs"] = {"json": schema}
        elif server == "llamacpp":
            body["response_format"] = {"type": "json_object", "schema": schema}
        elif server == "openai" and self.structured:
            body["response_format"] = {"type": "json_schema", "json_schema": {
                "name": "segment", "strict": True, "schema": schema}}
        return body


def _about_format(response: httpx.Response) -> bool:
    text = response.text.lower()
    return "response_format" in text or "json_schema" in text


def _raise_for_status(response: httpx.Response, url: str) -> None:
    status = response.status_code
    if status < 400:
        return
    said = f"HTTP {status}: {_server_message(response)}"
    if status in (401, 403):
        raise InfracastError(f"the LLM endpoint {url} refused the API key ({said}); "
                             "set INFRACAST_LLM_API_KEY to a key it accepts")
    if status in (408, 429) or status >= 500:
        raise TransientError(f"the LLM endpoint {url} is busy or failing ({said}); try again later")
    raise InfracastError(f"the LLM endpoint {url} rejected the request ({said}); "
                         "check INFRACAST_LLM_BASE_URL, INFRACAST_LLM_MODEL and "
                         "INFRACAST_LLM_SERVER")


def _server_message(response: httpx.Response) -> str:
    """The message of an error body: OpenAI's {"error": {"message"}}, Ollama's {"error": "…"},
    vLLM's older {"message": …}; else the body."""
    try:
        data = response.json()
        error = data.get("error", data)
        message = error.get("message", error) if isinstance(error, dict) else error
    except (ValueError, AttributeError):
        message = response.text
    return _clip(str(message))


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"


# --- reading an answer --------------------------------------------------------------------


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


def read_answer(content: str, job: _Job, *, truncated: bool = False) -> list[Line] | Rejection:
    """The segment's lines from a model's answer, or what keeps them from being usable.

    Accepted as written: JSON alone, in a ```json fence or with prose around it; a flat
    "lines" list (any "segment" index in it is ignored) or lines nested in "segments";
    speaker names in any case. Fixed in code: unknown figure and paragraph ids are dropped,
    the figures a line states are added from the audit, a line over MAX_LINE_WORDS is split
    at sentence ends. Then every number must trace to the ledger.
    """
    found = _json_in(content, salvage=not truncated)
    if found is None and truncated:
        return Rejection("was cut off at the server's length limit before its JSON ended",
                         [f"write at most {len(job.segment.fallback) + 1} short lines"])
    if found is None:
        return Rejection("was not JSON", [_json_error(content)])
    raw = _raw_lines(found)
    if raw is None:
        keys = ", ".join(found) if isinstance(found, dict) else type(found).__name__
        return Rejection("had no list of lines",
                         [f'expected {{"lines": [...]}} at the top level; found {keys}'])
    if not raw:
        return Rejection("had no lines", ['"lines" was empty'])
    lines, origins, problems = _lines(raw, job)
    if problems:
        return Rejection("broke the rules", problems[:MAX_DETAILS])
    if findings := untraced(audit(lines, job.ledger)):
        texts = {line.id: line for line in lines}
        article = " ".join(text for _, text in _paragraphs(job)).casefold()
        details = [f"lines[{origins[f.line_id]}].text ({_where(texts[f.line_id])}): "
                   f"{f.text!r} matches no figure you were given"
                   + (" (the article says it, but it is not a figure: say it without the "
                      "number)" if f.text.casefold() in article else "") for f in findings]
        return Rejection(f"had {_count(len(findings), 'untraced number')}",
                         details[:MAX_DETAILS])
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
        if isinstance(nested, list) and nested and all(
                isinstance(s, dict) and _list_in(s) is not None for s in nested):
            return [line for s in nested for line in _list_in(s) or []]
    return None


def _list_in(found: dict[str, Any]) -> list[Any] | None:
    for key in LIST_KEYS:
        if isinstance(found.get(key), list):
            value: list[Any] = found[key]
            return value
    return None


def _lines(raw: list[Any], job: _Job) -> tuple[list[Line], dict[str, int], list[str]]:
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
            problems.append(f"{where}: a line is an object with speaker and text, not "
                            f"{json.dumps(item)[:60]}")
            continue
        said, text = _first(item, SPEAKER_KEYS), _first(item, TEXT_KEYS)
        if not said:
            problems.append(f'{where}.speaker: missing; it is {names}')
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
            problems.append(f"{where}.text: a sentence of {len(long[0].split())} words; "
                            f"the most is {MAX_LINE_WORDS}")
            continue
        given = [f for f in _strings(item.get("figures")) if f in figures]
        given_paragraphs = [p for p in _strings(item.get("paragraphs")) if p in paragraphs]
        for chunk, cited in zip(chunks, _citations(chunks, given, job.ledger), strict=True):
            line = Line(id=f"l{len(lines) + 1}", speaker=speaker, text=chunk,
                        move="question" if chunk.endswith("?") else "point", figures=cited,
                        paragraphs=given_paragraphs or _unique(
                            p for f in cited for p in _sources(figures[f], figures)))
            lines.append(line)
            origins[line.id] = n
    return lines, origins, problems


def _citations(chunks: list[str], given: list[str], ledger: Ledger) -> list[list[str]]:
    """The figures each piece of a line cites: those the audit finds it stating, and the ids
    the model gave (on the piece that states them; those none states, on the first)."""
    stated = [[f.figure_id for f in audit([Line(id="x", speaker="", text=c)], ledger)
               if f.figure_id] for c in chunks]
    said = {f for ids in stated for f in ids}
    unsaid = [f for f in given if f not in said]
    return [_unique([*(unsaid if i == 0 else []), *[f for f in given if f in ids], *ids])
            for i, ids in enumerate(stated)]


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
    return [p for i in figure.inputs if i in figures
            for p in _sources(figures[i], figures, depth - 1)]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def _where(line: Line) -> str:
    text = line.text if len(line.text) <= 80 else line.text[:79] + "…"
    return f'{line.speaker}: "{text}"'


def _repair_request(rejection: Rejection, job: _Job) -> Message:
    listed = "\n".join(f"- {d}" for d in rejection.details)
    figures = [f.id for f in _figures(job)]
    advice = ""
    if rejection.problem.startswith("had") and "untraced" in rejection.problem:
        advice = ("Say one of the figures you were given instead (" + ", ".join(
            f"{f.id} {value_text(f)}" for f in _figures(job)[:8]) + "), or make the point "
            "without the number.\n")
    return {"role": "user",
            "content": f'Your answer for the segment "{job.segment.title}" {rejection.problem}:'
                       f"\n{listed}\n{advice}Answer again with the whole segment as one JSON "
                       f"object and nothing else, shaped like this example:\n"
                       f"{_example(job.options, figures, job.segment.paragraphs)}"}


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"
