"""The scoring sheet: an observation with its rubric content, scores, evidence, tallies and
notes, and the rubric rules a write must obey. Pure functions, no queries."""

import uuid
from dataclasses import dataclass, field
from statistics import mean

from server.observations.models import Evidence, Note, Observation, Reflection, Score
from server.observations.operations import OperationError
from server.rubrics.models import RubricVersion
from server.rubrics.schema import Dimension, Rubric, Scale, Tally


@dataclass(frozen=True)
class RubricSheet:
    """One rubric of an observation: the stored version and its (validated) content."""

    version: RubricVersion
    rubric: Rubric

    @property
    def id(self) -> int:
        assert self.version.id is not None
        return self.version.id

    def groups(self) -> list[tuple[str, list[Dimension]]]:
        """Dimensions by group, in the file's order; groups without dimensions left out."""
        out = []
        for group in self.rubric.groups:
            dims = [d for d in self.rubric.dimensions if d.group == group.id]
            if dims:
                out.append((group.name, dims))
        return out

    def scale(self, dimension: Dimension) -> Scale:
        return self.rubric.scale_for(dimension)

    def descriptor(self, dimension: Dimension, value: int) -> str:
        return next((lv.descriptor for lv in dimension.levels if lv.value == value), "")


@dataclass
class Sheet:
    observation: Observation
    rubrics: list[RubricSheet]
    scores: dict[tuple[int, str, str], Score] = field(default_factory=dict)
    evidence: dict[tuple[int, str], Evidence] = field(default_factory=dict)
    tallies: dict[tuple[int, str, str], int] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    reflections: list[Reflection] = field(default_factory=list)

    def score(self, rubric_version_id: int, dimension_id: str, item_id: str = "") -> Score | None:
        return self.scores.get((rubric_version_id, dimension_id, item_id))

    def evidence_text(self, rubric_version_id: int, dimension_id: str) -> str:
        row = self.evidence.get((rubric_version_id, dimension_id))
        return row.text if row else ""

    def tally(self, rubric_version_id: int, tally_id: str, category_id: str) -> int:
        return self.tallies.get((rubric_version_id, tally_id, category_id), 0)

    def item_mean(self, rubric_version_id: int, dimension: Dimension) -> float | None:
        """The dimension's score when it has items: the mean of its scored items."""
        values = [
            s.value
            for item in dimension.items
            if (s := self.score(rubric_version_id, dimension.id, item.id)) and s.value is not None
        ]
        return round(mean(values), 2) if values else None

    def scored_items(self, rubric_version_id: int, dimension: Dimension) -> int:
        return sum(
            1
            for item in dimension.items
            if (s := self.score(rubric_version_id, dimension.id, item.id)) and is_scored(s)
        )

    def missing(self) -> list[str]:
        """Required dimensions (and items of required itemized dimensions) not yet scored or
        marked not observed, in rubric order."""
        out: list[str] = []
        for rs in self.rubrics:
            for dim in rs.rubric.dimensions:
                if not dim.required:
                    continue
                name = dim.name if len(self.rubrics) == 1 else f"{rs.rubric.title}: {dim.name}"
                if not dim.items:
                    if not is_scored(self.score(rs.id, dim.id)):
                        out.append(name)
                    continue
                for item in dim.items:
                    if not is_scored(self.score(rs.id, dim.id, item.id)):
                        out.append(f"{name}: {item.text}")
        return out

    def tag_label(self, tag: str) -> str:
        found = find_tag(self.rubrics, tag)
        return found[1].name if found else tag

    def rubric(self, rubric_version_id: int) -> RubricSheet | None:
        return next((rs for rs in self.rubrics if rs.id == rubric_version_id), None)

    @property
    def observation_id(self) -> uuid.UUID:
        return self.observation.id


def is_scored(score: Score | None) -> bool:
    return score is not None and (score.value is not None or score.not_observed)


def tag_for(rubric_version_id: int, dimension_id: str) -> str:
    return f"{rubric_version_id}:{dimension_id}"


def find_tag(rubrics: list[RubricSheet], tag: str) -> tuple[RubricSheet, Dimension] | None:
    rv, _, dim_id = tag.partition(":")
    for rs in rubrics:
        if str(rs.id) == rv and (dim := rs.rubric.dimension(dim_id)) is not None:
            return rs, dim
    return None


def rubric_in(rubrics: list[RubricSheet], rubric_version_id: int) -> RubricSheet:
    found = next((rs for rs in rubrics if rs.id == rubric_version_id), None)
    if found is None:
        raise OperationError(
            "rubric_version_id",
            f"rubric version {rubric_version_id} is not one this observation is scored with",
        )
    return found


def dimension_in(rs: RubricSheet, dimension_id: str) -> Dimension:
    dim = rs.rubric.dimension(dimension_id)
    if dim is None:
        raise OperationError("dimension_id", f"{rs.rubric.title} has no dimension {dimension_id!r}")
    return dim


def check_score(
    rs: RubricSheet, dim: Dimension, item_id: str, value: int | None, not_observed: bool
) -> None:
    """Raise OperationError naming the field unless this score fits the rubric."""
    if dim.items:
        if item_id not in {i.id for i in dim.items}:
            raise OperationError(
                "item_id",
                f"{dim.name} is scored by item; {item_id or '(none)'!r} is not one of its items",
            )
    elif item_id:
        raise OperationError("item_id", f"{dim.name} has no items (got {item_id!r})")
    scale = rs.scale(dim)
    if value is not None and value not in scale.values:
        levels = ", ".join(str(v) for v in scale.values)
        raise OperationError("value", f"{value} is not a level of {dim.name} (levels: {levels})")
    if not_observed and not scale.not_observed:
        raise OperationError("not_observed", f"{dim.name} cannot be marked not observed")


def tally_in(rs: RubricSheet, tally_id: str, category_id: str) -> Tally:
    tally = next((t for t in rs.rubric.tallies if t.id == tally_id), None)
    if tally is None:
        raise OperationError("tally_id", f"{rs.rubric.title} has no tally {tally_id!r}")
    if category_id not in {c.id for c in tally.categories}:
        raise OperationError("category_id", f"{tally.name} has no category {category_id!r}")
    return tally


def check_tags(rubrics: list[RubricSheet], tags: list[str]) -> list[str]:
    """The tags, de-duplicated in order; OperationError for one naming no dimension here."""
    out: list[str] = []
    for tag in tags:
        if find_tag(rubrics, tag) is None:
            raise OperationError("tags", f"{tag!r} is not a dimension of this observation")
        if tag not in out:
            out.append(tag)
    return out
