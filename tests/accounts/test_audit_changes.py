"""Every change of access is an audit event (who, what, before, after), and the audit page
shows and filters them."""

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from server.accounts import service as accounts_service
from server.audit.models import AuditEvent
from server.audit.service import COMMAND_LINE
from server.config import Settings
from tests.conftest import get_csrf, login
from tests.factories import PASSWORD
from tests.wall import Wall


def changes(session: Session) -> list[tuple[int | None, str, str, str, str]]:
    session.expire_all()
    rows = session.exec(
        select(AuditEvent).where(col(AuditEvent.action).in_(["account", "role", "password", "assignment"]))
        .order_by(col(AuditEvent.id))
    )  # fmt: skip
    return [(e.user_id, e.action, e.entity, e.entity_id, e.detail["change"]) for e in rows]


def test_the_admin_pages_write_who_what_before_and_after(
    client: TestClient, session: Session, settings: Settings, wall: Wall
) -> None:
    login(client, "admin@example.org", PASSWORD)
    csrf = get_csrf(client, "/admin/people/new")
    client.post(
        "/admin/people/new",
        data={"csrf_token": csrf, "name": "Rosa Roster", "email": "rosa@example.org",
              "role": "teacher", "school_id": str(wall.cedar.id)},
    )  # fmt: skip
    client.post(
        f"/admin/people/{wall.teacher_user.id}/edit",
        data={"csrf_token": csrf, "name": "Renamed", "email": "teacher@example.org",
              "is_active": "on"},
    )  # fmt: skip
    client.post(
        "/admin/assignments/new",
        data={"csrf_token": csrf, "coach_id": str(wall.oak_coach.id),
              "teacher_id": str(wall.rosa.id), "school_year_id": str(wall.year.id),
              "start_date": wall.year.start_date.isoformat()},
    )  # fmt: skip
    rosa_account = accounts_service.get_user_by_email(session=session, email="rosa@example.org")
    assert rosa_account is not None
    admin, rosa = wall.admin.id, str(rosa_account.id)
    found = changes(session)
    assert found[:4] == [
        (admin, "account", "user", rosa, "created"),
        (admin, "role", "user", rosa, "added"),
        (admin, "password", "user", rosa, "invited"),
        (admin, "account", "user", str(wall.teacher_user.id), "updated"),
    ]
    assert found[4][:3] == (admin, "assignment", "assignment") and found[4][4] == "created"
    renamed = session.exec(select(AuditEvent).where(AuditEvent.action == "account")).all()[-1]
    assert renamed.detail["before"] == {"name": renamed.detail["before"]["name"]}
    assert renamed.detail["after"] == {"name": "Renamed"}

    page = client.get("/admin/audit?action=changes")
    assert page.status_code == 200
    assert page.text.count("<tr>") == 1 + 5  # the header and the five changes
    assert "Invited (admin pages)" in page.text and "After: name Renamed" in page.text
    roles_only = client.get("/admin/audit?action=role")
    assert roles_only.text.count("<tr>") == 2
    about_rosa = client.get(f"/admin/audit?entity=user&entity_id={rosa}")
    assert about_rosa.text.count("<tr>") == 1 + 3


def test_the_command_line_and_the_roster_import_are_audited_too(
    client: TestClient, session: Session, settings: Settings, wall: Wall
) -> None:
    accounts_service.set_password(
        session=session, settings=settings, user=wall.coach, password="reset-by-operator",
        actor=COMMAND_LINE,
    )  # fmt: skip
    session.commit()
    login(client, "admin@example.org", PASSWORD)
    csrf = get_csrf(client, "/admin/roster/import")
    roster = (
        "source_id,name,email,role,school,school_level,cohort,coach_email\n"
        "n-1,Nell New,nell@example.org,teacher,Cedar Elementary,elementary,,coach@example.org\n"
        "n-2,Cal Coach,cal@example.org,coach,Cedar Elementary,elementary,,\n"
    )
    response = client.post(
        "/admin/roster/import", data={"csrf_token": csrf},
        files={"files": ("roster.csv", roster.encode(), "text/csv")},
    )  # fmt: skip
    assert response.status_code == 200, response.text[:500]
    kinds = [(who, action, change) for who, action, _e, _i, change in changes(session)]
    assert kinds[0] == (None, "password", "changed")
    assert (wall.admin.id, "account", "created") in kinds
    assert (wall.admin.id, "role", "added") in kinds
    assert (wall.admin.id, "assignment", "created") in kinds
    page = client.get("/admin/audit?action=password").text
    assert "The command line" in page
