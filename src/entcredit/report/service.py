"""Issue and verify PDF credit reports (企业信用信息公示报告).

The content comes only from the portal's read service (``portal.service``), so the report
shows exactly what the portal shows on the day of issue: one visibility path. A report is
identified by a verification code, an HMAC under ``settings.secret_key`` of the report's
random number, the enterprise's USCC and the time of issue: the platform can recognise its
own codes, nobody else can make one. The store keeps the code with the SHA-256 of the PDF,
so a holder can later prove that a file is the one issued.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from entcredit.catalog.loader import load_catalog
from entcredit.catalog.model import Category, Field
from entcredit.core.text import to_halfwidth
from entcredit.portal import service as portal
from entcredit.report.models import CreditReport
from entcredit.report.pdf import CjkFont, ReportDocument, Section, render_pdf
from entcredit.web.i18n import Lang, translator


@dataclass(frozen=True, slots=True)
class ReportConfig:
    # Dates in the report (and the day the publicity rules are asked about) are Beijing time.
    time_zone: str = "Asia/Shanghai"
    # Records listed per section; beyond, a note sends the reader to the portal.
    section_cap: int = 50
    # Largest PDF accepted by the verify page's upload.
    upload_max_bytes: int = 20 * 1024 * 1024


DEFAULT_CONFIG = ReportConfig()

# The fields each record section lists (its columns), besides the date and the authority;
# the sections and their order are the portal's (``portal.service.RECORD_SECTIONS``).
SECTION_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "license": ("decision_no", "license_name", "license_kind", "valid_from", "valid_to"),
    "penalty": ("decision_no", "violation_type", "penalty_kinds", "fine_amount"),
    "inspection": ("inspection_kind", "result_code"),
    "product_check": ("product", "qualified", "failed_items"),
    "abnormal_list": ("action", "reason_code", "decision_no"),
    "serious_list": ("action", "article", "decision_no"),
    "annual_report": ("year", "filed_on"),
    "support": ("policy_name", "support_kind", "amount"),
    "restriction": ("measure_code", "basis", "start_on", "end_on"),
}

_CODE_RE = re.compile(r"[A-Z2-7]{16}")
# Characters people type for the base32 letters they resemble.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})
_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_NUMERALS = "〇一二三四五六七八九"


# -- verification codes ---------------------------------------------------------------------


def derive_code(key: bytes, report_no: str, uscc: str, issued_at: datetime) -> str:
    """16 base32 characters (80 bits) of HMAC-SHA256 over the report's identity."""
    message = "\x1f".join(("credit-report", report_no, uscc, issued_at.astimezone(UTC).isoformat()))
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:10]).decode("ascii")


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalize_code(raw: str) -> str | None:
    """The code as typed (any case, spaces, dashes, full-width, 0/1/8 for O/I/B), or None."""
    cleaned = re.sub(r"[\s\-－—_]", "", to_halfwidth(raw)).upper().translate(_LOOKALIKES)
    return cleaned if _CODE_RE.fullmatch(cleaned) else None


def _secret(secret_key: str) -> bytes:
    return secret_key.encode("utf-8")


def find_report(session: Session, secret_key: str, raw_code: str) -> CreditReport | None:
    """The issued report with this code, if the code is well formed, known, and still the
    HMAC of the stored row (a row altered in the database no longer verifies)."""
    code = normalize_code(raw_code)
    if code is None:
        return None
    row = session.scalars(select(CreditReport).where(CreditReport.code == code)).one_or_none()
    if row is None:
        return None
    expected = derive_code(_secret(secret_key), row.report_no, row.uscc, row.issued_at)
    return row if hmac.compare_digest(expected, code) else None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_matches(row: CreditReport, data: bytes) -> bool:
    return len(data) == row.size_bytes and hmac.compare_digest(sha256_hex(data), row.sha256)


# -- issuing --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssuedReport:
    pdf: bytes
    filename: str
    # Not yet added to a session: the caller records it (see ``report.pages``).
    row: CreditReport

    @property
    def content_disposition(self) -> str:
        fallback = f"credit-report-{self.row.uscc}.pdf"
        return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(self.filename)}"


def _label(item: Category | Field, lang: Lang) -> str:
    return item.label_zh if lang == "zh" else item.label_en


def _numbered(n: int, title: str, lang: Lang) -> str:
    if lang == "zh":
        tens, units = divmod(n, 10)
        numeral = ("十" if tens == 1 else _NUMERALS[tens] + "十" if tens else "") + (
            _NUMERALS[units] if units else ""
        )
        return f"{numeral}、{title}"
    return f"{n}. {title}"


