"""What the agreement page of a co-observed lesson shows: each rubric's cells side by side
(the two raters' levels, how far apart, the consensus), and the agreement statistics."""

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from server.accounts.models import User
from server.accounts.service import Viewer
from server.observations import agreement, co_observation, scoring
from server.observations import service as observations_service
from server.observations.co_observation import CellKey, Levels, Pair
from server.roster import service as roster_service
from server.templating import templates


@dataclass(frozen=True)
class Level:
    value: int
    label: str


def gap_verdict(a: int | None, b: int | None) -> str:
    """How far apart two raters' levels of one cell are, in words."""
    if a is None and b is None:
        return "Both: not observed"
    if a is None or b is None:
        return "Not observed by one"
    gap = abs(a - b)
    return {0: "Same level", 1: "Within one level"}.get(gap, f"{gap} levels apart")


def level_text(levels: list[Level], value: int | None) -> str:
    """A level as the pages say it: "3 High", or "Not observed"."""
    if value is None:
        return "Not observed"
    label = next((lv.label for lv in levels if lv.value == value), "")
    return f"{value} {label}".strip()


@dataclass
class CellRow:
    key: CellKey
    dimension: str
    item: str
    first: int | None
    second: int | None
    consensus: int | None
    levels: list[Level]
    not_observed_allowed: bool
    descriptors: dict[int, str]
    evidence: tuple[str, str] = ("", "")  # each rater's evidence, on a dimension's first cell

    @property
    def name(self) -> str:
        """The form field of this cell's consensus."""
        rv, dim, item = self.key
        return f"c:{rv}:{dim}:{item}"

    @property
    def error_key(self) -> str:
        rv, dim, item = self.key
        return f"scores.{rv}:{dim}" + (f":{item}" if item else "")

    @property
    def differ(self) -> bool:
        return self.first != self.second

    @property
    def verdict(self) -> str:
        return gap_verdict(self.first, self.second)

    def text(self, value: int | None) -> str:
        return level_text(self.levels, value)


@dataclass
class RubricBlock:
    title: str
    version: str
    rows: list[CellRow]
    stats: agreement.RubricAgreement
    dimension_names: dict[str, str] = field(default_factory=dict)


def _blocks(
    sheet: scoring.Sheet,
    first: Levels,
    second: Levels,
    now: Levels,
    second_sheet: scoring.Sheet,
) -> list[RubricBlock]:
    blocks = []
    for rs in sheet.rubrics:
        assert rs.version.id is not None
        rv = rs.version.id
        rows = []
        for dim in rs.rubric.dimensions:
            scale = rs.scale(dim)
            levels = [Level(lv.value, lv.label) for lv in scale.levels]
            descriptors = {d.value: d.descriptor for d in dim.levels}
            items = [(i.id, i.text) for i in dim.items] or [("", "")]
            evidence = (sheet.evidence_text(rv, dim.id), second_sheet.evidence_text(rv, dim.id))
            for n, (item_id, item_text) in enumerate(items):
                key = (rv, dim.id, item_id)
                rows.append(
                    CellRow(
                        key, dim.name, item_text, first.get(key), second.get(key), now.get(key),
                        levels, scale.not_observed, descriptors,
                        evidence if n == 0 else ("", ""),
                    )
                )  # fmt: skip
        stats = agreement.rubric_agreement(
            rs.rubric,
            {(d, i): v for (r, d, i), v in first.items() if r == rv},
            {(d, i): v for (r, d, i), v in second.items() if r == rv},
        )
        names = {d.id: d.name for d in rs.rubric.dimensions}
        blocks.append(RubricBlock(rs.rubric.title, rs.version.version, rows, stats, names))
    return blocks


def context(*, session: Session, viewer: Viewer, pair: Pair) -> dict[str, Any]:
    """The page's context; scores only once both raters have finalized."""
    first_user = session.get(User, pair.first.observer_id)
    second_user = session.get(User, pair.second.observer_id)
    teacher = observations_service.get_teacher_of(session=session, observation=pair.first)
    ctx: dict[str, Any] = {
        "pair": pair,
        "first_name": first_user.name if first_user else "",
        "second_name": second_user.name if second_user else "",
        "teacher": teacher,
        "school": roster_service.get_school(session=session, school_id=teacher.school_id),
        "is_rater": co_observation.is_rater(viewer=viewer, pair=pair),
        # The rater's own observation, in the coach's app.
        "own_id": next(
            (o.id for o in (pair.first, pair.second) if o.observer_id == viewer.id), None
        ),
        "blocks": [],
        "errors": {},
        "chosen": {},
    }
    if not pair.both_final:
        return ctx
    first_sheet = observations_service.load_sheet(session=session, observation=pair.first)
    second_sheet = observations_service.load_sheet(session=session, observation=pair.second)
    now = co_observation.levels_of(first_sheet)
    sheets = {pair.first.id: first_sheet, pair.second.id: second_sheet}
    first, second = co_observation.rater_levels(pair, lambda o: sheets[o.id])
    if pair.reconciliation is not None:
        recorder = session.get(User, pair.reconciliation.recorded_by)
        ctx["recorded_by"] = recorder.name if recorder else ""
    ctx["blocks"] = _blocks(first_sheet, first, second, now, second_sheet)
    return ctx


def percent(value: float | None) -> str:
    return "\u2013" if value is None else f"{round(value * 100)}%"


def kappa_text(value: float | None) -> str:
    return "not defined" if value is None else f"{value:.2f}"


templates.env.filters.update(percent=percent, kappa_text=kappa_text)
