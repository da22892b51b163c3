"""The "llm" writer: an OpenAI-compatible chat-completions endpoint writes the dialogue.

The model is shown the article (paragraph ids and text) and the figure ledger
and answers with JSON in the script schema. The answer is validated and
audited; while it is invalid or says numbers the ledger does not hold, the
model is asked to repair it, at most `max_repairs` times, and then the writer
fails saying what was still wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import BaseModel, Field, ValidationError

from pipeline.errors import ConfigError, InfracastError, TransientError
from pipeline.figures.audit import audit, untraced
from pipeline.figures.display import value_text
from pipeline.figures.models import Figure, Ledger
from pipeline.models import WORDS_PER_MINUTE, Article, Line, Script, Segment
from pipeline.script import LLMOptions, WriterOptions
from pipeline.script.quality import MAX_LINE_WORDS

ERROR_CHARS = 300  # of a server's error message, quoted in ours
MAX_DETAILS = 12  # problems listed in one repair request; more would drown the script
LENGTH_TOLERANCE = 0.15
Message = dict[str, str]


class DraftSegment(BaseModel):
    title: str


class DraftLine(BaseModel):
    speaker: str
    text: str = Field(min_length=1)
    segment: int
    figures: list[str]
    paragraphs: list[str]


class Draft(BaseModel):
    """The part of a Script the model writes; line ids, hosts and notes are the writer's."""

    title: str
    summary: str
    segments: list[DraftSegment] = Field(min_length=1)
    lines: list[DraftLine] = Field(min_length=1)


def write(article: Article, ledger: Ledger, options: WriterOptions) -> Script:
    """Ask the configured LLM for a script, repairing invalid or untraced answers."""
    llm = _llm_options(options)
    messages = [
        {"role": "system", "content": _system_prompt(options)},
        {"role": "user", "content": _article_prompt(article, ledger, options)},
    ]
    with httpx.Client(timeout=llm.timeout) as client:
        endpoint = _Endpoint(client, llm, _schema(options))
        for repairs in range(llm.max_repairs + 1):
            answer = endpoint.complete(messages)
            outcome = _review(answer, article, ledger, options)
            if isinstance(outcome, Script):
                return outcome.model_copy(update={"notes": _notes(outcome, endpoint, repairs)})
            rejection = outcome
            messages += [{"role": "assistant", "content": answer}, _repair_request(rejection)]
    raise InfracastError(
        f"the LLM's script still {rejection.problem} after {_count(llm.max_repairs, 'repair')}: "
        + ", ".join(rejection.details)
    )


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
    return llm


# --- the prompt ---------------------------------------------------------------------------

SYSTEM = """\
You write scripts for {show}, a podcast where two hosts talk through one article about AI \
and data-centre infrastructure. {lead} {lead_role}. {cohost} {cohost_role}.
Rules:
1. Say only numbers that are in the figure ledger, as its values show them or rounded the way \
people speak ("about 770 racks"). Years the article mentions are fine. Never invent, compute \
or convert a number yourself; even small ones such as "two" or "a dozen" count as numbers.
2. In each line, list the ledger ids of the figures it says in "figures" and the ids of the \
article paragraphs it draws on in "paragraphs".
3. Write for the ear: short sentences, contractions, no Markdown, no URLs, no parentheses, \
abbreviations spelled out on first use.
4. No line over {max_words} words. Let the hosts take turns; each should speak between a \
third and two thirds of the words.
5. Cover every section of the article: one segment per section works well, with an opening \
and a closing.
6. Never say that the article's figures are wrong, off or do not add up, except for a \
check listed under MISMATCHES; a check listed under AGREEMENTS may be said to check out.
7. Answer with one JSON object and nothing else, shaped like this:
{{"title": "...", "summary": "one paragraph", "segments": [{{"title": "..."}}], "lines": \
[{{"speaker": "{lead}", "text": "...", "segment": 0, "figures": ["f1"], "paragraphs": ["p1"]}}]}}
where "speaker" is exactly "{lead}" or "{cohost}" and "segment" is the 0-based index of the \
line's segment."""


def _system_prompt(options: WriterOptions) -> str:
    lead, cohost = options.hosts
    return SYSTEM.format(show=options.show_title, lead=lead.name, lead_role=lead.role,
                         cohost=cohost.name, cohost_role=cohost.role, max_words=MAX_LINE_WORDS)


def _article_prompt(article: Article, ledger: Ledger, options: WriterOptions) -> str:
    words = round(options.minutes * WORDS_PER_MINUTE)
    parts = [f"Write an episode of about {options.minutes:g} minutes, that is about {words} "
             f"words.", f"ARTICLE: {article.title}"]
    for section in article.sections:
        parts.append(f"SECTION: {section.heading}")
        parts.extend(f"[{p.id}] {p.text}" for p in section.paragraphs)
    parts.append("FIGURE LEDGER (id: value, what it measures):")
    parts.extend(_ledger_entry(f) for f in ledger.figures)
    parts.extend(_checks(ledger))
    if ledger.years:
        parts.append("Years you may say: " + ", ".join(str(y) for y in ledger.years))
    return "\n".join(parts)


