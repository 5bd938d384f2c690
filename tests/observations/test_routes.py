"""The observation pages over HTTP: create, score (form post and htmx), evidence, notes,
tallies, timer, context, finalize, share, reflect, and who can see what."""

import re
import uuid

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from server.accounts.models import User
from server.observations import operations as ops
from server.observations.models import Note, Observation, Score
from tests.conftest import csrf_from, login
from tests.factories import PASSWORD
from tests.observations.conftest import School

HTMX = {"HX-Request": "true"}


def sign_in(client: TestClient, user: User) -> str:
    """Sign in; returns a CSRF token for posts."""
    assert login(client, user.email, PASSWORD).status_code == 303
    return csrf_from(client.get("/", follow_redirects=True).text)


def post(
    client: TestClient, url: str, token: str, data: dict[str, object], htmx: bool = False
) -> httpx.Response:
    headers = {**HTMX, "x-csrf-token": token} if htmx else {}
    body = data if htmx else {**data, "csrf_token": token}
    return client.post(url, data=body, headers=headers, follow_redirects=False)  # type: ignore[arg-type]


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


def db_scores(school: School, oid: uuid.UUID) -> dict[str, object]:
    school.session.expire_all()
    rows = school.session.exec(select(Score).where(Score.observation_id == oid))
    return {
        r.dimension_id + (f":{r.item_id}" if r.item_id else ""): "NO" if r.not_observed else r.value
        for r in rows
    }


# --- The coach's path to a new observation ------------------------------------------------------


def test_caseload_tiles_link_to_the_teacher_page_which_lists_observations_newest_first(
    client: TestClient, school: School
) -> None:
    sign_in(client, school.coach)
    caseload = client.get("/caseload").text
    assert f'href="/teachers/{school.teacher.id}"' in caseload
    older = school.create()
    school.apply(
        ops.UpdateContext(
            observation_id=older,
            data=ops.ObservationUpdate(observed_at="2020-01-10T09:00:00+00:00"),
        )
    )  # type: ignore[arg-type]
    newer = school.create()
    page = client.get(f"/teachers/{school.teacher.id}")
    assert page.status_code == 200
    assert "New observation" in page.text
    assert page.text.index(f"/observations/{newer}") < page.text.index(f"/observations/{older}")
    assert "Draft" in page.text


def test_teacher_page_of_a_teacher_not_in_the_caseload_is_403(
    client: TestClient, school: School
) -> None:
    sign_in(client, school.coach)
    assert client.get(f"/teachers/{school.unassigned_teacher.id}").status_code == 403
    assert (
        client.get(f"/teachers/{school.unassigned_teacher.id}/observations/new").status_code == 403
    )
    assert client.get("/teachers/999999").status_code == 404


def test_new_observation_form_errors_in_place_keep_what_was_typed(
    client: TestClient, school: School
) -> None:
    token = sign_in(client, school.coach)
    form = client.get(f"/teachers/{school.teacher.id}/observations/new").text
    assert "Test Talk Rubric" in form and "Test Practices Rubric" in form
    response = post(
        client, f"/teachers/{school.teacher.id}/observations/new", token,
        {"observation_id": str(uuid.uuid4()), "observed_at": "", "grade": "", "lesson_goal": "Compare 3/4 and 2/3", "class_size": "500"},
    )  # fmt: skip
    assert response.status_code == 400
    text = response.text
    assert "Choose at least one rubric." in text
    assert "Enter the date and time of the lesson." in text
    assert 'id="grade-error"' in text
    assert "Compare 3/4 and 2/3" in text and 'value="500"' in text
    assert school.session.exec(select(Observation)).first() is None


