"""Enterprise search for the portal and the open API: one box for a name fragment of any
length, a USCC, a legacy registration number or a legal representative's name.

Hits come in tiers, best first, each enterprise once at its best tier: exact code, exact name
(current or former), name prefix (in key order), name substring, legal representative (the
others by enterprise id). The index (``search.index``) holds every folded name and legal
representative (``search_names``) and the posting lists of the 1- and 2-character grams past
each name's first character (``search_grams``): exact and prefix matches are key ranges of
the first, substring candidates come from the rarest gram of the query and are verified in the
database. The candidates examined per request are bounded, so a page may hold fewer hits than
asked while ``next_cursor`` still goes on; totals are counted up to a cap. Services never
commit.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from entcredit.search import index
from entcredit.search.query import (
    CODE,
    EXACT,
    LEGAL_REP,
    PREFIX,
    SUBSTRING,
    Cursor,
    QueryError,
    bigrams,
    decode_cursor,
    encode_cursor,
    fold,
    looks_like_code,
    normalise_query,
    prefix_end,
)
from entcredit.store.models import Enterprise, EnterpriseFormerName

__all__ = [
    "QueryError",
    "SearchHit",
    "SearchPage",
    "rebuild_index",
    "refresh_index",
    "search_enterprises",
]

Match = Literal["code", "name", "former_name", "prefix", "substring", "legal_rep"]

MAX_LIMIT = 50
# Totals are exact up to here; beyond, the page says "at least TOTAL_CAP".
TOTAL_CAP = 10_000
# Candidate rows examined per page in the substring and legal-representative tiers.
SCAN_BUDGET = 3_000
# Candidates verified to count the substring tier when even the rarest gram is common.
COUNT_VERIFY_BUDGET = 2_000
# A gram this rare is good enough: stop counting the query's other grams.
RARE_ENOUGH = 200
_NO_ID = 2**62  # greater than any enterprise id


@dataclass(frozen=True, slots=True)
class SearchHit:
    enterprise_id: int
    uscc: str
    reg_no: str | None
    name: str
    entity_type: str
    status: str
    region_code: str
    legal_rep: str
    established_on: date
    match: Match
    matched_name: str | None  # the former name that matched, when it was one


@dataclass(frozen=True, slots=True)
class SearchPage:
    hits: list[SearchHit]
    total: int
    total_is_lower_bound: bool
    next_cursor: str | None


def refresh_index(session: Session, enterprise_ids: Collection[int]) -> int:
    """Bring the index entries of these enterprises in step with the register; returns how
    many enterprises' entries changed. Call it in the transaction that changed them."""
    return index.refresh(session, enterprise_ids)


def rebuild_index(session: Session) -> int:
    """Rebuild the whole index from the register, streaming; returns the enterprises
    indexed."""
    return index.rebuild(session)


def search_enterprises(
    session: Session, query: str, *, limit: int = 20, cursor: str | None = None
) -> SearchPage:
    """One page of hits. ``limit`` above ``MAX_LIMIT`` is cut to it. Raises ``QueryError``
    for an empty or too long query, a limit below 1, or a cursor not issued for this query."""
    if limit < 1:
        raise QueryError("limit_invalid", "每页条数至少为 1", "limit must be at least 1")
    limit = min(limit, MAX_LIMIT)
    q = normalise_query(query)
    s = _Search(session, q)
    if cursor is None:
        total, lower = s.count()
        start: Cursor = Cursor(CODE, 0, total, lower)
    else:
        start = decode_cursor(q, cursor)
    found, stopped = s.collect(start, limit + 1)
    if len(found) > limit:
        found = found[:limit]
        last = found[-1]
        stopped = Cursor(last.tier, last.pos, start.total, start.lower_bound)
    elif stopped is not None:
        stopped = Cursor(stopped.tier, stopped.after, start.total, start.lower_bound)
    return SearchPage(
        hits=s.hits(found),
        total=start.total,
        total_is_lower_bound=start.lower_bound,
        next_cursor=None if stopped is None else encode_cursor(q, stopped),
    )


@dataclass(frozen=True, slots=True)
class _Found:
    tier: int
    pos: tuple[str, int] | int
    enterprise_id: int
    former_key: str | None = None  # the former name (folded) that matched
    current: bool = True  # an exact hit on the current name, not only a former one