def _ledger_entry(figure: Figure) -> str:
    entry = f"{figure.id}: {value_text(figure)}, {figure.subject or figure.kind}"
    if figure.period:
        entry += f" ({figure.period})"
    return entry + (f"; computed as {figure.formula}" if figure.formula else "")


def _checks(ledger: Ledger) -> list[str]:
    """The consistency checks the script may say: agreements, and disagreements only at
    alarm confidence (a low-confidence one probably paired figures that do not belong
    together, and a false alarm said aloud is worse than none)."""
    agreements = [c for c in ledger.checks if c.agrees]
    mismatches = [c for c in ledger.checks if c.alarm]
    parts = []
    if agreements:
        parts.append("AGREEMENTS (the article's figure matches its own arithmetic):")
        parts.extend(f"{c.stated_id} = {c.computed_id}: {c.note}" for c in agreements)
    if mismatches:
        parts.append("MISMATCHES (the article's figure does not match its own arithmetic):")
        parts.extend(f"{c.stated_id} ≠ {c.computed_id}: {c.note}" for c in mismatches)
    return parts


def _schema(options: WriterOptions) -> dict[str, Any]:
    """A Draft's JSON schema, in the strict subset that structured-output endpoints accept."""
    text, strings = {"type": "string"}, {"type": "array", "items": {"type": "string"}}
    line = _object(speaker={"type": "string", "enum": [h.name for h in options.hosts]},
                   text=text, segment={"type": "integer"}, figures=strings, paragraphs=strings)
    return _object(title=text, summary=text,
                   segments={"type": "array", "items": _object(title=text)},
                   lines={"type": "array", "items": line})


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties),
            "additionalProperties": False}


# --- the endpoint -------------------------------------------------------------------------


@dataclass
class _Endpoint:
    """The HTTP side of one conversation: posts it, maps failures to project errors."""

    client: httpx.Client
    llm: LLMOptions
    schema: dict[str, Any]
    structured: bool = True  # json_schema output until the endpoint says it has none
    requests: int = 0

    @property
    def url(self) -> str:
        return self.llm.base_url.rstrip("/") + "/chat/completions"

    def complete(self, messages: list[Message]) -> str:
        """The model's answer to `messages`: the first choice's message content."""
        response = self._post(messages)
        if response.status_code == 400 and self.structured and _about_json_schema(response):
            self.structured = False
            response = self._post(messages)
        _raise_for_status(response, self.url)
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, LookupError, TypeError):
            raise InfracastError(f"the LLM endpoint {self.url} did not answer with a chat "
                                 f"completion: {_clip(response.text)}") from None
        return str(content or "")

    def _post(self, messages: list[Message]) -> httpx.Response:
        schema = {"name": "script", "strict": True, "schema": self.schema}
        format_ = ({"type": "json_schema", "json_schema": schema} if self.structured
                   else {"type": "json_object"})
        body = {"model": self.llm.model, "messages": messages, "response_format": format_}
        headers = {"Authorization": f"Bearer {self.llm.api_key}"} if self.llm.api_key else {}
        self.requests += 1
        try:
            return self.client.post(self.url, json=body, headers=headers)
        except httpx.TimeoutException as e:
            raise TransientError(
                f"the LLM endpoint {self.url} did not answer within {self.llm.timeout:g} s; "
                "try again, or allow it more time with INFRACAST_LLM_TIMEOUT") from e
        except httpx.TransportError as e:
            raise TransientError(
                f"could not reach the LLM endpoint {self.url} ({e}); check that it is running "
                "and that INFRACAST_LLM_BASE_URL points at it") from e


def _about_json_schema(response: httpx.Response) -> bool:
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
    if status == 429 or status >= 500:
        raise TransientError(f"the LLM endpoint {url} is busy or failing ({said}); try again later")
    raise InfracastError(f"the LLM endpoint {url} rejected the request ({said}); "
                         "check INFRACAST_LLM_BASE_URL and INFRACAST_LLM_MODEL")


def _server_message(response: httpx.Response) -> str:
    """The message of an OpenAI-style error body ({"error": {"message": …}}), or the body."""
    try:
        message = response.json()["error"]["message"]
    except (ValueError, LookupError, TypeError):
        message = response.text
    return _clip(str(message))


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"


# --- reviewing an answer ------------------------------------------------------------------


