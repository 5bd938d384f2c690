"""The write operations, one handler each: validate first, then change, then log revisions
(merge.Write).

`service.apply_operation` authorizes, picks the handler and owns the transaction. Every
accepted change bumps the observation's version once and logs one revision per field.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import RowMapping
from sqlmodel import Session, select

from server.accounts.service import Viewer
from server.observations import cells, scoring
from server.observations.lookups import Lookups
from server.observations.merge import Write, jsonable
from server.observations.models import (
    Observation,
    ObservationRubric,
    ObservationStatus,
    Reflection,
)
from server.observations.operations import (
    AddNote,
    AddReflection,
    CreateObservation,
    Finalize,
    FinalizeGaps,
    OperationError,
    OperationResult,
    PermissionDenied,
    SetEvidence,
    SetScore,
    SetTally,
    SetTimer,
    Share,
    UpdateContext,
)
from server.rubrics import service as rubrics_service


def create_observation(
    session: Session, actor: Viewer, op: CreateObservation, lookups: Lookups
) -> OperationResult:
    data = op.data
    teacher = lookups.teacher(session, data.teacher_id)
    if teacher is None:
        raise OperationError("teacher_id", f"there is no teacher {data.teacher_id}")
    days = [date.today(), data.observed_at.date()]
    if not lookups.in_caseload(session, actor.id, data.teacher_id, days):
        raise PermissionDenied(f"teacher_id: {teacher.name} is not in your caseload.")
    if len(set(data.rubric_version_ids)) != len(data.rubric_version_ids):
        raise OperationError("rubric_version_ids", "each rubric can be chosen once")
    versions = []
    for rv_id in data.rubric_version_ids:
        version = rubrics_service.get_version(session=session, rubric_version_id=rv_id)
        if version is None:
            raise OperationError("rubric_version_ids", f"there is no rubric version {rv_id}")
        versions.append(version)
    year = lookups.school_year(session, teacher, data.observed_at.date())
    if year is None or year.id is None:
        raise OperationError("observed_at", "no school year is set up for this date")
    context = data.model_dump(exclude={"teacher_id", "rubric_version_ids"})
    obs = Observation(
        id=op.observation_id, teacher_id=data.teacher_id, observer_id=actor.id,
        school_year_id=year.id, **context,
    )  # fmt: skip
    session.add(obs)
    session.flush()
    for position, version in enumerate(versions):
        assert version.id is not None
        session.add(
            ObservationRubric(
                observation_id=obs.id, rubric_version_id=version.id, position=position
            )
        )
        rubrics_service.mark_used(session=session, version=version)
    # What the observation's next writes are checked against (they never change).
    lookups.rubrics[obs.id] = [
        scoring.RubricSheet(version=v, rubric=rubrics_service.rubric_of(v)) for v in versions
    ]
    write = Write(session, obs, actor, op.kind, None)
    write.record("observation", "created", None, {**context, "rubrics": data.rubric_version_ids})
    return write.finish()


def update_context(
    session: Session, actor: Viewer, op: UpdateContext, obs: Observation
) -> OperationResult:
    write = Write(session, obs, actor, op.kind, op.base_version)
    given = op.data.model_dump(exclude_unset=True)
    for name in ("observed_at", "grade"):
        if name in given and given[name] is None:
            raise OperationError(name, "this is required")
    for name in ("course_unit", "lesson_goal", "task_description"):
        if name in given and given[name] is None:
            given[name] = ""
    accepted = {}
    for name, new in given.items():
        current = getattr(obs, name)
        if write.accepts("observation", name, new, current):
            accepted[name] = new
            write.record("observation", name, current, new)
    for name, new in accepted.items():
        setattr(obs, name, new)
    return write.finish()


def _score_value(score: RowMapping | None) -> dict[str, Any] | None:
    if score is None or (score["value"] is None and not score["not_observed"]):
        return None
    return {"value": score["value"], "not_observed": score["not_observed"]}


def set_score(
    session: Session,
    actor: Viewer,
    op: SetScore,
    obs: Observation,
    rubrics: list[scoring.RubricSheet],
) -> OperationResult:
    rs = scoring.rubric_in(rubrics, op.rubric_version_id)
    dim = scoring.dimension_in(rs, op.dimension_id)
    scoring.check_score(rs, dim, op.item_id, op.value, op.not_observed)
    write = Write(session, obs, actor, op.kind, op.base_version)
    keys = {
        "observation_id": obs.id, "rubric_version_id": rs.id, "dimension_id": dim.id,
        "item_id": op.item_id,
    }  # fmt: skip
    row = cells.SCORES.find(session, keys)
    new = (
        None
        if op.value is None and not op.not_observed
        else op.model_dump(include={"value", "not_observed"})
    )
    field = f"{rs.id}:{dim.id}" + (f":{op.item_id}" if op.item_id else "")
    if write.accepts("score", field, new, _score_value(row)):
        write.record("score", field, _score_value(row), new)
        cells.SCORES.save(
            session, row, keys, value=op.value, not_observed=op.not_observed,
            updated_by=actor.id, updated_at=write.at,
        )  # fmt: skip
    return write.finish()


def set_evidence(
    session: Session,
    actor: Viewer,
    op: SetEvidence,
    obs: Observation,
    rubrics: list[scoring.RubricSheet],
) -> OperationResult:
    rs = scoring.rubric_in(rubrics, op.rubric_version_id)
    dim = scoring.dimension_in(rs, op.dimension_id)
    write = Write(session, obs, actor, op.kind, op.base_version)
    keys = {"observation_id": obs.id, "rubric_version_id": rs.id, "dimension_id": dim.id}
    row = cells.EVIDENCE.find(session, keys)
    current = row["text"] if row else ""
    field = f"{rs.id}:{dim.id}"
    if write.accepts("evidence", field, op.text, current):
        write.record("evidence", field, current, op.text)
        cells.EVIDENCE.save(
            session, row, keys, text=op.text, updated_by=actor.id, updated_at=write.at
        )
    return write.finish()


def lesson_seconds(obs: Observation, at: datetime) -> int | None:
    """Seconds into the lesson at `at` while the timer runs, else None."""
    if obs.timer_started_at is None:
        return None
    return obs.timer_elapsed_seconds + max(0, int((at - obs.timer_started_at).total_seconds()))


def add_note(
    session: Session,
    actor: Viewer,
    op: AddNote,
    obs: Observation,
    rubrics: list[scoring.RubricSheet],
) -> OperationResult:
    used_by = cells.note_observation(session, op.note_id)
    if used_by is not None:
        if used_by != obs.id:
            raise OperationError("note_id", "is already used by a note of another observation")
        return OperationResult(observation=obs, changed=False)
    tags = scoring.check_tags(rubrics, op.tags)
    write = Write(session, obs, actor, op.kind, op.base_version)
    written_at = op.written_at or write.at
    minute = op.lesson_minute
    if minute is None and (seconds := lesson_seconds(obs, written_at)) is not None:
        minute = seconds // 60
    cells.insert_note(
        session, id=op.note_id, observation_id=obs.id, author_id=actor.id,
        written_at=written_at, lesson_minute=minute, text=op.text, tags=tags,
        created_at=write.at,
    )  # fmt: skip
    write.record(
        "note", str(op.note_id), None,
        {"text": op.text, "tags": tags, "written_at": written_at, "lesson_minute": minute},
    )  # fmt: skip
    return write.finish()


def set_tally(
    session: Session,
    actor: Viewer,
    op: SetTally,
    obs: Observation,
    rubrics: list[scoring.RubricSheet],
) -> OperationResult:
    rs = scoring.rubric_in(rubrics, op.rubric_version_id)
    scoring.tally_in(rs, op.tally_id, op.category_id)
    write = Write(session, obs, actor, op.kind, op.base_version)
    keys = {
        "observation_id": obs.id, "rubric_version_id": rs.id, "tally_id": op.tally_id,
        "category_id": op.category_id,
    }  # fmt: skip
    row = cells.TALLIES.find(session, keys)
    current = row["count"] if row else 0
    field = f"{rs.id}:{op.tally_id}:{op.category_id}"
    if op.delta is not None:
        new = max(0, current + op.delta)  # counts commute: a delta never conflicts
        apply = new != current
    else:
        new = op.count or 0
        apply = write.accepts("tally", field, new, current)
    if apply:
        write.record("tally", field, current, new)
        cells.TALLIES.save(session, row, keys, count=new, updated_by=actor.id, updated_at=write.at)
    return write.finish()


def set_timer(session: Session, actor: Viewer, op: SetTimer, obs: Observation) -> OperationResult:
    write = Write(session, obs, actor, op.kind, op.base_version)
    at = op.at or write.at
    old = {"started_at": obs.timer_started_at, "elapsed": obs.timer_elapsed_seconds}
    if op.action == "start" and obs.timer_started_at is None:
        obs.timer_started_at = at
    elif op.action == "pause" and obs.timer_started_at is not None:
        obs.timer_elapsed_seconds = lesson_seconds(obs, at) or 0
        obs.timer_started_at = None
    elif op.action == "reset":
        obs.timer_started_at, obs.timer_elapsed_seconds = None, 0
    new = {"started_at": obs.timer_started_at, "elapsed": obs.timer_elapsed_seconds}
    if jsonable(new) != jsonable(old):
        write.record("observation", "timer", old, new)
    return write.finish()


def finalize(
    session: Session, actor: Viewer, op: Finalize, obs: Observation, sheet: scoring.Sheet
) -> OperationResult:
    write = Write(session, obs, actor, op.kind, op.base_version)
    if obs.status == ObservationStatus.final:
        return write.finish()
    missing = sheet.missing()
    if missing:
        raise FinalizeGaps(missing)
    write.record("observation", "status", obs.status.value, ObservationStatus.final.value)
    obs.status, obs.finalized_at = ObservationStatus.final, write.at
    if obs.timer_started_at is not None:  # the lesson is over: its timer stops with it
        old = {"started_at": obs.timer_started_at, "elapsed": obs.timer_elapsed_seconds}
        obs.timer_elapsed_seconds = lesson_seconds(obs, write.at) or 0
        obs.timer_started_at = None
        write.record(
            "observation", "timer", old, {"started_at": None, "elapsed": obs.timer_elapsed_seconds}
        )
    return write.finish()


def share(session: Session, actor: Viewer, op: Share, obs: Observation) -> OperationResult:
    write = Write(session, obs, actor, op.kind, op.base_version)
    if op.audience == "teacher":
        if obs.status != ObservationStatus.final:
            raise OperationError("status", "finalize the observation before sharing it")
        if obs.shared_with_teacher_at is None:
            write.record("observation", "shared_with_teacher_at", None, write.at)
            obs.shared_with_teacher_at = write.at
    elif obs.shared_with_principal_at is None:
        write.record("observation", "shared_with_principal_at", None, write.at)
        obs.shared_with_principal_at = write.at
    return write.finish()


def add_reflection(
    session: Session, actor: Viewer, op: AddReflection, obs: Observation
) -> OperationResult:
    write = Write(session, obs, actor, op.kind, op.base_version)
    row = session.exec(
        select(Reflection).where(
            Reflection.observation_id == obs.id, Reflection.author_id == actor.id
        )
    ).first()
    current = row.text if row else None
    if write.accepts("reflection", str(actor.id), op.text, current):
        write.record("reflection", str(actor.id), current, op.text)
        if row is None:
            row = Reflection(observation_id=obs.id, author_id=actor.id, text=op.text)
        row.text, row.updated_at = op.text, write.at
        session.add(row)
    return write.finish()
