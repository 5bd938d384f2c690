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


STORAGE_STUBS = """
window.__storage = {persistAsked: 0, full: false};
navigator.storage.persist = async () => { window.__storage.persistAsked += 1; return true; };
navigator.storage.persisted = async () => false;
navigator.storage.estimate = async () => ({usage: 950e6, quota: 1000e6});
const put = IDBObjectStore.prototype.put;
IDBObjectStore.prototype.put = function (...args) {
    if (window.__storage.full && this.name === "outbox") {
        throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
    }
    return put.apply(this, args);
};
"""


def test_full_storage_is_reported_in_place_and_nothing_typed_is_lost(page: Page) -> None:
    page.add_init_script(STORAGE_STUBS)
    capture = _sign_in(page)
    assert page.evaluate("window.__storage.persistAsked") >= 1  # persistent storage asked
    capture.wait_for_status("Storage almost full: 950 MB of 1000 MB used")

    page.goto("/capture?new=1")
    capture.ready()
    page.evaluate("window.__storage.full = true")
    page.get_by_label("Teacher").select_option(label=TEACHER)
    page.get_by_role("checkbox", name=NCTM).check()
    page.get_by_label("Grade").select_option("3")
    page.get_by_label("Course or unit").fill("Kept while the tablet is full")
    page.get_by_role("button", name="Start observing").click()
    expect(page.get_by_role("alert")).to_contain_text("Not saved: this tablet's storage is full")
    assert "new=1" in page.url
    expect(page.get_by_label("Course or unit")).to_have_value("Kept while the tablet is full")
    assert page.evaluate(OUTBOX_ROWS) == 0

    page.evaluate("window.__storage.full = false")  # space freed: the same form saves
    page.get_by_role("button", name="Start observing").click()
    page.wait_for_url("**/capture?obs=*")
    capture.ready()
    expect(page.get_by_role("heading", level=1)).to_have_text("Observing Ben Carter")
    expect(page.locator(".lede")).to_contain_text("Kept while the tablet is full")
