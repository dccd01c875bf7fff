"""The open API (``/api/v1/public/...``): JSON for other systems, and bulk open-data exports.

Every endpoint is public and read-only. What a record shows is decided by the portal service
(``entcredit.portal.service``, over ``publicity.visibility``/``public_fields``); this module
only shapes, pages and caches. JSON answers carry ``Cache-Control: public, max-age=60`` and a
weak ETag (304 on ``If-None-Match``); exports are streamed and cacheable for an hour. Rate
limits are applied in front of all of this by ``web.ratelimit``.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel
from sqlalchemy import select

from entcredit.catalog.loader import load_catalog
from entcredit.catalog.model import Category
from entcredit.core.uscc import normalize_code
from entcredit.opendata.exports import (
    FORMATS,
    MEDIA_TYPES,
    Format,
    export_chunks,
    public_columns,
    record_categories,
)
from entcredit.opendata.paging import CursorError, PageCursor, decode_page_cursor
from entcredit.opendata.schemas import (
    BadgeOut,
    CategoriesOut,
    CategoryOut,
    CodeOut,
    EnterpriseOut,
    ErrorOut,
    FieldOut,
    KeyPersonOut,
    NoticePageOut,
    RecordOut,
    RecordPageOut,
    SearchHitOut,
    SearchPageOut,
    SectionOut,
)
from entcredit.portal import service as portal
from entcredit.search.service import QueryError, search_enterprises
from entcredit.settings import Settings
from entcredit.store.models import Enterprise
from entcredit.web.deps import SessionDep, SettingsDep, TodayDep
from entcredit.web.errors import ApiError
from entcredit.web.ownership import public_route

PREFIX = "/api/v1/public"
JSON_CACHE = "public, max-age=60"
EXPORT_CACHE = "public, max-age=3600"
# Deep offsets cost the database a scan each; bulk readers have the exports.
MAX_OFFSET = 10_000
_USCC_SHAPE = re.compile(r"[0-9A-Z]{18}")

router = APIRouter(
    prefix=PREFIX,
    tags=["open data"],
    responses={
        400: {"model": ErrorOut, "description": "bad query or cursor"},
        404: {"model": ErrorOut, "description": "unknown enterprise or category"},
        422: {"model": ErrorOut, "description": "parameter out of bounds"},
        429: {"model": ErrorOut, "description": "rate limit exceeded (see Retry-After)"},
    },
)


# The portal's clock: pages and API show the same day (tests override this one dependency).
AsOfDep = TodayDep
Limit = Annotated[int, Query(ge=1, description="items per page (at most api_max_page_size)")]
CursorQ = Annotated[str | None, Query(max_length=512, description="next_cursor of a page")]


# ------------------------------------------------------------------------------ helpers


def cached_json(request: Request, model: BaseModel) -> Response:
    """The model as JSON with a weak ETag; 304 when the client already has it."""
    body = model.model_dump_json().encode()
    etag = 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"Cache-Control": JSON_CACHE, "ETag": etag}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison: ``W/`` prefixes do not matter; ``*`` matches anything."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    tags = [t.strip() for t in if_none_match.split(",")]
    return any(t == "*" or t.removeprefix("W/") == wanted for t in tags)


def check_limit(limit: int, settings: Settings) -> int:
    if limit > settings.api_max_page_size:
        raise ApiError(
            422,
            "limit_too_large",
            f"limit must be at most {settings.api_max_page_size}",
            details={"max": settings.api_max_page_size},
        )
    return limit


def page_cursor(cursor: str | None, limit: int, settings: Settings) -> PageCursor:
    if cursor is None:
        return PageCursor(1, check_limit(limit, settings))
    try:
        decoded = decode_page_cursor(cursor, max_size=settings.api_max_page_size)
    except CursorError as exc:
        raise ApiError(400, "cursor_invalid", str(exc)) from exc
    if decoded.offset >= MAX_OFFSET:
        raise ApiError(
            400,
            "page_too_deep",
            f"pages end at item {MAX_OFFSET}; narrow the query or use the bulk exports",
        )
    return decoded


def next_page(current: PageCursor, total: int) -> str | None:
    after = current.offset + current.size
    if after >= total or after >= MAX_OFFSET:
        return None
    return PageCursor(current.page + 1, current.size).encode()


def public_category(name: str) -> Category:
    """A category whose records the public may read, or 404 ``category_unknown``."""
    for category in record_categories():
        if category.name == name:
            return category
    raise ApiError(
        404,
        "category_unknown",
        f"no public record category of this name; see {PREFIX}/categories",
    )


def parse_uscc(raw: str) -> str:
    code = normalize_code(raw)
    # Shape only: a wrong check character is simply not registered (404).
    if not _USCC_SHAPE.fullmatch(code):
        raise ApiError(400, "uscc_invalid", "a unified social credit code has 18 letters or digits")
    return code


# ------------------------------------------------------------------------------- search


@router.get("/search", response_model=SearchPageOut, summary="Search enterprises")
@public_route
def search(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    as_of: AsOfDep,
    q: Annotated[
        str,
        Query(max_length=240, description="name fragment, USCC, registration no. or person"),
    ],
    limit: Limit = 20,
    cursor: CursorQ = None,
) -> Response:
    try:
        page = search_enterprises(session, q, limit=check_limit(limit, settings), cursor=cursor)
    except QueryError as exc:
        # The search bounds the query and checks its cursor: query_empty, query_too_long,
        # query_invalid, cursor_invalid.
        raise ApiError(400, exc.code, str(exc)) from exc
    badges = portal.badges(session, [h.enterprise_id for h in page.hits], as_of=as_of)
    items = [
        SearchHitOut(
            uscc=h.uscc,
            reg_no=h.reg_no,
            name=h.name,
            entity_type=h.entity_type,
            status=h.status,
            region_code=h.region_code,
            legal_rep=h.legal_rep,
            established_on=h.established_on,
            match=h.match,
            matched_name=h.matched_name,
            badges=[badge_out(b) for b in badges.get(h.enterprise_id, [])],
        )
        for h in page.hits
    ]
    out = SearchPageOut(
        items=items,
        total=page.total,
        total_is_lower_bound=page.total_is_lower_bound,
        next_cursor=page.next_cursor,
    )
    return cached_json(request, out)


# --------------------------------------------------------------------------- categories


@router.get("/categories", response_model=CategoriesOut, summary="Public record categories")
@public_route
def categories(request: Request) -> Response:
    items = []
    for category in record_categories():
        fields = []
        for code in public_columns(category):
            f = category.field(code)
            fields.append(
                FieldOut(
                    code=f.code,
                    label_zh=f.label_zh,
                    label_en=f.label_en,
                    type=f.type,
                    codes=[
                        CodeOut(code=c.code, label_zh=c.label_zh, label_en=c.label_en)
                        for c in f.codes
                    ],
                )
            )
        items.append(
            CategoryOut(
                name=category.name,
                label_zh=category.label_zh,
                label_en=category.label_en,
                fields=fields,
                exports={fmt: f"{PREFIX}/exports/{category.name}.{fmt}" for fmt in FORMATS},
            )
        )
    return cached_json(request, CategoriesOut(items=items))


# --------------------------------------------------------------------------- enterprises


def record_out(rec: portal.PublicRecord) -> RecordOut:
    return RecordOut(
        category=rec.category,
        fields=dict(rec.values),
        enterprise_name=rec.enterprise_name,
        dept_name=rec.dept_name,
        published_on=rec.published_on,
        public_until=rec.public_until,
    )


def badge_out(badge: portal.Badge) -> BadgeOut:
    return BadgeOut(
        kind=badge.kind, code=badge.code, label_zh=badge.label_zh, label_en=badge.label_en
    )


UsccPath = Annotated[str, Path(max_length=32, description="unified social credit code")]


@router.get("/enterprises/{uscc}", response_model=EnterpriseOut, summary="One enterprise")
@public_route
def enterprise(request: Request, session: SessionDep, as_of: AsOfDep, uscc: UsccPath) -> Response:
    profile = portal.enterprise_profile(session, parse_uscc(uscc), as_of=as_of)
    if profile is None:
        raise ApiError(404, "not_found", "no enterprise is registered under this code")
    catalog = load_catalog()
    out = EnterpriseOut(
        uscc=profile.uscc,
        reg_no=profile.reg_no,
        name=profile.name,
        entity_type=profile.entity_type,
        legal_rep=profile.legal_rep,
        reg_capital=profile.reg_capital,
        established_on=profile.established_on,
        reg_authority=profile.reg_authority,
        region_code=profile.region_code,
        address=profile.address,
        industry_code=profile.industry_code,
        status=profile.status,
        status_on=profile.status_on,
        former_names=list(profile.former_names),
        personnel=[
            KeyPersonOut(
                name=p.name,
                role=p.role,
                role_zh=p.role_zh,
                role_en=p.role_en,
                id_masked=p.id_masked,
                since=p.since,
            )
            for p in profile.personnel
        ],
        badges=[badge_out(b) for b in profile.badges],
        sections=[
            SectionOut(
                category=name,
                label_zh=catalog.category(name).label_zh,
                label_en=catalog.category(name).label_en,
                count=count,
                href=f"{PREFIX}/enterprises/{profile.uscc}/records/{name}",
            )
            for name, count in profile.counts.items()
        ],
        as_of=profile.as_of,
    )
    return cached_json(request, out)


@router.get(
    "/enterprises/{uscc}/records/{category}",
    response_model=RecordPageOut,
    summary="An enterprise's public records of one category, newest first",
)
@public_route
def enterprise_records(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    as_of: AsOfDep,
    uscc: UsccPath,
    category: str,
    limit: Limit = 20,
    cursor: CursorQ = None,
) -> Response:
    code = parse_uscc(uscc)
    cat = public_category(category)
    current = page_cursor(cursor, limit, settings)
    enterprise_id = session.scalar(select(Enterprise.id).where(Enterprise.uscc == code))
    if enterprise_id is None:
        raise ApiError(404, "not_found", "no enterprise is registered under this code")
    page = portal.public_records(
        session, enterprise_id, cat.name, as_of=as_of, page=current.page, page_size=current.size
    )
    out = RecordPageOut(
        items=[record_out(r) for r in page.items],
        total=page.total,
        next_cursor=next_page(current, page.total),
    )
    return cached_json(request, out)


# ------------------------------------------------------------------------------ notices


@router.get("/notices", response_model=NoticePageOut, summary="Public notices (公告)")
@public_route
def notices(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    as_of: AsOfDep,
    kind: portal.NoticeKind,
    date_from: Annotated[
        date | None, Query(alias="from", description="published on or after")
    ] = None,
    date_to: Annotated[date | None, Query(alias="to", description="published on or before")] = None,
    region: Annotated[
        str | None, Query(pattern=r"^\d{6}$", description="province, city or county code")
    ] = None,
    limit: Limit = 20,
    cursor: CursorQ = None,
) -> Response:
    if date_from is not None and date_to is not None and date_from > date_to:
        raise ApiError(400, "date_range_invalid", "from must not be later than to")
    current = page_cursor(cursor, limit, settings)
    page = portal.notices(
        session,
        kind,
        date_from=date_from,
        date_to=date_to,
        region_code=region,
        as_of=as_of,
        page=current.page,
        page_size=current.size,
    )
    after = current.offset + current.size
    more = page.has_next and after < MAX_OFFSET
    out = NoticePageOut(
        kind=kind,
        items=[record_out(r) for r in page.items],
        next_cursor=PageCursor(current.page + 1, current.size).encode() if more else None,
    )
    return cached_json(request, out)


# ------------------------------------------------------------------------------ exports


class _Streams:
    """Exports streaming now in this process. Counted from a stream's first chunk to its end
    (a response never started is never counted, so nothing leaks): a soft cap."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.active = 0

    def counted(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        with self._lock:
            self.active += 1
        try:
            yield from chunks
        finally:
            with self._lock:
                self.active -= 1


_STREAMS = _Streams()
BUSY_RETRY_SECONDS = 60


def _export(
    request: Request, settings: Settings, category: str, as_of: date, fmt: Format
) -> StreamingResponse:
    cat = public_category(category)
    if _STREAMS.active >= settings.export_max_streams:
        raise ApiError(
            503,
            "exports_busy",
            "too many exports are running; retry later",
            headers={"Retry-After": str(BUSY_RETRY_SECONDS)},
        )
    body = export_chunks(request.app.state.session_factory, cat, as_of, fmt)
    headers = {
        "Cache-Control": EXPORT_CACHE,
        "Content-Disposition": f'attachment; filename="{cat.name}-{as_of.isoformat()}.{fmt}"',
    }
    return StreamingResponse(_STREAMS.counted(body), media_type=MEDIA_TYPES[fmt], headers=headers)


@router.get(
    "/exports/{category}.csv",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "UTF-8 with BOM"},
        503: {"model": ErrorOut, "description": "too many exports running (see Retry-After)"},
    },
    summary="Every public record of a category as CSV (Chinese label headers)",
)
@public_route
def export_csv(
    request: Request, settings: SettingsDep, as_of: AsOfDep, category: str
) -> StreamingResponse:
    return _export(request, settings, category, as_of, "csv")


@router.get(
    "/exports/{category}.jsonl",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/x-ndjson": {}}, "description": "JSON Lines"},
        503: {"model": ErrorOut, "description": "too many exports running (see Retry-After)"},
    },
    summary="Every public record of a category as JSON Lines (field code keys)",
)
@public_route
def export_jsonl(
    request: Request, settings: SettingsDep, as_of: AsOfDep, category: str
) -> StreamingResponse:
    return _export(request, settings, category, as_of, "jsonl")
