"""A coach's whole day in the coach's app, at tablet size, with the network off from the start
(after one online sign-in) and again online: open a teacher from the caseload, start an
observation, score the NCTM practices and the IQA rubric fully with the lesson timer running,
tagged notes and tallies, finalize, share, revise, then this week's check-in with a
commitment, reloading and reopening the app between steps. Back online the server holds each
record exactly once, and the same rows as the day spent online. Then every link on every coach
screen is followed offline: none may reach the offline page, and one screen of each kind
passes axe-core with 44 px tap targets."""

import re
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.coaching.models import CheckIn, CoachingCycle, Commitment
from server.observations.models import (
    Evidence,
    Note,
    Observation,
    ObservationRevision,
    ObservationRubric,
    ObservationStatus,
    Score,
    TallyCount,
)
from server.roster import demo
from tests.e2e.conftest import TABLET_PORTRAIT, logged_demo_server
from tests.e2e.conftest import LoggedServer as DayServer
from tests.e2e.pages import (
    CheckInForm,
    CoachApp,
    LoginPage,
    NewObservation,
    ObservationScreen,
    WeekPage,
    go_offline,
    go_online,
    horizontal_overflow,
    serious_axe_violations,
    small_tap_targets,
    wait_until_ready_offline,
)

COACH = f"maria.lopez@{demo.DEMO_DOMAIN}"
NCTM = "NCTM Mathematics Teaching Practices"
IQA = "Instructional Quality Assessment (IQA), mathematics lesson observation"
TALLY = "Probing thinking"
FOCUS = "Pose purposeful questions"
UNIT = "A day of fractions"
COMMITMENT = "Ask 'how do you know?' after each answer"
OFFLINE_HEADING = "You are offline"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DayServer]:
    with logged_demo_server(tmp_path_factory.mktemp("day")) as running:
        yield running


@pytest.fixture
def context(browser: Browser, server: DayServer) -> Iterator[BrowserContext]:
    made = browser.new_context(viewport=TABLET_PORTRAIT, base_url=server.url)
    yield made
    made.close()


def _signed_in(context: BrowserContext) -> tuple[Page, CoachApp]:
    page = context.new_page()
    LoginPage(page).open().sign_in(COACH, demo.DEMO_PASSWORD)
    app = CoachApp(page).open("/caseload")
    wait_until_ready_offline(page)
    # The first pull has brought the coach's records: every screen is complete from here.
    expect(page.get_by_text("Bringing your coaching records")).to_have_count(0, timeout=30_000)
    return page, app


def _reopen(context: BrowserContext, page: Page, path: str) -> Page:
    """Close the tab and open the app again at path (a coach switching apps mid-lesson)."""
    page.close()
    page = context.new_page()
    CoachApp(page).open(path)
    return page


@dataclass
class Day:
    observation_id: str
    cycle_id: str
    check_in_id: str


def _coach_day(context: BrowserContext, page: Page, teacher: str) -> Day:
    app = CoachApp(page)
    app.open("/caseload")
    app.tap(teacher)
    expect(page.get_by_role("heading", level=1)).to_have_text(teacher)
    app.tap("New observation")
    obs = NewObservation(page).start([NCTM, IQA], "5", UNIT)
    obs_id = obs.observation_id

    obs.start_timer()
    tags = page.locator("#note-tags label")
    first_tag = (tags.first.text_content() or "").strip()
    last_tag = (tags.last.text_content() or "").strip()
    obs.add_note("Launch: students restate the task in their own words", tags=[first_tag])
    obs.tap_tally(TALLY)
    obs.tap_tally(TALLY)
    obs.tap_tally(TALLY, undo=True)
    obs.reload()  # the timer's start is an operation: it is still running after a reload
    assert obs.timer_running()
    assert obs.tally(TALLY) == 1

    units = obs.units()
    for unit in units:
        obs.tap_unit(unit, index=1)
    expect(page.locator(".observe-bar .scored")).to_have_text(
        f"{len(units)} of {len(units)} scored"
    )
    obs.write_evidence("Pose purposeful questions", "Asked: why does that work?")
    obs.add_note("Pairs compare two strategies", tags=[first_tag, last_tag])

    page = _reopen(context, page, f"/observe/{obs_id}")
    obs = ObservationScreen(page)
    assert obs.timer_running()
    assert obs.notes() == [
        "Pairs compare two strategies",
        "Launch: students restate the task in their own words",
    ]
    assert all(" min 0 " in f" {line} " for line in obs.note_lines())  # stamped by the timer
    obs.finalize()
    obs.wait_final()
    obs.share(teacher)
    obs.reload()
    assert obs.status_badge() == "Final"
    assert not obs.timer_running()
    # Online "Shared with NAME on ...", offline "Shared on this tablet: NAME sees it ...".
    expect(page.locator("#finish")).to_contain_text(
        re.compile(rf"Shared (with|on this tablet:) {teacher}")
    )
    obs.tap_unit(units[0], index=2)  # a change after finalizing: kept as a revision

    page = _reopen(context, page, "/week")
    week = WeekPage(page)
    cycle_id = week.start_cycle(
        teacher, FOCUS, f"Most of {teacher}'s students justify a step", "Exit tickets", date.today()
    )
    page.reload()
    week.ready()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{teacher}: {FOCUS}")
    check_in_id = week.check_in(
        cycle_id,
        date.today(),
        "Observation debrief",
        CheckInForm(
            prompts={"What did we notice about student thinking?": "Pairs compared strategies"},
            commitments=[(COMMITMENT, "teacher")],
            link_observation=True,
        ),
    )
    page = _reopen(context, page, f"/week?check_in={check_in_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Check-in with {teacher}")
    expect(page.get_by_label("What did we notice about student thinking?")).to_have_value(
        "Pairs compared strategies"
    )
    return Day(obs_id, cycle_id, check_in_id)


