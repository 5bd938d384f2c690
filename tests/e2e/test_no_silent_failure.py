"""What makes a coach trust the screen in front of a teacher (issue 16, items 1-9): a bad field
never blocks the others and is never called saved, one tap finalizes, a double tap makes one
check-in, length limits are said where the person is, the scoring screen keeps its tools in
reach, far dates are questioned, the week leads with what is late, conflicts speak of this
tablet and the other one, and a date outside this year shows its year."""

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlmodel import Session, col, select

from server.accounts.models import User
from server.coaching.models import CheckIn, CoachingCycle, Commitment
from server.observations.models import Observation, ObservationStatus
from server.roster import demo
from server.roster import service as roster_service
from server.roster.models import Teacher
from server.rubrics import service as rubrics_service
from server.sync.models import SyncConflict
from tests.e2e.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT, logged_demo_server
from tests.e2e.conftest import LoggedServer as TrustServer
from tests.e2e.pages import (
    AXE_SOURCE,
    CoachApp,
    LoginPage,
    ObservationScreen,
    WeekPage,
    go_offline,
    go_online,
    wait_until_ready_offline,
)
from tests.factories import create_check_in, create_commitment, create_observation

COACH = f"maria.lopez@{demo.DEMO_DOMAIN}"
TEACHER_LOGIN = f"ana.torres@{demo.DEMO_DOMAIN}"
ANA = "Ana Torres"
DEMAND = "Cognitive demand of the task"
POSED = "Task as posed"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrustServer]:
    with logged_demo_server(tmp_path_factory.mktemp("trust")) as running:
        yield running


@pytest.fixture
def tablet(browser: Browser, server: TrustServer) -> Iterator[object]:
    """new_tablet(): a fresh browser profile (one device) at tablet size."""
    made: list[BrowserContext] = []

    def new_tablet() -> BrowserContext:
        context = browser.new_context(viewport=TABLET_PORTRAIT, base_url=server.url)
        made.append(context)
        return context

    yield new_tablet
    for context in made:
        context.close()


def _coach(context: BrowserContext) -> tuple[Page, CoachApp]:
    page = context.new_page()
    LoginPage(page).open().sign_in(COACH, demo.DEMO_PASSWORD)
    app = CoachApp(page).open("/caseload")
    wait_until_ready_offline(page)
    expect(page.get_by_text("Bringing your coaching records")).to_have_count(0, timeout=30_000)
    return page, app


def _observe(page: Page, course_unit: str) -> ObservationScreen:
    return CoachApp(page).new_observation(ANA).start([DEMAND], "4", course_unit)


def _details(page: Page) -> None:
    details = page.locator("#context")
    if details.get_attribute("open") is None:
        details.locator("summary").click()


def _type(page: Page, field_id: str, text: str) -> None:
    box = page.locator(f"#{field_id}")
    box.fill(text)
    box.blur()


def _in_view(page: Page, selector: str) -> bool:
    return bool(
        page.eval_on_selector(
            selector,
            "el => { const r = el.getBoundingClientRect();"
            " return r.bottom > 0 && r.top < window.innerHeight; }",
        )
    )


# --- 1. One bad field blocks nothing -------------------------------------------------------


