"""Credit repair applications in the store: submission with evidence, the owning department's
review, and the effect of an approval (rules.md §5).

Every function takes the caller's ``Session`` and never commits; each change is audited in the
same transaction. Approval takes effect at once everywhere, because every consumer reads the
same rows: a penalty gets a ``publicity_stops`` row (``publicity.visibility`` hides it from
the public portal, the open API and reports from that day), a list entry is removed early
through the lists' state machine (``lists.service.remove_early``), which also ends the
measures the credit check derives from it.

Evidence files are kept on disk, content-addressed by SHA-256 under
``<data_dir>/repair-evidence``, not in the database: they are megabytes each, never queried,
and would bloat the store and its backups; the row keeps the hash, checked on every read, so
a changed file is detected. A rolled-back submission may leave an unreferenced file, which is
harmless (the same bytes uploaded again reuse it).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from entcredit.audit.models import utcnow
from entcredit.audit.service import append_event
from entcredit.core.calendar import WorkCalendar
from entcredit.identity.rules import REGULATOR_ROLES, Principal, can_access_department
from entcredit.lists.config import ListRules
from entcredit.lists.models import ListEntry
from entcredit.lists.serious import HEAVIER_KINDS, SeriousEntry
from entcredit.lists.serious import RepairFacts as SeriousRepairFacts
from entcredit.lists.service import remove_early
from entcredit.lists.store import ListsContext, entry_of, load_rules
from entcredit.publicity.config import DEFAULT_CONFIG, PublicityConfig
from entcredit.publicity.models import PublicityStop
from entcredit.publicity.rules import Reason, RecordView, RepairFacts, visibility
from entcredit.repair.auth import EnterpriseIdentity
from entcredit.repair.models import RepairApplication, RepairEvidence
from entcredit.repair.rules import (
    OPEN_STATES,
    AppState,
    RepairEligibility,
    RepairKind,
    ReviewLimits,
    Why,
    abnormal_eligibility,
    after_review,
    due_date,
    penalty_eligibility,
    serious_eligibility,
)
from entcredit.settings import Settings
from entcredit.store.models import Enterprise, Record

# The 守信承诺书 text the enterprise accepts; bump when the text in messages.py changes.
PLEDGE_VERSION = "2026-1"
EVIDENCE_DIR = "repair-evidence"
# Magic bytes of the only accepted evidence types.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
REPAIR_REASON = "credit_repair"
_TEXT_MAX = 4000


class RepairError(ValueError):
    """A refused repair operation; ``code`` is stable, ``reasons`` explain an ineligibility."""

    def __init__(self, code: str, message: str, reasons: Sequence[Why] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.reasons = tuple(reasons)


@dataclass(frozen=True, slots=True)
class RepairConfig:
    limits: ReviewLimits
    max_files: int
    max_bytes: int
    data_dir: Path
    settings: Settings  # for the lists' context of an approval
    publicity: PublicityConfig = DEFAULT_CONFIG
    list_rules: ListRules = field(default_factory=ListRules)

    @classmethod
    def from_settings(cls, settings: Settings) -> RepairConfig:
        return cls(
            limits=ReviewLimits(
                settings.repair_accept_working_days, settings.repair_decide_working_days
            ),
            max_files=settings.repair_max_evidence_files,
            max_bytes=settings.repair_max_evidence_bytes,
            data_dir=settings.data_dir,
            settings=settings,
            list_rules=load_rules(settings),
        )


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Target:
    """What an application is about: a penalty record or a list entry of the enterprise."""

    kind: RepairKind
    dept_code: str
    record: Record | None = None
    entry: ListEntry | None = None

    @property
    def label(self) -> str:
        if self.record is not None:
            return str(self.record.fields.get("decision_no") or self.record.source_id)
        assert self.entry is not None
        return self.entry.decision_no or self.entry.entry_key


# -- evidence ---------------------------------------------------------------------------------


def sniff_media_type(data: bytes) -> str | None:
    """``application/pdf``, ``image/jpeg`` or ``image/png`` by magic bytes, else None."""
    for magic, media in _MAGIC:
        if data.startswith(magic):
            return media
    return None


def evidence_path(data_dir: Path, sha256: str) -> Path:
    return data_dir / EVIDENCE_DIR / sha256[:2] / sha256


def store_evidence(data_dir: Path, data: bytes) -> str:
    """Write the bytes once under their SHA-256 (atomically); return the hash."""
    digest = hashlib.sha256(data).hexdigest()
    path = evidence_path(data_dir, digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return digest


def read_evidence(data_dir: Path, item: RepairEvidence) -> bytes:
    """The stored bytes, checked against the recorded hash."""
    data = evidence_path(data_dir, item.sha256).read_bytes()
    if hashlib.sha256(data).hexdigest() != item.sha256:
        raise RepairError("evidence_corrupt", f"evidence file {item.id} does not match its hash")
    return data


def _check_uploads(uploads: Sequence[Upload], config: RepairConfig) -> list[tuple[Upload, str]]:
    files = [u for u in uploads if u.data]
    if len(files) > config.max_files:
        raise RepairError("too_many_files", f"at most {config.max_files} evidence files")
    checked: list[tuple[Upload, str]] = []
    for u in files:
        if len(u.data) > config.max_bytes:
            raise RepairError("file_too_large", f"{u.filename}: larger than {config.max_bytes}")
        media = sniff_media_type(u.data)
        if media is None:
            raise RepairError("file_type", f"{u.filename}: only PDF, JPEG or PNG files")
        checked.append((u, media))
    return checked


# -- targets and eligibility ------------------------------------------------------------------


def find_target(
    session: Session, enterprise_id: int, kind: RepairKind, target_id: int, *, lock: bool = False
) -> Target:
    """The enterprise's own penalty record or list entry; ``not_found`` for anything else
    (another enterprise's target looks exactly like a missing one)."""
    if kind is RepairKind.PENALTY:
        rec = session.get(Record, target_id, with_for_update=lock)
        if (
            rec is None
            or rec.enterprise_id != enterprise_id
            or rec.category != "penalty"
            or rec.status != "active"
        ):
            raise RepairError("not_found", "no such penalty of this enterprise")
        return Target(kind, rec.dept_code, record=rec)
    entry = session.get(ListEntry, target_id, with_for_update=lock)
    if entry is None or entry.enterprise_id != enterprise_id or entry.list_kind != kind.value:
        raise RepairError("not_found", "no such list entry of this enterprise")
    if not entry.dept_code:
        raise RepairError("no_department", "the entry has no owning department")
    return Target(kind, entry.dept_code, entry=entry)


def _on_any_list(session: Session, enterprise_id: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    ListEntry.enterprise_id == enterprise_id, ListEntry.in_force.is_(True)
                )
            )
        )
    )


