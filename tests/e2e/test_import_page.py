"""The roster upload page in the browser: errors listed in place, then a clean import."""

from pathlib import Path

from playwright.sync_api import Page

from server.roster import demo
from tests.e2e.pages import (
    LoginPage,
    horizontal_overflow,
    serious_axe_violations,
    small_tap_targets,
)

ADMIN = f"admin@{demo.DEMO_DOMAIN}"
GOOD = (
    "source_id,name,email,role,school,school_level,cohort,coach_email\n"
    "e2e-t1,Eve Example,eve.example@maplevalley.example,teacher,Cedar Elementary,,,\n"
)
BAD = (
    "source_id,name,email,role,school,school_level,cohort,coach_email\n"
    "e2e-x1,,not-an-email,wizard,Cedar Elementary,,,\n"
)


def _upload(page: Page, tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    page.get_by_label("Roster files").set_input_files(str(path))
    page.get_by_role("button", name="Check and import").click()
    page.wait_for_load_state("domcontentloaded")


def test_bad_file_lists_every_problem_then_a_good_file_imports(page: Page, tmp_path: Path) -> None:
    LoginPage(page).open().sign_in(ADMIN, demo.DEMO_PASSWORD)
    page.goto("/admin/roster/import")
    assert serious_axe_violations(page) == []
    assert small_tap_targets(page) == []

    _upload(page, tmp_path, "bad.csv", BAD)
    assert "Nothing was imported" in page.get_by_role("alert").inner_text()
    problems = page.get_by_role("table").inner_text()
    for column in ("name", "email", "role"):
        assert column in problems
    assert "bad.csv" in problems
    assert serious_axe_violations(page) == []
    assert horizontal_overflow(page) == 0

    _upload(page, tmp_path, "good.csv", GOOD)
    assert "Nothing was imported" not in page.content()
    page.goto("/admin/people")
    assert "Eve Example" in page.content()
