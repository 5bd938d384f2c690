"""Observations in words: times, lesson minutes and the revision history as people read them
(the server's pages and the coach app's pull use the same wording)."""

from datetime import datetime
from typing import Any

from server.forms import parse_row_id
from server.observations.models import ObservationRevision
from server.observations.scoring import Sheet, find_tag


def local(value: datetime) -> datetime:
    """The server's local time zone (the district's, on a district server)."""
    return value.astimezone()


def clock(value: datetime | None) -> str:
    return local(value).strftime("%H:%M") if value else ""


def long_date(value: datetime | None) -> str:
    return local(value).strftime("%a %-d %b %Y, %H:%M") if value else ""


def input_datetime(value: datetime | None) -> str:
    return local(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def parse_local_datetime(text: str) -> datetime | None:
    """A datetime-local value (no zone) read as the server's local time."""
    try:
        return datetime.fromisoformat(text.strip()).astimezone()
    except ValueError:
        return None


def minutes(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


CONTEXT_LABELS = {
    "created": "Observation started",
    "status": "Status",
    "timer": "Lesson timer",
    "shared_with_teacher_at": "Shared with the teacher",
    "shared_with_principal_at": "Shared with the principal",
    "observed_at": "Lesson date and time",
    "grade": "Grade",
    "course_unit": "Course or unit",
    "lesson_goal": "Lesson goal",
    "task_description": "Task",
    "class_size": "Class size",
}


def _short(value: Any, limit: int = 140) -> str:
    if value is None or value == "":
        return "\u2013"
    if isinstance(value, dict):
        if "not_observed" in value:
            return "Not observed" if value["not_observed"] else str(value.get("value"))
        if "elapsed" in value:
            running = "running" if value.get("started_at") else "paused"
            return f"{running}, {minutes(int(value['elapsed']))} before"
        return _short(value.get("text"), limit)
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            return long_date(datetime.fromisoformat(value))
        except ValueError:
            pass
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_revision(sheet: Sheet, rev: ObservationRevision) -> tuple[str, str, str]:
    """(what changed, before, after) in words, for the revision history."""
    parts = rev.field.split(":")
    found = find_tag(sheet.rubrics, ":".join(parts[:2])) if len(parts) >= 2 else None
    dim_name = found[1].name if found else rev.field
    if rev.entity == "observation":
        what = CONTEXT_LABELS.get(rev.field, rev.field)
        if rev.field == "created":
            return what, "", ""
    elif rev.entity == "score":
        what = f"Score: {dim_name}"
        if len(parts) > 2:
            items = found[1].items if found else []
            item = next((i.text for i in items if i.id == parts[2]), parts[2])
            what += f", item: {item}"
    elif rev.entity == "evidence":
        what = f"Evidence: {dim_name}"
    elif rev.entity == "note":
        what = "Note added"
    elif rev.entity == "tally":
        version_id = parse_row_id(parts[0])
        rs = sheet.rubric(version_id) if version_id is not None else None
        tally = next((t for t in rs.rubric.tallies if t.id == parts[1]), None) if rs else None
        category = next((c for c in tally.categories if c.id == parts[2]), None) if tally else None
        what = f"Tally: {tally.name} \u2013 {category.label}" if tally and category else rev.field
    else:
        what = rev.entity.capitalize()
    return what, _short(rev.old), _short(rev.new)