def _no_id(field: str) -> str:
    """A revision's field, with a note's id (new on each tablet) left out."""
    return re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "<id>", field)


def _stored(engine: Engine, day: Day) -> dict[str, object]:
    """What the server holds of one day, without ids, people and times (which differ)."""
    obs_id, cycle_id = uuid.UUID(day.observation_id), uuid.UUID(day.cycle_id)
    with Session(engine) as session:
        [obs] = session.exec(
            select(Observation).where(Observation.course_unit == UNIT, Observation.id == obs_id)
        ).all()
        [cycle] = session.exec(select(CoachingCycle).where(CoachingCycle.id == cycle_id)).all()
        mine = {"observation_id": obs_id}

        def of(model: type) -> list[Any]:
            return list(session.exec(select(model).filter_by(**mine)).all())

        return {
            "observation": (
                obs.status,
                obs.grade,
                obs.shared_with_teacher_at is not None,
                obs.timer_started_at is None,
            ),
            "rubrics": len(of(ObservationRubric)),
            "scores": sorted(
                (s.rubric_version_id, s.dimension_id, s.item_id, s.value, s.not_observed)
                for s in of(Score)
            ),
            "evidence": sorted((e.rubric_version_id, e.dimension_id, e.text) for e in of(Evidence)),
            "notes": sorted((n.text, tuple(n.tags), n.lesson_minute) for n in of(Note)),
            "tallies": sorted((t.tally_id, t.category_id, t.count) for t in of(TallyCount)),
            "revisions": sorted(
                (r.entity, r.operation, _no_id(r.field)) for r in of(ObservationRevision)
            ),
            "cycle": (cycle.focus_rubric_id, cycle.focus_dimension_id, cycle.evidence_plan),
            "check_ins": [
                (c.kind, c.noticed, c.observation_id == obs_id)
                for c in session.exec(select(CheckIn).where(CheckIn.cycle_id == cycle_id))
            ],
            "commitments": [
                (c.text, c.owner, c.status, str(c.check_in_id) == day.check_in_id)
                for c in session.exec(select(Commitment).where(Commitment.cycle_id == cycle_id))
            ],
        }


@dataclass
class OfflineDay:
    day: Day
    stored: dict[str, object]
    writes_while_offline: list[str]
    held_while_offline: bool


@pytest.fixture(scope="module")
def offline_day(browser: Browser, server: DayServer) -> Iterator[OfflineDay]:
    """The day spent offline (the network cut right after signing in), then the network back."""
    context = browser.new_context(viewport=TABLET_PORTRAIT, base_url=server.url)
    try:
        page, app = _signed_in(context)
        teacher = app.caseload_names()[0]
        go_offline(context)
        offline_from = server.log.mark()
        day = _coach_day(context, page, teacher)
        page = context.pages[-1]
        CoachApp(page).wait_for_status("Offline:")
        writes = server.log.writes_since(offline_from)
        with Session(server.engine) as session:
            held = session.get(Observation, uuid.UUID(day.observation_id)) is None
            held = held and session.get(CoachingCycle, uuid.UUID(day.cycle_id)) is None
        go_online(context)
        CoachApp(page).wait_for_status("All changes saved")
        stored = _stored(server.engine, day)
        # Once: a second sync (a reload, the interval timer) sends nothing again.
        page.reload()
        CoachApp(page).ready().wait_for_status("All changes saved")
        assert _stored(server.engine, day) == stored
        yield OfflineDay(day, stored, writes, held)
    finally:
        context.close()


