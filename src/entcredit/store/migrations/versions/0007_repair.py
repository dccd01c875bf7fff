"""enterprise self-service and credit repair (issue 4)

Revision ID: 0007_repair
Revises: 0006_credit_check
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import entcredit.audit.models

revision: str = "0007_repair"
down_revision: str | None = "0006_credit_check"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, entcredit.audit.models.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "enterprise_sessions",
        sa.Column("id", _ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", _ID, nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("revoked_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_enterprise_sessions_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_enterprise_sessions_token_hash")),
    )
    op.create_index(
        "ix_enterprise_sessions_enterprise_id", "enterprise_sessions", ["enterprise_id"]
    )
    op.create_table(
        "repair_applications",
        sa.Column("id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("enterprise_id", _ID, nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("record_id", _ID, nullable=True),
        sa.Column("list_entry_id", _ID, nullable=True),
        sa.Column("dept_code", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("corrective_actions", sa.Text(), nullable=False),
        sa.Column("obligations_fulfilled", sa.Boolean(), nullable=False),
        sa.Column("harm_remedied", sa.Boolean(), nullable=False),
        sa.Column("pledge_version", sa.String(length=32), nullable=False),
        _ts("submitted_at"),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("accept_due", sa.Date(), nullable=False),
        sa.Column("decide_due", sa.Date(), nullable=True),
        sa.Column("due_provisional", sa.Boolean(), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decision_no", sa.String(length=200), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_repair_applications_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_repair_applications_record_id_records")
        ),
        sa.ForeignKeyConstraint(
            ["list_entry_id"],
            ["list_entries.id"],
            name=op.f("fk_repair_applications_list_entry_id_list_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_applications")),
    )
    for name, cols in (
        ("ix_repair_applications_enterprise_id", ["enterprise_id"]),
        ("ix_repair_applications_dept_state", ["dept_code", "state"]),
        ("ix_repair_applications_record_id", ["record_id"]),
        ("ix_repair_applications_list_entry_id", ["list_entry_id"]),
    ):
        op.create_index(name, "repair_applications", cols)
    op.create_table(
        "repair_evidence",
        sa.Column("id", _ID, nullable=False),
        sa.Column("application_id", _ID, nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["repair_applications.id"],
            name=op.f("fk_repair_evidence_application_id_repair_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_evidence")),
    )
    op.create_index("ix_repair_evidence_application_id", "repair_evidence", ["application_id"])


def downgrade() -> None:
    op.drop_index("ix_repair_evidence_application_id", table_name="repair_evidence")
    op.drop_table("repair_evidence")
    for name in (
        "ix_repair_applications_list_entry_id",
        "ix_repair_applications_record_id",
        "ix_repair_applications_dept_state",
        "ix_repair_applications_enterprise_id",
    ):
        op.drop_index(name, table_name="repair_applications")
    op.drop_table("repair_applications")
    op.drop_index("ix_enterprise_sessions_enterprise_id", table_name="enterprise_sessions")
    op.drop_table("enterprise_sessions")
