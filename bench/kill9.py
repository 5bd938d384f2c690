"""Measure (not a test): the server killed with SIGKILL in the middle of push batches, restarted,
and every batch pushed again from the start, as a tablet whose request failed would; every
mutation must be applied exactly once.

A real server (uvicorn in a child process, loopback) on a fresh database with the demo roster
(SQLite, or PostgreSQL with --postgres URL). One coach's tablet pushes observations (1 create,
20 scores, 4 notes each: bench/sync.py's) in batches; a timer kills the server at a random
moment of each round. After each kill the server is started again and the tablet pushes every
batch again, in order, until all are acknowledged. Then the database is counted:

    rounds: 5 (kills: 5), on SQLite
    mutations: 5000 sent, 5000 acknowledged
    ledger: 5000 added (expected 5000)
    observations: 200 added (expected 200)   (and scores, notes)
    exactly_once: yes

    .venv/bin/python bench/kill9.py [--rounds 5] [--mutations 5000] [--batch 250] [--postgres URL]
"""

import argparse
import contextlib
import random
import threading
import time
from collections.abc import Iterator
from typing import Any

import requests
from district import fresh_postgres
from harness import COACH, Server, demo_database, sign_in
from sqlalchemy import func, select
from sqlmodel import Session
from sync import NOTES, PER_OBSERVATION, SCORES, _mutations, demo_district

from server.accounts.models import User
from server.observations.models import Note, Observation, Score
from server.roster.models import SchoolYear
from server.sync.models import SyncMutation

HEADERS = {"X-Cadence-Sync": "1"}
DEVICE = "kill9-tablet"


def _push_until_killed(
    client: requests.Session, base: str, batches: list[list[dict[str, Any]]], acked: set[int]
) -> bool:
    """Push every batch in order; True if all were acknowledged, False if the server died."""
    headers = {**HEADERS, "Origin": base}
    for batch in batches:
        try:
            response = client.post(
                f"{base}/api/sync/push", json={"device_id": DEVICE, "mutations": batch},
                headers=headers, timeout=120,
            )  # fmt: skip
        except requests.ConnectionError:
            return False
        response.raise_for_status()
        for result in response.json()["results"]:
            assert result["status"] in ("applied", "duplicate"), result
            acked.add(int(result["mutation_id"]))
    return True


@contextlib.contextmanager
def _database(postgres: str | None) -> Iterator[str | None]:
    if postgres is None:
        yield None
    else:
        with fresh_postgres(postgres) as url:
            yield url


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--mutations", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL server URL")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with _database(args.postgres) as url:
        bench = demo_database(url)
        with Session(bench.engine) as session:
            district_id = demo_district(session)
            year = max(
                session.execute(select(SchoolYear).where(SchoolYear.district_id == district_id))
                .scalars()
                .all(),
                key=lambda y: y.start_date,
            )
            coach = session.execute(select(User).where(User.email == COACH)).scalar_one()
        info = {
            "rubric_version_id": bench.largest.id, "teacher_id": bench.teacher_id,
            "coach_id": coach.id, "school_year_id": year.id, "units": bench.units[:SCORES],
            "levels": bench.rubric.scale_for(bench.rubric.dimensions[0]).values,
        }  # fmt: skip
        mutations = _mutations(info, args.mutations)
        batches = [mutations[i : i + args.batch] for i in range(0, len(mutations), args.batch)]
        server = Server(bench.settings)
        server.start()
        before = _counts(bench.engine)
        acked: set[int] = set()
        kills = 0
        try:
            client = sign_in(server.base)
            # One round's full push, timed, to aim the kills inside the push phase.
            began = time.perf_counter()
            _push_until_killed(client, server.base, batches[:1], acked)
            per_batch = time.perf_counter() - began
            for _ in range(args.rounds):
                delay = rng.uniform(0.2, max(0.3, per_batch * len(batches)))
                timer = threading.Timer(delay, server.kill)
                timer.start()
                _push_until_killed(client, server.base, batches, acked)
                timer.join()
                kills += 1
                server.start()
                client = sign_in(server.base)
            while not _push_until_killed(client, server.base, batches, acked):
                server.start()
        finally:
            server.stop()
        after = _counts(bench.engine)
        bench.engine.dispose()
    n = len(mutations)
    n_obs = n // PER_OBSERVATION
    added = {name: after[name] - before[name] for name in after}
    expected = {
        "ledger": n,
        "observations": n_obs,
        "scores": n_obs * SCORES,
        "notes": n_obs * NOTES,
    }
    print(f"rounds: {args.rounds} (kills: {kills}), on {'PostgreSQL' if url else 'SQLite'}")
    print(f"mutations: {n} sent, {len(acked)} acknowledged")
    for name, want in expected.items():
        print(f"{name}: {added[name]} added (expected {want})")
    print(f"exactly_once: {'yes' if added == expected and len(acked) == n else 'NO'}")


def _counts(engine: Any) -> dict[str, int]:
    """Rows of the bench tablet's ledger and of the tables its mutations write."""
    with Session(engine) as session:

        def count(model: Any, *where: Any) -> int:
            query = select(func.count()).select_from(model).where(*where)
            return int(session.execute(query).scalar_one())

        return {
            "ledger": count(SyncMutation, SyncMutation.device_id == DEVICE),  # type: ignore[arg-type]
            "observations": count(Observation),
            "scores": count(Score),
            "notes": count(Note),
        }


if __name__ == "__main__":
    main()
