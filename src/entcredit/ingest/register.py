"""Writing the reference categories: the enterprise register, key personnel and departments.

The register keeps its history in ``register_versions``; personal ID numbers are reduced to a
keyed hash and a masked form before anything is stored. Registering an enterprise links the
records and roles that were waiting for it in the unlinked queue.
"""

from __future__ import annotations

from typing import Any

import orjson

from entcredit.core.idnum import hash_id, mask_id
from entcredit.ingest.checking import Accepted
from entcredit.ingest.pipeline import BatchLoader
from entcredit.ingest.rules import Outcome, content_hash, normalize_name
from entcredit.search.service import refresh_index

ENTERPRISE_COLUMNS = (
    "uscc",
    "reg_no",
    "name",
    "entity_type",
    "legal_rep",
    "legal_rep_id_hash",
    "legal_rep_id_masked",
    "reg_capital",
    "established_on",
    "reg_authority",
    "region_code",
    "address",
    "industry_code",
    "status",
    "status_on",
    "is_listed",
    "phone",
    "email",
    "content_hash",
    "version",
    "last_batch_id",
    "updated_at",
)
REGISTER_VERSION_COLUMNS = (
    "id",
    "category",
    "key",
    "version",
    "content",
    "content_hash",
    "batch_id",
    "row_no",
)


def _protect(values: dict[str, Any], field_code: str, key: bytes) -> tuple[str | None, str | None]:
    """Replace an ID number by its mask in ``values``; return (hash, mask)."""
    raw = values.get(field_code)
    if not raw:
        return None, None
    h, m = hash_id(key, raw), mask_id(raw)
    values[field_code] = m
    values[field_code + "_hash"] = h
    return h, m


class _RegisterWriter:
    def __init__(self, loader: BatchLoader) -> None:
        self.loader = loader

    def versions(self, rows: list[tuple[str, int, dict[str, Any], str, int]]) -> None:
        """rows: (key, version, content, hash, row_no)."""
        store = self.loader.store
        ids = store.allocate_ids("register_versions", len(rows))
        cat, batch = self.loader.category.name, self.loader.batch.id
        store.insert(
            "register_versions",
            REGISTER_VERSION_COLUMNS,
            [
                (i, cat, k, ver, _json(content), h, batch, row_no)
                for i, (k, ver, content, h, row_no) in zip(ids, rows, strict=True)
            ],
        )


