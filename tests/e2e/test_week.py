"""The coach's week at tablet size: a whole coaching cycle (create it, three weekly check-ins,
a commitment carried over and completed, a linked observation), online and with the network
off, and bad input shown in place."""

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from server.coaching.models import CheckIn, CoachingCycle, Commitment, CommitmentStatus
from server.roster import demo
from tests.e2e.conftest import (
    TABLET_LANDSCAPE,
    TABLET_PORTRAIT,
    logged_demo_server,
)
from tests.e2e.conftest import (
    LoggedServer as WeekServer,
)
from tests.e2e.pages import (
    SYNC_TIMEOUT_MS,
    CheckInForm,
    LoginPage,
    NewObservation,
    WeekPage,
    go_offline,
    go_online,
    horizontal_overflow,
    serious_axe_violations,
    small_tap_targets,
    wait_until_ready_offline,
)

COACH = f"maria.lopez@{demo.DEMO_DOMAIN}"
TEACHER = "Ana Torres"
FOCUS = "Pose purposeful questions"
DEMAND = "Cognitive demand of the task"
CARRIED = "Try two 'why' questions in the launch"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WeekServer]:
    with logged_demo_server(tmp_path_factory.mktemp("week")) as running:
        yield running


@pytest.fixture
def tablet(browser: Browser, server: WeekServer) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=TABLET_PORTRAIT, base_url=server.url)
    yield context
    context.close()


def _signed_in(context: BrowserContext) -> tuple[Page, WeekPage]:
    page = context.new_page()
    LoginPage(page).open().sign_in(COACH, demo.DEMO_PASSWORD)
    page.wait_for_url("**/week")
    week = WeekPage(page).ready()
    wait_until_ready_offline(page)
    return page, week


def _shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"week-{name}.png"), full_page=True)


def _run_a_cycle(week: WeekPage, goal: str) -> tuple[str, list[str]]:
    """Create a cycle that began two weeks ago and hold its three weekly check-ins: the first
    makes a commitment, the second carries it over, the third completes it and links an
    observation (made first, from the teacher's card). Returns the cycle's and the check-ins'
    ids."""
    today = date.today()
    week.open()
    card = week.teacher_card(TEACHER)
    card.get_by_role("link", name="Observe Ana").click()
    week.ready()
    NewObservation(week.page).start([DEMAND], "4", "Fractions on a number line")
    start = today - timedelta(days=14)
    cycle_id = week.start_cycle(
        TEACHER, FOCUS, goal, "Exit tickets: share of students who justify a step", start
    )
    expect(week.page.get_by_role("heading", level=1)).to_have_text(f"{TEACHER}: {FOCUS}")
    first = week.check_in(
        cycle_id,
        start,
        "Planning / pre-conference",
        CheckInForm(
            prompts={
                "What student evidence did we look at?": "Last week's exit tickets",
                "What will we try?": "Open the launch with two why-questions",
            },
            commitments=[(CARRIED, "teacher"), ("Bring a question stem card", "coach")],
        ),
    )
    second = week.check_in(
        cycle_id,
        start + timedelta(days=7),
        "Observation debrief",
        CheckInForm(
            prompts={"What did we notice about student thinking?": "Most named a rule, few why"},
            done=["Bring a question stem card"],
        ),
    )
    week.open(f"?check_in=new&cycle={cycle_id}")
    carried = week.page.get_by_role("group", name="Commitments carried over")
    expect(carried).to_contain_text(CARRIED)  # still open: carried over by itself
    third = week.check_in(
        cycle_id,
        today,
        "Student-work analysis",
        CheckInForm(
            prompts={"What will we look for next time?": "Justifications in the closing"},
            done=[CARRIED],
            link_observation=True,
        ),
    )
    expect(week.page.get_by_role("link", name="Linked observation")).to_be_visible()
    return cycle_id, [first, second, third]


