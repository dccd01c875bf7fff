"""The credit check against the store: read the facts of a whole batch of subjects in a fixed
handful of set-based queries, apply ``credit.rules.evaluate``, and log every check and hit in
bulk. Runs inside the caller's transaction (never commits).

Queries per batch, whatever its size (each split in chunks of ``_CHUNK`` keys for SQLite's
parameter limit; PostgreSQL takes one array parameter): persons' roles (person_roles and the
register's legal representative), revoked linked enterprises, list entries in force, and
restriction records by USCC and by ID-number hash. Then three bulk inserts of the log.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from entcredit.core.idnum import PROVINCE_CODES, check_resident_id, hash_id, mask_id, normalize_id
from entcredit.core.uscc import check_uscc
from entcredit.credit.measures import OFFICER_ROLES, MeasureCatalogue, load_measures
from entcredit.credit.models import CreditCheckCall, CreditCheckHit, CreditCheckSubject
from entcredit.credit.rules import (
    REVOKED,
    CheckResult,
    EnterpriseFact,
    Hit,
    ListFact,
    RestrictionFact,
    RoleLink,
    SubjectFacts,
    SubjectKind,
    UnknownActionError,
    evaluate,
)
from entcredit.settings import Settings
from entcredit.store.bulk import BulkStore, bulk_store

__all__ = [
    "CheckCall",
    "MeasureStat",
    "ParsedSubject",
    "check_subjects",
    "measures_for",
    "parse_subject",
    "restriction_stats",
    "result_json",
]

_CHUNK = 5000
SUBJECT_INVALID = "subject_invalid"
# The same expressions as the partial indexes of migration 0006 (SQLite uses an expression
# index only for the identical expression).
_PERSON_HASH_SQL = {
    "postgresql": "(fields ->> 'subject_person_id_hash')",
    "sqlite": "json_extract(fields, '$.subject_person_id_hash')",
}


def measures_for(settings: Settings) -> MeasureCatalogue:
    return load_measures(settings.credit_measures_file)


@dataclass(frozen=True, slots=True)
class ParsedSubject:
    kind: SubjectKind | None
    key: str | None  # USCC or the ID number's keyed hash
    label: str  # safe to show and log: the USCC or the masked ID number
    error: str | None = None


def _id_like(s: str) -> bool:
    """Shaped like a resident ID number (a USCC of department 9 never starts with a province)."""
    return (
        len(s) in (15, 18)
        and s[:-1].isdigit()
        and (s[-1].isdigit() or s[-1] == "X")
        and s[:2] in PROVINCE_CODES
    )


def parse_subject(raw: str, pii_key: bytes) -> ParsedSubject:
    """A resident ID number or a USCC, recognised by its check characters; ``id:`` or
    ``uscc:`` forces the reading. A string valid as both is read as an ID number: an
    all-digit 18-character string passes the USCC check one time in 31, while a USCC also
    passes the ID check (province, birth date, check digit) about once in 10,000. The ID
    number itself goes no further than this function."""
    text = raw.strip()
    forced, sep, rest = text.partition(":")
    force = forced.strip().lower() if sep and forced.strip().lower() in ("uscc", "id") else None
    value = rest.strip() if force else text
    if not value:
        return ParsedSubject(None, None, "", "empty subject")
    n = normalize_id(value)
    if force != "uscc" and _id_like(n):
        ident = check_resident_id(n)
        if ident.valid:
            return ParsedSubject("person", hash_id(pii_key, ident.number), mask_id(ident.number))
    if force != "id":
        code = check_uscc(value)
        if code.valid:
            return ParsedSubject("enterprise", code.code, code.code)
    if force == "id" or _id_like(n):
        # Never echo an ID number, nor the birth date inside it.
        return ParsedSubject(
            None, None, mask_id(n), "not a valid resident ID number (region, birth date or check)"
        )
    code = check_uscc(value)
    # Shown as typed only when it cannot be a mistyped ID number.
    digits = sum(c.isdigit() for c in n)
    shown = code.code if digits < 14 or n[:2] not in PROVINCE_CODES else mask_id(n)
    return ParsedSubject(None, None, shown[:40], "not a valid USCC: " + "; ".join(code.errors))


def _d(value: Any) -> date | None:
    """Dates come back as ``date`` from psycopg and as ISO text from sqlite3."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _select_in(
    store: BulkStore, sql: str, columns: Sequence[str], values: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """``sql`` where the n-th ``{in}`` becomes ``columns[n] IN <chunk of values>``."""
    parts = sql.split("{in}")
    assert len(parts) == len(columns) + 1
    rows: list[tuple[Any, ...]] = []
    for i in range(0, len(values), _CHUNK):
        chunk = values[i : i + _CHUNK]
        text, params = parts[0], []
        for column, rest in zip(columns, parts[1:], strict=True):
            cond, p = store.in_clause(column, chunk)
            text += cond + rest
            params += p
        rows += store.execute(text, params)
    return rows


