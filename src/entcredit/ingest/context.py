"""What a load needs besides the data: built once per process and passed in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from entcredit.catalog.loader import load_catalog
from entcredit.catalog.model import Catalog
from entcredit.core.calendar import WorkCalendar
from entcredit.settings import Settings


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class IngestContext:
    settings: Settings
    catalog: Catalog
    calendar: WorkCalendar
    # The only clock of the pipeline; tests pass a fixed one.
    now: Callable[[], datetime] = field(default=_utcnow)

    @property
    def pii_key(self) -> bytes:
        return self.settings.pii_hash_key.get_secret_value().encode()

    def today(self) -> date:
        return self.now().date()

    @classmethod
    def from_settings(cls, settings: Settings) -> IngestContext:
        return cls(
            settings=settings,
            catalog=load_catalog(),
            calendar=WorkCalendar.from_file(settings.effective_calendar_file),
        )
