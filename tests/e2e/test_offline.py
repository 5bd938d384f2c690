"""Offline-first, in Chromium with the browser context really offline: a coach observes with no
network, reloads, closes the tab, and every write reaches the server exactly once; a dropped
response, two devices in conflict, an expired session, a new app version in the middle of a
sync, sign-out with unsent changes, and a shared tablet."""

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import anyio
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select
from starlette.types import ASGIApp, Receive, Scope, Send

from server.accounts.models import LoginSession, User
from server.db import make_engine
from server.main import create_app
from server.observations.models import Evidence, Note, Observation, ObservationStatus, Score
from server.roster import demo
from server.roster.models import CoachAssignment
from server.sync.models import SyncConflict, SyncQuarantine
from tests.e2e.conftest import TABLET_PORTRAIT, demo_app_database, serve
from tests.e2e.pages import (
    CoachApp,
    LoginPage,
    ObservationScreen,
    go_offline,
    go_online,
    wait_until_ready_offline,
)

COACH = f"maria.lopez@{demo.DEMO_DOMAIN}"
ANA = "Ana Torres"
OTHER_COACH = f"daniel.okafor@{demo.DEMO_DOMAIN}"
DEMAND = "Cognitive demand of the task"
POSED, ENACTED = "Task as posed", "Task as enacted"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


