"""search index (issue 3; owned by the search feature)

Revision ID: 0003_search
Revises: 0002_lists
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_search"
down_revision: str | None = "0002_lists"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Code-point order on PostgreSQL, as SQLite's BINARY collation already is (see search.models).
_KEY = sa.String(length=300).with_variant(sa.String(length=300, collation="C"), "postgresql")
_GRAM = sa.String(length=2).with_variant(sa.String(length=2, collation="C"), "postgresql")
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "search_names",
        sa.Column("enterprise_id", _ID, nullable=False),
        sa.Column("role", sa.String(length=1), nullable=False),
        sa.Column("key", _KEY, nullable=False),
        sa.Column("former", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("enterprise_id", "role", "key", name=op.f("pk_search_names")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_search_names_key", "search_names", ["role", "key", "enterprise_id", "former"]
    )
    op.create_table(
        "search_grams",
        sa.Column("gram", _GRAM, nullable=False),
        sa.Column("enterprise_id", _ID, nullable=False),
        sa.PrimaryKeyConstraint("gram", "enterprise_id", name=op.f("pk_search_grams")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("search_grams")
    op.drop_index("ix_search_names_key", table_name="search_names")
    op.drop_table("search_names")
