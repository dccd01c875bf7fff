"""Tables of this feature (imported by ``store.registry.all_metadata``).

The search index is derived data: ``search.index`` keeps it in step with ``enterprises`` and
``enterprise_former_names`` and ``entcredit search reindex`` rebuilds it whole. Neither table
has a foreign key, which would cost a parent lookup on each of tens of millions of inserts.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from entcredit.store.base import Base

# Code-point order on PostgreSQL ("C"), as SQLite's BINARY already is: a prefix is then one
# contiguous range of the index whatever the database's default collation.
_Key = String(300).with_variant(String(300, collation="C"), "postgresql")
_Gram = String(2).with_variant(String(2, collation="C"), "postgresql")
_Id = BigInteger().with_variant(Integer(), "sqlite")


class SearchName(Base):
    """Every searchable string of an enterprise, folded (``search.query.fold``): its current
    name and former names (role ``n``; ``former`` tells which) and its legal representative
    (role ``r``)."""

    __tablename__ = "search_names"
    __table_args__ = (
        Index("ix_search_names_key", "role", "key", "enterprise_id", "former"),
        {"sqlite_with_rowid": False},
    )

    enterprise_id: Mapped[int] = mapped_column(_Id, primary_key=True, autoincrement=False)
    role: Mapped[str] = mapped_column(String(1), primary_key=True)
    key: Mapped[str] = mapped_column(_Key, primary_key=True)
    former: Mapped[bool] = mapped_column(Boolean)


class SearchGram(Base):
    """Posting lists: each distinct 1- and 2-character gram that starts at the second
    character or later of one of an enterprise's names (role ``n`` keys). A name holding a
    fragment past its first character holds every gram of it there, so any gram of a query
    finds every such name; names starting with the fragment come from the key index."""

    __tablename__ = "search_grams"
    __table_args__ = ({"sqlite_with_rowid": False},)

    gram: Mapped[str] = mapped_column(_Gram, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(_Id, primary_key=True, autoincrement=False)
