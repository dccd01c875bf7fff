"""The one public read path: what the portal pages, the open API, the PDF credit report and
the open-data exports show of an enterprise and its records.

Every record shown goes through ``publicity.visibility`` and every value through
``publicity.public_fields``. SQL only narrows the candidates to records visibility could show
(active and published by ``as_of``); the rule decides. A record's ``RecordView`` carries the
subject's entity type and the day a credit repair took it off view (a publicity stop, or the
early removal of the list entry it belongs to).

Services take a Session and never commit; ``as_of`` is always passed in (the route reads the
clock). Sizes: an enterprise's records are read whole (hundreds at most for nearly all
enterprises); province-wide reads (notices, exports) walk the ``ix_records_public`` index in
bounded batches.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from pydantic import JsonValue
from sqlalchemy import (
    BindParameter,
    CompoundSelect,
    Select,
    and_,
    bindparam,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session

from entcredit.catalog.loader import load_catalog
from entcredit.catalog.model import Category, Field
from entcredit.core.uscc import normalize_code
from entcredit.ingest.rules import COMMON_FIELDS
from entcredit.lists.models import ListEntry
from entcredit.publicity import RecordView, public_fields, visibility
from entcredit.publicity.config import DEFAULT_CONFIG
from entcredit.publicity.models import PublicityStop
from entcredit.store.models import (
    Department,
    Enterprise,
    EnterpriseFormerName,
    Person,
    PersonRole,
    Record,
)

__all__ = [
    "CHOICE_FIELD",
    "NOTICE_KINDS",
    "RECORD_SECTIONS",
    "Badge",
    "EnterpriseProfile",
    "KeyPerson",
    "NoticeKind",
    "NoticePage",
    "PublicField",
    "PublicRecord",
    "PublicValues",
    "RecordPage",
    "badges",
    "chosen_public",
    "enterprise_profile",
    "iter_public_records",
    "iter_public_values",
    "iter_sections",
    "notice_regions",
    "notices",
    "public_records",
]

# The record sections of the enterprise page, in the national system's order (catalogue
# category names). Registration and key personnel come from the register.
RECORD_SECTIONS: tuple[str, ...] = (
    "license",
    "penalty",
    "inspection",
    "product_check",
    "abnormal_list",
    "serious_list",
    "annual_report",
    "support",
    "restriction",
)

NoticeKind = Literal["abnormal_listing", "abnormal_removal", "serious_listing", "inspection"]
# Notice kind -> (category, actions; None: every record of the category).
NOTICE_KINDS: Mapping[NoticeKind, tuple[str, tuple[str, ...] | None]] = {
    "abnormal_listing": ("abnormal_list", ("list", "mark")),
    "abnormal_removal": ("abnormal_list", ("remove", "unmark")),
    "serious_listing": ("serious_list", ("list",)),
    "inspection": ("inspection", None),
}

# The filer's choice to publish optional annual-report parts would travel as this field: a
# list of the opt-in field codes chosen (``PublicityConfig.opt_in_fields``). Exchange standard
# v1 has no such field, so until the catalogue grows it nothing optional is shown.
CHOICE_FIELD = "published_parts"

_SQL_BATCH = 5000  # ids per IN list and rows per keyset batch
_ROLE_ORDER = ("legal_rep", "director", "supervisor", "manager", "shareholder")

_BADGE_LABELS: Mapping[str, tuple[str, str]] = {
    "abnormal_listed": ("列入经营异常名录", "On the abnormal operations list"),
    "abnormal_marked": ("标记为经营异常状态", "Marked as abnormal"),
    "serious_listed": ("列入严重违法失信名单", "On the serious illegal dishonest list"),
}


# --------------------------------------------------------------------------- data shapes


@dataclass(frozen=True, slots=True)
class PublicField:
    """One public value with its catalogue labels; ``text_*`` resolve code values."""

    code: str
    label_zh: str
    label_en: str
    value: JsonValue
    text_zh: str
    text_en: str

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_zh

    def text(self, lang: str) -> str:
        return self.text_en if lang == "en" else self.text_zh


@dataclass(frozen=True, slots=True)
class Badge:
    """``kind`` status: ``code`` is the registration status; kind list: ``abnormal_listed``,
    ``abnormal_marked`` (individual businesses) or ``serious_listed``."""

    kind: Literal["status", "list"]
    code: str
    label_zh: str
    label_en: str

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_zh


@dataclass(frozen=True, slots=True)
class KeyPerson:
    name: str
    role: str
    role_zh: str
    role_en: str
    id_masked: str | None  # mask_id form only; the store keeps nothing more
    since: date | None

    def role_label(self, lang: str) -> str:
        return self.role_en if lang == "en" else self.role_zh


@dataclass(frozen=True, slots=True)
class PublicRecord:
    """A visible record. ``values`` is everything ``public_fields`` lets out, by field code
    (common fields included; for the API and exports); ``fields`` the category's own public
    fields, labelled (for pages and the PDF)."""

    record_id: int
    category: str
    enterprise_id: int | None
    uscc: str | None
    subject_name: str
    enterprise_name: str | None  # the registered name now, when the subject is registered
    region_code: str | None
    dept_code: str
    dept_name: str | None
    authority: str
    produced_on: date
    published_on: date
    public_until: date | None  # last day shown; None: no end
    values: Mapping[str, JsonValue]
    fields: tuple[PublicField, ...]

    def text(self, code: str, lang: str) -> str:
        """Display text of one of ``fields``; empty when the record has no such value."""
        return next((f.text(lang) for f in self.fields if f.code == code), "")


class PublicValues(NamedTuple):
    """A visible record as bulk exports need it: ``values`` as in ``PublicRecord``, without
    the labelled fields only pages use."""

    published_on: date
    public_until: date | None  # last day shown; None: no end
    values: dict[str, JsonValue]


@dataclass(frozen=True, slots=True)
class RecordPage:
    category: str
    items: tuple[PublicRecord, ...]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


@dataclass(frozen=True, slots=True)
class NoticePage:
    """Newest first. No total: counting every visible notice of the province per request
    would read the whole category; ``has_next`` says whether a next page exists."""

    kind: NoticeKind
    items: tuple[PublicRecord, ...]
    page: int
    page_size: int
    has_next: bool


@dataclass(frozen=True, slots=True)
class EnterpriseProfile:
    """Registration information (through ``public_fields``), key personnel, badges and the
    number of visible records per record section on ``as_of``."""

    enterprise_id: int
    uscc: str
    reg_no: str | None
    name: str
    entity_type: str
    legal_rep: str
    reg_capital: str | None  # 万元, canonical decimal text
    established_on: date
    reg_authority: str
    region_code: str
    address: str
    industry_code: str | None
    status: str
    status_on: date | None
    former_names: tuple[str, ...]
    registration: tuple[PublicField, ...]  # the same, labelled, in catalogue order
    personnel: tuple[KeyPerson, ...]
    badges: tuple[Badge, ...]
    counts: Mapping[str, int]  # RECORD_SECTIONS -> visible records
    as_of: date


# ------------------------------------------------------------------------------ helpers


_YES_NO = {True: ("是", "Yes"), False: ("否", "No")}


def _texts(f: Field, value: JsonValue) -> tuple[str, str]:
    """(zh, en) display text of a value: code values by their catalogue labels."""
    labels = {c.code: (c.label_zh, c.label_en) for c in f.codes} if f.codes else {}
    if isinstance(value, list):
        items = [labels.get(str(v), (str(v), str(v))) for v in value]
        return "、".join(z for z, _ in items), ", ".join(e for _, e in items)
    if isinstance(value, bool):
        return labels.get("true" if value else "false", _YES_NO[value])
    if value is None:
        return "", ""
    return labels.get(str(value), (str(value), str(value)))


def _labelled(
    cat: Category, values: Mapping[str, JsonValue], skip: Collection[str] = ()
) -> tuple[PublicField, ...]:
    out = []
    for f in cat.fields:
        if f.code in values and f.code not in skip:
            zh, en = _texts(f, values[f.code])
            out.append(PublicField(f.code, f.label_zh, f.label_en, values[f.code], zh, en))
    return tuple(out)


def chosen_public(fields: Mapping[str, Any]) -> frozenset[str]:
    """The optional parts the filer chose to publish (see ``CHOICE_FIELD``)."""
    chosen = fields.get(CHOICE_FIELD)
    if not isinstance(chosen, list):
        return frozenset()
    return frozenset(c for c in chosen if isinstance(c, str))


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for i in range(0, len(ids), _SQL_BATCH):
        yield ids[i : i + _SQL_BATCH]


# The ids go in as one expanding parameter: an ``in_(ids)`` built per batch coerces every id
# into a bound literal, thousands per batch, which bulk exports felt.
_IDS: BindParameter[int] = bindparam("ids", expanding=True)
_REPAIRS: CompoundSelect[Any] = union_all(
    select(PublicityStop.record_id, PublicityStop.stopped_on).where(
        PublicityStop.record_id.in_(_IDS)
    ),
    select(ListEntry.listing_record_id, ListEntry.ended_on).where(
        ListEntry.repaired,  # as the partial indexes state it
        ListEntry.listing_record_id.in_(_IDS),
    ),
    select(ListEntry.removal_record_id, ListEntry.ended_on).where(
        ListEntry.repaired, ListEntry.removal_record_id.in_(_IDS)
    ),
)


def _repaired_on(session: Session, record_ids: Sequence[int]) -> dict[int, date]:
    """Day a credit repair took each record off view: its publicity stop, or the early end of
    the repaired list entry it lists or removes. The earliest wins."""
    out: dict[int, date] = {}
    for chunk in _chunks(record_ids):
        for rid, on in session.execute(_REPAIRS, {"ids": list(chunk)}):
            if rid is not None and on is not None and (rid not in out or on < out[rid]):
                out[rid] = on
    return out


# What ``visibility`` and ``public_fields`` read of a record (with the subject's entity type),
# first in every record query and in this order: ``_judged`` and ``_values`` unpack rows by
# position (``_judged_part``), several times cheaper per row than by name.
_JUDGED_COLUMNS = (
    Record.id,
    Record.category,
    Record.status,
    Record.published_on,
    Record.produced_on,
    Record.fields,
    Record.uscc,
    Record.subject_name,
    Record.authority,
    Record.dept_code,
    Enterprise.entity_type,
)
_N_JUDGED = len(_JUDGED_COLUMNS)


def _judged_part(row: Any) -> tuple[Any, ...]:
    """(id, category, status, published_on, produced_on, fields, uscc, subject_name,
    authority, dept_code, entity_type) of a record row."""
    judged: tuple[Any, ...] = row[:_N_JUDGED]
    return judged


def _record_query() -> Select[Any]:
    return (
        select(
            *_JUDGED_COLUMNS,
            Record.enterprise_id,
            Enterprise.name.label("enterprise_name"),
            Enterprise.region_code,
            Department.name.label("dept_name"),
        )
        .outerjoin(Enterprise, Enterprise.id == Record.enterprise_id)
        .outerjoin(Department, Department.dept_code == Record.dept_code)
    )


def _values_query() -> Select[Any]:
    """Only what judging a record and its values needs: no names for pages."""
    return select(*_JUDGED_COLUMNS).outerjoin(Enterprise, Enterprise.id == Record.enterprise_id)


def _candidates(as_of: date) -> tuple[Any, ...]:
    # Necessary for visibility (see the module docstring); the rule still decides.
    return (
        Record.status == "active",
        Record.published_on.is_not(None),
        Record.published_on <= as_of,
    )


def _judged(
    session: Session, rows: Sequence[Any], as_of: date
) -> Iterator[tuple[Any, date | None]]:
    """The rows ``visibility`` shows on ``as_of``, in the given order, with their last public
    day."""
    catalog = load_catalog()
    repairs = _repaired_on(session, [r[0] for r in rows])
    for row in rows:
        rid, category, status, published_on, produced_on, fields, _, _, _, _, entity_type = (
            _judged_part(row)
        )
        own = fields or {}
        view = RecordView(
            category=category,
            status=status,
            published_on=published_on,
            produced_on=produced_on,
            fields=own,
            entity_type=entity_type,
            repaired_on=repairs.get(rid),
            chosen_public=chosen_public(own),
        )
        vis = visibility(view, as_of, DEFAULT_CONFIG, catalog)
        if vis.visible:
            yield row, vis.public_until


def _values(row: Any, cat: Category) -> dict[str, JsonValue]:
    """A visible row's values as the public sees them: through ``public_fields``."""
    _, _, _, _, produced_on, fields, uscc, subject_name, authority, dept_code, _ = _judged_part(row)
    own: dict[str, Any] = fields or {}
    return public_fields(
        cat,
        {
            **own,
            "dept_code": dept_code,
            "uscc": uscc,
            "subject_name": subject_name,
            "produced_on": produced_on.isoformat(),
            "authority": authority,
        },
        chosen_public=chosen_public(own),
        config=DEFAULT_CONFIG,
    )


