"""The teacher's choice to share their growth page with their principal (docs/growth.md)."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from server.db import utcnow


class GrowthShare(SQLModel, table=True):
    """A row means the teacher shares their growth page with the principal of their school;
    no row means they do not. Only the teacher can add or remove it."""

    __tablename__ = "growth_share"
    teacher_id: int = Field(foreign_key="teacher.id", primary_key=True)
    shared_by: int = Field(foreign_key="user.id")
    shared_at: datetime = Field(default_factory=utcnow)
