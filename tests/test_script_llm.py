"""The "llm" script writer, against stand-ins for remote LLM servers.

A remote LLM API cannot run here, so these tests talk to tests/llm_standin.py:
real HTTP servers on 127.0.0.1, one per kind of server (OpenAI, vLLM, Ollama,
llama.cpp's server, a plain chat-completions server), that check requests and
answer in each server's documented shapes, from answers each test scripts per
segment. What is real: the planner's outline, the writer's HTTP client and
thread pool, its prompts, its lenient reading, the figures audit, the repair
loop, the planner fallback, the segment cache and, in the last test, Celery
workers on a real Redis writing one segment a task.
"""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline import actions, orchestrate
from pipeline.config import Settings, Show
from pipeline.errors import ConfigError, InfracastError, TransientError
from pipeline.figures.audit import audit, untraced
from pipeline.figures.ledger import build_ledger
from pipeline.figures.models import Check, Ledger
from pipeline.ingest import IngestOptions, article_from_source
from pipeline.models import Article, EpisodeState, Script, Source
from pipeline.script import Host, LLMOptions, WriterOptions
from pipeline.script.llm import write
from pipeline.script.llm_outline import Outline, SegmentPlan, outline
from pipeline.store import Store
from tests.conftest import EXAMPLE
from tests.llm_standin import ChatStandIn, Reply, Request

HOSTS = (Host("Lena", "leads and explains"), Host("Miles", "asks, connects and reacts"))
OPENER = "Okay. "  # starts each stand-in answer's first line: the model's, not the planner's


@pytest.fixture(scope="module")
def article() -> Article:
    source = Source(kind="markdown", uri=str(EXAMPLE), text=EXAMPLE.read_text())
    return article_from_source(source, IngestOptions())


@pytest.fixture(scope="module")
def ledger(article: Article) -> Ledger:
    return build_ledger(article)


@pytest.fixture(scope="module")
def plan(article: Article, ledger: Ledger) -> Outline:
    made = outline(article, ledger, WriterOptions("Rack Talk", HOSTS, 5))
    assert len({s.title for s in made.segments}) == len(made.segments) >= 4
    return made


def lines_of(segment: SegmentPlan) -> list[dict[str, Any]]:
    """A good answer's lines: the planner's, the first one opened so it can be told apart."""
    lines: list[dict[str, Any]] = [
        {
            "speaker": line.speaker,
            "text": line.text,
            "figures": line.figures,
            "paragraphs": line.paragraphs,
        }
        for line in segment.fallback
    ]
    lines[0]["text"] = OPENER + lines[0]["text"]
    return lines


def good(segment: SegmentPlan) -> str:
    return json.dumps({"lines": lines_of(segment)})


def segment_of(plan: Outline, request: Request) -> SegmentPlan:
    found = re.search(
        r'^Write segment \d+ of \d+ of the episode ".*?": "(.*)"\.$', request.prompt, re.MULTILINE
    )
    assert found, request.prompt[:200]
    return next(s for s in plan.segments if s.title == found.group(1))


def serving(kind: str, plan: Outline, **kwargs: Any) -> ChatStandIn:
    """A stand-in that answers every segment well unless a test scripts otherwise."""
    return ChatStandIn(kind, responder=lambda r: Reply(good(segment_of(plan, r))), **kwargs)


@pytest.fixture
def standin(request: pytest.FixtureRequest, plan: Outline) -> Iterator[ChatStandIn]:
    kind = getattr(request, "param", "openai")
    server = serving(kind, plan)
    server.start()
    yield server
    server.stop()


def options(standin: ChatStandIn, **llm: Any) -> WriterOptions:
    settings = {
        "model": "test-model",
        "api_key": "sk-test",
        "timeout": 5.0,
        "server": standin.kind,
        **llm,
    }
    return WriterOptions("Rack Talk", HOSTS, 5, LLMOptions(standin.base_url, **settings))


def by_segment(script: Script) -> dict[str, list[str]]:
    return {
        s.title: [line.text for line in script.lines if line.segment == i]
        for i, s in enumerate(script.segments)
    }


def written_by_model(script: Script, title: str) -> bool:
    return by_segment(script)[title][0].startswith(OPENER)


# --- one request a segment ------------------------------------------------------------------


