"""Calibration: a district specialist codes a lesson's master scores (a video most often);
the district's coaches score it blind and each, once final, sees their agreement with the
master dimension by dimension, with what the levels they missed look like. A district page
lists each rater's history and flags a rater under the district's threshold.

Blind by design: a rater sees the master only once their own rating is final, and never
another rater's; the master is fixed once marked (ratings are compared against it).
Calibration is about raters, never a teacher: a lesson names no roster teacher, and neither
principals nor teachers see any of it. docs/calibration.md.
"""

from dataclasses import dataclass, field
from datetime import datetime

from pydantic import field_validator
from sqlmodel import Field, Session, SQLModel, col, select

from server.accounts.models import Membership, Role, User
from server.accounts.service import Viewer
from server.db import RowId, utcnow
from server.observations import agreement, co_observation
from server.observations.models import CalibrationLesson, CalibrationRating, DistrictCalibration
from server.rubrics import service as rubrics_service
from server.rubrics.models import RubricVersion
from server.rubrics.schema import Rubric

# (dimension_id, item_id) -> a level, or None (not observed).
Cell = tuple[str, str]
Cells = dict[Cell, int | None]
DEFAULT_MIN_ADJACENT_PERCENT = 80
RATER_ROLES = (Role.coach, Role.specialist)


class CalibrationError(Exception):
    """A refused calibration write, naming the form field at fault."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


class CalibrationLessonCreate(SQLModel):
    title: str = Field(min_length=1, max_length=200)
    source: str = Field(default="", max_length=2000)
    rubric_version_id: RowId

    @field_validator("title", "source", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value


# --- Who may do what ------------------------------------------------------------------------


def is_specialist(*, viewer: Viewer, district_id: int) -> bool:
    return district_id in viewer.district_ids(Role.specialist)


def can_see_district(*, viewer: Viewer, district_id: int) -> bool:
    """The district page of raters' calibration: its specialists and admins."""
    return co_observation.oversees_raters(viewer=viewer, district_id=district_id)


def can_rate(*, viewer: Viewer, lesson: CalibrationLesson) -> bool:
    """The district's coaches and specialists, except the one who coded the master."""
    return viewer.id != lesson.created_by and any(
        lesson.district_id in viewer.district_ids(role) for role in RATER_ROLES
    )


def calibration_district(*, viewer: Viewer) -> int | None:
    """The district whose calibration lessons this person works with, or None."""
    ids = set().union(*(viewer.district_ids(r) for r in (*RATER_ROLES, Role.district_admin)))
    return min(ids) if ids else None


# --- Lessons and the master code -----------------------------------------------------------


def list_lessons(*, session: Session, district_id: int) -> list[CalibrationLesson]:
    query = select(CalibrationLesson).where(CalibrationLesson.district_id == district_id)
    return list(session.exec(query.order_by(col(CalibrationLesson.created_at).desc())))


def get_lesson(*, session: Session, lesson_id: int) -> CalibrationLesson | None:
    return session.get(CalibrationLesson, lesson_id)


def rubric_of(*, session: Session, lesson: CalibrationLesson) -> Rubric:
    version = session.get(RubricVersion, lesson.rubric_version_id)
    assert version is not None
    return rubrics_service.rubric_of(version)


def create_lesson(
    *, session: Session, viewer: Viewer, district_id: int, data: CalibrationLessonCreate
) -> CalibrationLesson:
    if not is_specialist(viewer=viewer, district_id=district_id):
        raise CalibrationError("title", "only a district specialist codes calibration lessons")
    version = rubrics_service.get_version(session=session, rubric_version_id=data.rubric_version_id)
    if version is None:
        raise CalibrationError("rubric_version_id", "choose one of the rubrics")
    lesson = CalibrationLesson(
        district_id=district_id, title=data.title, source=data.source,
        rubric_version_id=data.rubric_version_id, created_by=viewer.id,
    )  # fmt: skip
    rubrics_service.mark_used(session=session, version=version)
    session.add(lesson)
    session.commit()
    session.refresh(lesson)
    return lesson


def every_cell(rubric: Rubric) -> list[Cell]:
    return [(d.id, i.id) for d in rubric.dimensions for i in d.items] + [
        (d.id, "") for d in rubric.dimensions if not d.items
    ]


def field_name(cell: Cell) -> str:
    """The form field of a cell: s:DIMENSION:ITEM."""
    return f"s:{cell[0]}:{cell[1]}"


