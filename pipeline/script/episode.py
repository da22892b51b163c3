"""One build of an episode: the lines so far, what was said, who said how much.

The writer's moves add lines through `Episode.say` (a line of its own) and
`Episode.line` (a template's first new variant). Both keep the writer's
invariants: a line with a number the ledger does not hold is never said, no
sentence is said twice, and a template variant is said at most once an
episode (one-word interjections aside).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.models import Line, Move
from pipeline.script import phrasing
from pipeline.script.quality import SENTENCE_END, sentence_keys
from pipeline.script.spoken import Abbreviations, tidy

REUSABLE = frozenset({"reaction_short"})  # interjections; every other variant is said at
# most once an episode, and a move whose variants have run out is left out


@dataclass
class Episode:
    """Lines so far and everything the moves need to know about them."""

    key: str  # the article's content hash: picks variants
    lead: str
    cohost: str
    traced: Callable[[str], bool]
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

    @property
    def last(self) -> Line | None:
        return self.lines[-1] if self.lines else None

    def other(self, speaker: str | None) -> str:
        return self.cohost if speaker == self.lead else self.lead

    def share(self, speaker: str) -> float:
        return self.spoken[speaker] / self.words if self.words else 0.0

    def unsaid(self, text: str) -> str:
        """`text` without the sentences this episode has already said."""
        return " ".join(s for s in SENTENCE_END.split(text) if not keys(s) & self.said)

    def fresh(self, text: str) -> bool:
        return not keys(text) & self.said

    def say(
        self,
        speaker: str,
        text: str,
        move: Move,
        figures: list[str] | None = None,
        paragraphs: list[str] | None = None,
    ) -> bool:
        """Add a line unless it says an untraced number; sentences said before are left out."""
        text = self.unsaid(text)
        trial = self.abbreviations.copy()
        for option, expanded in ((trial.expand(text), True), (tidy(text), False)):
            found = keys(option)
            if option and not found & self.said and self.traced(option):
                if expanded:
                    self.abbreviations = trial
                self.said |= found
                self.spoken[speaker] += len(option.split())
                self.cited |= set(figures or [])
                self.lines.append(
                    Line(
                        id=f"l{len(self.lines) + 1}",
                        speaker=speaker,
                        text=option,
                        segment=len(self.segments) - 1,
                        move=move,
                        figures=figures or [],
                        paragraphs=paragraphs or [],
                    )
                )
                return True
        return False

    def merge(self, start: int, limit: int) -> None:
        """Lines `start` onwards said as one line of their first line's move, where they are
        one speaker's in one segment and `limit` words or fewer together: a host's run of
        short statements ("Alphabet went from … Meta is up …") is one thing he says."""
        tail = self.lines[start:]
        if (
            len(tail) < 2
            or len({(x.speaker, x.segment) for x in tail}) > 1
            or sum(x.words for x in tail) > limit
        ):
            return
        merged = tail[0].model_copy(
            update={
                "text": " ".join(x.text for x in tail),
                "figures": list(dict.fromkeys(f for x in tail for f in x.figures)),
                "paragraphs": list(dict.fromkeys(p for x in tail for p in x.paragraphs)),
            }
        )
        self.lines[start:] = [merged]

    def join_runs(self, limit: int) -> None:
        """A transition, or a line before a question, joined with the same speaker's next
        line in its segment where they come to `limit` words or fewer ("Moving on." "How
        much power?" is one thing the co-host says); the joined line has the later line's
        move (what it leads into), and the lines are numbered again."""
        joined: list[Line] = []
        for line in self.lines:
            before = joined[-1] if joined else None
            if (
                before is not None
                and (before.speaker, before.segment) == (line.speaker, line.segment)
                and before.words + line.words <= limit
                and (before.move == "transition" or line.move == "question")
            ):
                joined[-1] = before.model_copy(
                    update={
                        "text": f"{before.text} {line.text}",
                        "move": line.move,
                        "figures": list(dict.fromkeys([*before.figures, *line.figures])),
                        "paragraphs": list(dict.fromkeys([*before.paragraphs, *line.paragraphs])),
                    }
                )
            else:
                joined.append(line)
        self.lines = [x.model_copy(update={"id": f"l{i}"}) for i, x in enumerate(joined, 1)]

    def variants(self, name: str, **context: str | None) -> list[tuple[int, str]]:
        """Template `name`'s variants this episode has not used yet (interjections may
        repeat), from a start the article's hash and the move's index pick."""
        found = phrasing.variants(name, **context)
        if not found:
            return []
        index = self.moves[name]
        self.moves[name] += 1
        start = phrasing.start(f"{self.key}:{name}:{index}", len(found))
        order = [(start + i) % len(found) for i in range(len(found))]
        return [(i, found[i]) for i in order if name in REUSABLE or (name, i) not in self.used]

    def line(
        self,
        speaker: str,
        name: str,
        move: Move,
        figures: list[str] | None = None,
        paragraphs: list[str] | None = None,
        after: str = "",
        must: str = "",
        prefer: str = "",
        **context: str | None,
    ) -> bool:
        """Say the first variant of template `name` (followed by `after`) that is new and
        traced (and says `must`, when given; those that say `prefer` first)."""
        return self.phrase(speaker, name, move, context, figures, paragraphs, after, must, prefer)

    def phrase(
        self,
        speaker: str,
        name: str,
        move: Move,
        context: Mapping[str, str | None],
        figures: list[str] | None = None,
        paragraphs: list[str] | None = None,
        after: str = "",
        must: str = "",
        prefer: str = "",
    ) -> bool:
        """`line`, with the template's context as a mapping."""
        found = self.variants(name, **context)
        if prefer:
            found.sort(key=lambda v: prefer not in v[1])  # stable: the hash order stays
        for i, text in found:
            if must and must not in text:
                continue
            if self.say(speaker, f"{text} {after}".strip(), move, figures, paragraphs):
                self.used.add((name, i))
                return True
        return False


@lru_cache(maxsize=8192)
def keys(text: str) -> frozenset[str]:
    """quality.sentence_keys, cached: the writer asks for every candidate line."""
    return frozenset(sentence_keys(text))