def test_each_segment_is_one_request_with_what_it_may_use(
    standin: ChatStandIn, article: Article, ledger: Ledger, plan: Outline
) -> None:
    script = write(article, ledger, options(standin))

    n = len(plan.segments)
    assert [s.title for s in script.segments] == [s.title for s in plan.segments]
    assert all(written_by_model(script, s.title) for s in plan.segments)
    assert [line.id for line in script.lines] == [f"l{i}" for i in range(1, len(script.lines) + 1)]
    assert script.hosts == ["Lena", "Miles"] and script.writer == "llm"
    assert untraced(audit(script.lines, ledger)) == []
    assert script.notes[0] == f"written by test-model in {n} requests for {n} segments"
    assert len(standin.requests) == n
    for request in standin.requests:
        assert request.headers["Authorization"] == "Bearer sk-test"
        assert request.body["model"] == "test-model"
        spec = request.response_format["json_schema"]
        assert request.response_format["type"] == "json_schema" and spec["strict"] is True
        speaker = spec["schema"]["properties"]["lines"]["items"]["properties"]["speaker"]
        assert speaker["enum"] == ["Lena", "Miles"]
        assert "Miles asks, connects and reacts" in request.messages[0]["content"]
        assert "Rack Talk" in request.messages[0]["content"]

    second = plan.segments[2]
    prompt = standin.for_segment(second.title)[0].prompt
    assert f'It follows the segment "{plan.segments[1].title}", which ends with ' in prompt
    assert f'"{plan.segments[1].fallback[-1].text}"' in prompt
    assert f"Write about {second.words} words" in prompt
    assert all(f"[{p}] " in prompt for p in second.paragraphs)
    assert all(f"\n{f}: " in prompt for f in second.figures)
    formulas = [f.formula for f in ledger.figures if f.id in second.figures and f.formula]
    assert all(formula in prompt for formula in formulas)  # computed figures come with theirs
    others = {p for s in plan.segments if s is not second for p in s.paragraphs}
    assert not any(f"[{p}] " in prompt for p in others - set(second.paragraphs))
    assert "It opens the episode" in standin.for_segment(plan.segments[0].title)[0].prompt
    assert "It closes the episode" in standin.for_segment(plan.segments[-1].title)[0].prompt


def test_segments_are_asked_for_at_once_up_to_the_limit(
    article: Article, ledger: Ledger, plan: Outline
) -> None:
    server = ChatStandIn(responder=lambda r: Reply(good(segment_of(plan, r)), delay=0.2))
    server.start()
    try:
        write(article, ledger, options(server, parallel=3))
    finally:
        server.stop()
    assert server.most_in_flight == 3


@pytest.mark.parametrize("standin", ["vllm", "ollama", "llamacpp", "plain"], indirect=True)
def test_each_server_gets_structured_output_in_its_documented_form(
    standin: ChatStandIn, article: Article, ledger: Ledger, plan: Outline
) -> None:
    script = write(article, ledger, options(standin))

    assert all(written_by_model(script, s.title) for s in plan.segments)
    request = standin.requests[0]
    schema: dict[str, Any] | None = (
        request.body.get("format")
        or request.body.get("structured_outputs", {}).get("json")
        or request.response_format.get("schema")
    )
    if standin.kind == "plain":
        assert schema is None
        assert not {"response_format", "format", "structured_outputs"} & set(request.body)
        return
    assert schema is not None
    assert schema["properties"]["lines"]["items"]["required"] == [
        "speaker",
        "text",
        "figures",
        "paragraphs",
    ]
    if standin.kind == "ollama":
        assert request.path == "/api/chat" and request.body["stream"] is False
    elif standin.kind == "vllm":
        assert "response_format" not in request.body and "guided_json" not in request.body
    else:
        assert request.response_format["type"] == "json_object"


def test_an_endpoint_without_json_schema_output_is_asked_again_without_it(
    article: Article, ledger: Ledger, plan: Outline
) -> None:
    server = serving("openai", plan, rejects_json_schema=True)
    server.start()
    try:
        script = write(article, ledger, options(server, parallel=1))
    finally:
        server.stop()
    formats = [r.response_format.get("type") for r in server.requests]
    assert formats == ["json_schema"] + [None] * len(plan.segments)
    assert "the endpoint has no JSON-schema output, so none was asked for" in script.notes


