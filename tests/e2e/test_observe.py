"""A coach observes a lesson in the coach's app, online: from the caseload to a new
observation, the lesson timer and notes stamped with its minute and tagged to dimensions,
level taps (item means, "not observed"), evidence, tallies with undo, a reload half way,
finalize naming what is missing, finalize, share, and a change after finalizing kept as a
revision. In portrait and landscape; every screen passes axe-core, has 44 px tap targets and
never scrolls sideways. Without JavaScript the coach gets a page that says so."""

import pytest
from playwright.sync_api import Page, expect

from server.roster import demo
from tests.e2e.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT
from tests.e2e.pages import (
    CoachApp,
    LoginPage,
    ObservationScreen,
    check_screen,
)

COACH = f"maria.lopez@{demo.DEMO_DOMAIN}"
# The shipped rubrics (rubrics/*.yaml), registered when the app starts.
NCTM = "NCTM Mathematics Teaching Practices"
IQA = "Instructional Quality Assessment (IQA), mathematics lesson observation"
DEMAND = "Cognitive demand of the task"
POSED, ENACTED = "Task as posed", "Task as enacted"


def _check(page: Page, name: str) -> None:
    check_screen(page, f"observe-{name}")


def _signed_in(page: Page) -> CoachApp:
    LoginPage(page).open().sign_in(COACH, demo.DEMO_PASSWORD)
    app = CoachApp(page).open("/caseload")
    page.get_by_role("link", name="Ana Torres", exact=True).wait_for()
    return app


@pytest.mark.parametrize(
    ("size", "name", "rubrics", "evidence_for", "tally"),
    [
        (TABLET_PORTRAIT, "portrait", [NCTM], "Pose purposeful questions", "Probing thinking"),
        (TABLET_LANDSCAPE, "landscape", [IQA, DEMAND], POSED, None),
    ],
)
def test_coach_observes_scores_reloads_finalizes_shares_and_revises(
    page: Page,
    size: dict[str, int],
    name: str,
    rubrics: list[str],
    evidence_for: str,
    tally: str | None,
) -> None:
    page.set_viewport_size(size)  # type: ignore[arg-type]
    page.clock.install()  # real time flows; fast_forward moves the lesson on
    app = _signed_in(page)
    _check(page, f"caseload-{name}")
    new = app.new_observation("Ana Torres")
    _check(page, f"new-{name}")
    obs = new.start(rubrics, grade="4", course_unit=f"Fractions ({name})")
    assert app.heading == "Observing Ana Torres"
    units = obs.units()
    half = len(units) // 2
    assert half >= 1
    assert obs.scored() == f"0 of {len(units)} scored"

    obs.start_timer()
    page.clock.fast_forward("03:10")
    first_dimension = (page.locator("#note-tags label").first.text_content() or "").strip()
    obs.add_note("Students compare two strategies at the board", tags=[first_dimension])
    for unit in units[:half]:
        obs.tap_unit(unit, index=2)
    expect(page.locator(".observe-bar .scored")).to_have_text(f"{half} of {len(units)} scored")
    obs.write_evidence(evidence_for, "Asked: how do you know? Why does that work?")
    if tally:
        obs.tap_tally(tally)
        obs.tap_tally(tally)
        obs.tap_tally(tally, undo=True)
        assert obs.tally(tally) == 1
        # NCTM: a practice scored by its look-fors shows their mean.
        mean = page.locator("p.mean").first
        expect(mean).to_contain_text("Mean of items:")
        expect(mean.locator("strong")).not_to_have_text("\u2013")
    else:  # IQA: "not observed" where the scale allows it
        no = page.locator("button.level-no").first
        no.click()
        expect(no).to_have_attribute("aria-pressed", "true")
    _check(page, f"scoring-{name}-half")
    [line] = obs.note_lines()
    assert "min 3" in line and first_dimension in line

    # A reload half way loses nothing: taps, the note and its minute, evidence, the timer.
    chosen = obs.chosen()
    obs.reload()
    assert obs.chosen() == chosen
    assert obs.notes() == ["Students compare two strategies at the board"]
    assert "min 3" in obs.note_lines()[0]
    assert obs.evidence(evidence_for) == "Asked: how do you know? Why does that work?"
    assert obs.timer_running()
    expect(page.locator("#timer .timer-clock")).to_contain_text("3:")
    if tally:
        assert obs.tally(tally) == 1

    # Finalize refuses while dimensions are missing, and names them.
    obs.finalize()
    missing = obs.missing()
    assert missing, "finalize should list what is missing"
    expect(page.locator("#missing")).to_contain_text("Not finalized yet")
    _check(page, f"scoring-{name}-refused")

    for unit in obs.units():
        if page.locator(f'#{unit} button[aria-pressed="true"]').count() == 0:
            obs.tap_unit(unit, index=1)
    obs.finalize()
    obs.wait_final()
    assert obs.status_badge() == "Final"
    assert not obs.timer_running()  # finalizing stops the lesson timer
    obs.share("Ana Torres")
    app.wait_for_status("All changes saved")
    obs.reload()
    expect(page.locator("#finish")).to_contain_text("Shared with Ana Torres on")

    # A change after finalizing is kept as a revision, shown with who and what.
    obs.tap_unit(units[0], index=0)
    app.wait_for_status("All changes saved")
    page.wait_for_timeout(300)  # the pull after the push brings the revision
    obs.reload()
    revisions = page.locator("#revisions")
    revisions.locator("summary").click()
    rows = revisions.locator("tbody tr")
    expect(rows).to_have_count(2, timeout=10_000)  # the share, then the score (newest first)
    expect(rows.first).to_contain_text("Maria Lopez")
    expect(rows.first).to_contain_text("Score: ")
    expect(rows.nth(1)).to_contain_text("Shared with the teacher")
    _check(page, f"scoring-{name}-final")


