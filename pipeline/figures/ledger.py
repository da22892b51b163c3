"""The ledger of one article: extract, then derive, then bundle."""

from __future__ import annotations

from pipeline.figures.assumptions import ASSUMPTIONS, ASSUMPTIONS_VERSION, as_figures
from pipeline.figures.derive import derive
from pipeline.figures.extract import extract, years
from pipeline.figures.models import Ledger
from pipeline.models import Article


def build_ledger(article: Article, *, use_assumptions: bool = False) -> Ledger:
    """Source figures, computed figures and consistency checks for one article.

    Assumptions (reference values from outside the article) are used only
    when asked for, and only those a computation used end up in the ledger.
    """
    source = extract(article)
    assumed = as_figures(ASSUMPTIONS) if use_assumptions else []
    derived = derive(source, assumed or None)
    used = {i for f in derived.figures for i in f.inputs}
    return Ledger(
        article_hash=article.content_hash,
        figures=[*source, *(a for a in assumed if a.id in used), *derived.figures],
        checks=derived.checks,
        years=years(article),
        assumptions_version=ASSUMPTIONS_VERSION if use_assumptions else None,
    )