class PushGate:
    """ASGI wrapper: while closed, a push waits at the door (a sync in progress)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.open = threading.Event()
        self.open.set()
        self.waiting = threading.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/api/sync/push" and not self.open.is_set():
            self.waiting.set()
            await anyio.to_thread.run_sync(self.open.wait, 30)
        await self.app(scope, receive, send)


@dataclass
class OfflineServer:
    url: str
    engine: Engine
    gate: PushGate
    app: object
    contexts: list[BrowserContext] = field(default_factory=list)

    def session(self) -> Session:
        return Session(self.engine)

    def set_version(self, version: str) -> None:
        self.app.state.asset_version = version  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OfflineServer]:
    url, settings = demo_app_database(tmp_path_factory.mktemp("offline"))
    app = create_app(settings)
    gate = PushGate(app)
    engine = make_engine(url)
    with serve(gate) as base:
        yield OfflineServer(url=base, engine=engine, gate=gate, app=app)
    engine.dispose()


@pytest.fixture
def tablet(browser: Browser, server: OfflineServer) -> Iterator[object]:
    """new_tablet(): a fresh browser profile (one device) at tablet size; closed afterwards."""
    made: list[BrowserContext] = []

    def new_tablet(service_workers: str = "allow") -> BrowserContext:
        context = browser.new_context(
            viewport=TABLET_PORTRAIT,
            base_url=server.url,
            service_workers=service_workers,  # type: ignore[arg-type]
        )
        made.append(context)
        return context

    yield new_tablet
    server.gate.open.set()
    for context in made:
        context.close()


def _signed_in(
    context: BrowserContext, email: str = COACH, offline_ready: bool = True
) -> tuple[Page, CoachApp]:
    page = context.new_page()
    LoginPage(page).open().sign_in(email, demo.DEMO_PASSWORD)
    app = CoachApp(page).open("/caseload")
    if offline_ready:
        wait_until_ready_offline(page)
    else:  # no service worker: wait for the caseload and rubrics to reach the local store
        page.get_by_role("list", name="Teachers in my caseload").wait_for()
    return page, app


def _start(page: Page, grade: str, course_unit: str, teacher: str = ANA) -> ObservationScreen:
    """From the caseload: the teacher, New observation, the lesson details, Start observing."""
    return CoachApp(page).new_observation(teacher).start([DEMAND], grade, course_unit)


def _observation(server: OfflineServer, obs_id: str) -> Observation | None:
    with server.session() as session:
        return session.get(Observation, uuid.UUID(obs_id))


def _count(server: OfflineServer, model: type, **where: object) -> int:
    with server.session() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(col(getattr(model, name)) == value)
        return int(session.exec(query).one())


def _shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"offline-{name}.png"), full_page=True)


def test_a_observe_offline_reload_reopen_then_sync_exactly_once(
    tablet: object, server: OfflineServer
) -> None:
    context = tablet()  # type: ignore[operator]
    page, app = _signed_in(context)
    go_offline(context)

    app.open("/caseload")  # drawn from the tablet's store
    expect(page.get_by_role("heading", level=1)).to_have_text("My caseload")
    page.goto("/rubrics")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rubrics")
    obs = _start(page, "4", "Offline fractions")
    obs_id = obs.observation_id
    obs.tap_level(POSED, 2)
    obs.tap_level(ENACTED, 1)
    obs.write_evidence(POSED, "Students asked why the rule works")
    obs.add_note("Pairs compared two strategies")
    obs.finalize()
    obs.wait_final()
    app.wait_for_status("Offline:")
    assert "waiting" in app.sync_status()
    _shoot(page, "a-final-offline")

    obs.reload()
    assert obs.status_badge() == "Final"
    assert obs.notes() == ["Pairs compared two strategies"]
    assert obs.chosen_level(POSED) == "3"

    page.close()  # close the tab and open the app again, still offline
    page = context.new_page()
    obs = ObservationScreen(page).open(obs_id)
    assert obs.evidence(POSED) == "Students asked why the rule works"
    assert _observation(server, obs_id) is None

    go_online(context)
    CoachApp(page).wait_for_status("All changes saved")
    row = _observation(server, obs_id)
    assert row is not None and row.status == ObservationStatus.final
    assert _count(server, Observation, course_unit="Offline fractions") == 1
    assert _count(server, Score, observation_id=row.id) == 2
    assert _count(server, Note, observation_id=row.id) == 1
    assert _count(server, Evidence, observation_id=row.id) == 1


def test_b_response_lost_after_commit_is_retried_and_stored_once(
    tablet: object, server: OfflineServer
) -> None:
    # Playwright cannot route the requests of a page a service worker controls: this one
    # runs without the worker (the outbox and the sender are the page's own).
    context = tablet(service_workers="block")  # type: ignore[operator]
    page, app = _signed_in(context, offline_ready=False)
    dropped: list[int] = []

    def drop_first_answer(route: Route) -> None:
        if not dropped:
            response = route.fetch()  # the server applies and commits the push...
            dropped.append(response.status)
            route.abort("connectionreset")  # ...and the answer never reaches the tablet
        else:
            route.continue_()

    context.route("**/api/sync/push", drop_first_answer)
    obs = _start(page, "5", "Lost answer")
    obs_id = obs.observation_id
    for _ in range(100):  # route handlers run while Playwright waits
        if dropped:
            break
        page.wait_for_timeout(100)
    assert dropped == [200]
    app.wait_for_status("1 change waiting")
    assert _observation(server, obs_id) is not None  # committed, though the tablet never heard

    context.set_offline(True)  # the network drops and comes back: the tablet sends again
    context.set_offline(False)
    app.wait_for_status("All changes saved")
    obs.tap_level(POSED, 1)
    # The status may still show the last sync for a moment: wait for the server instead.
    row = _observation(server, obs_id)
    assert row is not None
    for _ in range(150):
        if _count(server, Score, observation_id=row.id):
            break
        page.wait_for_timeout(100)
    app.wait_for_status("All changes saved")
    assert _count(server, Observation, course_unit="Lost answer") == 1
    row = _observation(server, obs_id)
    assert row is not None and row.version == 2  # the create once, the score once
    assert _count(server, Score, observation_id=row.id) == 1


def test_c_two_devices_conflict_is_shown_resolved_and_reaches_the_other(
    tablet: object, server: OfflineServer
) -> None:
    one, two = tablet(), tablet()  # type: ignore[operator]
    page1, app1 = _signed_in(one)
    obs1 = _start(page1, "3", "Two devices")
    obs_id = obs1.observation_id
    app1.wait_for_status("All changes saved")
    page2, app2 = _signed_in(two)
    page2.goto(f"/observe/{obs_id}")
    # The second tablet's first pull (about 1,500 records of the coach's two years of coaching)
    # brings the observation; the screen is drawn again when it is done.
    expect(page2.get_by_role("heading", level=1)).to_have_text(
        "Observing Ana Torres", timeout=20_000
    )
    obs2 = ObservationScreen(page2)

    go_offline(one)
    go_offline(two)
    obs1.write_evidence(POSED, "Tablet one: students explained their rule")
    obs2.write_evidence(POSED, "Tablet two: students drew diagrams")
    go_online(one)
    app1.wait_for_status("All changes saved")
    go_online(two)
    app2.wait_for_status("Conflict: needs you")
    assert _count(server, SyncConflict, observation_id=uuid.UUID(obs_id)) == 1

    page2.get_by_role("link", name="Choose").click()
    page2.get_by_role("link", name="Observation of Ana Torres", exact=False).first.click()
    app2.ready()
    conflict = page2.get_by_role("group", name=f"Evidence: {POSED}")
    expect(conflict).to_contain_text("Tablet one: students explained their rule")
    expect(conflict).to_contain_text("Tablet two: students drew diagrams")
    _shoot(page2, "c-conflict")
    combined = "Students explained their rule and drew diagrams"
    page2.get_by_label("Combined text").fill(combined)
    page2.get_by_role("button", name="Save my choice").click()
    app2.wait_for_status("All changes saved")
    expect(page2.locator("#conflicts")).to_have_count(0)
    with server.session() as session:
        kept = session.exec(
            select(Evidence).where(Evidence.observation_id == uuid.UUID(obs_id))
        ).one()
        assert kept.text == combined

    page1.reload()  # the other device pulls the resolution
    expect(page1.get_by_label(f"Evidence for {POSED}", exact=True)).to_have_value(
        combined, timeout=15_000
    )
    expect(page1.locator("#conflicts")).to_have_count(0)


def _expire_sessions(server: OfflineServer, email: str) -> None:
    with server.session() as session:
        user = session.exec(select(User).where(User.email == email)).one()
        for row in session.exec(select(LoginSession).where(LoginSession.user_id == user.id)):
            session.delete(row)
        session.commit()


def test_d_session_expired_offline_sign_in_then_queue_is_sent(
    tablet: object, server: OfflineServer
) -> None:
    context = tablet()  # type: ignore[operator]
    page, app = _signed_in(context)
    go_offline(context)
    obs_id = _start(page, "2", "Expired session").observation_id
    ObservationScreen(page).tap_level(POSED, 0)
    _expire_sessions(server, COACH)

    go_online(context)
    app.wait_for_status("Signed out")
    assert _observation(server, obs_id) is None
    page.get_by_role("link", name="Sign in to send them").click()
    LoginPage(page).sign_in(COACH, demo.DEMO_PASSWORD)
    page.wait_for_url(f"**/observe/{obs_id}")
    app.wait_for_status("All changes saved")
    obs = _observation(server, obs_id)
    assert obs is not None
    assert _count(server, Score, observation_id=obs.id) == 1


def test_e_new_version_prompts_and_waits_for_the_sync_in_progress(
    tablet: object, server: OfflineServer
) -> None:
    context = tablet()  # type: ignore[operator]
    page, app = _signed_in(context)
    static_caches = "async () => (await caches.keys()).filter(n => n.startsWith('cadence-static-'))"
    before = page.evaluate(static_caches)
    original = server.app.state.asset_version  # type: ignore[attr-defined]
    try:
        server.gate.open.clear()  # the next push is held: a sync in progress
        obs_id = _start(page, "6", "During update").observation_id
        assert server.gate.waiting.wait(10)
        app.wait_for_status("Sending 1 change")

        server.set_version("e2e-next")
        page.evaluate("Cadence.app.checkForUpdate()")
        update = page.get_by_role("button", name="Update now")
        expect(update).to_be_visible(timeout=15_000)
        _shoot(page, "e-update-prompt")
        update.click()
        expect(page.locator("#update-banner")).to_contain_text("after the current sync finishes")
        page.wait_for_timeout(1000)
        still_waiting = "async () => !!(await navigator.serviceWorker.getRegistration()).waiting"
        assert page.evaluate(still_waiting)  # not swapped while the push is in flight
        assert _observation(server, obs_id) is None

        with page.expect_event("load", timeout=15_000):
            server.gate.open.set()
        app.ready()
        app.wait_for_status("All changes saved")
        page.wait_for_function(
            "async () => (await caches.keys()).filter(n => n.startsWith('cadence-static-'))"
            ".join() === 'cadence-static-e2e-next'",
            polling=200,
        )
        assert before != ["cadence-static-e2e-next"]
        assert _count(server, Observation, course_unit="During update") == 1
    finally:
        server.gate.open.set()
        server.set_version(original)


def _local_rows(page: Page) -> int:
    return int(
        page.evaluate(
            """() => new Promise((resolve, reject) => {
                const req = indexedDB.open("cadence");
                req.onsuccess = () => {
                    const t = req.result.transaction(["outbox", "records"]);
                    const a = t.objectStore("outbox").count();
                    const b = t.objectStore("records").count();
                    t.oncomplete = () => resolve(a.result + b.result);
                };
                req.onerror = () => reject(req.error);
            })"""
        )
    )


def test_sign_out_with_unsent_changes_asks_first_then_clears_the_tablet(
    tablet: object, server: OfflineServer
) -> None:
    context = tablet(service_workers="block")  # type: ignore[operator]  (routes, as in b)
    page, app = _signed_in(context, offline_ready=False)
    context.route("**/api/sync/push", lambda route: route.abort("connectionrefused"))
    obs_id = _start(page, "7", "Sign-out guard").observation_id
    app.wait_for_status("1 change waiting")

    page.get_by_role("button", name="Sign out").click()
    dialog = page.get_by_role("alertdialog", name="Sign out?")
    expect(dialog).to_contain_text("1 change has not reached the server yet")
    _shoot(page, "signout-guard")
    assert page.url.endswith(f"/observe/{obs_id}")  # still signed in
    dialog.get_by_role("button", name="Stay signed in and send them").click()
    context.unroute("**/api/sync/push")
    app.wait_for_status("All changes saved")
    assert _observation(server, obs_id) is not None

    context.route("**/api/sync/push", lambda route: route.abort("connectionrefused"))
    lost = _start(page, "8", "Deleted on purpose").observation_id
    app.wait_for_status("1 change waiting")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign out and delete them").click()
    page.wait_for_url("**/login")
    assert _local_rows(page) == 0
    pages_left = page.evaluate(
        "async () => (await caches.keys()).filter(n => n.startsWith('cadence-pages-')).length"
    )
    assert pages_left == 0
    assert _observation(server, lost) is None


def test_shared_tablet_never_sends_one_persons_changes_under_another_login(
    tablet: object, server: OfflineServer
) -> None:
    context = tablet()  # type: ignore[operator]
    page, app = _signed_in(context)
    go_offline(context)
    obs_id = _start(page, "K", "Shared tablet").observation_id
    _expire_sessions(server, COACH)
    go_online(context)
    app.wait_for_status("Signed out")

    page.goto("/login")
    LoginPage(page).sign_in(OTHER_COACH, demo.DEMO_PASSWORD)
    other = CoachApp(page).open("/observe")
    other.wait_for_status("1 change by another person wait")
    expect(page.locator(f'a[href="/observe/{obs_id}"]')).to_have_count(0)
    page.wait_for_timeout(500)
    assert _observation(server, obs_id) is None  # never sent under the other login

    page.get_by_role("button", name="Sign out").click()  # nothing of theirs waits: no question
    page.wait_for_url("**/login")
    LoginPage(page).sign_in(COACH, demo.DEMO_PASSWORD)
    CoachApp(page).open("/observe").wait_for_status("All changes saved")
    obs = _observation(server, obs_id)
    assert obs is not None
    with server.session() as session:
        coach = session.exec(select(User).where(User.email == COACH)).one()
        assert obs.observer_id == coach.id


def test_a_refused_write_is_acknowledged_shown_with_its_reason_and_dismissed(
    tablet: object, server: OfflineServer
) -> None:
    coach_email = f"priya.shah@{demo.DEMO_DOMAIN}"
    context = tablet()  # type: ignore[operator]
    page, app = _signed_in(context, email=coach_email)
    go_offline(context)
    obs_id = _start(page, "8", "Refused", teacher="Chloe Nguyen").observation_id
    with server.session() as session:  # meanwhile Chloe leaves Priya's caseload
        coach = session.exec(select(User).where(User.email == coach_email)).one()
        today = date.today()
        rows = [
            row
            for row in session.exec(
                select(CoachAssignment).where(CoachAssignment.coach_id == coach.id)
            )
            if row.start_date < today and (row.end_date is None or row.end_date >= today)
        ]
        assert rows
        ended = [(row.id, row.end_date) for row in rows]
        for row in rows:
            row.end_date = today - timedelta(days=1)
            session.add(row)
        session.commit()
    try:
        go_online(context)
        app.wait_for_status("1 change refused")
        assert _observation(server, obs_id) is None
        page.get_by_role("link", name="See why").click()
        refused = page.get_by_role("region", name="Changes the server refused")
        expect(refused).to_contain_text("New observation:")
        expect(refused).to_contain_text("Teacher: Chloe Nguyen is not in your caseload")
        assert "teacher_id" not in refused.inner_text()  # the form's words, not the field's
        _shoot(page, "refused")
        refused.get_by_role("button", name="Dismiss").click()
        expect(refused).to_have_count(0)
        app.wait_for_status("All changes saved")
        assert _count(server, SyncQuarantine, entity_id=obs_id) == 1  # kept for support
    finally:
        with server.session() as session:
            for row_id, end in ended:
                row = session.get(CoachAssignment, row_id)
                assert row is not None
                row.end_date = end
                session.add(row)
            session.commit()