def check_cells(rubric: Rubric, cells: Cells, *, complete: bool) -> dict[str, str]:
    """An error per form field: a level outside the scale, "not observed" where the scale has
    none, and (when `complete`) a cell left blank."""
    errors: dict[str, str] = {}
    known = set(every_cell(rubric))
    for cell, value in cells.items():
        if cell not in known:
            errors[field_name(cell)] = "not a dimension of this rubric"
            continue
        dimension = rubric.dimension(cell[0])
        assert dimension is not None
        scale = rubric.scale_for(dimension)
        if value is None and not scale.not_observed:
            errors[field_name(cell)] = f"{dimension.name} cannot be marked not observed"
        elif value is not None and value not in scale.values:
            errors[field_name(cell)] = "choose one of the levels"
    if complete:
        for cell in known - set(cells):
            errors.setdefault(field_name(cell), "choose a level (or not observed)")
    return errors


def as_rows(cells: Cells) -> list[list[object]]:
    return [[dim, item, value] for (dim, item), value in sorted(cells.items())]


def from_rows(rows: list[list[object]]) -> Cells:
    return {(str(dim), str(item)): v for dim, item, v in rows}  # type: ignore[misc]


def save_master(
    *, session: Session, viewer: Viewer, lesson: CalibrationLesson, cells: Cells, mark: bool
) -> None:
    """Save the specialist's code; `mark` fixes it as the master and opens the lesson."""
    if viewer.id != lesson.created_by:
        raise CalibrationError("master", "only the specialist who added the lesson codes it")
    if lesson.master_at is not None:
        raise CalibrationError("master", "the master is marked: raters are compared against it")
    rubric = rubric_of(session=session, lesson=lesson)
    errors = check_cells(rubric, cells, complete=mark)
    if errors:
        raise CellErrors(errors)
    lesson.master_scores = as_rows(cells)
    if mark:
        lesson.master_at = utcnow()
    session.add(lesson)
    session.commit()


class CellErrors(Exception):
    """Several cells refused at once: field name -> message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in sorted(errors.items())))
        self.errors = errors


def close_lesson(*, session: Session, viewer: Viewer, lesson: CalibrationLesson) -> None:
    if viewer.id != lesson.created_by:
        raise CalibrationError("close", "only the specialist who added the lesson closes it")
    if lesson.closed_at is None:
        lesson.closed_at = utcnow()
        session.add(lesson)
        session.commit()


# --- Ratings -------------------------------------------------------------------------------


def rating_of(*, session: Session, lesson_id: int, rater_id: int) -> CalibrationRating | None:
    return session.exec(
        select(CalibrationRating).where(
            CalibrationRating.lesson_id == lesson_id, CalibrationRating.rater_id == rater_id
        )
    ).first()


def save_rating(
    *, session: Session, viewer: Viewer, lesson: CalibrationLesson, cells: Cells, finalize: bool
) -> CalibrationRating:
    """Save a rater's levels (a draft keeps what is chosen so far); `finalize` needs every
    cell and fixes the rating, after which the rater sees the master."""
    if not can_rate(viewer=viewer, lesson=lesson):
        raise CalibrationError("rating", "only the district's coaches rate calibration lessons")
    if lesson.master_at is None:
        raise CalibrationError("rating", "the specialist has not marked the master code yet")
    if lesson.closed_at is not None:
        raise CalibrationError("rating", "this calibration lesson is closed")
    rating = rating_of(session=session, lesson_id=lesson.id or 0, rater_id=viewer.id)
    if rating is not None and rating.finalized_at is not None:
        raise CalibrationError("rating", "your rating is final: it is compared with the master")
    errors = check_cells(rubric_of(session=session, lesson=lesson), cells, complete=finalize)
    if errors:
        raise CellErrors(errors)
    if rating is None:
        rating = CalibrationRating(lesson_id=lesson.id or 0, rater_id=viewer.id)
    rating.scores = as_rows(cells)
    rating.updated_at = utcnow()
    if finalize:
        rating.finalized_at = rating.updated_at
    session.add(rating)
    session.commit()
    session.refresh(rating)
    return rating


def ratings_by(*, session: Session, rater_id: int) -> dict[int, CalibrationRating]:
    """A rater's ratings, by lesson id (one query for the lessons page)."""
    rows = session.exec(select(CalibrationRating).where(CalibrationRating.rater_id == rater_id))
    return {rating.lesson_id: rating for rating in rows}


