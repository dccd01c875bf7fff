"""credit check and measures (issue 4)

Revision ID: 0006_credit_check
Revises: 0005_reports
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import entcredit.audit.models

revision: str = "0006_credit_check"
down_revision: str | None = "0005_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_RESTRICTION = sa.text("category = 'restriction'")
# Persons' restriction records are found by the hash ingest keeps beside the masked ID
# number in ``fields``; an expression index per dialect (the models cannot declare one
# expression for both), partial so that only restriction records are indexed.
_PERSON_HASH = {
    "postgresql": "(fields ->> 'subject_person_id_hash')",
    "sqlite": "json_extract(fields, '$.subject_person_id_hash')",
}


def upgrade() -> None:
    op.create_table(
        "credit_check_calls",
        sa.Column("id", _ID, nullable=False),
        sa.Column("asked_by", sa.String(length=200), nullable=False),
        sa.Column("dept_code", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("asked_at", entcredit.audit.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("subjects", sa.Integer(), nullable=False),
        sa.Column("restricted", sa.Integer(), nullable=False),
        sa.Column("invalid", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_check_calls")),
    )
    op.create_index("ix_credit_check_calls_asked_at", "credit_check_calls", ["asked_at"])
    op.create_index(
        "ix_credit_check_calls_dept_asked_at", "credit_check_calls", ["dept_code", "asked_at"]
    )
    op.create_table(
        "credit_check_subjects",
        sa.Column("call_id", _ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=True),
        sa.Column("subject_key", sa.String(length=64), nullable=True),
        sa.Column("label", sa.String(length=40), nullable=True),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("error", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["credit_check_calls.id"],
            name=op.f("fk_credit_check_subjects_call_id_credit_check_calls"),
        ),
        sa.PrimaryKeyConstraint("call_id", "seq", name=op.f("pk_credit_check_subjects")),
    )
    op.create_table(
        "credit_check_hits",
        sa.Column("id", _ID, nullable=False),
        sa.Column("call_id", _ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("measure_code", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=False),
        sa.Column("via_uscc", sa.String(length=18), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["credit_check_calls.id"],
            name=op.f("fk_credit_check_hits_call_id_credit_check_calls"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_check_hits")),
    )
    op.create_index("ix_credit_check_hits_call", "credit_check_hits", ["call_id", "seq"])
    op.create_index(
        op.f("ix_credit_check_hits_measure_code"), "credit_check_hits", ["measure_code"]
    )
    op.create_index(
        "ix_records_restriction_uscc",
        "records",
        ["uscc"],
        sqlite_where=_RESTRICTION,
        postgresql_where=_RESTRICTION,
    )
    expr = _PERSON_HASH[op.get_bind().dialect.name]
    op.execute(
        f"CREATE INDEX ix_records_restriction_person ON records ({expr})"
        " WHERE category = 'restriction'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_records_restriction_person")
    op.drop_index("ix_records_restriction_uscc", table_name="records")
    op.drop_index(op.f("ix_credit_check_hits_measure_code"), table_name="credit_check_hits")
    op.drop_index("ix_credit_check_hits_call", table_name="credit_check_hits")
    op.drop_table("credit_check_hits")
    op.drop_table("credit_check_subjects")
    op.drop_index("ix_credit_check_calls_dept_asked_at", table_name="credit_check_calls")
    op.drop_index("ix_credit_check_calls_asked_at", table_name="credit_check_calls")
    op.drop_table("credit_check_calls")
