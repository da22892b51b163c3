"""The extractive writer: the article's own sentences, laid out as a two-host episode.

Offline and deterministic: the same article and options give the same
script, byte for byte. The article's sentences are scored by `scoring` and
rewritten by `spoken`. Phrasing comes from templates/script/ (one file per
move, variants separated by `---`), picked by a hash of the article's content
hash and the move's index. Each variant is said at most once an episode
(one-word interjections aside), and no sentence is said twice; a move whose
variants have run out is left out rather than repeated.

The episode, segment by segment:

- "Intro" (segment 0): a cold open, the hosts and the article. The cold open
  says the most striking figure (`scoring.striking`): a figure stated in the
  article's title; else the figure a computed ratio is built on, the largest
  ratio first; else the largest money figure; else the best point's first
  figure. An article without figures has no cold open.
- One segment per article section that has something new to say, titled
  with its heading: the section's points in article order, each led into by
  a co-host question (or a hand-off to the co-host), followed by computed
  comparisons spoken as formulas ("130 kW divided by 15 kW comes to 8.7
  times"; with the article's own statement when it checks one, a mismatch
  only when the check is an alarm), and now and then a reaction. A section
  that only repeats earlier sentences word for word has no segment (its
  paragraphs are cited by the lines that say them).
- "Wrap-up": a recap naming the headline figures said, and an outro.

Headline figures: the cold-open figure, each section's top figure (the most
telling figure of its best point, which is always said) and every computed
figure that checks a figure the episode states.

Length: each section's best point is always said (coverage); the remaining
points join by score until the script is closest to `minutes` × 150 words.
Nothing pads: when the article runs out, `Script.notes` says so. The co-host
takes a point whenever their share of the words falls below COHOST_SHARE,
which keeps both hosts within the 35–65% the quality checks ask for.

Every line is audited as it is written: a line with a number the ledger does
not hold is never said, and spoken sentences with one were dropped earlier.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.figures.display import value_text
from pipeline.figures.models import Figure, Ledger
from pipeline.models import WORDS_PER_MINUTE, Article, Line, Move, Script, Segment
from pipeline.script import WriterOptions, scoring
from pipeline.script.quality import SENTENCE_END, sentence_keys
from pipeline.script.scoring import Comparison, Point, Tracer, top_figure
from pipeline.script.spoken import Abbreviations, capitalize, english_list, sentences_of, tidy
from pipeline.templating import environment

WRITER = "extractive"
COHOST_SHARE = 0.45  # the co-host takes the next point below this share of the words
TOLERANCE = 0.15  # the length target is met within ±15%
MAX_TURN = 60  # words; a longer point is said in two turns
MAX_COMPARISONS = 3  # per point, checks of stated figures first
REACT_EVERY = 3  # about one point in three with figures gets a reaction
RECAP_FIGURES = 3
ANAPHORA = re.compile(r"(?:That|This|These|Those|It|Its|They|Their|Such)\b")
REUSABLE = frozenset({"reaction_short"})  # one-word interjections; every other variant is
# said at most once an episode, and a move whose variants have run out is left out


@dataclass
class _Plan:
    """Everything a build needs that does not depend on which points are chosen."""

    article: Article
    ledger: Ledger
    options: WriterOptions
    traced: Tracer
    points: list[Point]
    comparisons: list[Comparison]
    opener: tuple[Figure, Point] | None
    mandatory: set[int]  # point indexes: each section's best, and the cold open's
    title: str | None  # None where the title cannot be said
    headings: list[str | None]

    @property
    def lead(self) -> str:
        return self.options.hosts[0].name

    @property
    def cohost(self) -> str:
        return self.options.hosts[1].name


def write(article: Article, ledger: Ledger, options: WriterOptions) -> Script:
    """A two-host script of about `options.minutes`, every number traced to `ledger`."""
    plan = _plan(article, ledger, options)
    target = options.minutes * WORDS_PER_MINUTE
    chosen, notes = _fit(plan, target)
    episode = _build(plan, chosen)
    notes += _coverage_notes(plan, episode)
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


def _coverage_notes(plan: _Plan, episode: _Episode) -> list[str]:
    sections = plan.article.sections
    sayable = {s for p in plan.points for s in p.sections}
    silent = [s.heading for i, s in enumerate(sections) if s.paragraphs and i not in sayable]
    repeats = sum(1 for i, covered in enumerate(episode.covered) if i in sayable and not covered)
    notes = [f"Nothing in section {heading!r} can be said (no sentence whose numbers all "
             "trace to the ledger), so the episode skips it." for heading in silent]
    if repeats:
        notes.append(f"{repeats} sections repeat earlier material word for word; they have no "
                     "segment of their own.")
    return notes


# --- planning ---------------------------------------------------------------------------


def _plan(article: Article, ledger: Ledger, options: WriterOptions) -> _Plan:
    traced = Tracer(ledger)
    found = scoring.points(article, ledger, traced)
    best: dict[int, Point] = {}
    for p in found:
        for s in p.sections:
            if s not in best or p.score > best[s].score:
                best[s] = p
    opener = scoring.striking(article, ledger, found)
    mandatory = {p.index for p in best.values()} | ({opener[1].index} if opener else set())
    return _Plan(
        article, ledger, options, traced, found, scoring.comparisons(ledger, traced), opener,
        mandatory, _sayable(article.title, traced),
        [_sayable(s.heading, traced) for s in article.sections],
    )


def _sayable(text: str, traced: Tracer) -> str | None:
    said = tidy(" ".join(sentences_of(text))).rstrip(".?!:;")
    return said if said and traced(said) else None


# --- length -----------------------------------------------------------------------------


def _fit(plan: _Plan, target: float) -> tuple[set[int], list[str]]:
    """The chosen points: the mandatory ones, then the best of the rest, as many as bring
    the script closest to `target` words (builds are fast, so it searches)."""
    optional = [p.index for p in sorted(plan.points, key=lambda p: (-p.score, p.index))
                if p.index not in plan.mandatory]

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
    said = words(k)
    minutes = plan.options.minutes
    notes = []
    if said < target * (1 - TOLERANCE):
        notes.append(f"The article has material for about {said / WORDS_PER_MINUTE:.1f} "
                     f"minutes; {minutes:g} were asked for.")
    elif said > target * (1 + TOLERANCE):
        notes.append(f"Covering every section takes about {said / WORDS_PER_MINUTE:.1f} "
                     f"minutes; {minutes:g} were asked for.")
    return _in_context(plan, plan.mandatory | set(optional[:k])), notes


def _in_context(plan: _Plan, chosen: set[int]) -> set[int]:
    """`chosen` with the sentence before each one that opens by pointing back ("That
    arrangement works …"), so no point is said without what it refers to."""
    found = set(chosen)
    for index in sorted(chosen, reverse=True):
        while index > 0 and ANAPHORA.match(plan.points[index].text):
            before = plan.points[index - 1]
            if before.paragraphs[0] != plan.points[index].paragraphs[0]:
                break
            found.add(index := before.index)
    return found


# --- building ---------------------------------------------------------------------------


@dataclass
class _Episode:
    """One build of the episode: lines so far, what was said, who said how much."""

    plan: _Plan
    lines: list[Line] = field(default_factory=list)
    segments: list[str] = field(default_factory=lambda: ["Intro"])
    covered: list[bool] = field(default_factory=list)
    said: set[str] = field(default_factory=set)
    spoken: Counter[str] = field(default_factory=Counter)
    used: set[tuple[str, int]] = field(default_factory=set)
    moves: Counter[str] = field(default_factory=Counter)
    cited: set[str] = field(default_factory=set)
    abbreviations: Abbreviations = field(default_factory=Abbreviations)

    @property
    def words(self) -> int:
        return sum(self.spoken.values())

    def unsaid(self, text: str) -> str:
        """`text` without the sentences this episode has already said (articles repeat
        stock phrases; a point is still worth saying without them)."""
        kept = [s for s in SENTENCE_END.split(text) if not _sentence_keys(s) & self.said]
        return " ".join(kept)

    @property
    def last(self) -> str | None:
        return self.lines[-1].speaker if self.lines else None

    def other(self, speaker: str | None) -> str:
        return self.plan.cohost if speaker == self.plan.lead else self.plan.lead

    def say(self, speaker: str, text: str, move: Move, figures: list[str] | None = None,
            paragraphs: list[str] | None = None) -> bool:
        """Add a line unless it says an untraced number; sentences said before are left out."""
        text = self.unsaid(text)
        trial = self.abbreviations.copy()
        for option, expanded in ((trial.expand(text), True), (tidy(text), False)):
            keys = _sentence_keys(option)
            if option and not keys & self.said and self.plan.traced(option):
                if expanded:
                    self.abbreviations = trial
                self.said |= keys
                self.spoken[speaker] += len(option.split())
                self.cited |= set(figures or [])
                self.lines.append(Line(
                    id=f"l{len(self.lines) + 1}", speaker=speaker, text=option,
                    segment=len(self.segments) - 1, move=move, figures=figures or [],
                    paragraphs=paragraphs or []))
                return True
        return False

    def variants(self, name: str, **context: str) -> list[tuple[int, str]]:
        """Template `name`'s variants this episode has not used yet (interjections may
        repeat), from a start the article's hash and the move's index pick."""
        variants = _variants(name, tuple(sorted(context.items())))
        index = self.moves[name]
        self.moves[name] += 1
        digest = hashlib.sha256(f"{self.plan.article.content_hash}:{name}:{index}".encode())
        start = int(digest.hexdigest()[:8], 16) % len(variants)
        order = [(start + i) % len(variants) for i in range(len(variants))]
        return [(i, variants[i]) for i in order if name in REUSABLE or (name, i) not in self.used]

    def line(self, speaker: str, name: str, move: Move, figures: list[str] | None = None,
             paragraphs: list[str] | None = None, after: str = "", **context: str) -> bool:
        """Say the first variant of template `name` (followed by `after`) that is new and
        traced."""
        for i, text in self.variants(name, **context):
            if self.say(speaker, f"{text} {after}".strip(), move, figures, paragraphs):
                self.used.add((name, i))
                return True
        return False

    def share(self, speaker: str) -> float:
        return self.spoken[speaker] / self.words if self.words else 0.0


@lru_cache(maxsize=4096)
def _variants(name: str, context: tuple[tuple[str, str], ...]) -> list[str]:
    text = environment().get_template(f"script/{name}.txt.j2").render(dict(context))
    variants = [" ".join(v.split()) for v in re.split(r"(?m)^---\s*$", text)]
    return [capitalize(v) for v in variants if v]


@lru_cache(maxsize=8192)
def _sentence_keys(text: str) -> frozenset[str]:
    """quality.sentence_keys, cached: the writer asks for every candidate line."""
    return frozenset(sentence_keys(text))


def _build(plan: _Plan, chosen: set[int]) -> _Episode:
    episode = _Episode(plan)
    _intro(episode)
    homes = _homes(plan, chosen)
    for s, heading in enumerate(plan.headings):
        mine = [p for p in plan.points if p.index in chosen and p.section == s]
        episode.covered.append(bool(mine))
        if not mine:
            continue
        episode.segments.append(plan.article.sections[s].heading)
        _transition(episode, heading, first=len(episode.segments) == 2)
        for point in mine:
            _point(episode, point, homes.get(point.index, []))
    _wrap_up(episode)
    return episode


def _intro(episode: _Episode) -> None:
    plan = episode.plan
    lead, cohost = plan.lead, plan.cohost
    if plan.opener:
        figure, point = plan.opener
        episode.line(lead, "cold_open", "cold_open", [figure.id], point.paragraphs,
                     clause=scoring.clause(point, figure) or "")
        episode.line(cohost, "cold_open_reaction", "reaction", [figure.id],
                     figure=scoring.said_as(figure))
    show = _sayable(plan.options.show_title, plan.traced) or "the show"
    episode.line(lead, "intro_lead", "intro", show=show, lead=lead, cohost=cohost)
    if plan.title is None or not episode.line(cohost, "intro_cohost", "intro", title=plan.title,
                                              lead=lead, cohost=cohost):
        episode.line(cohost, "intro_cohost_untitled", "intro", lead=lead)


def _transition(episode: _Episode, heading: str | None, first: bool) -> None:
    lead = episode.plan.lead
    if first or heading is None or not episode.line(lead, "transition", "transition",
                                                    heading=heading):
        episode.line(lead, "transition_first" if first else "transition_plain", "transition")


def _point(episode: _Episode, point: Point, comparisons: list[Comparison]) -> None:
    # The cold open may have said a piece already, without its "And".
    pieces = [p for p in point.pieces
              if not _sentence_keys(scoring.CONJUNCTION.sub("", p)) & episode.said]
    if pieces:
        _statement(episode, point, pieces)
    for comparison in comparisons:
        _compare(episode, comparison)
    _react(episode, point, bool(comparisons) or not pieces)


def _statement(episode: _Episode, point: Point, pieces: list[str]) -> None:
    """The point itself, by whichever host is due, led into by a question or a hand-off."""
    plan = episode.plan
    speaker = plan.cohost if episode.share(plan.cohost) < COHOST_SHARE else plan.lead
    bridged = episode.last == speaker and _bridge(episode, episode.other(speaker), point)
    if episode.last == speaker and not bridged:  # no question left: the other host goes on
        speaker = episode.other(speaker)
    other = episode.other(speaker)
    connect = speaker == plan.cohost and not bridged
    for n, chunk in enumerate(_turns(pieces)):
        if n:
            episode.line(other, "reaction_short", "reaction")
        text = " ".join(chunk)
        figures = [f.id for f in point.figures if scoring.states(text, f)]
        said = connect and n == 0 and episode.line(
            speaker, "connect", "point", figures, point.paragraphs, after=text)
        if not said:
            episode.say(speaker, text, "point", figures, point.paragraphs)


def _bridge(episode: _Episode, asker: str, point: Point) -> bool:
    """A question from the co-host, or the lead handing over, before the next point."""
    plan = episode.plan
    if asker == plan.lead:
        return episode.line(asker, "handoff", "question", cohost=plan.cohost)
    top = top_figure(point.figures)
    if top is not None and scoring.figure_weight(top) == 1 and episode.line(
            asker, f"question_{top.kind}", "question"):
        return True
    return episode.line(asker, "question", "question")


def _turns(pieces: list[str]) -> list[list[str]]:
    turns: list[list[str]] = [[]]
    for piece in pieces:
        if turns[-1] and sum(len(p.split()) for p in turns[-1]) + len(piece.split()) > MAX_TURN:
            turns.append([])
        turns[-1].append(piece)
    return turns


def _compare(episode: _Episode, c: Comparison) -> None:
    speaker = episode.other(episode.last)
    ids = [c.figure.id, *c.figure.inputs, *([c.stated.id] if c.stated else [])]
    if c.formula and c.stated and (c.agrees or c.alarm):  # a mismatch only at alarm confidence
        name = "comparison_check" if c.agrees else "comparison_mismatch"
        if episode.line(speaker, name, "comparison", ids, formula=c.formula,
                        stated=scoring.said_as(c.stated)):
            return
    if c.formula and episode.line(speaker, "comparison", "comparison", ids, formula=c.formula):
        return
    episode.line(speaker, "comparison_result", "comparison", [c.figure.id],
                 result=value_text(c.figure))


def _react(episode: _Episode, point: Point, compared: bool) -> None:
    figure = top_figure(point.figures)
    if figure is None or compared or point.index % REACT_EVERY:
        return
    reactor = episode.other(episode.last)
    short = point.index % (2 * REACT_EVERY) == 0  # every other reaction is a bare "Wow."
    if short or not episode.line(reactor, "reaction", "reaction", [figure.id],
                                 figure=scoring.said_as(figure)):
        episode.line(reactor, "reaction_short", "reaction")


def _homes(plan: _Plan, chosen: set[int]) -> dict[int, list[Comparison]]:
    """Each comparison goes after the last chosen point stating one of its inputs or the
    result it checks; checks first, then ratios, at most MAX_COMPARISONS a point. One that
    checks nothing is said only when the episode states all its inputs: a sum of figures
    nobody mentioned would come out of nowhere."""
    homes: dict[int, list[Comparison]] = {}
    ordered = [p for p in plan.points if p.index in chosen]
    stated = {f.id for p in ordered for f in p.figures}
    for c in plan.comparisons:
        figures = c.leaves | ({c.stated.id} if c.stated else set())
        stating = [p for p in ordered if figures & {f.id for f in p.figures}]
        if stating and (c.stated or c.leaves <= stated):
            homes.setdefault(stating[-1].index, []).append(c)
    for found in homes.values():
        found.sort(key=lambda c: (c.stated is None, c.figure.unit != "x"))
        del found[MAX_COMPARISONS:]
    return homes


def _wrap_up(episode: _Episode) -> None:
    plan = episode.plan
    episode.segments.append("Wrap-up")
    if plan.title is None or not episode.line(plan.lead, "recap_lead", "recap", title=plan.title):
        episode.line(plan.lead, "recap_lead_untitled", "recap")
    figures = _recap_figures(episode)
    if not figures or not episode.line(
        plan.cohost, "recap_cohost", "recap", [f.id for f in figures],
        numbers=english_list([value_text(f) for f in figures]),
    ):
        episode.line(plan.cohost, "recap_cohost_plain", "recap")
    show = _sayable(plan.options.show_title, plan.traced) or "the show"
    episode.line(plan.lead, "outro_lead", "outro", show=show, lead=plan.lead)
    episode.line(plan.cohost, "outro_cohost", "outro", cohost=plan.cohost)


def _recap_figures(episode: _Episode) -> list[Figure]:
    """Headline figures the episode said: the cold open's, then each section's top figure
    (a figure the ledger's checks confirm first), the best sections first."""
    plan = episode.plan
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
        if section not in opened and top and value_text(top) not in map(value_text, headline):
            headline.append(top)
    return headline[:RECAP_FIGURES]


def _summary(plan: _Plan) -> str:
    """The three best points, in article order, in spoken style."""
    prose = [p for p in plan.points if p.kind != "table"] or plan.points
    best = sorted(sorted(prose, key=lambda p: (-p.score, p.index))[:3], key=lambda p: p.index)
    abbreviations = Abbreviations()
    return abbreviations.expand(" ".join(piece for p in best for piece in p.pieces))
