"""The rubric reading pages."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from server.accounts.models import Role
from server.config import Settings
from server.rubrics import service as rubrics_service
from tests.conftest import login
from tests.factories import PASSWORD, create_district, create_school, create_user


@pytest.fixture
def coach(client: TestClient, session: Session, settings: Settings) -> TestClient:
    school = create_school(session, create_district(session))
    user = create_user(session, settings, role=Role.coach, school=school)
    session.commit()
    assert login(client, user.email, PASSWORD).status_code == 303
    return client


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def test_the_list_shows_every_current_rubric_with_its_source(coach: TestClient) -> None:
    response = coach.get("/rubrics")
    assert response.status_code == 200
    page = text_of(response.text)
    for title in (
        "Instructional Quality Assessment (IQA), mathematics lesson observation",
        "NCTM Mathematics Teaching Practices",
        "Student engagement",
        "Classroom learning culture",
        "Cognitive demand of the task",
    ):
        assert title in page
    assert 'href="/rubrics/iqa-math/2026.1"' in response.text
    assert "Source: Melissa D. Boston (2012); Melissa Boston and Mikyung Kim Wolf (2006)" in page
    assert 'href="/rubrics"' in response.text  # in the main navigation


def test_the_iqa_page_shows_the_whole_rubric(coach: TestClient) -> None:
    response = coach.get("/rubrics/iqa-math/2026.1")
    assert response.status_code == 200
    html, page = response.text, text_of(response.text)
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert re.findall(r'<h2 id="group-[^"]+">([^<]+)</h2>', html) == [
        "Academic Rigor",
        "Accountable Talk",
    ]
    assert len(re.findall(r'<h3 id="dim-', html)) == 9
    assert "Version 2026.1 (current)" in page
    assert "Not yet checked against the instrument" in page
    assert "3 and above count as high level" in page
    assert "The task could get students thinking at a high level, and it explicitly asks" in page
    assert "Look for:" in page
    assert "Teacher questions" in page and "Probing" in page
    assert (
        "Melissa D. Boston (2012). <cite>Assessing instructional quality in mathematics</cite>."
        in (html)
    )
    assert "Learning Research and Development Center (LRDC)" in page


def test_the_nctm_page_shows_items_and_student_look_fors(coach: TestClient) -> None:
    page = text_of(coach.get("/rubrics/nctm-practices/2026.1").text)
    assert "Establish mathematics goals to focus learning" in page
    assert "Each look-for scored 1\u20135; the score here is the mean of its look-fors" in page
    assert "What students may be doing" in page
    assert "Did not do this" in page and "Did this very well" in page


def test_the_learning_culture_page_shows_the_two_ends(coach: TestClient) -> None:
    page = text_of(coach.get("/rubrics/learning-culture/2026.1").text)
    assert page.count("Between") == 0
    assert (
        page.count(
            "Not described, between the levels around them: "
            "2 Mostly traditional; 3 In between; 4 Mostly student-led."
        )
        == 5
    )


def test_an_interval_tally_says_how_often(coach: TestClient) -> None:
    page = text_of(coach.get("/rubrics/student-engagement/2026.1").text)
    assert "Time sample: every 2 minutes, tap one category" in page


def test_an_earlier_version_says_so_and_links_the_current_one(
    coach: TestClient, session: Session
) -> None:
    iqa = rubrics_service.load_rubric_file(rubrics_service.SHIPPED_DIR / "iqa-math.yaml")
    rubrics_service.register(session=session, rubric=iqa.model_copy(update={"version": "2027.1"}))
    session.commit()
    page = text_of(coach.get("/rubrics/iqa-math/2026.1").text)
    assert "This is an earlier version" in page
    assert "2027.1" in page
    listed = coach.get("/rubrics").text
    assert 'href="/rubrics/iqa-math/2027.1"' in listed
    assert 'href="/rubrics/iqa-math/2026.1"' not in listed


def test_an_unknown_rubric_or_version_is_404(coach: TestClient) -> None:
    assert coach.get("/rubrics/iqa-math/1999.1").status_code == 404
    assert coach.get("/rubrics/nothing/2026.1").status_code == 404


@pytest.mark.parametrize("path", ["/rubrics", "/rubrics/iqa-math/2026.1"])
def test_anonymous_visitors_are_sent_to_sign_in(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"
