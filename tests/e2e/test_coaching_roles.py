"""Coaching seen by the teacher, the principal and the district admin, on a tablet: the teacher
reflects on a check-in, writes the progress and shares the cycle's summary; the principal then
sees that summary and the dosage counts, and none of the pair's notes, commitments or the
reflection; the district admin's export and audit log. Every page passes axe-core, has no
tap target under 44px and never scrolls sideways, in portrait and landscape."""

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlmodel import Session

from server.accounts import service as accounts_service
from server.config import Settings
from server.db import make_engine
from server.main import create_app
from server.roster import demo
from server.roster import service as roster_service
from server.rubrics import service as rubrics_service
from tests.e2e.coaching_pages import (
    AuditLogPage,
    CoachingExportPage,
    MyCoachingPage,
    SchoolCoachingPage,
)
from tests.e2e.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT, demo_app_database, serve
from tests.e2e.pages import (
    LoginPage,
    horizontal_overflow,
    serious_axe_violations,
    small_tap_targets,
)
from tests.factories import create_check_in, create_commitment, create_cycle, create_observation

COACH = f"maria.lopez@{demo.DEMO_DOMAIN}"
TEACHER = f"ana.torres@{demo.DEMO_DOMAIN}"
PRINCIPAL = f"grace.kim@{demo.DEMO_DOMAIN}"
ADMIN = f"admin@{demo.DEMO_DOMAIN}"
SCHOOL = "Cedar Elementary"
FOCUS = "Pose purposeful questions"
GOAL = "80% of students justify an answer to a 'why' question in writing"
NOTES = "Marcus froze at the board; talk to him privately about it"
NOTICED = "Most answers named a procedure, not a reason"
COMMITMENT = "Ask two why-questions in Monday's launch"
REFLECTION = "I answered my own questions too fast; I will count to five"
PROGRESS = "More students now explain why, not only how"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
SIZES = {"portrait": TABLET_PORTRAIT, "landscape": TABLET_LANDSCAPE}


def _seed(session: Session, settings: Settings) -> None:
    """Maria Lopez's cycle with Ana Torres: two weeks in, one check-in with notes and a
    commitment now overdue, and one observation of Ana."""
    rubrics_service.sync_configured_rubrics(session=session, settings=settings)
    coach = accounts_service.get_user_by_email(session=session, email=COACH)
    user = accounts_service.get_user_by_email(session=session, email=TEACHER)
    assert coach is not None and user is not None and user.id is not None
    ana = roster_service.teacher_for_user(session=session, user_id=user.id)
    assert ana is not None
    today = date.today()
    first_day = demo.school_year_bounds(today.year if today.month >= 8 else today.year - 1)[1]
    start = max(today - timedelta(days=14), first_day)
    cycle = create_cycle(
        session, coach, ana, focus=("nctm-practices", "questions"), goal=GOAL, start=start,
        evidence_plan="Friday exit tickets",
    )  # fmt: skip
    check_in = create_check_in(
        session, coach, cycle, on=start, notes=NOTES, noticed=NOTICED,
        evidence_examined="Exit tickets", will_try="Wait time", look_for_next="Reasons",
    )  # fmt: skip
    create_commitment(session, coach, check_in, text=COMMITMENT, due_date=today - timedelta(1))
    nctm = [
        v for v in rubrics_service.list_current(session=session) if v.rubric_id == "nctm-practices"
    ]
    create_observation(session, coach, ana, nctm)
    session.commit()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # Without the demo's coaching history: this test counts its own cycle's summary and dosage.
    url, settings = demo_app_database(tmp_path_factory.mktemp("coaching-roles"), coaching=False)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        _seed(session, settings)
    engine.dispose()
    with serve(create_app(settings)) as base:
        yield base


def _signed_in(browser: Browser, server: str, email: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport=TABLET_PORTRAIT, base_url=server)
    page = context.new_page()
    LoginPage(page).open().sign_in(email, demo.DEMO_PASSWORD)
    return context, page


def _check(page: Page, name: str) -> None:
    """Readable and tappable at both tablet sizes, accessible; a screenshot of each."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        assert page.get_by_role("heading", level=1).count() == 1, name
        assert horizontal_overflow(page) == 0, (name, size)
        assert small_tap_targets(page) == [], (name, size)
        assert serious_axe_violations(page) == [], (name, size)
        page.screenshot(path=str(SCREENSHOTS / f"coaching-{name}-{size}.png"), full_page=True)
    page.set_viewport_size(TABLET_PORTRAIT)


def test_a_teacher_shares_a_summary_and_the_principal_sees_only_that(
    browser: Browser, server: str
) -> None:
    context, page = _signed_in(browser, server, TEACHER)
    page.wait_for_url("**/my-coaching")
    mine = MyCoachingPage(page)
    assert mine.cycles() == [FOCUS]
    assert mine.goals() == [GOAL]
    assert mine.overdue_commitments() == [COMMITMENT]
    _check(page, "teacher-home")

    cycle = mine.open_cycle(FOCUS)
    assert len(cycle.check_in_headings()) == 1
    expect(page.get_by_text(NOTES)).to_be_visible()
    cycle.reflect("   ")  # nothing written: refused in place, the page stays
    assert cycle.reflection_error() == "Reflection: Write your reflection first."
    expect(page.get_by_label("Reflection on this check-in")).to_have_attribute(
        "aria-invalid", "true"
    )
    cycle.reflect(REFLECTION)
    cycle.reflection_saved()
    cycle.write_progress(PROGRESS)
    preview = cycle.what_the_principal_would_see()
    for shown in (FOCUS, GOAL, PROGRESS, "Active"):
        assert shown in preview
    for private in (NOTES, NOTICED, COMMITMENT, REFLECTION):
        assert private not in preview
    cycle.share_with_principal()
    page.reload()
    assert cycle.reflection() == REFLECTION
    assert cycle.sharing().startswith("Shared since")
    _check(page, "teacher-cycle")
    context.close()

    context, page = _signed_in(browser, server, PRINCIPAL)
    school = SchoolCoachingPage(page).open_from_school(SCHOOL)
    assert school.teachers_who_shared() == ["Ana Torres"]
    summary = school.summaries_of("Ana Torres")
    for shown in (FOCUS, GOAL, PROGRESS, "Active"):
        assert shown in summary
    html = page.content()
    for private in (NOTES, NOTICED, COMMITMENT, REFLECTION, "Friday exit tickets", "Wait time"):
        assert private not in school.text() and private not in html, private
    check_ins, observations = school.dosage("Ana Torres")
    assert sum(check_ins) == 1 and observations[-1] == 1
    assert sum(school.dosage("Ben Carter")[0]) == 0
    _check(page, "principal")
    context.close()


def test_the_district_admin_exports_and_reads_the_audit_log(browser: Browser, server: str) -> None:
    context, page = _signed_in(browser, server, ADMIN)
    export = CoachingExportPage(page).open()
    _check(page, "admin-export")
    # A missing confirmation is named in place (a plain form post, no script needed).
    page.get_by_role("button", name="Download the coaching export (CSV)").click()
    expect(page.locator("#confirm-error")).to_contain_text("Tick this to confirm")
    assert export.download() == f"cadence-coaching-export-{date.today().isoformat()}.csv"
    audit = AuditLogPage(page).open()
    audit.filter_action("Export")
    assert audit.actions() == ["Export"]
    assert audit.people() == [
        page.locator(".who").inner_text().removesuffix("(my account)").strip()
    ]
    audit.open()
    _check(page, "admin-audit")
    context.close()
