"""A child process for the background worker's summary computations.

The statistics of a district's summary are seconds of pure Python and numpy that hold the
interpreter lock: in the worker thread they would slow every page request of the process
(each request waits for the lock at every step, for up to seconds in all). In a child process
they do not, and they use another core. The child is started once (spawned: a fork of a
threaded server is unsafe) and kept for the life of the process; its answer, the scopes with their rendered HTML, comes
back pickled (17 MB and 60 ms on the bench district).
"""

import atexit
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from sqlalchemy import Engine

_POOL: dict[str, ProcessPoolExecutor | None] = {"pool": None}
_POOL_LOCK = threading.Lock()


def _pool() -> ProcessPoolExecutor:
    with _POOL_LOCK:
        pool = _POOL["pool"]
        if pool is None:
            pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            )
            _POOL["pool"] = pool
        return pool


def district_scopes(engine: Engine, district_id: int) -> list[Any]:
    """The district's summary scopes, computed and rendered in the child process."""
    url = engine.url.render_as_string(hide_password=False)
    try:
        return _pool().submit(_in_child, url, district_id).result()
    except BrokenProcessPool:
        shutdown()  # the child died (killed, out of memory): the next job starts another
        raise


def shutdown() -> None:
    """Stop the child process, if any (at exit, or when it died)."""
    with _POOL_LOCK:
        pool, _POOL["pool"] = _POOL["pool"], None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def _in_child(url: str, district_id: int) -> list[Any]:
    from sqlmodel import Session

    import server.growth.routes  # noqa: F401  (registers the templates' prerender)
    from server.db import make_engine
    from server.growth import summaries

    # An engine per job, disposed after it: the child keeps no connection open between jobs
    # (a database may be dropped meanwhile: tests, benches).
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return summaries.computed_scopes(session=session, district_id=district_id)
    finally:
        engine.dispose()


atexit.register(shutdown)
