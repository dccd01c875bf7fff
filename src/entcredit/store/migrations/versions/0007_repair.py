"""enterprise self-service and credit repair (issue 4)

Revision ID: 0007_repair
Revises: 0006_credit_check
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0007_repair"
down_revision: str | None = "0006_credit_check"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
