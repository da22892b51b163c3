"""The frame around an extractive episode's segments: the intro (title, cold open,
hosts), the transition into each segment, and the wrap-up with the numbers to
remember (see `script.extractive`)."""

from __future__ import annotations

import re

from pipeline.figures.display import value_text
from pipeline.figures.models import Figure
from pipeline.script.episode import Episode
from pipeline.script.extractive_plan import Plan, sayable_text
from pipeline.script.meaning import about, noun, ratio_terms, spoken_figure
from pipeline.script.scoring import Comparison, top_figure
from pipeline.script.spoken import english_list, formula_in_words

RECAP_FIGURES = 3


QUESTION_WORDS = frozenset("how what why when where who which".split())


TOPIC_WORDS = 7  # a longer heading is a sentence, not a topic to name


FINITE_VERBS = frozenset(
    """is are was were be been has have had will would can could
should must may might does do did isn't aren't won't can't don't doesn't""".split()
)


COMMON_FIRST = re.compile(
    r"(?:The|A|An|What|How|Why|When|Where|Who|Our|Its|Their|Some|More|"
    r"Less|Which|From|Inside|Beyond|Into)\b(?! [A-Z])"
)


def say_intro(episode: Episode, plan: Plan) -> None:
    lead, cohost = plan.lead, plan.cohost
    if plan.opener:
        figure, point = plan.opener
        said = spoken_figure(figure)
        meaning = _meaning(plan, figure)
        if not (
            meaning
            and episode.line(
                lead,
                "cold_open_meaning",
                "cold_open",
                [figure.id, *meaning[1]],
                point.paragraphs,
                figure=said,
                meaning=meaning[0],
                about=about(figure),
            )
        ):
            episode.line(
                lead,
                "cold_open",
                "cold_open",
                [figure.id],
                point.paragraphs,
                figure=said,
                about=about(figure),
                noun=noun(figure),
            )
        episode.line(
            cohost, "cold_open_reaction", "reaction", [figure.id], figure=said, about=about(figure)
        )
    show = sayable_text(plan.options.show_title, plan.traced) or "the show"
    topic = about(plan.opener[0]) if plan.opener else None
    # Without a title or a topic to name, the lead names the cold open's figure.
    named = plan.opener[0] if plan.opener and not (plan.title or topic) else None
    said_named = spoken_figure(named) if named else None
    if not episode.line(
        lead,
        "intro_lead",
        "intro",
        [named.id] if named else None,
        show=show,
        lead=lead,
        cohost=cohost,
        title=plan.title,
        topic=topic,
        figure=said_named,
        must=plan.title or topic or said_named or "",
    ):
        episode.line(
            lead,
            "intro_lead",
            "intro",
            show=show,
            lead=lead,
            cohost=cohost,
            title=plan.title,
            topic=topic,
            figure=None,
        )
    episode.line(cohost, "intro_cohost", "intro", lead=lead)


def _meaning(plan: Plan, figure: Figure) -> tuple[str, list[str]] | None:
    """The figure against another the article gives, as "8.7 times the 15 kW of a
    traditional rack": the ledger's ratio built on it, the largest first."""

    def order(c: Comparison) -> tuple[bool, bool, float]:
        return c.stated is None, c.figure.is_range, -c.figure.high

    for c in sorted(plan.comparisons, key=order):
        terms = ratio_terms(c.figure, plan.ledger) if c.figure.unit == "x" else None
        if terms and terms[0].id == figure.id:
            other = terms[1]
            whose = about(other)
            times = formula_in_words(c.figure.text)
            said = f"{times} the {value_text(other)}" + (f" of {whose}" if whose else "")
            if plan.traced(said):
                return said, [c.figure.id, other.id]
    return None


