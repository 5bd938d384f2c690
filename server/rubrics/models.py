"""Stored rubric versions: the exact content every observation was scored with."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from server.db import utcnow


class RubricVersion(SQLModel, table=True):
    """One (rubric id, version) as loaded; content is immutable once first_used_at is set."""

    __tablename__ = "rubric_version"
    __table_args__ = (sa.UniqueConstraint("rubric_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    rubric_id: str = Field(max_length=80, index=True)
    version: str = Field(max_length=40)
    title: str = Field(max_length=200)
    content_hash: str = Field(max_length=64, description="sha256 of the canonical JSON content")
    content: dict[str, Any] = Field(sa_type=sa.JSON)
    source: str = Field(default="", max_length=500, description="File it was loaded from")
    created_at: datetime = Field(default_factory=utcnow)
    first_used_at: datetime | None = None
