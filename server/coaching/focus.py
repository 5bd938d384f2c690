"""A cycle's focus practice: one of the eight NCTM practices (the dimensions of the current
`nctm-practices` rubric) or any dimension of another current rubric."""

from dataclasses import dataclass

from sqlmodel import Session

from server.observations.operations import OperationError
from server.rubrics import service as rubrics_service
from server.rubrics.models import RubricVersion

NCTM_RUBRIC_ID = "nctm-practices"


@dataclass(frozen=True)
class FocusOption:
    rubric_id: str
    dimension_id: str
    label: str  # the dimension's name
    group: str  # the rubric's title


def _current(session: Session) -> list[RubricVersion]:
    """The current rubric versions, nctm-practices first, then by title."""
    current = rubrics_service.list_current(session=session)
    return sorted(current, key=lambda v: v.rubric_id != NCTM_RUBRIC_ID)


def focus_options(*, session: Session) -> list[FocusOption]:
    """What a cycle may focus on: the NCTM practices first, then the dimensions of the other
    current rubrics, in rubric order."""
    return [
        FocusOption(
            rubric_id=version.rubric_id, dimension_id=dim.id, label=dim.name, group=version.title
        )
        for version in _current(session)
        for dim in rubrics_service.rubric_of(version).dimensions
    ]


def focus_label(*, session: Session, rubric_id: str, dimension_id: str) -> str:
    """The dimension's name in the current version of the rubric, or OperationError naming
    focus_rubric_id (no such rubric) or focus_dimension_id (not one of its dimensions)."""
    version = next((v for v in _current(session) if v.rubric_id == rubric_id), None)
    if version is None:
        raise OperationError("focus_rubric_id", f"there is no rubric {rubric_id!r}")
    rubric = rubrics_service.rubric_of(version)
    dimension = rubric.dimension(dimension_id)
    if dimension is None:
        raise OperationError(
            "focus_dimension_id", f"{dimension_id!r} is not a dimension of {rubric.title}"
        )
    return dimension.name
