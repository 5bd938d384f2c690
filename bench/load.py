"""Measure (not a test): 50 coaches at once for 60 s against a real server on loopback.

uvicorn in a child process on a fresh database with the whole demo district (SQLite, or
PostgreSQL with --postgres URL). Each simulated coach (a thread, signed in as one of the demo's
coaches, with a tablet of its own) loops: opens the week (GET /week), starts an observation of
a teacher on its caseload (a push of create_observation), autosaves five scores one push each,
as the scoring screen does, and pulls what changed since its cursor. Each tablet first signs in
and pulls what it holds (untimed); the timed minute starts when every tablet has. Every request is timed;
an error is any answer that is not 2xx, any mutation not applied, or any exception; and any
response that says "database is locked" is counted apart (none may reach a user).

    .venv/bin/python bench/load.py [--coaches 50] [--seconds 60] [--workers 1] [--postgres URL]

Prints per kind of request the count, median and p95, then `errors: N`, the server's
tracebacks, `locked: N` (in answers, and in the server's log: a 500's body does not say why)
and, last, `p95_ms: N` over every request.
"""

import argparse
import contextlib
import statistics
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import requests
from district import fresh_postgres
from harness import Server, fresh_sqlite, sign_in
from sqlalchemy import select
from sqlmodel import Session, col

from server import migrate
from server.accounts.models import Membership, Role, User
from server.db import make_engine
from server.demo import load_demo_district
from server.roster.models import CoachAssignment
from server.rubrics import service as rubrics_service

SCORES_PER_LESSON = 5


@dataclass
class Coach:
    email: str
    teacher_ids: list[int]
    rubric_version_id: int
    units: list[tuple[str, str]]
    levels: list[int]


@dataclass
class Tally:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    locked: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, ms: float, problem: str | None, body: str) -> None:
        with self.lock:
            self.times[kind].append(ms)
            if problem:
                self.errors.append(f"{kind}: {problem}")
            if "database is locked" in body:
                self.locked += 1


def _coaches(url: str) -> list[Coach]:
    """The demo's coaches, each with the teachers on their caseload and the rubric to score."""
    engine = make_engine(url)
    with Session(engine) as session:
        version = rubrics_service.list_current(session=session)[0]
        rubric = rubrics_service.rubric_of(version)
        units = [(d.id, i.id) for d in rubric.dimensions for i in d.items] or [
            (d.id, "") for d in rubric.dimensions
        ]
        rows = session.execute(
            select(User.email, col(CoachAssignment.teacher_id))
            .join(Membership, col(Membership.user_id) == col(User.id))
            .join(CoachAssignment, col(CoachAssignment.coach_id) == col(User.id))
            .where(
                col(Membership.role) == Role.coach,
                col(CoachAssignment.start_date) <= date.today(),
                col(CoachAssignment.end_date).is_(None)
                | (col(CoachAssignment.end_date) >= date.today()),
            )
        ).all()
    engine.dispose()
    caseload: dict[str, list[int]] = defaultdict(list)
    for email, teacher_id in rows:
        caseload[email].append(teacher_id)
    levels = list(rubric.scale_for(rubric.dimensions[0]).values)
    return [
        Coach(e, sorted(set(t)), version.id, units, levels) for e, t in sorted(caseload.items())
    ]  # type: ignore[arg-type]


def _timed(tally: Tally, kind: str, call: Any) -> requests.Response | None:
    began = time.perf_counter()
    try:
        response = call()
    except requests.RequestException as exc:
        tally.record(kind, (time.perf_counter() - began) * 1000, repr(exc), "")
        return None
    ms = (time.perf_counter() - began) * 1000
    problem = None if response.ok else f"{response.status_code} {response.text[:200]}"
    if response.ok and kind.startswith("push"):
        bad = [r for r in response.json()["results"] if r["status"] != "applied"]
        problem = f"not applied: {bad[:1]}" if bad else None
    tally.record(kind, ms, problem, response.text if not response.ok or problem else "")
    return response


def _first_pull(client: requests.Session, base: str, headers: dict[str, str]) -> int:
    """Untimed: what the tablet holds before the minute starts. Returns its cursor."""
    cursor = 0
    while True:
        page = client.get(
            f"{base}/api/sync/pull", params={"cursor": cursor}, headers=headers, timeout=300
        )
        page.raise_for_status()
        cursor = page.json()["cursor"]
        if not page.json()["more"]:
            return cursor