def say_transition(episode: Episode, heading: str | None, first: bool) -> None:
    """The co-host moves the conversation on, and then asks. The first segment is the
    lead's to open ("First, the background."), straight into her explanation: the
    co-host's greeting already asked her where to start."""
    speaker = episode.lead if first else episode.cohost
    if heading and not _names_a_topic(heading):
        heading = None  # "Then there's Wires are the slowest part." is not English
    if heading and COMMON_FIRST.match(heading):
        heading = heading[0].lower() + heading[1:]
    if (
        first
        or heading is None
        or not episode.line(speaker, "transition", "transition", heading=heading)
    ):
        episode.line(speaker, "transition_first" if first else "transition_plain", "transition")


def _names_a_topic(heading: str) -> bool:
    """Whether a heading reads as a topic a host can name ("the gigawatt campus", "nuclear,
    gas and the long-term contract"), not a question, a clause ("Wires are the slowest
    part"), a headline with a colon, or shouting ("THE NUMBER")."""
    words = heading.split()
    return (
        0 < len(words) <= TOPIC_WORDS
        and not re.search(r"[?!:;—–]", heading)
        and words[0].lower() not in QUESTION_WORDS
        and not heading.isupper()
        and not any(w.lower() in FINITE_VERBS for w in words)
    )


def say_wrap_up(episode: Episode, plan: Plan) -> None:
    """The co-host names the numbers to remember and what they are about; the lead ties
    them back to the cold open (with what it means, when the ledger compares it) and signs
    off in one turn; the co-host signs off."""
    episode.segments.append("Wrap-up")
    figures = _recap_figures(episode, plan)
    numbers = english_list([_with_meaning(f) for f in figures])
    name = "recap_cohost" if len(figures) > 1 else "recap_cohost_one"
    if not figures or not episode.line(
        plan.cohost, name, "recap", [f.id for f in figures], numbers=numbers
    ):
        episode.line(plan.cohost, "recap_cohost_plain", "recap")
    opener = plan.opener[0] if plan.opener and plan.opener[0].id in episode.cited else None
    recapped = False
    if opener is not None:
        said, meaning = spoken_figure(opener), _meaning(plan, opener)
        recapped = (
            meaning is not None
            and episode.line(
                plan.lead,
                "recap_lead_meaning",
                "recap",
                [opener.id, *meaning[1]],
                figure=said,
                meaning=meaning[0],
            )
        ) or episode.line(plan.lead, "recap_lead", "recap", [opener.id], figure=said)
    if not recapped:
        episode.line(plan.lead, "recap_lead_untitled", "recap")
    show = sayable_text(plan.options.show_title, plan.traced) or "the show"
    episode.line(plan.lead, "outro_lead", "outro", show=show, lead=plan.lead)
    episode.line(plan.cohost, "outro_cohost", "outro", cohost=plan.cohost)


def _with_meaning(figure: Figure) -> str:
    """A recap's figure with who it is about: "$315 billion for the four companies"."""
    whose = about(figure)
    said = value_text(figure)
    return f"{said} for {whose}" if whose else said


def _recap_figures(episode: Episode, plan: Plan) -> list[Figure]:
    """Headline figures the episode said: the cold open's, then each section's top figure
    (a figure the ledger's checks confirm first), the best sections first; one a figure
    about the same thing as another in the list."""
    confirmed = frozenset(c.stated_id for c in plan.ledger.checks if c.agrees)
    said: dict[int, list[Figure]] = {}
    best: dict[int, float] = {}
    for p in plan.points:
        said.setdefault(p.section, []).extend(f for f in p.figures if f.id in episode.cited)
        best[p.section] = max(best.get(p.section, 0.0), p.score)
    headline = [plan.opener[0]] if plan.opener and plan.opener[0].id in episode.cited else []
    opened = {plan.opener[1].section} if plan.opener else set()
    for section in sorted(said, key=lambda s: (-best[s], s)):
        top = top_figure(said[section], confirmed)
        if (
            section not in opened
            and top
            and value_text(top) not in map(value_text, headline)
            and (top.entity, top.kind) not in {(f.entity, f.kind) for f in headline}
        ):
            headline.append(top)
    return headline[:RECAP_FIGURES]
