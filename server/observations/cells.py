"""The rows a write reads and changes on one observation's sheet (a score, evidence, a tally
count, a note), as Core statements built once.

Every tap on the tablet is one of these writes, from the page and from sync alike, so they
skip the ORM: one SELECT for the current row, one INSERT or UPDATE, run on the session's
connection (in its transaction; no autoflush: the ORM holds none of these rows to flush).
Reads of the sheet (`service.load_sheet`) refresh what the session holds, so they see them.
"""

import uuid
from typing import Any

from sqlalchemy import RowMapping, bindparam, insert, select, update
from sqlmodel import Session

from server.observations.models import Evidence, Note, Score, TallyCount


class Cells:
    """One kind of cell: the row of `model` with these key column values (one at most, by a
    unique constraint), with its `values` columns."""

    def __init__(self, model: Any, keys: tuple[str, ...], values: tuple[str, ...]) -> None:
        table = model.__table__
        self._find = select(table.c.id, *(table.c[name] for name in values)).where(
            *(table.c[name] == bindparam(name) for name in keys)
        )
        self._insert = insert(table)
        # SET comes from the parameters given; "row_id" only picks the row.
        self._update = update(table).where(table.c.id == bindparam("row_id"))

    def find(self, session: Session, keys: dict[str, Any]) -> RowMapping | None:
        """The row's id and values by column name, or None (a cell's row is created on its
        first write)."""
        return session.connection().execute(self._find, keys).mappings().first()

    def save(
        self, session: Session, row: RowMapping | None, keys: dict[str, Any], **values: Any
    ) -> None:
        """Write `values` to the row found (None: insert it with its keys)."""
        if row is None:
            session.connection().execute(self._insert, {**keys, **values})
        else:
            session.connection().execute(self._update, {**values, "row_id": row["id"]})


SCORES = Cells(
    Score, ("observation_id", "rubric_version_id", "dimension_id", "item_id"),
    ("value", "not_observed"),
)  # fmt: skip
EVIDENCE = Cells(Evidence, ("observation_id", "rubric_version_id", "dimension_id"), ("text",))
TALLIES = Cells(
    TallyCount, ("observation_id", "rubric_version_id", "tally_id", "category_id"), ("count",)
)

_NOTES = Note.__table__  # type: ignore[attr-defined]
_NOTE_OWNER = select(_NOTES.c.observation_id).where(_NOTES.c.id == bindparam("note_id"))
_INSERT_NOTE = insert(_NOTES)


def note_observation(session: Session, note_id: uuid.UUID) -> uuid.UUID | None:
    """The observation a note id is already used by, if any."""
    found: uuid.UUID | None = (
        session.connection().execute(_NOTE_OWNER, {"note_id": note_id}).scalar()
    )
    return found


def insert_note(session: Session, **values: Any) -> None:
    session.connection().execute(_INSERT_NOTE, values)