def test_new_observation_with_bad_input_shows_errors_in_place_and_saves_nothing(
    page: Page,
) -> None:
    app = _signed_in(page)
    new = app.new_observation("Ana Torres")
    page.get_by_label("Date and time of the lesson").fill("")
    page.get_by_label("Class size (optional)").fill("400")
    page.get_by_role("button", name="Start observing").click()
    errors = page.locator(".field-error").all_inner_texts()
    assert "Choose at least one rubric." in errors
    assert "Give the date and time of the lesson." in errors
    assert "Choose a grade." in errors
    assert "A whole number from 1 to 200." in errors
    expect(page.get_by_label("Grade")).to_have_attribute("aria-invalid", "true")
    assert "/observations/new" in page.url
    assert page.evaluate(OUTBOX_ROWS) == 0
    new.fill([DEMAND], "5", "Still here")  # fixing some keeps the rest in place
    page.get_by_role("button", name="Start observing").click()
    assert len(page.locator(".field-error").all_inner_texts()) == 2
    expect(page.get_by_label("Course or unit")).to_have_value("Still here")
    assert page.evaluate(OUTBOX_ROWS) == 0


OUTBOX_ROWS = """() => new Promise((resolve, reject) => {
    const req = indexedDB.open("cadence");
    req.onsuccess = () => {
        const count = req.result.transaction("outbox").objectStore("outbox").count();
        count.onsuccess = () => resolve(count.result);
    };
    req.onerror = () => reject(req.error);
})"""

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
    app = _signed_in(page)
    assert page.evaluate("window.__storage.persistAsked") >= 1  # persistent storage asked
    app.wait_for_status("Storage almost full: 950 MB of 1000 MB used")
    new = app.new_observation("Ana Torres")
    page.evaluate("window.__storage.full = true")
    new.fill([DEMAND], "3", "Kept while the tablet is full")
    page.get_by_role("button", name="Start observing").click()
    expect(page.get_by_role("alert")).to_contain_text("Not saved: this tablet's storage is full")
    assert "/observations/new" in page.url
    expect(page.get_by_label("Course or unit")).to_have_value("Kept while the tablet is full")
    assert page.evaluate(OUTBOX_ROWS) == 0

    page.evaluate("window.__storage.full = false")  # space freed: the same form saves
    page.get_by_role("button", name="Start observing").click()
    page.wait_for_url("**/observe/*")
    ObservationScreen(page).reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Observing Ana Torres")
    expect(page.locator(".lede")).to_contain_text("Kept while the tablet is full")


def test_without_javascript_the_coach_is_told_the_app_needs_it(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(
        java_script_enabled=False, base_url=live_server, viewport=TABLET_PORTRAIT
    )
    page = context.new_page()
    LoginPage(page).open().sign_in(COACH, demo.DEMO_PASSWORD)
    for path in ("/week", "/caseload", "/observe"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text("Cadence needs JavaScript here")
        assert page.get_by_role("button", name="Start observing").count() == 0
    context.close()
