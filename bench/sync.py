"""Benchmark (not a test): push 10,000 sync mutations through the ASGI app, against the raw
SQLAlchemy Core insert rate of the same rows measured in the same run.

Fresh SQLite database with the demo roster; the coach's observations are scored with the
largest shipped rubric. Each observation is 1 create_observation + 20 set_score + 4 add_note
mutations (25), pushed in batches with httpx.ASGITransport (in-process, no network); each
mutation is applied atomically with its acknowledgement (docs/sync.md). The raw baseline
inserts the same observation, score and note rows with Core, one transaction per row (each
write committed on its own); the one-transaction executemany rate is printed for reference.
The last line is `ratio: X.XX` (sync rate / raw rate).

    .venv/bin/python bench/sync.py [--mutations 10000] [--batch 250]
"""

import argparse
import asyncio
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from harness import COACH, demo_database
from sqlalchemy import Engine, insert
from sqlmodel import Session, select

from server.accounts.models import User
from server.config import Settings
from server.main import create_app
from server.observations.models import Note, Observation, Score
from server.roster import demo
from server.roster.models import SchoolYear, Teacher

SCORES, NOTES = 20, 4
PER_OBSERVATION = 1 + SCORES + NOTES
HEADERS = {"X-Cadence-Sync": "1", "Origin": "http://bench"}


def _setup() -> tuple[Settings, dict[str, Any]]:
    bench = demo_database()
    settings, engine, largest, rubric = bench.settings, bench.engine, bench.largest, bench.rubric
    with Session(engine) as session:
        coach = session.exec(select(User).where(User.email == COACH)).one()
        year = session.exec(
            select(SchoolYear).where(SchoolYear.district_id == demo_district(session))
        ).all()
        units = bench.units
        info = {
            "rubric_version_id": largest.id,
            "teacher_id": bench.teacher_id,
            "coach_id": coach.id,
            "school_year_id": max(year, key=lambda y: y.start_date).id,
            "units": units[:SCORES],
            "levels": rubric.scale_for(rubric.dimensions[0]).values,
            "engine": engine,
        }
    return settings, info


def demo_district(session: Session) -> int:
    teacher = session.exec(select(Teacher).where(Teacher.name == "Ana Torres")).one()
    return teacher.district_id


def _mutations(info: dict[str, Any], count: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    now = datetime.now(UTC).isoformat()
    mid = 0
    while len(out) < count:
        oid = str(uuid.uuid4())
        ops: list[tuple[int | None, dict[str, Any]]] = [
            (None, {"op": "create_observation", "data": {
                "observed_at": now, "grade": "4", "teacher_id": info["teacher_id"],
                "rubric_version_ids": [info["rubric_version_id"]]}}),
        ]  # fmt: skip
        for n, (dim, item) in enumerate(info["units"]):
            level = info["levels"][n % len(info["levels"])]
            ops.append((None, {"op": "set_score", "rubric_version_id": info["rubric_version_id"],
                               "dimension_id": dim, "item_id": item, "value": level}))  # fmt: skip
        for n in range(NOTES):
            ops.append(
                (None, {"op": "add_note", "note_id": str(uuid.uuid4()), "text": f"Note {n}"})
            )
        for base, payload in ops:
            mid += 1
            out.append({"mutation_id": mid, "entity": "observation", "id": oid,
                        "base_version": base, "payload": payload})  # fmt: skip
    return out[:count]


async def _push_all(settings: Settings, mutations: list[dict[str, Any]], batch: int) -> float:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):
        page = await client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        login = {"email": COACH, "password": demo.DEMO_PASSWORD, "csrf_token": token}
        assert (await client.post("/login", data=login)).status_code == 303
        start = time.perf_counter()
        for i in range(0, len(mutations), batch):
            body = {"device_id": "bench-tablet", "mutations": mutations[i : i + batch]}
            response = await client.post("/api/sync/push", json=body, headers=HEADERS)
            response.raise_for_status()
            statuses = {r["status"] for r in response.json()["results"]}
            assert statuses == {"applied"}, response.json()["results"][:3]
        return time.perf_counter() - start


