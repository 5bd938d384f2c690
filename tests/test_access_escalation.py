"""No role can raise its own access through the admin forms: a generated matrix.

Every POST route under /admin (found in the app, not listed by hand) is sent, as every role,
with its path ids pointing at the sender (self) and at other people and records, and each
form field varied in turn over values chosen to escalate: every role, the sender's own id as
the coach, a roster teacher's email, a password of the sender's choosing. After each request:

- the sender holds no role, coaching assignment or roster link they did not hold before;
- no account's password changed, and no new account has one (nobody chooses another's);
- no one-time link reached the sender: none in a response, none mailed to an address that was
  not already the account's own (or, for a new account, its roster record's);
- nobody but a district admin changed someone else's email, on an account or the roster.

A new form field fails `test_every_admin_form_field_has_values` until it is given values here.
"""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlmodel import Session, select

from server.accounts.models import Membership, Role, User
from server.config import Settings
from server.main import create_app
from server.roster.models import CoachAssignment, Teacher
from tests.conftest import csrf_from, login
from tests.factories import (
    PASSWORD,
    create_assignment,
    create_district,
    create_school,
    create_school_year,
    create_teacher,
    create_user,
)
from tests.mailbox import messages
from tests.test_authorization import _walk

ROLES = ["district_admin", "principal", "other_principal", "coach", "teacher", "no_role"]
CHOSEN = "chosen-by-the-sender-1"


@dataclass
class World:
    users: dict[str, User]  # by role, plus "pending" (invited, no password yet)
    ids: dict[str, dict[str, object]]  # candidate values of each path id, by name
    fields: dict[str, list[str]]  # candidate values of each form field


def build(session: Session, settings: Settings) -> World:
    district = create_district(session)
    home = create_school(session, district, name="Home School")
    other = create_school(session, district, name="Other School")
    year = create_school_year(session, district)

    def person(key: str, role: Role | None, school: Any = None, **kw: Any) -> User:
        return create_user(
            session, settings, role=role, school=school,
            district=district if role == Role.district_admin else None,
            email=f"{key}@example.org", name=key.replace("_", " ").title(), **kw,
        )  # fmt: skip

    users = {
        "district_admin": person("district_admin", Role.district_admin),
        "principal": person("principal", Role.principal, home),
        "other_principal": person("other_principal", Role.principal, other),
        "coach": person("coach", Role.coach, home),
        "teacher": person("teacher", Role.teacher, home),
        "no_role": person("no_role", None),
        "pending": person("pending", Role.teacher, home, password=None),
    }
    roster = create_teacher(session, home, name="Rosa Roster", email="rosa@example.org")
    elsewhere = create_teacher(session, other, name="Otto Other", email="otto@example.org")
    assignment = create_assignment(session, users["coach"], roster, year)
    session.commit()
    ids: dict[str, dict[str, object]] = {
        "user_id": {k: u.id for k, u in users.items()},
        "teacher_id": {"roster": roster.id, "elsewhere": elsewhere.id},
        "assignment_id": {"roster": assignment.id},
        "school_id": {"home": home.id, "other": other.id},
    }
    own_emails = [f"{k}@example.org" for k in users]
    fields = {
        "name": ["Renamed Person"],
        "email": ["fresh@example.org", "rosa@example.org", *own_emails],
        "role": [r.value for r in Role],
        "school_id": [str(home.id), str(other.id)],
        "level": ["elementary"],
        "is_active": ["on", ""],
        "active": ["on"],
        "password": [CHOSEN],
        "coach_id": [str(u.id) for u in users.values()],
        "teacher_id": [str(roster.id), str(elsewhere.id)],
        "school_year_id": [str(year.id)],
        "cohort_year_id": ["", str(year.id)],
        "start_date": [year.start_date.isoformat()],
        "end_date": [""],
        "confirm": ["on"],
    }
    return World(users=users, ids=ids, fields=fields)


def admin_post_routes() -> list[APIRoute]:
    app = create_app(Settings(environment="development", secret_key="x" * 40))
    return sorted(
        (r for r in _walk(app.routes) if "POST" in r.methods and r.path.startswith("/admin")),
        key=lambda r: r.path,
    )


def form_fields(route: APIRoute) -> list[str]:
    """The names a route's form reads: a form model's fields, or its Form() parameters."""
    names: list[str] = []
    for param in route.dependant.body_params:
        annotation = param.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names.extend(annotation.model_fields)
        else:
            names.append(param.name)
    return names


ROUTES = admin_post_routes()
FILE_ROUTES = {"/admin/roster/import"}


def test_every_admin_form_field_has_values(session: Session, settings: Settings) -> None:
    world = build(session, settings)
    for route in ROUTES:
        if route.path in FILE_ROUTES:
            continue
        missing = [f for f in form_fields(route) if f not in world.fields]
        assert not missing, (route.path, missing)


def _paths(route: APIRoute, world: World, session: Session) -> Iterator[str]:
    names = [p.name for p in route.dependant.path_params]
    choices = [list(world.ids[n].values()) for n in names if n != "membership_id"]
    for values in itertools.product(*choices):
        bound = dict(zip([n for n in names if n != "membership_id"], values, strict=True))
        if "membership_id" in names:
            held = session.exec(
                select(Membership.id).where(Membership.user_id == bound["user_id"])
            ).all()
            for membership_id in held:
                yield route.path.format(**bound, membership_id=membership_id)
        else:
            yield route.path.format(**bound)