def _later_penalties(session: Session, enterprise_id: int, after: date) -> list[Record]:
    return list(
        session.scalars(
            select(Record).where(
                Record.enterprise_id == enterprise_id,
                Record.category == "penalty",
                Record.status == "active",
                Record.produced_on > after,
            )
        )
    )


def _kinds(fields: dict[str, Any]) -> set[str]:
    raw = fields.get("penalty_kinds") or []
    items = raw.replace("；", ";").replace(",", ";").split(";") if isinstance(raw, str) else raw
    return {str(k).strip().lower() for k in items if str(k).strip()}


def _stop_of(session: Session, record_id: int) -> PublicityStop | None:
    return session.get(PublicityStop, record_id)


def record_view(session: Session, rec: Record, entity_type: str | None) -> RecordView:
    stop = _stop_of(session, rec.id)
    return RecordView(
        category=rec.category,
        status=rec.status,
        published_on=rec.published_on,
        produced_on=rec.produced_on,
        fields=rec.fields,
        entity_type=entity_type,
        repaired_on=stop.stopped_on if stop is not None else None,
    )


def _serious_facts(
    session: Session, entry: ListEntry, *, obligations_fulfilled: bool, harm_remedied: bool
) -> SeriousRepairFacts:
    """The declared facts plus the store's: any heavier penalty decided since the listing."""
    assert entry.enterprise_id is not None and entry.listed_on is not None
    heavier = any(
        bool(_kinds(p.fields) & HEAVIER_KINDS) or p.fields.get("heavier") is True
        for p in _later_penalties(session, entry.enterprise_id, entry.listed_on)
    )
    return SeriousRepairFacts(
        obligations_fulfilled=obligations_fulfilled,
        harm_remedied=harm_remedied,
        new_heavier_penalty=heavier,
    )