@pytest.mark.parametrize("bad", ["0", "-3", "250"])
def test_1_a_bad_class_size_does_not_stop_the_other_details_and_is_never_called_saved(
    tablet: object, server: TrustServer, bad: str
) -> None:
    context = tablet()  # type: ignore[operator]
    page, app = _coach(context)
    obs = _observe(page, "Ratios")
    go_offline(context)
    _details(page)
    _type(page, "class_size", bad)
    expect(page.locator("#error-class_size")).to_contain_text("1 to 200")
    expect(page.locator("#field-class_size .save-status")).not_to_contain_text("Saved")
    _type(page, "course_unit", "Ratios, day 2")
    _type(page, "lesson_goal", "Compare two ratios with a table")
    expect(page.locator("#field-lesson_goal .save-status")).to_contain_text("Saved")
    status = page.locator("#sync-status .sync-text")
    expect(status).to_contain_text("1 field not saved")
    expect(status).not_to_contain_text("All changes saved")

    obs.reload()
    _details(page)
    expect(page.locator("#course_unit")).to_have_value("Ratios, day 2")
    expect(page.locator("#lesson_goal")).to_have_value("Compare two ratios with a table")
    # The refused value is kept on the tablet, with its reason, until it is fixed.
    expect(page.locator("#class_size")).to_have_value(bad)
    expect(page.locator("#error-class_size")).to_contain_text("1 to 200")
    _type(page, "class_size", "24")
    expect(page.locator("#error-class_size")).to_have_count(0)
    go_online(context)
    app.wait_for_status("All changes saved")
    with Session(server.engine) as session:
        row = session.get(Observation, uuid.UUID(obs.observation_id))
        assert row is not None
        assert (row.course_unit, row.lesson_goal, row.class_size) == (
            "Ratios, day 2",
            "Compare two ratios with a table",
            24,
        )


# --- 2. One tap finalizes ------------------------------------------------------------------


def test_2_one_tap_finalizes_offline_even_while_evidence_is_being_typed(
    tablet: object, server: TrustServer
) -> None:
    context = tablet()  # type: ignore[operator]
    page, app = _coach(context)
    obs = _observe(page, "One tap")
    go_offline(context)
    obs.start_timer()
    for unit in obs.units():
        obs.tap_unit(unit, index=2)
    # Evidence still being typed when Finalize is tapped: the tap that blurs it must count.
    page.get_by_label(f"Evidence for {POSED}", exact=True).fill("Students chose their own tool")
    obs.finalize()
    expect(page.locator("#finish-h")).to_have_text("Final", timeout=3_000)
    assert not obs.timer_running()  # finalizing stops the lesson timer (item 5)
    go_online(context)
    app.wait_for_status("All changes saved")
    with Session(server.engine) as session:
        row = session.get(Observation, uuid.UUID(obs.observation_id))
        assert row is not None and row.status == ObservationStatus.final
        assert row.timer_started_at is None


# --- 3. A double tap makes one check-in ----------------------------------------------------


def test_3_a_double_tap_on_save_makes_one_check_in_and_one_of_each_commitment(
    tablet: object, server: TrustServer
) -> None:
    context = tablet()  # type: ignore[operator]
    page, app = _coach(context)
    week = WeekPage(page).open()
    week.teacher_card(ANA).get_by_role(
        "link", name="Start this week's check-in", exact=False
    ).click()
    week.ready()
    step = f"Try a number talk {uuid.uuid4().hex[:6]}"
    page.get_by_label("Kind of meeting").select_option(index=1)
    row = page.locator("fieldset.commitment-row[data-row='1']")
    row.get_by_label("Next step").fill(step)
    row.get_by_label("The teacher").check()
    page.get_by_role("button", name="Save the check-in").dblclick()
    page.wait_for_url(lambda url: "check_in=" in url and "check_in=new" not in url)
    app.wait_for_status("All changes saved")
    with Session(server.engine) as session:
        made = session.exec(select(Commitment).where(Commitment.text == step)).all()
        assert len(made) == 1
        check_ins = session.exec(
            select(CheckIn).where(col(CheckIn.id) == made[0].check_in_id)
        ).all()
        assert len(check_ins) == 1
    # ... and the tablet holds one copy too.
    held = page.evaluate(
        """async (step) => (await Cadence.store.records(Cadence.sync.userId()))
            .filter(r => r.entity === "commitment" && r.view && r.view.text === step).length""",
        step,
    )
    assert held == 1


# --- 4. Length limits are said, where the person is ----------------------------------------


