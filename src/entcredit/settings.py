"""One typed settings object, read from the environment (prefix ``ENTCREDIT_``).

Built once by the entry point (CLI, web app factory, job) and passed in; nothing reads the
environment at import time.
"""

from __future__ import annotations

from datetime import date
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
    # Per-client rate limits (``limits`` notation, moving window, per client IP, in memory:
    # one budget per process). API: /api/v1/public/...; pages: the public portal pages;
    # heavy: PDF reports and bulk exports. ``ratelimit_enabled=false`` for load benchmarks.
    ratelimit_enabled: bool = True
    ratelimit_api: str = "120/minute"
    ratelimit_pages: str = "60/minute"
    ratelimit_heavy: str = "10/minute"
    # Proxies (IP addresses or CIDR networks) whose X-Forwarded-For is believed; empty: none,
    # the client is the peer address.
    trusted_proxies: list[str] = []
    # Largest page of the open API (items); search bounds its query itself.
    api_max_page_size: int = Field(default=100, ge=1)
    # Bulk exports streaming at once per process; more are refused with 503 and Retry-After
    # (each holds a database connection for as long as the download runs).
    export_max_streams: int = Field(default=4, ge=1)

    # -- lists, credit check, credit repair (issue 4) -------------------------------------
    # Credit check: subjects per call (API, batch form, CSV upload); the measures catalogue
    # (None: the shipped ``credit/measures.yaml``; an operator copy replaces it whole).
    credit_check_max_subjects: int = Field(default=10_000, ge=1)
    credit_measures_file: Path | None = None
    # Credit repair (rules.md §5) [open]: the owning department accepts an application within
    # this many working days of submission and decides within this many of acceptance.
    repair_accept_working_days: int = Field(default=2, ge=0)
    repair_decide_working_days: int = Field(default=15, ge=0)
    # Evidence uploads per application: at most this many files of at most this many bytes.
    repair_max_evidence_files: int = Field(default=5, ge=0)
    repair_max_evidence_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    # Enterprise self-service sessions (sign-in with USCC + legal representative); failed
    # sign-ins lock the USCC like staff usernames (login_max_failures, login_lockout_minutes).
    enterprise_session_max_age_seconds: int = Field(default=2 * 3600, ge=60)
    # The list rules (rules.md §§3-4) as a YAML mapping overriding ``lists.config.ListRules``
    # defaults (e.g. ``approval_one_level_up: false``); None: the shipped defaults.
    lists_rules_file: Path | None = None
    # The daily job proposes reason-1 listings for every report year whose filing deadline
    # (30 June) falls on or after this date; None: only the latest deadline before the run.
    lists_proposals_from: date | None = None

    # -- data quality (issue 5) -----------------------------------------------------------
    # The quality rules, responsibility table and thresholds (format of the shipped
    # ``quality/rules.yaml``, which is used when None).
    quality_rules_file: Path | None = None

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
