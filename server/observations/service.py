"""Observations: who may see and change one, the one write path, and the reads.

Every write (from a page, and later from the sync endpoint) is an operation handed to
`apply_operation`: authorized here, applied in one transaction, logged as revisions.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from server import db
from server.accounts.models import Role, User
from server.accounts.service import Viewer
from server.observations import co_observation, scoring, writes
from server.observations.lookups import Lookups
from server.observations.models import (
    Evidence,
    Note,
    Observation,
    ObservationRevision,
    ObservationRubric,
    Reflection,
    Score,
    TallyCount,
)
from server.observations.operations import (
    AddNote,
    AddReflection,
    CreateObservation,
    Finalize,
    InviteCoObserver,
    NotFound,
    Operation,
    OperationError,
    OperationResult,
    PermissionDenied,
    Reconcile,
    SetEvidence,
    SetScore,
    SetTally,
    SetTimer,
    Share,
    UpdateContext,
)
from server.roster.models import CoachAssignment, School, Teacher
from server.rubrics import service as rubrics_service
from server.rubrics.models import RubricVersion
from server.sync.changes import ChangeLog, record_change

# --- Who may do what ----------------------------------------------------------------------


def get_observation(*, session: Session, observation_id: uuid.UUID) -> Observation | None:
    return session.get(Observation, observation_id)


def get_teacher_of(*, session: Session, observation: Observation) -> Teacher:
    teacher = session.get(Teacher, observation.teacher_id)
    assert teacher is not None
    return teacher


def can_edit(*, viewer: Viewer, observation: Observation) -> bool:
    """Only the coach who wrote it changes an observation (scores, notes, sharing)."""
    return observation.observer_id == viewer.id


def is_observed_teacher(*, session: Session, viewer: Viewer, observation: Observation) -> bool:
    teacher = get_teacher_of(session=session, observation=observation)
    return teacher.user_id is not None and teacher.user_id == viewer.id


def can_reflect(*, session: Session, viewer: Viewer, observation: Observation) -> bool:
    """The observed teacher, once the coach has shared it: reflect, share with the principal."""
    return observation.shared_with_teacher_at is not None and is_observed_teacher(
        session=session, viewer=viewer, observation=observation
    )


def can_view(*, session: Session, viewer: Viewer, observation: Observation) -> bool:
    """The author; the teacher once shared with them; a principal of the teacher's school
    once the teacher shared it with the principal. Nobody else, district admins included."""
    if can_edit(viewer=viewer, observation=observation):
        return True
    if can_reflect(session=session, viewer=viewer, observation=observation):
        return True
    if observation.shared_with_principal_at is None:
        return False
    teacher = get_teacher_of(session=session, observation=observation)
    return teacher.school_id in viewer.school_ids(Role.principal)


def coaches_teacher(*, session: Session, coach_id: int, teacher_id: int) -> bool:
    """Whether the coach is (or was) assigned to the teacher in any school year."""
    return (
        session.exec(
            select(CoachAssignment.id).where(
                CoachAssignment.coach_id == coach_id, CoachAssignment.teacher_id == teacher_id
            )
        ).first()
        is not None
    )


def in_caseload(*, session: Session, coach_id: int, teacher_id: int, on: date) -> bool:
    return Lookups().in_caseload(session, coach_id, teacher_id, [on])


# --- The one write path ---------------------------------------------------------------------


def _authorize(*, session: Session, actor: Viewer, op: Operation, obs: Observation) -> None:
    teacher_op = isinstance(op, AddReflection) or (
        isinstance(op, Share) and op.audience == "principal"
    )
    if teacher_op:
        if not can_reflect(session=session, viewer=actor, observation=obs):
            raise PermissionDenied("Only the observed teacher can do this, once it is shared.")
    elif isinstance(op, Reconcile):
        pair = co_observation.pair_of(session=session, observation=obs)
        if pair is None or obs.pair_of is not None:
            raise OperationError("observation_id", "reconcile the first observer's observation")
        if not co_observation.is_rater(viewer=actor, pair=pair):
            raise PermissionDenied("Only the lesson's two raters can reconcile it.")
    elif not can_edit(viewer=actor, observation=obs):
        raise PermissionDenied("Only the coach who wrote this observation can change it.")


# Locks the row until commit (PostgreSQL; SQLite has one writer) and reads its version.
_OBSERVATIONS = Observation.__table__  # type: ignore[attr-defined]
_LOCK = (
    select(_OBSERVATIONS.c.version)
    .where(_OBSERVATIONS.c.id == bindparam("observation_id"))
    .with_for_update()
)


def _lock(session: Session, observation_id: uuid.UUID, lookups: Lookups) -> Observation:
    """The observation, locked until commit and current. Every change to the row bumps its
    version (merge.Write.finish), so the session's copy at the locked version is current:
    it is read again only when it is older (another wrote since) or not in the session. One
    locked earlier in this same transaction (a sync batch) is current as it is."""
    transaction = session.get_transaction()
    held = lookups.observations.get(observation_id)
    if held is not None and transaction is not None:
        locked_obs, locked_in = held
        if locked_in is transaction:
            return locked_obs
    connection = db.begin_writing(session)
    version = connection.execute(_LOCK, {"observation_id": observation_id}).scalar()
    if version is None:
        raise NotFound(f"There is no observation {observation_id}.")
    obs = session.get(Observation, observation_id)
    assert obs is not None
    if obs.version != version:
        session.refresh(obs)
    lookups.observations[observation_id] = (obs, session.get_transaction())
    return obs


_ROW_WRITES = (SetScore, SetEvidence, AddNote, SetTally)


def _rubrics(
    session: Session, observation_id: uuid.UUID, lookups: Lookups
) -> list[scoring.RubricSheet]:
    """The observation's rubric sheets, read once per run of writes: they never change after
    the observation is created. Empty, and not kept, for one that does not exist (yet)."""
    sheets = lookups.rubrics.get(observation_id)
    if sheets is None:
        sheets = _rubric_sheets(session, observation_id)
        if sheets:
            lookups.rubrics[observation_id] = sheets
    return sheets


def _school_of(session: Session, teacher_id: int, lookups: Lookups) -> int:
    teacher = lookups.teacher(session, teacher_id)
    assert teacher is not None
    return teacher.school_id


def _apply(*, session: Session, actor: Viewer, op: Operation, lookups: Lookups) -> OperationResult:
    if isinstance(op, CreateObservation):
        existing = session.get(Observation, op.observation_id)
        if existing is not None:
            if existing.observer_id != actor.id:
                raise PermissionDenied("observation_id: is already used by someone else.")
            return OperationResult(observation=existing, changed=False)
        return writes.create_observation(session, actor, op, lookups)
    # The writes of one row need the rubrics, not the whole sheet. They never change: read
    # them before taking the lock, which is then held until the commit.
    rubrics = _rubrics(session, op.observation_id, lookups) if isinstance(op, _ROW_WRITES) else []
    obs = _lock(session, op.observation_id, lookups)
    _authorize(session=session, actor=actor, op=op, obs=obs)
    if isinstance(op, SetScore | Share) and (why := _refusal(session=session, op=op, obs=obs)):
        raise OperationError("scores" if isinstance(op, SetScore) else "status", why)
    match op:
        case InviteCoObserver():
            return co_observation.invite(session, actor, op, obs, lookups)
        case Reconcile():
            pair = co_observation.pair_of(session=session, observation=obs)
            assert pair is not None
            return co_observation.reconcile(
                session, actor, op, pair,
                load_sheet(session=session, observation=pair.first),
                load_sheet(session=session, observation=pair.second),
            )  # fmt: skip
        case UpdateContext():
            return writes.update_context(session, actor, op, obs)
        case SetTimer():
            return writes.set_timer(session, actor, op, obs)
        case Share():
            return writes.share(session, actor, op, obs)
        case AddReflection():
            return writes.add_reflection(session, actor, op, obs)
    if isinstance(op, Finalize):
        return writes.finalize(
            session, actor, op, obs, load_sheet(session=session, observation=obs)
        )
    match op:
        case SetScore():
            return writes.set_score(session, actor, op, obs, rubrics)
        case SetEvidence():
            return writes.set_evidence(session, actor, op, obs, rubrics)
        case AddNote():
            return writes.add_note(session, actor, op, obs, rubrics)
        case SetTally():
            return writes.set_tally(session, actor, op, obs, rubrics)
    raise AssertionError(f"unhandled operation {op.kind}")


def _refusal(*, session: Session, op: SetScore | Share, obs: Observation) -> str | None:
    """Why a co-observed lesson refuses this score or share now (co_observation.py)."""
    if isinstance(op, SetScore):
        return co_observation.scores_locked(session=session, observation=obs)
    if op.audience == "teacher":
        return co_observation.share_refusal(session=session, observation=obs)
    return None


def apply_operation(
    *,
    session: Session,
    actor: Viewer,
    op: Operation,
    commit: bool = True,
    lookups: Lookups | None = None,
    log: ChangeLog | None = None,
) -> OperationResult:
    """Apply one write in one transaction: all of it, or (on any error) none of it.

    Raises OperationError (400), PermissionDenied (403), NotFound (404), ConflictError (409).
    With commit=False the caller commits (to add its own rows to the same transaction).
    Every accepted write also logs a sync change (server/sync/changes.py) for pull.

    A sync batch passes the same `lookups` to all its writes (rubrics, caseloads, school
    years read once), and `log` when it applies several writes in one transaction: the
    change row then waits there for the batch's commit, and an error is raised after the
    rollback without the retry below (the rollback undid the batch's other writes too, and
    the batch applies them again one transaction each).
    """
    if lookups is None:
        lookups = Lookups()
    try:
        result = _apply(session=session, actor=actor, op=op, lookups=lookups)
        if result.changed:  # the change log pull reads, in the same transaction
            obs = result.observation
            school_id = _school_of(session, obs.teacher_id, lookups)
            record_change(session, obs, school_id=school_id, log=log)
            for other in result.also:
                record_change(session, other, school_id=school_id, log=log)
        if commit:
            session.commit()
        return result
    except IntegrityError:
        session.rollback()
        if isinstance(op, CreateObservation) and log is None:
            # The same id created concurrently: a repeat.
            return _apply(session=session, actor=actor, op=op, lookups=lookups)
        raise
    except BaseException:
        session.rollback()
        raise


# --- Reads -----------------------------------------------------------------------------


def list_rubric_versions(*, session: Session, observation: Observation) -> list[RubricVersion]:
    return _rubric_versions(session, observation.id)


def _rubric_versions(session: Session, observation_id: uuid.UUID) -> list[RubricVersion]:
    rows = session.exec(
        select(RubricVersion)
        # The content is big and parsed once per hash (rubric_of): load it only on a miss.
        .options(defer(RubricVersion.content))  # type: ignore[arg-type]
        .join(ObservationRubric, col(ObservationRubric.rubric_version_id) == RubricVersion.id)
        .where(ObservationRubric.observation_id == observation_id)
        .order_by(col(ObservationRubric.position))
    )
    return list(rows)


def load_rubrics(*, session: Session, observation: Observation) -> list[scoring.RubricSheet]:
    """The rubric versions an observation is scored with, with their stored content."""
    return _rubric_sheets(session, observation.id)


def _rubric_sheets(session: Session, observation_id: uuid.UUID) -> list[scoring.RubricSheet]:
    return [
        scoring.RubricSheet(version=v, rubric=rubrics_service.rubric_of(v))
        for v in _rubric_versions(session, observation_id)
    ]


def load_sheet(*, session: Session, observation: Observation) -> scoring.Sheet:
    """Everything recorded on an observation, scored with its stored rubric versions."""
    rubrics = load_rubrics(session=session, observation=observation)
    oid = observation.id
    # populate_existing: the writes change these rows with Core (cells.py), so refresh any
    # the session holds from before.
    fresh = {"populate_existing": True}
    scores = session.exec(select(Score).where(Score.observation_id == oid), execution_options=fresh)
    evidence = session.exec(
        select(Evidence).where(Evidence.observation_id == oid), execution_options=fresh
    )
    tallies = session.exec(
        select(TallyCount).where(TallyCount.observation_id == oid), execution_options=fresh
    )
    notes = session.exec(
        select(Note)
        .where(Note.observation_id == oid)
        .order_by(col(Note.written_at).desc(), col(Note.created_at).desc())
    )
    reflections = session.exec(select(Reflection).where(Reflection.observation_id == oid))
    return scoring.Sheet(
        observation=observation,
        rubrics=rubrics,
        scores={(s.rubric_version_id, s.dimension_id, s.item_id): s for s in scores},
        evidence={(e.rubric_version_id, e.dimension_id): e for e in evidence},
        tallies={(t.rubric_version_id, t.tally_id, t.category_id): t.count for t in tallies},
        notes=list(notes),
        reflections=list(reflections),
    )


@dataclass(frozen=True)
class RevisionRow:
    revision: ObservationRevision
    actor_name: str


def list_revisions(
    *, session: Session, observation_id: uuid.UUID, limit: int = 200
) -> list[RevisionRow]:
    """The newest revisions first: who changed what, when."""
    rows = session.exec(
        select(ObservationRevision, User.name)
        .join(User, col(User.id) == ObservationRevision.actor_id)
        .where(ObservationRevision.observation_id == observation_id)
        .order_by(col(ObservationRevision.version).desc(), col(ObservationRevision.id).desc())
        .limit(limit)
    )
    return [RevisionRow(revision=r, actor_name=name) for r, name in rows]


def list_by_observer(*, session: Session, teacher_id: int, observer_id: int) -> list[Observation]:
    """A coach's own observations of one teacher, newest lesson first."""
    return list(
        session.exec(
            select(Observation)
            .where(Observation.teacher_id == teacher_id, Observation.observer_id == observer_id)
            .order_by(col(Observation.observed_at).desc())
        )
    )


