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
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.figures.display import value_text
from pipeline.figures.models import Figure, Ledger
from pipeline.models import WORDS_PER_MINUTE, Article, Script, Segment
from pipeline.script import WriterOptions, paraphrase, scoring
from pipeline.script.episode import Episode
from pipeline.script.meaning import about, noun, rank, ratio_terms, spoken, spoken_figure
from pipeline.script.quality import MAX_LINE_WORDS, SENTENCE_END
from pipeline.script.scoring import Comparison, Point, Tracer, top_figure
from pipeline.script.spoken import Abbreviations, english_list, formula_in_words, sentences_of, tidy

WRITER = "extractive"
COHOST_SHARE = 0.40  # below this share of the words the co-host brings in a short turn
COHOST_TURN = 40  # words: the longest turn the co-host explains
MIN_COHOST_SHARE = 0.37  # below it (quality wants 35%), the episode is built again with
BOOSTED_SHARE = 0.5  # this share as the co-host's aim: he brings in more of the points
TOLERANCE = 0.15  # the length target is met within ±15%
MIN_TURN = 25  # words; the lead's turns join sentences until they say this much
MAX_TURN = 55  # words; a longer turn is said in two
MAX_COMPARISONS = 2  # per point, checks of stated figures first
RECAP_FIGURES = 3
LEAD_TURN = 18  # words: the least the lead keeps of a turn she shares with the co-host
ANSWER_WORDS = 8  # a question names its subject only when the answer is this long
MAX_BEAT_COMPARISONS = 2  # per turn, checks aside: more in a row is a lecture in arithmetic
# A worked sum written out ("8 × 700 W + 500 W ≈ 6.2 kW") is for the eye: the ledger's
# comparison says the arithmetic in words, the co-host's way, where it means something.
FORMULA = re.compile(r"\d[\d,.]*\s*[A-Za-z%]*\s*[×*+=≈]\s*[$€£]?\d")
ECHO = 0.6  # a co-host's summing up says at most this share of the sentence's words
QUESTION_WORDS = frozenset("how what why when where who which".split())
TOPIC_WORDS = 7  # a longer heading is a sentence, not a topic to name
FINITE_VERBS = frozenset("""is are was were be been has have had will would can could
should must may might does do did isn't aren't won't can't don't doesn't""".split())
COMMON_FIRST = re.compile(r"(?:The|A|An|What|How|Why|When|Where|Who|Our|Its|Their|Some|More|"
                          r"Less|Which|From|Inside|Beyond|Into)\b(?! [A-Z])")
ANAPHORA = re.compile(r"(?:That|This|These|Those|It|Its|They|Their|Such|Both|Each|Here)\b")
# A sentence the co-host can say in answer to the lead's: it opens on a conjunction.
REJOINDER = re.compile(r"(?:But|Yet|Still|And|So|Also|However|Instead|Even so|That said)\b,? "
                       r"(?!(?:it|its|they|their|them|this|these|those|such)\b)")
# A sentence that leans on the one before: it opens by pointing back, or says "its", "they",
# "this" … in its first words ("At 130 kW per rack, its IT load …").
DEMONSTRATIVE = re.compile(
    r"(?i)^(?:\S+\s+){0,5}?(?:this|these|those|such|the latter|the former)\b")
DEPENDS = re.compile(r"(?i)^(?:(?:And|But|So|Yet|Still|Also|Instead|Meanwhile|However|Therefore|"
                     r"Thus|Moreover|Even so|That said|As a result|In addition|For example|"
                     r"For instance|In turn|By contrast|Similarly|Likewise|Then)\b|(?:\S+\s+){0,5}?"
                     r"(?:it|its|they|their|them|this|these|those|such|the latter|the former)\b)")


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
    cohost_share: float = COHOST_SHARE  # raised for a build whose co-host said too little
    cohost_turn: int = COHOST_TURN

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


