"""Issue 13's script measures on small hand-made scripts: copied lines, stock sentences,
repeats, turn lengths, answered questions, dangling pronouns and length."""

from __future__ import annotations

import pytest

from pipeline.ingest.markup import parse_markdown
from pipeline.models import WORDS_PER_MINUTE, Article, Line, Script, Segment
from pipeline.script import quality

ARTICLE = """\
# Liquid Cooling Goes Mainstream

A traditional air-cooled rack draws about 10 kW, while the newest AI racks need 80 kW per rack.

## Why air runs out

Air simply cannot move heat fast enough at these densities. Fans already use around 15% of a
server's power, and adding more of them is not an option.
"""


def article() -> Article:
    return parse_markdown(ARTICLE, "test.md")


def script(*lines: tuple[str, str] | tuple[str, str, int], minutes: float = 1.0) -> Script:
    """A script from (speaker, text[, segment]) tuples; hosts Lena (lead) and Miles."""
    made = [
        Line(id=f"l{i}", speaker=spec[0], text=spec[1], segment=spec[2] if len(spec) > 2 else 0)
        for i, spec in enumerate(lines, 1)
    ]
    segments = max((line.segment for line in made), default=0) + 1
    return Script(
        title="t",
        summary="s",
        segments=[Segment(title=f"s{i}") for i in range(segments)],
        lines=made,
        hosts=["Lena", "Miles"],
        target_minutes=minutes,
    )


# copied_lines


def test_a_sentence_read_off_the_article_is_copied_and_a_retelling_is_not() -> None:
    written = script(
        ("Lena", "Air simply cannot move heat fast enough at these densities."),
        ("Miles", "So the fans lose, basically, once a rack gets past eighty kilowatts?"),
        ("Lena", "Right: fans already burn around 15% of a server's power as it is."),
    )
    assert quality.copied_lines(written, article()) == ["l1"]


def test_copied_means_at_least_60_percent_of_the_4_grams() -> None:
    # 9 words ("air-cooled" is two) → 6 4-grams; the first four are the article's (67%).
    over = "A traditional air-cooled rack draws about ten kW"
    # 10 words → 7 4-grams; the first four are the article's (57%): not copied.
    under = "A traditional air-cooled rack draws about ten times less"
    written = script(("Lena", over), ("Miles", under))
    assert quality.copied_lines(written, article()) == ["l1"]


def test_headings_and_the_title_are_article_text_and_short_lines_are_never_copied() -> None:
    written = script(("Lena", "Liquid cooling goes mainstream."), ("Miles", "Why air runs out?"))
    assert quality.copied_lines(written, article()) == ["l1", "l2"]
    assert quality.copied_lines(script(("Lena", "Air simply cannot.")), article()) == []


# stock_sentences


def test_a_sentence_in_three_scripts_is_stock_and_in_two_is_not() -> None:
    welcome = "Hello and welcome to Infracast."
    scripts = [
        script(("Lena", welcome), ("Miles", "That is quite a place to start.")),
        script(("Lena", welcome + " Today: racks."), ("Miles", "That is quite a place to start.")),
        script(("Lena", welcome), ("Miles", "Tell me more about that.")),
        script(("Lena", "Hello, welcome to the show."), ("Miles", "Okay then.")),
    ]
    assert quality.stock_sentences(scripts) == {"hello and welcome to infracast": 3}


def test_a_script_counts_a_stock_sentence_once_and_short_sentences_are_not_stock() -> None:
    scripts = [script(("Lena", "Let us begin now. Let us begin now. Wow."))] * 2 + [
        script(("Lena", "Wow."))
    ]
    assert quality.stock_sentences(scripts) == {}


def test_a_sentence_quoted_from_each_scripts_own_article_is_not_stock() -> None:
    quote = "Air simply cannot move heat fast enough at these densities."
    scripts = [script(("Lena", quote))] * 3
    assert quality.stock_sentences(scripts) != {}
    texts = [quality.article_text(article())] * 3
    assert quality.stock_sentences(scripts, texts) == {}
    # quoted in only two of the articles: the third script's saying it is stock phrasing
    assert quality.stock_sentences(scripts, [*texts[:2], "# Other\n\nNothing alike."]) == {}
    with pytest.raises(ValueError):
        quality.stock_sentences(scripts, texts[:2])


def test_stock_lines_are_the_lines_that_say_a_stock_sentence() -> None:
    written = script(("Lena", "Hi. Hello and welcome to Infracast."), ("Miles", "Hello there."))
    assert quality.stock_lines(written, ["hello and welcome to infracast"]) == ["l1"]


# repeated_sentences


def test_the_four_word_form_ignores_three_word_repeats() -> None:
    written = script(
        ("Lena", "That is big. The racks draw more power."),
        ("Miles", "That is big. The racks draw more power!"),
    )
    assert len(quality.repeated_sentences(written)) == 2
    assert quality.repeated_sentences(written, min_words=4) == [
        "said 2 times: 'the racks draw more power'"
    ]


