"""Calibration in the browser: the district specialist adds a recorded lesson, codes its
master (a blank cell is said in place, nothing chosen is lost) and marks it; a coach rates
it blind, finalizes and sees their agreement with the master with the descriptors of the
levels they missed; the district admin sees the coach on the raters' page and raises the
threshold until they are flagged. Each page passes axe-core with 44 px tap targets, in
portrait and landscape."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from server.main import create_app
from server.roster import demo
from tests.e2e.calibration_pages import CalibrationPages
from tests.e2e.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT, demo_app_database, serve
from tests.e2e.pages import LoginPage, check_screen

SPECIALIST = f"renee.castillo@{demo.DEMO_DOMAIN}"
COACH = ("Maria Lopez", f"maria.lopez@{demo.DEMO_DOMAIN}")
ADMIN = f"admin@{demo.DEMO_DOMAIN}"
TITLE = "Grade 6: ratios with tape diagrams (video)"
# The master's levels, and the coach's: the same on six, one apart on two, two on one.
MASTER = {
    "Potential of the task": "3", "Implementation of the task": "2",
    "Student discussion following the task": "2", "Rigor of the teacher's questions": "2",
    "Participation": "3", "Teacher's linking": "1", "Students' linking": "1",
    "Teacher's press": "2", "Students providing": "2",
}  # fmt: skip
COACH_LEVELS = {
    **MASTER, "Participation": "4", "Teacher's press": "1", "Teacher's linking": "3",
}  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _url, settings = demo_app_database(tmp_path_factory.mktemp("calibration"), coaching=False)
    with serve(create_app(settings)) as base:
        yield base


def _signed_in(browser: Browser, server: str, email: str, viewport: dict[str, int]) -> Page:
    context = browser.new_context(viewport=viewport, base_url=server)  # type: ignore[arg-type]
    page = context.new_page()
    LoginPage(page).open().sign_in(email, demo.DEMO_PASSWORD)
    return page


def _both_ways(page: Page, name: str) -> None:
    page.set_viewport_size(TABLET_PORTRAIT)  # type: ignore[arg-type]
    check_screen(page, f"calibration-{name}-portrait")
    page.set_viewport_size(TABLET_LANDSCAPE)  # type: ignore[arg-type]
    check_screen(page, f"calibration-{name}-landscape")


def test_a_specialist_codes_a_lesson_a_coach_rates_it_blind_and_the_admin_sees_the_rater(
    browser: Browser, server: str
) -> None:
    page = _signed_in(browser, server, SPECIALIST, TABLET_PORTRAIT)
    assert page.url.endswith("/calibration")  # a specialist lands here
    pages = CalibrationPages(page)
    pages.add_lesson(
        TITLE, "District video library, 21 minutes.", "Instructional Quality Assessment"
    )
    for dimension, value in MASTER.items():
        if dimension != "Students providing":
            pages.set_level(dimension, value)
    pages.press("Mark as the master code")
    assert "choose a level" in pages.error_at("Students providing")
    assert pages.chosen("Participation") == "3"  # nothing chosen is lost
    _both_ways(page, "master")
    pages.set_level("Students providing", "2")
    pages.press("Mark as the master code")
    pages.status("The master is marked")
    page.context.close()

    page = _signed_in(browser, server, COACH[1], TABLET_PORTRAIT)
    page.goto("/observe")  # the coach's way in: the Observations screen
    page.get_by_role("link", name="Calibration lessons").wait_for()
    check_screen(page, "calibration-observations-screen")
    with page.expect_navigation():
        page.get_by_role("link", name="Calibration lessons").click()
    pages = CalibrationPages(page)
    pages.open_lesson(TITLE)
    assert page.get_by_role("columnheader", name="Master").count() == 0  # blind
    for dimension, value in COACH_LEVELS.items():
        pages.set_level(dimension, value)
    _both_ways(page, "rating")
    pages.press("Finalize my rating")
    pages.status("Your rating is final.")
    assert pages.figure("Exact agreement") == "67%"  # 6 of 9
    assert pages.figure("Within one level") == "89%"  # 8 of 9
    assert pages.verdict("Teacher's linking") == "2 levels apart"
    missed = pages.missed_text()
    assert "Master, 1" in missed and "You, 3" in missed
    _both_ways(page, "agreement")
    page.context.close()

    page = _signed_in(browser, server, ADMIN, TABLET_LANDSCAPE)
    page.goto("/district/calibration")
    pages = CalibrationPages(page)
    assert "89%" in pages.rater_row(COACH[0])
    assert page.get_by_text("Below the threshold").count() == 0
    page.get_by_label("Within one level, at least (%)").fill("95")
    pages.press("Save the threshold")
    pages.status("Threshold saved.")
    assert "Below the threshold" in pages.rater_row(COACH[0])
    _both_ways(page, "district")
    page.context.close()
