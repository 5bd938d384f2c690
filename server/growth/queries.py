"""Shared growth queries: the rubrics' instruments, per-dimension scores, the data stamp."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Float, case, cast, func, select
from sqlmodel import Session

from server.accounts.models import Membership, Role
from server.coaching.models import CheckIn, CoachingCycle
from server.observations.models import Observation, Score
from server.roster.models import School, SchoolYear, Teacher
from server.rubrics import service as rubrics_service
from server.rubrics.models import RubricVersion
from server.sync.models import SyncChange

S = Score.__table__  # type: ignore[attr-defined]
O = Observation.__table__  # type: ignore[attr-defined]  # noqa: E741
RV = RubricVersion.__table__  # type: ignore[attr-defined]
T = Teacher.__table__  # type: ignore[attr-defined]
CI = CheckIn.__table__  # type: ignore[attr-defined]
CC = CoachingCycle.__table__  # type: ignore[attr-defined]
M = Membership.__table__  # type: ignore[attr-defined]
SC = SyncChange.__table__  # type: ignore[attr-defined]

ROLE_WORDS = {
    Role.coach: "Coach",
    Role.principal: "Principal",
    Role.district_admin: "District admin",
    Role.teacher: "Teacher",
}


# --- Instruments: the rubrics' dimensions, names and scales ---------------------------------


@dataclass(frozen=True)
class DimensionInfo:
    id: str
    name: str
    low: int
    high: int
    high_level_min: int | None


@dataclass(frozen=True)
class Instrument:
    rubric_id: str
    title: str
    dimensions: tuple[DimensionInfo, ...]

    def dimension(self, dimension_id: str) -> DimensionInfo | None:
        return next((d for d in self.dimensions if d.id == dimension_id), None)

    @property
    def low(self) -> int:
        return min(d.low for d in self.dimensions)

    @property
    def high(self) -> int:
        return max(d.high for d in self.dimensions)


def instruments(*, session: Session) -> dict[str, Instrument]:
    """Every stored rubric by id: the newest version's title and dimensions, then the
    dimensions only older versions have."""
    versions = session.execute(select(RubricVersion)).scalars().all()
    by_id: dict[str, list[RubricVersion]] = defaultdict(list)
    for v in versions:
        by_id[v.rubric_id].append(v)
    out: dict[str, Instrument] = {}
    for rubric_id, rows in by_id.items():
        rows.sort(key=lambda r: rubrics_service.version_key(r.version), reverse=True)
        dims: dict[str, DimensionInfo] = {}
        for row in rows:
            rubric = rubrics_service.rubric_of(row)
            for d in rubric.dimensions:
                if d.id not in dims:
                    scale = rubric.scale_for(d)
                    dims[d.id] = DimensionInfo(
                        d.id, d.name, scale.min, scale.max, scale.high_level_min
                    )
        out[rubric_id] = Instrument(rubric_id, rows[0].title, tuple(dims.values()))
    return out


# --- Shared query pieces -----------------------------------------------------------------------
#
# A dimension's score in an observation is the mean of its scored items (a dimension without
# items has one). Only finalized observations count, a co-observed lesson once: with its
# first observation, which holds the raters' consensus once they reconcile (a second
# observer's scoring never counts; observations/co_observation.py). The teacher's page and the growth model use
# the observations shared with the teacher (what the teacher has seen); the summaries and the
# export use every finalized observation, aggregated or pseudonymous.


def dimension_scores(*where: ColumnElement[bool], per_lesson: bool = True) -> sa.Select[Any]:
    """One row per (finalized observation, rubric version, dimension): the mean of its scored
    items (or its one score). per_lesson=False leaves out the observation's id, its observer
    and the rubric version, which the summaries do not need: SQLite carries every selected
    column through the grouping (a school's summary query: 38 ms without them, 68 with)."""
    lesson = [O.c.id.label("observation_id"), O.c.observer_id, RV.c.version] if per_lesson else []
    # Grouped by primary keys only: the observation's and the version's other columns
    # depend on them (PostgreSQL accepts them ungrouped), and a narrow key sorts faster.
    return (
        select(
            *lesson,
            O.c.teacher_id,
            O.c.observed_at,
            O.c.school_year_id,
            RV.c.rubric_id,
            S.c.dimension_id,
            func.avg(cast(S.c.value, Float)).label("score"),
        )
        .select_from(
            S.join(O, O.c.id == S.c.observation_id)
            .join(RV, RV.c.id == S.c.rubric_version_id)
            .join(T, T.c.id == O.c.teacher_id)
        )
        .where(O.c.status == "final", O.c.pair_of.is_(None), S.c.value.is_not(None), *where)
        .group_by(O.c.id, RV.c.id, S.c.dimension_id)
    )


def latest_change(*, session: Session, district_id: int, entity: str | None = None) -> Any:
    """The sync_change seq of the district's latest accepted write (of `entity`, or of any):
    one index lookup per school of the district (ix_sync_change_school_entity_seq,
    ix_sync_change_school_seq), so a write in another district changes nothing here."""
    inner = select(func.max(SC.c.seq)).where(SC.c.school_id == School.id)
    if entity is not None:
        inner = inner.where(SC.c.entity == entity)
    per_school = inner.correlate(School).scalar_subquery()
    return session.execute(
        select(func.max(per_school)).where(School.district_id == district_id)  # type: ignore[arg-type]
    ).scalar()


def latest_observation_update(*, session: Session, district_id: int) -> Any:
    """The latest updated_at of the district's observations: one index lookup per school
    year (ix_observation_school_year_updated_at)."""
    per_year = (
        select(func.max(O.c.updated_at))
        .where(O.c.school_year_id == SchoolYear.id)
        .correlate(SchoolYear)
        .scalar_subquery()
    )
    return session.execute(
        select(func.max(per_year)).where(SchoolYear.district_id == district_id)  # type: ignore[arg-type]
    ).scalar()


def district_stamp(*, session: Session, district_id: int) -> tuple[Any, ...]:
    """Changes whenever one of the district's observations is written (every accepted write
    logs a sync_change row, deletions included, and bumps the observation's updated_at) or
    the district's teachers move, join a cohort or leave, or its schools, school years or the
    rubrics change; not with coaching writes, which coaches make all day and which change no
    score, nor with any write in another district.

    Cheap on every request: the observation part is an index lookup per school and per
    school year, not a scan of the district's observations."""
    obs = (
        latest_change(session=session, district_id=district_id, entity="observation"),
        latest_observation_update(session=session, district_id=district_id),
    )
    roster = session.execute(
        select(
            func.count(T.c.id),
            func.sum(T.c.school_id * 7 + T.c.id),
            func.sum(func.coalesce(T.c.cohort_year_id, 0) * 13 + T.c.id),
            func.sum(case((T.c.active.is_(True), T.c.id), else_=0)),
        ).where(T.c.district_id == district_id)
    ).one()
    calendar = session.execute(
        select(func.count(SchoolYear.id), func.sum(SchoolYear.id)).where(  # type: ignore[arg-type]
            SchoolYear.district_id == district_id  # type: ignore[arg-type]
        )
    ).one()
    schools = session.execute(
        select(func.count(School.id), func.sum(School.id)).where(  # type: ignore[arg-type]
            School.district_id == district_id  # type: ignore[arg-type]
        )
    ).one()
    rubrics = session.execute(select(func.count(RV.c.id), func.sum(RV.c.id))).one()
    return (*tuple(obs), *tuple(roster), *tuple(calendar), *tuple(schools), *tuple(rubrics))


def observer_roles(
    *, session: Session, user_ids: Iterable[int], district_id: int
) -> dict[int, str]:
    held: dict[int, set[Role]] = defaultdict(set)
    ids = set(user_ids)
    if ids:
        for user_id, role in session.execute(
            select(M.c.user_id, M.c.role).where(
                M.c.user_id.in_(ids), M.c.district_id == district_id
            )
        ):
            held[user_id].add(Role(role))
    out = {}
    for user_id in ids:
        roles = held.get(user_id, set())
        first = next(
            (
                r
                for r in (Role.coach, Role.principal, Role.district_admin, Role.teacher)
                if r in roles
            ),
            None,
        )
        out[user_id] = ROLE_WORDS[first] if first else "No current role"
    return out


def as_date(value: datetime) -> date:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).date()