def test_4_a_reflection_over_the_limit_says_the_limit_next_to_the_box_and_keeps_the_text(
    tablet: object, server: TrustServer
) -> None:
    with Session(server.engine) as session:
        coach = session.exec(select(User).where(User.email == COACH)).one()
        ana = session.exec(select(Teacher).where(Teacher.name == ANA)).one()
        rubric = next(v for v in rubrics_service.list_current(session=session) if v.title == DEMAND)
        obs = create_observation(session, coach, ana, [rubric], shared_with_teacher=True)
        session.commit()
        obs_id = obs.id
    page = tablet().new_page()  # type: ignore[operator]
    LoginPage(page).open().sign_in(TEACHER_LOGIN, demo.DEMO_PASSWORD)
    page.goto(f"/observations/{obs_id}")
    text = "I noticed " + "x" * 15_990
    page.get_by_label("Reflection", exact=True).fill(text)
    page.get_by_role("button", name="Save reflection").click()
    error = page.locator("#text-error")
    expect(error).to_contain_text("10,000")
    expect(error).to_contain_text("16,000")
    assert "first" not in error.inner_text()
    assert _in_view(page, "#text-error")
    expect(page.get_by_label("Reflection", exact=True)).to_have_value(text)


def test_4_notes_and_evidence_over_their_limits_are_refused_with_the_limit_never_cut(
    tablet: object, server: TrustServer
) -> None:
    context = tablet()  # type: ignore[operator]
    page, _app = _coach(context)
    obs = _observe(page, "Long words")
    note = "n" * 2_500
    page.locator("#note-text").fill(note)
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#error-note-text")).to_contain_text("2,000")
    expect(page.locator("#note-text")).to_have_value(note)
    assert obs.notes() == []
    evidence = "e" * 10_500
    box = page.get_by_label(f"Evidence for {POSED}", exact=True)
    box.fill(evidence)
    box.blur()
    expect(page.locator(".evidence .field-error").first).to_contain_text("10,000")
    obs.reload()
    expect(box).to_have_value(evidence)  # refused, and still here after a reload
    expect(page.locator(".evidence .field-error").first).to_contain_text("10,000")


# --- 5. The scoring screen keeps its tools in reach ----------------------------------------


def test_5_the_scoring_bar_keeps_count_timer_notes_and_finish_in_reach(
    tablet: object, server: TrustServer
) -> None:
    context = tablet()  # type: ignore[operator]
    page, _app = _coach(context)
    obs = _observe(page, "In reach")
    obs.start_timer()
    units = obs.units()
    bar = page.locator("#observe-bar")
    expect(bar.locator(".scored")).to_have_text(f"0 of {len(units)} scored")
    obs.tap_unit(units[-1], index=1)
    expect(bar.locator(".scored")).to_have_text(f"1 of {len(units)} scored")
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    assert _in_view(page, "#observe-bar")
    expect(bar.locator(".timer-clock")).to_be_visible()  # the lesson time, from anywhere
    bar.get_by_role("link", name="Timer and notes").click()
    expect(page.locator("#note-text")).to_be_in_viewport()
    for unit in units[:-1]:
        obs.tap_unit(unit, index=1)
    bar.get_by_role("button", name="Finalize").click()
    obs.wait_final()
    assert not obs.timer_running()
    share = page.locator("#finish").get_by_role("button", name=f"Share with {ANA}")
    expect(share).to_be_visible()
    expect(bar.get_by_role("button", name=f"Share with {ANA}")).to_be_visible()


# --- 6. Far dates are questioned; outside the assignment is refused --------------------------


def test_6_far_dates_are_questioned_and_a_check_in_outside_the_assignment_is_refused(
    tablet: object, server: TrustServer
) -> None:
    context = tablet()  # type: ignore[operator]
    page, _app = _coach(context)
    CoachApp(page).new_observation(ANA)
    page.locator("#observed_at").fill("2099-03-04T10:00")
    page.locator("#observed_at").blur()
    expect(page.locator("#warning-observed_at")).to_contain_text("2099")
    obs = _observe(page, "Dates")
    _details(page)
    page.locator("#observed_at").fill("1999-03-04T10:00")
    page.locator("#observed_at").dispatch_event("change")
    expect(page.locator("#warning-observed_at")).to_contain_text("1999")
    assert obs.observation_id

    week = WeekPage(page).open()
    week.teacher_card(ANA).get_by_role(
        "link", name="Start this week's check-in", exact=False
    ).click()
    week.ready()
    page.get_by_label("Kind of meeting").select_option(index=1)
    due = page.locator("#due-1")
    due.fill("1900-01-01")
    due.blur()
    expect(page.locator("#warning-due-1")).to_contain_text("1900")
    page.get_by_label("Date", exact=True).fill("2001-09-10")
    page.get_by_role("button", name="Save the check-in").click()
    error = page.locator("#error-date")
    expect(error).to_contain_text("in your caseload")
    expect(error).to_contain_text("2001")
    assert "check_in=new" in page.url  # refused on the form, nothing saved


