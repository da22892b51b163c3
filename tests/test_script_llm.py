"""The "llm" script writer, against a stand-in for a remote LLM API.

A remote LLM API cannot run here, so these tests talk to tests/llm_standin.py:
a real HTTP server on 127.0.0.1 that speaks the chat-completions protocol but
answers from canned replies each test queues. What is real: the writer's HTTP
client, its prompt, its validation, the figures audit and the repair loop.
"""

from __future__ import annotations

import copy
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from pipeline.errors import ConfigError, InfracastError, TransientError
from pipeline.figures.audit import audit, untraced
from pipeline.figures.ledger import build_ledger
from pipeline.figures.models import Check, Ledger
from pipeline.ingest import IngestOptions, article_from_source
from pipeline.models import Article, Source
from pipeline.script import Host, LLMOptions, WriterOptions
from pipeline.script.llm import write
from tests.conftest import EXAMPLE
from tests.llm_standin import ChatStandIn

HOSTS = (Host("Lena", "leads and explains"), Host("Miles", "asks, connects and reacts"))

GOOD: dict[str, Any] = {
    "title": "The 130-kilowatt rack",
    "summary": "Why AI racks draw so much power, and what that does to campuses and budgets.",
    "segments": [{"title": "Opening"}, {"title": "Denser racks"}, {"title": "The money"}],
    "lines": [
        {
            "speaker": "Lena",
            "text": "Welcome back. Today, a rack that draws about 120 kW.",
            "segment": 0,
            "figures": ["f5"],
            "paragraphs": ["p2"],
        },
        {
            "speaker": "Miles",
            "text": "How does that compare with an older rack?",
            "segment": 0,
            "figures": [],
            "paragraphs": ["p1"],
        },
        {
            "speaker": "Lena",
            "text": "A traditional rack drew 15 kW, so operators now plan for "
            "roughly nine times the power.",
            "segment": 1,
            "figures": ["f8", "c2"],
            "paragraphs": ["p2"],
        },
        {
            "speaker": "Miles",
            "text": "And a 100 MW campus holds only about 770 racks?",
            "segment": 1,
            "figures": ["f14", "c5"],
            "paragraphs": ["p5"],
        },
        {
            "speaker": "Lena",
            "text": "Right. Meanwhile the biggest spenders plan $315 billion of capex in 2025.",
            "segment": 2,
            "figures": ["f25"],
            "paragraphs": ["p8"],
        },
    ],
}


def script_json(**line_changes: Any) -> str:
    """The good script as JSON, with the third line's fields replaced by `line_changes`."""
    script = copy.deepcopy(GOOD)
    script["lines"][2].update(line_changes)
    return json.dumps(script)


@pytest.fixture(scope="module")
def article() -> Article:
    source = Source(kind="markdown", uri=str(EXAMPLE), text=EXAMPLE.read_text())
    return article_from_source(source, IngestOptions())


@pytest.fixture(scope="module")
def ledger(article: Article) -> Ledger:
    return build_ledger(article)


@pytest.fixture
def standin() -> Iterator[ChatStandIn]:
    server = ChatStandIn()
    server.start()
    yield server
    server.stop()


def options(standin: ChatStandIn, **llm: Any) -> WriterOptions:
    settings = {"model": "test-model", "api_key": "sk-test", "timeout": 5.0, **llm}
    return WriterOptions("Rack Talk", HOSTS, 5, LLMOptions(standin.base_url, **settings))