def _list_facts(store: BulkStore, usccs: Sequence[str]) -> dict[str, list[ListFact]]:
    out: dict[str, list[ListFact]] = defaultdict(list)
    rows = _select_in(
        store,
        "SELECT entry_key, list_kind, uscc, reason_code, decision_no, authority, listed_on,"
        " ended_on, expires_on, next_due_what, next_due_on FROM list_entries"
        " WHERE {in} AND in_force AND NOT repaired",
        ["uscc"],
        usccs,
    )
    for key, kind, uscc, reason, dec, auth, listed, ended, expires, due_what, due_on in rows:
        # An end that fell due has effect before the daily job records it: the serious
        # list's expiry, the abnormal list's 3-year transfer (as ``lists.service`` reads it).
        ends = [
            _d(ended),
            _d(expires) if kind == "serious" else None,
            _d(due_on) if due_what == "transfer" else None,
        ]
        end = min((d for d in ends if d is not None), default=None)
        out[uscc].append(ListFact(key, kind, uscc, reason, dec, auth, _d(listed), end))
    return out


def _restrictions(
    store: BulkStore, key_sql: str, keys: Sequence[str]
) -> dict[str, list[RestrictionFact]]:
    """Active restriction records whose ``key_sql`` (USCC or person hash) is in ``keys``."""
    if not keys:
        return {}
    rows = _select_in(
        store,
        f"SELECT {key_sql}, id, dept_code, source_id, authority, fields FROM records"  # noqa: S608
        " WHERE category = 'restriction' AND status = 'active' AND {in}"
        # Lifted by credit repair (``publicity_stops``): the measure ends with it.
        " AND NOT EXISTS (SELECT 1 FROM publicity_stops s WHERE s.record_id = records.id)",
        [key_sql],
        keys,
    )
    out: dict[str, list[RestrictionFact]] = defaultdict(list)
    for key, rid, dept, source, authority, fields in rows:
        f = orjson.loads(fields) if isinstance(fields, str | bytes) else fields
        start = _d(f.get("start_on"))
        if start is None or not f.get("measure_code"):
            continue
        out[key].append(
            RestrictionFact(
                record_id=rid,
                measure_code=f["measure_code"],
                decision_ref=f"{dept}/{source}",
                authority=authority,
                basis=f.get("basis") or "",
                start_on=start,
                end_on=_d(f.get("end_on")),
            )
        )
    return out


_Link = tuple[str, str, date | None, date | None]  # uscc, role, since, until


def _links(store: BulkStore, hashes: Sequence[str]) -> dict[str, list[_Link]]:
    """Each person's key-personnel roles: person_roles, and the register's legal rep."""
    roles = ", ".join(f"'{r}'" for r in sorted(OFFICER_ROLES))
    rows = _select_in(
        store,
        "SELECT p.id_hash, r.uscc, r.role, r.since, r.until FROM persons p"  # noqa: S608
        " JOIN person_roles r ON r.person_id = p.id"
        f" WHERE {{in}} AND r.role IN ({roles})"
        " UNION ALL SELECT legal_rep_id_hash, uscc, 'legal_rep', NULL, NULL FROM enterprises"
        " WHERE {in}",
        ["p.id_hash", "legal_rep_id_hash"],
        hashes,
    )
    out: dict[str, list[_Link]] = defaultdict(list)
    for h, uscc, role, since, until in rows:
        out[h].append((uscc, role, _d(since), _d(until)))
    return out


