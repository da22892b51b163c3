"""Figures: what the article states, what follows from it, and whether a script says only those.

extract.py finds stated figures, derive computes figures and consistency
checks, ledger.py bundles them (`build_ledger`), audit.py checks a script's
numbers against a ledger.
"""
