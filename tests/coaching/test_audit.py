"""The audit log (docs/coaching.md#the-audit-log): a sync pull writes one event naming what
it carried (counts per kind, the cursor range) and whose records, a read on a page still
writes one event per record, and the district admin's page shows 50 events at a time,
newest first, with working Older and Newer links and filters by who, what, whose records
and days."""

import html
import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import col, select

from server.audit import service as audit_service
from server.audit.models import AuditEvent
from server.coaching.models import CoachingCycle
from server.db import MAX_ID
from server.roster import service as roster_service
from server.roster.models import Teacher
from tests.coaching.conftest import School, write
from tests.coaching.test_routes import sign_in
from tests.factories import (
    create_assignment,
    create_check_in,
    create_commitment,
    create_cycle,
    create_district,
    create_observation,
    create_school,
    create_teacher,
)
from tests.sync.conftest import pull

ABOUT = re.compile(r"Every event about cycle (ev-\d{3})")


def new_events(school: School, after: int) -> list[AuditEvent]:
    school.session.expire_all()
    query = select(AuditEvent).where(col(AuditEvent.id) > after).order_by(col(AuditEvent.id))
    return list(school.session.exec(query))


def last_id(school: School) -> int:
    school.session.expire_all()
    found = school.session.exec(select(AuditEvent.id).order_by(col(AuditEvent.id).desc())).first()
    return found or 0


def second_teacher(school: School) -> Teacher:
    """Another teacher in the coach's caseload (no login)."""
    home = roster_service.get_school(session=school.session, school_id=school.teacher.school_id)
    assert home is not None
    teacher = create_teacher(school.session, home, name="Theo Second")
    year = roster_service.list_school_years(session=school.session, district_id=home.district_id)
    create_assignment(school.session, school.coach, teacher, year[0])
    school.session.commit()
    return teacher


def caseload_records(school: School) -> tuple[Teacher, list[CoachingCycle]]:
    """Two teachers' records: three cycles, three check-ins, two commitments, one
    observation."""
    s = school.session
    other = second_teacher(school)
    cycles = [create_cycle(s, school.coach, t) for t in (school.teacher, school.teacher, other)]
    check_ins = [create_check_in(s, school.coach, c) for c in cycles]
    for check_in in check_ins[:2]:
        create_commitment(s, school.coach, check_in)
    create_observation(s, school.coach, school.teacher, [school.talk])
    return other, cycles


# --- A sync pull: one event -------------------------------------------------------------------


def test_a_coach_pull_writes_one_event_naming_what_it_carried(
    client: TestClient, school: School
) -> None:
    other, _ = caseload_records(school)
    before = last_id(school)
    sign_in(client, school.coach)
    body = pull(client)
    assert len(body["changes"]) == 9 and not body["more"]
    [event] = new_events(school, before)
    assert (event.user_id, event.action, event.entity) == (school.coach.id, "sync_read", "sync")
    assert event.entity_id == f"0-{body['cursor']}"
    assert event.detail == {
        "cursor": {"from": 0, "to": body["cursor"]},
        "more": False,
        "counts": {"observation": 1, "cycle": 3, "check_in": 3, "commitment": 2},
        "removed": 0,
        "summaries": 0,
    }
    assert sorted(t.teacher_id for t in event.teachers) == sorted([school.teacher.id, other.id])
    # Nothing new: nothing sent, nothing written.
    assert pull(client, body["cursor"])["changes"] == []
    assert new_events(school, before) == [event]


def test_a_paged_pull_writes_one_event_per_page_with_adjoining_cursors(
    client: TestClient, school: School
) -> None:
    caseload_records(school)
    before = last_id(school)
    sign_in(client, school.coach)
    first = pull(client, limit=5)
    second = pull(client, first["cursor"], limit=5)
    assert (len(first["changes"]), first["more"], len(second["changes"])) == (5, True, 4)
    events = new_events(school, before)
    assert [e.detail["cursor"] for e in events] == [
        {"from": 0, "to": first["cursor"]},
        {"from": first["cursor"], "to": second["cursor"]},
    ]
    assert [e.detail["more"] for e in events] == [True, False]
    carried = [sum(e.detail["counts"].values()) for e in events]
    assert carried == [5, 4]


def test_a_pull_of_observations_alone_writes_no_event(client: TestClient, school: School) -> None:
    """Observation reads are audited nowhere, and the coach's app pulls after every saved
    tap: an event per tap would bury the log again."""
    oid = create_observation(school.session, school.coach, school.teacher, [school.talk]).id
    before = last_id(school)
    sign_in(client, school.coach)
    first = pull(client)
    assert [c["id"] for c in first["changes"]] == [str(oid)]
    school.score(oid, "participation", 3)
    assert [c["id"] for c in pull(client, first["cursor"])["changes"]] == [str(oid)]
    assert new_events(school, before) == []