def _public(row: Any, public_until: date | None) -> PublicRecord:
    """A visible row as the public sees it: its values, and those labelled for pages."""
    cat = load_catalog().category(row.category)
    values = _values(row, cat)
    return PublicRecord(
        record_id=row.id,
        category=row.category,
        enterprise_id=row.enterprise_id,
        uscc=row.uscc,
        subject_name=str(values.get("subject_name", "")),
        enterprise_name=row.enterprise_name,
        region_code=row.region_code,
        dept_code=row.dept_code,
        dept_name=row.dept_name,
        authority=str(values.get("authority", "")),
        produced_on=row.produced_on,
        published_on=row.published_on,
        public_until=public_until,
        values=values,
        fields=_labelled(cat, values, skip=COMMON_FIELDS),
    )


def _visible(session: Session, rows: Sequence[Any], as_of: date) -> Iterator[PublicRecord]:
    return (_public(row, until) for row, until in _judged(session, rows, as_of))


# ------------------------------------------------------------------------------ badges


def badges(
    session: Session, enterprise_ids: Collection[int], *, as_of: date
) -> dict[int, list[Badge]]:
    """Status badge and list badges (an entry in force on the abnormal or the serious list)
    of each enterprise; one query for the whole collection. ``as_of`` is accepted so every
    public read has the same shape; list entries carry their own current state."""
    del as_of
    if not enterprise_ids:
        return {}
    status_labels = {c.code: c for c in load_catalog().category("enterprise").field("status").codes}
    out: dict[int, list[Badge]] = {}
    listed: dict[int, set[str]] = {}
    stmt = (
        select(Enterprise.id, Enterprise.status, Enterprise.entity_type, ListEntry.list_kind)
        .outerjoin(
            ListEntry,
            and_(ListEntry.enterprise_id == Enterprise.id, ListEntry.in_force.is_(True)),
        )
        .where(Enterprise.id.in_(list(enterprise_ids)))
    )
    for eid, status, entity_type, list_kind in session.execute(stmt):
        if eid not in out:
            item = status_labels.get(status)
            out[eid] = [
                Badge(
                    "status",
                    status,
                    item.label_zh if item else status,
                    item.label_en if item else status,
                )
            ]
        if list_kind == "abnormal":
            listed.setdefault(eid, set()).add(
                "abnormal_marked" if entity_type == "individual" else "abnormal_listed"
            )
        elif list_kind == "serious":
            listed.setdefault(eid, set()).add("serious_listed")
    for eid, codes in listed.items():
        out[eid].extend(Badge("list", c, *_BADGE_LABELS[c]) for c in sorted(codes))
    return out


