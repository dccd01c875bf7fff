"""One typed settings object, read from the environment (prefix ``ENTCREDIT_``).

Built once by the entry point (CLI, web app factory, job) and passed in; nothing reads the
environment at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret-change-me"  # noqa: S105 - sentinel refused outside dev
DEV_PII_KEY = "dev-insecure-pii-key-change-me"


class InsecureSettingsError(ValueError):
    """Raised when a non-development deployment still uses a shipped default secret."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ENTCREDIT_", env_file=None, extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("data")
    # Empty means: SQLite file ``<data_dir>/entcredit.db``.
    database_url: str = ""
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    # Key of the HMAC that turns a personal ID number into a stable, non-reversible lookup key.
    pii_hash_key: SecretStr = SecretStr(DEV_PII_KEY)

    host: str = "127.0.0.1"
    port: int = 8000

    # "immediate": a record is published when it is stored; "scheduled": ``entcredit publish``.
    publish_mode: Literal["immediate", "scheduled"] = "immediate"

    # Operator-edited calendar of further years (holidays and make-up working days).
    calendar_file: Path | None = None
    # From this month on, warn that next year's calendar is missing.
    calendar_warn_from_month: int = Field(default=11, ge=1, le=12)

    # Upload and batch limits (bytes / rows).
    max_upload_bytes: int = 256 * 1024 * 1024
    max_json_batch_rows: int = 100_000
    max_batch_rows: int = 20_000_000
    # XLSX is a zip: refuse members that inflate past this, or compress better than the ratio.
    max_xlsx_uncompressed_bytes: int = 2 * 1024 * 1024 * 1024
    max_xlsx_compression_ratio: int = 200

    # Files at least this large are read and checked in a worker process while the loading
    # process writes (uses a second core); None: always in one process.
    ingest_worker_min_bytes: int | None = 16 * 1024 * 1024

    # Sign-in lockout: this many failures for one username within the window lock it.
    login_max_failures: int = Field(default=10, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)

    session_max_age_seconds: int = 8 * 3600

    # -- public portal and open API (issue 3) ---------------------------------------------
    # A TrueType/TTC font with Simplified Chinese glyphs, embedded (subset) in PDF reports;
    # None: the first of the Debian font paths that ``scripts/setup`` installs.
    pdf_font_path: Path | None = None

    # -- lists, credit check, credit repair (issue 4) -------------------------------------

    # -- data quality (issue 5) -----------------------------------------------------------

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Self:
        if self.env != "development":
            for name, value, default in (
                ("ENTCREDIT_SECRET_KEY", self.secret_key, DEV_SECRET),
                ("ENTCREDIT_PII_HASH_KEY", self.pii_hash_key, DEV_PII_KEY),
            ):
                secret = value.get_secret_value()
                if secret == default or len(secret) < 32:
                    raise InsecureSettingsError(
                        f"{name} must be set to a secret of at least 32 characters "
                        f"when ENTCREDIT_ENV={self.env}"
                    )
        return self

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'entcredit.db').as_posix()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def effective_calendar_file(self) -> Path:
        return self.calendar_file or self.data_dir / "calendar.yaml"
