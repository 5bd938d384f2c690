"""Shared by the benchmarks: a fresh SQLite database with the demo roster and the rubrics."""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests
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
ROOT = Path(__file__).resolve().parents[1]
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


def demo_database(database_url: str | None = None) -> Bench:
    """Migrate a new SQLite file (or the empty database at `database_url`), register the
    shipped rubrics and load the demo roster."""
    settings = fresh_sqlite()
    if database_url is not None:
        migrate.upgrade(database_url)
        settings = settings.model_copy(update={"database_url": database_url})
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """uvicorn serving the app on the bench database, in a child process (killable)."""

    def __init__(self, settings: Settings, workers: int = 1, log: Path | None = None) -> None:
        self.workers = workers
        self.log = log  # the server's own output (warnings and tracebacks), if given
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "CADENCE_ENVIRONMENT": "test",
            "CADENCE_DATABASE_URL": settings.database_url,
            "CADENCE_SECRET_KEY": settings.secret_key,
            "CADENCE_VAR_DIR": str(settings.var_dir),
            "CADENCE_ARGON2_TIME_COST": "1",
            "CADENCE_ARGON2_MEMORY_KIB": "64",
            "CADENCE_BASE_URL": self.base,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "uvicorn", "server.app:app", "--host", "127.0.0.1",
                   "--port", str(self.port), "--log-level", "warning",
                   "--workers", str(self.workers)]  # fmt: skip
        # A session of its own: a kill takes its children (the worker's child process) too.
        output = self.log.open("ab") if self.log is not None else None
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, start_new_session=True, stdout=output, stderr=output
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.base}/healthz", timeout=1).ok:
                    return
            time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


def sign_in(base: str, email: str = COACH) -> requests.Session:
    """A browser session signed in on the server at `base` (demo password). The timeouts are
    a tablet's patience: 50 signing in at once on a busy machine wait seconds (bench/load.py)."""
    client = requests.Session()
    page = client.get(f"{base}/login", timeout=60)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    form = {"email": email, "password": demo.DEMO_PASSWORD, "csrf_token": token}
    response = client.post(f"{base}/login", data=form, allow_redirects=False, timeout=60)
    assert response.status_code == 303, response.text[:300]
    return client