# --- reading answers leniently --------------------------------------------------------------


def test_fences_prose_nested_segments_and_loose_fields_are_read_without_a_repair(
    standin: ChatStandIn, article: Article, ledger: Ledger, plan: Outline
) -> None:
    segment = plan.segments[2]
    lines = [
        {"speaker": line["speaker"].upper(), "text": line["text"]} for line in lines_of(segment)
    ]  # no figures, no paragraphs
    nested = {"title": "The episode", "segments": [{"title": segment.title, "lines": lines}]}
    standin.answer(
        f"Sure! Here is the segment:\n```json\n{json.dumps(nested, indent=2)}\n```\n"
        "Let me know if you want changes.",
        segment=segment.title,
    )
    script = write(article, ledger, options(standin))

    assert len(standin.for_segment(segment.title)) == 1
    mine = [line for line in script.lines if line.segment == segment.index]
    assert [line.speaker for line in mine] == [line.speaker for line in segment.fallback]
    cited = {f for line in mine for f in line.figures}
    assert cited and cited <= {f.id for f in ledger.figures}  # the audit found what they say
    assert all(line.paragraphs for line in mine if line.figures)


@pytest.mark.parametrize("shape", ["prose", "list", "segment list", "one segment", "dialogue"])
def test_other_unambiguous_shapes_are_read_without_a_repair(
    standin: ChatStandIn, article: Article, ledger: Ledger, plan: Outline, shape: str
) -> None:
    segment = plan.segments[1]
    lines = lines_of(segment)
    answer = {
        "prose": f"Here it is: {json.dumps({'lines': lines})} Hope that helps!",
        "list": json.dumps(lines),
        "segment list": json.dumps([{"title": segment.title, "lines": lines}]),
        "one segment": json.dumps({"segment": {"title": segment.title, "lines": lines}}),
        "dialogue": json.dumps({"dialogue": lines}),
    }[shape]
    standin.answer(answer, segment=segment.title)
    script = write(article, ledger, options(standin))

    assert len(standin.for_segment(segment.title)) == 1
    assert by_segment(script)[segment.title] == [line["text"] for line in lines]


# What Qwen2.5-Coder-1.5B-Instruct (Q4 GGUF, on a plain chat-completions server that ignores
# response_format) answered for the opening segment: fenced, one line over the limit.
REAL_ANSWER = """```json
{
  "lines": [
    {"speaker": "Lena", "text": "Hello everyone! Welcome to the episode 'The 130-Kilowatt Rack: \
How AI Is Rewriting the Data Centre'. Today, we're going to talk about a revolutionary new \
technology that's changing the way we store and process data. The article we're about to \
discuss is about NVIDIA's GB200 NVL72 system, which packs 72 GPUs and 36 CPUs into a single \
liquid-cooled rack that draws about 120 kW under load. The article also mentions that operators \
are already provisioning 130 kW per rack to leave headroom. That is roughly nine times the power \
of a traditional 15 kW rack, and more than 20 times a 5 kW rack still common in older \
colocation halls. ", "figures": ["f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"], \
"paragraphs": ["p2"]},
    {"speaker": "Miles", "text": "That's a lot of power! How does this system work? ", \
"figures": [], "paragraphs": ["p2"]}
  ]
}
```"""


def test_a_real_small_models_answer_is_used_as_it_is_with_its_long_line_split(
    standin: ChatStandIn, article: Article, ledger: Ledger, plan: Outline
) -> None:
    segment = plan.segments[0]
    standin.answer(REAL_ANSWER, segment=segment.title)
    script = write(article, ledger, options(standin))

    assert len(standin.for_segment(segment.title)) == 1
    mine = [line for line in script.lines if line.segment == 0]
    assert [line.speaker for line in mine] == ["Lena", "Lena", "Miles"]
    assert all(line.words <= 80 for line in mine)
    assert untraced(audit(mine, ledger)) == []
    for line in mine:  # each piece cites what it says
        stated = {f.figure_id for f in audit([line], ledger) if f.figure_id}
        assert stated <= set(line.figures)
    assert {"f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"} <= {
        f for line in mine[:2] for f in line.figures
    }


