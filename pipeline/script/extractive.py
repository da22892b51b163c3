"""The extractive writer: an article and its ledger planned as a two-host conversation.

Offline and deterministic: the same article and options give the same script,
byte for byte, in well under a second. Nothing is invented: the hosts say the
article's own sentences (rewritten for the ear by `spoken`), statements the
ledger computes (`tables`, `meaning`) and template phrasing (templates/script/,
one file per move, variants separated by `---`, picked by a hash of the
article; `phrasing`). Every line is audited as it is written (`Episode.say`):
a line with a number the ledger does not hold is never said.

The plan, segment by segment:

- "Intro": a cold open that teases the most striking figure
  (`scoring.striking`) with what it means (the ledger's ratio: "130 kW per
  rack, 8.7 times the 15 kW of a traditional rack") without reading the
  sentence the body will say; the co-host's reaction; the hosts and the title.
- One segment per article section with something new to say. The co-host
  moves the conversation on (a transition naming the heading) and asks; the
  lead explains. Then beat after beat:
    set-up question (co-host, about the figure and who it is about, and only
      when the next line names it: every question is answered by the next turn)
    → explanation (lead: two or three sentences joined into one turn; a
      sentence that points back stays with what it points to, a list or a
      table is said as one)
    → reaction (co-host: names the figure just said and where it stands, "the
      biggest power figure in the piece", or paraphrases the sentence's core,
      `paraphrase`) and what the figure means (the ledger's comparisons, said
      as ratios, growth, shares, totals or rates; checks as "which is where the
      article's roughly nine times comes from"; a mismatch only at alarm
      confidence)
    → the next set-up, or the lead picking up ("Exactly.") where nothing is
      left to ask.
  While the co-host has said less than COHOST_SHARE of the words, turns are
  joined only up to LEAD_TURN words (each gets his question and reaction), a
  short turn may be his, brought in with a connecting phrase, and a long one is
  shared: he answers her from a sentence that opens on "But …" or brings in
  the list's next items. What a turn's figures mean is one line of his.
- "Wrap-up": the co-host's numbers to remember, each with who it is about;
  the lead ties them back to the cold open and signs off.

Length: each section's best point is always said (coverage); the remaining
points join by score until the script is closest to `minutes` × 150 words.
Nothing pads: when the article runs out, `Script.notes` says so.

Where the parts live: the plan in `script.extractive_plan`, the turns and beats of a
segment in `script.extractive_turns`, the intro, transitions and wrap-up in
`script.extractive_frame`; this module chooses the points and builds the episode.
"""

from __future__ import annotations

from pipeline.figures.models import Ledger
from pipeline.models import WORDS_PER_MINUTE, Article, Script, Segment
from pipeline.script import WriterOptions
from pipeline.script.episode import Episode
from pipeline.script.extractive_frame import say_intro, say_transition, say_wrap_up
from pipeline.script.extractive_plan import BOOSTED_SHARE, Plan, make_plan
from pipeline.script.extractive_turns import (
    MAX_TURN,
    group_units,
    leans_on_before,
    say_beat,
    say_turns,
)
from pipeline.script.scoring import Comparison
from pipeline.script.spoken import Abbreviations

WRITER = "extractive"
# Below it (quality wants 35%), the episode is built again with BOOSTED_SHARE.
MIN_COHOST_SHARE = 0.37
TOLERANCE = 0.15  # the length target is met within ±15%
MAX_COMPARISONS = 2  # per point, checks of stated figures first


class ExtractiveWriter:
    """The default writer: offline and deterministic (registered as "extractive")."""

    name = "extractive"

    def write(self, article: Article, ledger: Ledger, options: WriterOptions) -> Script:
        return write(article, ledger, options)


def write(article: Article, ledger: Ledger, options: WriterOptions) -> Script:
    """A two-host script of about `options.minutes`, every number traced to `ledger`."""
    plan = make_plan(article, ledger, options)
    target = options.minutes * WORDS_PER_MINUTE
    chosen = _fit(plan, target)
    episode = _build(plan, chosen)
    if episode.share(plan.cohost) < MIN_COHOST_SHARE:  # short articles: long turns, few beats
        plan.cohost_share, plan.cohost_turn = BOOSTED_SHARE, MAX_TURN
        boosted = _build(plan, chosen)
        if boosted.share(plan.cohost) > episode.share(plan.cohost):
            episode = boosted
    notes = _length_notes(plan, episode.words, target) + _coverage_notes(plan, episode)
    return Script(
        title=article.title,
        summary=_summary(plan),
        segments=[Segment(title=t) for t in episode.segments],
        lines=episode.lines,
        hosts=[plan.lead, plan.cohost],
        writer=WRITER,
        target_minutes=options.minutes,
        notes=notes,
    )


def _coverage_notes(plan: Plan, episode: Episode) -> list[str]:
    sections = plan.article.sections
    sayable = {s for p in plan.points for s in p.sections}
    silent = [s.heading for i, s in enumerate(sections) if s.paragraphs and i not in sayable]
    repeats = sum(1 for i, covered in enumerate(episode.covered) if i in sayable and not covered)
    notes = [
        f"Nothing in section {heading!r} can be said (no sentence whose numbers all "
        "trace to the ledger), so the episode skips it."
        for heading in silent
    ]
    if repeats:
        notes.append(
            f"{repeats} sections repeat earlier material word for word; they have no "
            "segment of their own."
        )
    return notes


# --- length -----------------------------------------------------------------------------


