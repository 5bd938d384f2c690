"""The authorization matrix: every route x every role is allowed, 403, or a redirect to login.

A new route fails `test_every_route_is_in_the_matrix` until it is classified here. The
coaching routes are also tried as a coach of another pair and a teacher of another coach
(PAIR_ROLES): the trust wall keeps a pair's cycle from everyone outside it.
"""

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from starlette.routing import BaseRoute

from server.accounts import service as accounts_service
from server.accounts.models import Membership, Role
from server.config import Settings
from server.main import create_app
from server.observations import operations as ops
from server.observations import service as observations_service
from server.roster import service as roster_service
from server.security import CONTENT_SECURITY_POLICY
from tests.conftest import csrf_from, login
from tests.factories import (
    PASSWORD,
    create_assignment,
    create_calibration_lesson,
    create_check_in,
    create_commitment,
    create_cycle,
    create_district,
    create_observation,
    create_rubric_version,
    create_school,
    create_school_year,
    create_teacher,
    create_user,
)

ANON = "anonymous"
NO_ROLE = "no_role"
TEACHER = "teacher"
COACH = "coach"
PRINCIPAL = "principal"  # principal of the school the ids belong to
OTHER_PRINCIPAL = "other_principal"  # principal of another school in the district
ADMIN = "district_admin"
SPECIALIST = "specialist"  # the district specialist who coded the world's calibration lesson
ROLES = [ANON, NO_ROLE, TEACHER, COACH, PRINCIPAL, OTHER_PRINCIPAL, ADMIN, SPECIALIST]
OTHER_COACH = "other_coach"  # coaches OTHER_TEACHER at the same school, not TEACHER
OTHER_TEACHER = "other_teacher"  # a teacher at the same school, coached by OTHER_COACH
PAIR_ROLES = [OTHER_COACH, OTHER_TEACHER]
SIGNED_IN = set(ROLES) - {ANON}
SCHOOL_ADMINS = {PRINCIPAL, ADMIN}  # people who manage the school in the URL
ANY_ADMIN = {PRINCIPAL, OTHER_PRINCIPAL, ADMIN}  # pages scoped to the viewer's own schools

