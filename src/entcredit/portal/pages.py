"""The public portal's HTML pages: search, the enterprise page, notices (公告).

Every read goes through ``portal.service`` (the one public read path). "Today" is read here,
at the edge, as the day in China (publication days are Beijing dates), and passed on as
``as_of``; tests override ``web.deps.today``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from entcredit.core.dates import DateFormatError, parse_date
from entcredit.identity.rules import Principal
from entcredit.portal import service
from entcredit.portal.service import RECORD_SECTIONS, NoticeKind
from entcredit.search.service import QueryError, search_enterprises
from entcredit.web.deps import PrincipalDep, SessionDep, TodayDep
from entcredit.web.i18n import LANG_COOKIE, Lang, negotiate_lang, translator
from entcredit.web.ownership import public_route
from entcredit.web.pages import render

router = APIRouter()

PAGE_SIZE = 20
# Offsets cost a scan of every row before them: deeper pages are refused, the date filters
# narrow instead.
MAX_PAGE = 500
_REGION = re.compile(r"^\d{6}$")
_SECTIONS = ("registration", "personnel", *RECORD_SECTIONS)
_NOTICE_KINDS: tuple[str, ...] = get_args(NoticeKind)


def _lang(request: Request) -> Lang:
    return negotiate_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))


def _t(request: Request) -> Callable[[str], str]:
    return translator(_lang(request))


def _page_number(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return 1
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(MAX_PAGE))):
        return None
    return int(raw) if 1 <= int(raw) <= MAX_PAGE else None


def _error(
    request: Request,
    principal: Principal | None,
    message: str,
    status_code: int,
    title_key: str,
) -> Response:
    return render(
        request,
        "portal/error.html",
        {"title_key": title_key, "message": message},
        principal=principal,
        status_code=status_code,
    )


def _bad_page(request: Request, principal: Principal | None) -> Response:
    message = _t(request)("portal_bad_page").format(max=MAX_PAGE)
    return _error(request, principal, message, 400, "portal_bad_request")


@router.get("/search", response_class=HTMLResponse, include_in_schema=False)
@public_route
def search_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    today: TodayDep,
    q: str = "",
    cursor: str | None = None,
) -> Response:
    query = q.strip()
    t = _t(request)
    context: dict[str, Any] = {
        "q": query,
        "result": None,
        "error": None,
        "badges": {},
        "cursor": cursor or "",
        # An unknown match kind (the index may grow new ones) shows as sent.
        "match_label": lambda m: (
            label if (label := t(f"portal_match_{m}")) != f"portal_match_{m}" else m
        ),
    }
    if not query:
        return render(request, "portal/search.html", context, principal=principal)
    try:
        result = search_enterprises(session, query, limit=PAGE_SIZE, cursor=cursor or None)
    except QueryError as exc:
        context["error"] = exc.en if _lang(request) == "en" else exc.zh
        return render(request, "portal/search.html", context, principal=principal, status_code=400)
    context["result"] = result
    context["badges"] = service.badges(session, [h.enterprise_id for h in result.hits], as_of=today)
    return render(request, "portal/search.html", context, principal=principal)


def _columns(items: tuple[service.PublicRecord, ...]) -> list[tuple[str, str, str]]:
    """(code, label_zh, label_en) of the own fields present on this page, in catalogue order."""
    seen: dict[str, tuple[str, str, str]] = {}
    for rec in items:
        for f in rec.fields:
            seen.setdefault(f.code, (f.code, f.label_zh, f.label_en))
    return list(seen.values())


@router.get("/enterprise/{uscc}", response_class=HTMLResponse, include_in_schema=False)
@public_route
def enterprise_page(
    request: Request,
    uscc: str,
    session: SessionDep,
    principal: PrincipalDep,
    today: TodayDep,
    section: str = "registration",
    page: str | None = None,
) -> Response:
    t = _t(request)
    profile = service.enterprise_profile(session, uscc, as_of=today) if len(uscc) <= 40 else None
    if profile is None:
        return _error(
            request,
            principal,
            t("portal_not_found").format(code=uscc[:40]),
            404,
            "portal_not_found_title",
        )
    if section not in _SECTIONS:
        return _error(request, principal, t("portal_bad_section"), 400, "portal_bad_request")
    number = _page_number(page)
    if number is None:
        return _bad_page(request, principal)
    records = (
        service.public_records(
            session, profile.enterprise_id, section, as_of=today, page=number, page_size=PAGE_SIZE
        )
        if section in RECORD_SECTIONS
        else None
    )
    return render(
        request,
        "portal/enterprise.html",
        {
            "p": profile,
            "section": section,
            "sections": list(service.iter_sections()),
            "records": records,
            "columns": _columns(records.items) if records else [],
        },
        principal=principal,
    )


def _date_param(raw: str | None) -> date | None:
    return parse_date(raw) if raw else None


@router.get("/notices", response_class=HTMLResponse, include_in_schema=False)
@public_route
def notices_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    today: TodayDep,
    kind: str = "abnormal_listing",
    date_from_raw: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    region: str | None = None,
    page: str | None = None,
) -> Response:
    t = _t(request)
    try:
        date_from, date_to = _date_param(date_from_raw), _date_param(to)
    except DateFormatError:
        bad = date_from_raw if date_from_raw and not _is_date(date_from_raw) else to
        return _error(
            request, principal, t("portal_bad_date").format(value=bad), 400, "portal_bad_request"
        )
    if kind not in _NOTICE_KINDS:
        return _error(request, principal, t("portal_bad_kind"), 400, "portal_bad_request")
    region_code = region.strip() if region and region.strip() else None
    if region_code is not None and not _REGION.match(region_code):
        return _error(request, principal, t("portal_bad_region"), 400, "portal_bad_request")
    number = _page_number(page)
    if number is None:
        return _bad_page(request, principal)
    result = service.notices(
        session,
        kind,  # type: ignore[arg-type]  # checked against NoticeKind above
        date_from=date_from,
        date_to=date_to,
        region_code=region_code,
        as_of=today,
        page=number,
        page_size=PAGE_SIZE,
    )
    return render(
        request,
        "portal/notices.html",
        {
            "result": result,
            "kinds": _NOTICE_KINDS,
            "kind": kind,
            "date_from": date_from.isoformat() if date_from else "",
            "date_to": date_to.isoformat() if date_to else "",
            "region": region_code or "",
            "regions": service.notice_regions(session),
            "columns": _columns(result.items),
            "as_of": today,
        },
        principal=principal,
    )


def _is_date(raw: str) -> bool:
    try:
        parse_date(raw)
    except DateFormatError:
        return False
    return True
