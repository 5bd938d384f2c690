"""A district's co-observed lessons, for its admins: each lesson's agreement, and per rubric
the agreement over all of them with ICC(2,1) and ICC(3,1) (the cells both raters scored,
first observer and second observer as the two raters)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlmodel import Session, col, select

from server.accounts.models import User
from server.observations import agreement, co_observation
from server.observations import service as observations_service
from server.observations.co_observation import Pair
from server.observations.models import Observation, ObservationStatus, Reconciliation
from server.roster.models import Teacher
from server.rubrics import service as rubrics_service
from server.rubrics.models import RubricVersion
from server.rubrics.schema import Rubric

# Fewer targets than this and the ICC's interval spans nearly everything: not shown.
ICC_MIN_CELLS = 5


@dataclass(frozen=True)
class LessonRow:
    first_id: str
    observed_at: datetime
    teacher: str
    raters: tuple[str, str]
    rubric: str
    stats: agreement.PairAgreement
    reconciled: bool


@dataclass
class RubricTotal:
    title: str
    lessons: int
    stats: agreement.PairAgreement
    iccs: tuple[agreement.Icc, agreement.Icc] | None


@dataclass
class DistrictAgreement:
    lessons: list[LessonRow] = field(default_factory=list)
    rubrics: list[RubricTotal] = field(default_factory=list)
    waiting: int = 0  # co-observed lessons a rater has not finalized yet


def district_agreement(*, session: Session, district_id: int) -> DistrictAgreement:
    seconds = session.exec(
        select(Observation)
        .join(Teacher, col(Teacher.id) == Observation.teacher_id)
        .where(col(Observation.pair_of).is_not(None), Teacher.district_id == district_id)
    ).all()
    out = DistrictAgreement()
    names: dict[int, str] = {}
    rubrics: dict[int, Rubric] = {}

    def rubric_of(rv: int) -> Rubric:
        if rv not in rubrics:
            version = session.get(RubricVersion, rv)
            assert version is not None
            rubrics[rv] = rubrics_service.rubric_of(version)
        return rubrics[rv]

    def name(user_id: int) -> str:
        if user_id not in names:
            user = session.get(User, user_id)
            names[user_id] = user.name if user else ""
        return names[user_id]

    pooled: dict[int, tuple[list[int | None], list[int | None], int]] = defaultdict(
        lambda: ([], [], 0)
    )
    for second in seconds:
        first = session.get(Observation, second.pair_of)
        assert first is not None
        pair = Pair(first, second, session.get(Reconciliation, first.id))
        if not all(o.status == ObservationStatus.final for o in (first, second)):
            out.waiting += 1
            continue
        a, b = co_observation.rater_levels(
            pair, lambda o: observations_service.load_sheet(session=session, observation=o)
        )
        teacher = observations_service.get_teacher_of(session=session, observation=first)
        for rv in sorted({key[0] for key in a}):
            rubric = rubric_of(rv)
            cells = sorted(k for k in a if k[0] == rv)
            levels = agreement.rubric_levels(rubric)
            xs, ys = [a[c] for c in cells], [b[c] for c in cells]
            out.lessons.append(
                LessonRow(
                    str(first.id), first.observed_at, teacher.name,
                    (name(first.observer_id), name(second.observer_id)), rubric.title,
                    agreement.pair_agreement(xs, ys, levels=levels), pair.reconciliation is not None,
                )
            )  # fmt: skip
            all_x, all_y, count = pooled[rv]
            pooled[rv] = (all_x + xs, all_y + ys, count + 1)
    for rv, (xs, ys, count) in sorted(pooled.items()):
        rubric = rubric_of(rv)
        levels = agreement.rubric_levels(rubric)
        both = [(x, y) for x, y in zip(xs, ys, strict=True) if x is not None and y is not None]
        table = np.array(both, dtype=float) if both else np.zeros((0, 2))
        out.rubrics.append(
            RubricTotal(
                rubric.title, count, agreement.pair_agreement(xs, ys, levels=levels),
                agreement.icc(table) if len(both) >= ICC_MIN_CELLS else None,
            )
        )  # fmt: skip
    out.lessons.sort(key=lambda row: row.observed_at, reverse=True)
    return out