# (method, path) -> roles allowed. Everyone else signed in gets 403; anonymous goes to login.
MATRIX: dict[tuple[str, str], set[str]] = {
    ("GET", "/"): set(ROLES),
    ("GET", "/healthz"): set(ROLES),
    ("GET", "/login"): set(ROLES),
    ("POST", "/login"): set(ROLES),
    ("POST", "/logout"): set(ROLES),
    ("GET", "/no-role"): set(ROLES),
    ("GET", "/account"): SIGNED_IN,
    ("POST", "/account/password"): SIGNED_IN,
    # A one-time link is its own key: anyone may try one (a made-up token opens nothing).
    ("GET", "/invitations/{token}"): set(ROLES),
    ("POST", "/invitations/{token}"): set(ROLES),
    ("GET", "/my-coaching"): {TEACHER},
    ("GET", "/school"): ANY_ADMIN,
    ("GET", "/schools/{school_id}"): SCHOOL_ADMINS,
    ("GET", "/admin"): ANY_ADMIN,
    ("GET", "/admin/schools"): ANY_ADMIN,
    ("GET", "/admin/schools/new"): {ADMIN},
    ("POST", "/admin/schools/new"): {ADMIN},
    ("GET", "/admin/schools/{school_id}/edit"): SCHOOL_ADMINS,
    ("POST", "/admin/schools/{school_id}/edit"): SCHOOL_ADMINS,
    ("GET", "/admin/school-years"): {ADMIN},
    ("POST", "/admin/school-years"): {ADMIN},
    ("GET", "/admin/teachers/new"): ANY_ADMIN,
    ("POST", "/admin/teachers/new"): ANY_ADMIN,
    ("GET", "/admin/teachers/{teacher_id}/edit"): SCHOOL_ADMINS,
    ("POST", "/admin/teachers/{teacher_id}/edit"): SCHOOL_ADMINS,
    ("GET", "/admin/people"): ANY_ADMIN,
    ("GET", "/admin/people/new"): ANY_ADMIN,
    ("POST", "/admin/people/new"): ANY_ADMIN,
    ("GET", "/admin/people/{user_id}/edit"): SCHOOL_ADMINS,
    ("POST", "/admin/people/{user_id}/edit"): SCHOOL_ADMINS,
    ("POST", "/admin/people/{user_id}/roles"): SCHOOL_ADMINS,
    ("POST", "/admin/people/{user_id}/roles/{membership_id}/delete"): SCHOOL_ADMINS,
    ("POST", "/admin/people/{user_id}/invite"): SCHOOL_ADMINS,
    ("GET", "/admin/assignments"): ANY_ADMIN,
    ("GET", "/admin/assignments/new"): ANY_ADMIN,
    ("POST", "/admin/assignments/new"): ANY_ADMIN,
    ("GET", "/admin/assignments/{assignment_id}/edit"): SCHOOL_ADMINS,
    ("POST", "/admin/assignments/{assignment_id}/edit"): SCHOOL_ADMINS,
    ("GET", "/admin/roster/import"): {ADMIN},
    ("POST", "/admin/roster/import"): {ADMIN},
    # Rubric reading pages: the shipped rubrics, registered when the app starts.
    ("GET", "/rubrics"): SIGNED_IN,
    ("GET", "/rubrics/{rubric_id}/{version}"): SIGNED_IN,
    # Observations: the world's observation is by COACH of TEACHER, final and shared with
    # TEACHER (not with the principal), so only those two may open it (its coach is sent on
    # to the coach's app). Every write is an operation through the sync API.
    ("GET", "/observations/{observation_id}"): {COACH, TEACHER},
    ("POST", "/observations/{observation_id}/share-principal"): {TEACHER},
    ("POST", "/observations/{observation_id}/reflection"): {TEACHER},
    # OTHER_COACH co-observes the world's observation (PAIR_ROUTES): its agreement is for the
    # two raters, district admins and specialists; only the raters reconcile.
    ("GET", "/observations/{observation_id}/agreement"): {COACH, ADMIN, SPECIALIST},
    ("POST", "/observations/{observation_id}/reconcile"): {COACH},
    ("GET", "/district/co-observations"): {ADMIN, SPECIALIST},
    # Calibration is about raters: the district's coaches rate its lessons, SPECIALIST codes
    # the world's lesson (master marked) and closes it, district admins and specialists read
    # raters' histories, and the admins set the threshold. Never a principal or a teacher.
    ("GET", "/calibration"): {COACH, ADMIN, SPECIALIST},
    ("POST", "/calibration"): {SPECIALIST},
    ("GET", "/calibration/{lesson_id}"): {COACH, ADMIN, SPECIALIST},
    ("POST", "/calibration/{lesson_id}/master"): {SPECIALIST},
    ("POST", "/calibration/{lesson_id}/rating"): {COACH},
    ("POST", "/calibration/{lesson_id}/close"): {SPECIALIST},
    ("GET", "/district/calibration"): {ADMIN, SPECIALIST},
    ("POST", "/district/calibration/threshold"): {ADMIN},
    # The sync API: anyone signed in; each mutation is authorized on its own, and bootstrap,
    # pull, the conflicts and the quarantine are scoped to the person. Anonymous gets a JSON
    # 401 (no redirect).
    ("GET", "/api/sync/bootstrap"): SIGNED_IN,
    ("POST", "/api/sync/push"): SIGNED_IN,
    ("GET", "/api/sync/pull"): SIGNED_IN,
    ("GET", "/api/sync/conflicts"): SIGNED_IN,
    ("POST", "/api/sync/conflicts/resolve"): SIGNED_IN,
    ("GET", "/api/sync/quarantine"): SIGNED_IN,
    ("POST", "/api/sync/quarantine/dismiss"): SIGNED_IN,
    # The installable app: the worker, the manifest and the offline page hold nothing personal
    # (they are kept before anyone signs in). The coach's screens are one shell, drawn from the
    # coach's own store; only a coach gets it.
    ("GET", "/sw.js"): set(ROLES),
    ("GET", "/manifest.webmanifest"): set(ROLES),
    ("GET", "/offline"): set(ROLES),
    ("GET", "/week"): {COACH},
    ("GET", "/caseload"): {COACH},
    # A district specialist scores in the same app the lessons they are invited to co-observe.
    ("GET", "/review"): {COACH, SPECIALIST},
    ("GET", "/observe"): {COACH, SPECIALIST},
    ("GET", "/observe/{observation_id}"): {COACH, SPECIALIST},
    ("GET", "/teachers/{teacher_id}"): {COACH},
    ("GET", "/teachers/{teacher_id}/observations/new"): {COACH},
    # Coaching: the world's cycle belongs to COACH and TEACHER (a check-in, a commitment).
    # The teacher writes the reflection, the progress and the sharing; either member of the
    # pair a commitment's status. The school's coaching page is its principal's (a district
    # admin reads content only through the audited export).
    ("GET", "/coaching/cycles/{cycle_id}"): {COACH, TEACHER},
    ("POST", "/coaching/check-ins/{check_in_id}/reflection"): {TEACHER},
    ("POST", "/coaching/cycles/{cycle_id}/progress"): {TEACHER},
    ("POST", "/coaching/cycles/{cycle_id}/share"): {TEACHER},
    ("POST", "/coaching/commitments/{commitment_id}/status"): {COACH, TEACHER},
    ("GET", "/schools/{school_id}/coaching"): {PRINCIPAL},
    ("GET", "/admin/coaching-export"): {ADMIN},
    ("POST", "/admin/coaching-export"): {ADMIN},
    ("GET", "/admin/audit"): {ADMIN},
    # Growth: a teacher's page is theirs, their current coach's, and their principal's only
    # once they share it (the world's roster teacher has no login and shares nothing, so only
    # COACH, who coaches them, may open it, and nobody may flip their sharing). The summaries
    # are aggregates: the school's for its principal and the district admin, the district's
    # and the score export for the district admin.
    ("GET", "/teachers/{teacher_id}/growth"): {COACH},
    ("POST", "/teachers/{teacher_id}/growth/share"): set(),
    ("GET", "/schools/{school_id}/summary"): SCHOOL_ADMINS,
    ("GET", "/district/summary"): {ADMIN},
    ("GET", "/admin/exports"): {ADMIN},
    ("POST", "/admin/exports/scores.csv"): {ADMIN},
}
# Tried with PAIR_ROLES too; a role not listed in MATRIX for them gets 403 like any other.
PAIR_ROUTES: dict[tuple[str, str], set[str]] = {
    **{route: set() for route in MATRIX if "coaching" in route[1] or route[1] == "/admin/audit"},
    ("GET", "/my-coaching"): {OTHER_TEACHER},
    ("GET", "/teachers/{teacher_id}/growth"): set(),
    ("GET", "/observations/{observation_id}/agreement"): {OTHER_COACH},
    ("POST", "/observations/{observation_id}/reconcile"): {OTHER_COACH},
}
API_HEADERS = {"X-Cadence-Sync": "1", "Origin": "http://testserver"}


