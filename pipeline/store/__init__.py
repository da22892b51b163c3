"""The episode store: the source of truth for every episode's state.

`Store` answers for episodes and their runs itself; `store.scripts` and
`store.accounts` hold the other aggregates, all over one session factory. The
tables are in `rows`, opening the database in `engine`.
"""

from pipeline.store.engine import make_engine, migrate
from pipeline.store.episodes import Store, file_digest
from pipeline.store.rows import utcnow

__all__ = ["Store", "file_digest", "make_engine", "migrate", "utcnow"]
