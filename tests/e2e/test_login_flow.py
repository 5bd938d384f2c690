"""A coach signs in on a tablet and reaches their week; pages pass axe-core."""

from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from server.roster import demo
from tests.e2e.conftest import TABLET_LANDSCAPE
from tests.e2e.pages import (
    CaseloadPage,
    LoginPage,
    WeekPage,
    horizontal_overflow,
    serious_axe_violations,
    sign_out,
    small_tap_targets,
)

COACH = f"maria.lopez@{demo.DEMO_DOMAIN}"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


def _shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_demo_coach_signs_in_at_tablet_size_and_reaches_the_week(page: Page) -> None:
    LoginPage(page).open().sign_in(COACH, demo.DEMO_PASSWORD)
    page.wait_for_url("**/week")
    week = WeekPage(page).ready()
    assert week.heading == "This week"
    # The first drawing may come before the caseload has reached the tablet.
    expect(page.get_by_role("list", name="Teachers this week")).to_be_visible()
    names = week.teacher_names()
    assert len(names) == 12  # Maria Lopez coaches Cedar Elementary's twelve teachers
    assert "Ana Torres" in names
    assert horizontal_overflow(page) == 0
    _shoot(page, "week-portrait")
    page.goto("/caseload")
    assert set(CaseloadPage(page).teacher_names()) == set(names)
    sign_out(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in to Cadence"


def test_wrong_password_shows_the_message_and_keeps_the_email(page: Page) -> None:
    login = LoginPage(page).open()
    login.sign_in(COACH, "not-the-password")
    assert "do not match an account" in login.error
    assert page.get_by_label("Email").input_value() == COACH


@pytest.mark.parametrize(
    ("email", "home_heading"),
    [
        (COACH, "This week"),
        (f"ana.torres@{demo.DEMO_DOMAIN}", "My coaching"),
        (f"grace.kim@{demo.DEMO_DOMAIN}", "Cedar Elementary"),
    ],
)
def test_home_pages_have_no_serious_accessibility_violations(
    page: Page, email: str, home_heading: str
) -> None:
    LoginPage(page).open()
    assert serious_axe_violations(page) == []
    assert small_tap_targets(page) == []
    LoginPage(page).sign_in(email, demo.DEMO_PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text() == home_heading
    assert serious_axe_violations(page) == []
    assert small_tap_targets(page) == []
    assert horizontal_overflow(page) == 0


def test_landscape_tablet_has_no_sideways_scrolling(context: BrowserContext) -> None:
    page = context.new_page()
    page.set_viewport_size(TABLET_LANDSCAPE)
    LoginPage(page).open().sign_in(f"grace.kim@{demo.DEMO_DOMAIN}", demo.DEMO_PASSWORD)
    assert horizontal_overflow(page) == 0
    _shoot(page, "principal-landscape")


def test_pages_work_without_javascript(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    """A principal's pages are drawn by the server and work without JavaScript; the coach's
    app says plainly that it needs it (no half-working copy)."""
    context = browser.new_context(java_script_enabled=False, base_url=live_server)
    page = context.new_page()
    LoginPage(page).open().sign_in(f"grace.kim@{demo.DEMO_DOMAIN}", demo.DEMO_PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text() == "Cedar Elementary"
    sign_out(page)
    LoginPage(page).sign_in(COACH, demo.DEMO_PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text() == "Cadence needs JavaScript here"
    context.close()
