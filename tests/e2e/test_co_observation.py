"""Two observers, one lesson, on two tablets (two browser contexts): the first coach invites
a second, both score the lesson offline without seeing each other's levels, both finalize,
the network comes back, both see their agreement, and they record the consensus, which
is what the first observation then holds. The agreement page passes axe-core in portrait and
landscape with 44 px tap targets."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.db import make_engine
from server.main import create_app
from server.observations.models import Observation, Reconciliation, Score
from server.roster import demo
from tests.e2e.agreement_pages import AgreementPage
from tests.e2e.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT, demo_app_database, serve
from tests.e2e.pages import (
    CoachApp,
    LoginPage,
    ObservationScreen,
    check_screen,
    go_offline,
    go_online,
    wait_until_ready_offline,
)

FIRST = ("Maria Lopez", f"maria.lopez@{demo.DEMO_DOMAIN}")
SECOND = ("Daniel Okafor", f"daniel.okafor@{demo.DEMO_DOMAIN}")
ANA = "Ana Torres"
ADMIN = f"admin@{demo.DEMO_DOMAIN}"
DEMAND = "Cognitive demand of the task"
POSED, ENACTED = "Task as posed", "Task as enacted"


@dataclass
class Server:
    url: str
    engine: Engine


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    url, settings = demo_app_database(tmp_path_factory.mktemp("co-observation"))
    engine = make_engine(url)
    with serve(create_app(settings)) as base:
        yield Server(base, engine)
    engine.dispose()


@pytest.fixture
def tablets(browser: Browser, server: Server) -> Iterator[tuple[BrowserContext, BrowserContext]]:
    made = [browser.new_context(viewport=TABLET_PORTRAIT, base_url=server.url) for _ in range(2)]
    yield made[0], made[1]
    for context in made:
        context.close()


def _signed_in(context: BrowserContext, email: str) -> Page:
    page = context.new_page()
    LoginPage(page).open().sign_in(email, demo.DEMO_PASSWORD)
    CoachApp(page).open("/caseload")
    wait_until_ready_offline(page)
    return page


def _check(page: Page, name: str) -> None:
    check_screen(page, f"co-observation-{name}")


def _scores(server: Server, obs_id: str) -> dict[str, int | None]:
    with Session(server.engine) as session:
        rows = session.exec(select(Score).where(Score.observation_id == uuid.UUID(obs_id)))
        return {s.dimension_id: s.value for s in rows}


def test_two_tablets_co_observe_offline_then_see_their_agreement_and_reconcile(
    tablets: tuple[BrowserContext, BrowserContext], server: Server, browser: Browser
) -> None:
    first_tablet, second_tablet = tablets
    first_page = _signed_in(first_tablet, FIRST[1])
    first = CoachApp(first_page).new_observation(ANA).start([DEMAND], "5", "Co-observed ratios")
    first.invite(SECOND[0])
    CoachApp(first_page).wait_for_status("All changes saved")
    first_id = first.observation_id
    with Session(server.engine) as session:
        [second_row] = session.exec(
            select(Observation).where(Observation.pair_of == uuid.UUID(first_id))
        ).all()
        second_id = str(second_row.id)

    # The second tablet gets the lesson on its next sync: the teacher is not in their caseload.
    second_page = _signed_in(second_tablet, SECOND[1])
    CoachApp(second_page).open("/observe")
    second_page.get_by_role("link", name=f"{ANA}, ").first.click()
    second = ObservationScreen(second_page)
    assert second.observation_id == second_id
    assert second.pair_heading() == "You are the second observer"
    _check(second_page, "second-observer")

    go_offline(first_tablet)
    go_offline(second_tablet)
    first.tap_level(POSED, 2)
    first.tap_level(ENACTED, 1)
    second.tap_level(POSED, 2)
    second.tap_level(ENACTED, 3)
    for screen, page in ((first, first_page), (second, second_page)):
        screen.finalize()
        screen.wait_final()
        CoachApp(page).wait_for_status("Offline:")
    assert _scores(server, first_id) == {} and _scores(server, second_id) == {}

    go_online(first_tablet)
    go_online(second_tablet)
    CoachApp(first_page).wait_for_status("All changes saved")
    CoachApp(second_page).wait_for_status("All changes saved")

    second.open_agreement(FIRST[0])
    agreement = AgreementPage(second_page)
    assert agreement.figure("Exact agreement") == "50%"
    assert agreement.figure("Within one level") == "50%"
    assert agreement.verdict(POSED) == "Same level"
    assert agreement.verdict(ENACTED) == "2 levels apart"
    assert agreement.levels(ENACTED) == (
        "2 Procedures without connections",
        "4 Doing mathematics",
    )
    _check(second_page, "agreement-portrait")
    second_page.set_viewport_size(TABLET_LANDSCAPE)  # type: ignore[arg-type]
    _check(second_page, "agreement-landscape")

    first.open_agreement(SECOND[0])
    agreement = AgreementPage(first_page)
    agreement.save()  # nothing chosen where they differ: said in place
    first_page.locator(".field-error").wait_for()
    assert "choose the consensus level" in first_page.locator(".field-error").inner_text()
    agreement.choose(ENACTED, "3")
    agreement.save()
    agreement.saved()
    assert _scores(server, first_id) == {"as-posed": 3, "as-enacted": 3}
    assert _scores(server, second_id) == {"as-posed": 3, "as-enacted": 4}  # theirs, kept
    with Session(server.engine) as session:
        kept = session.get(Reconciliation, uuid.UUID(first_id))
        assert kept is not None and kept.changed_cells == 1

    second_page.reload()
    assert (
        "1 level of the first observation changed" in AgreementPage(second_page).reconciled_text()
    )

    # The district admin sees the lesson among the district's co-observed lessons.
    admin = browser.new_context(viewport=TABLET_LANDSCAPE, base_url=server.url)
    try:
        page = admin.new_page()
        LoginPage(page).open().sign_in(ADMIN, demo.DEMO_PASSWORD)
        page.goto("/district/co-observations")
        row = page.get_by_role("row", name=f"{ANA},")
        assert "Maria Lopez and Daniel Okafor" in row.inner_text()
        assert "recorded" in row.inner_text()
        _check(page, "district")
    finally:
        admin.close()