@dataclass(frozen=True)
class SharedRow:
    observation: Observation
    observer_name: str
    teacher: Teacher


def list_shared_with_teacher(*, session: Session, teacher_id: int) -> list[SharedRow]:
    rows = session.exec(
        select(Observation, User.name, Teacher)
        .join(User, col(User.id) == Observation.observer_id)
        .join(Teacher, col(Teacher.id) == Observation.teacher_id)
        .where(
            Observation.teacher_id == teacher_id,
            col(Observation.shared_with_teacher_at).is_not(None),
        )
        .order_by(col(Observation.observed_at).desc())
    )
    return [SharedRow(observation=o, observer_name=n, teacher=t) for o, n, t in rows]


def list_shared_with_principal(*, session: Session, school_ids: set[int]) -> list[SharedRow]:
    """Observations teachers at these schools chose to share with their principal."""
    rows = session.exec(
        select(Observation, User.name, Teacher)
        .join(User, col(User.id) == Observation.observer_id)
        .join(Teacher, col(Teacher.id) == Observation.teacher_id)
        .join(School, col(School.id) == Teacher.school_id)
        .where(
            col(Teacher.school_id).in_(school_ids),
            col(Observation.shared_with_principal_at).is_not(None),
        )
        .order_by(col(Observation.observed_at).desc())
    )
    return [SharedRow(observation=o, observer_name=n, teacher=t) for o, n, t in rows]


def list_rubric_choices(*, session: Session) -> list[RubricVersion]:
    """The rubric versions a new observation can be scored with."""
    return rubrics_service.list_current(session=session)


def lesson_seconds(*, observation: Observation, at: datetime) -> int:
    """The timer's reading at `at` (running or paused)."""
    running = writes.lesson_seconds(observation, at)
    return observation.timer_elapsed_seconds if running is None else running