def test_a_principal_pull_names_the_summaries_and_a_tombstone_writes_nothing(
    client: TestClient, school: School
) -> None:
    cycle = create_cycle(school.session, school.coach, school.teacher)
    write(school, school.teacher_user, "cycle", cycle.id, {"op": "share_summary", "shared": True})
    before = last_id(school)
    sign_in(client, school.principal)
    first = pull(client)
    [event] = new_events(school, before)
    assert event.user_id == school.principal.id
    assert (event.detail["counts"], event.detail["summaries"]) == ({"cycle": 1}, 1)
    assert [t.teacher_id for t in event.teachers] == [school.teacher.id]
    # The teacher stops sharing: the principal's next pull is a tombstone, not content.
    write(school, school.teacher_user, "cycle", cycle.id, {"op": "share_summary", "shared": False})
    [gone] = pull(client, first["cursor"])["changes"]
    assert gone["deleted"] is True
    assert new_events(school, before) == [event]


def test_a_read_on_a_page_still_writes_one_event_per_record(
    client: TestClient, school: School
) -> None:
    s = school.session
    cycles = [create_cycle(s, school.coach, school.teacher) for _ in range(2)]
    sign_in(client, school.teacher_user)
    before = last_id(school)
    assert client.get(f"/coaching/cycles/{cycles[0].id}").status_code == 200
    [event] = new_events(school, before)
    assert (event.user_id, event.action, event.entity, event.entity_id) == (
        school.teacher_user.id, "read", "cycle", str(cycles[0].id),
    )  # fmt: skip
    assert [t.teacher_id for t in event.teachers] == [school.teacher.id]
    before = event.id or 0
    assert client.get("/my-coaching").status_code == 200
    read = new_events(school, before)
    assert sorted(e.entity_id for e in read) == sorted(str(c.id) for c in cycles)
    assert {e.detail["via"] for e in read} == {"cycles_for_teacher"}


# --- The page: 50 at a time, newest first -------------------------------------------------------


def record(school: School, n: int, *, user_id: int | None = None, **fields: object) -> None:
    """Event number n: a read of cycle "ev-nnn" (unless `fields` say otherwise)."""
    values: dict[str, object] = {"action": "read", "entity": "cycle", "entity_id": f"ev-{n:03d}"}
    audit_service.record(
        session=school.session, user_id=user_id or school.coach.id,
        **{**values, **fields},  # type: ignore[arg-type]
    )  # fmt: skip


def shown(page: str) -> list[str]:
    table = page[page.index('<table class="audit">') :]
    return ABOUT.findall(table)


def link(page: str, rel: str) -> str | None:
    match = re.search(rf'rel="{rel}" href="([^"]+)"', page)
    return html.unescape(match.group(1)) if match else None


def test_the_audit_page_shows_fifty_events_a_page_with_working_links(
    client: TestClient, school: School
) -> None:
    for n in range(1, 121):
        record(school, n)
    school.session.commit()
    sign_in(client, school.admin)
    first = client.get("/admin/audit")
    assert first.status_code == 200
    assert shown(first.text) == [f"ev-{n:03d}" for n in range(120, 70, -1)]
    assert "120 events; this page shows 50" in first.text
    assert link(first.text, "prev") is None
    older = link(first.text, "next")
    assert older is not None and older.startswith("/admin/audit?before=")
    # New events arrive: the next page stays what it was (paged by id, not by offset).
    for n in range(121, 124):
        record(school, n)
    school.session.commit()
    second = client.get(older)
    assert second.status_code == 200
    assert shown(second.text) == [f"ev-{n:03d}" for n in range(70, 20, -1)]
    third_href = link(second.text, "next")
    assert third_href is not None
    third = client.get(third_href)
    assert shown(third.text) == [f"ev-{n:03d}" for n in range(20, 0, -1)]
    assert link(third.text, "next") is None
    # Newer goes back the way it came: the 50 events just above this page.
    back = link(third.text, "prev")
    assert back is not None and back.startswith("/admin/audit?after=")
    assert shown(client.get(back).text) == shown(second.text)
    newest = link(second.text, "prev")
    assert newest is not None
    assert shown(client.get(newest).text) == [f"ev-{n:03d}" for n in range(120, 70, -1)]
    # htmx swaps the table block only, from the same address as the link's.
    assert re.search(r'rel="next" href="([^"]+)" hx-get="\1" hx-target="#events"', first.text)
    assert 'hx-select="#events"' in first.text and 'id="events"' in first.text