# ----------------------------------------------------------------------- enterprise page


def _personnel(session: Session, enterprise_id: int, as_of: date) -> tuple[KeyPerson, ...]:
    cat = load_catalog().category("person_role")
    roles = {c.code: c for c in cat.field("role").codes}
    stmt = (
        select(Person.name, Person.id_masked, PersonRole.role, PersonRole.since, PersonRole.until)
        .join(Person, Person.id == PersonRole.person_id)
        .where(
            PersonRole.enterprise_id == enterprise_id,
            or_(PersonRole.until.is_(None), PersonRole.until >= as_of),
            or_(PersonRole.since.is_(None), PersonRole.since <= as_of),
        )
    )
    people: list[KeyPerson] = []
    for name, id_masked, role, since, until in session.execute(stmt):
        values = public_fields(
            cat,
            {
                "person_name": name,
                "person_id": id_masked,
                "role": role,
                "since": since.isoformat() if since else None,
                "until": until.isoformat() if until else None,
            },
        )
        label = roles.get(role)
        masked = values.get("person_id")
        people.append(
            KeyPerson(
                name=str(values.get("person_name", "")),
                role=role,
                role_zh=label.label_zh if label else role,
                role_en=label.label_en if label else role,
                id_masked=masked if isinstance(masked, str) else None,
                since=since,
            )
        )
    rank = {r: i for i, r in enumerate(_ROLE_ORDER)}
    people.sort(key=lambda p: (rank.get(p.role, len(rank)), p.name))
    return tuple(people)


