"""Deny by default: every route has an owner (a role requirement, or explicitly public)."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, Depends
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from entcredit.identity.rules import Role
from entcredit.web.app import create_app
from entcredit.web.deps import require_roles
from entcredit.web.ownership import (
    UnownedRouteError,
    iter_routes,
    public_route,
    route_owner,
)

from .conftest import World

EXPECTED_PUBLIC = {
    "/",
    "/login",
    "/healthz",
    "/api/openapi.json",
    "/api/docs",
    "/static",
    # The public portal and open API (issue 3).
    "/search",
    "/enterprise/{uscc}",
    "/enterprise/{uscc}/report.pdf",
    "/notices",
    "/report/verify",
    "/api/v1/public/search",
    "/api/v1/public/categories",
    "/api/v1/public/enterprises/{uscc}",
    "/api/v1/public/enterprises/{uscc}/records/{category}",
    "/api/v1/public/notices",
    "/api/v1/public/exports/{category}.csv",
    "/api/v1/public/exports/{category}.jsonl",
    # The measures catalogue is published law (issue 4).
    "/api/v1/credit-check/measures",
    # Enterprise self-service: guarded by the enterprise session dependency, not a staff role.
    "/self-service",
    "/self-service/login",
    "/self-service/logout",
    "/self-service/repair",
    "/self-service/repair/new",
    "/self-service/repair/{app_id}",
}


def test_every_route_of_the_app_has_an_owner(client: TestClient) -> None:
    infos = list(iter_routes(client.app))  # type: ignore[arg-type]
    assert len(infos) > 10
    unowned = [(i.path, sorted(i.methods)) for i in infos if route_owner(i) is None]
    assert unowned == []
    public = {i.path for i in infos if route_owner(i) == "public"}
    # A route becoming public is a decision: update this list on purpose.
    assert public == EXPECTED_PUBLIC
    owners = {(i.path, m): route_owner(i) for i in infos for m in i.methods}
    assert owners[("/api/v1/admin/users", "POST")] == "roles:regulator_admin"
    assert owners[("/logout", "POST")] == (
        "roles:department_staff,inspector,regulator_admin,regulator_analyst"
    )


def test_create_app_refuses_an_unowned_route(world: World) -> None:
    router = APIRouter()

    @router.get("/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    with pytest.raises(UnownedRouteError, match="/forgotten"):
        create_app(world.settings, engine=world.engine, extra_routers=[router])


def test_router_level_dependency_and_public_marker_count(world: World) -> None:
    router = APIRouter(
        prefix="/api/v1/feature",
        dependencies=[Depends(require_roles(Role.regulator_analyst))],
    )

    @router.get("/stats")
    def stats() -> dict[str, str]:
        return {}

    @router.get("/open")
    @public_route
    def open_endpoint() -> dict[str, str]:
        return {}

    open_router = APIRouter()

    @open_router.get("/open")
    @public_route
    def really_open() -> dict[str, str]:
        return {}

    app = create_app(world.settings, engine=world.engine, extra_routers=[router, open_router])
    owners = {i.path: route_owner(i) for i in iter_routes(app) if isinstance(i.route, APIRoute)}
    assert owners["/api/v1/feature/stats"] == "roles:regulator_analyst"
    # A router-level role requirement wins over @public_route: it is enforced anyway.
    assert owners["/api/v1/feature/open"] == "roles:regulator_analyst"
    assert owners["/open"] == "public"
    with TestClient(app) as c:
        assert c.get("/api/v1/feature/stats").status_code == 401
        assert c.get("/api/v1/feature/open").status_code == 401
        assert c.get("/open").status_code == 200
