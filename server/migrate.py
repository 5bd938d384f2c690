"""Run Alembic from code: the app, the CLI and the tests all build schemas this way."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from server.config import ROOT


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    # ConfigParser interpolation treats % specially (URL-encoded passwords).
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


def migrations_dir() -> Path:
    return ROOT / "migrations" / "versions"