def _coverage_notes(plan: _Plan, episode: Episode) -> list[str]:
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
        article, ledger, options, traced, found, scoring.comparisons(ledger), opener,
        mandatory, _sayable(article.title, traced),
        [_sayable(s.heading, traced) for s in article.sections],
    )


def _sayable(text: str, traced: Tracer) -> str | None:
    said = tidy(" ".join(sentences_of(text))).rstrip(".?!:;")
    return said if said and traced(said) else None


# --- length -----------------------------------------------------------------------------


def _fit(plan: _Plan, target: float) -> set[int]:
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
    return _in_context(plan, plan.mandatory | set(optional[:k]))


def _length_notes(plan: _Plan, said: int, target: float) -> list[str]:
    minutes = plan.options.minutes
    if said < target * (1 - TOLERANCE):
        return [f"The article has material for about {said / WORDS_PER_MINUTE:.1f} "
                f"minutes; {minutes:g} were asked for."]
    if said > target * (1 + TOLERANCE):
        return [f"Covering every section takes about {said / WORDS_PER_MINUTE:.1f} "
                f"minutes; {minutes:g} were asked for."]
    return []


def _in_context(plan: _Plan, chosen: set[int]) -> set[int]:
    """`chosen` with the sentence before each one that opens by pointing back ("That
    arrangement works …"), so no point is said without what it refers to."""
    found = set(chosen)
    for index in sorted(chosen, reverse=True):
        while index > 0 and _depends(plan.points[index]):
            before = plan.points[index - 1]
            if before.paragraphs[0] != plan.points[index].paragraphs[0]:
                break
            found.add(index := before.index)
    return found


# --- building ---------------------------------------------------------------------------


def _episode(plan: _Plan) -> Episode:
    return Episode(plan.article.content_hash, plan.lead, plan.cohost, plan.traced)


def _build(plan: _Plan, chosen: set[int]) -> Episode:
    episode = _episode(plan)
    _intro(episode, plan)
    homes = _homes(plan, chosen)
    for s, heading in enumerate(plan.headings):
        mine = [p for p in plan.points if p.index in chosen and p.section == s]
        episode.covered.append(bool(mine))
        if not mine:
            continue
        episode.segments.append(plan.article.sections[s].heading)
        _transition(episode, heading, first=len(episode.segments) == 2)
        for turn in _turns(episode, plan, _units(mine)):
            _beat(episode, plan, turn, [c for p in turn for c in homes.get(p.index, [])])
    _wrap_up(episode, plan)
    episode.join_runs(MAX_TURN)
    return episode


def _intro(episode: Episode, plan: _Plan) -> None:
    lead, cohost = plan.lead, plan.cohost
    if plan.opener:
        figure, point = plan.opener
        said = spoken_figure(figure)
        meaning = _meaning(plan, figure)
        if not (meaning and episode.line(
                lead, "cold_open_meaning", "cold_open", [figure.id, *meaning[1]],
                point.paragraphs, figure=said, meaning=meaning[0], about=about(figure))):
            episode.line(lead, "cold_open", "cold_open", [figure.id], point.paragraphs,
                         figure=said, about=about(figure), noun=noun(figure))
        episode.line(cohost, "cold_open_reaction", "reaction", [figure.id], figure=said,
                     about=about(figure))
    show = _sayable(plan.options.show_title, plan.traced) or "the show"
    topic = about(plan.opener[0]) if plan.opener else None
    # Without a title or a topic to name, the lead names the cold open's figure.
    named = plan.opener[0] if plan.opener and not (plan.title or topic) else None
    said_named = spoken_figure(named) if named else None
    if not episode.line(lead, "intro_lead", "intro", [named.id] if named else None, show=show,
                        lead=lead, cohost=cohost, title=plan.title, topic=topic,
                        figure=said_named, must=plan.title or topic or said_named or ""):
        episode.line(lead, "intro_lead", "intro", show=show, lead=lead, cohost=cohost,
                     title=plan.title, topic=topic, figure=None)
    episode.line(cohost, "intro_cohost", "intro", lead=lead)


