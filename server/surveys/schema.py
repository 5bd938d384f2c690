"""The survey file format (docs/surveys.md), checked by pydantic when a file is loaded.

An instrument is a list of subscales, each a list of Likert items answered on the instrument's
one scale; "not applicable" (when the scale offers it) is stored as a missing answer. Item ids
are unique across the whole instrument, since an answer is keyed by item id alone.
"""

from typing import Literal, Self

from pydantic import Field, model_validator

from server.rubrics.schema import Citation, Loc, Slug, Strict, Text, Unverified, _duplicates, _raise

Audience = Literal["staff", "students"]


class ScaleLabel(Strict):
    value: int = Field(ge=0, le=10)
    label: str = Field(min_length=1, max_length=40)


class AnswerScale(Strict):
    labels: list[ScaleLabel] = Field(min_length=2, max_length=10)
    not_applicable: str | None = Field(
        default=None, max_length=40, description="Label of the 'not applicable' choice, if any"
    )

    @property
    def values(self) -> list[int]:
        return [label.value for label in self.labels]

    @property
    def min(self) -> int:
        return self.labels[0].value

    @property
    def max(self) -> int:
        return self.labels[-1].value

    @model_validator(mode="after")
    def _ascending(self) -> Self:
        _raise(
            "AnswerScale",
            [
                (("labels", i, "value"), "values must be distinct and ascending")
                for i in range(1, len(self.labels))
                if self.labels[i].value <= self.labels[i - 1].value
            ],
        )
        return self


class SurveyItem(Strict):
    id: Slug
    text: str = Field(min_length=1, max_length=400)
    reverse: bool = Field(default=False, description="Scored max + min - answer")


class Subscale(Strict):
    id: Slug
    name: Text
    description: str = ""
    items: list[SurveyItem] = Field(min_length=2)


class Instrument(Strict):
    schema_version: Literal[1] = 1
    id: Slug
    title: str = Field(min_length=1, max_length=200)
    version: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    audience: Audience
    description: str = ""
    instructions: Text = Field(description="Shown to the respondent above the first item")
    citation: list[Citation] = Field(min_length=1)
    license_note: Text
    unverified: list[Unverified] = Field(default_factory=list)
    scale: AnswerScale
    subscales: list[Subscale] = Field(min_length=1)

    @property
    def items(self) -> list[SurveyItem]:
        return [item for subscale in self.subscales for item in subscale.items]

    def item(self, item_id: str) -> SurveyItem | None:
        return next((i for i in self.items if i.id == item_id), None)

    def subscale_of(self, item_id: str) -> Subscale | None:
        return next((s for s in self.subscales if any(i.id == item_id for i in s.items)), None)

    def score(self, item: SurveyItem, answer: int | None) -> int | None:
        """The scored value of an answer: reversed items count from the other end."""
        if answer is None:
            return None
        return self.scale.max + self.scale.min - answer if item.reverse else answer

    @model_validator(mode="after")
    def _unique(self) -> Self:
        problems: list[tuple[Loc, str]] = _duplicates(
            "subscales", "subscale", [s.id for s in self.subscales]
        )
        first: dict[str, str] = {}
        for s_index, subscale in enumerate(self.subscales):
            for i_index, item in enumerate(subscale.items):
                where = f"subscales[{s_index}].items[{i_index}]"
                if item.id in first:
                    problems.append(
                        (
                            ("subscales", s_index, "items", i_index, "id"),
                            f"duplicate item id {item.id!r} (also {first[item.id]})",
                        )
                    )
                else:
                    first[item.id] = where
        known = {s.id for s in self.subscales} | set(first)
        for i, point in enumerate(self.unverified):
            problems += [
                (("unverified", i, "about", k), f"{ref!r} is not a subscale or item id")
                for k, ref in enumerate(point.about)
                if ref not in known
            ]
        _raise("Instrument", problems)
        return self
