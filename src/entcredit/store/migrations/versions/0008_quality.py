"""data quality findings (issue 5)

Revision ID: 0008_quality
Revises: 0007_repair
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_quality"
down_revision: str | None = "0007_repair"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quality_findings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("rule_code", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("dimension", sa.String(length=24), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("dept_code", sa.String(length=64), nullable=True),
        sa.Column("city", sa.String(length=6), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("record_id", sa.BigInteger(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("first_seen", sa.Date(), nullable=False),
        sa.Column("last_seen", sa.Date(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("waive_reason", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_findings")),
        sa.UniqueConstraint(
            "rule_code", "subject", name=op.f("uq_quality_findings_rule_code_subject")
        ),
    )
    op.create_index(
        "ix_quality_findings_dept_state", "quality_findings", ["dept_code", "state"], unique=False
    )
    op.create_index("ix_quality_findings_state", "quality_findings", ["state"], unique=False)
    op.create_index("ix_quality_findings_period", "quality_findings", ["period"], unique=False)
    op.create_table(
        "quality_volumes",
        sa.Column("dept_code", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("city", sa.String(length=6), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("dept_code", "period", name=op.f("pk_quality_volumes")),
    )


def downgrade() -> None:
    op.drop_table("quality_volumes")
    op.drop_index("ix_quality_findings_period", table_name="quality_findings")
    op.drop_index("ix_quality_findings_state", table_name="quality_findings")
    op.drop_index("ix_quality_findings_dept_state", table_name="quality_findings")
    op.drop_table("quality_findings")
