"""Shared by the benchmarks: a fresh SQLite database with the demo roster and the rubrics."""

import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from server import migrate
from server.config import Settings
from server.db import make_engine
from server.roster import demo
from server.roster.models import Teacher
from server.rubrics import service as rubrics_service
from server.rubrics.models import RubricVersion
from server.rubrics.schema import Rubric

COACH = f"maria.lopez@{demo.DEMO_DOMAIN}"
TEACHER = "Ana Torres"


@dataclass
class Bench:
    settings: Settings
    engine: Engine
    largest: RubricVersion
    rubric: Rubric
    teacher_id: int

    @property
    def units(self) -> list[tuple[str, str]]:
        """Every (dimension, item) the largest rubric scores; item '' where it has none."""
        return [(d.id, i.id) for d in self.rubric.dimensions for i in d.items] or [
            (d.id, "") for d in self.rubric.dimensions
        ]


def fresh_sqlite(prefix: str = "cadence-bench-") -> Settings:
    """Settings for a new SQLite file in a new folder, migrated by Alembic (cheap argon2)."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    url = f"sqlite:///{tmp / 'bench.db'}"
    migrate.upgrade(url)
    return Settings(
        environment="test", database_url=url, secret_key="b" * 16 + "enchmark-secret-key-0123456789",
        var_dir=tmp, argon2_time_cost=1, argon2_memory_kib=64,
    )  # fmt: skip


def demo_database() -> Bench:
    """Migrate a new SQLite file, register the shipped rubrics and load the demo roster."""
    settings = fresh_sqlite()
    engine = make_engine(settings.database_url)
    with Session(engine, expire_on_commit=False) as session:
        rubrics_service.sync_configured_rubrics(session=session, settings=settings)
        demo.load_demo(session=session, settings=settings)
        largest = max(
            rubrics_service.list_current(session=session),
            key=lambda v: sum(
                max(1, len(d.items)) for d in rubrics_service.rubric_of(v).dimensions
            ),
        )
        teacher = session.exec(select(Teacher).where(Teacher.name == TEACHER)).one()
        assert teacher.id is not None
        return Bench(settings, engine, largest, rubrics_service.rubric_of(largest), teacher.id)
