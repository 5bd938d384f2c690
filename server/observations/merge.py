"""The revision log and the field-level merge: every accepted write bumps the observation's
version once and logs one revision per field it changed (who, when, old, new)."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from server.accounts.service import Viewer
from server.db import utcnow
from server.observations.models import Observation, ObservationRevision
from server.observations.operations import ConflictError, OperationError, OperationResult

_INSERT_REVISION = insert(ObservationRevision.__table__)  # type: ignore[attr-defined]
_OBSERVATIONS = Observation.__table__  # type: ignore[attr-defined]
_BUMP_VERSION = update(_OBSERVATIONS).where(_OBSERVATIONS.c.id == bindparam("observation_id"))


def jsonable(value: Any) -> Any:
    """Values as the revision log stores them (and compares them)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


class Write:
    """The changes one operation makes to one observation, with the field-level merge."""

    def __init__(
        self,
        session: Session,
        observation: Observation,
        actor: Viewer,
        op_kind: str,
        base: int | None,
    ) -> None:
        self.session, self.observation, self.actor = session, observation, actor
        self.op_kind, self.base = op_kind, base
        self.changes: list[tuple[str, str, Any, Any]] = []
        self.at = utcnow()
        if base is not None and base > observation.version:
            raise OperationError(
                "base_version",
                f"{base} is newer than the observation's version {observation.version}",
            )

    def accepts(self, entity: str, field: str, new: Any, current: Any) -> bool:
        """Whether to apply new over current. A stale base merges per field: a field nobody
        changed since the base is applied; one the client left as it was at the base keeps
        the server's newer value; both changed -> ConflictError naming the field."""
        new, current = jsonable(new), jsonable(current)
        if new == current:
            return False
        if self.base is None or self.base >= self.observation.version:
            return True
        first_later = self.session.exec(
            select(ObservationRevision)
            .where(
                ObservationRevision.observation_id == self.observation.id,
                ObservationRevision.entity == entity,
                ObservationRevision.field == field,
                col(ObservationRevision.version) > self.base,
            )
            .order_by(col(ObservationRevision.version), col(ObservationRevision.id))
        ).first()
        if first_later is None:
            return True
        if first_later.old == new:
            return False
        raise ConflictError(
            field_label(entity, field),
            f"was changed at version {first_later.version} after your version {self.base}; "
            "reload to see the current value and choose",
            current=current,
        )

    def record(self, entity: str, field: str, old: Any, new: Any) -> None:
        self.changes.append((entity, field, jsonable(old), jsonable(new)))

    def finish(self) -> OperationResult:
        obs = self.observation
        if not self.changes:
            return OperationResult(observation=obs, changed=False, at=self.at)
        # Core statements compiled once, on the session's connection (this runs on every
        # accepted write). The caller locked the row, so version + 1 is this write's version.
        version = obs.version + 1
        connection = self.session.connection()
        connection.execute(
            _BUMP_VERSION, {"observation_id": obs.id, "version": version, "updated_at": self.at}
        )
        set_committed_value(obs, "version", version)
        set_committed_value(obs, "updated_at", self.at)
        self.session.flush()  # what else the operation changed on the observation (context...)
        connection.execute(
            _INSERT_REVISION,
            [
                {
                    "observation_id": obs.id, "version": obs.version, "actor_id": self.actor.id,
                    "at": self.at, "operation": self.op_kind, "entity": entity, "field": field,
                    "old": old, "new": new,
                }
                for entity, field, old, new in self.changes
            ],
        )  # fmt: skip
        fields = [field_label(e, f) for e, f, _, _ in self.changes]
        return OperationResult(observation=obs, changed=True, fields=fields, at=self.at)


def field_label(entity: str, field: str) -> str:
    return field if entity == "observation" else f"{entity} {field}"