def _fit(plan: Plan, target: float) -> set[int]:
    """The chosen points: the mandatory ones, then the best of the rest, as many as bring
    the script closest to `target` words (builds are fast, so it searches)."""
    optional = [
        p.index
        for p in sorted(plan.points, key=lambda p: (-p.score, p.index))
        if p.index not in plan.mandatory
    ]

    built: dict[int, int] = {}

    def words(k: int) -> int:
        if k not in built:
            built[k] = _build(plan, _in_context(plan, plan.mandatory | set(optional[:k]))).words
        return built[k]

    low, high = 0, len(optional)
    if words(high) < target:
        low = high
    while low < high:  # the fewest points that reach the target
        mid = (low + high) // 2
        low, high = (mid + 1, high) if words(mid) < target else (low, mid)
    k = low - 1 if low and abs(words(low - 1) - target) < abs(words(low) - target) else low
    return _in_context(plan, plan.mandatory | set(optional[:k]))


def _length_notes(plan: Plan, said: int, target: float) -> list[str]:
    minutes = plan.options.minutes
    if said < target * (1 - TOLERANCE):
        return [
            f"The article has material for about {said / WORDS_PER_MINUTE:.1f} "
            f"minutes; {minutes:g} were asked for."
        ]
    if said > target * (1 + TOLERANCE):
        return [
            f"Covering every section takes about {said / WORDS_PER_MINUTE:.1f} "
            f"minutes; {minutes:g} were asked for."
        ]
    return []


def _in_context(plan: Plan, chosen: set[int]) -> set[int]:
    """`chosen` with the sentence before each one that opens by pointing back ("That
    arrangement works …"), so no point is said without what it refers to."""
    found = set(chosen)
    for index in sorted(chosen, reverse=True):
        while index > 0 and leans_on_before(plan.points[index]):
            before = plan.points[index - 1]
            if before.paragraphs[0] != plan.points[index].paragraphs[0]:
                break
            found.add(index := before.index)
    return found


# --- building ---------------------------------------------------------------------------


def _episode(plan: Plan) -> Episode:
    return Episode(plan.article.content_hash, plan.lead, plan.cohost, plan.traced)


def _build(plan: Plan, chosen: set[int]) -> Episode:
    episode = _episode(plan)
    say_intro(episode, plan)
    homes = _homes(plan, chosen)
    for s, heading in enumerate(plan.headings):
        mine = [p for p in plan.points if p.index in chosen and p.section == s]
        episode.covered.append(bool(mine))
        if not mine:
            continue
        episode.segments.append(plan.article.sections[s].heading)
        say_transition(episode, heading, first=len(episode.segments) == 2)
        for turn in say_turns(episode, plan, group_units(mine)):
            say_beat(episode, plan, turn, [c for p in turn for c in homes.get(p.index, [])])
    say_wrap_up(episode, plan)
    episode.join_runs(MAX_TURN)
    return episode


def _homes(plan: Plan, chosen: set[int]) -> dict[int, list[Comparison]]:
    """Each comparison goes after the last chosen point stating one of its inputs or the
    result it checks; every check, then ratios, at most MAX_COMPARISONS others a point. One that
    checks nothing is said only when the episode states all its inputs: a sum of figures
    nobody mentioned would come out of nowhere. A figure is compared by ratio once: the
    ratio that checks the article, else the one against a single value."""
    homes: dict[int, list[Comparison]] = {}
    last: dict[str, int] = {}  # figure id → the last chosen point stating it
    for p in plan.points:
        if p.index in chosen:
            last.update((f.id, p.index) for f in p.figures)
    for c in _one_ratio_each(plan.comparisons):
        figures = c.leaves | ({c.stated.id} if c.stated else set())
        stating = [last[f] for f in figures if f in last]
        # An agreement needs the statement it confirms said; an alarm is always said (the
        # article's figure is wrong, said or not); anything else needs all its inputs said.
        confirms = c.stated is not None and (c.alarm or c.stated.id in last)
        if stating and (confirms or c.leaves <= last.keys()):
            homes.setdefault(max(stating), []).append(c)
    for point, found in homes.items():
        found.sort(key=lambda c: (c.stated is None, c.figure.unit != "x"))
        checks = [c for c in found if c.stated is not None]  # every check is said
        homes[point] = checks + [c for c in found if c.stated is None][:MAX_COMPARISONS]
    return homes


def _one_ratio_each(comparisons: list[Comparison]) -> list[Comparison]:
    """Every ratio that checks the article, and for a figure no check compares, the one
    ratio against a single value: "130 kW is 8.7 times a 15 kW rack" once, not again
    against every other rack the article mentions."""
    checked = {
        c.figure.inputs[0]
        for c in comparisons
        if c.figure.unit == "x" and c.figure.inputs and c.stated is not None
    }
    best: dict[str, Comparison] = {}
    for c in comparisons:
        if c.figure.unit == "x" and c.figure.inputs and c.stated is None:
            key = c.figure.inputs[0]
            if key not in best or (best[key].figure.is_range and not c.figure.is_range):
                best[key] = c
    return [
        c
        for c in comparisons
        if c.figure.unit != "x"
        or not c.figure.inputs
        or c.stated is not None
        or (c.figure.inputs[0] not in checked and best.get(c.figure.inputs[0]) is c)
    ]


def _summary(plan: Plan) -> str:
    """The three best points, in article order, in spoken style."""
    prose = [p for p in plan.points if p.kind != "table"] or plan.points
    best = sorted(sorted(prose, key=lambda p: (-p.score, p.index))[:3], key=lambda p: p.index)
    abbreviations = Abbreviations()
    return abbreviations.expand(" ".join(piece for p in best for piece in p.pieces))
