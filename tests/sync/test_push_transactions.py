"""Push applies a batch's observation operations in one transaction while they succeed
(sync.push.BatchTransaction): each mutation still commits with its acknowledgement,
change row and revisions, or not at all, whatever fails around it and whoever pushes
concurrently."""

import threading
import uuid
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from server.accounts import service as accounts_service
from server.accounts.models import User
from server.observations import operations as ops
from server.observations import service as observations_service
from server.observations.models import Observation, ObservationRevision, TallyCount
from server.sync import service as sync_service
from server.sync.models import SyncChange, SyncMutation, SyncQuarantine
from tests.sync.conftest import School, create_payload, mutation, note_mutation


def tally_mutation(school: School, oid: uuid.UUID, mutation_id: int) -> dict[str, Any]:
    """+1 on a tally: applied twice it would count twice (unlike a score or a note)."""
    return mutation(
        oid, "set_tally", mutation_id, rubric_version_id=school.practices.id,
        tally_id="question-kinds", category_id="gathering", delta=1,
    )  # fmt: skip


def create_with_tally(school: School, oid: uuid.UUID, mutation_id: int) -> dict[str, Any]:
    data = create_payload(school, rubric_version_ids=[school.practices.id])
    return mutation(oid, "create_observation", mutation_id, data=data)


def push(session: Session, school: School, rows: list[dict[str, Any]], device: str) -> list[str]:
    """Push as the coach, reading them with `session` (one per thread)."""
    coach = session.get(User, school.coach.id)
    assert coach is not None
    actor = accounts_service.load_viewer(session=session, user=coach)
    batch = sync_service.PushIn(device_id=device, mutations=rows)
    out = sync_service.push(session=session, actor=actor, batch=batch)
    return [r.status for r in out.results]


def history(session: Session, oid: uuid.UUID) -> tuple[list[int], list[int], int]:
    """The change-log versions in seq order, the revision versions, the tally count."""
    session.expire_all()
    changes = session.exec(
        select(SyncChange.version).where(SyncChange.entity_id == oid).order_by(col(SyncChange.seq))
    ).all()
    revisions = session.exec(
        select(ObservationRevision.version)
        .where(ObservationRevision.observation_id == oid)
        .order_by(col(ObservationRevision.id))
    ).all()
    count = session.exec(select(TallyCount.count).where(TallyCount.observation_id == oid)).first()
    return list(changes), list(revisions), count or 0


def test_a_failing_mutation_mid_batch_leaves_each_other_one_written_once(school: School) -> None:
    session = school.session
    oid = uuid.uuid4()
    rows = [
        create_with_tally(school, oid, 1),
        tally_mutation(school, oid, 2),
        tally_mutation(school, oid, 3),
        mutation(oid, "set_tally", 4, rubric_version_id=school.practices.id,
                 tally_id="nope", category_id="gathering", delta=1),
        tally_mutation(school, oid, 5),
        note_mutation(oid, 6),
    ]  # fmt: skip
    assert push(session, school, rows, "tablet") == [
        "applied", "applied", "applied", "rejected", "applied", "applied",
    ]  # fmt: skip
    # The rejected one rolled back the transaction holding 1-3: they were applied again,
    # one transaction each, and are there once (no repeated version, count or change).
    assert history(session, oid) == ([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], 3)
    acks = session.exec(select(SyncMutation.mutation_id).where(SyncMutation.device_id == "tablet"))
    assert sorted(acks) == [1, 2, 3, 4, 5, 6]
    assert session.exec(select(SyncQuarantine.mutation_id)).all() == [4]


def test_one_acknowledged_meanwhile_by_another_push_is_a_duplicate_applied_once(
    school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = school.session
    oid = uuid.uuid4()
    rows = [create_with_tally(school, oid, 1), *(tally_mutation(school, oid, n) for n in (2, 3))]
    assert push(session, school, rows, "tablet") == ["applied"] * 3
    # The same batch again, as if the first push committed after this one read which
    # mutations were acknowledged: only the unique key finds them, at the commit.
    monkeypatch.setattr(sync_service, "_stored_results", lambda *args: {})
    assert push(session, school, rows, "tablet") == ["duplicate"] * 3
    assert history(session, oid) == ([1, 2, 3], [1, 2, 3], 2)


def test_a_write_reads_the_observation_again_when_another_session_changed_it(
    school: School, engine: Engine
) -> None:
    session = school.session
    oid = school.create()
    held = session.get(Observation, oid)  # this session's copy, at version 1
    assert held is not None and held.version == 1
    with Session(engine, expire_on_commit=False) as other:
        op = ops.AddNote(observation_id=oid, note_id=uuid.uuid4(), text="From another device")
        observations_service.apply_operation(
            session=other, actor=school.viewer(school.coach), op=op
        )
    assert school.score(oid, "press", 2).version == 3
    assert history(session, oid)[:2] == ([1, 2, 3], [1, 2, 3])


def test_concurrent_pushes_apply_each_mutation_once(school: School, engine: Engine) -> None:
    """The same batch from one device several times at once (a retry racing the first
    send), and two devices writing two observations in opposite orders."""
    session = school.session
    a, b = uuid.uuid4(), uuid.uuid4()
    assert push(
        session, school, [create_with_tally(school, a, 1), create_with_tally(school, b, 2)], "setup"
    ) == ["applied", "applied"]
    same = [tally_mutation(school, a, n) for n in range(1, 31)]
    first = [tally_mutation(school, oid, n) for n, oid in enumerate([a] * 15 + [b] * 15, 1)]
    second = [tally_mutation(school, oid, n) for n, oid in enumerate([b] * 15 + [a] * 15, 1)]
    runs = [(same, "retrying")] * 3 + [(first, "one"), (second, "two")]
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def run(rows: list[dict[str, Any]], device: str) -> None:
        try:
            with Session(engine, expire_on_commit=False) as own:
                results.append(push(own, school, rows, device))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=r) for r in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert all(set(r) <= {"applied", "duplicate"} for r in results), results
    changes_a, revisions_a, count_a = history(session, a)
    changes_b, revisions_b, count_b = history(session, b)
    assert (count_a, count_b) == (30 + 30, 30)
    assert changes_a == revisions_a == list(range(1, 62))
    assert changes_b == revisions_b == list(range(1, 32))
    acks = select(func.count()).select_from(SyncMutation).where(SyncMutation.device_id != "setup")
    assert session.exec(acks).one() == 30 + 30 + 30
