"""Reads that a run of writes shares: a sync batch applies hundreds of operations to a few
observations, and would otherwise read the same rows for each. The pages pass none to
`service.apply_operation`: a fresh one per write reads everything again.

What is kept: each observation's rubric sheets (fixed when it is created), the observations
written (with the transaction that locked each one, see service._lock), teachers, a coach's
caseload on a day and a district's school year for a day (as they were at the first write
of the batch that needed them).
"""

import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from server.observations.models import Observation
from server.observations.scoring import RubricSheet
from server.roster import service as roster_service
from server.roster.models import SchoolYear, Teacher


@dataclass
class Lookups:
    rubrics: dict[uuid.UUID, list[RubricSheet]] = field(default_factory=dict)
    # Held so the session keeps them (it holds them weakly); the second item is the
    # transaction that locked the observation last.
    observations: dict[uuid.UUID, tuple[Observation, object]] = field(default_factory=dict)
    teachers: dict[int, Teacher | None] = field(default_factory=dict)
    caseloads: dict[tuple[int, date], set[int]] = field(default_factory=dict)
    school_years: dict[tuple[int, date], SchoolYear | None] = field(default_factory=dict)

    def teacher(self, session: Session, teacher_id: int) -> Teacher | None:
        if teacher_id not in self.teachers:
            self.teachers[teacher_id] = session.get(Teacher, teacher_id)
        return self.teachers[teacher_id]

    def in_caseload(
        self, session: Session, coach_id: int, teacher_id: int, days: list[date]
    ) -> bool:
        """Whether the teacher is in the coach's caseload on any of these days."""
        for day in days:
            key = (coach_id, day)
            if key not in self.caseloads:
                entries = roster_service.caseload(session=session, coach_id=coach_id, on=day)
                self.caseloads[key] = {e.teacher.id for e in entries if e.teacher.id is not None}
            if teacher_id in self.caseloads[key]:
                return True
        return False

    def school_year(self, session: Session, teacher: Teacher, on: date) -> SchoolYear | None:
        """The year of the teacher's district containing `on`, else the one
        roster_service.current_school_year picks for that day."""
        key = (teacher.district_id, on)
        if key not in self.school_years:
            self.school_years[key] = session.exec(
                select(SchoolYear).where(
                    SchoolYear.district_id == teacher.district_id,
                    col(SchoolYear.start_date) <= on,
                    col(SchoolYear.end_date) >= on,
                )
            ).first() or roster_service.current_school_year(
                session=session, district_id=teacher.district_id, today=on
            )
        return self.school_years[key]
