"""Roster import, step two: write a validated plan in one transaction, or nothing at all."""

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from server.audit.service import Actor
from server.roster.import_people import apply_person, apply_teacher
from server.roster.import_plan import (
    FILE,
    DistrictPlan,
    ImportPlan,
    ImportRejected,
    Problem,
    SchoolPlan,
    YearPlan,
    guess_level,
)
from server.roster.import_run import KINDS, Counts, ImportResult, ImportRun, row_id
from server.roster.models import District, School, SchoolYear

DEFAULT_DISTRICT = "My district"

__all__ = ["KINDS", "Counts", "ImportResult", "apply_import"]


def _district(run: ImportRun, plan: DistrictPlan) -> District | None:
    """By source id, else by name; the Cadence CSV may also mean 'the only district'."""
    values = {"name": plan.name, "source_id": plan.source_id} if plan.source_id else {}
    if plan.source_id:
        found = run.first(select(District).where(District.source_id == plan.source_id))
        found = found or run.first(
            select(District).where(District.name == plan.name, col(District.source_id).is_(None))
        )
    elif plan.name:
        found = run.first(select(District).where(District.name == plan.name))
    else:
        existing = run.session.exec(select(District).order_by(col(District.id))).all()
        if len(existing) > 1:
            names = ", ".join(d.name for d in existing)
            run.problem(plan.origin, "district", f"several districts ({names}): name one")
            return None
        found = existing[0] if existing else None
    if found is None:
        new = District(name=plan.name or DEFAULT_DISTRICT, source_id=plan.source_id)
        return run.save("districts", new, {}, new=True)
    return run.save("districts", found, values)


def _target_district(run: ImportRun, plan: DistrictPlan, index: int) -> District | None:
    """An upload goes into the admin's own district, which the file must not contradict."""
    target = run.target
    assert target is not None
    message = None
    if index > 0:
        message = "upload one district at a time"
    elif plan.source_id and target.source_id not in (None, plan.source_id):
        message = f"this file is for another district than {target.name}"
    elif plan.source_id and target.source_id is None:
        other = run.first(select(District).where(District.source_id == plan.source_id))
        if other is not None:
            message = f"{plan.source_id!r} is already the district {other.name}"
    if message:
        run.problem(plan.origin, "sourcedId" if plan.source_id else "district", message)
        return None
    values = {"name": plan.name, "source_id": plan.source_id} if plan.source_id else {}
    return run.save("districts", target, values)


def _school(run: ImportRun, plan: SchoolPlan) -> None:
    """By source id, else by name (OneRoster adopts only schools without a source id)."""
    district_id = row_id(run.districts[plan.district_key])
    found = None
    if plan.source_id:
        found = run.first(
            select(School).where(
                School.district_id == district_id, School.source_id == plan.source_id
            )
        )
    if found is None:
        query = select(School).where(School.district_id == district_id, School.name == plan.name)
        if plan.source_id:
            query = query.where(col(School.source_id).is_(None))
        found = run.first(query)
    if found is None:
        level = plan.level or guess_level(plan.name)
        new = School(name=plan.name, level=level, district_id=district_id, source_id=plan.source_id)
        run.schools[plan.key] = run.save("schools", new, {}, new=True)
        return
    # The level is only changed when the file states it: a guess never overrides an admin.
    values: dict[str, Any] = {"level": plan.level} if plan.level else {}
    if plan.source_id:
        values.update(name=plan.name, source_id=plan.source_id)
    run.schools[plan.key] = run.save("schools", found, values)


def _year(run: ImportRun, plan: YearPlan, district_id: int) -> None:
    """By source id, else by name; Cadence cohorts never move an existing year's dates."""
    in_district = SchoolYear.district_id == district_id
    by_name = run.first(select(SchoolYear).where(in_district, SchoolYear.name == plan.name))
    found = None
    if plan.source_id:
        found = run.first(
            select(SchoolYear).where(in_district, SchoolYear.source_id == plan.source_id)
        )
    # A OneRoster year may adopt a same-named year made by hand, never another feed's year.
    if (
        plan.source_id
        and by_name is not None
        and (by_name.id != found.id if found else by_name.source_id is not None)
    ):
        run.problem(plan.origin, plan.column, f"another school year is named {plan.name}")
        return
    found = found or by_name
    if found is None and plan.dates is None:
        message = f"no school year named {plan.name!r}: use a name like 2025-26"
        run.problem(plan.origin, plan.column, message)
        return
    if found is None:
        assert plan.dates is not None
        new = SchoolYear(
            name=plan.name,
            start_date=plan.dates[0],
            end_date=plan.dates[1],
            district_id=district_id,
            source_id=plan.source_id,
        )
        found = run.save("school years", new, {}, new=True)
    elif plan.overwrite and plan.dates is not None:
        values = {"name": plan.name, "start_date": plan.dates[0], "end_date": plan.dates[1]}
        found = run.save("school years", found, {**values, "source_id": plan.source_id})
    else:
        found = run.save("school years", found, {})
    run.years[(district_id, plan.name)] = found


def _run(run: ImportRun, plan: ImportPlan, on_step: Callable[[], None]) -> None:
    for index, district_plan in enumerate(plan.districts):
        if run.target is not None:
            district = _target_district(run, district_plan, index)
        else:
            district = _district(run, district_plan)
        if district is not None:
            run.districts[district_plan.key] = district
    if run.problems:
        return  # every later step needs its district
    for school in plan.schools:
        _school(run, school)
        on_step()
    for year in plan.years:
        # OneRoster school years have no org: they are the calendar of every district listed.
        for district in run.districts.values():
            _year(run, year, row_id(district))
        on_step()
    for person in plan.people:
        apply_person(run, person)
        on_step()
    for teacher in plan.teachers:
        apply_teacher(run, teacher)
        on_step()


def apply_import(
    *,
    session: Session,
    plan: ImportPlan,
    actor: Actor,
    district: District | None = None,
    today: date | None = None,
    on_step: Callable[[], None] | None = None,
) -> ImportResult:
    """Write the plan and commit; on any problem roll back and raise ImportRejected.

    `district` pins the import to one district (an admin's upload); `on_step` is called once
    per planned row, for a progress bar. Each change of a person, role, assignment or roster
    email is an audit event of `actor`.
    """
    run = ImportRun(session=session, target=district, today=today or date.today(), actor=actor)
    for kind, skipped in plan.skipped.items():
        run.counts[kind].skipped += skipped
    try:
        _run(run, plan, on_step or (lambda: None))
        if run.problems:
            raise ImportRejected(run.problems)
        session.commit()
    except SQLAlchemyError as exc:
        session.rollback()
        problem = Problem("(database)", 0, FILE, f"the database refused the import: {exc}")
        raise ImportRejected([problem]) from exc
    except BaseException:
        session.rollback()
        raise
    return ImportResult(plan.format, run.counts, plan.ignored_files)