def _assert_stored_once(engine: Engine, cycle_id: str, check_ins: list[str], goal: str) -> None:
    with Session(engine) as session:
        cycles = session.exec(select(CoachingCycle).where(CoachingCycle.goal == goal)).all()
        assert [str(c.id) for c in cycles] == [cycle_id]
        stored = session.exec(
            select(CheckIn).where(CheckIn.cycle_id == uuid.UUID(cycle_id)).order_by(CheckIn.date)
        ).all()
        assert [str(c.id) for c in stored] == check_ins
        assert [c.observation_id is not None for c in stored] == [False, False, True]
        commitments = session.exec(
            select(Commitment).where(Commitment.cycle_id == uuid.UUID(cycle_id))
        ).all()
        assert sorted((c.text, c.status) for c in commitments) == [
            ("Bring a question stem card", CommitmentStatus.done),
            (CARRIED, CommitmentStatus.done),
        ]
        carried = next(c for c in commitments if c.text == CARRIED)
        assert str(carried.check_in_id) == check_ins[0]  # made at the first check-in
        assert (
            session.exec(
                select(Commitment).where(col(Commitment.check_in_id).in_([uuid.UUID(check_ins[1])]))
            ).all()
            == []
        )


def test_a_coach_runs_a_whole_cycle_online(tablet: BrowserContext, server: WeekServer) -> None:
    page, week = _signed_in(tablet)
    assert TEACHER in week.teacher_names()
    goal = "By the end of the cycle, 70% of students justify one step in writing"
    cycle_id, check_ins = _run_a_cycle(week, goal)
    week.wait_for_status("All changes saved")
    _assert_stored_once(server.engine, cycle_id, check_ins, goal)

    week.open(f"?cycle={cycle_id}")
    expect(page.get_by_role("list", name="Check-ins").get_by_role("listitem")).to_have_count(3)
    expect(page.get_by_role("region", name="Open commitments")).to_contain_text("None.")
    _shoot(page, "cycle-portrait")


def test_the_same_cycle_with_the_network_off_then_on(
    tablet: BrowserContext, server: WeekServer
) -> None:
    page, week = _signed_in(tablet)
    go_offline(tablet)
    offline_from = server.log.mark()
    week.open()
    goal = "By the end of the cycle, half the class explains a strategy aloud"
    cycle_id, check_ins = _run_a_cycle(week, goal)
    week.wait_for_status("Offline:")
    page.reload()
    week.ready()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Check-in with {TEACHER}")
    assert server.log.writes_since(offline_from) == []  # nothing sent yet
    with Session(server.engine) as session:
        assert session.get(CoachingCycle, uuid.UUID(cycle_id)) is None

    go_online(tablet)
    week.wait_for_status("All changes saved")
    _assert_stored_once(server.engine, cycle_id, check_ins, goal)


def test_bad_input_is_shown_in_place_and_nothing_is_saved(
    tablet: BrowserContext, server: WeekServer
) -> None:
    page, week = _signed_in(tablet)
    week.open("?new_cycle=1")
    page.get_by_label("Teacher").select_option(label=TEACHER)
    page.get_by_label("Starts").fill("2026-11-20")
    page.get_by_label("Ends").fill("2026-11-01")
    page.get_by_role("button", name="Start the cycle").click()
    assert week.field_error("goal") == "Write the goal for student learning."
    assert week.field_error("focus") == "Choose the practice this cycle works on."
    assert "must end on or after" in week.field_error("end_date")
    expect(page.get_by_label("Goal for student learning")).to_have_attribute("aria-invalid", "true")
    assert page.url.endswith("/week?new_cycle=1")  # still on the form, nothing saved
    assert page.get_by_label("Teacher").input_value() != ""  # the choices are kept

    # Corrected, the same form starts the cycle.
    page.get_by_label("Focus practice").select_option(label=FOCUS)
    page.get_by_label("Goal for student learning").fill("Every student writes one why-sentence")
    page.get_by_label("Starts").fill(date.today().isoformat())
    page.get_by_label("Ends").fill((date.today() + timedelta(days=42)).isoformat())
    page.get_by_role("button", name="Start the cycle").click()
    page.wait_for_url("**/week?cycle=*")
    week.ready().page.get_by_role("link", name="Start this week's check-in").click()
    week.ready()
    row = page.locator("fieldset.commitment-row[data-row='1']")
    row.get_by_label("Next step").fill("Share the exit tickets")
    page.get_by_role("button", name="Save the check-in").click()
    assert week.field_error("kind") == "Choose the kind of meeting."
    assert week.field_error("owner-1") == "Choose who owns this commitment."
    assert row.get_by_label("Next step").input_value() == "Share the exit tickets"
    _shoot(page, "check-in-errors")


