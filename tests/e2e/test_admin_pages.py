"""The admin pages on a portrait tablet: readable, tappable, accessible, and usable without
JavaScript (a district admin creates a school with a plain form post)."""

import pytest
from playwright.sync_api import Browser, Page

from server.roster import demo
from tests.e2e.pages import (
    LoginPage,
    horizontal_overflow,
    serious_axe_violations,
    small_tap_targets,
)

ADMIN = f"admin@{demo.DEMO_DOMAIN}"
PRINCIPAL = f"grace.kim@{demo.DEMO_DOMAIN}"
PAGES = {
    ADMIN: [
        "/admin",
        "/admin/schools",
        "/admin/schools/1/edit",
        "/admin/school-years",
        "/admin/people",
        "/admin/people/new",
        "/admin/people/2/edit",
        "/admin/teachers/new",
        "/admin/assignments",
        "/admin/assignments/new",
        "/admin/assignments/1/edit",
        "/admin/audit?action=changes",
        "/account",
    ],
    PRINCIPAL: ["/admin", "/admin/people", "/admin/assignments/new", "/account"],
}


@pytest.mark.parametrize("email", [ADMIN, PRINCIPAL])
def test_admin_pages_fit_a_tablet_and_pass_axe(page: Page, email: str) -> None:
    LoginPage(page).open().sign_in(email, demo.DEMO_PASSWORD)
    for path in PAGES[email]:
        page.goto(path)
        assert page.get_by_role("heading", level=1).count() == 1, path
        assert horizontal_overflow(page) == 0, path
        assert small_tap_targets(page) == [], path
        assert serious_axe_violations(page) == [], path


def test_a_form_error_and_a_new_school_without_javascript(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(
        java_script_enabled=False,
        base_url=live_server,
        viewport={"width": 768, "height": 1024},
    )
    page = context.new_page()
    LoginPage(page).open().sign_in(ADMIN, demo.DEMO_PASSWORD)
    page.goto("/admin/schools/new")
    page.get_by_label("Level").select_option("high")
    page.get_by_role("button", name="Create school").click()
    assert page.locator("#name-error").inner_text() == "This is required."
    assert page.get_by_label("Level").input_value() == "high"
    page.get_by_label("School name").fill("Willow Creek High")
    page.get_by_role("button", name="Create school").click()
    page.wait_for_url("**/admin/schools?saved=school-created")
    assert page.get_by_role("status").inner_text() == "School created."
    assert page.get_by_role("link", name="Willow Creek High", exact=True).count() == 1
    context.close()
