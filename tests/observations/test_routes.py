"""The observation page over HTTP: the read-only view a teacher (and a principal they share it
with) sees, the teacher's reflection and sharing, and who can see what. The coach scores in
the coach's app: every write is an operation (tests/observations/test_service.py, the sync
tests and tests/e2e/test_observe.py)."""

import uuid

import httpx
import pytest
from fastapi.testclient import TestClient

from server.accounts.models import User
from server.observations import operations as ops
from tests.conftest import csrf_from, login
from tests.factories import PASSWORD
from tests.observations.conftest import School


def sign_in(client: TestClient, user: User) -> str:
    """Sign in; returns a CSRF token for posts."""
    assert login(client, user.email, PASSWORD).status_code == 303
    return csrf_from(client.get("/", follow_redirects=True).text)


def post(client: TestClient, url: str, token: str, data: dict[str, object]) -> httpx.Response:
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=False)  # type: ignore[arg-type]


def final_observation(
    school: School, *, shared: bool = False, principal: bool = False
) -> uuid.UUID:
    oid = school.create()
    school.score_all_talk(oid)
    school.apply(ops.Finalize(observation_id=oid))
    if shared or principal:
        school.apply(ops.Share(observation_id=oid, audience="teacher"))
    if principal:
        school.apply(ops.Share(observation_id=oid, audience="principal"), school.teacher_user)
    return oid


# --- The coach is sent on to the coach's app ----------------------------------------------------


def test_the_coach_opening_the_observation_page_is_sent_to_the_coach_app(
    client: TestClient, school: School
) -> None:
    oid = final_observation(school, shared=True)
    sign_in(client, school.coach)
    response = client.get(f"/observations/{oid}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/observe/{oid}"
    shell = client.get(response.headers["location"])
    assert shell.status_code == 200 and 'id="app"' in shell.text
    assert "Cadence needs JavaScript here" in shell.text  # the <noscript> page
    assert "Why? How do you know?" not in shell.text  # the shell holds nothing personal


def test_share_then_the_teacher_sees_it_and_reflects(client: TestClient, school: School) -> None:
    oid = school.create()
    school.score_all_talk(oid)
    school.apply(ops.AddNote(observation_id=oid, note_id=uuid.uuid4(), text="Great wait time"))
    school.apply(
        ops.SetEvidence(
            observation_id=oid,
            rubric_version_id=school.talk.id,
            dimension_id="press",
            text="Why? How do you know?",
        )
    )  # type: ignore[arg-type]
    school.apply(ops.Finalize(observation_id=oid))
    school.apply(ops.Share(observation_id=oid, audience="teacher"))

    token = sign_in(client, school.teacher_user)
    home = client.get("/my-coaching").text
    assert f"/observations/{oid}" in home
    view = client.get(f"/observations/{oid}").text
    assert "Great wait time" in view and "Why? How do you know?" in view
    assert "<strong>3</strong> \u2013 High" in view
    assert 'class="level"' not in view and "/scores" not in view  # read-only
    assert post(client, f"/observations/{oid}/reflection", token, {"text": " "}).status_code == 400
    saved = post(client, f"/observations/{oid}/reflection", token, {"text": "I will wait longer."})
    assert saved.status_code == 303
    assert "I will wait longer.</textarea>" in client.get(f"/observations/{oid}").text
    post(client, f"/observations/{oid}/reflection", token, {"text": "I will wait 5 seconds."})
    assert "I will wait 5 seconds.</textarea>" in client.get(f"/observations/{oid}").text


def test_a_reflection_over_the_limit_is_refused_with_the_limit_and_kept_in_the_box(
    client: TestClient, school: School
) -> None:
    oid = final_observation(school, shared=True)
    token = sign_in(client, school.teacher_user)
    page = client.get(f"/observations/{oid}").text
    assert f'action="/observations/{oid}/reflection#reflection"' in page  # back where it was
    long = "I noticed " + "x" * 15_990
    refused = post(client, f"/observations/{oid}/reflection", token, {"text": long})
    assert refused.status_code == 400
    error = refused.text.split('id="text-error">')[1].split("</p>")[0]
    assert "10,000 characters" in error and "16,000" in error and "first" not in error
    assert f"{long}</textarea>" in refused.text
    blank = post(client, f"/observations/{oid}/reflection", token, {"text": "  "})
    assert "Write your reflection first." in blank.text
    assert "I noticed" not in client.get(f"/observations/{oid}").text  # nothing saved


def test_the_teacher_sees_only_their_own_shared_observations(
    client: TestClient, school: School
) -> None:
    draft = school.create()
    final_unshared = final_observation(school)
    shared = final_observation(school, shared=True)
    sign_in(client, school.teacher_user)
    assert client.get(f"/observations/{draft}").status_code == 403
    assert client.get(f"/observations/{final_unshared}").status_code == 403
    assert client.get(f"/observations/{shared}").status_code == 200
    home = client.get("/my-coaching").text
    assert f"/observations/{shared}" in home and f"/observations/{draft}" not in home


@pytest.mark.parametrize("who", ["other_coach", "principal", "other_principal", "admin"])
def test_nobody_else_sees_a_shared_observation(
    client: TestClient, school: School, who: str
) -> None:
    oid = final_observation(school, shared=True)
    sign_in(client, getattr(school, who))
    assert client.get(f"/observations/{oid}").status_code == 403


def test_a_principal_sees_it_once_the_teacher_shares_it_but_not_the_reflection(
    client: TestClient, school: School
) -> None:
    oid = final_observation(school, shared=True)
    school.apply(
        ops.AddReflection(observation_id=oid, text="Private thoughts"), school.teacher_user
    )
    token = sign_in(client, school.teacher_user)
    assert post(client, f"/observations/{oid}/share-principal", token, {}).status_code == 303
    client.post("/logout", data={"csrf_token": token})

    sign_in(client, school.principal)
    page = client.get(f"/observations/{oid}")
    assert page.status_code == 200
    assert "Private thoughts" not in page.text and "/reflection" not in page.text
    school_page = client.get(f"/schools/{school.teacher.school_id}").text
    assert f"/observations/{oid}" in school_page
    client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    for other in (school.other_principal, school.admin, school.other_coach):
        sign_in(client, other)
        assert client.get(f"/observations/{oid}").status_code == 403
        client.post(
            "/logout", data={"csrf_token": csrf_from(client.get("/", follow_redirects=True).text)}
        )


def test_unknown_observation_is_404(client: TestClient, school: School) -> None:
    sign_in(client, school.coach)
    assert client.get(f"/observations/{uuid.uuid4()}").status_code == 404