class _Search:
    """The queries of one search request; the sets later tiers exclude are read once."""

    def __init__(self, session: Session, q: str) -> None:
        self.session = session
        self.q = q
        self.hi = prefix_end(q)
        self.instr = "instr" if session.get_bind().dialect.name == "sqlite" else "strpos"
        self._codes: list[int] | None = None
        self._exact: dict[int, bool] | None = None
        self._gram: tuple[str, int] | None = None

    def _rows(self, sql: str, **params: Any) -> list[Any]:
        stmt = text(sql)
        for name, value in params.items():
            if isinstance(value, list | tuple | set | frozenset):
                stmt = stmt.bindparams(bindparam(name, expanding=True))
        return list(self.session.execute(stmt, {"q": self.q, "hi": self.hi, **params}))

    # -- the sets every tier after them excludes ------------------------------------------
    def codes(self) -> list[int]:
        if self._codes is None:
            self._codes = []
            if looks_like_code(self.q):
                rows = self._rows("SELECT id FROM enterprises WHERE uscc = :q OR reg_no = :q")
                self._codes = sorted(r[0] for r in rows)
        return self._codes

    def exact(self) -> dict[int, bool]:
        """Enterprises with a name equal to the query -> whether it is the current one."""
        if self._exact is None:
            codes = set(self.codes())
            out: dict[int, bool] = {}
            for eid, former in self._rows(
                "SELECT enterprise_id, former FROM search_names WHERE role = 'n' AND key = :q"
            ):
                if eid not in codes:
                    out[eid] = out.get(eid, False) or not former
            self._exact = out
        return self._exact

    def gram(self) -> tuple[str, int]:
        """The query's rarest gram and its posting count. Up to two characters the query is
        its own gram and ``count`` knows the count (-1: not counted, paging needs none);
        longer queries count each bigram up to COUNT_VERIFY_BUDGET + 1, all ``count``
        needs to tell an exact total from a lower bound."""
        if self._gram is None:
            self._gram = (self.q, -1)
            if len(self.q) > 2:
                best = ("", COUNT_VERIFY_BUDGET + 2)
                for g in bigrams(self.q):
                    n = self._bounded("SELECT 1 FROM search_grams WHERE gram = :g", g=g)
                    if n < best[1]:
                        best = (g, n)
                    if n <= RARE_ENOUGH:
                        break
                self._gram = best
        return self._gram

    def _bounded(self, sql: str, **params: Any) -> int:
        bounded = f"SELECT count(*) FROM ({sql} LIMIT :cap) t"  # noqa: S608
        return int(self._rows(bounded, cap=COUNT_VERIFY_BUDGET + 1, **params)[0][0])

    # -- counting -------------------------------------------------------------------------
    def count(self) -> tuple[int, bool]:
        """(total, is a lower bound): the tiers partition the union of the enterprises that
        match at all, so the total is the size of that union, counted in the database once
        each part is known to be small."""
        names = (
            "SELECT enterprise_id FROM search_names WHERE role = 'n' AND key >= :q AND key < :hi"
        )
        reps = "SELECT enterprise_id FROM search_names WHERE role = 'r' AND key = :q"
        parts = [names, reps]
        if len(self.q) <= 2:  # the query is its own gram
            parts.append("SELECT 1 FROM search_grams WHERE gram = :q")
        each = "(SELECT count(*) FROM ({} LIMIT :cap) t{})"  # each part, counted up to the cap
        bounded = ", ".join(each.format(p, i) for i, p in enumerate(parts))
        counts = self._rows(f"SELECT {bounded}", cap=TOTAL_CAP + 1)[0]
        if len(self.q) <= 2:
            self._gram = (self.q, counts[2])
        if max(counts) > TOTAL_CAP:
            return TOTAL_CAP, True
        gram, n = self.gram()
        # Beyond COUNT_VERIFY_BUDGET candidates a long query is counted on the first ones.
        lower = len(self.q) > 2 and n > COUNT_VERIFY_BUDGET
        window = f" ORDER BY enterprise_id LIMIT {COUNT_VERIFY_BUDGET}" if lower else ""
        parts = [names, reps, "SELECT id FROM enterprises WHERE uscc = :q OR reg_no = :q"]
        if n > 0:
            parts.append(
                "SELECT g.enterprise_id FROM (SELECT enterprise_id FROM search_grams"  # noqa: S608
                f" WHERE gram = :g{window}) g WHERE {self._verify('g')}"
            )
        union = " UNION ".join(parts)
        total = int(self._rows(f"SELECT count(*) FROM ({union}) t", g=gram)[0][0])  # noqa: S608
        return (TOTAL_CAP, True) if total > TOTAL_CAP else (total, lower)

    def _verify(self, alias: str) -> str:
        """SQL true when the candidate ``alias`` holds the query past a name's first
        character (only needed beyond two characters: a gram posting is the proof)."""
        if len(self.q) <= 2:
            return "1 = 1"
        return self._has(alias, f"{self.instr}(substr(v.key, 2), :q) > 0")

    @staticmethod
    def _has(alias: str, cond: str) -> str:
        """SQL true when the candidate ``alias`` has a name (``v``) meeting ``cond``. A scalar
        subquery rather than EXISTS, which PostgreSQL turns into a semi-join or a hashed
        subplan over every name: this stays one index probe per candidate."""
        return (
            "((SELECT 1 FROM search_names v WHERE v.enterprise_id = "  # noqa: S608
            f"{alias}.enterprise_id AND v.role = 'n' AND {cond} LIMIT 1) IS NOT NULL)"
        )

    # -- paging ---------------------------------------------------------------------------
    def collect(self, start: Cursor, need: int) -> tuple[list[_Found], Cursor | None]:
        """Up to ``need`` hits from ``start`` on, and where a scan stopped short when its
        budget ran out (None: every tier was read to its end)."""
        found: list[_Found] = []
        budget = SCAN_BUDGET
        for tier in range(start.tier, LEGAL_REP + 1):
            after = start.after if tier == start.tier else None
            if tier == CODE:
                found += self._after_id(tier, [(e, True) for e in self.codes()], after)
            elif tier == EXACT:
                found += self._after_id(tier, list(self.exact().items()), after)
            elif tier == PREFIX:
                found += self._prefix(after, need - len(found))
            else:
                more, stop, budget = self._scan(tier, after, need - len(found), budget)
                found += more
                if stop is not None and len(found) < need:
                    return found, Cursor(tier, stop, 0, False)
            if len(found) >= need:
                break
        return found[:need], None

    def _after_id(self, tier: int, items: list[tuple[int, bool]], after: object) -> list[_Found]:
        start = after if isinstance(after, int) else 0
        return [
            _Found(tier, eid, eid, current=current) for eid, current in sorted(items) if eid > start
        ]

    def _prefix(self, after: object, need: int) -> list[_Found]:
        key, eid = after if isinstance(after, tuple) else (self.q, _NO_ID)
        skip = set(self.codes()) | set(self.exact())
        found: list[_Found] = []
        while len(found) < need:
            # With each row, the enterprise's first name in the range: it is listed there.
            rows = self._rows(
                "SELECT key, enterprise_id, former, (SELECT min(m.key) FROM search_names m"
                " WHERE m.enterprise_id = s.enterprise_id AND m.role = 'n' AND m.key > :q"
                " AND m.key < :hi) FROM search_names s WHERE role = 'n' AND key >= :k"
                " AND key < :hi AND (key, enterprise_id) > (:k, :e)"
                " ORDER BY key, enterprise_id LIMIT :n",
                k=key,
                e=eid,
                n=need - len(found) + 8,
            )
            if not rows:
                break
            for k, e, former, first in rows:
                if e not in skip and first == k:
                    found.append(_Found(PREFIX, (k, e), e, former_key=k if former else None))
                    if len(found) == need:
                        break
            key, eid = rows[-1][0], rows[-1][1]
        return found

    def _scan(
        self, tier: int, after: object, need: int, budget: int
    ) -> tuple[list[_Found], int | None, int]:
        """Read candidates in id order in growing windows; returns the hits, the id the
        budget ran out at (None when the tier was read to its end) and the budget left."""
        start = after if isinstance(after, int) else 0
        if tier == SUBSTRING:
            gram, n = self.gram()
            if n == 0:
                return [], None, budget
            prefixed = self._has("g", "v.key >= :q AND v.key < :hi")
            sql = (
                "SELECT g.enterprise_id, CASE WHEN"  # noqa: S608
                f" {self._verify('g')} AND NOT {prefixed} THEN 1 ELSE 0 END"
                " FROM search_grams g WHERE g.gram = :g"
                " AND g.enterprise_id > :after ORDER BY g.enterprise_id LIMIT :w"
            )
            params: dict[str, Any] = {"g": gram}
        else:
            named = self._has("r", f"{self.instr}(v.key, :q) > 0")
            sql = (
                f"SELECT r.enterprise_id, CASE WHEN NOT {named} THEN 1 ELSE 0 END"  # noqa: S608
                " FROM search_names r WHERE r.role = 'r' AND r.key = :q"
                " AND r.enterprise_id > :after ORDER BY r.enterprise_id LIMIT :w"
            )
            params = {}
        codes = set(self.codes())
        found: list[_Found] = []
        window = max(2 * need, 32)
        while True:
            w = min(window, budget)
            if w <= 0:
                return found, start, budget
            rows = self._rows(sql, after=start, w=w, **params)
            budget -= len(rows)
            for eid, ok in rows:
                start = eid
                if ok and eid not in codes:
                    found.append(_Found(tier, eid, eid))
                    if len(found) == need:
                        return found, None, budget
            if len(rows) < w:
                return found, None, budget
            window *= 4

    # -- the page -------------------------------------------------------------------------
    def hits(self, found: list[_Found]) -> list[SearchHit]:
        if not found:
            return []
        ids = sorted({f.enterprise_id for f in found})
        e = Enterprise.__table__.c
        rows = {
            r.id: r
            for r in self.session.execute(
                select(
                    e.id,
                    e.uscc,
                    e.reg_no,
                    e.name,
                    e.entity_type,
                    e.status,
                    e.region_code,
                    e.legal_rep,
                    e.established_on,
                ).where(e.id.in_(ids))
            )
        }
        # Which former name matched, where the current one did not; most pages need none.
        need = {
            f.enterprise_id
            for f in found
            if f.enterprise_id in rows
            and (
                f.former_key is not None
                or (f.tier == EXACT and not f.current)
                or (f.tier == SUBSTRING and fold(rows[f.enterprise_id].name).find(self.q, 1) < 0)
            )
        }
        former = self._former_names(need)
        out = []
        for f in found:
            r = rows.get(f.enterprise_id)
            if r is None:  # gone since the index was read (never in this system)
                continue
            match = _MATCH[f.tier]
            if f.tier == EXACT and not f.current:
                match = "former_name"
            matched = None
            if f.enterprise_id in need:
                matched = next(
                    (
                        raw
                        for key, raw in former.get(f.enterprise_id, [])
                        if _matches(f, key, self.q)
                    ),
                    None,
                )
            out.append(
                SearchHit(
                    enterprise_id=r.id,
                    uscc=r.uscc,
                    reg_no=r.reg_no,
                    name=r.name,
                    entity_type=r.entity_type,
                    status=r.status,
                    region_code=r.region_code,
                    legal_rep=r.legal_rep,
                    established_on=r.established_on,
                    match=match,
                    matched_name=matched,
                )
            )
        return out

    def _former_names(self, ids: set[int]) -> dict[int, list[tuple[str, str]]]:
        """(folded, raw) former names of these enterprises, in name order."""
        if not ids:
            return {}
        f = EnterpriseFormerName.__table__.c
        out: dict[int, list[tuple[str, str]]] = {}
        for eid, name in self.session.execute(
            select(f.enterprise_id, f.name).where(f.enterprise_id.in_(sorted(ids)))
        ):
            out.setdefault(eid, []).append((fold(name), name))
        return {eid: sorted(names) for eid, names in out.items()}


def _matches(f: _Found, key: str, q: str) -> bool:
    """Whether the folded former name ``key`` is the one that put hit ``f`` in its tier."""
    if f.tier == SUBSTRING:
        return key.find(q, 1) >= 0
    return key == (f.former_key or q)


_MATCH: dict[int, Match] = {
    CODE: "code",
    EXACT: "name",
    PREFIX: "prefix",
    SUBSTRING: "substring",
    LEGAL_REP: "legal_rep",
}