def ratings_of(*, session: Session, lesson_id: int) -> list[CalibrationRating]:
    query = select(CalibrationRating).where(CalibrationRating.lesson_id == lesson_id)
    return list(session.exec(query.order_by(col(CalibrationRating.id))))


def lesson_agreement(
    rubric: Rubric, lesson: CalibrationLesson, rating: CalibrationRating
) -> agreement.RubricAgreement:
    """A rating against the master: the master as the first rater."""
    return agreement.rubric_agreement(
        rubric, from_rows(lesson.master_scores), from_rows(rating.scores)
    )


# --- The district's raters -----------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    lesson_id: int
    lesson: str
    rubric: str
    finalized_at: datetime
    stats: agreement.PairAgreement


@dataclass
class RaterHistory:
    rater_id: int
    name: str
    rows: list[HistoryRow] = field(default_factory=list)  # newest first
    flagged: bool = False

    @property
    def latest(self) -> HistoryRow | None:
        return self.rows[0] if self.rows else None


def min_adjacent_percent(*, session: Session, district_id: int) -> int:
    row = session.get(DistrictCalibration, district_id)
    return row.min_adjacent_percent if row else DEFAULT_MIN_ADJACENT_PERCENT


def set_min_adjacent_percent(
    *, session: Session, viewer: Viewer, district_id: int, percent: int
) -> None:
    if district_id not in viewer.district_ids(Role.district_admin):
        raise CalibrationError("min_adjacent_percent", "the district's admins set the threshold")
    if not 0 <= percent <= 100:
        raise CalibrationError("min_adjacent_percent", "a percentage from 0 to 100")
    row = session.get(DistrictCalibration, district_id) or DistrictCalibration(
        district_id=district_id
    )
    row.min_adjacent_percent = percent
    row.updated_by = viewer.id
    row.updated_at = utcnow()
    session.add(row)
    session.commit()


def is_flagged(stats: agreement.PairAgreement, percent: int) -> bool:
    """Under the threshold within one level (a lesson with no cell both scored is flagged:
    it says nothing of the rater's reading of the rubric)."""
    return stats.adjacent is None or stats.adjacent * 100 < percent


def rater_histories(*, session: Session, district_id: int) -> list[RaterHistory]:
    """Every rater of the district who finalized a calibration rating, with each lesson's
    agreement with the master; flagged by their latest lesson."""
    lessons = {
        lesson.id: lesson for lesson in list_lessons(session=session, district_id=district_id)
    }
    rubrics: dict[int, Rubric] = {}
    ratings = session.exec(
        select(CalibrationRating, User)
        .join(User, col(User.id) == CalibrationRating.rater_id)
        .where(
            col(CalibrationRating.lesson_id).in_(list(lessons)),
            col(CalibrationRating.finalized_at).is_not(None),
        )
    ).all()
    histories: dict[int, RaterHistory] = {}
    for rating, user in ratings:
        lesson = lessons[rating.lesson_id]
        if lesson.rubric_version_id not in rubrics:
            rubrics[lesson.rubric_version_id] = rubric_of(session=session, lesson=lesson)
        rubric = rubrics[lesson.rubric_version_id]
        stats = lesson_agreement(rubric, lesson, rating).overall
        history = histories.setdefault(user.id or 0, RaterHistory(user.id or 0, user.name))
        assert rating.finalized_at is not None
        history.rows.append(
            HistoryRow(lesson.id or 0, lesson.title, rubric.title, rating.finalized_at, stats)
        )
    percent = min_adjacent_percent(session=session, district_id=district_id)
    for history in histories.values():
        history.rows.sort(key=lambda row: row.finalized_at, reverse=True)
        assert history.latest is not None
        history.flagged = is_flagged(history.latest.stats, percent)
    return sorted(histories.values(), key=lambda h: (not h.flagged, h.name.casefold()))


def district_raters(*, session: Session, district_id: int) -> list[User]:
    """The district's active coaches: the raters a calibration round is for."""
    ids = select(Membership.user_id).where(
        Membership.district_id == district_id, Membership.role == Role.coach
    )
    query = select(User).where(col(User.id).in_(ids), col(User.is_active))
    return list(session.exec(query.order_by(col(User.name))))