def _meaning(plan: _Plan, figure: Figure) -> tuple[str, list[str]] | None:
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


def _transition(episode: Episode, heading: str | None, first: bool) -> None:
    """The co-host moves the conversation on, and then asks. The first segment is the
    lead's to open ("First, the background."), straight into her explanation: the
    co-host's greeting already asked her where to start."""
    speaker = episode.lead if first else episode.cohost
    if heading and not _names_a_topic(heading):
        heading = None  # "Then there's Wires are the slowest part." is not English
    if heading and COMMON_FIRST.match(heading):
        heading = heading[0].lower() + heading[1:]
    if first or heading is None or not episode.line(speaker, "transition", "transition",
                                                    heading=heading):
        episode.line(speaker, "transition_first" if first else "transition_plain", "transition")


def _names_a_topic(heading: str) -> bool:
    """Whether a heading reads as a topic a host can name ("the gigawatt campus", "nuclear,
    gas and the long-term contract"), not a question, a clause ("Wires are the slowest
    part"), a headline with a colon, or shouting ("THE NUMBER")."""
    words = heading.split()
    return (0 < len(words) <= TOPIC_WORDS and not re.search(r"[?!:;—–]", heading)
            and words[0].lower() not in QUESTION_WORDS
            and not heading.isupper() and not any(w.lower() in FINITE_VERBS for w in words))


def _units(points: list[Point]) -> list[list[Point]]:
    """Points that must be said together: one that opens by pointing back ("That
    arrangement …") stays with the sentence before it in its paragraph, a lead-in ("The
    list is long:") with what it leads into, and a list's items with each other."""
    units: list[list[Point]] = []
    for point in points:
        before = units[-1][-1] if units else None
        if before is None and not point.figures and _points_back(point):
            continue  # "Industry data confirms this acceleration." opening a segment
        same = before is not None and before.paragraphs[0] == point.paragraphs[0]
        if before is not None and before.index == point.index - 1 and (
                before.text.rstrip().endswith(":") or (same and (
                    _depends(point) or point.kind != "text"))):  # a list or table as one
            units[-1].append(point)
        else:
            units.append([point])
    return units


def _points_back(point: Point) -> bool:
    """Whether a sentence leans on one said before it ("this acceleration", "That
    arrangement"): said first in a segment, it would point at nothing."""
    return bool(ANAPHORA.match(point.text) or DEMONSTRATIVE.match(point.text))


def _depends(point: Point) -> bool:
    return bool(ANAPHORA.match(point.text) or DEPENDS.match(point.text))


def _turns(episode: Episode, plan: _Plan, units: list[list[Point]]
           ) -> Iterator[list[Point]]:
    """Units joined into turns the way a host explains: two or three sentences, at least
    MIN_TURN words where the section has them, never more than MAX_TURN. A table stands
    alone: its statements are a turn of their own. While the co-host has said less than
    COHOST_SHARE of the words, units are not joined: each gets his question and reaction.
    (A generator: each turn is joined after the one before it has been said.)"""
    i = 0
    while i < len(units):
        turn = list(units[i])
        i += 1
        least = MIN_TURN if episode.share(episode.cohost) >= plan.cohost_share else LEAD_TURN
        while i < len(units) and _size(turn) < least and \
                _size(turn) + _size(units[i]) <= MAX_TURN and \
                "table" not in {p.kind for p in [*turn, *units[i]]}:
            turn.extend(units[i])
            i += 1
        yield turn


def _size(points: list[Point]) -> int:
    return sum(p.words for p in points)


