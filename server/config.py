"""The one Settings object: read from the environment and .env. Every setting may be given
with the prefix CADENCE_ or by its plain name (CADENCE_DATABASE_URL or DATABASE_URL); the
prefixed one wins when both are set."""

import json
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = ROOT / "var"

# Values people paste from tutorials; any of them means the key was never really set.
KNOWN_WEAK_KEYS = {"changeme", "change-me", "secret", "secret-key", "dev", "development", "test"}
MIN_KEY_LENGTH = 32


class WeakSecretKeyError(ValueError):
    """SECRET_KEY is too short or a well-known placeholder."""


def is_weak_key(key: str) -> bool:
    return len(key) < MIN_KEY_LENGTH or key.lower() in KNOWN_WEAK_KEYS or len(set(key)) < 8


def load_or_create_secret_key(var_dir: Path) -> str:
    """Read var/secret_key, creating it with a fresh random key on first run."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(key + "\n")
    return key


ENV_PREFIX = "CADENCE_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments first, then CADENCE_-prefixed variables, plain ones, .env, secrets."""
        prefixed = EnvSettingsSource(settings_cls, env_prefix=ENV_PREFIX)
        return init_settings, prefixed, env_settings, dotenv_settings, file_secret_settings

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = f"sqlite:///{VAR_DIR / 'cadence.db'}"
    # A read replica of database_url for the growth worker's reads of whole districts
    # (summaries, growth fits); empty: database_url itself (docs/deployment.md).
    growth_replica_url: str = ""
    secret_key: str = ""
    var_dir: Path = VAR_DIR
    # "auto" marks the cookie Secure exactly when the request arrived over https.
    cookie_secure: Literal["auto", "always", "never"] = "auto"
    base_url: str = "http://127.0.0.1:8000"
    session_days: int = Field(default=14, ge=1)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    # A school's staff may share one address (NAT): room for many people mistyping at once.
    login_max_failures_per_address: int = Field(default=50, ge=1)
    # One-time links to set a password (invitations) work for this long.
    invitation_days: int = Field(default=7, ge=1, le=30)
    # Mail (invitations): SMTP when SMTP_HOST is set, else each message is written to
    # var/mail/ as an .eml file (development, tests, a machine without mail).
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    mail_from: str = "Cadence <cadence@localhost>"
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=64)
    # The district's own rubric folders, loaded after the shipped rubrics/ (docs/rubrics.md).
    # RUBRIC_DIRS: comma-separated paths, or a JSON list.
    rubric_dirs: Annotated[list[Path], NoDecode] = Field(default_factory=list)

    @field_validator("rubric_dirs", mode="before")
    @classmethod
    def _split_rubric_dirs(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _secret_key(self) -> "Settings":
        if not self.secret_key:
            self.secret_key = load_or_create_secret_key(self.var_dir)
        if self.environment != "development" and is_weak_key(self.secret_key):
            raise WeakSecretKeyError(
                f"SECRET_KEY is weak (use at least {MIN_KEY_LENGTH} random characters, "
                "e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'), "
                f"refused in {self.environment}"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
