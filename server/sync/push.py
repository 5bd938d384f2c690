"""Push's writes: a batch's observation operations in one transaction, other mutations one each."""

import re
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from server.accounts.service import Viewer
from server.coaching import service as coaching_service
from server.db import utcnow
from server.observations import service as observations_service
from server.observations.lookups import Lookups
from server.observations.merge import jsonable
from server.observations.operations import (
    ConflictError,
    NotFound,
    Operation,
    OperationError,
    PermissionDenied,
)
from server.sync import coaching as coaching_sync
from server.sync.changes import ChangeLog
from server.sync.conflicts import conflict_reason, keep_conflict
from server.sync.models import MutationStatus, SyncMutation, SyncQuarantine
from server.sync.mutations import (
    RESOLVE_OP,
    Acknowledge,
    MutationIn,
    MutationResult,
    Reject,
    envelope,
    parse_operation,
    result_of,
)
from server.sync.resolve import ConflictNotFound, ResolveError, parse_resolution, resolve_conflict

# A reason that starts with a field name, as "teacher_id: ..." or "payload.value: ...".
FIELD_NAMED = re.compile(r"^[a-z_][a-z0-9_.]*: ")

_INSERT_MUTATION = insert(SyncMutation.__table__)  # type: ignore[attr-defined]

# What the write path refuses: kept in quarantine with the reason (refusal).
REFUSED = (OperationError, PermissionDenied, NotFound)


def refusal(exc: Exception) -> str:
    """A refused write's reason, naming the field: an invalid value's own message; for a
    permission or a missing record the message's field when it names one ("teacher_id: ...
    is not in your caseload."), else the mutation's `id`."""
    if isinstance(exc, OperationError | ConflictError):
        return str(exc)
    message = exc.message if isinstance(exc, PermissionDenied) else str(exc)
    return message if FIELD_NAMED.match(message) else f"id: {message}"


def operation_to_batch(mutation_id: int, raw: dict[str, Any]) -> Operation | None:
    """The mutation's observation operation, if it is one that parses; else None (a coaching
    entity, a conflict resolution, a malformed row: applied on its own by push_one)."""
    try:
        mutation = envelope(mutation_id, raw)
        if mutation.entity != "observation" or mutation.payload.get("op") == RESOLVE_OP:
            return None
        return parse_operation(mutation)
    except OperationError:
        return None