def _beat(episode: Episode, plan: _Plan, turn: list[Point], comparisons: list[Comparison]
          ) -> None:
    """One turn of explanation, set up and followed up: the co-host's question (answered by
    the turn), the lead's explanation, then what its figure means (the ledger's
    comparisons) or a reaction that names the figure just said."""
    pieces = [(point, piece) for point in turn for piece in point.pieces
              if episode.fresh(scoring.CONJUNCTION.sub("", piece)) and not FORMULA.search(piece)]
    figures = [f for p in turn for f in p.figures]
    top = top_figure(figures)
    if pieces:
        explainer = plan.lead
        last = episode.last
        short = _words(pieces) <= plan.cohost_turn
        # After the lead's point; in a boosted build, after his own reaction too ("And
        # here's the other thing …"): a short article has few beats to share.
        follows = (last is not None and last.move == "point" and last.speaker == plan.lead) or (
            plan.cohost_share == BOOSTED_SHARE and last is not None
            and last.move in ("reaction", "comparison"))
        if episode.share(plan.cohost) < plan.cohost_share and short and follows:
            explainer = plan.cohost
        _explain(episode, plan, explainer, pieces, top)
    if top is not None and pieces:
        _react(episode, plan, top)
    said, start = 0, len(episode.lines)
    for comparison in _said_aloud(comparisons):
        said += _compare(episode, plan, comparison)
    episode.merge(start, MAX_LINE_WORDS)  # what the figures mean, said in one go


def _said_aloud(comparisons: list[Comparison]) -> list[Comparison]:
    """What a beat's figures mean, as much as a listener follows: every alarm (the
    article's figure is wrong, and the show says so), one check that the article's
    arithmetic holds (single values before ranges: "84.7 to 229.5 percent more" is a
    lecture), then other comparisons up to MAX_BEAT_COMPARISONS in all. The other checks
    stay on the episode's figure cards, and so do computed ranges that check nothing
    ("84.7–229.5% more", "grew 13.1–26.9% per year"). One relation checked both ways
    ("€33M × 240 MW = €8B", "€8B / 240 MW = €33M") is one check."""
    alarms = [c for c in comparisons if c.alarm]
    checks = sorted((c for c in comparisons if c.stated is not None and not c.alarm),
                    key=lambda c: c.figure.is_range or bool(c.stated and c.stated.is_range))
    seen = {_relation(c) for c in alarms}
    said = list(alarms)
    for c in checks:
        if _relation(c) not in seen:
            said.append(c)
            break
    # A change between the figures an alarm or check just set against each other ("so
    # more than doubling looks off. So Amazon is up 50.6%, from …") says it a second time.
    others = [c for c in comparisons if c.stated is None and not c.figure.is_range
              and not any(c.leaves <= _relation(s) for s in said)]
    return said + others[:max(0, MAX_BEAT_COMPARISONS - len(said))]


def _relation(c: Comparison) -> frozenset[str]:
    return c.leaves | ({c.stated.id} if c.stated else set())


def _words(pieces: list[tuple[Point, str]]) -> int:
    return sum(len(piece.split()) for _, piece in pieces)