def _payloads(route: APIRoute, world: World) -> Iterator[dict[str, str]]:
    """The first value of every field, then each field's other values one at a time; and
    the two that escalate together (a role at a school, a coach for a teacher) crossed."""
    names = form_fields(route)
    base = {n: world.fields[n][0] for n in names}
    yield base
    for name in names:
        for value in world.fields[name][1:]:
            yield {**base, name: value}
    for a, b in (("role", "school_id"), ("coach_id", "teacher_id"), ("email", "role")):
        if a in names and b in names:
            for va, vb in itertools.product(world.fields[a], world.fields[b]):
                yield {**base, a: va, b: vb}


def _import_file(world: World, sender: User) -> bytes:
    """A roster file that would make the sender a coach at Home and give them Rosa."""
    return (
        "source_id,name,email,role,school,school_level,cohort,coach_email\n"
        f"x-me,{sender.name},{sender.email},coach,Home School,elementary,,\n"
        f"x-rosa,Rosa Roster,rosa@example.org,teacher,Home School,,,{sender.email}\n"
    ).encode()


@dataclass(frozen=True)
class Snapshot:
    memberships: frozenset[tuple[str, int | None]]
    coaching: frozenset[int]
    linked: frozenset[int]
    passwords: dict[int, str | None]
    emails: dict[int, str]
    roster_emails: dict[int, str | None]
    roster_links: dict[int, int | None]


def snapshot(session: Session, sender: User) -> Snapshot:
    session.expire_all()
    users = session.exec(select(User)).all()
    teachers = session.exec(select(Teacher)).all()
    return Snapshot(
        memberships=frozenset(
            (m.role.value, m.school_id)
            for m in session.exec(select(Membership).where(Membership.user_id == sender.id))
        ),
        coaching=frozenset(
            a.teacher_id
            for a in session.exec(
                select(CoachAssignment).where(CoachAssignment.coach_id == sender.id)
            )
        ),
        linked=frozenset(t.id for t in teachers if t.user_id == sender.id and t.id),
        passwords={u.id: u.password_hash for u in users if u.id},
        emails={u.id: u.email for u in users if u.id},
        roster_emails={t.id: t.email for t in teachers if t.id},
        roster_links={t.id: t.user_id for t in teachers if t.id},
    )


def check(before: Snapshot, after: Snapshot, sender_role: str, sender: User, what: str) -> None:
    assert after.memberships <= before.memberships, what
    assert after.coaching <= before.coaching, what
    assert after.linked <= before.linked, what
    for user_id, hashed in after.passwords.items():
        assert hashed == before.passwords.get(user_id), f"{what}: a password was set"
    if sender_role != "district_admin":
        for user_id, email in after.emails.items():
            if user_id in before.emails and user_id != sender.id:
                assert email == before.emails[user_id], f"{what}: changed someone's email"
        for teacher_id, email in after.roster_emails.items():
            if teacher_id in before.roster_emails:
                assert email == before.roster_emails[teacher_id], f"{what}: roster email"
    # A roster record newly linked to an account: only one at the record's own address.
    for teacher_id, user_id in after.roster_links.items():
        if user_id is not None and before.roster_links.get(teacher_id) != user_id:
            assert before.roster_emails.get(teacher_id) in (None, after.emails[user_id]), what


CASES = [(route.path, role) for route in ROUTES for role in ROLES]


@pytest.mark.parametrize(("path", "role"), CASES, ids=[f"{p} {r}" for p, r in CASES])
def test_no_admin_form_raises_the_senders_access(
    client: TestClient, session: Session, settings: Settings, path: str, role: str
) -> None:
    route = next(r for r in ROUTES if r.path == path)
    world = build(session, settings)
    sender = world.users[role]
    assert login(client, sender.email, PASSWORD).status_code == 303
    token = csrf_from(client.get("/account").text)
    known = {u.id: u.email for u in session.exec(select(User)).all()}
    roster_emails = {t.email for t in session.exec(select(Teacher)).all()}
    sent = 0
    for url in list(_paths(route, world, session)):
        payloads: list[dict[str, Any]] = (
            [{}] if route.path in FILE_ROUTES else list(_payloads(route, world))
        )
        for payload in payloads:
            before = snapshot(session, sender)
            files = (
                {"files": ("roster.csv", _import_file(world, sender), "text/csv")}
                if route.path in FILE_ROUTES
                else None
            )
            response = client.post(
                url, data={"csrf_token": token, **payload}, files=files, follow_redirects=False
            )
            what = f"{role} POST {url} {payload}"
            assert response.status_code < 500, what
            assert "/invitations/" not in response.text, what
            check(before, snapshot(session, sender), role, sender, what)
            sent += 1
    # Links went only to an account's own address from before, or a new account's roster one.
    for mail in messages(settings):
        assert mail["To"] in set(known.values()) | roster_emails | {"fresh@example.org"}
        assert mail["To"] != sender.email
    assert sent > 0