def test_creating_an_observation_twice_from_one_form_makes_one(
    client: TestClient, school: School
) -> None:
    token = sign_in(client, school.coach)
    form = client.get(f"/teachers/{school.teacher.id}/observations/new").text
    oid = re.search(r'name="observation_id" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    data = {
        "observation_id": oid, "observed_at": "2026-10-05T09:30", "grade": "4",
        "rubric_version_ids": [str(school.talk.id), str(school.practices.id)],
        "course_unit": "Fractions", "class_size": "24",
    }  # fmt: skip
    first = post(client, f"/teachers/{school.teacher.id}/observations/new", token, data)
    again = post(client, f"/teachers/{school.teacher.id}/observations/new", token, data)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"] == f"/observations/{oid}"
    [obs] = school.session.exec(select(Observation)).all()
    assert (obs.grade, obs.course_unit, obs.class_size) == ("4", "Fractions", 24)


def test_creating_for_a_teacher_outside_the_caseload_is_403(
    client: TestClient, school: School
) -> None:
    token = sign_in(client, school.coach)
    data = {
        "observed_at": "2026-10-05T09:30",
        "grade": "4",
        "rubric_version_ids": [str(school.talk.id)],
    }
    response = post(
        client, f"/teachers/{school.unassigned_teacher.id}/observations/new", token, data
    )
    assert response.status_code == 403


# --- Scoring ---------------------------------------------------------------------------------------


def test_scoring_page_shows_level_buttons_descriptors_and_not_observed(
    client: TestClient, school: School
) -> None:
    oid = school.create([school.talk, school.practices])
    sign_in(client, school.coach)
    page = client.get(f"/observations/{oid}").text
    assert "<legend>Level for Participation</legend>" in page
    assert 'name="value" value="3" class="level" aria-pressed="false"' in page
    assert (
        '3</span><span class="visually-hidden"> \u2013 </span><span class="level-label">High</span>'
        in page
    )
    assert "About half of the students speak." in page  # the descriptor, one tap away
    # talk: participation, press and extra (not goal-posted); practices: its 5 items
    assert page.count('value="not_observed"') == 3 + 5
    assert "Students can say the goal" in page  # an item with its own buttons
    assert "Gathering information" in page  # a tally
    assert '<script src="/static/js/observe.js" defer></script>' in page


def test_score_by_plain_form_post_redirects_back(client: TestClient, school: School) -> None:
    oid = school.create()
    token = sign_in(client, school.coach)
    data = {"rubric_version_id": school.talk.id, "dimension_id": "participation", "value": "3"}
    response = post(client, f"/observations/{oid}/scores", token, data)
    assert response.status_code == 303
    assert response.headers["location"] == f"/observations/{oid}#dim-{school.talk.id}-participation"
    assert db_scores(school, oid) == {"participation": 3}
    page = client.get(f"/observations/{oid}").text
    assert 'name="value" value="3" class="level" aria-pressed="true"' in page


def test_score_by_htmx_returns_the_unit_fragment(client: TestClient, school: School) -> None:
    oid = school.create()
    token = sign_in(client, school.coach)
    data = {"rubric_version_id": school.talk.id, "dimension_id": "press", "value": "not_observed"}
    response = post(client, f"/observations/{oid}/scores", token, data, htmx=True)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith(
        f'<form class="levels" id="unit-{school.talk.id}-press"'
    )
    assert 'value="not_observed" class="level level-no" aria-pressed="true"' in response.text
    assert "Saved " in response.text
    assert db_scores(school, oid) == {"press": "NO"}


def test_item_score_by_htmx_updates_the_mean_out_of_band(
    client: TestClient, school: School
) -> None:
    oid = school.create([school.practices])
    token = sign_in(client, school.coach)
    for item, value in (("q1", "2"), ("q2", "5")):
        data = {
            "rubric_version_id": school.practices.id,
            "dimension_id": "questions",
            "item_id": item,
            "value": value,
        }
        response = post(client, f"/observations/{oid}/scores", token, data, htmx=True)
    assert f'id="mean-{school.practices.id}-questions" hx-swap-oob="true"' in response.text
    assert "<strong>3.5</strong>" in response.text
    assert db_scores(school, oid) == {"questions:q1": 2, "questions:q2": 5}


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (
            {"dimension_id": "participation", "value": "9"},
            "value: 9 is not a level of Participation",
        ),
        (
            {"dimension_id": "goal-posted", "value": "not_observed"},
            "not_observed: Goal posted cannot be marked not observed",
        ),
        ({"dimension_id": "participation", "value": "abc"}, "value"),
    ],
)
def test_a_bad_score_is_400_in_place_and_saves_nothing(
    client: TestClient, school: School, data: dict[str, str], words: str
) -> None:
    oid = school.create()
    token = sign_in(client, school.coach)
    response = post(
        client,
        f"/observations/{oid}/scores",
        token,
        {"rubric_version_id": school.talk.id, **data},
        htmx=True,
    )
    assert response.status_code == 400
    assert response.headers["X-Cadence-Swap"] == "1"
    assert words in response.text
    plain = post(
        client, f"/observations/{oid}/scores", token, {"rubric_version_id": school.talk.id, **data}
    )
    assert plain.status_code == 400 and words in plain.text and "<html" in plain.text
    assert db_scores(school, oid) == {}