_ALREADY = Why("already_repaired", "已信用修复", "Already repaired")


def eligibility(
    session: Session,
    target: Target,
    *,
    obligations_fulfilled: bool,
    harm_remedied: bool,
    as_of: date,
    config: RepairConfig,
) -> RepairEligibility:
    """The pure rules on the facts of the store plus what the enterprise declares (obligations
    fulfilled, harm remedied / reason corrected: the department verifies them in review).
    "A new penalty of the same type" is a later active penalty with the same
    ``violation_type``."""
    if target.record is not None:
        rec = target.record
        assert rec.enterprise_id is not None
        if _stop_of(session, rec.id) is not None:
            return RepairEligibility(False, (_ALREADY,))
        ent = session.get(Enterprise, rec.enterprise_id)
        vtype = rec.fields.get("violation_type")
        same_type = any(
            p.id != rec.id and p.fields.get("violation_type") == vtype
            for p in _later_penalties(session, rec.enterprise_id, rec.produced_on)
        )
        penalty_facts = RepairFacts(
            obligations_fulfilled=obligations_fulfilled,
            harm_remedied=harm_remedied,
            new_penalty_same_type=same_type,
            on_any_list=_on_any_list(session, rec.enterprise_id),
        )
        return penalty_eligibility(
            rec.fields,
            published_on=rec.published_on,
            produced_on=rec.produced_on,
            entity_type=ent.entity_type if ent is not None else None,
            facts=penalty_facts,
            as_of=as_of,
            config=config.publicity,
        )
    entry = target.entry
    assert entry is not None and entry.enterprise_id is not None
    if entry.repaired:
        return RepairEligibility(False, (_ALREADY,))
    if target.kind is RepairKind.ABNORMAL:
        return abnormal_eligibility(entry.state, corrected=obligations_fulfilled)
    serious = entry_of(entry)
    assert isinstance(serious, SeriousEntry)
    if entry.listed_on is None:
        no_facts = SeriousRepairFacts(False, False, False)
        return serious_eligibility(serious, no_facts, as_of, config.list_rules)
    facts = _serious_facts(
        session, entry, obligations_fulfilled=obligations_fulfilled, harm_remedied=harm_remedied
    )
    return serious_eligibility(serious, facts, as_of, config.list_rules)


def _open_application(session: Session, target: Target) -> RepairApplication | None:
    stmt = select(RepairApplication).where(
        RepairApplication.kind == target.kind.value,
        RepairApplication.state.in_([s.value for s in OPEN_STATES]),
    )
    if target.record is not None:
        stmt = stmt.where(RepairApplication.record_id == target.record.id)
    else:
        assert target.entry is not None
        stmt = stmt.where(RepairApplication.list_entry_id == target.entry.id)
    return session.scalars(stmt.limit(1)).first()


# -- submission -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RepairForm:
    reason: str
    corrective_actions: str
    obligations_fulfilled: bool
    harm_remedied: bool
    pledge_accepted: bool


def form_problems(form: RepairForm) -> dict[str, str]:
    """Field -> message key of what is missing in the form (empty: complete)."""
    problems: dict[str, str] = {}
    if not form.reason.strip():
        problems["reason"] = "repair_err_reason"
    elif len(form.reason) > _TEXT_MAX:
        problems["reason"] = "repair_err_too_long"
    if not form.corrective_actions.strip():
        problems["corrective_actions"] = "repair_err_actions"
    elif len(form.corrective_actions) > _TEXT_MAX:
        problems["corrective_actions"] = "repair_err_too_long"
    if not form.pledge_accepted:
        problems["pledge"] = "repair_err_pledge"
    return problems