# --- 7. The week leads with what is late -----------------------------------------------------


def test_7_the_week_puts_overdue_first_and_its_summary_links_there(
    tablet: object, server: TrustServer
) -> None:
    step = "Bring three student samples"
    with Session(server.engine) as session:
        coach = session.exec(select(User).where(User.email == COACH)).one()
        assert coach.id is not None
        last = roster_service.caseload(session=session, coach_id=coach.id, on=date.today())[-1]
        cycle = session.exec(
            select(CoachingCycle)
            .where(CoachingCycle.teacher_id == last.teacher.id)
            .order_by(col(CoachingCycle.start_date).desc())
        ).first()
        assert cycle is not None
        check_in = create_check_in(session, coach, cycle)
        create_commitment(
            session, coach, check_in, text=step, due_date=date.today() - timedelta(days=3)
        )
        session.commit()
        late_name = last.teacher.name
    context = tablet()  # type: ignore[operator]
    page, _app = _coach(context)
    WeekPage(page).open()
    cards = page.locator("li.tile")
    late = [i for i in range(cards.count()) if cards.nth(i).locator(".overdue").count()]
    assert late == list(range(len(late))), "what is overdue comes first"
    assert late_name in [cards.nth(i).get_by_role("heading").inner_text() for i in late]
    link = page.locator(".week-summary a", has_text="commitment").first
    target = (link.get_attribute("href") or "").split("#")[1]
    link.click()
    expect(page.locator(f"#{target}")).to_be_in_viewport()
    expect(page.locator(f"#{target} .overdue").first).to_be_visible()
    teacher = _teacher_id(server, ANA)
    CoachApp(page).open(f"/teachers/{teacher}")
    expect(page.get_by_role("link", name="Ana\u2019s growth")).to_have_attribute(
        "href", f"/teachers/{teacher}/growth"
    )


def _teacher_id(server: TrustServer, name: str) -> int:
    with Session(server.engine) as session:
        teacher = session.exec(select(Teacher).where(Teacher.name == name)).one()
        assert teacher.id is not None
        return teacher.id


# --- 8. Conflicts speak of this tablet and the other one ------------------------------------


def test_8_a_conflict_names_this_tablet_and_the_other_and_shows_level_names(
    tablet: object, server: TrustServer
) -> None:
    one, two = tablet(), tablet()  # type: ignore[operator]
    page1, app1 = _coach(one)
    obs1 = _observe(page1, "Two tablets")
    obs_id = obs1.observation_id
    app1.wait_for_status("All changes saved")
    page2, app2 = _coach(two)
    obs2 = ObservationScreen(page2).open(obs_id)
    expect(page2.get_by_role("heading", level=1)).to_have_text(f"Observing {ANA}")
    unit = obs1.units()[0]
    labels = page1.locator(f"#{unit} .level-label").all_inner_texts()
    go_offline(one)
    go_offline(two)
    obs1.tap_unit(unit, index=1)
    obs2.tap_unit(unit, index=3)
    go_online(one)
    app1.wait_for_status("All changes saved")
    go_online(two)
    app2.wait_for_status("Conflict: needs you")
    with Session(server.engine) as session:
        found = session.exec(
            select(SyncConflict).where(SyncConflict.observation_id == uuid.UUID(obs_id))
        ).all()
        assert len(found) == 1

    page2.reload()
    app2.ready()
    conflicts = page2.locator("#conflicts")
    expect(conflicts).to_contain_text("this tablet")
    expect(conflicts).to_contain_text(labels[1])  # the kept value, by its level's name
    expect(conflicts).to_contain_text(labels[3])
    assert "tablet-" not in conflicts.inner_text()
    # The tablet whose value was kept is told, too.
    page1.reload()
    app1.ready()
    kept = page1.locator("#conflicts")
    expect(kept).to_contain_text("your other tablet", timeout=15_000)
    expect(kept).to_contain_text("this tablet's value was kept")
    expect(kept).to_contain_text(labels[3])