def test_an_unknown_dimension_is_400(client: TestClient, school: School) -> None:
    oid = school.create()
    token = sign_in(client, school.coach)
    data = {"rubric_version_id": school.talk.id, "dimension_id": "nope", "value": "1"}
    response = post(client, f"/observations/{oid}/scores", token, data, htmx=True)
    assert response.status_code == 400
    assert "dimension_id: Test Talk Rubric has no dimension &#39;nope&#39;" in response.text


def test_evidence_autosave_and_a_conflict_on_a_stale_version(
    client: TestClient, school: School
) -> None:
    oid = school.create()
    token = sign_in(client, school.coach)
    url = f"/observations/{oid}/evidence"
    base = {"rubric_version_id": school.talk.id, "dimension_id": "press"}
    saved = post(client, url, token, {**base, "text": "Asked why", "base_version": "1"}, htmx=True)
    assert saved.status_code == 200
    assert 'name="base_version" value="2"' in saved.text and "Saved " in saved.text
    # A device still on version 1 writes the same evidence: a conflict, nothing saved.
    stale = post(
        client, url, token, {**base, "text": "Other words", "base_version": "1"}, htmx=True
    )
    assert stale.status_code == 409
    assert "changed elsewhere" in stale.text and "Asked why" in stale.text
    assert 'name="base_version" value="2"' in stale.text
    page = client.get(f"/observations/{oid}").text
    assert ">Asked why</textarea>" in page


def test_notes_are_stamped_tagged_and_idempotent(client: TestClient, school: School) -> None:
    oid = school.create()
    token = sign_in(client, school.coach)
    note_id = str(uuid.uuid4())
    data = {
        "note_id": note_id,
        "text": "Pairs compare strategies",
        "tags": [f"{school.talk.id}:press"],
    }
    first = post(client, f"/observations/{oid}/notes", token, data, htmx=True)
    again = post(client, f"/observations/{oid}/notes", token, data, htmx=True)
    assert first.status_code == again.status_code == 200
    assert first.text.lstrip().startswith('<section class="notes card" id="notes"')
    assert "Pairs compare strategies" in first.text
    assert '<span class="tag">Teacher&#39;s press</span>' in first.text
    assert note_id not in first.text  # a fresh id for the next note
    assert len(school.session.exec(select(Note)).all()) == 1
    empty = post(client, f"/observations/{oid}/notes", token, {"text": "  "}, htmx=True)
    assert empty.status_code == 400 and "text" in empty.text


def test_tally_taps_and_undo(client: TestClient, school: School) -> None:
    oid = school.create([school.practices])
    token = sign_in(client, school.coach)
    data = {
        "rubric_version_id": school.practices.id,
        "tally_id": "question-kinds",
        "category_id": "probing",
    }
    for delta in ("1", "1", "1", "-1"):
        response = post(
            client, f"/observations/{oid}/tallies", token, {**data, "delta": delta}, htmx=True
        )
    assert response.status_code == 200
    assert re.search(r"Probing thinking</span> <span class=\"tally-count\">2</span>", response.text)
    plain = post(client, f"/observations/{oid}/tallies", token, {**data, "delta": "1"})
    assert plain.status_code == 303


