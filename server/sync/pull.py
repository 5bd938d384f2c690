"""Pull: the change log after a cursor in a person's scope, each entity as they may see it now."""

import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement
from sqlmodel import Session, col, or_, select

from server.accounts.models import Role, User
from server.accounts.service import Viewer
from server.audit import service as audit_service
from server.coaching import pull as coaching_pull
from server.observations import co_observation, wording
from server.observations import service as observations_service
from server.observations.merge import jsonable
from server.observations.models import Observation
from server.observations.scoring import Sheet
from server.roster.models import Teacher
from server.sync.conflicts import conflict_out, list_open_conflicts
from server.sync.models import SyncChange

PULL_LIMIT = 500


class ChangeOut(BaseModel):
    entity: str
    id: uuid.UUID
    version: int
    deleted: bool
    data: dict[str, Any]


class PullOut(BaseModel):
    cursor: int
    more: bool
    changes: list[ChangeOut]


def _scope(session: Session, actor: Viewer) -> Any:
    """Which change rows this person may receive: their own observations; observations of
    their roster record once shared with them; for a principal, those their teachers shared
    with them. Coaching entities: the pair's coach (observer_id) and teacher (teacher_id,
    shared_with_teacher always set); a principal, cycles whose summary is (or was) shared."""
    teacher_ids = select(Teacher.id).where(Teacher.user_id == actor.id)
    conditions: list[ColumnElement[bool]] = [
        col(SyncChange.observer_id) == actor.id,
        (col(SyncChange.shared_with_teacher)) & col(SyncChange.teacher_id).in_(teacher_ids),
    ]
    schools = actor.school_ids(Role.principal)
    if schools:
        conditions.append(
            col(SyncChange.shared_with_principal) & col(SyncChange.school_id).in_(schools)
        )
    return or_(*conditions)


# The kinds a pull carries, in the order its audit event names them.
KINDS = ("observation", "cycle", "check_in", "commitment")


@dataclass
class Carried:
    """What one pull sent, for its audit event: records per kind (not tombstones), the
    tombstones, the cycles sent as a principal's summary only, and whose records they were."""

    counts: Counter[str] = field(default_factory=Counter)
    removed: int = 0
    summaries: int = 0
    teacher_ids: set[int] = field(default_factory=set)

    def add(self, entity: str, teacher_id: int) -> None:
        self.counts[entity] += 1
        self.teacher_ids.add(teacher_id)

    @property
    def coaching(self) -> bool:
        """Whether any coaching content (a cycle, check-in or commitment) was sent."""
        return any(self.counts[kind] for kind in KINDS if kind != "observation")

    def detail(self, cursor: int, last: int, more: bool) -> dict[str, Any]:
        return {
            "cursor": {"from": cursor, "to": last}, "more": more,
            "counts": {kind: self.counts[kind] for kind in KINDS if self.counts[kind]},
            "removed": self.removed, "summaries": self.summaries,
        }  # fmt: skip


