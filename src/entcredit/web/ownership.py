"""Deny by default: every route declares its owner.

A route is owned when it is protected by a ``require_roles(...)`` dependency anywhere in its
dependency tree (on the route, its router, or a sub-dependency), or when its endpoint is
marked ``@public_route``. Mounted static files are listed in ``PUBLIC_MOUNTS``.
``create_app`` refuses to build an app with an unowned route.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Mount, Route

from entcredit.identity.rules import Role

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC_MOUNTS: frozenset[str] = frozenset({"/static"})

_public_endpoints: set[Callable[..., Any]] = set()


def public_route(func: F) -> F:
    """Mark an endpoint as deliberately public (no authentication required)."""
    _public_endpoints.add(func)
    return func


def is_public_endpoint(func: Callable[..., Any]) -> bool:
    return func in _public_endpoints


@dataclass(frozen=True, slots=True)
class RouteInfo:
    """One effective route of an app, as FastAPI serves it (router prefixes and router-level
    dependencies applied)."""

    path: str
    methods: frozenset[str]
    route: BaseRoute
    endpoint: Callable[..., Any] | None
    dependant: Dependant | None
    include_in_schema: bool
    summary: str | None
    name: str


def iter_routes(app: FastAPI) -> Iterator[RouteInfo]:
    """Every route of ``app``, with included routers flattened.

    FastAPI >= 0.16x keeps included routers as lazy ``_IncludedRouter`` entries in
    ``app.routes``; ``iter_route_contexts`` resolves them. Older versions copy routes flat.
    """
    try:
        from fastapi.routing import iter_route_contexts  # type: ignore[attr-defined,unused-ignore]
    except ImportError:  # pragma: no cover - older FastAPI
        contexts: Iterable[Any] = app.routes
    else:
        contexts = iter_route_contexts(app.routes)
    for ctx in contexts:
        original = getattr(ctx, "original_route", ctx)
        methods = getattr(ctx, "methods", None) or ()
        yield RouteInfo(
            path=str(getattr(ctx, "path", "")),
            methods=frozenset(methods),
            route=original,
            endpoint=getattr(ctx, "endpoint", None),
            dependant=getattr(ctx, "dependant", None),
            include_in_schema=bool(getattr(ctx, "include_in_schema", False)),
            summary=getattr(ctx, "summary", None),
            name=str(getattr(ctx, "name", "") or ""),
        )


def _required_roles(dependant: Dependant) -> frozenset[Role] | None:
    # Imported here: deps is imported by the routers this module is used to check.
    from entcredit.web.deps import RoleRequirement

    for sub in dependant.dependencies:
        if isinstance(sub.call, RoleRequirement):
            return sub.call.roles
        found = _required_roles(sub)
        if found is not None:
            return found
    return None


def route_owner(info: RouteInfo) -> str | None:
    """``"public"``, ``"roles:a,b"`` or None (unowned)."""
    if isinstance(info.route, APIRoute):
        roles = _required_roles(info.dependant) if info.dependant is not None else None
        if roles is not None:
            return "roles:" + ",".join(sorted(r.value for r in roles))
        return "public" if info.endpoint and is_public_endpoint(info.endpoint) else None
    if isinstance(info.route, Route):
        return "public" if info.endpoint and is_public_endpoint(info.endpoint) else None
    if isinstance(info.route, Mount):
        return "public" if info.path in PUBLIC_MOUNTS else None
    return None


def describe(info: RouteInfo) -> str:
    return f"{','.join(sorted(info.methods)) or '*'} {info.path} ({type(info.route).__name__})"


def unowned_routes(app: FastAPI) -> list[str]:
    return [describe(info) for info in iter_routes(app) if route_owner(info) is None]


class UnownedRouteError(RuntimeError):
    pass


def assert_routes_owned(app: FastAPI) -> None:
    missing = unowned_routes(app)
    if missing:
        raise UnownedRouteError(
            "routes without an owner (add a require_roles(...) dependency or @public_route): "
            + "; ".join(missing)
        )
