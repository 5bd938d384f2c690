"""Sync: push (mutations applied through the one write path, idempotent per user, device
and mutation id), pull (the change log in the user's scope), conflicts, API tokens.

The protocol is documented in docs/sync.md. This module is the entry point: it holds push's
batch loop and re-exports the sync modules' API (mutations.py what a push carries, push.py
its writes, conflicts.py and resolve.py kept conflicts, quarantine.py, pull.py, tokens.py).
"""

from sqlmodel import Session, col, select

from server.accounts.service import Viewer
from server.sync.changes import record_change
from server.sync.conflicts import ConflictOut, conflict_out, has_open_conflict, list_open_conflicts
from server.sync.models import MutationStatus, SyncMutation
from server.sync.mutations import (
    ENTITIES,
    MAX_BATCH,
    OPERATION,
    RESERVED_PAYLOAD_KEYS,
    RESOLVE_OP,
    BatchError,
    MutationIn,
    MutationResult,
    PushIn,
    PushOut,
    mutation_ids,
    result_of,
)
from server.sync.pull import PULL_LIMIT, ChangeOut, PullOut, observation_data, pull
from server.sync.push import FIELD_NAMED, BatchTransaction, operation_to_batch, push_one
from server.sync.quarantine import (
    QUARANTINE_LIMIT,
    DismissIn,
    DismissOut,
    QuarantineOut,
    dismiss_quarantined,
    list_quarantine,
    quarantine_out,
)
from server.sync.resolve import (
    NO_VALUE,
    SCORE_SHAPE,
    Choice,
    ConflictNotFound,
    ResolveError,
    ResolveIn,
    ResolveOut,
    ResolvePayload,
    ScoreChoice,
    resolve_conflict,
)
from server.sync.tokens import (
    LAST_USED_GRANULARITY,
    TOKEN_PREFIX,
    NewToken,
    create_token,
    list_tokens,
    revoke_tokens,
    viewer_for_token,
)

__all__ = [
    "ENTITIES",
    "FIELD_NAMED",
    "LAST_USED_GRANULARITY",
    "MAX_BATCH",
    "NO_VALUE",
    "OPERATION",
    "PULL_LIMIT",
    "QUARANTINE_LIMIT",
    "RESERVED_PAYLOAD_KEYS",
    "RESOLVE_OP",
    "SCORE_SHAPE",
    "TOKEN_PREFIX",
    "BatchError",
    "ChangeOut",
    "Choice",
    "ConflictNotFound",
    "ConflictOut",
    "DismissIn",
    "DismissOut",
    "MutationIn",
    "MutationResult",
    "NewToken",
    "PullOut",
    "PushIn",
    "PushOut",
    "QuarantineOut",
    "ResolveError",
    "ResolveIn",
    "ResolveOut",
    "ResolvePayload",
    "ScoreChoice",
    "conflict_out",
    "create_token",
    "dismiss_quarantined",
    "has_open_conflict",
    "list_open_conflicts",
    "list_quarantine",
    "list_tokens",
    "mutation_ids",
    "observation_data",
    "pull",
    "push",
    "quarantine_out",
    "record_change",
    "resolve_conflict",
    "revoke_tokens",
    "viewer_for_token",
]


def push(*, session: Session, actor: Viewer, batch: PushIn) -> PushOut:
    """Apply a batch in mutation id order: each mutation atomically with its SyncMutation
    row; one bad mutation never blocks the others (docs/sync.md, "Idempotency and
    transactions").

    Observation operations are applied in one transaction while they succeed
    (push.BatchTransaction: a commit per mutation would cost more than its writes). Any
    other mutation, and one that fails there, is applied in a transaction of its own
    (push.push_one)."""
    ids = mutation_ids(batch.mutations)
    order = sorted(range(len(ids)), key=lambda i: ids[i])
    stored = _stored_results(session, actor.id, batch.device_id, set(ids))
    open_tx = BatchTransaction(session, actor, batch.device_id, stored)
    handled: set[int] = set()  # the indexes this push applies; the others are duplicates
    for index in order:
        raw, mutation_id = batch.mutations[index], ids[index]
        if mutation_id in open_tx.ids:  # a repeat of one not committed yet
            open_tx.commit()
        if mutation_id in stored:
            continue
        handled.add(index)
        op = operation_to_batch(mutation_id, raw)
        if op is not None:
            open_tx.apply(mutation_id, raw, op)
        else:
            open_tx.commit()
            stored[mutation_id] = push_one(
                session, actor, batch.device_id, mutation_id, raw, open_tx.lookups
            )
    open_tx.commit()
    return PushOut(
        results=[
            stored[ids[i]]
            if i in handled
            else stored[ids[i]].model_copy(update={"status": MutationStatus.duplicate})
            for i in order
        ]
    )


# Here, beside push(), not in push.py: tests replace it (as a concurrent push that already
# acknowledged the batch) through this module.
def _stored_results(
    session: Session, user_id: int, device_id: str, ids: set[int]
) -> dict[int, MutationResult]:
    rows = session.exec(
        select(SyncMutation).where(
            SyncMutation.user_id == user_id,
            SyncMutation.device_id == device_id,
            col(SyncMutation.mutation_id).in_(ids),
        )
    )
    return {row.mutation_id: result_of(row) for row in rows}