def test_timer_start_and_pause(client: TestClient, school: School) -> None:
    oid = school.create()
    token = sign_in(client, school.coach)
    started = post(client, f"/observations/{oid}/timer", token, {"action": "start"}, htmx=True)
    assert 'data-running="true"' in started.text and "Pause timer" in started.text
    paused = post(client, f"/observations/{oid}/timer", token, {"action": "pause"}, htmx=True)
    assert 'data-running="false"' in paused.text and 'value="start"' in paused.text
    assert (
        post(
            client, f"/observations/{oid}/timer", token, {"action": "explode"}, htmx=True
        ).status_code
        == 400
    )


def test_lesson_context_autosave_and_a_missing_grade(client: TestClient, school: School) -> None:
    oid = school.create()
    token = sign_in(client, school.coach)
    data = {
        "observed_at": "2026-10-05T09:30",
        "grade": "5",
        "course_unit": "Fractions",
        "lesson_goal": "Equivalence",
        "class_size": "22",
        "base_version": "1",
    }
    saved = post(client, f"/observations/{oid}/context", token, data, htmx=True)
    assert saved.status_code == 200 and "Saved " in saved.text
    school.session.expire_all()
    obs = school.session.get(Observation, oid)
    assert obs is not None and (obs.grade, obs.lesson_goal, obs.class_size) == (
        "5",
        "Equivalence",
        22,
    )
    bad = post(
        client,
        f"/observations/{oid}/context",
        token,
        {**data, "grade": "", "base_version": "2"},
        htmx=True,
    )
    assert bad.status_code == 400 and "grade" in bad.text


# --- Finalize and share ----------------------------------------------------------------------------


def test_finalize_refuses_and_names_the_missing_dimensions(
    client: TestClient, school: School
) -> None:
    oid = school.create()
    token = sign_in(client, school.coach)
    school.score(oid, "participation", 2)
    refused = post(client, f"/observations/{oid}/finalize", token, {})
    assert refused.status_code == 400
    assert "Not finalized" in refused.text
    assert "<li>Teacher&#39;s press</li>" in refused.text and "<li>Goal posted</li>" in refused.text
    assert (
        "<li>Participation</li>" not in refused.text and "<li>Extra look</li>" not in refused.text
    )
    school.score(oid, "press", 3)
    school.score(oid, "goal-posted", 1)
    done = post(client, f"/observations/{oid}/finalize", token, {})
    assert done.status_code == 303 and done.headers["location"].endswith("?saved=finalized")
    page = client.get(done.headers["location"]).text
    assert "Observation finalized" in page and "badge-final" in page
    # Still editable, as revisions.
    post(
        client,
        f"/observations/{oid}/scores",
        token,
        {"rubric_version_id": school.talk.id, "dimension_id": "press", "value": "4"},
    )
    page = client.get(f"/observations/{oid}").text
    assert "Revision history" in page and "Score: Teacher&#39;s press" in page


def test_share_needs_final_then_the_teacher_sees_it_and_reflects(
    client: TestClient, school: School
) -> None:
    oid = school.create()
    token = sign_in(client, school.coach)
    assert post(client, f"/observations/{oid}/share", token, {}).status_code == 400
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
    shared = post(client, f"/observations/{oid}/share", token, {})
    assert shared.status_code == 303
    client.post("/logout", data={"csrf_token": token})

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
    assert (
        post(
            client,
            f"/observations/{oid}/scores",
            token,
            {"rubric_version_id": school.talk.id, "dimension_id": "press", "value": "1"},
        ).status_code
        == 403
    )


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


def test_evidence_on_an_itemized_dimension_is_saved_by_htmx(
    client: TestClient, school: School
) -> None:
    oid = school.create([school.practices])
    token = sign_in(client, school.coach)
    data = {
        "rubric_version_id": school.practices.id,
        "dimension_id": "questions",
        "text": "Wait time 5s",
        "base_version": "1",
    }
    response = post(client, f"/observations/{oid}/evidence", token, data, htmx=True)
    assert response.status_code == 200 and "Saved " in response.text
