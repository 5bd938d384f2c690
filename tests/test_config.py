"""Settings: the secret key is generated once, and weak keys are refused outside development."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from server.config import Settings


def test_unset_key_is_generated_into_var_once(tmp_path: Path) -> None:
    first = Settings(environment="production", secret_key="", var_dir=tmp_path)
    second = Settings(environment="production", secret_key="", var_dir=tmp_path)
    assert len(first.secret_key) >= 32
    assert first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("weak", ["changeme", "secret", "short-key", "a" * 40])
def test_weak_key_is_refused_in_production(tmp_path: Path, weak: str) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY is weak"):
        Settings(environment="production", secret_key=weak, var_dir=tmp_path)


def test_weak_key_is_allowed_in_development(tmp_path: Path) -> None:
    assert (
        Settings(environment="development", secret_key="dev", var_dir=tmp_path).secret_key == "dev"
    )


def test_environment_variables_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("COOKIE_SECURE", "always")
    settings = Settings(var_dir=tmp_path)
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.cookie_secure == "always"
    assert not settings.is_sqlite


def test_cadence_prefixed_variables_are_read_and_win_over_plain_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CADENCE_DATABASE_URL", "postgresql+psycopg://prefixed@h/db")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://plain@h/db")
    monkeypatch.setenv("CADENCE_LOGIN_MAX_FAILURES", "9")
    monkeypatch.setenv("CADENCE_RUBRIC_DIRS", "/a,/b")
    settings = Settings(var_dir=tmp_path)
    assert settings.database_url == "postgresql+psycopg://prefixed@h/db"
    assert settings.login_max_failures == 9
    assert [str(p) for p in settings.rubric_dirs] == ["/a", "/b"]