def test_a_valid_answer_becomes_a_script_whose_numbers_all_trace(
    standin: ChatStandIn, article: Article, ledger: Ledger
) -> None:
    standin.answer(script_json())
    script = write(article, ledger, options(standin))

    assert [line.id for line in script.lines] == ["l1", "l2", "l3", "l4", "l5"]
    assert script.hosts == ["Lena", "Miles"] and script.writer == "llm"
    assert script.lines[1].move == "question" and script.lines[3].figures == ["f14", "c5"]
    assert untraced(audit(script.lines, ledger)) == []
    assert script.notes[0] == "written by test-model in 1 request"
    (request,) = standin.requests
    assert request.headers["Authorization"] == "Bearer sk-test"
    assert request.body["model"] == "test-model"
    assert request.response_format["type"] == "json_schema"
    assert request.response_format["json_schema"]["strict"] is True
    schema = request.response_format["json_schema"]["schema"]
    assert schema["properties"]["lines"]["items"]["properties"]["speaker"]["enum"] == [
        "Lena",
        "Miles",
    ]
    prompt = "\n".join(m["content"] for m in request.messages)
    assert all(f"{f.id}: " in prompt for f in ledger.figures)
    assert all(f"[{p.id}] " in prompt for p in article.paragraphs)
    assert "130 kW ÷ 15 kW = 8.7×" in prompt  # computed figures come with their formula
    assert "Rack Talk" in prompt and "about 750 words" in prompt
    assert "Miles asks, connects and reacts" in prompt


def test_the_prompt_offers_agreements_and_alarms_but_not_low_confidence_mismatches(
    standin: ChatStandIn, article: Article, ledger: Ledger
) -> None:
    def check(n: int, agrees: bool, confidence: float, note: str) -> Check:
        return Check(id=f"k{n}", stated_id="f8", computed_id="c2", agrees=agrees,
                     deviation=0.0 if agrees else 0.5, tolerance=0.1, confidence=confidence,
                     note=note)

    checks = [
        check(1, True, 0.9, "Agreement worth saying"),
        check(2, False, 0.95, "Confident mismatch"),
        check(3, False, 0.4, "Probably two different racks"),
    ]
    standin.answer(script_json())
    write(article, ledger.model_copy(update={"checks": checks}), options(standin))
    prompt = "\n".join(m["content"] for m in standin.requests[0].messages)
    agreements, mismatches = prompt.index("AGREEMENTS ("), prompt.index("MISMATCHES (")
    assert agreements < prompt.index("Agreement worth saying") < mismatches
    assert mismatches < prompt.index("Confident mismatch")
    assert "Probably two different racks" not in prompt
    assert "except for a check listed under MISMATCHES" in prompt


def test_invalid_json_is_repaired_and_a_json_fence_is_tolerated(
    standin: ChatStandIn, article: Article, ledger: Ledger
) -> None:
    standin.answer('Here is the script: {"title": "Racks",')
    standin.answer(f"```json\n{script_json()}\n```")
    script = write(article, ledger, options(standin))

    assert len(script.lines) == 5
    assert script.notes[0] == "written by test-model in 2 requests, after 1 repair"
    *_, answer, repair = standin.requests[1].messages
    assert answer == {"role": "assistant", "content": 'Here is the script: {"title": "Racks",'}
    assert repair["role"] == "user" and "was not valid JSON" in repair["content"]


def test_an_answer_off_the_schema_is_repaired(
    standin: ChatStandIn, article: Article, ledger: Ledger
) -> None:
    standin.answer(json.dumps({"title": "Racks", "summary": "Short.", "segments": []}))
    standin.answer(script_json())
    write(article, ledger, options(standin))

    repair = standin.requests[1].messages[-1]["content"]
    assert "did not match the script schema" in repair
    assert (
        "segments: List should have at least 1 item" in repair and "lines: Field required" in repair
    )


def test_an_untraced_number_is_sent_back_and_fixed(
    standin: ChatStandIn, article: Article, ledger: Ledger
) -> None:
    standin.answer(script_json(text="Next-generation racks will draw 450 kW."))
    standin.answer(script_json())
    script = write(article, ledger, options(standin))

    assert untraced(audit(script.lines, ledger)) == []
    repair = standin.requests[1].messages[-1]["content"]
    assert "had 1 untraced number" in repair and "l3 '450 kW'" in repair


