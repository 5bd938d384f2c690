"""HTML form helpers: submitted strings -> a validated model, or {field: message} to show.

Routes read a form as a model of plain strings (so nothing fails before we can answer with
the form again), then validate it here against the domain's *Create/*Update model.
"""

import re
from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from server.db import MAX_ID

M = TypeVar("M", bound=BaseModel)
FormErrors = dict[str, str]
_INT = re.compile(r"-?[0-9]{1,19}")


def parse_int(text: str, *, low: int = -MAX_ID, high: int = MAX_ID) -> int | None:
    """An integer typed or sent as text, within low..high; else None. ASCII digits only:
    str.isdigit() also takes '¹', which int() then refuses."""
    text = text.strip()
    if not _INT.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_row_id(text: str) -> int | None:
    """A row id from a form or a query: 1..MAX_ID, else None."""
    return parse_int(text, low=1)


class FieldError(Protocol):
    """RosterError, AccountError: a domain refusal that names the form field at fault."""

    field: str
    message: str


def blank_to_none(values: Mapping[str, Any]) -> dict[str, Any]:
    """Empty (or all-space) strings mean "not given": None for optional ints and dates."""
    return {k: None if isinstance(v, str) and not v.strip() else v for k, v in values.items()}


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _humanize_fields(text: str, fields: Mapping[str, Any]) -> str:
    for name in sorted(fields, key=len, reverse=True):
        text = text.replace(name, name.removesuffix("_id").replace("_", " "))
    return text


def _message(error: ErrorDetails, fields: Mapping[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing" or error.get("input") is None:
        return "This is required."
    if kind == "string_too_short":
        n = ctx.get("min_length", 1)
        return "This is required." if n <= 1 else f"Must be at least {n} characters."
    if kind == "string_too_long":
        given = error.get("input")
        has = f"; this has {len(given):,}" if isinstance(given, str) else ""
        return (
            f"Can be at most {ctx.get('max_length'):,} characters{has}. Your text is still"
            " here: shorten it and save again."
        )
    if kind in {"int_parsing", "int_type", "enum", "literal_error"}:
        return "Choose one from the list."
    if kind.startswith("date"):
        return "Enter a date (YYYY-MM-DD)."
    message = error["msg"].removeprefix("Value error, ")
    if "email address" in message:
        return "Enter a valid email address, like name@school.org."
    return _sentence(_humanize_fields(message, fields))


def errors_from_validation(exc: ValidationError, model: type[BaseModel]) -> FormErrors:
    """One message per field, friendly wording; a model-level rule goes to the field its
    message starts with ("end_date must be after start_date" -> end_date), else "form"."""
    errors: FormErrors = {}
    for error in exc.errors():
        loc = error["loc"]
        if loc:
            name = str(loc[0])
        else:
            first = error["msg"].removeprefix("Value error, ").split(" ", 1)[0]
            name = first if first in model.model_fields else "form"
        errors.setdefault(name, _message(error, model.model_fields))
    return errors


def validate(model: type[M], values: Mapping[str, Any]) -> tuple[M | None, FormErrors]:
    """Validate submitted values (blank -> None) against `model`."""
    try:
        return model.model_validate(blank_to_none(values)), {}
    except ValidationError as exc:
        return None, errors_from_validation(exc, model)


def field_error(exc: FieldError, rename: Mapping[str, str] | None = None) -> FormErrors:
    """A domain refusal as form errors; `rename` maps the domain's field to the form's."""
    name = (rename or {}).get(exc.field, exc.field)
    return {name: _sentence(exc.message)}


class ExportConfirmForm(BaseModel):
    """The ticked confirmation every audited export asks for before it downloads."""

    confirm: str = ""

    def errors(self) -> FormErrors:
        """The field error when the box was not ticked; empty when it was."""
        if self.confirm == "on":
            return {}
        return {"confirm": "Tick this to confirm you know the export is recorded under your name."}
