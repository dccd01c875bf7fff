"""The outcome of one batch, for the screen, for scripts (JSON) and for the department."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

# Quoted values, single code characters and free-standing numbers; not digits inside codes.
_VALUE = re.compile(r"'[^']*'|\"[^\"]*\"|\b[0-9A-Z]\b|\b\d+\b")


def reason_kind(field_code: str | None, reason: str) -> str:
    """Group rejection reasons without the values that make each one unique."""
    return f"{field_code or 'row'}: {_VALUE.sub('…', reason)}"


@dataclass
class BatchReport:
    batch_id: int | None
    source_name: str
    category: str
    source_format: str
    encoding: str | None
    dept_code: str | None
    received_on: date
    rows_read: int = 0
    rows_new: int = 0
    rows_corrected: int = 0
    rows_unchanged: int = 0
    rows_withdrawn: int = 0
    rows_rejected: int = 0
    rows_unlinked: int = 0
    rows_late: int = 0
    rows_name_mismatch: int = 0
    rows_warned: int = 0
    records_linked: int = 0
    rejected_by_reason: Counter[str] = field(default_factory=Counter)
    unknown_columns: list[str] = field(default_factory=list)
    elapsed_seconds: float = 0.0

    @property
    def rows_accepted(self) -> int:
        return self.rows_new + self.rows_corrected + self.rows_unchanged + self.rows_withdrawn

    def check_balance(self) -> None:
        """Rows read = rows accepted + rows rejected, always: nothing is dropped silently."""
        if self.rows_read != self.rows_accepted + self.rows_rejected:
            raise AssertionError(
                f"row accounting broken: read {self.rows_read} != accepted "
                f"{self.rows_accepted} + rejected {self.rows_rejected}"
            )

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["received_on"] = self.received_on.isoformat()
        out["rows_accepted"] = self.rows_accepted
        out["rejected_by_reason"] = dict(self.rejected_by_reason.most_common())
        return out