class EnterpriseWriter(_RegisterWriter):
    def __call__(self, loader: BatchLoader, chunk: list[Accepted]) -> None:
        store = loader.store
        key = loader.ctx.pii_key
        usccs = sorted({a.values["uscc"] for a in chunk})
        existing: dict[str, list[Any]] = {}
        for part in _parts(usccs):
            cond, params = store.in_clause("uscc", part)
            for uscc, eid, h, ver, name in store.execute(
                f"SELECT uscc, id, content_hash, version, name FROM enterprises WHERE {cond}",
                params,
            ):
                existing[uscc] = [eid, h, ver, name]
        now = loader.ctx.now()
        inserts: dict[str, list[Any]] = {}
        updates: dict[str, list[Any]] = {}
        versions: list[tuple[str, int, dict[str, Any], str, int]] = []
        former: list[tuple[str, str]] = []  # (uscc, name)
        for a in chunk:
            v = dict(a.values)
            uscc = v["uscc"]
            h_id, m_id = _protect(v, "legal_rep_id", key)
            digest = content_hash(v)
            before = existing.get(uscc)
            if before is not None and before[1] == digest:
                loader.set_outcome(a.row_no, Outcome.UNCHANGED)
                continue
            version = 1 if before is None else before[2] + 1
            row = [
                uscc,
                v.get("reg_no"),
                v["name"],
                v["entity_type"],
                v["legal_rep"],
                h_id,
                m_id,
                v.get("reg_capital"),
                v["established_on"],
                v["reg_authority"],
                v["region_code"],
                v["address"],
                v.get("industry_code"),
                v["status"],
                v.get("status_on"),
                v.get("is_listed"),
                v.get("phone"),
                v.get("email"),
                digest,
                version,
                loader.batch.id,
                now,
            ]
            for n in v.get("former_names") or ():
                former.append((uscc, n))
            if before is None:
                inserts[uscc] = row
                existing[uscc] = [None, digest, version, v["name"]]
                loader.set_outcome(a.row_no, Outcome.NEW)
            else:
                if before[3] != v["name"]:
                    former.append((uscc, before[3]))  # a renamed entity keeps its old name
                before[1:] = [digest, version, v["name"]]
                (inserts if uscc in inserts else updates)[uscc] = row
                loader.set_outcome(a.row_no, Outcome.CORRECTED)
            versions.append((uscc, version, v, digest, a.row_no))
            if a.extras:
                loader.keep_extras(a.row_no, uscc, a.extras)

        ids = store.allocate_ids("enterprises", len(inserts))
        store.insert(
            "enterprises",
            ("id", *ENTERPRISE_COLUMNS, "first_batch_id"),
            [[i, *row, loader.batch.id] for i, row in zip(ids, inserts.values(), strict=True)],
        )
        id_of = dict(zip(inserts, ids, strict=True))
        for u, before in existing.items():
            if before[0] is not None:
                id_of[u] = before[0]
        store.update_by_id(
            "enterprises",
            ENTERPRISE_COLUMNS,
            [[*row, id_of[u]] for u, row in updates.items()],
        )
        store.insert_ignore(
            "enterprise_former_names",
            ("enterprise_id", "name"),
            sorted({(id_of[u], n) for u, n in former if n}),
        )
        self.versions(versions)
        # A new or renamed enterprise is findable on the portal as soon as the batch commits.
        refresh_index(loader.session, [id_of[u] for u in (*inserts, *updates)])
        if inserts:
            self._link(sorted(inserts), id_of)

    def _link(self, usccs: list[str], id_of: dict[str, int]) -> None:
        """Attach records and roles that were waiting for these enterprises."""
        loader = self.loader
        store = loader.store
        names: dict[str, set[str]] = {}
        for u, (_eid, found) in store.fetch_enterprises(usccs).items():
            names[u] = {normalize_name(n) for n in found}
        linked: list[tuple[Any, ...]] = []
        for part in _parts(usccs):
            cond, params = store.in_clause("uscc", part)
            for rid, uscc, subject in store.execute(
                "SELECT id, uscc, subject_name FROM records WHERE enterprise_id IS NULL"
                f" AND {cond}",
                params,
            ):
                mismatch = normalize_name(subject) not in names.get(uscc, set())
                linked.append((id_of[uscc], mismatch, rid))
        store.update_by_id("records", ("enterprise_id", "name_mismatch"), linked)
        loader.report.records_linked += len(linked)
        ph = store.ph
        store.execute_many(
            f"UPDATE person_roles SET enterprise_id = {ph}"
            f" WHERE uscc = {ph} AND enterprise_id IS NULL",
            [(id_of[u], u) for u in usccs],
        )


