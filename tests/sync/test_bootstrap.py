"""GET /api/sync/bootstrap: who the person is, their caseload (coaches only, never another
coach's), the rubric versions to work with offline, and the grade choices."""

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import select

from server.observations import operations as ops
from server.observations.views import GRADES
from server.roster.models import School as RosterSchool
from server.roster.models import SchoolYear
from server.rubrics import service as rubrics_service
from server.rubrics.models import RubricVersion
from server.sync import bootstrap as bootstrap_service
from tests.factories import RUBRIC_DATA, create_assignment, create_teacher
from tests.sync.conftest import API_HEADERS, School, sign_in


def get_bootstrap(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/sync/bootstrap", headers=API_HEADERS)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def versions(body: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["rubric_id"], r["version"]): r for r in body["rubrics"]}


def newer_talk(school: School) -> RubricVersion:
    """A second version of the talk rubric: it becomes the current one."""
    rubric = rubrics_service.load_rubric_file(RUBRIC_DATA / "talk.yaml")
    newer = rubric.model_copy(update={"version": "2026.2"})
    _outcome, row, problem = rubrics_service.register(session=school.session, rubric=newer)
    assert row is not None and problem is None, problem
    school.session.commit()
    return row


def test_a_coach_gets_their_caseload_the_rubrics_and_the_grades(
    client: TestClient, school: School
) -> None:
    year = school.session.exec(select(SchoolYear)).one()
    home = school.session.get(RosterSchool, school.teacher.school_id)
    assert home is not None
    cohort_teacher = create_teacher(school.session, home, name="Cora Cohort", cohort=year)
    create_assignment(school.session, school.coach, cohort_teacher, year)
    school.session.commit()
    sign_in(client, school.coach.email)
    body = get_bootstrap(client)
    assert set(body) == {
        "user", "home", "server_time", "caseload", "known_teachers", "rubrics", "grades",
        "check_in_kinds", "focus_options", "commitment_owners", "co_observers",
        "starts_observations",
    }  # fmt: skip
    assert body["starts_observations"] is True
    assert body["user"] == {"id": school.coach.id, "name": school.coach.name}
    # Whom the coach may invite to co-observe: the district's other coaches, not themself.
    assert body["co_observers"] == [{"id": school.other_coach.id, "name": school.other_coach.name}]
    assert body["home"] == "/week"
    assert body["known_teachers"] == []  # no past observation or cycle outside the caseload
    assert body["server_time"].endswith("+00:00")
    assert body["caseload"] == [
        {
            "teacher_id": cohort_teacher.id, "name": "Cora Cohort", "school": home.name,
            "school_id": home.id, "cohort": year.name, "since": year.start_date.isoformat(),
            "until": None,
        },
        {
            "teacher_id": school.teacher.id, "name": "Tess Teacher", "school": home.name,
            "school_id": home.id, "cohort": None, "since": year.start_date.isoformat(),
            "until": None,
        },
    ]  # fmt: skip
    # Another coach's teacher (same school) never appears.
    assert school.unassigned_teacher.id not in {t["teacher_id"] for t in body["caseload"]}
    talk = versions(body)[("test-talk", "2026.1")]
    assert talk == {
        "rubric_version_id": school.talk.id, "rubric_id": "test-talk", "version": "2026.1",
        "title": school.talk.title, "content": school.talk.content, "current": True,
    }  # fmt: skip
    assert ("test-practices", school.practices.version) in versions(body)
    assert body["grades"] == GRADES


def test_the_other_coach_sees_only_their_own_caseload(client: TestClient, school: School) -> None:
    sign_in(client, school.other_coach.email)
    body = get_bootstrap(client)
    assert [t["teacher_id"] for t in body["caseload"]] == [school.unassigned_teacher.id]


def test_other_roles_get_an_empty_caseload_and_their_home(
    client: TestClient, school: School
) -> None:
    for user, home in (
        (school.teacher_user, "/my-coaching"),
        (school.principal, "/school"),
        (school.admin, "/admin"),
    ):
        client.cookies.clear()
        sign_in(client, user.email)
        body = get_bootstrap(client)
        assert body["user"]["id"] == user.id
        assert body["home"] == home
        assert body["caseload"] == []
        assert ("test-talk", "2026.1") in versions(body)


def test_an_older_version_comes_only_to_who_wrote_or_may_read_an_observation_using_it(
    client: TestClient, school: School
) -> None:
    oid = school.create([school.talk])  # scored with 2026.1
    newer_talk(school)
    viewer = school.viewer(school.coach)
    rubrics = bootstrap_service.rubric_versions(session=school.session, actor=viewer)
    talk_versions = [v.version for v in rubrics if v.rubric_id == "test-talk"]
    assert talk_versions == ["2026.2", "2026.1"]  # the current one first, then the used one

    def talk_for(user: Any) -> list[str]:
        found = bootstrap_service.rubric_versions(session=school.session, actor=school.viewer(user))
        return [v.version for v in found if v.rubric_id == "test-talk"]

    assert talk_for(school.other_coach) == ["2026.2"]
    assert talk_for(school.teacher_user) == ["2026.2"]  # not shared with the teacher yet
    school.score_all_talk(oid)
    school.apply(ops.Finalize(observation_id=oid))
    school.apply(ops.Share(observation_id=oid, audience="teacher"))
    assert talk_for(school.teacher_user) == ["2026.2", "2026.1"]
    assert talk_for(school.principal) == ["2026.2"]
    sign_in(client, school.coach.email)
    assert [
        (r["version"], r["current"])
        for r in get_bootstrap(client)["rubrics"]
        if r["rubric_id"] == "test-talk"
    ] == [("2026.2", True), ("2026.1", False)]  # only the current one starts an observation


def test_the_caseload_is_the_one_of_the_day(school: School) -> None:
    viewer = school.viewer(school.coach)
    before = date(2000, 1, 1)
    assert bootstrap_service.caseload(session=school.session, actor=viewer, on=before) == []
    today = bootstrap_service.caseload(session=school.session, actor=viewer, on=date.today())
    assert [t.teacher_id for t in today] == [school.teacher.id]


def test_bootstrap_needs_a_signed_in_person(client: TestClient) -> None:
    response = client.get("/api/sync/bootstrap", follow_redirects=False)
    assert response.status_code == 401
    assert response.json() == {"detail": "Not signed in"}


def test_an_assignment_that_ends_gives_the_day_it_ends(client: TestClient, school: School) -> None:
    """The coach's tablet refuses a check-in outside the assignment on the form: it needs both
    ends of it."""
    year = school.session.exec(select(SchoolYear)).one()
    home = school.session.get(RosterSchool, school.teacher.school_id)
    assert home is not None
    leaving = create_teacher(school.session, home, name="Lee Leaving")
    end = date.today()
    create_assignment(school.session, school.coach, leaving, year, end=end)
    school.session.commit()
    sign_in(client, school.coach.email)
    entry = next(t for t in get_bootstrap(client)["caseload"] if t["name"] == "Lee Leaving")
    assert (entry["since"], entry["until"]) == (year.start_date.isoformat(), end.isoformat())