# --- 9. A date outside this year shows its year ----------------------------------------------


def test_9_a_date_of_another_year_shows_the_year(tablet: object, server: TrustServer) -> None:
    with Session(server.engine) as session:
        coach = session.exec(select(User).where(User.email == COACH)).one()
        ana = session.exec(select(Teacher).where(Teacher.name == ANA)).one()
        rubric = next(v for v in rubrics_service.list_current(session=session) if v.title == DEMAND)
        obs = create_observation(session, coach, ana, [rubric])
        last_year = datetime.now(UTC).replace(month=3, day=4) - timedelta(days=366)
        row = session.get(Observation, obs.id)
        assert row is not None
        row.observed_at = last_year
        session.add(row)
        session.commit()
        obs_id = obs.id
    context = tablet()  # type: ignore[operator]
    page, _app = _coach(context)
    ObservationScreen(page).open(str(obs_id))
    expect(page.locator("h1 + .lede")).to_contain_text(str(last_year.year))
    this_year = page.evaluate("() => Cadence.ui.shortDate(new Date().toISOString())")
    assert str(date.today().year) not in this_year


# --- 13. A refusal in the words of the form ----------------------------------------------------


def test_13_a_servers_reason_is_said_with_the_labels_people_see(tablet: object) -> None:
    page, _app = _coach(tablet())  # type: ignore[operator]
    words = page.evaluate(
        """() => [
            "payload.data.class_size: Input should be greater than or equal to 1",
            "payload.data.lesson_goal: String should have at most 2000 characters",
            "observed_at: Field required",
            "rubric_version_ids: must name at least one rubric",
        ].map(Cadence.review.reasonWords)"""
    )
    assert words == [
        "Class size: must be at least 1",
        "Lesson goal: can be at most 2000 characters",
        "Date and time: is required",
        "Rubrics: must name at least one rubric",
    ]


# --- 15. No console errors, unique landmarks, a header on one row -----------------------------


def test_15_the_scoring_screen_and_week_log_no_errors_and_the_header_fits_one_row(
    tablet: object,
) -> None:
    context = tablet()  # type: ignore[operator]
    page, _app = _coach(context)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    obs = _observe(page, "Quiet console")
    obs.start_timer()
    obs.tap_unit(obs.units()[0], index=1)
    obs.reload()
    assert "landmark-unique" not in _axe_ids(page)
    page.set_viewport_size(TABLET_LANDSCAPE)
    WeekPage(page).open()
    page.screenshot(path=str(SCREENSHOTS / "trust-week-header-1024.png"))
    tops = page.eval_on_selector_all(
        ".topbar > *:not([hidden]):not(.skip-link)",
        "els => els.map(e => Math.round(e.getBoundingClientRect().top))",
    )
    assert max(tops) - min(tops) < 16, f"the header wraps at 1024 px: {tops}"
    assert errors == []


def test_15_a_teacher_sees_no_sync_line(tablet: object) -> None:
    page = tablet().new_page()  # type: ignore[operator]
    LoginPage(page).open().sign_in(TEACHER_LOGIN, demo.DEMO_PASSWORD)
    page.goto("/my-coaching")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#sync-status")).to_be_hidden()


def _axe_ids(page: Page) -> list[str]:
    """Every axe-core violation's rule id, whatever its impact."""
    page.evaluate(AXE_SOURCE.read_text())
    result = page.evaluate("async () => await axe.run(document)")
    return [v["id"] for v in result["violations"]]