def _run_coach(
    base: str, coach: Coach, n: int, start: threading.Barrier, seconds: float, tally: Tally
) -> None:
    headers = {"X-Cadence-Sync": "1", "Origin": base}
    device = f"load-tablet-{n}"
    mutation_id = 0
    try:
        client = sign_in(base, coach.email)
        cursor = _first_pull(client, base, headers)
    except Exception as exc:  # counted, and the others are not kept waiting for this one
        tally.record("first pull", 0.0, repr(exc), "")
        start.wait()
        return
    # Every tablet holds its records before the timed minute starts, together.
    start.wait()
    until = time.monotonic() + seconds
    lesson = 0
    while time.monotonic() < until:
        _timed(tally, "week", lambda: client.get(f"{base}/week", timeout=60))
        oid = str(uuid.uuid4())
        teacher_id = coach.teacher_ids[lesson % len(coach.teacher_ids)]
        lesson += 1
        mutation_id += 1
        create = {"mutation_id": mutation_id, "entity": "observation", "id": oid,
                  "base_version": None, "payload": {"op": "create_observation", "data": {
                      "observed_at": datetime.now(UTC).isoformat(), "grade": "4",
                      "teacher_id": teacher_id, "rubric_version_ids": [coach.rubric_version_id]}}}  # fmt: skip
        body = {"device_id": device, "mutations": [create]}
        _timed(tally, "push create", lambda b=body: client.post(  # type: ignore[misc]
            f"{base}/api/sync/push", json=b, headers=headers, timeout=60))  # fmt: skip
        for k in range(SCORES_PER_LESSON):
            dim, item = coach.units[(lesson + k) % len(coach.units)]
            mutation_id += 1
            score = {"mutation_id": mutation_id, "entity": "observation", "id": oid,
                     "base_version": None, "payload": {
                         "op": "set_score", "rubric_version_id": coach.rubric_version_id,
                         "dimension_id": dim, "item_id": item,
                         "value": coach.levels[k % len(coach.levels)]}}  # fmt: skip
            body = {"device_id": device, "mutations": [score]}
            _timed(tally, "push autosave", lambda b=body: client.post(  # type: ignore[misc]
                f"{base}/api/sync/push", json=b, headers=headers, timeout=60))  # fmt: skip
        pulled = _timed(tally, "pull", lambda c=cursor: client.get(  # type: ignore[misc]
            f"{base}/api/sync/pull", params={"cursor": c}, headers=headers, timeout=60))  # fmt: skip
        if pulled is not None and pulled.ok:
            cursor = pulled.json()["cursor"]


@contextlib.contextmanager
def _database(postgres: str | None) -> Iterator[str]:
    if postgres is None:
        yield fresh_sqlite("cadence-bench-load-").database_url
    else:
        with fresh_postgres(postgres) as url:
            migrate.upgrade(url)
            yield url


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--coaches", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL server URL")
    args = parser.parse_args()
    with _database(args.postgres) as url:
        settings = fresh_sqlite("cadence-bench-load-settings-").model_copy(
            update={"database_url": url}
        )
        engine = make_engine(url)
        with Session(engine) as session:
            load_demo_district(session=session, settings=settings)
        engine.dispose()
        coaches = _coaches(url)
        server_log = settings.var_dir / "server.log"
        server = Server(settings, workers=args.workers, log=server_log)
        server.start()
        tally = Tally()
        try:
            start = threading.Barrier(args.coaches)
            threads = [
                threading.Thread(
                    target=_run_coach,
                    args=(server.base, coaches[n % len(coaches)], n, start, args.seconds, tally),
                )
                for n in range(args.coaches)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            server.stop()
        logged = server_log.read_text(errors="replace")
    every = [ms for values in tally.times.values() for ms in values]
    where = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{args.coaches} coaches ({len(coaches)} demo accounts) for {args.seconds:.0f} s on "
          f"{where}, {args.workers} server worker(s): {len(every)} requests, "
          f"{len(every) / args.seconds:.0f} a second")  # fmt: skip
    for kind, values in sorted(tally.times.items()):
        print(f"{kind:14s} n {len(values):6d}  median_ms {statistics.median(values):8.1f}  "
              f"p95_ms {_percentile(values, 0.95):8.1f}")  # fmt: skip
    for problem in tally.errors[:10]:
        print(f"  error: {problem}")
    print(f"errors: {len(tally.errors)}")
    print(f"server tracebacks: {logged.count('Traceback')}")
    print(
        f"locked: {tally.locked} in answers, {logged.count('database is locked')} in the server log"
    )
    print(f"p95_ms: {_percentile(every, 0.95):.0f}" if every else "p95_ms: n/a (no request)")


if __name__ == "__main__":
    main()
