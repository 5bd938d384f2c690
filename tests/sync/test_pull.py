"""GET /api/sync/pull: cursors under interleaved pushes, paging, scope, concurrent commits."""

import threading
import time
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from server.observations import operations as ops
from server.observations import service as observations_service
from server.sync.models import SyncChange
from tests.sync.conftest import (
    API_HEADERS,
    School,
    create_mutation,
    note_mutation,
    pull,
    push,
    score_mutation,
    sign_in,
)


def test_cursors_under_interleaved_pushes(client: TestClient, school: School) -> None:
    sign_in(client, school.coach.email)
    a, b = uuid.uuid4(), uuid.uuid4()
    push(client, [create_mutation(school, a, 1), score_mutation(school, a, 2)])
    first = pull(client)
    assert [(c["id"], c["version"]) for c in first["changes"]] == [(str(a), 2)]
    data = first["changes"][0]["data"]
    assert data["scores"] == [
        {"rubric_version_id": school.talk.id, "dimension_id": "participation", "item_id": "",
         "value": 3, "not_observed": False}
    ]  # fmt: skip
    assert data["grade"] == "4" and data["status"] == "draft" and data["reflections"] == []
    # Nothing new: the same cursor back, no changes.
    assert pull(client, first["cursor"]) == {
        "cursor": first["cursor"],
        "more": False,
        "changes": [],
    }
    # Writes from the pages and from another device interleave with pulls.
    push(client, [create_mutation(school, b, 1)], device="tablet-2")
    school.score(a, "press", 2)
    push(client, [note_mutation(a, 3)])
    second = pull(client, first["cursor"])
    assert [(c["id"], c["version"]) for c in second["changes"]] == [(str(b), 1), (str(a), 4)]
    assert len(second["changes"][1]["data"]["notes"]) == 1
    # Paging: one change row per page, the cursor moving on each time, nothing lost.
    cursor, seen = 0, []
    while True:
        page = pull(client, cursor, limit=1)
        seen += [(c["id"], c["version"]) for c in page["changes"]]
        if not page["more"]:
            break
        cursor = page["cursor"]
    assert seen[-1] == (str(a), 4) and (str(b), 1) in seen
    bad = client.get("/api/sync/pull", params={"cursor": -1}, headers=API_HEADERS)
    assert bad.status_code == 400 and bad.json()["detail"].startswith("cursor:")


def test_scope_a_coach_never_pulls_another_caseload_a_teacher_only_what_is_shared(
    client: TestClient, school: School
) -> None:
    oid = school.create()
    school.score_all_talk(oid)
    sign_in(client, school.other_coach.email)
    assert pull(client)["changes"] == []
    client.cookies.clear()
    sign_in(client, school.teacher_user.email)
    assert pull(client)["changes"] == []  # not shared yet
    school.apply(ops.Finalize(observation_id=oid))
    school.apply(ops.Share(observation_id=oid, audience="teacher"))
    school.apply(
        ops.AddReflection(observation_id=oid, text="I will wait longer."), school.teacher_user
    )
    [change] = pull(client)["changes"]
    assert change["id"] == str(oid) and change["data"]["status"] == "final"
    assert change["data"]["reflections"][0]["text"] == "I will wait longer."
    assert "open_conflicts" not in change["data"]
    client.cookies.clear()
    sign_in(client, school.principal.email)
    assert pull(client)["changes"] == []  # the teacher has not shared it with the principal
    school.apply(ops.Share(observation_id=oid, audience="principal"), school.teacher_user)
    [seen] = pull(client)["changes"]
    assert seen["data"]["reflections"] == []  # a principal never reads the reflection
    client.cookies.clear()
    sign_in(client, school.other_principal.email)
    assert pull(client)["changes"] == []
    client.cookies.clear()
    sign_in(client, school.admin.email)
    assert pull(client)["changes"] == []


def test_no_change_is_skipped_while_writers_commit_concurrently(
    engine: Engine, school: School
) -> None:
    """Several writers commit while a reader follows the change log by cursor: the reader
    ends having seen every seq (none committed behind its cursor)."""
    oids = [school.create() for _ in range(4)]
    coach = school.viewer(school.coach)
    errors: list[BaseException] = []
    done = threading.Event()

    def writer(oid: uuid.UUID) -> None:
        try:
            with Session(engine, expire_on_commit=False) as session:
                for n in range(15):
                    op = ops.AddNote(observation_id=oid, note_id=uuid.uuid4(), text=f"note {n}")
                    observations_service.apply_operation(session=session, actor=coach, op=op)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    seen: list[int] = []

    def reader() -> None:
        cursor = 0
        with Session(engine) as session:
            while True:
                finished = done.is_set()
                rows = session.exec(
                    select(SyncChange.seq)
                    .where(col(SyncChange.seq) > cursor)
                    .order_by(col(SyncChange.seq))
                ).all()
                session.rollback()  # a fresh snapshot next time
                seen.extend(s for s in rows if s is not None)
                if rows:
                    cursor = rows[-1] or cursor
                if finished:
                    return
                # A pause as a real poller's: a tight loop holds the GIL, and the writers,
                # slowed while they hold SQLite's write lock, keep one waiting past its
                # 5 s busy timeout ("database is locked").
                time.sleep(0.002)

    threads = [threading.Thread(target=writer, args=(oid,)) for oid in oids]
    follower = threading.Thread(target=reader)
    follower.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    follower.join()
    assert not errors, errors
    with Session(engine) as session:
        committed = session.exec(select(SyncChange.seq).order_by(col(SyncChange.seq))).all()
    assert len(committed) == 4 + 4 * 15
    assert sorted(seen) == list(committed)  # the reader started at 0: it saw every one


def test_the_coach_pulls_the_changes_made_after_finalizing_in_words(
    client: TestClient, school: School
) -> None:
    oid = school.create()
    school.score_all_talk(oid)
    school.apply(ops.Finalize(observation_id=oid))
    sign_in(client, school.coach.email)
    assert pull(client)["changes"][0]["data"]["revisions"] == []  # nothing changed since
    school.score(oid, "press", 3)
    school.apply(ops.Share(observation_id=oid, audience="teacher"))
    revisions = pull(client)["changes"][0]["data"]["revisions"]
    assert [(r["what"], r["before"], r["after"]) for r in revisions][::-1] == [
        ("Score: Teacher's press", "2", "3"),
        ("Shared with the teacher", "\u2013", revisions[0]["after"]),
    ]
    assert revisions[0]["after"][:3] in {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
    assert {r["actor_name"] for r in revisions} == {school.coach.name}
