"""Where the background worker reads whole districts from: a read replica, when one is set.

The worker's summaries and growth fits read every score of a district (at 20,000 teachers,
12 million scores and minutes of reading: docs/deployment.md); a replica takes that load off
the database that serves the pages and the tablets' writes. Each computation reads its stamp
from the same replica as its numbers, so a summary is never marked fresher than the data it
was computed from: while the replica lags, the primary's stamp differs and the worker's
watcher queues the district again until the replica has caught up.
"""

import threading

from sqlalchemy import Engine

from server.db import make_engine
from server.growth import worker

_REPLICAS: dict[str, Engine] = {}
_LOCK = threading.Lock()


def use_replica(primary: Engine, url: str | None) -> None:
    """Read the worker's computations for `primary`'s database from `url` (None: from the
    primary itself)."""
    replica = make_engine(url) if url else None
    with _LOCK:
        old = _REPLICAS.pop(worker.database_of(primary), None)
        if replica is not None:
            _REPLICAS[worker.database_of(primary)] = replica
    if old is not None:
        old.dispose()


def reading_engine(engine: Engine) -> Engine:
    """The engine the worker reads `engine`'s districts from."""
    with _LOCK:
        return _REPLICAS.get(worker.database_of(engine), engine)