class BatchTransaction:
    """The open transaction of a push: observation operations applied one after another and
    committed together with their SyncMutation rows. Those rows and the change rows
    (ChangeLog) are inserted all at once right before the commit: so the change lock is
    taken last and briefly, and a mutation acknowledged meanwhile by a concurrent push (the
    unique key) fails the commit rather than a write.

    When a mutation fails here (rejected, a conflict, any error), or the commit does, the
    transaction is rolled back and its mutations, that one included, are applied again one
    transaction each (push_one, which quarantines, keeps conflicts and answers
    duplicates). So each mutation's write and result still commit together or not at all,
    and one failing changes nothing for the others."""

    def __init__(
        self, session: Session, actor: Viewer, device_id: str, stored: dict[int, MutationResult]
    ) -> None:
        self.session, self.actor, self.device_id = session, actor, device_id
        self.stored = stored  # committed results by mutation id: this adds to it
        self.lookups = Lookups()  # rubric sheets, caseloads, school years: read once
        self.log = ChangeLog()
        # Applied, not committed yet: mutation id, the mutation as sent, the version after it.
        self.pending: list[tuple[int, dict[str, Any], int]] = []
        self.ids: set[int] = set()

    def apply(self, mutation_id: int, raw: dict[str, Any], op: Operation) -> None:
        try:
            result = observations_service.apply_operation(
                session=self.session, actor=self.actor, op=op, commit=False,
                lookups=self.lookups, log=self.log,
            )  # fmt: skip
        except Exception:
            self._one_by_one([*((m, r) for m, r, _ in self.pending), (mutation_id, raw)])
            return
        self.pending.append((mutation_id, raw, result.version))
        self.ids.add(mutation_id)

    def commit(self) -> None:
        if not self.pending:
            return
        applied = MutationStatus.applied
        acks = [
            _ack_row(self.actor, self.device_id, m, r, applied, v, None) for m, r, v in self.pending
        ]
        try:
            self.log.write(self.session)
            self.session.connection().execute(_INSERT_MUTATION, acks)
            self.session.commit()
        except Exception:
            self._one_by_one([(m, r) for m, r, _ in self.pending])
            return
        for mutation_id, _, version in self.pending:
            self.stored[mutation_id] = MutationResult(
                mutation_id=mutation_id, status=applied, version=version
            )
        self._clear()

    def _one_by_one(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        """Roll the transaction back, then apply these mutations one transaction each."""
        self.session.rollback()
        self._clear()
        self.lookups = Lookups()  # what it read may have been undone (an observation made)
        for mutation_id, raw in rows:
            self.stored[mutation_id] = push_one(
                self.session, self.actor, self.device_id, mutation_id, raw, self.lookups
            )

    def _clear(self) -> None:
        self.log.rows.clear()
        self.pending.clear()
        self.ids.clear()


def _ack_row(
    actor: Viewer,
    device_id: str,
    mutation_id: int,
    raw: dict[str, Any],
    status: MutationStatus,
    version: int | None,
    reason: str | None,
) -> dict[str, Any]:
    """The SyncMutation row acknowledging a mutation (`entity` and `id` as it said)."""
    return {
        "user_id": actor.id, "device_id": device_id, "mutation_id": mutation_id,
        "entity": str(raw.get("entity", ""))[:40], "entity_id": str(raw.get("id", ""))[:100],
        "status": status, "version": version, "reason": reason, "created_at": utcnow(),
    }  # fmt: skip


def push_one(
    session: Session,
    actor: Viewer,
    device_id: str,
    mutation_id: int,
    raw: dict[str, Any],
    lookups: Lookups,
) -> MutationResult:
    """Apply one mutation in a transaction of its own, with its acknowledgement."""

    def acknowledge(
        status: MutationStatus, version: int | None, reason: str | None
    ) -> MutationResult:
        try:  # Core insert (no unit of work), committed with the write it acknowledges
            session.execute(
                _INSERT_MUTATION,
                _ack_row(actor, device_id, mutation_id, raw, status, version, reason),
            )
            session.commit()
        except IntegrityError:  # the same mutation acknowledged concurrently: a repeat
            session.rollback()
            row = session.exec(
                select(SyncMutation).where(
                    SyncMutation.user_id == actor.id,
                    SyncMutation.device_id == device_id,
                    SyncMutation.mutation_id == mutation_id,
                )
            ).one()
            return result_of(row).model_copy(update={"status": MutationStatus.duplicate})
        return MutationResult(
            mutation_id=mutation_id, status=status, version=version, reason=reason
        )

    def reject(reason: str) -> MutationResult:
        session.add(
            SyncQuarantine(
                user_id=actor.id, device_id=device_id, mutation_id=mutation_id,
                entity=str(raw.get("entity", ""))[:200], entity_id=str(raw.get("id", ""))[:200],
                payload=jsonable(raw), reason=reason,
            )
        )  # fmt: skip
        return acknowledge(MutationStatus.rejected, None, reason)

    try:
        mutation = envelope(mutation_id, raw)
        if mutation.payload.get("op") == RESOLVE_OP:
            return _resolve_one(session, actor, mutation, acknowledge, reject)
        if mutation.entity in coaching_sync.COACHING_ENTITIES:
            return _push_coaching(session, actor, device_id, mutation, acknowledge, reject)
        op = parse_operation(mutation)
    except OperationError as exc:
        return reject(str(exc))
    try:
        result = observations_service.apply_operation(
            session=session, actor=actor, op=op, commit=False, lookups=lookups
        )
        return acknowledge(MutationStatus.applied, result.version, None)
    except ConflictError as exc:
        return keep_conflict(session, actor, device_id, mutation_id, op, exc, acknowledge)
    except REFUSED as exc:
        return reject(refusal(exc))


def _push_coaching(
    session: Session,
    actor: Viewer,
    device_id: str,
    mutation: MutationIn,
    acknowledge: Acknowledge,
    reject: Reject,
) -> MutationResult:
    """A coaching mutation (cycle, check_in, commitment): applied through
    apply_coaching_operation with its acknowledgement in one transaction, exactly like an
    observation's: conflicts kept, anything invalid rejected into quarantine."""
    op = coaching_sync.parse(mutation.entity, mutation.payload)
    try:
        result = coaching_service.apply_coaching_operation(
            session=session, actor=actor, entity_id=mutation.id, op=op,
            base_version=mutation.base_version, commit=False,
        )  # fmt: skip
        return acknowledge(MutationStatus.applied, result.version, None)
    except ConflictError as exc:
        conflicts, version = coaching_sync.keep_conflict(
            session=session, actor=actor, device_id=device_id,
            mutation_id=mutation.mutation_id, entity=mutation.entity, entity_id=mutation.id,
            base_version=mutation.base_version, op=op, first=exc,
        )  # fmt: skip
        return acknowledge(MutationStatus.conflict, version, conflict_reason(conflicts, exc))
    except REFUSED as exc:
        return reject(refusal(exc))


def _resolve_one(
    session: Session,
    actor: Viewer,
    mutation: MutationIn,
    acknowledge: Acknowledge,
    reject: Reject,
) -> MutationResult:
    """A `resolve_conflict` mutation: the resolution and its acknowledgement commit
    together; anything wrong rejects it into quarantine, naming the payload field."""
    resolution = parse_resolution(mutation)
    try:
        resolved = resolve_conflict(
            session=session, actor=actor, conflict_id=resolution.conflict_id,
            choice=resolution.choice, value=resolution.given_value(),
            entity_id=mutation.id, commit=False,
        )  # fmt: skip
    except (ConflictNotFound, ResolveError) as exc:
        return reject(f"payload.{exc}")
    except (*REFUSED, ConflictError) as exc:
        return reject(refusal(exc))
    return acknowledge(MutationStatus.applied, resolved.version, None)
