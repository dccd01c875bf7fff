"""The web application factory. Nothing is built at import time: ``create_app(settings)``
makes the engine (unless given one), the session factory and the app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import jinja2
from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine

import entcredit
from entcredit.settings import Settings
from entcredit.store.db import make_engine, make_session_factory
from entcredit.web import admin_api, pages
from entcredit.web.errors import install_error_handlers
from entcredit.web.middleware import BodySizeLimitMiddleware, SecurityHeadersMiddleware
from entcredit.web.ownership import assert_routes_owned
from entcredit.web.ratelimit import RateLimitMiddleware

WEB_DIR = Path(__file__).parent


def feature_routers() -> list[APIRouter]:
    """Every feature's router, in one place. A router whose routes lack an owner (a
    ``require_roles`` dependency or ``@public_route``) makes ``create_app`` fail."""
    from entcredit.credit import api as credit_api
    from entcredit.ingest import api as ingest_api
    from entcredit.lists import api as lists_api
    from entcredit.lists import pages as lists_pages
    from entcredit.opendata import api as opendata_api
    from entcredit.portal import pages as portal_pages
    from entcredit.quality import pages as quality_pages
    from entcredit.repair import pages as repair_pages
    from entcredit.report import pages as report_pages

    return [
        pages.router,
        admin_api.router,
        ingest_api.router,
        portal_pages.router,
        opendata_api.router,
        report_pages.router,
        lists_api.router,
        lists_pages.router,
        credit_api.router,
        repair_pages.router,
        quality_pages.router,
    ]


def make_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(WEB_DIR / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return Jinja2Templates(env=env)


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    extra_routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """Build the app. ``engine`` defaults to ``store.db.make_engine(settings)`` (and is then
    disposed at shutdown); ``extra_routers`` are included after the feature routers."""
    owns_engine = engine is None
    db_engine = engine if engine is not None else make_engine(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owns_engine:
            db_engine.dispose()

    app = FastAPI(
        title="企业信用信息归集公示平台 API",
        version=getattr(entcredit, "__version__", "0.1.0"),
        # Swagger UI / ReDoc pull assets from a CDN: our own /api/docs and /api/openapi.json
        # (routes in web.pages) replace them.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = db_engine
    app.state.session_factory = make_session_factory(db_engine)
    # store.db's SQLite "begin" hook reads this option; PostgreSQL ignores it.
    app.state.write_session_factory = make_session_factory(
        db_engine.execution_options(sqlite_begin="IMMEDIATE")
    )
    app.state.templates = make_templates()

    install_error_handlers(app)
    # Last added runs first: the size limit wraps everything, headers wrap every response
    # (429s included); the rate limit answers before any route or database work.
    app.add_middleware(RateLimitMiddleware, settings=settings)
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.env == "production")
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_upload_bytes)

    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    for router in (*feature_routers(), *extra_routers):
        app.include_router(router)

    assert_routes_owned(app)
    return app