def _explain(episode: Episode, plan: _Plan, speaker: str, pieces: list[tuple[Point, str]],
             top: Figure | None) -> None:
    """The turn's sentences by `speaker`, in chunks of at most MAX_TURN words. The lead is
    asked first when the co-host has not spoken since her last turn; the co-host brings a
    point in with a connecting phrase."""
    other = episode.other(speaker)
    parts = [(chunk, False) for chunk in _chunks(pieces)]
    if speaker == plan.lead and episode.share(other) < plan.cohost_share:
        parts = [part for chunk, _ in parts for part in _rejoinder(chunk)]
    for n, (chunk, answer) in enumerate(parts):
        text = " ".join(piece for _, piece in chunk)
        points = list(dict.fromkeys(p.index for p, _ in chunk))
        figures = [f.id for i in points for f in plan.points[i].figures if scoring.states(text, f)]
        paragraphs = list(dict.fromkeys(x for i in points for x in plan.points[i].paragraphs))
        last = episode.last
        if answer and last is not None and last.speaker == speaker:
            before = top_figure([f for p, _ in parts[n - 1][0] for f in p.figures])
            if before is not None:
                _react(episode, plan, before)  # the figure she just said, then his "But …"
            if REJOINDER.match(text) and episode.say(other, text, "point", figures, paragraphs):
                continue  # "But PUE measures only one dimension …": his answer to her point
            if episode.line(other, "connect", "point", figures, paragraphs, after=text):
                continue  # the list's next item, brought in by him
        # A long turn (a list read item by item) is shared: while the co-host has said too
        # little, he brings in the next part himself instead of asking for it.
        shared = n and speaker == plan.lead and last is not None and last.speaker == speaker \
            and episode.share(other) < plan.cohost_share and not _leans_back(chunk)
        if shared and episode.line(other, "connect", "point", figures, paragraphs, after=text):
            continue
        if speaker == plan.lead:
            if n and last is not None and last.speaker == other and last.move == "point":
                pass  # he brought in the part before: she goes on with the next
            elif n:
                before = top_figure([f for i in points for f in plan.points[i].figures])
                if before is None or not _react(episode, plan, before):
                    _ask(episode, plan, other, None, text)
            elif last is not None and last.move == "transition" and last.speaker == speaker:
                pass  # the lead's own opening leads straight into her explanation
            elif last is None or last.speaker == speaker or last.move == "transition":
                _ask(episode, plan, other, top, text, opening=last is not None
                     and last.move == "transition")
            elif last.move in ("reaction", "comparison") and top is not None and \
                    about(top) and _ask(episode, plan, other, top, text, generic=False):
                pass  # the co-host follows his reaction with the question this turn answers
            elif last.move == "reaction" and _pickup(episode, speaker, text, figures, paragraphs):
                continue
            if not _callback(episode, plan, speaker, chunk[0][0], text, figures, paragraphs):
                episode.say(speaker, text, "point", figures, paragraphs)
        elif not episode.line(speaker, "connect", "point", figures, paragraphs, after=text):
            episode.say(speaker, text, "point", figures, paragraphs)


def _rejoinder(chunk: list[tuple[Point, str]]) -> list[tuple[list[tuple[Point, str]], bool]]:
    """A part of the lead's turn as her line and the co-host's from a later point on (True),
    where that point opens on a conjunction ("But PUE measures only …", his answer to her)
    or is the next item of a list (he brings it in), and not on a pronoun: a turn that is
    one long explanation becomes an exchange. She keeps at least LEAD_TURN words; of the
    places to cut, the one that shares the turn most evenly."""
    cuts = [k for k in range(1, len(chunk))
            if chunk[k][0] is not chunk[k - 1][0] and not _leans_back(chunk[k:])
            and _words(chunk[:k]) >= LEAD_TURN
            and (REJOINDER.match(chunk[k][1])
                 or chunk[k][0].kind == chunk[k - 1][0].kind == "list")]
    if not cuts:
        return [(chunk, False)]
    k = min(cuts, key=lambda k: abs(_words(chunk[:k]) - _words(chunk[k:])))
    return [(chunk[:k], False), (chunk[k:], True)]


def _leans_back(chunk: list[tuple[Point, str]]) -> bool:
    """Whether a part of a turn opens by pointing back ("It says …"): the host who said
    what it points to says it too."""
    return bool(ANAPHORA.match(chunk[0][1]))


def _chunks(pieces: list[tuple[Point, str]]) -> list[list[tuple[Point, str]]]:
    """A turn in lines of at most MAX_TURN words, cut between points (a point's own
    sentences stay together up to the MAX_LINE_WORDS a line may have)."""
    chunks: list[list[tuple[Point, str]]] = [[]]
    for item in pieces:
        words = _words(chunks[-1]) + len(item[1].split())
        same = bool(chunks[-1]) and chunks[-1][-1][0] is item[0]
        if chunks[-1] and words > (MAX_LINE_WORDS if same else MAX_TURN):
            chunks.append([])
        chunks[-1].append(item)
    return chunks


