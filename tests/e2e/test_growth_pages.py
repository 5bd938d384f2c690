"""The growth pages in Chromium on a tablet, both ways round: a teacher's growth page with its
charts' text alternatives and the sharing toggle, and the principal's summary with suppressed
cells marked (a school of four teachers). axe-core finds no serious or critical violation."""

import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlmodel import Session, select

from server.accounts.models import User
from server.db import make_engine
from server.growth import service as growth_service
from server.main import create_app
from server.roster import demo
from server.roster.models import CoachAssignment, SchoolYear, Teacher
from server.rubrics.models import RubricVersion
from tests.e2e.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT, demo_app_database, serve
from tests.e2e.growth_pages import GrowthPage, SummaryPage
from tests.e2e.pages import LoginPage, horizontal_overflow, serious_axe_violations
from tests.growth.seed import add_observation

TEACHER = f"ana.torres@{demo.DEMO_DOMAIN}"
PRINCIPAL = f"grace.kim@{demo.DEMO_DOMAIN}"  # Cedar Elementary: twelve teachers
SMALL_SCHOOL_PRINCIPAL = f"henry.walsh@{demo.DEMO_DOMAIN}"  # Birchwood Elementary: four
SHOTS = Path("test-results/screenshots")


def _seed_observations(url: str) -> None:
    """Start- and end-of-year observations of every demo teacher on the NCTM practices and
    the IQA, in each school year up to today (the demo DB here has none)."""
    rng = random.Random(6)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        rubrics = [
            session.exec(select(RubricVersion).where(RubricVersion.rubric_id == r)).first()
            for r in ("nctm-practices", "iqa-math")
        ]
        years = session.exec(select(SchoolYear).order_by(SchoolYear.start_date)).all()  # type: ignore[arg-type]
        for teacher in session.exec(select(Teacher)).all():
            assignment = session.exec(
                select(CoachAssignment).where(CoachAssignment.teacher_id == teacher.id)
            ).first()
            if assignment is None:
                continue
            coach = session.get(User, assignment.coach_id)
            assert coach is not None
            skill = rng.uniform(-0.5, 0.5)
            for y_index, year in enumerate(years):
                for half, on in enumerate(
                    (year.start_date + timedelta(days=50), year.end_date - timedelta(days=60))
                ):
                    if on > date.today():
                        continue
                    growth = 0.4 * (2 * y_index + half)
                    for rubric in rubrics:
                        assert rubric is not None
                        top = 5 if rubric.rubric_id == "nctm-practices" else 4
                        add_observation(
                            session, teacher=teacher, observer=coach, year=year, rubric=rubric,
                            on=on,
                            value=lambda _d, _i, g=growth, s=skill, top=top: max(
                                1, min(top, round(2 + s + g + rng.uniform(-1, 1)))
                            ),
                        )  # fmt: skip
        session.commit()
    engine.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, settings = demo_app_database(tmp_path_factory.mktemp("growth"))
    _seed_observations(url)
    with serve(create_app(settings)) as base:
        yield base


def _signed_in(browser: Browser, server: str, email: str, viewport: dict[str, int]) -> Page:
    context = browser.new_context(viewport=viewport, base_url=server)  # type: ignore[arg-type]
    page = context.new_page()
    LoginPage(page).open().sign_in(email, demo.DEMO_PASSWORD)
    return page


@pytest.mark.parametrize(
    "viewport", [TABLET_PORTRAIT, TABLET_LANDSCAPE], ids=["portrait", "landscape"]
)
def test_teacher_growth_and_principal_summary(
    browser: Browser, server: str, viewport: dict[str, int]
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    name = "portrait" if viewport == TABLET_PORTRAIT else "landscape"
    teacher = _signed_in(browser, server, TEACHER, viewport)
    teacher.goto("/my-coaching")
    teacher.get_by_role("link", name="My growth: scores over time").click()
    growth = GrowthPage(teacher)
    assert growth.heading() == "My growth"
    if name == "portrait":  # the first visit: no district fit yet, said plainly, nothing waits
        assert growth.pending_lines() and all(
            growth_service.PENDING_TREND in line for line in growth.pending_lines()
        )
    # The fits queued by the visit, run now (the app's worker thread would do it shortly).
    growth_service.refit_now()
    teacher.reload()
    assert growth.pending_lines() == []
    charts = growth.chart_alternatives()
    assert charts and all(title and desc for title, desc in charts)
    assert any("points a year" in line or "Too few" in line for line in growth.trend_lines())
    assert serious_axe_violations(teacher) == []
    assert horizontal_overflow(teacher) == 0
    assert growth.closed_tables() and min(growth.toggle_heights()) >= 44
    # Each instrument opens with a table of every line at a glance, leading to its chart.
    assert growth.glance_names() == growth.chart_headings()
    assert min(growth.glance_link_heights()) >= 44
    last = len(growth.glance_names()) - 1
    assert growth.follow_glance(last).startswith("dim-")
    teacher.screenshot(path=str(SHOTS / f"growth-teacher-{name}.png"), full_page=True)
    teacher.emulate_media(media="print")
    assert growth.hidden_tables() == 0, "every chart's numbers print"
    teacher.emulate_media(media="screen")
    assert growth.print_button_prints()
    growth.open_first_table()
    assert serious_axe_violations(teacher) == []
    growth_url = teacher.url.split("#")[0]
    if teacher.get_by_role("button", name="Share this page with my principal").count():
        growth.share()
    assert "Stop sharing with my principal" in teacher.content()

    principal = _signed_in(browser, server, PRINCIPAL, viewport)
    principal.goto("/school")
    principal.get_by_role("link", name="Summary for").click()
    summary = SummaryPage(principal).wait_until_fresh()
    assert "Growth summary" in principal.locator("h1").inner_text()
    assert summary.sentences(), "Cedar's twelve teachers: the numbers are shown"
    assert all("fewer than 5" in text for text in summary.suppressed_cells())
    assert serious_axe_violations(principal) == []
    assert horizontal_overflow(principal) == 0
    assert all(h >= 44 for h in GrowthPage(principal).toggle_heights())
    principal.screenshot(path=str(SHOTS / f"growth-summary-{name}.png"), full_page=True)
    principal.emulate_media(media="print")
    assert GrowthPage(principal).hidden_tables() == 0
    principal.emulate_media(media="screen")
    assert GrowthPage(principal).print_button_prints()
    principal.goto(growth_url)
    assert principal.locator("h1").inner_text().startswith("Growth:")

    # Birchwood has four teachers: every number over them is left out, and says why.
    small = _signed_in(browser, server, SMALL_SCHOOL_PRINCIPAL, viewport)
    small.goto("/school")
    small.get_by_role("link", name="Summary for").click()
    cells = SummaryPage(small).suppressed_cells()
    assert cells, "small groups are marked as not shown"
    assert all("fewer than 5" in text for text in cells)
    assert SummaryPage(small).sentences() == []
    assert serious_axe_violations(small) == []
