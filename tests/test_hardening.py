"""Hardening that holds for every route: no public API schema, ids beyond any row refused
with 404 or a 400 naming the field (never a 500), no int parameter without a bound, and
compression only where no secret sits beside reflected text."""

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from server.config import Settings
from server.db import MAX_ID
from server.main import create_app
from tests.conftest import get_csrf, login
from tests.factories import PASSWORD
from tests.test_authorization import _walk
from tests.wall import Wall

HUGE = str(2**64 + 7)


def test_the_api_schema_and_docs_are_not_served(client: TestClient) -> None:
    for path in ("/openapi.json", "/docs", "/redoc"):
        assert client.get(path).status_code == 404, path


def test_static_files_are_compressed_and_html_pages_are_not(client: TestClient) -> None:
    gzip = {"Accept-Encoding": "gzip"}
    script = client.get("/static/js/store.js", headers=gzip)
    assert script.headers.get("content-encoding") == "gzip"
    assert "indexedDB" in script.text  # decoded by the client: the same file
    # The login page carries the CSRF token: never compressed (BREACH).
    page = client.get("/login?next=/week", headers=gzip)
    assert page.status_code == 200 and "csrf_token" in page.text
    assert "content-encoding" not in page.headers


def test_every_int_path_and_query_parameter_has_an_upper_bound(settings: Settings) -> None:
    def flat(dep):  # type: ignore[no-untyped-def]
        yield dep
        for sub in dep.dependencies:
            yield from flat(sub)

    unbounded = [
        (route.path, param.name)
        for route in _walk(create_app(settings).routes)
        for dep in flat(route.dependant)
        for param in [*dep.path_params, *dep.query_params]
        if param.field_info.annotation in (int, int | None)
        and not any(getattr(m, "le", None) for m in param.field_info.metadata)
    ]
    assert unbounded == []


@pytest.mark.parametrize("bad", [HUGE, str(MAX_ID + 1), "0", "-1", "%C2%B9"])
def test_an_id_beyond_any_row_in_a_path_is_a_404(
    client: TestClient, session: Session, wall: Wall, bad: str
) -> None:
    login(client, "admin@example.org", PASSWORD)
    for path in (
        f"/admin/people/{bad}/edit",
        f"/schools/{bad}/summary",
        f"/admin/teachers/{bad}/edit",
    ):
        response = client.get(path)
        assert response.status_code == 404, (path, response.status_code)


def test_an_id_beyond_any_row_in_a_query_or_form_is_a_400_or_ignored(
    client: TestClient, session: Session, wall: Wall
) -> None:
    login(client, "admin@example.org", PASSWORD)
    assert client.get(f"/admin/assignments/new?teacher_id={HUGE}").status_code == 400
    audit = client.get(f"/admin/audit?user_id={HUGE}")
    assert audit.status_code == 400 and 'id="user_id-error"' in audit.text
    people = client.get("/admin/people?school_id=%C2%B9")
    assert people.status_code == 404
    csrf = get_csrf(client, "/admin/assignments/new")
    form = client.post(
        "/admin/assignments/new",
        data={"csrf_token": csrf, "coach_id": HUGE, "teacher_id": HUGE, "school_year_id": "¹",
              "start_date": "2026-09-01"},
    )  # fmt: skip
    assert form.status_code == 400
    client.cookies.clear()
    login(client, "coach@example.org", PASSWORD)
    api = {"X-Cadence-Sync": "1", "Origin": "http://testserver"}
    pull = client.get(f"/api/sync/pull?cursor={2**64}", headers=api)
    assert pull.status_code == 400 and "cursor" in pull.json()["detail"]


def test_an_id_beyond_any_row_in_json_is_refused_naming_the_field(
    client: TestClient, session: Session, wall: Wall
) -> None:
    login(client, "coach@example.org", PASSWORD)
    mutation = {
        "mutation_id": 1, "entity": "observation", "id": str(uuid.uuid4()), "base_version": None,
        "payload": {"op": "create_observation", "data": {
            "observed_at": "2026-10-01T10:00:00+00:00", "grade": "4", "teacher_id": 2**64,
            "rubric_version_ids": [2**64]}},
    }  # fmt: skip
    response = client.post(
        "/api/sync/push", json={"device_id": "tablet-1", "mutations": [mutation]},
        headers={"X-Cadence-Sync": "1", "Origin": "http://testserver"},
    )  # fmt: skip
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["status"] == "rejected"
    assert "teacher_id" in result["reason"]


def test_every_integer_a_request_body_can_carry_has_an_upper_bound(settings: Settings) -> None:
    """A JSON or form field typed int with no maximum reaches the database as given; SQLite
    cannot bind one above 2**63 (a 500). Every request body's integers are bounded."""
    document = create_app(settings).openapi()
    components = document.get("components", {}).get("schemas", {})
    unbounded: list[str] = []

    def walk(node: object, where: str, seen: frozenset[str]) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                name = ref.rsplit("/", 1)[-1]
                if name not in seen:
                    walk(components[name], f"{where}>{name}", seen | {name})
                return
            if node.get("type") == "integer" and "maximum" not in node:
                unbounded.append(where)
            for key, value in node.items():
                walk(value, f"{where}.{key}", seen)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}[{i}]", seen)

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody")
            if body:
                walk(body, f"{method.upper()} {path}", frozenset())
    assert unbounded == []


def test_over_https_browsers_are_told_to_keep_to_https(settings: Settings) -> None:
    with TestClient(create_app(settings), base_url="https://cadence.example") as https_client:
        for path in ("/login", "/healthz", "/static/js/store.js", "/no-such-page"):
            answer = https_client.get(path)
            assert answer.headers.get("strict-transport-security") == "max-age=31536000", path
    with TestClient(create_app(settings)) as plain:
        assert "strict-transport-security" not in plain.get("/login").headers