def _ask(episode: Episode, plan: _Plan, asker: str, top: Figure | None, answer: str,
         opening: bool = False, generic: bool = True) -> bool:
    """A co-host question the next line answers: about the figure's kind and who it is
    about where the turn has one, else one that asks the lead to go on (or, after a
    transition, to set the scene)."""
    whose = about(top) if top is not None else None
    if whose and (whose.split(" ", 1)[-1] not in answer or len(answer.split()) < ANSWER_WORDS):
        whose = None  # a question about something the answer does not name goes unanswered
    if not generic and whose is None:
        return False
    if top is not None and scoring.figure_weight(top) == 1 and episode.line(
            asker, f"question_{top.kind}", "question", about=whose,
            must=whose if whose and not generic else "",
            prefer=whose if whose and plan.cohost_share == BOOSTED_SHARE else ""):
        return True
    name = "question_opening" if opening else "question"
    return generic and episode.line(asker, name, "question")


def _callback(episode: Episode, plan: _Plan, speaker: str, point: Point, text: str,
              figures: list[str], paragraphs: list[str]) -> bool:
    """A sentence that leans on one said a while ago ("That works out to …" after a table)
    comes back to it by its figure first: "Back to that $315 billion: that works out to …"."""
    if point.index == 0 or not _depends(point) or not text.startswith(point.pieces[0]):
        return False
    before = next((p for p in reversed(plan.points[:point.index]) if p.kind != "table"), None)
    if before is None:
        return False
    recent = {f for line in episode.lines[-2:] for f in line.figures}
    figure = top_figure([f for f in before.figures if f.id in episode.cited])
    if figure is None or figure.id in recent:
        return False
    opening = text.split(" ", 1)
    rest = opening[0].lower() + (f" {opening[1]}" if len(opening) > 1 else "")
    if opening[0] in ("And", "But", "So", "Yet"):
        rest = opening[1] if len(opening) > 1 else ""
    return episode.line(speaker, "callback", "point", [figure.id, *figures], paragraphs,
                        after=rest, figure=spoken_figure(figure))


def _pickup(episode: Episode, speaker: str, text: str, figures: list[str],
            paragraphs: list[str]) -> bool:
    """The lead picks up what the co-host just said ("Exactly, and …") before going on."""
    return episode.line(speaker, "pickup", "point", figures, paragraphs, after=text)


def _compare(episode: Episode, plan: _Plan, c: Comparison) -> bool:
    """A computed figure, said by the co-host as what it means: he connects the numbers."""
    speaker = plan.cohost
    for said in spoken(c, plan.ledger):
        if episode.phrase(speaker, said.template, "comparison", said.context, said.figures):
            return True
    return False


def _react(episode: Episode, plan: _Plan, figure: Figure) -> bool:
    """The co-host names the figure just said and where it stands: the largest of its kind
    in the article, the smallest, or simply who it is about. No surprise at a small one."""
    last = episode.last
    if last is None or last.speaker != plan.lead or not scoring.states(last.text, figure):
        return False  # only right after the line that says it
    standing = rank(figure, plan.ledger)
    name = {"top": "reaction_top", "bottom": "reaction_bottom"}.get(standing, "reaction")
    if figure.kind == "ratio" or scoring.figure_weight(figure) < 1:
        return False  # "nine times" means nothing without what it multiplies
    if name == "reaction" and _paraphrase(episode, plan, figure, last.text):
        return True
    whose = about(figure)
    boosted = plan.cohost_share == BOOSTED_SHARE and whose is not None
    return episode.line(plan.cohost, name, "reaction", [figure.id], figure=spoken_figure(figure),
                        about=whose, noun=noun(figure), prefer=whose if boosted and whose else "")


