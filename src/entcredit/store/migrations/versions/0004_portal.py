"""portal (issue 3): indexes of the public read paths

Revision ID: 0004_portal
Revises: 0003_search
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_portal"
down_revision: str | None = "0003_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_records_public", "records", ["category", "published_on", "id"])
    for name, column in (
        ("ix_list_entries_repaired_listing", "listing_record_id"),
        ("ix_list_entries_repaired_removal", "removal_record_id"),
    ):
        op.create_index(
            name,
            "list_entries",
            [column],
            sqlite_where=sa.text("repaired = 1"),
            postgresql_where=sa.text("repaired"),
        )


def downgrade() -> None:
    op.drop_index("ix_list_entries_repaired_removal", table_name="list_entries")
    op.drop_index("ix_list_entries_repaired_listing", table_name="list_entries")
    op.drop_index("ix_records_public", table_name="records")