def test_a_long_line_is_split_at_sentence_ends(
    standin: ChatStandIn, article: Article, ledger: Ledger, plan: Outline
) -> None:
    segment = plan.segments[-1]
    sentence = "Racks keep getting denser and the buildings around them have to keep up. "
    standin.answer(
        json.dumps(
            {
                "lines": [
                    {
                        "speaker": "Lena",
                        "text": OPENER + sentence * 12,
                        "figures": [],
                        "paragraphs": [],
                    },
                    {
                        "speaker": "Miles",
                        "text": "Thanks for listening.",
                        "figures": [],
                        "paragraphs": [],
                    },
                ]
            }
        ),
        segment=segment.title,
    )
    script = write(article, ledger, options(standin))

    mine = [line for line in script.lines if line.segment == segment.index]
    assert len(standin.for_segment(segment.title)) == 1
    assert [line.speaker for line in mine] == ["Lena", "Lena", "Miles"]
    assert all(line.words <= 80 for line in mine)
    assert " ".join(line.text for line in mine[:2]) == (OPENER + sentence * 12).strip()


# --- repairs --------------------------------------------------------------------------------


def test_malformed_json_gets_a_specific_repair_request(
    standin: ChatStandIn, article: Article, ledger: Ledger, plan: Outline
) -> None:
    segment = plan.segments[1]
    standin.answer('{"lines": [{"speaker": "Lena", "text": "Hello",}]}', segment=segment.title)
    script = write(article, ledger, options(standin))

    assert written_by_model(script, segment.title)
    first, second = standin.for_segment(segment.title)
    *_, answer, repair = second.messages
    assert answer == {"role": "assistant", "content": first_answer(first, standin)}
    assert repair["role"] == "user"
    assert f'Your answer for the segment "{segment.title}" was not JSON' in repair["content"]
    assert "Expecting property name enclosed in double quotes" in repair["content"]
    assert (
        'shaped like this example:\n{"lines": [{"speaker": "Lena", "text": "…"'
        in (repair["content"])
    )
    assert "after 1 repair" in script.notes[0]


def first_answer(request: Request, standin: ChatStandIn) -> str:
    """The answer the stand-in gave to `request` (the next request echoes it back)."""
    later = [
        r
        for r in standin.requests
        if r.messages[: len(request.messages)] == request.messages
        and len(r.messages) > len(request.messages)
    ]
    return later[0].messages[len(request.messages)]["content"]


def test_an_answer_cut_off_at_the_length_limit_is_asked_again_shorter(
    standin: ChatStandIn, article: Article, ledger: Ledger, plan: Outline
) -> None:
    segment = plan.segments[3]
    # cut off late: the lines before the cut are whole objects, which are not the answer
    standin.answer(good(segment)[:-15], segment=segment.title, truncated=True)
    script = write(article, ledger, options(standin))

    assert written_by_model(script, segment.title)
    repair = standin.for_segment(segment.title)[1].messages[-1]["content"]
    assert "was cut off at the server's length limit before its JSON ended" in repair
    assert f"write at most {len(segment.fallback) + 1} short lines" in repair


def test_an_untraced_number_is_sent_back_with_its_line_and_fixed(
    standin: ChatStandIn, article: Article, ledger: Ledger, plan: Outline
) -> None:
    segment = plan.segments[2]
    lines = lines_of(segment)
    lines[1] = {"speaker": lines[1]["speaker"], "text": "Next-generation racks will draw 450 kW."}
    standin.answer(json.dumps({"lines": lines}), segment=segment.title)
    script = write(article, ledger, options(standin))

    assert written_by_model(script, segment.title)
    assert untraced(audit(script.lines, ledger)) == []
    repair = standin.for_segment(segment.title)[1].messages[-1]["content"]
    speaker = lines[1]["speaker"]
    assert (
        f'- lines[1].text ({speaker}: "Next-generation racks will draw 450 kW."): '
        "'450 kW' matches no figure you were given"
    ) in repair
    assert "Say one of the figures you were given instead (" in repair