def _paraphrase(episode: Episode, plan: _Plan, figure: Figure, said: str) -> bool:
    """The co-host sums up the sentence that stated the figure in a few words of his own
    framing ("So basically a typical enterprise rack drew between 5 and 15 kW.")."""
    written = " ".join(figure.text.split())
    for sentence in SENTENCE_END.split(said):
        if written and written in sentence and "|" not in (figure.sentence or ""):
            claim = paraphrase.core(sentence, written)
            if claim is None or len(claim.split()) > ECHO * len(sentence.split()):
                return False  # most of the sentence again is an echo, not a summing up
            return episode.line(
                plan.cohost, "paraphrase", "reaction", [figure.id], claim=claim)
    return False


def _homes(plan: _Plan, chosen: set[int]) -> dict[int, list[Comparison]]:
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
    checked = {c.figure.inputs[0] for c in comparisons
               if c.figure.unit == "x" and c.figure.inputs and c.stated is not None}
    best: dict[str, Comparison] = {}
    for c in comparisons:
        if c.figure.unit == "x" and c.figure.inputs and c.stated is None:
            key = c.figure.inputs[0]
            if key not in best or (best[key].figure.is_range and not c.figure.is_range):
                best[key] = c
    return [c for c in comparisons if c.figure.unit != "x" or not c.figure.inputs
            or c.stated is not None
            or (c.figure.inputs[0] not in checked and best.get(c.figure.inputs[0]) is c)]


def _wrap_up(episode: Episode, plan: _Plan) -> None:
    """The co-host names the numbers to remember and what they are about; the lead ties
    them back to the cold open (with what it means, when the ledger compares it) and signs
    off in one turn; the co-host signs off."""
    episode.segments.append("Wrap-up")
    figures = _recap_figures(episode, plan)
    numbers = english_list([_with_meaning(f) for f in figures])
    name = "recap_cohost" if len(figures) > 1 else "recap_cohost_one"
    if not figures or not episode.line(
            plan.cohost, name, "recap", [f.id for f in figures], numbers=numbers):
        episode.line(plan.cohost, "recap_cohost_plain", "recap")
    opener = plan.opener[0] if plan.opener and plan.opener[0].id in episode.cited else None
    recapped = False
    if opener is not None:
        said, meaning = spoken_figure(opener), _meaning(plan, opener)
        recapped = (meaning is not None and episode.line(
            plan.lead, "recap_lead_meaning", "recap", [opener.id, *meaning[1]], figure=said,
            meaning=meaning[0])) or episode.line(plan.lead, "recap_lead", "recap", [opener.id],
                                                 figure=said)
    if not recapped:
        episode.line(plan.lead, "recap_lead_untitled", "recap")
    show = _sayable(plan.options.show_title, plan.traced) or "the show"
    episode.line(plan.lead, "outro_lead", "outro", show=show, lead=plan.lead)
    episode.line(plan.cohost, "outro_cohost", "outro", cohost=plan.cohost)


def _with_meaning(figure: Figure) -> str:
    """A recap's figure with who it is about: "$315 billion for the four companies"."""
    whose = about(figure)
    said = value_text(figure)
    return f"{said} for {whose}" if whose else said


def _recap_figures(episode: Episode, plan: _Plan) -> list[Figure]:
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
        if section not in opened and top and value_text(top) not in map(value_text, headline) \
                and (top.entity, top.kind) not in {(f.entity, f.kind) for f in headline}:
            headline.append(top)
    return headline[:RECAP_FIGURES]


def _summary(plan: _Plan) -> str:
    """The three best points, in article order, in spoken style."""
    prose = [p for p in plan.points if p.kind != "table"] or plan.points
    best = sorted(sorted(prose, key=lambda p: (-p.score, p.index))[:3], key=lambda p: p.index)
    abbreviations = Abbreviations()
    return abbreviations.expand(" ".join(piece for p in best for piece in p.pieces))
