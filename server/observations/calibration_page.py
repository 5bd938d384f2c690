"""What the calibration pages show: a lesson's cells with their levels and descriptors, the
form's choices, and (once a rating is final) each cell against the master."""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from server.accounts.models import User
from server.accounts.service import Viewer
from server.observations import agreement, calibration
from server.observations.agreement_page import Level, gap_verdict, level_text
from server.observations.calibration import Cell, Cells
from server.observations.models import CalibrationLesson, CalibrationRating
from server.rubrics.schema import Rubric


@dataclass
class CellView:
    cell: Cell
    dimension: str
    item: str
    levels: list[Level]
    not_observed_allowed: bool
    descriptors: dict[int, str]
    master: int | None = None
    mine: int | None = None

    @property
    def name(self) -> str:
        return calibration.field_name(self.cell)

    @property
    def missed(self) -> bool:
        return self.master != self.mine

    @property
    def verdict(self) -> str:
        return gap_verdict(self.master, self.mine)

    def text(self, value: int | None) -> str:
        return level_text(self.levels, value)


def cell_views(rubric: Rubric, master: Cells, mine: Cells) -> list[CellView]:
    rows = []
    for dim in rubric.dimensions:
        scale = rubric.scale_for(dim)
        levels = [Level(lv.value, lv.label) for lv in scale.levels]
        descriptors = {d.value: d.descriptor for d in dim.levels}
        for item_id, item_text in [(i.id, i.text) for i in dim.items] or [("", "")]:
            cell = (dim.id, item_id)
            rows.append(
                CellView(
                    cell, dim.name, item_text, levels, scale.not_observed, descriptors,
                    master.get(cell), mine.get(cell),
                )
            )  # fmt: skip
    return rows


def chosen_of(cells: Cells) -> dict[str, str]:
    """The form's choices from saved cells: a level, or "not-observed"."""
    return {
        calibration.field_name(c): "not-observed" if v is None else str(v) for c, v in cells.items()
    }


def cells_of(fields: dict[str, str]) -> tuple[Cells, dict[str, str]]:
    """The cells posted (s:DIM:ITEM = a level or "not-observed"; "" = not chosen yet), and an
    error per field that is not a level."""
    cells: Cells = {}
    errors: dict[str, str] = {}
    for name, raw in fields.items():
        parts = name.split(":")
        if parts[0] != "s" or len(parts) != 3 or raw == "":
            continue
        cell = (parts[1], parts[2])
        if raw == "not-observed":
            cells[cell] = None
        else:
            try:
                cells[cell] = int(raw)
            except ValueError:
                errors[name] = "choose one of the levels"
    return cells, errors


@dataclass(frozen=True)
class RaterResult:
    name: str
    rating: CalibrationRating
    stats: agreement.RubricAgreement | None  # None: not final yet


def lesson_context(
    *, session: Session, viewer: Viewer, lesson: CalibrationLesson, chosen: dict[str, str]
) -> dict[str, Any]:
    """The lesson page: the master form (its specialist), the rating form or the rater's
    agreement (a rater), and every rater's agreement (specialists and admins)."""
    rubric = calibration.rubric_of(session=session, lesson=lesson)
    master = calibration.from_rows(lesson.master_scores)
    coder_views = viewer.id == lesson.created_by
    rater = calibration.can_rate(viewer=viewer, lesson=lesson)
    rating = None
    if rater and lesson.id is not None:
        rating = calibration.rating_of(session=session, lesson_id=lesson.id, rater_id=viewer.id)
    mine = calibration.from_rows(rating.scores) if rating else {}
    final = rating is not None and rating.finalized_at is not None
    oversees = calibration.can_see_district(viewer=viewer, district_id=lesson.district_id)
    # Blind: a rater sees the master, and a specialist or admin who rates too the others'
    # results, only with their own rating final. Coaches never see another rater's.
    show_master = (oversees and not rater) or final
    show_results = oversees and (not rater or final)
    coder = session.get(User, lesson.created_by)
    ctx: dict[str, Any] = {
        "lesson": lesson,
        "rubric": rubric,
        "coder": coder.name if coder else "",
        "is_coder": coder_views,
        "is_rater": rater,
        "rating": rating,
        "final": final,
        "rows": cell_views(rubric, master if show_master else {}, mine),
        "chosen": chosen or chosen_of(master if coder_views else mine),
        "results": [],
        "mine": None,
    }
    if final and rating is not None:
        ctx["mine"] = calibration.lesson_agreement(rubric, lesson, rating)
    if show_results:
        results = []
        for other in calibration.ratings_of(session=session, lesson_id=lesson.id or 0):
            user = session.get(User, other.rater_id)
            done = other.finalized_at is not None
            stats = calibration.lesson_agreement(rubric, lesson, other) if done else None
            results.append(RaterResult(user.name if user else "", other, stats))
        ctx["results"] = results
    return ctx