def test_a_number_the_article_says_but_the_ledger_lacks_is_explained(
    standin: ChatStandIn, article: Article, ledger: Ledger, plan: Outline
) -> None:
    segment = next(
        (
            s
            for s in plan.segments
            if any("two decades" in p.text for p in article.paragraphs if p.id in s.paragraphs)
        ),
        None,
    )
    if segment is None:
        pytest.skip("the planner no longer draws on the paragraph that says 'two decades'")
    lines = lines_of(segment)
    lines[0]["text"] = OPENER + "For two decades the server rack was a predictable thing."
    standin.answer(json.dumps({"lines": lines}), segment=segment.title)
    write(article, ledger, options(standin))

    repair = standin.for_segment(segment.title)[1].messages[-1]["content"]
    assert (
        "'two decades' matches no figure you were given (the article says it, but it is "
        "not a figure: say it without the number)"
    ) in repair


def test_wrong_speakers_are_sent_back_by_field(
    standin: ChatStandIn, article: Article, ledger: Ledger, plan: Outline
) -> None:
    segment = plan.segments[1]
    lines = lines_of(segment)
    lines[0]["speaker"] = "Host A"
    del lines[-1]["text"]
    standin.answer(json.dumps({"lines": lines}), segment=segment.title)
    write(article, ledger, options(standin))

    repair = standin.for_segment(segment.title)[1].messages[-1]["content"]
    assert "- lines[0].speaker: 'Host A' is not 'Lena' or 'Miles'" in repair
    assert f"- lines[{len(lines) - 1}].text: missing or empty" in repair


def test_the_same_bad_answer_twice_ends_the_repairs_with_the_planners_segment(
    standin: ChatStandIn, article: Article, ledger: Ledger, plan: Outline
) -> None:
    segment = plan.segments[2]
    bad = json.dumps({"lines": [{"speaker": "Lena", "text": "Racks of 450 kW are coming."}]})
    for _ in range(3):
        standin.answer(bad, segment=segment.title)
    script = write(article, ledger, options(standin, max_repairs=5))

    assert len(standin.for_segment(segment.title)) == 2
    assert by_segment(script)[segment.title] == [line.text for line in segment.fallback]
    assert (
        f"segment 3 {segment.title!r} is the planner's: the model gave the same answer "
        'again, which still had 1 untraced number (lines[0].text (Lena: "Racks of 450 kW '
        "are coming.\"): '450 kW' matches no figure you were given)"
    ) in script.notes
    assert untraced(audit(script.lines, ledger)) == []


def test_when_repairs_run_out_the_segment_is_the_planners_and_the_notes_say_why(
    standin: ChatStandIn, article: Article, ledger: Ledger, plan: Outline
) -> None:
    segment = plan.segments[1]
    for n in range(3):
        standin.answer(f"I'd rather not write JSON, take {n}.", segment=segment.title)
    script = write(article, ledger, options(standin, max_repairs=2))

    assert len(standin.for_segment(segment.title)) == 3
    assert by_segment(script)[segment.title] == [line.text for line in segment.fallback]
    note = next(n for n in script.notes if n.startswith("segment 2 "))
    assert note.startswith(
        f"segment 2 {segment.title!r} is the planner's: the model's answer still was not JSON ("
    )
    assert note.endswith(") after 2 repairs")
    assert all(written_by_model(script, s.title) for s in plan.segments if s is not segment)


# --- a failing endpoint ---------------------------------------------------------------------


def test_a_segment_whose_requests_time_out_is_the_planners(
    standin: ChatStandIn, article: Article, ledger: Ledger, plan: Outline
) -> None:
    segment = plan.segments[1]
    for _ in range(2):
        standin.answer(good(segment), segment=segment.title, delay=1.0)
    script = write(article, ledger, options(standin, timeout=0.3))

    assert len(standin.for_segment(segment.title)) == 2  # tried again once
    assert not written_by_model(script, segment.title)
    assert any(
        n.startswith(f"segment 2 {segment.title!r} is the planner's: the LLM endpoint ")
        and "did not answer within 0.3 s" in n
        for n in script.notes
    )


def test_a_busy_server_and_a_dropped_connection_are_tried_again(
    standin: ChatStandIn, article: Article, ledger: Ledger, plan: Outline
) -> None:
    busy, dropped = plan.segments[1], plan.segments[2]
    standin.fail(503, "upstream overloaded", segment=busy.title)
    standin.drop(segment=dropped.title)
    script = write(article, ledger, options(standin))

    assert written_by_model(script, busy.title) and written_by_model(script, dropped.title)
    assert len(standin.for_segment(busy.title)) == len(standin.for_segment(dropped.title)) == 2


