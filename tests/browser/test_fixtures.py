"""The browser fixtures never hide a missing browser from CI."""

from __future__ import annotations

from pathlib import Path

import pytest

import tests.browser.conftest as fixtures


def test_missing_chromium_fails_under_ci_and_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fixtures, "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.setattr(fixtures, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="chromium"):
        fixtures._require_browser()
    monkeypatch.setattr(fixtures, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="chromium"):
        fixtures._require_browser()
