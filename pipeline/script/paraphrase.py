"""The co-host's paraphrase: the core of the sentence that stated a figure, in a few words.

"A typical enterprise rack drew somewhere between 5 and 15 kW, was cooled by
air …" → "a typical enterprise rack drew between 5 and 15 kW": the main
clause's subject, its verb and the one phrase that holds the figure, from
spaCy's dependency parse; asides, trailing clauses and hedging adverbs go.
Only a clean parse gives a paraphrase (a noun subject that is no pronoun, a
figure inside the kept phrase, a handful of words); anything else gives
None and the co-host reacts another way. Parses are cached by sentence, so
the writer's length search parses each sentence once.
"""

from __future__ import annotations

from functools import lru_cache

from pipeline.figures.parsing import nlp

MIN_WORDS, MAX_WORDS = 5, 13
SHORTER = 4  # words fewer than the sentence, at least: a paraphrase is not a repeat
SUBJECTS = ("nsubj", "nsubjpass")
KEPT = ("aux", "auxpass", "neg", "prt")  # around the verb
OBJECTS = ("dobj", "attr", "acomp", "oprd", "dative")
HEDGES = frozenset("somewhere already currently still just also now reportedly widely".split())
PRONOUNS = frozenset(
    "it its they their them this that these those he she we i you which who there here".split()
)


def core(sentence: str, figure_text: str) -> str | None:
    """The sentence's main clause cut down to subject, verb and the phrase holding
    `figure_text`; None when the parse does not give a clean one."""
    found = _core(sentence, figure_text)
    return found or None


@lru_cache(maxsize=4096)
def _core(sentence: str, figure_text: str) -> str:
    start = sentence.find(figure_text)
    if start < 0 or not figure_text or any(c in sentence[:start] for c in ":;—"):
        return ""  # a figure after a colon or a dash is an aside the parse cuts badly
    doc = nlp()(sentence)
    # Tags, not coarse parts of speech: the shared pipeline leaves out the attribute ruler.
    roots = [t for t in doc if t.dep_ == "ROOT" and t.tag_.startswith(("VB", "MD"))]
    if not roots:
        return ""
    root = roots[0]
    subjects = [c for c in root.children if c.dep_ in SUBJECTS]
    if len(subjects) != 1:
        return ""
    subject = subjects[0]
    if any(t.lower_ in PRONOUNS for t in subject.subtree) or not subject.tag_.startswith("NN"):
        return ""
    span = range(start, start + len(figure_text))
    holding = [c for c in root.children if c.i > root.i and any(t.idx in span for t in c.subtree)]
    if len(holding) != 1:
        return ""
    kept = {t.i for t in subject.subtree} | {root.i}
    kept |= {c.i for c in root.children if c.dep_ in KEPT}
    kept |= {t.i for c in root.children if c.dep_ in OBJECTS and c.i > root.i for t in c.subtree}
    kept |= {t.i for t in holding[0].subtree}
    words = [t for t in doc if t.i in kept and t.lower_ not in HEDGES]
    if not words or words[-1].i < holding[0].i or words[-1].lower_ in PRONOUNS:
        return ""
    text = ""
    for before, t in zip([None, *words], words, strict=False):
        gap = before is not None and (before.whitespace_ or before.i != t.i - 1)
        text += (" " if gap and not t.is_punct else "") + t.text
    text = text.strip().rstrip(",;:.")
    count = len(text.split())
    if (
        not MIN_WORDS <= count <= min(MAX_WORDS, len(sentence.split()) - SHORTER)
        or figure_text not in text
        or "=" in text
    ):
        return ""  # too short, too long, or hardly shorter than what was just said
    if not words[0].tag_.startswith("NNP") and not (
        words[0].text.isupper() and len(words[0].text) > 1
    ):
        text = text[0].lower() + text[1:]
    return text
