"""The rubric file format (docs/rubrics.md), checked by pydantic when a file is loaded.

Cross-references (a dimension's group and scale, per-level descriptors matching the scale,
unique ids) are checked here too, so a loaded Rubric is always internally consistent.
"""

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Slug = str  # lower-case letters, digits, '-' and '_' (checked by the pattern below)
SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(Strict):
    authors: list[str] = Field(min_length=1)
    year: int = Field(ge=1900, le=2100)
    title: str = Field(min_length=1)
    source: str = Field(min_length=1, description="Journal, report series or publisher")
    url: str | None = None


class ScaleLevel(Strict):
    value: int
    label: str = Field(min_length=1, max_length=40, description="Short label on the button")


class Scale(Strict):
    id: Slug = Field(pattern=SLUG_PATTERN)
    name: str = Field(min_length=1)
    levels: list[ScaleLevel] = Field(min_length=2)
    not_observed: bool = Field(default=False, description="Whether 'not observed' is allowed")
    high_level_min: int | None = Field(
        default=None, description="Levels at or above this count as 'high level' (IQA: 3)"
    )

    @property
    def values(self) -> list[int]:
        return [level.value for level in self.levels]

    @property
    def min(self) -> int:
        return min(self.values)

    @property
    def max(self) -> int:
        return max(self.values)

    @model_validator(mode="after")
    def _levels_ascend(self) -> Self:
        if self.values != sorted(set(self.values)):
            raise ValueError("levels must have distinct values in ascending order")
        if self.high_level_min is not None and self.high_level_min not in self.values:
            raise ValueError("high_level_min must be one of the level values")
        return self


class Group(Strict):
    id: Slug = Field(pattern=SLUG_PATTERN)
    name: str = Field(min_length=1)
    description: str = ""


class LevelDescriptor(Strict):
    value: int
    descriptor: str = Field(min_length=1, description="What this level looks like, in our words")
    look_fors: list[str] = Field(default_factory=list)


class Item(Strict):
    """A look-for scored on its own; the dimension's score is the mean of its items."""

    id: Slug = Field(pattern=SLUG_PATTERN)
    text: str = Field(min_length=1)


class Dimension(Strict):
    id: Slug = Field(pattern=SLUG_PATTERN)
    name: str = Field(min_length=1)
    group: Slug
    scale: Slug
    required: bool = True
    description: str = ""
    levels: list[LevelDescriptor] = Field(default_factory=list)
    items: list[Item] = Field(default_factory=list)
    student_look_fors: list[str] = Field(default_factory=list)


class TallyCategory(Strict):
    id: Slug = Field(pattern=SLUG_PATTERN)
    label: str = Field(min_length=1, max_length=40)


class Tally(Strict):
    """Counters the coach taps during the lesson (e.g. questions by kind)."""

    id: Slug = Field(pattern=SLUG_PATTERN)
    name: str = Field(min_length=1)
    description: str = ""
    categories: list[TallyCategory] = Field(min_length=1)


class Rubric(Strict):
    schema_version: Literal[1] = 1
    id: Slug = Field(pattern=SLUG_PATTERN)
    title: str = Field(min_length=1)
    version: str = Field(min_length=1, max_length=40)
    description: str = ""
    citation: list[Citation] = Field(min_length=1)
    license_note: str = Field(min_length=1)
    scales: list[Scale] = Field(min_length=1)
    groups: list[Group] = Field(min_length=1)
    dimensions: list[Dimension] = Field(min_length=1)
    tallies: list[Tally] = Field(default_factory=list)

    def scale_for(self, dimension: Dimension) -> Scale:
        return next(s for s in self.scales if s.id == dimension.scale)

    def dimension(self, dimension_id: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.id == dimension_id), None)

    @model_validator(mode="after")
    def _references(self) -> Self:
        problems: list[str] = []
        for kind, ids in (
            ("scale", [s.id for s in self.scales]),
            ("group", [g.id for g in self.groups]),
            ("dimension", [d.id for d in self.dimensions]),
            ("tally", [t.id for t in self.tallies]),
        ):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                problems.append(f"duplicate {kind} id(s): {', '.join(dupes)}")
        scales = {s.id: s for s in self.scales}
        groups = {g.id for g in self.groups}
        for d in self.dimensions:
            if d.group not in groups:
                problems.append(f"dimension {d.id}: unknown group {d.group!r}")
            scale = scales.get(d.scale)
            if scale is None:
                problems.append(f"dimension {d.id}: unknown scale {d.scale!r}")
                continue
            extra = sorted({lv.value for lv in d.levels} - set(scale.values))
            if extra:
                problems.append(f"dimension {d.id}: levels {extra} are not on scale {scale.id}")
            item_ids = [i.id for i in d.items]
            if len(item_ids) != len(set(item_ids)):
                problems.append(f"dimension {d.id}: duplicate item ids")
        if problems:
            raise ValueError("; ".join(problems))
        return self
