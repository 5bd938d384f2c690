"""The growth pages' background worker: one thread per process that runs queued jobs (growth
fits, summary refreshes) off the request path, and when idle for a second runs the watchers
that look for what a write made stale (writes may come from another process).

Started and stopped by the app's lifespan (`start`, `stop`); `run_now` runs the queue in the
calling thread (tests, the CLI, benches) and waits for the worker's job in flight.
"""

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from time import perf_counter
from typing import Any

from sqlalchemy import Engine

logger = logging.getLogger(__name__)

Job = tuple[str, int, str]  # (database, district, what: a rubric id to fit, or a summary)
Runner = Callable[[Job, Engine, threading.Event | None], None]
IDLE_SECONDS = 1.0


class Stopped(Exception):
    """The worker was told to stop in the middle of a job."""


# Guards _PENDING, _IN_FLIGHT and _WORKER; notified whenever they change.
_QUEUE = threading.Condition()
_PENDING: dict[Job, tuple[Engine, Runner]] = {}  # in the order asked for
_IN_FLIGHT: set[Job] = set()
_WATCHERS: list[Callable[[], None]] = []
_WORKER: dict[str, Any] = {"thread": None, "users": 0, "stop": None, "paused": 0}


def database_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def queue(job: Job, engine: Engine, runner: Runner) -> None:
    """Queue `job` unless it is queued already (a job in flight is queued again: it may have
    read the database before the change that queues it)."""
    with _QUEUE:
        _PENDING.setdefault(job, (engine, runner))
        _QUEUE.notify_all()


def watch(check: Callable[[], None]) -> None:
    """Run `check` whenever the worker has been idle for IDLE_SECONDS (once per function)."""
    with _QUEUE:
        if check not in _WATCHERS:
            _WATCHERS.append(check)


def _take(district_id: int | None = None) -> tuple[Job, Engine, Runner] | None:
    """The next queued job (of `district_id`, if given), marked in flight. Hold _QUEUE."""
    for job, (engine, runner) in _PENDING.items():
        if job not in _IN_FLIGHT and (district_id is None or job[1] == district_id):
            del _PENDING[job]
            _IN_FLIGHT.add(job)
            return job, engine, runner
    return None


def _done(job: Job) -> None:
    with _QUEUE:
        _IN_FLIGHT.discard(job)
        _QUEUE.notify_all()


def run_now(*, district_id: int | None = None, timeout: float = 600) -> int:
    """Run the queued jobs in this thread (only `district_id`'s, if given) and wait for the one
    the worker may have in flight. Returns how many ran here. Pages never call it."""
    ran = 0
    deadline = perf_counter() + timeout
    while True:
        with _QUEUE:
            taken = _take(district_id)
            if taken is None:
                busy = [j for j in _IN_FLIGHT if district_id is None or j[1] == district_id]
                if not busy:
                    return ran
                if not _QUEUE.wait(timeout=max(0.0, deadline - perf_counter())):
                    raise TimeoutError("the background jobs in flight did not finish in time")
                continue
        job, engine, runner = taken
        try:
            runner(job, engine, None)
            ran += 1
        finally:
            _done(job)


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """While inside, the worker thread takes no job and runs no watcher (it finishes the one in
    flight); `run_now` still runs the queue. For tests that need to see a page before the
    worker has caught up: the worker is the process's, shared by every app in it."""
    with _QUEUE:
        _WORKER["paused"] += 1
        while _IN_FLIGHT:
            _QUEUE.wait()
    try:
        yield
    finally:
        with _QUEUE:
            _WORKER["paused"] -= 1
            _QUEUE.notify_all()


def clear() -> None:
    """Forget every queued job, once any in flight is done (tests)."""
    with _QUEUE:
        _PENDING.clear()
        while _IN_FLIGHT:
            _QUEUE.wait()


def _watch() -> None:
    for check in list(_WATCHERS):
        try:
            check()
        except Exception:  # the next idle second tries again
            logger.exception("background watcher %s failed", getattr(check, "__name__", check))


def _work(stop: threading.Event) -> None:
    while True:
        with _QUEUE:
            taken = None if _WORKER["paused"] else _take()
            while taken is None and not stop.is_set():
                if not _QUEUE.wait(timeout=IDLE_SECONDS) and not _WORKER["paused"]:
                    break
                taken = None if _WORKER["paused"] else _take()
            if stop.is_set():
                if taken is not None:
                    _PENDING.setdefault(taken[0], taken[1:])
                    _IN_FLIGHT.discard(taken[0])
                return
        if taken is None:
            _watch()
            continue
        job, engine, runner = taken
        try:
            runner(job, engine, stop)
        except Stopped:
            with _QUEUE:
                _PENDING.setdefault(job, (engine, runner))
        except Exception:  # a page keeps showing what it has; the next change queues again
            logger.exception("background job %s of district %s failed", job[2], job[1])
        finally:
            _done(job)


def start() -> None:
    """Start this process's worker (the app's lifespan; once per app, counted)."""
    with _QUEUE:
        _WORKER["users"] += 1
        thread = _WORKER["thread"]
        if thread is not None and thread.is_alive():
            return
        stop = threading.Event()
        thread = threading.Thread(target=_work, args=(stop,), name="growth-worker", daemon=True)
        _WORKER.update(thread=thread, stop=stop)
        thread.start()


def stop(timeout: float = 30) -> bool:
    """Stop the worker when the last app using it shuts down: a job in flight is abandoned
    where it checks (a fit, at its next dimension) and queued again. True if it stopped."""
    with _QUEUE:
        _WORKER["users"] = max(0, _WORKER["users"] - 1)
        thread = _WORKER["thread"]
        if _WORKER["users"] or thread is None:
            return False
        _WORKER["stop"].set()
        _WORKER["thread"] = None
        _QUEUE.notify_all()
    thread.join(timeout)
    return True
