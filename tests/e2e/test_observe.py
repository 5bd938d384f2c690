"""A coach observes a lesson on a tablet: creates, scores with taps only, writes a note and
evidence, reloads half way, is refused a finalize with gaps, then finalizes. In portrait and
landscape; the scoring page passes axe-core and never scrolls sideways."""

from pathlib import Path

import pytest
from playwright.sync_api import Page

from server.roster import demo
from tests.e2e.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT
from tests.e2e.pages import (
    LoginPage,
    ObservationPage,
    TeacherPage,
    horizontal_overflow,
    serious_axe_violations,
    small_tap_targets,
)

COACH = f"maria.lopez@{demo.DEMO_DOMAIN}"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
# The shipped rubrics (rubrics/*.yaml), registered when the app starts.
NCTM = "NCTM Mathematics Teaching Practices"
IQA = "Instructional Quality Assessment (IQA), mathematics lesson observation"
DEMAND = "Cognitive demand of the task"


def _shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _start(page: Page, rubrics: list[str], course: str) -> ObservationPage:
    LoginPage(page).open().sign_in(COACH, demo.DEMO_PASSWORD)
    teacher = TeacherPage(page).open_from_caseload("Ana Torres")
    assert page.get_by_role("heading", level=1).inner_text() == "Ana Torres"
    return teacher.new_observation().start(rubrics, grade="4", course_unit=course)


@pytest.mark.parametrize(
    ("size", "name", "rubrics", "evidence_for", "tally"),
    [
        (TABLET_PORTRAIT, "portrait", [NCTM], "Pose purposeful questions", "Probing"),
        (TABLET_LANDSCAPE, "landscape", [IQA, DEMAND], "Potential of the task", None),
    ],
)
def test_coach_observes_scores_with_taps_reloads_and_finalizes(
    page: Page,
    size: dict[str, int],
    name: str,
    rubrics: list[str],
    evidence_for: str,
    tally: str | None,
) -> None:
    page.set_viewport_size(size)  # type: ignore[arg-type]
    obs = _start(page, rubrics, course=f"Fractions ({name})")
    assert page.get_by_role("heading", level=1).inner_text() == "Observing Ana Torres"
    units = obs.units()
    half = len(units) // 2
    assert half >= 1

    obs.start_timer()
    for unit in units[:half]:
        obs.tap_level(unit, index=2)
    obs.add_note("Students compare two strategies at the board")
    obs.write_evidence(evidence_for, "Asked: how do you know? Why does that work?")
    if tally:
        obs.tap_tally(tally)
    _shoot(page, f"observe-{name}-half")
    assert horizontal_overflow(page) == 0
    assert serious_axe_violations(page) == []
    assert small_tap_targets(page) == []

    # A reload half way loses nothing: taps, the note, evidence, the running timer.
    obs.reload()
    assert obs.chosen() == half
    assert obs.notes() == ["Students compare two strategies at the board"]
    assert obs.evidence(evidence_for) == "Asked: how do you know? Why does that work?"
    assert obs.timer_running()

    # Finalize refuses while dimensions are missing, and names them.
    obs.finalize()
    missing = obs.missing()
    assert missing, "finalize should list what is missing"
    assert page.get_by_text("Not finalized").is_visible()
    _shoot(page, f"observe-{name}-refused")

    for unit in obs.units()[half:]:
        obs.tap_level(unit, index=1)
    obs.finalize()
    assert page.get_by_role("status").filter(has_text="Observation finalized").is_visible()
    assert page.locator(".badge-final").first.is_visible()
    assert obs.chosen() == len(units)
    _shoot(page, f"observe-{name}-final")
    assert horizontal_overflow(page) == 0


def test_scoring_works_without_javascript(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(
        java_script_enabled=False, base_url=live_server, viewport=TABLET_PORTRAIT
    )
    page = context.new_page()
    obs = _start(page, [DEMAND], course="No JS")
    first = obs.units()[0]
    page.locator(f"#{first} button.level").nth(3).click()  # a plain form post and redirect
    page.wait_for_load_state("domcontentloaded")
    assert obs.chosen() == 1
    page.locator("#note-text").fill("Written without JavaScript")
    page.get_by_role("button", name="Add note").click()
    page.wait_for_load_state("domcontentloaded")
    assert obs.notes() == ["Written without JavaScript"]
    context.close()
