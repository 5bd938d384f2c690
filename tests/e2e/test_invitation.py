"""A principal gives a roster teacher a login: the teacher, not the principal, chooses the
password from the mailed link, and lands on their own coaching. Then the teacher changes
the password on their account page. Both tablet sizes, axe, tap targets; screenshots."""

from pathlib import Path

from playwright.sync_api import Browser
from sqlmodel import Session, col, select

from server.db import make_engine
from server.main import create_app
from server.roster import demo
from server.roster.models import School, Teacher
from tests.e2e.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT, demo_app_database, serve
from tests.e2e.pages import LoginPage, serious_axe_violations, small_tap_targets
from tests.mailbox import invitation_token

PRINCIPAL = f"grace.kim@{demo.DEMO_DOMAIN}"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


def check(page, name: str) -> None:  # type: ignore[no-untyped-def]
    for size, viewport in (("portrait", TABLET_PORTRAIT), ("landscape", TABLET_LANDSCAPE)):
        page.set_viewport_size(viewport)
        assert small_tap_targets(page) == [], (name, size)
        assert serious_axe_violations(page) == [], (name, size)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"account-{name}-{size}.png"), full_page=True)
    page.set_viewport_size(TABLET_PORTRAIT)


def test_a_roster_teacher_chooses_their_own_password(browser: Browser, tmp_path: Path) -> None:
    url, settings = demo_app_database(tmp_path)
    engine = make_engine(url)
    with Session(engine) as session:
        cedar = session.exec(select(School).where(School.name == "Cedar Elementary")).one()
        roster = session.exec(
            select(Teacher)
            .where(Teacher.school_id == cedar.id, col(Teacher.user_id).is_(None))
            .order_by(col(Teacher.id))
        ).first()
        assert roster is not None and roster.email
        name, email = roster.name, roster.email
    engine.dispose()
    with serve(create_app(settings)) as base:
        principal = browser.new_context(viewport=TABLET_PORTRAIT, base_url=base)
        page = principal.new_page()
        LoginPage(page).open().sign_in(PRINCIPAL, demo.DEMO_PASSWORD)
        page.goto("/admin/people/new")
        assert page.get_by_label("Password").count() == 0
        page.get_by_label("Full name").fill(name)
        page.get_by_label("Email").fill(email)
        page.get_by_label("Role").select_option("teacher")
        page.get_by_label("School").select_option(str(cedar.id))
        page.get_by_role("button", name="Create and send the invitation").click()
        page.wait_for_url("**saved=person-invited")
        assert f"Waiting for {name} to choose a password" in page.content()
        check(page, "invited")
        principal.close()

        teacher = browser.new_context(viewport=TABLET_PORTRAIT, base_url=base)
        page = teacher.new_page()
        page.goto(f"/invitations/{invitation_token(settings, email)}")
        assert page.get_by_role("heading", level=1).inner_text() == "Choose your password"
        check(page, "choose-password")
        page.get_by_label("Password", exact=True).fill("my-very-own-pass")
        page.get_by_label("Password again").fill("my-very-own-pass")
        page.get_by_role("button", name="Set my password and sign in").click()
        page.wait_for_url("**/my-coaching")

        page.get_by_role("link", name=f"{name} (my account)").click()
        page.wait_for_url("**/account")
        page.get_by_label("Current password").fill("my-very-own-pass")
        page.get_by_label("New password", exact=True).fill("short")
        page.get_by_label("New password again").fill("short")
        page.get_by_role("button", name="Change password").click()
        assert "at least 10 characters" in page.locator("#new_password-error").inner_text()
        check(page, "change-password-error")
        page.get_by_label("Current password").fill("my-very-own-pass")
        page.get_by_label("New password", exact=True).fill("changed-again-pass")
        page.get_by_label("New password again").fill("changed-again-pass")
        page.get_by_role("button", name="Change password").click()
        page.wait_for_url("**/account?changed=password")
        assert "Password changed" in page.locator("main [role=status]").inner_text()
        teacher.close()
