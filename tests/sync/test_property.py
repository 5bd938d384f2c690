"""Property: random interleavings of pushes, retries, dropped responses and duplicates from
several devices end with the server holding exactly the unique mutations, none lost."""

import uuid
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, func, select

from server.observations.models import Note
from server.sync import service as sync_service
from server.sync.models import SyncMutation
from tests.sync.conftest import School, note_mutation

DEVICES = 3


@dataclass
class Device:
    name: str
    next_id: int = 1
    outbox: list[dict] = field(default_factory=list)  # type: ignore[type-arg]
    acked: list[dict] = field(default_factory=list)  # type: ignore[type-arg]


# (device, kind, size): write n new mutations; send n from the outbox (the response may be
# dropped, so nothing is acknowledged); resend acknowledged ones (a duplicate).
ACTIONS = st.lists(
    st.tuples(
        st.integers(0, DEVICES - 1),
        st.sampled_from(["write", "send", "send_dropped", "resend_acked", "send_reversed"]),
        st.integers(1, 4),
    ),
    max_size=25,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=ACTIONS)
def test_interleavings_end_with_exactly_the_unique_mutations(
    school: School, actions: list[tuple[int, str, int]]
) -> None:
    session = school.session
    coach = school.viewer(school.coach)
    oid = school.create()
    run = uuid.uuid4().hex[:8]  # examples share the database: fresh device names each time
    devices = [Device(f"{run}-{n}") for n in range(DEVICES)]
    written: list[str] = []

    def send(device: Device, rows: list[dict], dropped: bool = False) -> None:  # type: ignore[type-arg]
        batch = sync_service.PushIn(device_id=device.name, mutations=rows)
        out = sync_service.push(session=session, actor=coach, batch=batch)
        assert {r.status for r in out.results} <= {"applied", "duplicate"}
        if dropped:
            return
        done = {r.mutation_id for r in out.results}
        for row in rows:
            if row in device.outbox and row["mutation_id"] in done:
                device.outbox.remove(row)
                device.acked.append(row)

    for index, kind, size in actions:
        device = devices[index]
        if kind == "write":
            for _ in range(size):
                row = note_mutation(oid, device.next_id, f"{device.name} {device.next_id}")
                device.next_id += 1
                device.outbox.append(row)
                written.append(row["payload"]["note_id"])
        elif kind in ("send", "send_dropped", "send_reversed"):
            rows = device.outbox[:size]
            if kind == "send_reversed":
                rows = rows[::-1]
            send(device, rows, dropped=kind == "send_dropped")
        elif device.acked:
            send(device, device.acked[-size:] + device.outbox[:1])
    for device in devices:  # online at last: every outbox drains
        while device.outbox:
            send(device, device.outbox[:3])
    session.expire_all()
    notes = session.exec(select(Note.id).where(Note.observation_id == oid)).all()
    assert sorted(str(n) for n in notes) == sorted(written)
    stored = session.exec(
        select(func.count())
        .select_from(SyncMutation)
        .where(col(SyncMutation.device_id).startswith(run))
    ).one()
    assert stored == len(written)