def _enterprise_rows(
    session: Session, enterprise_id: int, category: str | None, as_of: date
) -> list[Any]:
    stmt = _record_query().where(Record.enterprise_id == enterprise_id, *_candidates(as_of))
    if category is not None:
        stmt = stmt.where(Record.category == category)
    return list(session.execute(stmt.order_by(Record.produced_on.desc(), Record.id.desc())))


def enterprise_profile(session: Session, uscc: str, *, as_of: date) -> EnterpriseProfile | None:
    """The enterprise registered under ``uscc`` as the public sees it on ``as_of``, or None."""
    ent = session.scalar(select(Enterprise).where(Enterprise.uscc == normalize_code(uscc)))
    if ent is None:
        return None
    former = list(
        session.scalars(
            select(EnterpriseFormerName.name)
            .where(EnterpriseFormerName.enterprise_id == ent.id)
            .order_by(EnterpriseFormerName.id)
        )
    )
    capital = (
        format(Decimal(ent.reg_capital).normalize(), "f") if ent.reg_capital is not None else None
    )
    cat = load_catalog().category("enterprise")
    values = public_fields(
        cat,
        {
            "uscc": ent.uscc,
            "name": ent.name,
            "entity_type": ent.entity_type,
            "legal_rep": ent.legal_rep,
            "reg_capital": capital,
            "established_on": ent.established_on.isoformat(),
            "reg_authority": ent.reg_authority,
            "region_code": ent.region_code,
            "address": ent.address,
            "industry_code": ent.industry_code,
            "status": ent.status,
            "status_on": ent.status_on.isoformat() if ent.status_on else None,
            "is_listed": ent.is_listed,
            "former_names": former,
            "reg_no": ent.reg_no,
        },
    )
    present = {k: v for k, v in values.items() if v is not None and v != []}
    counts = dict.fromkeys(RECORD_SECTIONS, 0)
    for row, _until in _judged(session, _enterprise_rows(session, ent.id, None, as_of), as_of):
        if row.category in counts:
            counts[row.category] += 1
    names = values.get("former_names")
    return EnterpriseProfile(
        enterprise_id=ent.id,
        uscc=ent.uscc,
        reg_no=ent.reg_no,
        name=str(values["name"]),
        entity_type=ent.entity_type,
        legal_rep=str(values.get("legal_rep", "")),
        reg_capital=capital,
        established_on=ent.established_on,
        reg_authority=str(values.get("reg_authority", "")),
        region_code=ent.region_code,
        address=str(values.get("address", "")),
        industry_code=ent.industry_code,
        status=ent.status,
        status_on=ent.status_on,
        former_names=tuple(str(n) for n in names) if isinstance(names, list) else (),
        registration=_labelled(cat, present),
        personnel=_personnel(session, ent.id, as_of),
        badges=tuple(badges(session, [ent.id], as_of=as_of).get(ent.id, [])),
        counts=counts,
        as_of=as_of,
    )