def _walk(routes: list[BaseRoute]) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            found.extend(_walk(included.routes))
        elif isinstance(route, APIRoute):
            found.append(route)
    return found


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    return {(method, r.path) for r in _walk(app.routes) for method in r.methods}


def test_every_route_is_in_the_matrix(settings: Settings) -> None:
    assert app_routes(create_app(settings)) == set(MATRIX)


@dataclass
class World:
    ids: dict[str, object]  # ints, and the observation's and coaching UUIDs
    emails: dict[str, str]


def build_world(session: Session, settings: Settings, prefix: str = "") -> World:
    """The matrix's district; `prefix` starts every email (a second district beside it)."""
    district = create_district(session)
    school = create_school(session, district, name="Home School")
    other = create_school(session, district, name="Other School")
    year = create_school_year(session, district)
    emails = {}
    users = {
        NO_ROLE: create_user(session, settings, email=f"{prefix}norole@example.org"),
        TEACHER: create_user(
            session,
            settings,
            role=Role.teacher,
            school=school,
            email=f"{prefix}teacher@example.org",
        ),
        COACH: create_user(
            session, settings, role=Role.coach, school=school, email=f"{prefix}coach@example.org"
        ),
        PRINCIPAL: create_user(
            session,
            settings,
            role=Role.principal,
            school=school,
            email=f"{prefix}principal@example.org",
        ),
        OTHER_PRINCIPAL: create_user(
            session, settings, role=Role.principal, school=other, email=f"{prefix}other@example.org"
        ),
        ADMIN: create_user(
            session,
            settings,
            role=Role.district_admin,
            district=district,
            email=f"{prefix}admin@example.org",
        ),
        SPECIALIST: create_user(
            session,
            settings,
            role=Role.specialist,
            district=district,
            email=f"{prefix}specialist@example.org",
        ),
    }
    users[OTHER_COACH] = create_user(
        session, settings, role=Role.coach, school=school, email=f"{prefix}othercoach@example.org"
    )
    users[OTHER_TEACHER] = create_user(
        session,
        settings,
        role=Role.teacher,
        school=school,
        email=f"{prefix}otherteacher@example.org",
    )
    emails = {role: user.email for role, user in users.items()}
    subject = create_user(
        session, settings, role=Role.teacher, school=school, email=f"{prefix}subject@example.org"
    )
    membership = session.exec(select(Membership).where(Membership.user_id == subject.id)).one()
    teacher = create_teacher(session, school, name="Roster Teacher")
    assignment = create_assignment(session, users[COACH], teacher, year)
    # TEACHER's own roster record is coached by COACH too, who observed them and shared it.
    observed = roster_service.teacher_for_user(session=session, user_id=users[TEACHER].id)  # type: ignore[arg-type]
    assert observed is not None
    create_assignment(session, users[COACH], observed, year)
    rubric = create_rubric_version(session)
    observation = create_observation(
        session, users[COACH], observed, [rubric], shared_with_teacher=True
    )
    observations_service.apply_operation(
        session=session,
        actor=accounts_service.load_viewer(session=session, user=users[COACH]),
        op=ops.InviteCoObserver(
            observation_id=observation.id,
            co_observation_id=uuid.uuid4(),
            observer_id=users[OTHER_COACH].id,  # type: ignore[arg-type]
        ),
    )
    # The pair's cycle (COACH and TEACHER), and another pair's (OTHER_COACH, OTHER_TEACHER).
    cycle = create_cycle(session, users[COACH], observed, start=year.start_date)
    check_in = create_check_in(session, users[COACH], cycle, on=year.start_date)
    commitment = create_commitment(session, users[COACH], check_in)
    theirs = roster_service.teacher_for_user(session=session, user_id=users[OTHER_TEACHER].id)  # type: ignore[arg-type]
    assert theirs is not None
    create_assignment(session, users[OTHER_COACH], theirs, year)
    create_cycle(session, users[OTHER_COACH], theirs, start=year.start_date)
    lesson = create_calibration_lesson(session, users[SPECIALIST], rubric, district, marked=True)
    session.commit()
    ids = {
        "school_id": school.id,
        "teacher_id": teacher.id,
        "user_id": subject.id,
        "membership_id": membership.id,
        "assignment_id": assignment.id,
        "observation_id": observation.id,
        "cycle_id": cycle.id,
        "check_in_id": check_in.id,
        "commitment_id": commitment.id,
        "lesson_id": lesson.id,
        "rubric_id": "iqa-math",
        "token": "not-a-real-token",
        "version": "2026.1",
    }
    return World(ids={k: v for k, v in ids.items() if v is not None}, emails=emails)


