"""The growth pages over HTTP: who sees a teacher's growth (the trust wall), the teacher's
sharing toggle, the summaries' suppression, and the audited score export."""

import csv
import io
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from server.accounts.models import User
from server.audit.models import AuditEvent
from server.config import Settings
from server.growth import routes as growth_routes
from server.growth import service, summaries, worker
from tests.conftest import csrf_from, login
from tests.factories import PASSWORD, create_check_in, create_cycle
from tests.growth.seed import GrowthWorld, add_observation, build, get_summary

SUPPRESSED = service.TOO_FEW


def sign_in(client: TestClient, user: User) -> str:
    client.cookies.clear()
    assert login(client, user.email, PASSWORD).status_code == 303
    return csrf_from(client.get("/", follow_redirects=True).text)


def growth_url(world: GrowthWorld) -> str:
    return f"/teachers/{world.teachers[0].id}/growth"


def test_teacher_sees_their_growth_with_charts_tables_and_trend(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build(session, settings)
    sign_in(client, world.teacher_user)
    first = client.get(growth_url(world)).text  # no fit yet: said plainly, nothing waits
    assert service.PENDING_TREND in first and "points a year" not in first
    assert "Baseline" in first and "Latest" in first
    assert world.district.id is not None
    service.refit_now(district_id=world.district.id)
    page = client.get(growth_url(world))
    assert page.status_code == 200, page.text[:500]
    html = page.text
    assert service.PENDING_TREND not in html
    assert "My growth" in html
    assert 'role="img"' in html and "<title id=" in html and "<desc id=" in html
    assert "Baseline" in html and "Latest" in html
    assert "points a year" in html  # the fitted trend
    assert "Coach" in html and "2026.1" in html  # observer role and rubric version
    assert service.ASSOCIATION_NOTE in html
    assert "caused" not in html.replace(service.ASSOCIATION_NOTE, "")
    assert "Share this page with my principal" in html


def test_too_few_observations_are_said_plainly(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build(session, settings)
    from tests.factories import create_teacher

    newcomer = create_teacher(session, world.big, name="New Teacher")
    from tests.factories import create_assignment

    create_assignment(session, world.coach, newcomer, world.years[0])
    add_observation(
        session, teacher=newcomer, observer=world.coach, year=world.years[1],
        rubric=world.rubric, on=date(2025, 9, 20), value=lambda _d, _i: 2,
    )  # fmt: skip
    session.commit()
    sign_in(client, world.coach)
    html = client.get(f"/teachers/{newcomer.id}/growth").text
    assert "Too few observations for a trend" in html
    assert "Only one observation so far." in html


def test_trust_wall_principal_needs_the_teachers_share(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build(session, settings)
    url = growth_url(world)
    sign_in(client, world.principal)
    assert client.get(url).status_code == 403
    sign_in(client, world.other_coach)
    assert client.get(url).status_code == 403
    sign_in(client, world.small_principal)
    assert client.get(url).status_code == 403
    sign_in(client, world.admin)
    assert client.get(url).status_code == 403
    sign_in(client, world.coach)
    assert client.get(url).status_code == 200

    # Only the teacher can share; then their principal sees it (audited), and not another.
    token = sign_in(client, world.principal)
    assert client.post(f"{url}/share", data={"csrf_token": token, "share": "on"}).status_code == 403
    token = sign_in(client, world.teacher_user)
    response = client.post(
        f"{url}/share", data={"csrf_token": token, "share": "on"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert "Stop sharing with my principal" in client.get(url).text
    sign_in(client, world.principal)
    assert client.get(url).status_code == 200
    assert "Ana Teacher" in get_summary(client, f"/schools/{world.big.id}/summary").text
    events = session.exec(select(AuditEvent).where(AuditEvent.entity == "growth")).all()
    assert events and events[-1].user_id == world.principal.id
    sign_in(client, world.small_principal)
    assert client.get(url).status_code == 403

    # Stopping the share closes it again.
    token = sign_in(client, world.teacher_user)
    client.post(f"{url}/share", data={"csrf_token": token, "share": ""})
    sign_in(client, world.principal)
    assert client.get(url).status_code == 403


def test_school_summary_shows_numbers_for_five_or_more_and_suppresses_fewer(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build(session, settings)
    cycle = create_cycle(session, world.coach, world.teachers[0], start=date(2026, 9, 1))
    create_check_in(session, world.coach, cycle, on=date(2026, 9, 8))
    session.commit()
    sign_in(client, world.principal)
    big = get_summary(client, f"/schools/{world.big.id}/summary")
    assert big.status_code == 200, big.text[:500]
    assert "Paired" in big.text or "paired" in big.text
    # None of the seed's changes is reliable (p >= .05): each is worded so.
    assert "points higher on" in big.text and "not a reliable change" in big.text
    assert "Teachers improved on" not in big.text
    assert "Cohorts compared:</strong> " + SUPPRESSED in big.text  # 3 and 3 teachers
    assert "Lessons at high level" in big.text
    assert "fewer than 5 teachers met a coach" in big.text
    assert "The numbers behind this chart" in big.text
    assert "Ana Teacher" not in big.text  # no individual unless shared
    assert "data-print" in big.text  # a Print button (app.js wires it)
    sign_in(client, world.small_principal)
    small = get_summary(client, f"/schools/{world.small.id}/summary")
    assert small.status_code == 200
    assert SUPPRESSED in small.text
    assert "Teachers improved on" not in small.text
    assert "Teachers declined on" not in small.text
    assert "points higher on" not in small.text and "points lower on" not in small.text
    assert get_summary(client, f"/schools/{world.big.id}/summary").status_code == 403
    sign_in(client, world.admin)
    assert get_summary(client, f"/schools/{world.small.id}/summary").status_code == 200
    district = get_summary(client, "/district/summary")
    assert district.status_code == 200
    assert "District overall" in district.text and "Small School" in district.text
    assert SUPPRESSED in district.text
    sign_in(client, world.coach)
    assert get_summary(client, "/district/summary").status_code == 403
    assert get_summary(client, f"/schools/{world.big.id}/summary").status_code == 403


def test_a_district_of_many_schools_links_each_school_to_its_own_page(
    client: TestClient, session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Up to SCHOOL_FOLDS_MAX schools the district page holds each school's numbers, folded;
    beyond it each school's row leads to the school's own page, and the page says so."""
    world = build(session, settings)
    sign_in(client, world.admin)
    folded = get_summary(client, "/district/summary").text
    assert f'href="#scope-{world.small.id}"' in folded
    assert f'id="scope-{world.small.id}"' in folded and "on its own page" not in folded
    monkeypatch.setattr(growth_routes, "SCHOOL_FOLDS_MAX", 1)
    linked = get_summary(client, "/district/summary").text
    assert f'href="/schools/{world.small.id}/summary"' in linked
    assert f'href="/schools/{world.big.id}/summary"' in linked
    assert f'id="scope-{world.small.id}"' not in linked and 'id="scope-overall"' in linked
    assert "With 2 schools, each school's numbers are on its own page" in linked
    assert get_summary(client, f"/schools/{world.small.id}/summary").status_code == 200


def test_a_summary_computing_says_so_shows_the_last_numbers_and_reloads_itself(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build(session, settings)
    sign_in(client, world.principal)
    url = f"/schools/{world.big.id}/summary"
    reload = f'href="{url}" hx-get="{url}" hx-trigger="load delay:3s"'
    first = client.get(url)
    assert "The numbers are being computed; this takes a few seconds." in first.text
    assert reload in first.text and 'id="glance-h"' not in first.text
    assert worker.run_now() == 1
    fresh = client.get(url)
    assert 'id="glance-h"' in fresh.text and reload not in fresh.text
    add_observation(
        session, teacher=world.teachers[0], observer=world.coach, year=world.years[1],
        rubric=world.rubric, on=date(2026, 6, 2), value=lambda _d, _i: 4,
    )  # fmt: skip
    session.commit()
    stale = client.get(url)
    assert "before the latest observations; updating." in stale.text
    assert reload in stale.text and 'id="glance-h"' in stale.text
    assert worker.run_now() == 1
    assert reload not in client.get(url).text


def test_the_workers_prerendered_numbers_are_what_the_pages_render_themselves(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build(session, settings)
    assert world.district.id is not None
    service.refresh_summary(session=session, district_id=world.district.id)
    key, _engine = summaries._summary_key(session, world.district.id)
    scopes = summaries._SUMMARIES[key].scopes
    assert all(sc.fragments for sc in scopes)  # rendered by the refresh, before any page
    urls = [
        (world.principal, f"/schools/{world.big.id}/summary"),
        (world.admin, "/district/summary"),
    ]
    pages = []
    for user, url in urls:
        sign_in(client, user)
        prerendered = client.get(url).text
        for sc in scopes:
            sc.fragments.clear()  # now the templates render and keep them
        pages.append((prerendered, client.get(url).text))
    for prerendered, rendered in pages:
        assert 'id="glance-h"' in prerendered and "District overall" in pages[1][0]
        assert prerendered == rendered


def test_school_page_links_the_summary(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build(session, settings)
    sign_in(client, world.principal)
    assert f'href="/schools/{world.big.id}/summary"' in client.get(f"/schools/{world.big.id}").text


def test_score_export_is_pseudonymous_tidy_and_audited(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build(session, settings)
    token = sign_in(client, world.admin)
    page = client.get("/admin/exports")
    assert page.status_code == 200
    assert 'href="/admin/exports"' in page.text
    refused = client.post("/admin/exports/scores.csv", data={"csrf_token": token})
    assert refused.status_code == 400
    response = client.post("/admin/exports/scores.csv", data={"csrf_token": token, "confirm": "on"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == list(service.EXPORT_COLUMNS)
    # talk.yaml has 4 dimensions without items: 9 teachers x 4 occasions x 4 scores.
    assert len(rows) == 9 * 4 * 4
    ids = {r["teacher"] for r in rows}
    assert len(ids) == 9
    assert all(i.startswith("t-") and len(i) == 18 for i in ids)
    database_ids = {str(t.id) for t in world.teachers}
    assert not ids & database_ids
    assert service.pseudonym(secret=settings.secret_key, teacher_id=world.teachers[0].id) in ids  # type: ignore[arg-type]
    assert {r["observer_role"] for r in rows} == {"Coach"}
    # Big School has 6 teachers, in cohorts of 3 and 3; Small School 3: the small-group rule
    # keeps Big's name, and hides every cohort and Small's name (suppress_small_groups).
    assert {r["school"] for r in rows} == {"Big School", "suppressed"}
    assert {r["cohort"] for r in rows} == {"suppressed"}
    per_teacher = {(r["teacher"], r["school"]) for r in rows}
    assert sum(1 for _, school in per_teacher if school == "Big School") == 6
    assert "Ana Teacher" not in response.text
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert event.user_id == world.admin.id
    assert event.detail == {"export": "scores", "rows": len(rows), "teachers": 9}
    token = sign_in(client, world.principal)
    assert (
        client.post(
            "/admin/exports/scores.csv", data={"csrf_token": token, "confirm": "on"}
        ).status_code
        == 403
    )