def test_a_coach_day_with_the_network_off_from_the_start_reaches_the_server_once(
    offline_day: OfflineDay,
) -> None:
    assert offline_day.writes_while_offline == []  # nothing left the tablet
    assert offline_day.held_while_offline
    stored = offline_day.stored
    assert stored["observation"] == (ObservationStatus.final, "5", True, True)
    assert stored["rubrics"] == 2
    assert len(stored["scores"]) > 10  # type: ignore[arg-type]
    assert len(stored["notes"]) == 2  # type: ignore[arg-type]
    assert [count for *_, count in stored["tallies"]] == [1]  # type: ignore[attr-defined]
    assert len(stored["evidence"]) == 1  # type: ignore[arg-type]
    assert stored["revisions"], "the change after finalizing is kept as a revision"
    assert len(stored["check_ins"]) == 1  # type: ignore[arg-type]
    assert stored["commitments"] == [(COMMITMENT, "teacher", "open", True)]


def test_b_the_same_day_online_gives_the_same_rows(
    context: BrowserContext, server: DayServer, offline_day: OfflineDay
) -> None:
    page, app = _signed_in(context)
    teacher = app.caseload_names()[1]
    day = _coach_day(context, page, teacher)
    CoachApp(context.pages[-1]).wait_for_status("All changes saved")
    assert _stored(server.engine, day) == offline_day.stored


def _same_origin_links(page: Page, base: str) -> set[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
    found = set()
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != base:
            continue
        found.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


# The addresses the service worker answers with the coach's app (server/pwa/routes.py).
APP_SCREEN = re.compile(
    r"^/(week|caseload|review|observe|observe/[0-9a-f-]{36}|teachers/\d+|teachers/\d+/observations/new)$"
)
FOLLOWED = re.compile(r"^/(week|caseload|review|observe|rubrics|teachers/\d+)(/|$)")
# Every address of a kind opens the same kept shell: after a few real navigations, the rest
# are drawn in place (the app's own router), which checks that each record is on the tablet.
NAVIGATIONS_PER_KIND = 3
DRAW_IN_PLACE = """async (path) => {
    document.getElementById("app").replaceChildren();
    history.pushState(null, "", path);
    await Cadence.coach.draw();
}"""


def _kind(path: str) -> str:
    return re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+", "N", path)


def test_c_every_link_on_every_coach_screen_opens_offline(
    context: BrowserContext, server: DayServer
) -> None:
    page, _app = _signed_in(context)
    caseload = len(CoachApp(page).caseload_names())
    # The teachers' growth pages are drawn by the server: wait until the tablet has kept them.
    page.wait_for_function(
        """async (n) => {
            const name = (await caches.keys()).find(k => k.startsWith("cadence-pages-"));
            if (!name) return false;
            const keys = await (await caches.open(name)).keys();
            return keys.filter(r => r.url.endsWith("/growth")).length >= n;
        }""",
        arg=caseload,
        polling=250,
        timeout=30_000,
    )
    go_offline(context)
    queue = ["/week", "/caseload", "/observe", "/review", "/rubrics"]
    seen: set[str] = set(queue)
    navigations: Counter[str] = Counter()
    failed: list[str] = []
    in_app = False
    while queue:
        path = queue.pop(0)
        screen = APP_SCREEN.match(urlsplit(path).path)
        if screen and in_app and navigations[_kind(path)] >= NAVIGATIONS_PER_KIND:
            page.evaluate(DRAW_IN_PLACE, path)
        else:
            navigations[_kind(path)] += 1
            page.goto(path)
            if screen:
                CoachApp(page).ready()
        in_app = bool(screen)
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_have_count(1)
        if (
            heading.inner_text() == OFFLINE_HEADING
            or page.get_by_text("this tablet has not received it yet").count()
        ):
            failed.append(path)
            continue
        if FOLLOWED.match(urlsplit(path).path) and not path.endswith("/growth"):
            for link in sorted(_same_origin_links(page, server.url) - seen):
                seen.add(link)
                queue.append(link)
    assert failed == [], failed
    # One of each kind of coach screen, as drawn offline: accessible and touch-friendly.
    first_of_kind: dict[str, str] = {}
    for path in sorted(seen):
        if APP_SCREEN.match(urlsplit(path).path):
            first_of_kind.setdefault(_kind(path), path)
    for path in first_of_kind.values():
        CoachApp(page).open(path)
        assert serious_axe_violations(page) == [], path
        assert small_tap_targets(page) == [], path
        assert horizontal_overflow(page) == 0, path
    kinds = {_kind(p) for p in seen}
    # The crawl reached the teachers, their growth, new observations, cycles and check-ins.
    for kind in (
        "/teachers/N",
        "/teachers/N/growth",
        "/teachers/N/observations/new",
        "/week?cycle=N",
        "/week?check_in=N",
        "/account",
    ):
        assert kind in kinds, kind
