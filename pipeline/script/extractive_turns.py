"""The body of an extractive segment: its points grouped into units, units joined into
turns, and each turn said as a beat: the lead explains, the co-host asks, reacts, sums
up or compares, and comparisons are said where they fit (see `script.extractive`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.figures.models import Figure
from pipeline.script import paraphrase, scoring
from pipeline.script.episode import Episode
from pipeline.script.extractive_plan import BOOSTED_SHARE, Plan
from pipeline.script.meaning import about, noun, rank, spoken, spoken_figure
from pipeline.script.quality import MAX_LINE_WORDS, SENTENCE_END
from pipeline.script.scoring import Comparison, Point, top_figure

MIN_TURN = 25  # words; the lead's turns join sentences until they say this much


MAX_TURN = 55  # words; a longer turn is said in two


LEAD_TURN = 18  # words: the least the lead keeps of a turn she shares with the co-host


ANSWER_WORDS = 8  # a question names its subject only when the answer is this long


MAX_BEAT_COMPARISONS = 2  # per turn, checks aside: more in a row is a lecture in arithmetic


# A worked sum written out ("8 × 700 W + 500 W ≈ 6.2 kW") is for the eye: the ledger's
# comparison says the arithmetic in words, the co-host's way, where it means something.
FORMULA = re.compile(r"\d[\d,.]*\s*[A-Za-z%]*\s*[×*+=≈]\s*[$€£]?\d")


ECHO = 0.6  # a co-host's summing up says at most this share of the sentence's words


ANAPHORA = re.compile(r"(?:That|This|These|Those|It|Its|They|Their|Such|Both|Each|Here)\b")


# A sentence the co-host can say in answer to the lead's: it opens on a conjunction.
REJOINDER = re.compile(
    r"(?:But|Yet|Still|And|So|Also|However|Instead|Even so|That said)\b,? "
    r"(?!(?:it|its|they|their|them|this|these|those|such)\b)"
)


# A sentence that leans on the one before: it opens by pointing back, or says "its", "they",
# "this" … in its first words ("At 130 kW per rack, its IT load …").
DEMONSTRATIVE = re.compile(
    r"(?i)^(?:\S+\s+){0,5}?(?:this|these|those|such|the latter|the former)\b"
)


DEPENDS = re.compile(
    r"(?i)^(?:(?:And|But|So|Yet|Still|Also|Instead|Meanwhile|However|Therefore|"
    r"Thus|Moreover|Even so|That said|As a result|In addition|For example|"
    r"For instance|In turn|By contrast|Similarly|Likewise|Then)\b|(?:\S+\s+){0,5}?"
    r"(?:it|its|they|their|them|this|these|those|such|the latter|the former)\b)"
)


def group_units(points: list[Point]) -> list[list[Point]]:
    """Points that must be said together: one that opens by pointing back ("That
    arrangement …") stays with the sentence before it in its paragraph, a lead-in ("The
    list is long:") with what it leads into, and a list's items with each other."""
    units: list[list[Point]] = []
    for point in points:
        before = units[-1][-1] if units else None
        if before is None and not point.figures and _points_back(point):
            continue  # "Industry data confirms this acceleration." opening a segment
        same = before is not None and before.paragraphs[0] == point.paragraphs[0]
        if (
            before is not None
            and before.index == point.index - 1
            and (
                before.text.rstrip().endswith(":")
                or (same and (leans_on_before(point) or point.kind != "text"))
            )
        ):  # a list or table as one
            units[-1].append(point)
        else:
            units.append([point])
    return units


def _points_back(point: Point) -> bool:
    """Whether a sentence leans on one said before it ("this acceleration", "That
    arrangement"): said first in a segment, it would point at nothing."""
    return bool(ANAPHORA.match(point.text) or DEMONSTRATIVE.match(point.text))


def leans_on_before(point: Point) -> bool:
    return bool(ANAPHORA.match(point.text) or DEPENDS.match(point.text))


def say_turns(episode: Episode, plan: Plan, units: list[list[Point]]) -> Iterator[list[Point]]:
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
        while (
            i < len(units)
            and _size(turn) < least
            and _size(turn) + _size(units[i]) <= MAX_TURN
            and "table" not in {p.kind for p in [*turn, *units[i]]}
        ):
            turn.extend(units[i])
            i += 1
        yield turn


def _size(points: list[Point]) -> int:
    return sum(p.words for p in points)


def say_beat(
    episode: Episode, plan: Plan, turn: list[Point], comparisons: list[Comparison]
) -> None:
    """One turn of explanation, set up and followed up: the co-host's question (answered by
    the turn), the lead's explanation, then what its figure means (the ledger's
    comparisons) or a reaction that names the figure just said."""
    pieces = [
        (point, piece)
        for point in turn
        for piece in point.pieces
        if episode.fresh(scoring.CONJUNCTION.sub("", piece)) and not FORMULA.search(piece)
    ]
    figures = [f for p in turn for f in p.figures]
    top = top_figure(figures)
    if pieces:
        explainer = plan.lead
        last = episode.last
        short = _words(pieces) <= plan.cohost_turn
        # After the lead's point; in a boosted build, after his own reaction too ("And
        # here's the other thing …"): a short article has few beats to share.
        follows = (last is not None and last.move == "point" and last.speaker == plan.lead) or (
            plan.cohost_share == BOOSTED_SHARE
            and last is not None
            and last.move in ("reaction", "comparison")
        )
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
    checks = sorted(
        (c for c in comparisons if c.stated is not None and not c.alarm),
        key=lambda c: c.figure.is_range or bool(c.stated and c.stated.is_range),
    )
    seen = {_relation(c) for c in alarms}
    said = list(alarms)
    for c in checks:
        if _relation(c) not in seen:
            said.append(c)
            break
    # A change between the figures an alarm or check just set against each other ("so
    # more than doubling looks off. So Amazon is up 50.6%, from …") says it a second time.
    others = [
        c
        for c in comparisons
        if c.stated is None
        and not c.figure.is_range
        and not any(c.leaves <= _relation(s) for s in said)
    ]
    return said + others[: max(0, MAX_BEAT_COMPARISONS - len(said))]


def _relation(c: Comparison) -> frozenset[str]:
    return c.leaves | ({c.stated.id} if c.stated else set())


def _words(pieces: list[tuple[Point, str]]) -> int:
    return sum(len(piece.split()) for _, piece in pieces)


def _explain(
    episode: Episode, plan: Plan, speaker: str, pieces: list[tuple[Point, str]], top: Figure | None
) -> None:
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
        shared = (
            n
            and speaker == plan.lead
            and last is not None
            and last.speaker == speaker
            and episode.share(other) < plan.cohost_share
            and not _leans_back(chunk)
        )
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
                _ask(
                    episode,
                    plan,
                    other,
                    top,
                    text,
                    opening=last is not None and last.move == "transition",
                )
            elif (
                last.move in ("reaction", "comparison")
                and top is not None
                and about(top)
                and _ask(episode, plan, other, top, text, generic=False)
            ):
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
    cuts = [
        k
        for k in range(1, len(chunk))
        if chunk[k][0] is not chunk[k - 1][0]
        and not _leans_back(chunk[k:])
        and _words(chunk[:k]) >= LEAD_TURN
        and (REJOINDER.match(chunk[k][1]) or chunk[k][0].kind == chunk[k - 1][0].kind == "list")
    ]
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


def _ask(
    episode: Episode,
    plan: Plan,
    asker: str,
    top: Figure | None,
    answer: str,
    opening: bool = False,
    generic: bool = True,
) -> bool:
    """A co-host question the next line answers: about the figure's kind and who it is
    about where the turn has one, else one that asks the lead to go on (or, after a
    transition, to set the scene)."""
    whose = about(top) if top is not None else None
    if whose and (whose.split(" ", 1)[-1] not in answer or len(answer.split()) < ANSWER_WORDS):
        whose = None  # a question about something the answer does not name goes unanswered
    if not generic and whose is None:
        return False
    if (
        top is not None
        and scoring.figure_weight(top) == 1
        and episode.line(
            asker,
            f"question_{top.kind}",
            "question",
            about=whose,
            must=whose if whose and not generic else "",
            prefer=whose if whose and plan.cohost_share == BOOSTED_SHARE else "",
        )
    ):
        return True
    name = "question_opening" if opening else "question"
    return generic and episode.line(asker, name, "question")


def _callback(
    episode: Episode,
    plan: Plan,
    speaker: str,
    point: Point,
    text: str,
    figures: list[str],
    paragraphs: list[str],
) -> bool:
    """A sentence that leans on one said a while ago ("That works out to …" after a table)
    comes back to it by its figure first: "Back to that $315 billion: that works out to …"."""
    if point.index == 0 or not leans_on_before(point) or not text.startswith(point.pieces[0]):
        return False
    before = next((p for p in reversed(plan.points[: point.index]) if p.kind != "table"), None)
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
    return episode.line(
        speaker,
        "callback",
        "point",
        [figure.id, *figures],
        paragraphs,
        after=rest,
        figure=spoken_figure(figure),
    )


def _pickup(
    episode: Episode, speaker: str, text: str, figures: list[str], paragraphs: list[str]
) -> bool:
    """The lead picks up what the co-host just said ("Exactly, and …") before going on."""
    return episode.line(speaker, "pickup", "point", figures, paragraphs, after=text)


def _compare(episode: Episode, plan: Plan, c: Comparison) -> bool:
    """A computed figure, said by the co-host as what it means: he connects the numbers."""
    speaker = plan.cohost
    for said in spoken(c, plan.ledger):
        if episode.phrase(speaker, said.template, "comparison", said.context, said.figures):
            return True
    return False


def _react(episode: Episode, plan: Plan, figure: Figure) -> bool:
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
    return episode.line(
        plan.cohost,
        name,
        "reaction",
        [figure.id],
        figure=spoken_figure(figure),
        about=whose,
        noun=noun(figure),
        prefer=whose if boosted and whose else "",
    )


def _paraphrase(episode: Episode, plan: Plan, figure: Figure, said: str) -> bool:
    """The co-host sums up the sentence that stated the figure in a few words of his own
    framing ("So basically a typical enterprise rack drew between 5 and 15 kW.")."""
    written = " ".join(figure.text.split())
    for sentence in SENTENCE_END.split(said):
        if written and written in sentence and "|" not in (figure.sentence or ""):
            claim = paraphrase.core(sentence, written)
            if claim is None or len(claim.split()) > ECHO * len(sentence.split()):
                return False  # most of the sentence again is an echo, not a summing up
            return episode.line(plan.cohost, "paraphrase", "reaction", [figure.id], claim=claim)
    return False
