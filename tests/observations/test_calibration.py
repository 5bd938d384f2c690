"""Calibration: the district specialist role, a master-coded lesson, coaches' blind ratings,
agreement with the master (equal to scikit-learn), missed levels' descriptors, the district's
raters with the threshold, and who may see what."""

import pytest
from fastapi.testclient import TestClient
from sklearn.metrics import cohen_kappa_score
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from server.accounts.models import Membership, Role, User
from server.config import Settings
from server.observations import calibration
from server.observations.calibration import CalibrationError, CellErrors
from server.observations.models import CalibrationLesson, CalibrationRating
from server.roster.models import District
from tests.conftest import csrf_from, login
from tests.factories import (
    PASSWORD,
    create_calibration_lesson,
    create_district,
    create_school,
    create_user,
)
from tests.observations.conftest import School

# The test talk rubric's cells (no items), and a master code of them.
MASTER = {("participation", ""): 3, ("press", ""): 2, ("goal-posted", ""): 1, ("extra", ""): None}
CLOSE = {("participation", ""): 3, ("press", ""): 3, ("goal-posted", ""): 1, ("extra", ""): None}
FAR = {("participation", ""): 1, ("press", ""): 4, ("goal-posted", ""): 0, ("extra", ""): 2}


@pytest.fixture
def specialist(school: School, settings: Settings) -> User:
    district = school.session.get(District, school.teacher.district_id)
    user = create_user(
        school.session, settings, role=Role.specialist, district=district,
        email="specialist@example.org", name="Sam Specialist",
    )  # fmt: skip
    school.session.commit()
    return user


def lesson_of(school: School, specialist: User, *, marked: bool = True) -> CalibrationLesson:
    district = school.session.get(District, school.teacher.district_id)
    assert district is not None
    return create_calibration_lesson(
        school.session, specialist, school.talk, district, marked=marked, master=MASTER
    )


def rate(school: School, user: User, lesson: CalibrationLesson, cells: calibration.Cells) -> None:
    calibration.save_rating(
        session=school.session, viewer=school.viewer(user), lesson=lesson, cells=cells,
        finalize=True,
    )  # fmt: skip


def page(client: TestClient, email: str, path: str) -> str:
    client.cookies.clear()
    assert login(client, email, PASSWORD).status_code == 303
    response = client.get(path)
    assert response.status_code == 200, response.text[:300]
    return response.text


def test_a_specialist_works_for_the_whole_district(
    school: School, specialist: User, session: Session
) -> None:
    membership = session.exec(select(Membership).where(Membership.user_id == specialist.id)).one()
    assert membership.school_id is None
    assert school.viewer(specialist).roles == [Role.specialist]
    # The database itself refuses a specialist held for one school (the migrated constraint).
    home = create_school(session, create_district(session), name="Elsewhere")
    session.add(
        Membership(
            user_id=specialist.id, role=Role.specialist, district_id=home.district_id,
            school_id=home.id,
        )
    )  # fmt: skip
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_the_master_is_coded_then_marked_and_then_fixed(school: School, specialist: User) -> None:
    lesson = lesson_of(school, specialist, marked=False)
    viewer = school.viewer(specialist)
    # A draft may be incomplete; marking needs every cell, each error naming its field.
    partial = {("participation", ""): 3}
    calibration.save_master(
        session=school.session, viewer=viewer, lesson=lesson, cells=partial, mark=False
    )
    assert calibration.from_rows(lesson.master_scores) == partial
    with pytest.raises(CellErrors) as refused:
        calibration.save_master(
            session=school.session, viewer=viewer, lesson=lesson, cells=partial, mark=True
        )
    assert set(refused.value.errors) == {"s:press:", "s:goal-posted:", "s:extra:"}
    with pytest.raises(CellErrors) as bad:
        calibration.save_master(
            session=school.session, viewer=viewer, lesson=lesson,
            cells={**MASTER, ("goal-posted", ""): None, ("press", ""): 9}, mark=True,
        )  # fmt: skip
    assert bad.value.errors == {
        "s:goal-posted:": "Goal posted cannot be marked not observed",
        "s:press:": "choose one of the levels",
    }
    # Coaches cannot rate before the master is marked.
    with pytest.raises(CalibrationError, match="not marked"):
        rate(school, school.coach, lesson, CLOSE)
    calibration.save_master(
        session=school.session, viewer=viewer, lesson=lesson, cells=MASTER, mark=True
    )
    assert lesson.master_at is not None
    with pytest.raises(CalibrationError, match="marked"):
        calibration.save_master(
            session=school.session, viewer=viewer, lesson=lesson, cells=CLOSE, mark=False
        )
    # Only the specialist who added it codes it; the specialist never rates their own.
    with pytest.raises(CalibrationError):
        calibration.save_master(
            session=school.session, viewer=school.viewer(school.coach), lesson=lesson,
            cells=MASTER, mark=False,
        )  # fmt: skip
    assert not calibration.can_rate(viewer=viewer, lesson=lesson)