def _raw_rows(info: dict[str, Any], count: int) -> list[tuple[Any, dict[str, Any]]]:
    """The rows the sync run wrote (observation, its rubric, scores, notes), one per mutation."""
    rows: list[tuple[Any, dict[str, Any]]] = []
    now = datetime.now(UTC)
    while len(rows) < count:
        oid = uuid.uuid4()
        rows.append((Observation.__table__, {
            "id": oid, "teacher_id": info["teacher_id"], "observer_id": info["coach_id"],
            "school_year_id": info["school_year_id"], "status": "draft", "observed_at": now,
            "grade": "4", "course_unit": "", "lesson_goal": "", "task_description": "",
            "timer_elapsed_seconds": 0, "version": 1, "created_at": now, "updated_at": now}))  # fmt: skip
        for dim, item in info["units"]:
            rows.append((Score.__table__, {
                "observation_id": oid, "rubric_version_id": info["rubric_version_id"],
                "dimension_id": dim, "item_id": item, "value": 1, "not_observed": False,
                "updated_by": info["coach_id"], "updated_at": now}))  # fmt: skip
        for n in range(NOTES):
            rows.append((Note.__table__, {
                "id": uuid.uuid4(), "observation_id": oid, "author_id": info["coach_id"],
                "text": f"Note {n}", "tags": [], "written_at": now, "created_at": now}))  # fmt: skip
    return rows[:count]


def _raw_insert(engine: Engine, rows: list[tuple[Any, dict[str, Any]]]) -> tuple[float, float]:
    """Seconds for one transaction per row, and for one executemany transaction per table."""
    start = time.perf_counter()
    for table, values in rows:
        with engine.begin() as conn:
            conn.execute(insert(table), values)
    per_row = time.perf_counter() - start
    # The same rows again under new ids, batched (observations first for the foreign keys).
    fresh = _renumber(rows)
    start = time.perf_counter()
    with engine.begin() as conn:
        for table in (Observation.__table__, Score.__table__, Note.__table__):
            values = [v for t, v in fresh if t is table]
            if values:
                conn.execute(insert(table), values)
    return per_row, time.perf_counter() - start


def _renumber(rows: list[tuple[Any, dict[str, Any]]]) -> list[tuple[Any, dict[str, Any]]]:
    ids: dict[uuid.UUID, uuid.UUID] = {}
    out = []
    for table, values in rows:
        values = dict(values)
        if table is Observation.__table__:
            values["id"] = ids.setdefault(values["id"], uuid.uuid4())
        else:
            values["observation_id"] = ids[values["observation_id"]]
            if table is Note.__table__:
                values["id"] = uuid.uuid4()
        out.append((table, values))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mutations", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=250)
    args = parser.parse_args()
    settings, info = _setup()
    engine: Engine = info.pop("engine")
    mutations = _mutations(info, args.mutations)
    sync_seconds = asyncio.run(_push_all(settings, mutations, args.batch))
    rows = _raw_rows(info, args.mutations)
    raw_seconds, batched_seconds = _raw_insert(engine, rows)
    engine.dispose()
    n = len(mutations)
    sync_rate, raw_rate, batched_rate = n / sync_seconds, n / raw_seconds, n / batched_seconds
    print(f"mutations: {n} ({n // PER_OBSERVATION} observations x {PER_OBSERVATION}: "
          f"1 create, {SCORES} scores, {NOTES} notes), batches of {args.batch}")  # fmt: skip
    print(
        f"sync push (ASGI, each mutation atomic):         {sync_seconds:7.2f} s  {sync_rate:9.0f} /s"
    )
    print(
        f"raw Core insert, one transaction per row:        {raw_seconds:7.2f} s  {raw_rate:9.0f} /s"
    )
    print(
        f"raw Core executemany, one transaction (ref.):    {batched_seconds:7.2f} s  {batched_rate:9.0f} /s"
    )
    print(f"ratio: {sync_rate / raw_rate:.2f}")


if __name__ == "__main__":
    main()
