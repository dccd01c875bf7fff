"""credit reports (issue 3)

Revision ID: 0005_reports
Revises: 0004_portal
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import entcredit.audit.models

revision: str = "0005_reports"
down_revision: str | None = "0004_portal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credit_reports",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("report_no", sa.String(length=32), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("enterprise_name", sa.String(length=300), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("issued_at", entcredit.audit.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_reports")),
        sa.UniqueConstraint("code", name=op.f("uq_credit_reports_code")),
    )
    with op.batch_alter_table("credit_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_reports_uscc"), ["uscc"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("credit_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_reports_uscc"))
    op.drop_table("credit_reports")