# turn_lengths, median_turn


def test_a_turn_is_a_run_of_lines_by_one_speaker() -> None:
    written = script(
        ("Lena", "one two three"),
        ("Lena", "four five", 1),
        ("Miles", "six"),
        ("Lena", "seven eight nine ten"),
        ("Miles", "a b"),
        ("Miles", "c d e f g h"),
    )
    assert quality.turn_lengths(written) == {"Lena": [5, 4], "Miles": [1, 8]}
    assert quality.median_turn(written) == {"Lena": 4.5, "Miles": 4.5}


def test_a_host_who_never_speaks_has_a_median_turn_of_zero() -> None:
    assert quality.median_turn(script(("Lena", "a b c"))) == {"Lena": 3.0, "Miles": 0.0}


# unanswered_questions


ANSWER = "The newest AI racks need eighty kilowatts each, so air cannot keep up."


def test_a_question_answered_on_its_subject_is_answered() -> None:
    written = script(("Miles", "How much power does one of these racks need?"), ("Lena", ANSWER))
    assert quality.questions_asked(written) == ["l1"]
    assert quality.unanswered_questions(written) == []


@pytest.mark.parametrize(
    "reply",
    [
        ("Lena", "Sources: company earnings reports, investor guidance and public filings."),
        ("Lena", "Racks, mostly. Why do you ask about these racks today, Miles?"),
        ("Lena", "Racks need a lot."),
        ("Miles", ANSWER),
        None,
    ],
    ids=["off-topic", "a question back", "too short", "same speaker", "last line"],
)
def test_a_question_without_a_reply_on_its_subject_is_unanswered(
    reply: tuple[str, str] | None,
) -> None:
    question = ("Miles", "How much power does one of these racks need?")
    written = script(question, reply) if reply else script(question)
    assert quality.unanswered_questions(written) == ["l1"]


def test_reactions_and_the_leads_questions_are_not_questions() -> None:
    written = script(
        ("Miles", "Really? Wow."),
        ("Miles", "Eighty kilowatts? Really?"),
        ("Lena", "Why would anyone build racks like that?"),
        ("Miles", "No idea."),
    )
    assert quality.questions_asked(written) == []
    assert quality.unanswered_questions(written) == []


def test_only_the_last_sentence_makes_a_line_a_question() -> None:
    written = script(("Miles", "What is going on with cooling here? Tell me everything."))
    assert quality.questions_asked(written) == []


# dangling_pronouns


def test_a_pronoun_with_a_noun_just_before_it_has_an_antecedent() -> None:
    written = script(
        ("Lena", "The newest racks draw eighty kilowatts."),
        ("Miles", "Wow."),
        ("Lena", "They need liquid cooling."),
    )
    assert quality.dangling_pronouns(written) == []


def test_a_pronoun_opening_a_segment_dangles() -> None:
    written = script(
        ("Lena", "The newest racks draw eighty kilowatts."),
        ("Lena", "They need liquid cooling.", 1),
    )
    assert quality.dangling_pronouns(written) == ["l2"]
    assert quality.dangling_pronoun_words(written) == {"l2": "they"}


def test_a_pronoun_three_lines_after_its_noun_dangles() -> None:
    written = script(
        ("Lena", "The newest racks draw eighty kilowatts."),
        ("Miles", "Wow."),
        ("Lena", "Hmm."),
        ("Miles", "And it keeps going up."),
    )
    assert quality.dangling_pronouns(written) == ["l4"]


def test_an_earlier_sentence_of_the_line_can_hold_the_antecedent() -> None:
    written = script(("Lena", "Look at the chillers. They were never built for this."))
    assert quality.dangling_pronouns(written) == []


def test_a_figure_just_said_is_an_antecedent() -> None:
    written = script(("Lena", "€7.9 billion. That is the number to remember.", 1))
    assert quality.dangling_pronouns(written) == []


def test_this_before_a_noun_is_a_determiner_and_before_a_verb_a_pronoun() -> None:
    determiner = script(("Lena", "This rack draws eighty kilowatts."))
    pronoun = script(("Lena", "Wow."), ("Lena", "That is a lot."))
    assert quality.dangling_pronouns(determiner) == []
    assert quality.dangling_pronouns(pronoun) == ["l2"]


def test_lines_that_open_on_no_pronoun_are_never_parsed() -> None:
    assert quality.dangling_pronoun_words(script(("Lena", "Wow."), ("Miles", "Okay."))) == {}


# length_ratio


def test_length_ratio_is_words_over_the_target() -> None:
    words = " ".join(["word"] * (WORDS_PER_MINUTE // 2))
    assert quality.length_ratio(script(("Lena", words), minutes=1)) == pytest.approx(0.5)
    assert quality.length_ratio(script(("Lena", words), minutes=0.5)) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        quality.length_ratio(script(("Lena", words), minutes=0))
