"""The offline observation screen at tablet sizes: a new observation with bad input shows the
errors in place and saves nothing; every screen is readable, tappable and passes axe-core."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from server.roster import demo
from tests.e2e.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT
from tests.e2e.pages import (
    CapturePage,
    LoginPage,
    horizontal_overflow,
    serious_axe_violations,
    small_tap_targets,
)

COACH = f"daniel.okafor@{demo.DEMO_DOMAIN}"
TEACHER = "Ben Carter (Birchwood Elementary)"
NCTM = "NCTM Mathematics Teaching Practices"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
OUTBOX_ROWS = """() => new Promise((resolve, reject) => {
    const req = indexedDB.open("cadence");
    req.onsuccess = () => {
        const count = req.result.transaction("outbox").objectStore("outbox").count();
        count.onsuccess = () => resolve(count.result);
    };
    req.onerror = () => reject(req.error);
})"""


def _check(page: Page, name: str) -> None:
    assert page.get_by_role("heading", level=1).count() == 1, name
    assert horizontal_overflow(page) == 0, name
    assert small_tap_targets(page) == [], name
    assert serious_axe_violations(page) == [], name
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"capture-{name}.png"), full_page=True)


def _sign_in(page: Page) -> CapturePage:
    LoginPage(page).open().sign_in(COACH, demo.DEMO_PASSWORD)
    capture = CapturePage(page).open()
    page.get_by_role("link", name="Observe Ben Carter").wait_for()
    return capture


def test_new_observation_with_bad_input_shows_errors_in_place_and_saves_nothing(
    page: Page,
) -> None:
    capture = _sign_in(page)
    page.goto("/capture?new=1")
    capture.ready()
    page.get_by_label("Date and time").fill("")
    page.get_by_role("button", name="Start observing").click()
    errors = page.locator(".field-error").all_inner_texts()
    assert errors == [
        "Choose the teacher you are observing.",
        "Give the date and time of the lesson.",
        "Choose a grade.",
        "Choose at least one rubric.",
    ]
    expect(page.get_by_label("Teacher")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Teacher")).to_be_focused()
    assert page.evaluate(OUTBOX_ROWS) == 0
    assert "new=1" in page.url

    page.get_by_label("Teacher").select_option(label=TEACHER)  # fix one: the rest stay
    page.get_by_role("button", name="Start observing").click()
    assert len(page.locator(".field-error").all_inner_texts()) == 3
    assert page.evaluate(OUTBOX_ROWS) == 0


@pytest.mark.parametrize(
    ("size", "name"), [(TABLET_PORTRAIT, "portrait"), (TABLET_LANDSCAPE, "landscape")]
)
def test_capture_screens_are_readable_tappable_and_accessible(
    page: Page, size: dict[str, int], name: str
) -> None:
    page.set_viewport_size(size)  # type: ignore[arg-type]
    capture = _sign_in(page)
    page.goto("/capture?new=1")
    capture.ready()
    _check(page, f"new-{name}")
    capture.start(TEACHER, [NCTM], "6", f"Ratios ({name})")
    page.get_by_role("button", name="Finalize observation").click()
    expect(page.locator("#problems")).to_contain_text("Score these first")
    _check(page, f"observe-{name}")
    page.goto("/capture")
    capture.ready()
    expect(page.get_by_role("list", name="Observations on this tablet")).to_contain_text(
        "Ben Carter"
    )
    _check(page, f"home-{name}")
    page.goto("/offline")
    _check(page, f"offline-{name}")
