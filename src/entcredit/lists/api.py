"""HTTP routes of this feature (mounted by ``web.app.feature_routers``)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
