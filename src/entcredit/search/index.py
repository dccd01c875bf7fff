"""Keeping the search index (``search_names``, ``search_grams``) in step with the register.

Both paths write through ``store.bulk`` (executemany on SQLite, COPY on PostgreSQL) in the
caller's transaction. ``refresh`` diffs what an enterprise should have against what it has, so
a correction that leaves names alone writes nothing; ``rebuild`` streams the register in id
order and replaces the index whole.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy.orm import Session

from entcredit.search.query import fold, inner_grams
from entcredit.store.bulk import BulkStore, bulk_store

CHUNK = 5_000
NAME_COLUMNS = ("enterprise_id", "role", "key", "former")
GRAM_COLUMNS = ("gram", "enterprise_id")

# (role, key) -> former
Entries = dict[tuple[str, str], bool]


def entries(name: str, former_names: Iterable[str], legal_rep: str | None) -> Entries:
    """What the index holds for one enterprise."""
    out: Entries = {}
    if key := fold(name):
        out["n", key] = False
    for f in former_names:
        if (key := fold(f)) and ("n", key) not in out:
            out["n", key] = True
    if legal_rep and (key := fold(legal_rep)):
        out["r", key] = False
    return out


def grams(e: Entries) -> set[str]:
    out: set[str] = set()
    for role, key in e:
        if role == "n":
            out |= inner_grams(key)
    return out


def refresh(session: Session, enterprise_ids: Collection[int]) -> int:
    store = bulk_store(session)
    ids = sorted(set(enterprise_ids))
    changed = 0
    for i in range(0, len(ids), CHUNK):
        part = ids[i : i + CHUNK]
        want = _wanted(store, *store.in_clause("id", part))
        have: dict[int, Entries] = {}
        cond, params = store.in_clause("enterprise_id", part)
        for eid, role, key, former in store.execute(
            f"SELECT enterprise_id, role, key, former FROM search_names WHERE {cond}",  # noqa: S608
            params,
        ):
            have.setdefault(eid, {})[role, key] = bool(former)
        changed += _apply(store, part, want, have)
    return changed


def rebuild(session: Session) -> int:
    store = bulk_store(session)
    store.execute("DELETE FROM search_grams")
    store.execute("DELETE FROM search_names")
    count, after = 0, 0
    ph = store.ph
    while True:
        want = _wanted(store, f"id > {ph} ORDER BY id LIMIT {CHUNK}", [after])
        if not want:
            return count
        _apply(store, list(want), want, {})
        count += len(want)
        after = max(want)


def _wanted(store: BulkStore, cond: str, params: list[Any]) -> dict[int, Entries]:
    """The entries of the enterprises selected by ``cond`` (on ``enterprises``)."""
    sql = f"SELECT id, name, legal_rep FROM enterprises WHERE {cond}"  # noqa: S608
    rows = store.execute(sql, params)
    if not rows:
        return {}
    former: dict[int, list[str]] = {}
    fcond, fparams = store.in_clause("enterprise_id", [r[0] for r in rows])
    for eid, name in store.execute(
        f"SELECT enterprise_id, name FROM enterprise_former_names WHERE {fcond}",  # noqa: S608
        fparams,
    ):
        former.setdefault(eid, []).append(name)
    return {eid: entries(name, former.get(eid, ()), rep) for eid, name, rep in rows}


def _apply(
    store: BulkStore, ids: list[int], want: dict[int, Entries], have: dict[int, Entries]
) -> int:
    """Write the difference; ``have`` must be what the index holds for ``ids``."""
    del_names: list[tuple[int, str, str]] = []
    add_names: list[tuple[int, str, str, bool]] = []
    del_grams: list[tuple[str, int]] = []
    add_grams: list[tuple[str, int]] = []
    changed = 0
    for eid in ids:
        new, old = want.get(eid, {}), have.get(eid, {})
        if new == old:
            continue
        changed += 1
        del_names += [(eid, r, k) for (r, k), f in old.items() if new.get((r, k)) != f]
        add_names += [(eid, r, k, f) for (r, k), f in new.items() if old.get((r, k)) != f]
        g_new, g_old = grams(new), grams(old)
        del_grams += [(g, eid) for g in g_old - g_new]
        add_grams += [(g, eid) for g in g_new - g_old]
    ph = store.ph
    store.execute_many(
        f"DELETE FROM search_names WHERE enterprise_id = {ph} AND role = {ph}"  # noqa: S608
        f" AND key = {ph}",
        del_names,
    )
    store.execute_many(
        f"DELETE FROM search_grams WHERE gram = {ph} AND enterprise_id = {ph}",  # noqa: S608
        del_grams,
    )
    # In key order the b-trees are appended to in runs rather than touched at random.
    store.insert("search_names", NAME_COLUMNS, sorted(add_names))
    store.insert("search_grams", GRAM_COLUMNS, sorted(add_grams))
    return changed