def submit_application(
    session: Session,
    who: EnterpriseIdentity,
    kind: RepairKind,
    target_id: int,
    form: RepairForm,
    uploads: Sequence[Upload],
    *,
    as_of: date,
    config: RepairConfig,
    calendar: WorkCalendar,
    now: datetime | None = None,
) -> RepairApplication:
    """File an application. Refused (``RepairError``) when the form is incomplete, the
    evidence is not acceptable, another application for the target is open, or the rules say
    no (``ineligible``, with every reason)."""
    if form_problems(form):
        raise RepairError("form_incomplete", "reason, corrective actions and pledge are required")
    checked = _check_uploads(uploads, config)
    target = find_target(session, who.enterprise_id, kind, target_id, lock=True)
    if _open_application(session, target) is not None:
        raise RepairError("already_open", "an application for this record is already open")
    answer = eligibility(
        session,
        target,
        obligations_fulfilled=form.obligations_fulfilled,
        harm_remedied=form.harm_remedied,
        as_of=as_of,
        config=config,
    )
    if not answer.eligible:
        raise RepairError("ineligible", "not eligible for credit repair", answer.reasons)
    when = now if now is not None else utcnow()
    accept_due, provisional = due_date(as_of, config.limits.accept_working_days, calendar)
    app = RepairApplication(
        kind=kind.value,
        enterprise_id=who.enterprise_id,
        uscc=who.uscc,
        record_id=target.record.id if target.record is not None else None,
        list_entry_id=target.entry.id if target.entry is not None else None,
        dept_code=target.dept_code,
        state=AppState.SUBMITTED.value,
        reason=form.reason.strip(),
        corrective_actions=form.corrective_actions.strip(),
        obligations_fulfilled=form.obligations_fulfilled,
        harm_remedied=form.harm_remedied,
        pledge_version=PLEDGE_VERSION,
        submitted_at=when,
        submitted_on=as_of,
        accept_due=accept_due,
        due_provisional=provisional,
        version=1,
    )
    session.add(app)
    session.flush()
    for upload, media in checked:
        digest = store_evidence(config.data_dir, upload.data)
        session.add(
            RepairEvidence(
                application_id=app.id,
                filename=Path(upload.filename).name[:200] or "evidence",
                media_type=media,
                size=len(upload.data),
                sha256=digest,
            )
        )
    session.flush()
    append_event(
        session,
        actor=who.actor,
        tag="repair:submit",
        subject_id=app.id,
        details={
            "kind": kind.value,
            "target": target.label,
            "dept_code": target.dept_code,
            "evidence": len(checked),
        },
        occurred_at=when,
    )
    return app


# -- review -----------------------------------------------------------------------------------


def get_for_review(session: Session, principal: Principal, app_id: int) -> RepairApplication:
    """The application if the principal's department owns it (regulators: any); another
    department's application is ``not_found`` rather than forbidden, so ids reveal nothing."""
    app = session.get(RepairApplication, app_id)
    if app is None or not can_access_department(principal, app.dept_code):
        raise RepairError("not_found", "no such application")
    return app


def review_queue(
    session: Session, principal: Principal, *, open_only: bool = True
) -> list[RepairApplication]:
    stmt = select(RepairApplication).order_by(RepairApplication.accept_due, RepairApplication.id)
    if not (principal.kind == "staff" and principal.has_any_role(REGULATOR_ROLES)):
        stmt = stmt.where(RepairApplication.dept_code == (principal.dept_code or ""))
    if open_only:
        stmt = stmt.where(RepairApplication.state.in_([s.value for s in OPEN_STATES]))
    return list(session.scalars(stmt.limit(1000)))


def review_application(
    session: Session,
    principal: Principal,
    app_id: int,
    action: str,
    *,
    as_of: date,
    config: RepairConfig,
    calendar: WorkCalendar,
    note: str = "",
    decision_no: str = "",
    now: datetime | None = None,
) -> RepairApplication:
    """Accept, approve or refuse. A refusal needs its reasons (``note``); an approval needs a
    decision number, re-checks eligibility on ``as_of`` and takes effect at once."""
    app = get_for_review(session, principal, app_id)
    session.refresh(app, with_for_update=True)
    try:
        new_state = after_review(AppState(app.state), action)
    except ValueError as exc:
        raise RepairError(getattr(exc, "code", "invalid_action"), str(exc)) from exc
    when = now if now is not None else utcnow()
    note = note.strip()[:_TEXT_MAX]
    decision_no = decision_no.strip()[:200]
    if new_state is AppState.REFUSED and not note:
        raise RepairError("reason_required", "a refusal must give its reasons")
    if new_state is AppState.APPROVED:
        if not decision_no:
            raise RepairError("decision_no_required", "an approval needs a decision number")
        _approve(session, principal, app, as_of=as_of, decision_no=decision_no, config=config)
    if new_state is AppState.ACCEPTED or app.accepted_on is None:
        app.accepted_on = as_of
    if new_state is AppState.ACCEPTED:
        due, provisional = due_date(as_of, config.limits.decide_working_days, calendar)
        app.decide_due, app.due_provisional = due, app.due_provisional or provisional
    else:
        app.decided_on = as_of
        app.decided_by = principal.actor
        app.decision_note = note or None
        app.decision_no = decision_no or None
    app.state = new_state.value
    app.version += 1
    append_event(
        session,
        actor=principal.actor,
        tag=f"repair:{action}",
        subject_id=app.id,
        details={
            "kind": app.kind,
            "uscc": app.uscc,
            "dept_code": app.dept_code,
            "decision_no": decision_no or None,
            "note": note or None,
        },
        occurred_at=when,
    )
    return app