def pull(*, session: Session, actor: Viewer, cursor: int, limit: int = PULL_LIMIT) -> PullOut:
    """Changes after `cursor` in this person's scope, the latest per entity, with its
    current state as this person may see it; cursor = the last seq read. A pull that sends
    coaching content (a cycle, check-in or commitment; not a tombstone) writes one
    "sync_read" audit event naming what it carried: counts per kind, the cursor range and,
    as rows, whose records (docs/coaching.md#the-audit-log)."""
    rows = list(
        session.exec(
            select(SyncChange.seq, SyncChange.entity_id, SyncChange.entity)
            .where(col(SyncChange.seq) > cursor, _scope(session, actor))
            .order_by(col(SyncChange.seq))
            .limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    if not rows:
        return PullOut(cursor=cursor, more=False, changes=[])
    latest: dict[uuid.UUID, str] = {}
    for seq, entity_id, entity in rows:
        assert seq is not None
        latest.pop(entity_id, None)
        latest[entity_id] = entity
    # The audit event waits in the session until the commit, written once every read is
    # done: a flush before a read would start the write (on SQLite, take the database's one
    # write lock) and hold it while the rest of a 500-entity page is read.
    carried = Carried()
    with session.no_autoflush:
        changes = _changes(session, actor, latest, carried)
    last = rows[-1][0]
    assert last is not None
    if carried.coaching:
        audit_service.record(
            session=session, user_id=actor.id, action="sync_read", entity="sync",
            entity_id=f"{cursor}-{last}", detail=carried.detail(cursor, last, more),
            teacher_ids=carried.teacher_ids,
        )  # fmt: skip
        session.commit()
    return PullOut(cursor=last, more=more, changes=changes)


def _changes(
    session: Session, actor: Viewer, latest: dict[uuid.UUID, str], carried: Carried
) -> list[ChangeOut]:
    """Each entity's current state for this person (or a tombstone), noted in `carried`."""
    changes = []
    for entity_id, entity in latest.items():
        if entity != "observation":
            changes.append(_coaching_change(session, actor, entity, entity_id, carried))
            continue
        obs = session.get(Observation, entity_id)
        if obs is not None:
            session.refresh(obs)
        if obs is None or not observations_service.can_view(
            session=session, viewer=actor, observation=obs
        ):
            changes.append(
                ChangeOut(entity="observation", id=entity_id, version=0, deleted=True, data={})
            )
            carried.removed += 1
            continue
        data = observation_data(session=session, actor=actor, obs=obs)
        changes.append(
            ChangeOut(
                entity="observation", id=obs.id, version=obs.version, deleted=False, data=data
            )
        )
        carried.add("observation", obs.teacher_id)
    return changes


def _coaching_change(
    session: Session, actor: Viewer, entity: str, entity_id: uuid.UUID, carried: Carried
) -> ChangeOut:
    """A cycle, check-in or commitment as this person may see it now (coaching.pull
    .sync_view: the pair all of it, a principal a shared cycle's summary), with the
    person's open conflicts on it for a pair member; else a tombstone."""
    view = coaching_pull.sync_view(
        session=session, viewer=actor, entity=entity, entity_id=entity_id
    )
    if view is None:
        carried.removed += 1
        return ChangeOut(entity=entity, id=entity_id, version=0, deleted=True, data={})
    carried.add(entity, view.teacher_id)
    carried.summaries += not view.in_pair
    data = dict(view.data)
    if view.in_pair:
        data["open_conflicts"] = [
            conflict_out(c).model_dump(mode="json")
            for c in list_open_conflicts(session=session, actor=actor, entity_id=entity_id)
        ]
    return ChangeOut(entity=entity, id=entity_id, version=view.version, deleted=False, data=data)


def observation_data(*, session: Session, actor: Viewer, obs: Observation) -> dict[str, Any]:
    """The observation's full current state as this person may see it (JSON)."""
    sheet: Sheet = observations_service.load_sheet(session=session, observation=obs)
    author = observations_service.can_edit(viewer=actor, observation=obs)
    teacher = observations_service.can_reflect(session=session, viewer=actor, observation=obs)
    data: dict[str, Any] = {
        "teacher_id": obs.teacher_id,
        "observer_id": obs.observer_id,
        "school_year_id": obs.school_year_id,
        "observed_at": obs.observed_at,
        "grade": obs.grade,
        "course_unit": obs.course_unit,
        "lesson_goal": obs.lesson_goal,
        "task_description": obs.task_description,
        "class_size": obs.class_size,
        "status": obs.status.value,
        "finalized_at": obs.finalized_at,
        "shared_with_teacher_at": obs.shared_with_teacher_at,
        "shared_with_principal_at": obs.shared_with_principal_at,
        "timer": {"started_at": obs.timer_started_at, "elapsed": obs.timer_elapsed_seconds},
        "rubric_version_ids": [rs.id for rs in sheet.rubrics],
        "scores": [
            {
                "rubric_version_id": s.rubric_version_id,
                "dimension_id": s.dimension_id,
                "item_id": s.item_id,
                "value": s.value,
                "not_observed": s.not_observed,
            }
            for s in sorted(
                sheet.scores.values(),
                key=lambda s: (s.rubric_version_id, s.dimension_id, s.item_id),
            )
        ],
        "evidence": [
            {
                "rubric_version_id": e.rubric_version_id,
                "dimension_id": e.dimension_id,
                "text": e.text,
            }
            for e in sorted(
                sheet.evidence.values(), key=lambda e: (e.rubric_version_id, e.dimension_id)
            )
        ],
        "notes": [
            {
                "id": n.id,
                "text": n.text,
                "tags": n.tags,
                "written_at": n.written_at,
                "lesson_minute": n.lesson_minute,
            }
            for n in sheet.notes
        ],
        "tallies": [
            {"rubric_version_id": rv, "tally_id": t, "category_id": c, "count": count}
            for (rv, t, c), count in sorted(sheet.tallies.items())
        ],
        # The coach and the observed teacher read reflections; a principal never does.
        "reflections": [
            {"author_id": r.author_id, "text": r.text, "updated_at": r.updated_at}
            for r in sheet.reflections
        ]
        if author or teacher
        else [],
    }
    if author:
        teacher_row = observations_service.get_teacher_of(session=session, observation=obs)
        data["teacher_name"] = teacher_row.name  # a co-observer's teacher is not in their caseload
        data["pair"] = pair_data(session=session, obs=obs)
        # What changed after finalizing, for the coach's review (newest first).
        data["revisions"] = (
            [
                dict(
                    zip(
                        ("what", "before", "after"),
                        wording.describe_revision(sheet, row.revision),
                        strict=True,
                    ),
                    at=row.revision.at,
                    actor_name=row.actor_name,
                )
                for row in observations_service.list_revisions(
                    session=session, observation_id=obs.id
                )
                if obs.finalized_at is not None and row.revision.at > obs.finalized_at
            ]
            if obs.status.value == "final"
            else []
        )
        data["open_conflicts"] = [
            conflict_out(c).model_dump(mode="json")
            for c in list_open_conflicts(session=session, actor=actor, observation_id=obs.id)
        ]
    out: dict[str, Any] = jsonable(data)
    return out


def pair_data(*, session: Session, obs: Observation) -> dict[str, Any] | None:
    """A co-observed lesson as one of its raters may see it on their tablet: who the other
    rater is and whether the lesson is reconciled, never the other's scores or status."""
    pair = co_observation.pair_of(session=session, observation=obs)
    if pair is None:
        return None
    other = pair.second if obs.id == pair.first.id else pair.first
    other_user = session.get(User, other.observer_id)
    return {
        "role": "first" if obs.id == pair.first.id else "second",
        "first_id": pair.first.id,
        "with_name": other_user.name if other_user else "",
        "reconciled": pair.reconciliation is not None,
    }
