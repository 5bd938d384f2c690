"""The JSON API's own CSRF protection, JSON 401s, and bearer tokens from the CLI."""

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from server.cli import app as cli_app
from server.config import get_settings
from server.sync.models import ApiToken
from tests.conftest import TEST_SECRET
from tests.sync.conftest import API_HEADERS, School, create_mutation, sign_in

runner = CliRunner()
BODY = {"device_id": "tablet-1", "mutations": []}


def test_no_session_or_token_is_401_json_never_a_redirect(client: TestClient) -> None:
    for response in (
        client.get("/api/sync/pull", follow_redirects=False),
        client.get("/api/sync/conflicts", follow_redirects=False),
        client.post("/api/sync/push", json=BODY, follow_redirects=False),
        client.post(
            "/api/sync/push", json=BODY, headers={"Authorization": "Bearer nope"},
            follow_redirects=False,
        ),
    ):  # fmt: skip
        assert response.status_code == 401
        assert response.json() == {"detail": "Not signed in"}


@pytest.mark.parametrize(
    ("headers", "problem"),
    [
        ({"Origin": "http://testserver"}, "X-Cadence-Sync:"),
        ({"X-Cadence-Sync": "1"}, "Origin:"),
        ({"X-Cadence-Sync": "1", "Origin": "https://evil.example"}, "Origin:"),
        ({"X-Cadence-Sync": "1", "Origin": "http://testserver.evil.example"}, "Origin:"),
        # The same host over another scheme is another origin.
        ({"X-Cadence-Sync": "1", "Origin": "https://testserver"}, "Origin:"),
        ({"X-Cadence-Sync": "1", "Sec-Fetch-Site": "cross-site"}, "Sec-Fetch-Site:"),
        (
            {"X-Cadence-Sync": "1", "Sec-Fetch-Site": "same-site", "Origin": "http://testserver"},
            "Sec-Fetch-Site:",
        ),
    ],
)
def test_a_cookie_request_without_same_origin_and_the_header_is_403(
    client: TestClient, school: School, headers: dict[str, str], problem: str
) -> None:
    sign_in(client, school.coach.email)
    oid = uuid.uuid4()
    body = {"device_id": "d", "mutations": [create_mutation(school, oid, 1)]}
    for response in (
        client.post("/api/sync/push", json=body, headers=headers),
        client.get("/api/sync/pull", headers=headers),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["detail"].startswith(problem)
    assert client.get("/api/sync/pull", headers=headers).status_code == 403


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Cadence-Sync": "1", "Sec-Fetch-Site": "same-origin"},
        {"X-Cadence-Sync": "1", "Sec-Fetch-Site": "none"},
        {"X-Cadence-Sync": "1", "Origin": "http://testserver"},
    ],
)
def test_same_origin_with_the_header_passes_without_the_form_token(
    client: TestClient, school: School, headers: dict[str, str]
) -> None:
    sign_in(client, school.coach.email)
    response = client.post("/api/sync/push", json=BODY, headers=headers)
    assert response.status_code == 200, response.text


def test_a_page_drawn_for_another_person_sends_and_receives_nothing(
    client: TestClient, school: School
) -> None:
    """A shared tablet: a page kept for the coach signed in before names them; the session
    is now another person's. Nothing is applied or pulled under it."""
    sign_in(client, school.coach.email)
    oid = uuid.uuid4()
    body = {"device_id": "d", "mutations": [create_mutation(school, oid, 1)]}
    someone_else = {**API_HEADERS, "X-Cadence-User": str(school.coach.id + 1000)}
    for response in (
        client.post("/api/sync/push", json=body, headers=someone_else),
        client.get("/api/sync/pull", headers=someone_else),
        client.get("/api/sync/bootstrap", headers=someone_else),
    ):
        assert response.status_code == 409, response.text
        assert response.json()["detail"].startswith("X-Cadence-User:")
        assert response.headers["X-Cadence-Stale-Page"] == "1"
    assert client.get("/api/sync/pull", headers=API_HEADERS).json()["changes"] == []
    mine = {**API_HEADERS, "X-Cadence-User": str(school.coach.id)}
    pushed = client.post("/api/sync/push", json=body, headers=mine)
    assert pushed.status_code == 200 and pushed.json()["results"][0]["status"] == "applied"


def test_pages_still_need_the_form_token(client: TestClient, school: School) -> None:
    sign_in(client, school.coach.email)
    response = client.post(
        "/account/password",
        headers={"X-Cadence-Sync": "1", "Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert response.status_code == 403


@pytest.fixture
def cli_env(database_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_bearer_tokens_from_the_cli_create_use_revoke(
    client: TestClient, school: School, cli_env: None
) -> None:
    made = runner.invoke(cli_app, ["tokens", "create", "--email", school.coach.email])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("cdn_")
    [row] = school.session.exec(select(ApiToken)).all()
    assert row.token_hash != token and token not in row.token_hash  # only a hash is kept
    bearer = {"Authorization": f"Bearer {token}"}
    oid = uuid.uuid4()
    body = {"device_id": "script", "mutations": [create_mutation(school, oid, 1)]}
    # No cookie, no Origin, no X-Cadence-Sync: the token alone.
    pushed = client.post("/api/sync/push", json=body, headers=bearer)
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["results"][0]["status"] == "applied"
    assert [c["id"] for c in client.get("/api/sync/pull", headers=bearer).json()["changes"]] == [
        str(oid)
    ]
    school.session.expire_all()
    assert school.session.exec(select(ApiToken)).one().last_used_at is not None
    listed = runner.invoke(cli_app, ["tokens", "list", "--email", school.coach.email])
    assert listed.exit_code == 0 and token not in listed.output
    revoked = runner.invoke(cli_app, ["tokens", "revoke", "--email", school.coach.email])
    assert revoked.exit_code == 0, revoked.output
    after = client.get("/api/sync/pull", headers=bearer)
    assert after.status_code == 401 and after.json() == {"detail": "Not signed in"}
    unknown = runner.invoke(cli_app, ["tokens", "create", "--email", "nobody@example.org"])
    assert unknown.exit_code == 1 and "--email" in unknown.output
