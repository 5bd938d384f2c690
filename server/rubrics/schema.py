"""The rubric file format (docs/rubrics.md), checked by pydantic when a file is loaded.

Cross-references (a dimension's group and scale, per-level descriptors matching the scale,
unique ids) are checked here too, so a loaded Rubric is always internally consistent. Every
problem carries its path inside the file (e.g. dimensions[2].scale), never just the model's.
"""

from collections.abc import Iterable
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
# Lower-case letters, digits, '-' and '_'; 80 characters at most (the database columns' size).
Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=80)]
Text = Annotated[str, Field(min_length=1)]

Loc = tuple[int | str, ...]


def _raise(title: str, problems: Iterable[tuple[Loc, str]]) -> None:
    """Raise one ValidationError holding every problem at its own path (none: return)."""
    errors = [
        InitErrorDetails(
            type=PydanticCustomError("rubric", "{message}", {"message": message}),
            loc=loc,
            input=None,
        )
        for loc, message in problems
    ]
    if errors:
        raise ValidationError.from_exception_data(title, errors)


def _duplicates(field: str, kind: str, ids: list[str]) -> list[tuple[Loc, str]]:
    """A problem at every repeat of an id (the first use is fine)."""
    first: dict[str, int] = {}
    problems: list[tuple[Loc, str]] = []
    for index, value in enumerate(ids):
        if value in first:
            problems.append(
                (
                    (field, index, "id"),
                    f"duplicate {kind} id {value!r} (also {field}[{first[value]}])",
                )
            )
        else:
            first[value] = index
    return problems


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(Strict):
    authors: list[Text] = Field(min_length=1)
    year: int | None = Field(default=None, ge=1900, le=2100, description="None: not yet published")
    title: Text
    source: Text = Field(description="Journal, report series or publisher")
    url: str | None = None


class ScaleLevel(Strict):
    value: int
    label: str = Field(min_length=1, max_length=40, description="Short label on the button")


class Scale(Strict):
    id: Slug
    name: Text
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

    def is_high_level(self, value: int) -> bool:
        return self.high_level_min is not None and value >= self.high_level_min

    @model_validator(mode="after")
    def _levels_ascend(self) -> Self:
        problems: list[tuple[Loc, str]] = []
        for index in range(1, len(self.levels)):
            if self.levels[index].value <= self.levels[index - 1].value:
                problems.append(
                    (
                        ("levels", index, "value"),
                        "levels must have distinct values in ascending order",
                    )
                )
        if self.high_level_min is not None and self.high_level_min not in self.values:
            problems.append((("high_level_min",), "must be one of the level values"))
        _raise("Scale", problems)
        return self


class Group(Strict):
    id: Slug
    name: Text
    description: str = ""


class LevelDescriptor(Strict):
    value: int
    descriptor: Text = Field(description="What this level looks like, in our words")
    look_fors: list[Text] = Field(default_factory=list)


class Item(Strict):
    """A look-for scored on its own; the dimension's score is the mean of its items."""

    id: Slug
    text: Text


class Dimension(Strict):
    id: Slug
    name: Text
    group: Slug
    scale: Slug
    required: bool = True
    description: str = ""
    levels: list[LevelDescriptor] = Field(default_factory=list)
    items: list[Item] = Field(default_factory=list)
    student_look_fors: list[Text] = Field(default_factory=list)


class TallyCategory(Strict):
    id: Slug
    label: str = Field(min_length=1, max_length=40)
    description: str = ""


class Tally(Strict):
    """Counters the coach taps during the lesson (e.g. questions by kind).

    mode "count": one tap each time it happens. mode "interval": a time sample; every
    `interval_seconds` the coach taps the one category that fits what most students are doing.
    """

    id: Slug
    name: Text
    description: str = ""
    mode: Literal["count", "interval"] = "count"
    interval_seconds: int | None = Field(default=None, ge=10, le=3600)
    categories: list[TallyCategory] = Field(min_length=1)

    @model_validator(mode="after")
    def _mode_and_ids(self) -> Self:
        problems = _duplicates("categories", "category", [c.id for c in self.categories])
        if self.mode == "interval" and self.interval_seconds is None:
            problems.append((("interval_seconds",), "required when mode is 'interval'"))
        if self.mode == "count" and self.interval_seconds is not None:
            problems.append((("interval_seconds",), "only allowed when mode is 'interval'"))
        _raise("Tally", problems)
        return self


