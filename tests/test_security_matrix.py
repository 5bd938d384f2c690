"""Generated from the app's routes, not a hand list: another district's ids open nothing for
anyone, and no POST is accepted without this browser's own CSRF proof.

- Two districts are built alike (tests/test_authorization.py's world, twice). Every route
  with an id in its path is requested by every signed-in role of the first district with the
  second district's ids: the answer is 403 or 404, never a page, a change or a 500.
- Every POST route is sent by a role the matrix allows, with the form token missing or taken
  from another browser (the sync API: without its header or from another origin): 403, and
  nothing is written.
"""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from server.config import Settings
from server.main import create_app
from server.pwa.routes import COACH_SCREENS
from server.sync.models import SyncChange
from tests.conftest import get_csrf, login
from tests.factories import PASSWORD
from tests.test_authorization import (
    ANON,
    API_HEADERS,
    MATRIX,
    ROLES,
    World,
    app_routes,
    build_world,
    send,
)

# Path parameters that name no district's record: the shipped rubrics are everyone's, and a
# one-time link's token is its own key (a made-up one opens nothing).
SHARED_PARAMETERS = {"rubric_id", "version", "token"}
SIGNED_IN_ROLES = [role for role in ROLES if role != ANON]


def _parameters(path: str) -> set[str]:
    return {part[1:-1] for part in path.split("/") if part.startswith("{")}


# MATRIX is held equal to the app's routes (test_authorization.py's
# test_every_route_is_in_the_matrix), so these lists are the app's, whatever is added.
ROUTES = sorted(MATRIX)
WITH_IDS = [(m, p) for m, p in ROUTES if _parameters(p) - SHARED_PARAMETERS]
POSTS = [(m, p) for m, p in ROUTES if m == "POST"]


def test_the_generated_lists_are_the_apps_routes(settings: Settings) -> None:
    routes = app_routes(create_app(settings))
    assert set(WITH_IDS) == {r for r in routes if _parameters(r[1]) - SHARED_PARAMETERS}
    assert set(POSTS) == {r for r in routes if r[0] == "POST"}


def _two_districts(session: Session, settings: Settings) -> tuple[World, World]:
    return build_world(session, settings), build_world(session, settings, prefix="b-")


def _send(client: TestClient, method: str, url: str) -> tuple[int, str]:
    """The request as test_authorization.py sends it: its status and body."""
    response = send(client, method, url)
    return response.status_code, response.text


@pytest.mark.parametrize(("method", "path"), WITH_IDS, ids=[f"{m} {p}" for m, p in WITH_IDS])
def test_another_districts_ids_open_nothing_for_any_role(
    client: TestClient, session: Session, settings: Settings, method: str, path: str
) -> None:
    home, other = _two_districts(session, settings)
    url = path.format(**other.ids)
    changes = session.exec(select(func.count()).select_from(SyncChange)).one()
    answers = {}
    for role in SIGNED_IN_ROLES:
        client.cookies.clear()
        assert login(client, home.emails[role], PASSWORD).status_code == 303
        code, body = _send(client, method, url)
        if code == 200 and path in COACH_SCREENS:
            # The coach's app is one shell whatever the id: the record itself comes only from
            # the tablet's store, filled by the scoped sync pull. The same page as the list.
            assert body == client.get("/observe").text
            continue
        answers[role] = code
    assert {role: code for role, code in answers.items() if code not in (403, 404)} == {}
    session.expire_all()
    assert session.exec(select(func.count()).select_from(SyncChange)).one() == changes


@pytest.mark.parametrize(("method", "path"), POSTS, ids=[f"{m} {p}" for m, p in POSTS])
def test_every_post_needs_this_browsers_own_csrf_proof(
    client: TestClient, session: Session, settings: Settings, method: str, path: str
) -> None:
    world = build_world(session, settings)
    allowed = sorted(MATRIX[(method, path)] - {ANON}) or [ANON]
    role = allowed[0]
    if role != ANON:
        assert login(client, world.emails[role], PASSWORD).status_code == 303
    url = path.format(**world.ids)
    changes = session.exec(select(func.count()).select_from(SyncChange)).one()
    if url.startswith("/api/"):
        bare = client.post(url, json={}, follow_redirects=False)
        foreign = client.post(
            url, json={}, headers={**API_HEADERS, "Origin": "https://elsewhere.example"},
            follow_redirects=False,
        )  # fmt: skip
    else:
        with TestClient(create_app(settings)) as other_browser:
            foreign_token = get_csrf(other_browser)
        bare = client.post(url, data={}, follow_redirects=False)
        foreign = client.post(url, data={"csrf_token": foreign_token}, follow_redirects=False)
    assert (bare.status_code, foreign.status_code) == (403, 403), (bare.text[:200], role)
    session.expire_all()
    assert session.exec(select(func.count()).select_from(SyncChange)).one() == changes