def test_a_segment_the_server_keeps_failing_is_the_planners(
    standin: ChatStandIn, article: Article, ledger: Ledger, plan: Outline
) -> None:
    segment = plan.segments[1]
    for _ in range(2):
        standin.fail(500, "CUDA out of memory", segment=segment.title)
    script = write(article, ledger, options(standin))
    assert any(
        "is the planner's: the LLM endpoint" in n and "HTTP 500: CUDA out of memory" in n
        for n in script.notes
    )


def test_a_slow_endpoint_writing_nothing_is_a_transient_error(
    article: Article, ledger: Ledger, plan: Outline
) -> None:
    server = ChatStandIn(responder=lambda r: Reply(good(segment_of(plan, r)), delay=1.0))
    server.start()
    try:
        with pytest.raises(TransientError, match=r"did not answer within 0\.2 s"):
            write(article, ledger, options(server, timeout=0.2))
    finally:
        server.stop()


def test_an_unreachable_endpoint_is_a_transient_error(article: Article, ledger: Ledger) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # the port was free a moment ago and nothing listens on it now
    llm = LLMOptions(f"http://127.0.0.1:{port}/v1", "test-model", timeout=5)
    with pytest.raises(TransientError, match="could not reach the LLM endpoint"):
        write(article, ledger, WriterOptions("Rack Talk", HOSTS, 5, llm))


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_says_which_setting_to_fix(
    standin: ChatStandIn, article: Article, ledger: Ledger, plan: Outline, status: int
) -> None:
    standin.fail(status, "Incorrect API key provided: sk-test", segment=plan.segments[0].title)
    with pytest.raises(InfracastError, match="refused the API key") as failure:
        write(article, ledger, options(standin))

    assert not isinstance(failure.value, TransientError)
    assert "INFRACAST_LLM_API_KEY" in str(failure.value)
    assert "Incorrect API key provided" in str(failure.value)


@pytest.mark.parametrize("standin", ["openai", "ollama", "vllm"], indirect=True)
def test_another_client_error_quotes_the_server_briefly(
    standin: ChatStandIn, article: Article, ledger: Ledger, plan: Outline
) -> None:
    standin.fail(
        404, "The model `test-model` does not exist. " + "x" * 1000, segment=plan.segments[0].title
    )
    with pytest.raises(InfracastError) as failure:
        write(article, ledger, options(standin, parallel=1))

    message = str(failure.value)
    assert not isinstance(failure.value, TransientError)
    assert "HTTP 404: The model `test-model` does not exist." in message
    assert "INFRACAST_LLM_MODEL" in message and len(message) < 700


def test_the_wrong_server_kind_says_which_setting_to_fix(
    article: Article, ledger: Ledger, plan: Outline
) -> None:
    server = serving("ollama", plan)  # answers /api/chat only
    server.start()
    try:
        llm = LLMOptions(server.base_url + "/v1", "test-model", server="openai")
        with pytest.raises(InfracastError, match="HTTP 404") as failure:
            write(article, ledger, WriterOptions("Rack Talk", HOSTS, 5, llm))
    finally:
        server.stop()
    assert "INFRACAST_LLM_SERVER" in str(failure.value)


def test_without_an_endpoint_the_writer_names_the_settings(
    article: Article, ledger: Ledger
) -> None:
    with pytest.raises(ConfigError, match="INFRACAST_LLM_BASE_URL") as failure:
        write(article, ledger, WriterOptions("Rack Talk", HOSTS, 5))
    assert "INFRACAST_LLM_MODEL" in str(failure.value)


def test_the_prompt_offers_agreements_and_alarms_but_not_low_confidence_mismatches(
    standin: ChatStandIn, article: Article, ledger: Ledger, plan: Outline
) -> None:
    segment = next(s for s in plan.segments if len(s.figures) >= 2)
    stated, computed = segment.figures[:2]

    def check(n: int, agrees: bool, confidence: float, note: str) -> Check:
        return Check(
            id=f"k{n}",
            stated_id=stated,
            computed_id=computed,
            agrees=agrees,
            deviation=0.0 if agrees else 0.5,
            tolerance=0.1,
            confidence=confidence,
            note=note,
        )

    checks = [
        check(1, True, 0.9, "Agreement worth saying"),
        check(2, False, 0.95, "Confident mismatch"),
        check(3, False, 0.4, "Probably two different racks"),
    ]
    write(article, ledger.model_copy(update={"checks": checks}), options(standin))
    prompt = standin.for_segment(segment.title)[0].prompt
    agreements, mismatches = prompt.index("AGREEMENTS ("), prompt.index("MISMATCHES (")
    assert agreements < prompt.index("Agreement worth saying") < mismatches
    assert mismatches < prompt.index("Confident mismatch")
    assert "Probably two different racks" not in prompt
    assert (
        "except for a check listed under MISMATCHES" in standin.requests[0].messages[0]["content"]
    )