class Unverified(Strict):
    """A point not yet checked against the instrument itself, kept in one place to correct."""

    about: list[Slug] = Field(
        default_factory=list, description="Ids of the scales, groups or dimensions concerned"
    )
    note: Text


class Rubric(Strict):
    schema_version: Literal[1] = 1
    id: Slug
    title: str = Field(min_length=1, max_length=200)
    version: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    description: str = ""
    citation: list[Citation] = Field(min_length=1)
    license_note: Text
    unverified: list[Unverified] = Field(default_factory=list)
    scales: list[Scale] = Field(min_length=1)
    groups: list[Group] = Field(min_length=1)
    dimensions: list[Dimension] = Field(min_length=1)
    tallies: list[Tally] = Field(default_factory=list)

    def scale_for(self, dimension: Dimension) -> Scale:
        return next(s for s in self.scales if s.id == dimension.scale)

    def dimension(self, dimension_id: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.id == dimension_id), None)

    def dimensions_in(self, group: Group) -> list[Dimension]:
        return [d for d in self.dimensions if d.group == group.id]

    def unverified_about(self, some_id: str) -> list[Unverified]:
        return [u for u in self.unverified if some_id in u.about]

    @model_validator(mode="after")
    def _references(self) -> Self:
        problems: list[tuple[Loc, str]] = []
        for field, kind, ids in (
            ("scales", "scale", [s.id for s in self.scales]),
            ("groups", "group", [g.id for g in self.groups]),
            ("dimensions", "dimension", [d.id for d in self.dimensions]),
            ("tallies", "tally", [t.id for t in self.tallies]),
        ):
            problems += _duplicates(field, kind, ids)
        scales = {s.id: s for s in self.scales}
        groups = {g.id for g in self.groups}
        for i, d in enumerate(self.dimensions):
            if d.group not in groups:
                problems.append(
                    (
                        ("dimensions", i, "group"),
                        f"unknown group {d.group!r} (groups: {', '.join(groups)})",
                    )
                )
            scale = scales.get(d.scale)
            if scale is None:
                problems.append(
                    (
                        ("dimensions", i, "scale"),
                        f"unknown scale {d.scale!r} (scales: {', '.join(scales)})",
                    )
                )
                continue
            seen: set[int] = set()
            for k, level in enumerate(d.levels):
                if level.value not in scale.values:
                    problems.append(
                        (
                            ("dimensions", i, "levels", k, "value"),
                            f"level {level.value} is not on scale {scale.id!r} "
                            f"({', '.join(str(v) for v in scale.values)})",
                        )
                    )
                elif level.value in seen:
                    problems.append(
                        (
                            ("dimensions", i, "levels", k, "value"),
                            f"level {level.value} is described twice",
                        )
                    )
                seen.add(level.value)
            problems += [
                (("dimensions", i, *loc), message)
                for loc, message in _duplicates("items", "item", [item.id for item in d.items])
            ]
        known = set(scales) | groups | {d.id for d in self.dimensions}
        for i, point in enumerate(self.unverified):
            for k, ref in enumerate(point.about):
                if ref not in known:
                    problems.append(
                        (
                            ("unverified", i, "about", k),
                            f"{ref!r} is not a scale, group or dimension id",
                        )
                    )
        for g_index, group in enumerate(self.groups):
            if not self.dimensions_in(group):
                problems.append(
                    (("groups", g_index, "id"), f"group {group.id!r} has no dimensions")
                )
        _raise("Rubric", problems)
        return self
