"""The observation tests' small school, a signed-in API client, and mutation builders."""

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.conftest import login
from tests.factories import PASSWORD
from tests.observations.conftest import School, school

__all__ = ["School", "school"]

API_HEADERS = {"X-Cadence-Sync": "1", "Origin": "http://testserver"}
_ids = itertools.count(1)


def sign_in(client: TestClient, email: str) -> TestClient:
    assert login(client, email, PASSWORD).status_code == 303
    return client


def push(
    client: TestClient, mutations: list[dict[str, Any]], device: str = "tablet-1"
) -> httpx.Response:
    return client.post(
        "/api/sync/push", json={"device_id": device, "mutations": mutations}, headers=API_HEADERS
    )


def pull(client: TestClient, cursor: int = 0, **params: Any) -> dict[str, Any]:
    response = client.get(
        "/api/sync/pull", params={"cursor": cursor, **params}, headers=API_HEADERS
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def mutation(
    oid: uuid.UUID | str,
    op: str,
    mutation_id: int | None = None,
    base_version: int | None = None,
    entity: str = "observation",
    **fields: Any,
) -> dict[str, Any]:
    return {
        "mutation_id": next(_ids) if mutation_id is None else mutation_id,
        "entity": entity,
        "id": str(oid),
        "base_version": base_version,
        "payload": {"op": op, **fields},
    }


def create_payload(school: School, **overrides: Any) -> dict[str, Any]:
    return {
        "observed_at": datetime.now(UTC).isoformat(),
        "grade": "4",
        "teacher_id": school.teacher.id,
        "rubric_version_ids": [school.talk.id],
        **overrides,
    }


def create_mutation(school: School, oid: uuid.UUID, mutation_id: int) -> dict[str, Any]:
    return mutation(oid, "create_observation", mutation_id, data=create_payload(school))


def score_mutation(
    school: School,
    oid: uuid.UUID,
    mutation_id: int,
    dim: str = "participation",
    value: int = 3,
    base_version: int | None = None,
) -> dict[str, Any]:
    return mutation(
        oid, "set_score", mutation_id, base_version,
        rubric_version_id=school.talk.id, dimension_id=dim, value=value,
    )  # fmt: skip


def note_mutation(
    oid: uuid.UUID, mutation_id: int, text: str = "Students pair up"
) -> dict[str, Any]:
    return mutation(oid, "add_note", mutation_id, note_id=str(uuid.uuid4()), text=text)