# --- the segment cache and the fan-out ------------------------------------------------------


def llm_settings(settings: Settings, standin: ChatStandIn) -> Settings:
    return settings.model_copy(
        update={
            "llm_base_url": standin.base_url,
            "llm_model": "test-model",
            "llm_timeout": 5.0,
            "shows": {"infracast": Show(writer="llm")},
        }
    )


def test_the_script_stage_hands_out_one_part_a_segment_and_then_finds_them_written(
    standin: ChatStandIn, settings: Settings, store: Store, plan: Outline
) -> None:
    from pipeline.stages import STAGES

    stage = next(s for s in STAGES if s.name == "script")
    assert stage.fan_out is not None and stage.fan_out.queue == "write"
    configured = llm_settings(settings, standin)
    source = Source(kind="markdown", uri=str(EXAMPLE), text=EXAMPLE.read_text(encoding="utf-8"))
    episode = actions.submit(store, configured, source).episode
    orchestrate.run_stage(store, configured, episode.id, "ingest")
    inputs = stage.inputs(store, store.episode(episode.id), configured)

    offline = inputs.model_copy(update={"writer": "extractive"})
    assert stage.fan_out.parts(offline, configured) == []  # the offline writer: nothing to hand
    parts = stage.fan_out.parts(inputs, configured)
    assert [p["segment"] for p in parts] == list(range(len(plan.segments)))
    json.dumps(parts)  # they travel as Celery arguments
    for part in parts:
        stage.fan_out.do(part, configured)
    assert len(standin.requests) == len(plan.segments)
    assert stage.fan_out.parts(inputs, configured) == []
    written = list((configured.data_root / "script-segments").glob("*.json"))
    assert len(written) == len(plan.segments)
    for path in written:  # written long ago: reading them marks them used (caches.prune)
        os.utime(path, (0, 0))

    orchestrate.run_stage(store, configured, episode.id, "script")
    saved = store.scripts.get(episode.id)
    assert len(standin.requests) == len(plan.segments)  # each segment was asked for once
    assert all(path.stat().st_mtime > 0 for path in written)
    assert saved.script.writer == "llm" and untraced(saved.findings) == []
    assert all(written_by_model(saved.script, s.title) for s in plan.segments)


@pytest.mark.redis
@pytest.mark.slow
def test_distributed_mode_writes_each_segment_as_a_task_on_the_write_queue(
    standin: ChatStandIn, redis_server: Any, tmp_path: Path, plan: Outline
) -> None:
    from tests.services import Worker, cli, distributed_env, wait_for

    data_root = tmp_path / "data"
    data_root.mkdir()
    env = distributed_env(
        redis_server.url,
        data_root,
        INFRACAST_LLM_BASE_URL=standin.base_url,
        INFRACAST_LLM_MODEL="test-model",
        INFRACAST_SHOWS='{"infracast": {"writer": "llm"}}',
    )
    log = tmp_path / "worker.log"
    worker = Worker(env, log, queues="default,write").start()
    db = Store(f"sqlite:///{data_root / 'infracast.db'}", data_root)
    try:
        assert cli(env, "queue", str(EXAMPLE)).returncode == 0
        wait_for(lambda: db.count_by_state().get(EpisodeState.IN_REVIEW, 0) == 1, timeout=120)
        [episode] = db.episodes()
        script = db.scripts.get(episode.id).script
    finally:
        worker.stop()
        db.close()
    n = len(plan.segments)
    assert re.search(rf"script sent {n} parts to write", log.read_text())
    assert len(standin.requests) == n
    assert script.writer == "llm" and all(written_by_model(script, s.title) for s in plan.segments)