def _revoked(store: BulkStore, usccs: Sequence[str]) -> dict[str, date | None]:
    rows = _select_in(
        store,
        f"SELECT uscc, status_on FROM enterprises WHERE {{in}} AND status = '{REVOKED}'",  # noqa: S608
        ["uscc"],
        usccs,
    )
    return {uscc: _d(on) for uscc, on in rows}


def gather_facts(store: BulkStore, subjects: Sequence[ParsedSubject]) -> list[SubjectFacts]:
    """The facts of every valid subject, in order, from a fixed number of queries."""
    usccs = sorted({s.key for s in subjects if s.kind == "enterprise" and s.key})
    hashes = sorted({s.key for s in subjects if s.kind == "person" and s.key})
    links = _links(store, hashes) if hashes else {}
    linked = sorted({link[0] for ls in links.values() for link in ls})
    revoked = _revoked(store, linked) if linked else {}
    all_usccs = sorted(set(usccs) | set(linked))
    entries = _list_facts(store, all_usccs) if all_usccs else {}
    by_uscc = _restrictions(store, "uscc", usccs)
    by_person = _restrictions(store, _PERSON_HASH_SQL[store.dialect], hashes)

    enterprises: dict[str, EnterpriseFact] = {}

    def enterprise(uscc: str) -> EnterpriseFact:
        if uscc not in enterprises:
            status = REVOKED if uscc in revoked else None
            enterprises[uscc] = EnterpriseFact(
                uscc, status, revoked.get(uscc), tuple(entries.get(uscc, ()))
            )
        return enterprises[uscc]

    out: list[SubjectFacts] = []
    for s in subjects:
        assert s.kind is not None and s.key is not None
        if s.kind == "enterprise":
            out.append(
                SubjectFacts(
                    "enterprise",
                    s.key,
                    s.label,
                    entries=tuple(entries.get(s.key, ())),
                    restrictions=tuple(by_uscc.get(s.key, ())),
                )
            )
        else:
            roles = tuple(
                RoleLink(role, since, until, enterprise(uscc))
                for uscc, role, since, until in links.get(s.key, ())
            )
            out.append(
                SubjectFacts("person", s.key, s.label, (), tuple(by_person.get(s.key, ())), roles)
            )
    return out


@dataclass(frozen=True, slots=True)
class CheckCall:
    call_id: int
    action: str
    as_of: date
    results: list[CheckResult]

    @property
    def restricted(self) -> int:
        return sum(r.restricted for r in self.results)

    @property
    def invalid(self) -> int:
        return sum(r.error is not None for r in self.results)


def check_subjects(
    session: Session,
    subjects: Sequence[str],
    action: str,
    *,
    as_of: date,
    asked_by: str,
    pii_key: bytes,
    catalogue: MeasureCatalogue,
    dept_code: str | None = None,
    channel: str = "api",
    now: datetime | None = None,
) -> CheckCall:
    """Check every subject (a USCC or an ID number) for ``action`` on ``as_of`` and log the
    call. An unreadable subject gets a result with ``error`` set; the others are checked.
    Raises ``UnknownActionError`` for an action the catalogue does not know."""
    if action not in catalogue.action_codes:
        raise UnknownActionError(action, catalogue.action_codes)
    parsed = [parse_subject(raw, pii_key) for raw in subjects]
    valid = [p for p in parsed if p.error is None]
    store = bulk_store(session)
    checked = iter(evaluate(f, action, catalogue, as_of) for f in gather_facts(store, valid))
    results = [
        next(checked)
        if p.error is None
        else CheckResult(None, None, p.label, False, (), SUBJECT_INVALID, p.error)
        for p in parsed
    ]
    call_id = _log(session, store, results, action, as_of, asked_by, dept_code, channel, now)
    return CheckCall(call_id, action, as_of, results)


_SUBJECT_COLS = ("call_id", "seq", "subject_kind", "subject_key", "label", "restricted", "error")
_HIT_COLS = ("call_id", "seq", "measure_code", "source", "ref", "via_uscc", "until")
# Below this many rows a plain INSERT beats COPY's set-up (a single check's latency).
_COPY_FROM = 500


