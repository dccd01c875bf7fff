from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from entcredit.settings import Settings
from entcredit.store.registry import all_metadata
from entcredit.web.app import create_app


@pytest.mark.parametrize("env", ["production", "test"])
def test_settings_refuse_default_secrets_outside_development(env: str) -> None:
    # pydantic wraps the validator's InsecureSettingsError in a ValidationError (a ValueError).
    with pytest.raises(ValueError, match="ENTCREDIT_SECRET_KEY"):
        Settings(env=env)
    with pytest.raises(ValueError, match="ENTCREDIT_PII_HASH_KEY"):
        Settings(env=env, secret_key="s" * 40)
    Settings(env=env, secret_key="s" * 40, pii_hash_key="p" * 40)


def test_create_app_builds_its_own_engine_from_settings(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    app = create_app(settings)
    assert app.state.settings is settings
    assert str(app.state.engine.url).endswith("data/entcredit.db")
    all_metadata().create_all(app.state.engine)
    with TestClient(app) as client:
        assert client.get("/healthz").json()["status"] == "ok"


def test_importing_the_web_package_builds_nothing() -> None:
    import entcredit.web.app as module

    assert not any(type(v).__name__ in {"FastAPI", "Engine"} for v in vars(module).values())
