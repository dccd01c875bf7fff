"""``entcredit opendata export`` writes the same file the API serves."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from tests.opendata.conftest import AS_OF, Province
from typer.testing import CliRunner

from entcredit.opendata.cli import app


def test_export_command_matches_the_api(
    province: Province, client: TestClient, tmp_path: Path
) -> None:
    env = {
        "ENTCREDIT_DATABASE_URL": province.settings.effective_database_url,
        "ENTCREDIT_DATA_DIR": str(tmp_path),
    }
    runner = CliRunner()
    for fmt in ("csv", "jsonl"):
        out = tmp_path / f"penalty.{fmt}"
        args = ["export", "penalty", "--format", fmt, "--out", str(out), "--as-of", str(AS_OF)]
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 0, result.output
        served = client.get(f"/api/v1/public/exports/penalty.{fmt}")
        assert out.read_bytes() == served.content
        assert not list(tmp_path.glob("*.part"))

    bad = runner.invoke(app, ["export", "address_signal", "--out", str(tmp_path / "x")], env=env)
    assert bad.exit_code != 0 and not (tmp_path / "x").exists()
    bad = runner.invoke(
        app, ["export", "penalty", "--format", "xlsx", "--out", str(tmp_path / "y")], env=env
    )
    assert bad.exit_code != 0 and not (tmp_path / "y").exists()