@dataclass(frozen=True)
class _Rejection:
    """What is wrong with an answer, said so the model can fix it and a user can read it."""

    problem: str  # completes "the LLM's script …"
    details: list[str]
    advice: str


def _review(answer: str, article: Article, ledger: Ledger, options: WriterOptions
            ) -> Script | _Rejection:
    """The answer as a Script, or why it cannot be one."""
    try:
        draft = Draft.model_validate_json(_unfence(answer))
    except ValidationError as e:
        return _invalid(e)
    if problems := _rule_breaks(draft, article, ledger, options):
        return _Rejection("broke the rules", problems[:MAX_DETAILS],
                          "Fix these lines and keep everything else.")
    script = _script(draft, options)
    if findings := untraced(audit(script.lines, ledger)):
        return _Rejection(f"had {_count(len(findings), 'untraced number')}",
                          [f"{f.line_id} {f.text!r}" for f in findings][:MAX_DETAILS],
                          "These numbers (line id, number) match no figure in the ledger. "
                          "Say a ledger figure instead, or make the point without the number.")
    return script


def _unfence(answer: str) -> str:
    fenced = re.search(r"```(?:json)?\s*(.*?)```", answer, re.DOTALL)
    return fenced.group(1) if fenced else answer.strip()


def _invalid(error: ValidationError) -> _Rejection:
    errors = error.errors(include_url=False)
    if errors[0]["type"] == "json_invalid":
        return _Rejection("was not valid JSON", [errors[0]["msg"]],
                          "Answer with one JSON object and nothing else.")
    details = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors]
    return _Rejection("did not match the script schema", details[:MAX_DETAILS],
                      "Answer with the whole script in the schema you were given.")


def _rule_breaks(draft: Draft, article: Article, ledger: Ledger, options: WriterOptions
                 ) -> list[str]:
    """What the schema cannot say: speakers are the hosts, indexes and ids exist, lengths."""
    names = " or ".join(repr(h.name) for h in options.hosts)
    figures, paragraphs = {f.id for f in ledger.figures}, {p.id for p in article.paragraphs}
    last = len(draft.segments) - 1
    problems = []
    for n, line in enumerate(draft.lines, start=1):
        if _speaker(line.speaker, options) is None:
            problems.append(f"l{n}: speaker {line.speaker!r} is not {names}")
        if not 0 <= line.segment <= last:
            problems.append(f"l{n}: segment {line.segment} does not exist; "
                            f"segments are numbered 0 to {last}")
        problems += [f"l{n}: {f!r} is not a ledger figure id"
                     for f in line.figures if f not in figures]
        problems += [f"l{n}: {p!r} is not an article paragraph id"
                     for p in line.paragraphs if p not in paragraphs]
        if (words := len(line.text.split())) > MAX_LINE_WORDS:
            problems.append(f"l{n}: {words} words; the most is {MAX_LINE_WORDS}")
    return problems


def _speaker(name: str, options: WriterOptions) -> str | None:
    """The host called `name`, forgiving case and spacing."""
    hosts = {h.name.casefold(): h.name for h in options.hosts}
    return hosts.get(" ".join(name.split()).casefold())


def _script(draft: Draft, options: WriterOptions) -> Script:
    lines = [
        Line(id=f"l{n}", speaker=_speaker(line.speaker, options) or line.speaker,
             text=line.text.strip(), segment=line.segment, figures=line.figures,
             paragraphs=line.paragraphs,
             move="question" if line.text.rstrip().endswith("?") else "point")
        for n, line in enumerate(draft.lines, start=1)
    ]
    return Script(title=draft.title, summary=draft.summary,
                  segments=[Segment(title=s.title) for s in draft.segments], lines=lines,
                  hosts=[h.name for h in options.hosts], writer="llm",
                  target_minutes=options.minutes)


def _repair_request(rejection: _Rejection) -> Message:
    listed = "\n".join(f"- {d}" for d in rejection.details)
    return {"role": "user",
            "content": f"Your script {rejection.problem}:\n{listed}\n{rejection.advice} "
                       "Answer with the whole corrected script as one JSON object in the same "
                       "schema."}


def _notes(script: Script, endpoint: _Endpoint, repairs: int) -> list[str]:
    """What editors should know: who wrote it, how, and a length far from the target."""
    written = f"written by {endpoint.llm.model} in {_count(endpoint.requests, 'request')}"
    notes = [written + (f", after {_count(repairs, 'repair')}" if repairs else "")]
    if not endpoint.structured:
        notes.append("the endpoint has no JSON-schema output, so JSON mode was used")
    if abs(script.minutes - script.target_minutes) > LENGTH_TOLERANCE * script.target_minutes:
        notes.append(f"{script.words} words, about {script.minutes:.1f} minutes, for a "
                     f"{script.target_minutes:g}-minute target")
    return notes


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"