def test_a_rating_is_a_draft_until_final_then_agreement_equals_scikit_learn(
    school: School, specialist: User
) -> None:
    lesson = lesson_of(school, specialist)
    coach = school.viewer(school.coach)
    draft = calibration.save_rating(
        session=school.session, viewer=coach, lesson=lesson,
        cells={("participation", ""): 1}, finalize=False,
    )  # fmt: skip
    assert draft.finalized_at is None
    with pytest.raises(CellErrors):
        calibration.save_rating(
            session=school.session, viewer=coach, lesson=lesson,
            cells={("participation", ""): 1}, finalize=True,
        )  # fmt: skip
    rating = calibration.save_rating(
        session=school.session, viewer=coach, lesson=lesson, cells=FAR, finalize=True
    )
    assert rating.id == draft.id and rating.finalized_at is not None
    with pytest.raises(CalibrationError, match="final"):
        rate(school, school.coach, lesson, CLOSE)
    stats = calibration.lesson_agreement(
        calibration.rubric_of(session=school.session, lesson=lesson), lesson, rating
    ).overall
    # "extra" is not observed in the master: left out, and counted.
    scored = [c for c in MASTER if MASTER[c] is not None]
    assert stats.n == 3 and stats.one_not_observed == 1
    master_levels = [MASTER[c] for c in scored]
    rater_levels = [FAR[c] for c in scored]
    expected = cohen_kappa_score(
        master_levels, rater_levels, weights="quadratic", labels=[0, 1, 2, 3, 4]
    )
    assert stats.kappa_quadratic == pytest.approx(expected)
    assert stats.exact == 0
    assert stats.adjacent == pytest.approx(1 / 3)  # goal-posted 1 vs 0