def test_wrong_speakers_segments_and_ids_are_sent_back(
    standin: ChatStandIn, article: Article, ledger: Ledger
) -> None:
    standin.answer(script_json(speaker="Host A", segment=7, figures=["f999"], paragraphs=["p99"]))
    standin.answer(script_json(speaker=" lena "))  # case and spacing are forgiven
    script = write(article, ledger, options(standin))

    assert script.lines[2].speaker == "Lena"
    repair = standin.requests[1].messages[-1]["content"]
    assert "l3: speaker 'Host A' is not 'Lena' or 'Miles'" in repair
    assert "l3: segment 7 does not exist" in repair
    assert "'f999' is not a ledger figure id" in repair and "'p99' is not an article" in repair


def test_still_wrong_after_the_last_repair_fails_saying_what_is_wrong(
    standin: ChatStandIn, article: Article, ledger: Ledger
) -> None:
    for _ in range(3):
        standin.answer(script_json(text="Racks of 450 kW need 3 GW campuses."))
    with pytest.raises(InfracastError) as failure:
        write(article, ledger, options(standin, max_repairs=2))

    assert not isinstance(failure.value, TransientError)
    assert str(failure.value) == (
        "the LLM's script still had 2 untraced numbers after 2 repairs: l3 '450 kW', l3 '3 GW'"
    )
    assert len(standin.requests) == 3


def test_no_structured_output_falls_back_to_json_mode(
    standin: ChatStandIn, article: Article, ledger: Ledger
) -> None:
    standin.rejects_json_schema = True
    standin.answer(script_json(text="Next-generation racks will draw 450 kW."))
    standin.answer(script_json())
    script = write(article, ledger, options(standin))

    kinds = [r.response_format["type"] for r in standin.requests]
    assert kinds == ["json_schema", "json_object", "json_object"]
    assert "JSON mode was used" in " ".join(script.notes)


def test_a_slow_endpoint_is_a_transient_error(
    standin: ChatStandIn, article: Article, ledger: Ledger
) -> None:
    standin.answer(script_json(), delay=1.0)
    with pytest.raises(TransientError, match=r"did not answer within 0\.2 s"):
        write(article, ledger, options(standin, timeout=0.2))


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
    standin: ChatStandIn, article: Article, ledger: Ledger, status: int
) -> None:
    standin.fail(status, "Incorrect API key provided: sk-test")
    with pytest.raises(InfracastError, match="refused the API key") as failure:
        write(article, ledger, options(standin))

    assert not isinstance(failure.value, TransientError)
    assert "INFRACAST_LLM_API_KEY" in str(failure.value)
    assert "Incorrect API key provided" in str(failure.value)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_busy_or_failing_endpoint_is_a_transient_error(
    standin: ChatStandIn, article: Article, ledger: Ledger, status: int
) -> None:
    standin.fail(status, "upstream overloaded")
    with pytest.raises(TransientError, match=f"HTTP {status}: upstream overloaded"):
        write(article, ledger, options(standin))


def test_another_client_error_quotes_the_server_briefly(
    standin: ChatStandIn, article: Article, ledger: Ledger
) -> None:
    standin.fail(404, "The model `test-model` does not exist. " + "x" * 1000)
    with pytest.raises(InfracastError) as failure:
        write(article, ledger, options(standin))

    message = str(failure.value)
    assert not isinstance(failure.value, TransientError)
    assert "HTTP 404: The model `test-model` does not exist." in message
    assert "INFRACAST_LLM_MODEL" in message and len(message) < 600


def test_without_an_endpoint_the_writer_names_the_settings(
    article: Article, ledger: Ledger
) -> None:
    with pytest.raises(ConfigError, match="INFRACAST_LLM_BASE_URL") as failure:
        write(article, ledger, WriterOptions("Rack Talk", HOSTS, 5))
    assert "INFRACAST_LLM_MODEL" in str(failure.value)