def _section(
    session: Session,
    enterprise_id: int,
    category: Category,
    n: int,
    *,
    as_of: date,
    lang: Lang,
    cap: int,
    more_url: str,
) -> Section:
    t = translator(lang)
    page = portal.public_records(
        session, enterprise_id, category.name, as_of=as_of, page=1, page_size=cap
    )
    codes = SECTION_COLUMNS[category.name]
    rows = []
    for rec in page.items:
        texts = {f.code: f.text(lang) for f in rec.fields}
        rows.append(
            (
                *(texts.get(code, "") for code in codes),
                rec.produced_on.isoformat(),
                rec.authority,
            )
        )
    note = None
    if page.total > len(rows):
        note = t("report_capped").format(shown=len(rows), total=page.total, url=more_url)
    return Section(
        title=_numbered(n, _label(category, lang) + ("信息" if lang == "zh" else ""), lang),
        columns=(
            *(_label(category.field(code), lang) for code in codes),
            t("report_produced_on"),
            t("report_authority"),
        ),
        rows=tuple(rows),
        empty_text=t("report_empty"),
        note=note,
    )


def build_report(
    session: Session,
    *,
    uscc: str,
    secret_key: str,
    font: CjkFont,
    now: datetime,
    lang: Lang,
    portal_url: str,
    config: ReportConfig = DEFAULT_CONFIG,
) -> IssuedReport | None:
    """Render the report of ``uscc`` as the public sees it at ``now``; None if unknown.

    ``portal_url`` is the site's base URL (printed for verification and for the full record).
    """
    issued_at = now.astimezone(UTC).replace(microsecond=0)
    local = issued_at.astimezone(ZoneInfo(config.time_zone))
    as_of = local.date()
    profile = portal.enterprise_profile(session, uscc, as_of=as_of)
    if profile is None:
        return None
    t = translator(lang)
    catalog = load_catalog()
    report_no = secrets.token_hex(8)
    code = derive_code(_secret(secret_key), report_no, profile.uscc, issued_at)
    base = portal_url.rstrip("/")
    verify_url = f"{base}/report/verify"
    more_url = f"{base}/enterprise/{profile.uscc}"

    personnel = Section(
        title=_numbered(2, t("report_personnel"), lang),
        columns=(t("report_person_name"), t("report_person_role"), t("report_person_id")),
        rows=tuple((p.name, p.role_label(lang), p.id_masked or "") for p in profile.personnel),
        empty_text=t("report_empty"),
    )
    sections = [personnel]
    for n, name in enumerate(portal.RECORD_SECTIONS, start=3):
        sections.append(
            _section(
                session,
                profile.enterprise_id,
                catalog.category(name),
                n,
                as_of=as_of,
                lang=lang,
                cap=config.section_cap,
                more_url=more_url,
            )
        )

    formatted = format_code(code)
    platform = t("platform_name")
    issued_text = t("report_time_format").format(time=f"{local:%Y-%m-%d %H:%M:%S}")
    doc = ReportDocument(
        title=t("report_title"),
        enterprise_name=profile.name,
        cover=(
            (t("report_uscc"), profile.uscc),
            (t("report_platform"), platform),
            (t("report_issued_at"), issued_text),
            (t("report_as_of"), as_of.isoformat()),
            (t("report_code"), formatted),
        ),
        notice=t("report_notice").format(platform=platform, verify_url=verify_url),
        registration_title=_numbered(1, t("report_registration"), lang),
        registration=tuple((f.label(lang), f.text(lang)) for f in profile.registration),
        sections=tuple(sections),
        page_label=t("report_page"),
        code_line=t("report_code_line").format(code=formatted, verify_url=verify_url),
        end_text=t("report_end"),
        lang="zh-CN" if lang == "zh" else "en",
    )
    pdf = render_pdf(doc, font)
    row = CreditReport(
        code=code,
        report_no=report_no,
        uscc=profile.uscc,
        enterprise_name=profile.name,
        lang=lang,
        issued_at=issued_at,
        as_of=as_of,
        sha256=sha256_hex(pdf),
        size_bytes=len(pdf),
    )
    filename = _UNSAFE_FILENAME.sub("_", f"{profile.name}-{t('report_title')}-{as_of:%Y%m%d}.pdf")
    return IssuedReport(pdf=pdf, filename=filename, row=row)