def test_blind_until_final_then_the_missed_levels_descriptors(
    client: TestClient, school: School, specialist: User
) -> None:
    lesson = lesson_of(school, specialist)
    path = f"/calibration/{lesson.id}"
    before = page(client, "coach@example.org", path)
    assert "Finalize my rating" in before
    assert "Your agreement with the master" not in before
    assert '<th scope="col">Master</th>' not in before
    # Another coach's final rating stays hidden from this coach, before and after.
    rate(school, school.other_coach, lesson, CLOSE)
    again = page(client, "coach@example.org", path)
    assert school.other_coach.name not in again
    token = csrf_from(again)
    fields = {f"s:{d}:{i}": ("not-observed" if v is None else str(v)) for (d, i), v in FAR.items()}
    response = client.post(
        f"{path}/rating", data={**fields, "action": "finalize", "csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    after = client.get(path).text
    assert "Your agreement with the master" in after
    assert '<th scope="col">Master</th>' in after
    # The master said 3 for participation, this coach 1: both levels' descriptors shown.
    assert "About half of the students speak." in after
    assert "A few students speak." in after
    assert school.other_coach.name not in after


def test_a_refused_rating_keeps_every_choice_and_names_the_cell(
    client: TestClient, school: School, specialist: User
) -> None:
    lesson = lesson_of(school, specialist)
    path = f"/calibration/{lesson.id}"
    token = csrf_from(page(client, "coach@example.org", path))
    response = client.post(
        f"{path}/rating",
        data={"s:participation:": "2", "s:press:": "banana", "action": "finalize",
              "csrf_token": token},
    )  # fmt: skip
    assert response.status_code == 400
    assert 'id="s:press:-error"' in response.text
    assert '<option value="2" selected>' in response.text
    assert school.session.exec(select(CalibrationRating)).first() is None
    response = client.post(
        f"{path}/rating",
        data={"s:participation:": "2", "action": "finalize", "csrf_token": token},
    )
    assert response.status_code == 400
    assert 'id="s:goal-posted:-error"' in response.text
    assert "choose a level (or not observed)" in response.text
    assert '<option value="2" selected>' in response.text


def test_the_district_page_flags_a_rater_under_the_threshold_the_admin_sets(
    client: TestClient, school: School, specialist: User
) -> None:
    lesson = lesson_of(school, specialist)
    rate(school, school.coach, lesson, CLOSE)  # within one level on every cell both scored
    rate(school, school.other_coach, lesson, FAR)  # within one level on 1 of 3
    district_id = school.teacher.district_id
    histories = calibration.rater_histories(session=school.session, district_id=district_id)
    flagged = {h.name: h.flagged for h in histories}
    assert flagged == {school.coach.name: False, school.other_coach.name: True}
    assert histories[0].name == school.other_coach.name  # the flagged first
    text = page(client, "specialist@example.org", "/district/calibration")
    assert "Below the threshold" in text and "Save the threshold" not in text
    text = page(client, "admin@example.org", "/district/calibration")
    assert text.count("Below the threshold") == 1
    token = csrf_from(text)
    for bad in ("abc", "101"):
        response = client.post(
            "/district/calibration/threshold",
            data={"min_adjacent_percent": bad, "csrf_token": token},
        )
        assert response.status_code == 400
        assert 'id="min_adjacent_percent-error"' in response.text
        assert f'value="{bad}"' in response.text
    response = client.post(
        "/district/calibration/threshold",
        data={"min_adjacent_percent": "30", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert calibration.min_adjacent_percent(session=school.session, district_id=district_id) == 30
    assert "Below the threshold" not in client.get("/district/calibration").text


def test_the_latest_lesson_decides_the_flag(school: School, specialist: User) -> None:
    first = lesson_of(school, specialist)
    rate(school, school.coach, first, FAR)
    second = lesson_of(school, specialist)
    rate(school, school.coach, second, MASTER)
    district_id = school.teacher.district_id
    (history,) = calibration.rater_histories(session=school.session, district_id=district_id)
    assert [row.lesson_id for row in history.rows] == [second.id, first.id]
    assert not history.flagged


def test_principals_teachers_and_other_districts_see_no_calibration(
    client: TestClient, school: School, specialist: User, settings: Settings
) -> None:
    lesson = lesson_of(school, specialist)
    rate(school, school.coach, lesson, CLOSE)
    paths = ["/calibration", f"/calibration/{lesson.id}", "/district/calibration"]
    for email in ("principal@example.org", "teacher@example.org"):
        client.cookies.clear()
        assert login(client, email, PASSWORD).status_code == 303
        for path in paths:
            assert client.get(path).status_code == 403, (email, path)
    elsewhere = create_district(school.session)
    create_user(
        school.session, settings, role=Role.coach,
        school=create_school(school.session, elsewhere, name="Far Away"),
        email="far@example.org",
    )  # fmt: skip
    school.session.commit()
    client.cookies.clear()
    assert login(client, "far@example.org", PASSWORD).status_code == 303
    assert client.get(f"/calibration/{lesson.id}").status_code == 404
    assert lesson.title not in client.get("/calibration").text


def test_a_specialist_adds_a_lesson_and_a_bad_form_keeps_what_was_typed(
    client: TestClient, school: School, specialist: User
) -> None:
    text = page(client, "specialist@example.org", "/calibration")
    token = csrf_from(text)
    response = client.post(
        "/calibration",
        data={"title": "  ", "source": "Video library, 22 min", "rubric_version_id": "",
              "csrf_token": token},
    )  # fmt: skip
    assert response.status_code == 400
    assert 'id="title-error"' in response.text and 'id="rubric_version_id-error"' in response.text
    assert "Video library, 22 min" in response.text
    response = client.post(
        "/calibration",
        data={"title": "Grade 5 area", "source": "Video library, 22 min",
              "rubric_version_id": str(school.talk.id), "csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    lesson = school.session.exec(select(CalibrationLesson)).one()
    assert (lesson.title, lesson.created_by) == ("Grade 5 area", specialist.id)
    text = client.get(response.headers["location"]).text
    assert "Mark as the master code" in text