def public_records(
    session: Session,
    enterprise_id: int,
    category: str,
    *,
    as_of: date,
    page: int = 1,
    page_size: int = 20,
) -> RecordPage:
    """One page of an enterprise's visible records of ``category``, newest decision first."""
    page, page_size = max(1, page), max(1, page_size)
    rows = _enterprise_rows(session, enterprise_id, category, as_of)
    visible = list(_judged(session, rows, as_of))
    start = (page - 1) * page_size
    items = tuple(_public(row, until) for row, until in visible[start : start + page_size])
    return RecordPage(category, items, len(visible), page, page_size)


# ------------------------------------------------------------------- province-wide reads


def _batches(
    session: Session, stmt: Select[Any], as_of: date, *, newest_first: bool, batch_size: int
) -> Iterator[Sequence[Any]]:
    """Walk ``stmt`` by (published_on, id) keyset in bounded batches (the ``ix_records_public``
    index): constant memory whatever the category's size. Yields the rows of each batch; the
    caller judges them."""
    key = tuple_(Record.published_on, Record.id)
    order = (
        (Record.published_on.desc(), Record.id.desc())
        if newest_first
        else (Record.published_on, Record.id)
    )
    last: tuple[date, int] | None = None
    while True:
        q = stmt
        if last is not None:
            q = q.where(key < tuple_(*last) if newest_first else key > tuple_(*last))
        rows = session.execute(q.order_by(*order).limit(batch_size)).all()
        if not rows:
            return
        yield rows
        last = (rows[-1].published_on, rows[-1].id)
        if len(rows) < batch_size:
            return