def send(client: TestClient, method: str, url: str, *, signed_in: bool = True) -> Any:
    """`method url` as a page or the tablet sends it: the API's JSON with its own CSRF
    headers, a form with the session's CSRF token, a GET as it is; no redirect followed."""
    if url.startswith("/api/"):
        return client.request(
            method, url, json={} if method == "POST" else None, headers=API_HEADERS,
            follow_redirects=False,
        )  # fmt: skip
    if method == "GET":
        return client.get(url, follow_redirects=False)
    token = csrf_from(client.get("/" if signed_in else "/login", follow_redirects=True).text)
    return client.post(url, data={"csrf_token": token}, follow_redirects=False)


def assert_security_headers(response: Any) -> None:
    """Every answer, a page, JSON, a redirect or an error, carries the security headers."""
    headers = response.headers
    assert headers.get("content-security-policy") == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("x-frame-options") == "DENY"
    assert headers.get("referrer-policy") == "same-origin"
    # Plain http in the tests: no HSTS (tests/test_hardening.py checks it over https).
    assert "strict-transport-security" not in headers


CASES = [
    (method, path, role)
    for (method, path) in sorted(MATRIX)
    for role in ROLES + (PAIR_ROLES if (method, path) in PAIR_ROUTES else [])
]


@pytest.mark.parametrize(
    ("method", "path", "role"), CASES, ids=[f"{m} {p} {r}" for m, p, r in CASES]
)
def test_route_access(
    client: TestClient, session: Session, settings: Settings, method: str, path: str, role: str
) -> None:
    world = build_world(session, settings)
    if role != ANON:
        assert login(client, world.emails[role], PASSWORD).status_code == 303
    url = path.format(**world.ids)
    api = path.startswith("/api/")
    response = send(client, method, url, signed_in=role != ANON)

    assert_security_headers(response)
    allowed = role in MATRIX[(method, path)] | PAIR_ROUTES.get((method, path), set())
    location = response.headers.get("location", "")
    if allowed:
        assert response.status_code not in (401, 403), response.text[:300]
        assert not (response.status_code == 303 and location.startswith("/login?next=")), location
        assert response.status_code < 500
    elif role == ANON and api:
        assert response.status_code == 401
        assert response.json() == {"detail": "Not signed in"}
    elif role == ANON:
        assert response.status_code == 303
        assert location == f"/login?next={url}"
    else:
        assert response.status_code == 403, (response.status_code, location)