def _approve(
    session: Session,
    principal: Principal,
    app: RepairApplication,
    *,
    as_of: date,
    decision_no: str,
    config: RepairConfig,
) -> None:
    kind = RepairKind(app.kind)
    target_id = app.record_id if kind is RepairKind.PENALTY else app.list_entry_id
    assert target_id is not None
    target = find_target(session, app.enterprise_id, kind, target_id, lock=True)
    answer = eligibility(
        session,
        target,
        obligations_fulfilled=app.obligations_fulfilled,
        harm_remedied=app.harm_remedied,
        as_of=as_of,
        config=config,
    )
    if not answer.eligible:
        raise RepairError("ineligible", "no longer eligible for credit repair", answer.reasons)
    if target.record is not None:
        session.add(
            PublicityStop(
                record_id=target.record.id,
                stopped_on=as_of,
                reason=REPAIR_REASON,
                application_id=app.id,
                decided_by=principal.actor,
                recorded_at=utcnow(),
            )
        )
        session.flush()
        return
    assert target.entry is not None
    facts = None
    if kind is RepairKind.SERIOUS:
        facts = _serious_facts(
            session,
            target.entry,
            obligations_fulfilled=app.obligations_fulfilled,
            harm_remedied=app.harm_remedied,
        )
    remove_early(
        session,
        target.entry.entry_key,
        decision_no=decision_no,
        actor=principal.actor,
        as_of=as_of,
        facts=facts,
        ctx=ListsContext.from_settings(config.settings),
    )


# -- what the enterprise sees -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PenaltyRow:
    record: Record
    public: bool
    public_until: date | None
    why: Reason  # why it is shown or not (publicity.visibility)


def enterprise_overview(
    session: Session, enterprise_id: int, as_of: date, config: RepairConfig
) -> tuple[list[ListEntry], list[PenaltyRow], list[RepairApplication]]:
    """The enterprise's list entries in force, its published penalties (and whether each is
    still public), and its applications, newest first."""
    ent = session.get(Enterprise, enterprise_id)
    entity_type = ent.entity_type if ent is not None else None
    entries = list(
        session.scalars(
            select(ListEntry)
            .where(ListEntry.enterprise_id == enterprise_id, ListEntry.in_force.is_(True))
            .order_by(ListEntry.listed_on.desc())
        )
    )
    penalties: list[PenaltyRow] = []
    for rec in session.scalars(
        select(Record)
        .where(
            Record.enterprise_id == enterprise_id,
            Record.category == "penalty",
            Record.status == "active",
            Record.published_on.is_not(None),
        )
        .order_by(Record.produced_on.desc())
        .limit(500)
    ):
        vis = visibility(record_view(session, rec, entity_type), as_of, config.publicity)
        penalties.append(PenaltyRow(rec, vis.visible, vis.public_until, vis.reason))
    apps = list(
        session.scalars(
            select(RepairApplication)
            .where(RepairApplication.enterprise_id == enterprise_id)
            .order_by(RepairApplication.id.desc())
        )
    )
    return entries, penalties, apps


def evidence_of(session: Session, app_id: int) -> list[RepairEvidence]:
    return list(
        session.scalars(
            select(RepairEvidence)
            .where(RepairEvidence.application_id == app_id)
            .order_by(RepairEvidence.id)
        )
    )