def iter_public_records(
    session: Session, category: str, *, as_of: date, batch_size: int = _SQL_BATCH
) -> Iterator[PublicRecord]:
    """Every record of ``category`` visible on ``as_of`` across the province, in publication
    order (then id), streamed in batches of ``batch_size`` rows (exports, which need no
    labelled fields, read ``iter_public_values``)."""
    stmt = _record_query().where(Record.category == category, *_candidates(as_of))
    for rows in _batches(session, stmt, as_of, newest_first=False, batch_size=max(1, batch_size)):
        yield from _visible(session, rows, as_of)


def iter_public_values(
    session: Session, category: str, *, as_of: date, batch_size: int = _SQL_BATCH
) -> Iterator[PublicValues]:
    """``iter_public_records`` for bulk exports: the same records, judged and filtered by the
    same code (``_judged``, ``_values``), without what only pages use (names of the enterprise
    and department, labelled fields)."""
    catalog = load_catalog()
    if category not in catalog:
        return  # ``visibility`` shows no record of an unknown category
    cat = catalog.category(category)
    stmt = _values_query().where(Record.category == category, *_candidates(as_of))
    for rows in _batches(session, stmt, as_of, newest_first=False, batch_size=max(1, batch_size)):
        for row, until in _judged(session, rows, as_of):
            yield PublicValues(row[3], until, _values(row, cat))  # row[3]: published_on


def _region_range(code: str) -> tuple[str, str]:
    """GB/T 2260: ``440000`` is the province, ``440300`` a city, ``440305`` a county."""
    if code.endswith("0000"):
        return code[:2] + "0000", code[:2] + "9999"
    if code.endswith("00"):
        return code[:4] + "00", code[:4] + "99"
    return code, code


def notices(
    session: Session,
    kind: NoticeKind,
    *,
    date_from: date | None,
    date_to: date | None,
    region_code: str | None,
    as_of: date,
    page: int = 1,
    page_size: int = 20,
) -> NoticePage:
    """Public notices (公告) of ``kind``: visible records published between ``date_from`` and
    ``date_to`` (inclusive) whose subject is registered in ``region_code`` (a 6-digit
    province, city or county code), newest publication first. Deep pages cost their offset:
    callers bound ``page``."""
    category, actions = NOTICE_KINDS[kind]
    page, page_size = max(1, page), max(1, page_size)
    stmt = _record_query().where(Record.category == category, *_candidates(as_of))
    if actions is not None:
        stmt = stmt.where(Record.fields["action"].as_string().in_(actions))
    if date_from is not None:
        stmt = stmt.where(Record.published_on >= date_from)
    if date_to is not None:
        stmt = stmt.where(Record.published_on <= date_to)
    if region_code is not None:
        lo, hi = _region_range(region_code)
        stmt = stmt.where(Enterprise.region_code.between(lo, hi))
    skip, items = (page - 1) * page_size, []
    batch = min(_SQL_BATCH, max(page * page_size + 1, 100))
    for rows in _batches(session, stmt, as_of, newest_first=True, batch_size=batch):
        for rec in _visible(session, rows, as_of):
            if skip:
                skip -= 1
                continue
            items.append(rec)
            if len(items) > page_size:
                break
        if len(items) > page_size:
            break
    return NoticePage(kind, tuple(items[:page_size]), page, page_size, len(items) > page_size)


def notice_regions(session: Session) -> list[tuple[str, str]]:
    """(city code, name) of the cities the departments sit in, for the notices filter. The
    name is read off the city-level department name (``深圳市市场监督管理局`` -> ``深圳市``)."""
    rows = session.execute(
        select(Department.region_code, Department.name, Department.level).order_by(
            Department.region_code
        )
    )
    cities: dict[str, str] = {}
    for code, name, level in rows:
        if not (isinstance(code, str) and len(code) == 6 and code.isdigit()):
            continue
        city = code[:4] + "00"
        if city.endswith("0000"):
            continue
        cut = _city_name(name) if level == "city" and code == city else None
        if cut or city not in cities:
            cities[city] = cut or cities.get(city, "")
    return sorted(cities.items())


def _city_name(dept_name: str) -> str | None:
    for suffix in ("市", "州", "盟"):
        i = dept_name.find(suffix)
        if i > 0:
            return dept_name[: i + 1]
    return None


def iter_sections() -> Iterable[tuple[str, str, str]]:
    """(category, label_zh, label_en) of the record sections."""
    catalog = load_catalog()
    for name in RECORD_SECTIONS:
        cat = catalog.category(name)
        yield name, cat.label_zh, cat.label_en