def _insert(store: BulkStore, table: str, cols: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    if len(rows) >= _COPY_FROM:
        store.insert(table, cols, rows)
    elif rows:
        marks = ", ".join([store.ph] * len(cols))
        store.execute_many(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)  # noqa: S608


def _log(
    session: Session,
    store: BulkStore,
    results: Sequence[CheckResult],
    action: str,
    as_of: date,
    asked_by: str,
    dept_code: str | None,
    channel: str,
    now: datetime | None,
) -> int:
    call_id: int = session.execute(
        insert(CreditCheckCall)
        .values(
            asked_by=asked_by,
            dept_code=dept_code,
            channel=channel,
            action=action,
            as_of=as_of,
            asked_at=now or datetime.now(UTC),
            subjects=len(results),
            restricted=sum(r.restricted for r in results),
            invalid=sum(r.error is not None for r in results),
        )
        .returning(CreditCheckCall.id)
    ).scalar_one()
    subjects = [
        (call_id, i, r.subject_kind, r.subject_key, r.label[:40], r.restricted, r.error)
        for i, r in enumerate(results)
    ]
    _insert(store, "credit_check_subjects", _SUBJECT_COLS, subjects)
    hits = [
        (call_id, i, h.measure_code, h.source, h.ref, h.via_uscc, h.until)
        for i, r in enumerate(results)
        for h in r.hits
    ]
    _insert(store, "credit_check_hits", _HIT_COLS, hits)
    return call_id


@dataclass(frozen=True, slots=True)
class MeasureStat:
    measure_code: str
    times_restricted: int  # subject checks the measure restricted
    subjects: int  # distinct subjects among them


def restriction_stats(
    session: Session,
    *,
    since: date | None = None,
    until: date | None = None,
    action: str | None = None,
    dept_code: str | None = None,
) -> list[MeasureStat]:
    """Times restricted per measure over the checks made between ``since`` and ``until``
    (inclusive, by check date), optionally for one action or one asking department."""
    per_check = (
        select(CreditCheckHit.measure_code, CreditCheckHit.call_id, CreditCheckHit.seq)
        .join(CreditCheckCall, CreditCheckCall.id == CreditCheckHit.call_id)
        .distinct()
    )
    if since is not None:
        per_check = per_check.where(CreditCheckCall.as_of >= since)
    if until is not None:
        per_check = per_check.where(CreditCheckCall.as_of <= until)
    if action is not None:
        per_check = per_check.where(CreditCheckCall.action == action)
    if dept_code is not None:
        per_check = per_check.where(CreditCheckCall.dept_code == dept_code)
    sub = per_check.subquery()
    subj = CreditCheckSubject
    stmt = (
        select(sub.c.measure_code, func.count(), func.count(subj.subject_key.distinct()))
        .join(subj, (subj.call_id == sub.c.call_id) & (subj.seq == sub.c.seq))
        .group_by(sub.c.measure_code)
        .order_by(func.count().desc(), sub.c.measure_code)
    )
    return [MeasureStat(m, n, d) for m, n, d in session.execute(stmt)]


# -- the JSON form of a result, shared by the API and the CLI ------------------------------


def hit_json(h: Hit, catalogue: MeasureCatalogue) -> dict[str, Any]:
    m = catalogue.measure(h.measure_code)
    return {
        "measure": h.measure_code,
        "measure_name_zh": m.name_zh if m else None,
        "measure_name_en": m.name_en if m else None,
        "executing_dept": m.executing_dept if m else None,
        "source": h.source,
        "list": h.list_kind,
        "ref": h.ref,
        "via_uscc": h.via_uscc,
        "via_role": h.via_role,
        "decision_no": h.decision_no,
        "authority": h.authority,
        "legal_basis": h.basis,
        "since": h.since,
        "until": h.until,
    }


def result_json(index: int, r: CheckResult, catalogue: MeasureCatalogue) -> dict[str, Any]:
    out: dict[str, Any] = {
        "index": index,
        "subject": r.label,
        "kind": r.subject_kind,
        "restricted": r.restricted,
        "hits": [hit_json(h, catalogue) for h in r.hits],
        "error": None,
    }
    if r.error is not None:
        out["error"] = {"code": r.error, "message": r.error_message}
    return out
