"""The operator's publicity rules file."""

from __future__ import annotations

from decimal import Decimal

import pytest

from entcredit.publicity import (
    DEFAULT_CONFIG,
    PublicityConfig,
    PublicityConfigError,
    parse_publicity_config,
)


def test_defaults_match_rules_md() -> None:
    c = DEFAULT_CONFIG
    assert (c.penalty.short_months, c.penalty.standard_months) == (3, 36)
    assert c.early_stop.min_months == 6
    assert c.early_stop.min_months_for("food") == 12
    assert c.early_stop.min_months_for(None) == 6
    assert "warning" in c.penalty.never_alone_kinds


def test_empty_file_is_the_defaults() -> None:
    assert parse_publicity_config("") == PublicityConfig()


def test_partial_file_overrides() -> None:
    text = """
penalty:
  low_fine_below_wan: {individual: "1", enterprise: "10", cooperative: "10"}
early_stop:
  min_months: 3
period_months: {inspection: 60}
"""
    config = parse_publicity_config(text)
    assert config.penalty.low_fine_below_wan["enterprise"] == Decimal("10")
    assert config.penalty.short_months == 3
    assert config.early_stop.min_months == 3
    assert config.early_stop.min_months_by_domain["drug"] == 12
    assert config.period_months == {"inspection": 60}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("penalty: {short_monthz: 3}", "short_monthz"),
        ("early_stop: {min_months: -1}", "min_months"),
        ("penalty: {short_months: 48}", "longer than"),
        ("- 1", "mapping"),
        ("a: [", "YAML"),
    ],
)
def test_broken_file_refuses_to_load(text: str, message: str) -> None:
    with pytest.raises(PublicityConfigError, match=message):
        parse_publicity_config(text, source="rules.yaml")
