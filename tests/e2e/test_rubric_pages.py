"""The rubric pages on a portrait tablet, as the demo coach: readable, tappable, accessible."""

from pathlib import Path

import pytest
from playwright.sync_api import Page

from server.roster import demo
from tests.e2e.conftest import TABLET_LANDSCAPE
from tests.e2e.pages import (
    LoginPage,
    horizontal_overflow,
    serious_axe_violations,
    small_tap_targets,
)

COACH = f"maria.lopez@{demo.DEMO_DOMAIN}"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


def _shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _check_page(page: Page, path: str) -> None:
    assert page.get_by_role("heading", level=1).count() == 1, path
    assert horizontal_overflow(page) == 0, path
    assert small_tap_targets(page) == [], path
    assert serious_axe_violations(page) == [], path


def test_coach_reads_the_rubric_list_and_the_iqa_on_a_tablet(page: Page) -> None:
    LoginPage(page).open().sign_in(COACH, demo.DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Rubrics").click()
    page.wait_for_url("**/rubrics")
    _check_page(page, "/rubrics")
    _shoot(page, "rubrics-portrait")

    page.get_by_role("link", name="Instructional Quality Assessment (IQA)", exact=False).click()
    page.wait_for_url("**/rubrics/iqa-math/2026.1")
    _check_page(page, "/rubrics/iqa-math/2026.1")
    for name in ("Academic Rigor", "Accountable Talk"):
        assert page.get_by_role("heading", level=2, name=name).count() == 1
    assert page.get_by_role("heading", level=3, name="Teacher's press").count() == 1
    _shoot(page, "rubric-iqa-portrait")

    page.set_viewport_size(TABLET_LANDSCAPE)
    assert horizontal_overflow(page) == 0
    _shoot(page, "rubric-iqa-landscape")


@pytest.mark.parametrize(
    "path",
    [
        "/rubrics/nctm-practices/2026.1",
        "/rubrics/student-engagement/2026.1",
        "/rubrics/learning-culture/2026.1",
        "/rubrics/task-demand/2026.1",
    ],
)
def test_every_shipped_rubric_page_fits_a_tablet(page: Page, path: str) -> None:
    LoginPage(page).open().sign_in(COACH, demo.DEMO_PASSWORD)
    page.goto(path)
    _check_page(page, path)