@pytest.mark.parametrize(
    "viewport", [TABLET_PORTRAIT, TABLET_LANDSCAPE], ids=["portrait", "landscape"]
)
def test_the_week_is_accessible_and_touch_friendly(
    tablet: BrowserContext, viewport: dict[str, int]
) -> None:
    page, week = _signed_in(tablet)
    page.set_viewport_size(viewport)
    for query in ("", "?new_cycle=1"):
        week.open(query)
        assert serious_axe_violations(page) == []
        assert small_tap_targets(page) == []
        assert horizontal_overflow(page) == 0
    week.open()
    _shoot(page, "home-" + ("portrait" if viewport == TABLET_PORTRAIT else "landscape"))


def test_two_tablets_change_one_check_in_offline_and_the_coach_resolves_it(
    browser: Browser, server: WeekServer
) -> None:
    tablets = [browser.new_context(viewport=TABLET_PORTRAIT, base_url=server.url) for _ in range(2)]
    try:
        (page_a, week_a), (page_b, week_b) = (_signed_in(t) for t in tablets)
        cycle_id = week_a.start_cycle(
            TEACHER, FOCUS, "Most students explain a peer's strategy", "Exit tickets", date.today()
        )
        check_in = week_a.check_in(
            cycle_id, date.today(), "Data review", CheckInForm(prompts={"Notes": "Shared notes"})
        )
        week_a.wait_for_status("All changes saved")
        week_b.open(f"?check_in={check_in}")  # the second tablet pulls the check-in
        # ... at the end of its first pull, the whole caseload: as long as a sync may take.
        expect(page_b.get_by_label("Notes", exact=True)).to_have_value(
            "Shared notes", timeout=SYNC_TIMEOUT_MS
        )

        for tablet, week, text in zip(
            tablets, (week_a, week_b), ("From tablet A", "From B"), strict=True
        ):
            go_offline(tablet)
            week.open(f"?check_in={check_in}")
            box = week.page.get_by_label("Notes", exact=True)
            box.fill(text)
            box.blur()
            expect(box).not_to_have_attribute("data-dirty", "1")
        for tablet, week in zip(tablets, (week_a, week_b), strict=True):
            go_online(tablet)
            week.wait_for_status("All changes saved" if week is week_a else "Conflict")

        week_b.open()
        page_b.get_by_role("link", name="Choose").click()  # the status line: to /review
        week_b.ready()
        page_b.get_by_role("link", name="Check-in of", exact=False).click()
        week_b.ready()
        conflicts = page_b.get_by_role("region", name="Conflict: needs you")
        expect(conflicts).to_contain_text("From tablet A")
        expect(conflicts).to_contain_text("From B")
        conflicts.get_by_label("Combined text").fill("From tablet A, and from B")
        conflicts.get_by_role("button", name="Save my choice").click()
        week_b.wait_for_status("All changes saved")
        with Session(server.engine) as session:
            stored = session.get(CheckIn, uuid.UUID(check_in))
            assert stored is not None and stored.notes == "From tablet A, and from B"

        page_a.reload()  # the resolution reaches the first tablet
        week_a.ready()
        expect(page_a.get_by_label("Notes", exact=True)).to_have_value(
            "From tablet A, and from B", timeout=20_000
        )
    finally:
        for tablet in tablets:
            tablet.close()