class PersonRoleWriter(_RegisterWriter):
    def __call__(self, loader: BatchLoader, chunk: list[Accepted]) -> None:
        store = loader.store
        key = loader.ctx.pii_key
        prepared: list[tuple[Accepted, dict[str, Any], str]] = []
        for a in chunk:
            v = dict(a.values)
            h, _m = _protect(v, "person_id", key)
            assert h is not None  # person_id is required
            prepared.append((a, v, h))
        hashes = sorted({h for _a, _v, h in prepared})
        persons: dict[str, list[Any]] = {}
        for part in _parts(hashes):
            cond, params = store.in_clause("id_hash", part)
            for h, pid, name in store.execute(
                f"SELECT id_hash, id, name FROM persons WHERE {cond}",
                params,
            ):
                persons[h] = [pid, name]
        new_persons: list[list[Any]] = []
        renamed: dict[int, list[Any]] = {}
        for _a, v, h in prepared:
            if h not in persons:
                persons[h] = [None, v["person_name"]]
                new_persons.append([h, v["person_id"], v["person_name"]])
            elif persons[h][1] != v["person_name"] and persons[h][0] is not None:
                persons[h][1] = v["person_name"]
                renamed[persons[h][0]] = [v["person_name"], persons[h][0]]
        ids = store.allocate_ids("persons", len(new_persons))
        for i, p in zip(ids, new_persons, strict=True):
            persons[p[0]][0] = i
        store.insert(
            "persons",
            ("id", "id_hash", "id_masked", "name"),
            [[i, *p] for i, p in zip(ids, new_persons, strict=True)],
        )
        store.update_by_id("persons", ("name",), list(renamed.values()))

        usccs = sorted({v["uscc"] for _a, v, _h in prepared})
        ents = store.fetch_enterprises(usccs)
        existing: dict[tuple[str, int, str], list[Any]] = {}
        for part in _parts(usccs):
            cond, params = store.in_clause("uscc", part)
            for uscc, pid, role, rid, h, ver in store.execute(
                "SELECT uscc, person_id, role, id, content_hash, version FROM person_roles"
                f" WHERE {cond}",
                params,
            ):
                existing[(uscc, pid, role)] = [rid, h, ver]
        pending: dict[tuple[str, int, str], list[Any]] = {}
        updates: list[list[Any]] = []
        versions: list[tuple[str, int, dict[str, Any], str, int]] = []
        for a, v, h in prepared:
            pid = persons[h][0]
            k = (v["uscc"], pid, v["role"])
            digest = content_hash(v)
            before = existing.get(k)
            if before is not None and before[1] == digest:
                loader.set_outcome(a.row_no, Outcome.UNCHANGED)
                continue
            ent = ents.get(v["uscc"])
            eid = ent[0] if ent else None
            version = 1 if before is None else before[2] + 1
            row = [
                v["uscc"],
                eid,
                pid,
                v["role"],
                v.get("since"),
                v.get("until"),
                digest,
                version,
                loader.batch.id,
            ]
            if before is None or k in pending:
                # New, or corrected again within this chunk: the pending insert carries it.
                pending[k] = row
                existing[k] = [None, digest, version]
            else:
                before[1:] = [digest, version]
                updates.append(
                    [
                        eid,
                        v.get("since"),
                        v.get("until"),
                        digest,
                        version,
                        loader.batch.id,
                        before[0],
                    ]
                )
            loader.set_outcome(a.row_no, Outcome.NEW if before is None else Outcome.CORRECTED)
            versions.append((f"{v['uscc']}/{h}/{v['role']}", version, v, digest, a.row_no))
        ids = store.allocate_ids("person_roles", len(pending))
        inserts = [[i, *row] for i, row in zip(ids, pending.values(), strict=True)]
        _apply_in_order(store, inserts, updates)
        self.versions(versions)


def _apply_in_order(store: Any, inserts: list[list[Any]], updates: list[list[Any]]) -> None:
    store.insert(
        "person_roles",
        (
            "id",
            "uscc",
            "enterprise_id",
            "person_id",
            "role",
            "since",
            "until",
            "content_hash",
            "version",
            "last_batch_id",
        ),
        inserts,
    )
    store.update_by_id(
        "person_roles",
        ("enterprise_id", "since", "until", "content_hash", "version", "last_batch_id"),
        updates,
    )


_DEPT_COLUMNS = (
    "name",
    "region_code",
    "level",
    "is_market_regulator",
    "content_hash",
    "version",
    "updated_at",
)


class DepartmentWriter(_RegisterWriter):
    def __call__(self, loader: BatchLoader, chunk: list[Accepted]) -> None:
        store = loader.store
        existing = {
            code: [i, h, ver]
            for code, i, h, ver in store.execute(
                "SELECT dept_code, id, content_hash, version FROM departments"
            )
        }
        now = loader.ctx.now()
        versions: list[tuple[str, int, dict[str, Any], str, int]] = []
        for a in chunk:
            v = a.values
            digest = content_hash(v)
            before = existing.get(v["dept_code"])
            if before is not None and before[1] == digest:
                loader.set_outcome(a.row_no, Outcome.UNCHANGED)
                continue
            cols = (v["name"], v["region_code"], v["level"], v["is_market_regulator"], digest)
            if before is None:
                i = store.allocate_ids("departments", 1)[0]
                store.insert(
                    "departments",
                    ("id", "dept_code", *_DEPT_COLUMNS),
                    [(i, v["dept_code"], *cols, 1, now)],
                )
                existing[v["dept_code"]] = [i, digest, 1]
                loader.set_outcome(a.row_no, Outcome.NEW)
            else:
                before[1:] = [digest, before[2] + 1]
                store.update_by_id(
                    "departments", _DEPT_COLUMNS, [(*cols, before[2], now, before[0])]
                )
                loader.set_outcome(a.row_no, Outcome.CORRECTED)
            versions.append((v["dept_code"], existing[v["dept_code"]][2], v, digest, a.row_no))
        self.versions(versions)


def _parts(items: list[str], size: int = 5000) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _json(value: dict[str, Any]) -> str:
    return orjson.dumps(value).decode()