def test_filters_narrow_the_rows_and_every_page_link_keeps_them(
    client: TestClient, school: School
) -> None:
    now = datetime.now(UTC)
    for n in range(1, 61):  # the coach's reads, today
        record(school, n)
    for n in range(61, 121):  # the other coach's syncs, a week ago
        record(
            school, n, user_id=school.other_coach.id, action="sync_read",
            at=now - timedelta(days=7), teacher_ids=[school.unassigned_teacher.id],
        )  # fmt: skip
    growth = str(school.unassigned_teacher.id)  # a principal's read of the growth page
    record(school, 0, user_id=school.principal.id, entity="growth", entity_id=growth)
    school.session.commit()
    sign_in(client, school.admin)

    by_coach = client.get("/admin/audit", params={"user_id": school.coach.id}).text
    assert shown(by_coach) == [f"ev-{n:03d}" for n in range(60, 10, -1)]
    assert "60 events" in by_coach
    page_two = link(by_coach, "next")
    assert page_two is not None and f"user_id={school.coach.id}" in page_two
    assert shown(client.get(page_two).text) == [f"ev-{n:03d}" for n in range(10, 0, -1)]

    syncs = client.get("/admin/audit", params={"action": "sync_read"}).text
    assert shown(syncs)[0] == "ev-120" and "ev-060" not in shown(syncs)
    assert "Synced to a device" in syncs and "action=sync_read" in (link(syncs, "next") or "")

    today = now.astimezone().date()
    recent = client.get("/admin/audit", params={"since": today.isoformat()}).text
    assert set(shown(recent)) <= {f"ev-{n:03d}" for n in range(1, 61)}
    week_ago = (today - timedelta(days=7)).isoformat()
    that_day = client.get("/admin/audit", params={"since": week_ago, "until": week_ago}).text
    assert shown(that_day)[0] == "ev-120" and "60 events" in that_day

    whose = client.get("/admin/audit", params={"teacher_id": school.unassigned_teacher.id}).text
    assert f"Every event about growth {growth}" in whose and "61 events" in whose
    assert shown(whose)[0] == "ev-120" and "ev-060" not in shown(whose)
    assert "Records of Una Assigned" in whose
    none = client.get("/admin/audit", params={"teacher_id": school.teacher.id}).text
    assert "No events match these filters." in none


def test_whose_records_finds_the_sync_that_carried_a_teacher_s_records(
    client: TestClient, school: School
) -> None:
    """The trust wall: a coach's device pulling a teacher's records stays answerable."""
    other, _ = caseload_records(school)
    sign_in(client, school.coach)
    cursor = pull(client)["cursor"]
    sign_in(client, school.admin)
    page = client.get("/admin/audit", params={"teacher_id": other.id}).text
    table = page[page.index('<table class="audit">') :]
    assert "<td>Synced to a device</td>" in table
    assert f"<td>Sync pull, changes 1 to {cursor}</td>" in table
    assert "1 observation, 3 cycles, 3 check-ins, 2 commitments" in table
    assert "Records of Tess Teacher, Theo Second" in table


def test_bad_filters_and_pages_answer_400_naming_the_field(
    client: TestClient, school: School
) -> None:
    sign_in(client, school.admin)
    for params, field, message in (
        ({"since": "2026-13-01"}, "since", "Enter a date (YYYY-MM-DD)."),
        ({"until": "next week"}, "until", "Enter a date (YYYY-MM-DD)."),
        ({"teacher_id": str(MAX_ID)}, "teacher_id", "Choose one from the list."),
        ({"teacher_id": "x"}, "teacher_id", "Choose one from the list."),
        ({"before": "abc"}, "before", "Not a page of the log: follow the Older or Newer link."),
        ({"after": str(MAX_ID + 1)}, "after", "Not a page of the log"),
        ({"before": "5", "after": "3"}, "after", "Page by before or by after, not both."),
    ):
        response = client.get("/admin/audit", params=params)
        assert response.status_code == 400, params
        assert f'id="{field}-error">{message}' in response.text or (
            f"{field.replace('_id', '').capitalize()}</a>: {message}" in response.text
        ), params
    # A page past the oldest event is empty, with the way back.
    empty = client.get("/admin/audit", params={"before": "1"})
    assert empty.status_code == 200
    assert 'No events on this page. <a href="/admin/audit">Go to the newest events</a>' in (
        empty.text
    )


def test_whose_records_offers_the_district_s_roster_only(
    client: TestClient, school: School
) -> None:
    elsewhere = create_school(school.session, create_district(school.session))
    stranger = create_teacher(school.session, elsewhere, name="Far Teacher")
    school.session.commit()
    sign_in(client, school.admin)
    page = client.get("/admin/audit").text
    start = page.index('<select id="teacher_id"')
    options = page[start : page.index("</select>", start)]
    assert "Tess Teacher" in options and "Una Assigned" in options
    assert "Far Teacher" not in options
    response = client.get("/admin/audit", params={"teacher_id": stranger.id})
    assert response.status_code == 400 and 'id="teacher_id-error"' in response.text
