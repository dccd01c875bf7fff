"""``visibility``: the one decision of what the public sees (rules.md sections 1, 3-5)."""

from __future__ import annotations

from datetime import date

from entcredit.catalog.model import Catalog
from entcredit.publicity import (
    NDRC_CONFIG,
    PublicityConfig,
    ReasonCode,
    RecordView,
    visibility,
)
from tests.publicity.builders import DECIDED, PUBLISHED, penalty, record


def test_visible_only_once_published(catalog: Catalog) -> None:
    # rules.md s.1: information is publicised; before that day it is not public.
    rec = record("license")
    before = visibility(rec, date(2024, 1, 9), catalog=catalog)
    assert not before.visible and before.reason.code is ReasonCode.NOT_YET_PUBLISHED
    on = visibility(rec, PUBLISHED, catalog=catalog)
    assert on.visible and on.reason.code is ReasonCode.VISIBLE
    assert on.public_from == PUBLISHED and on.public_until is None
    assert on.reason.zh and on.reason.en


def test_unpublished_record_is_not_visible(catalog: Catalog) -> None:
    rec = record("inspection", published_on=None)
    assert visibility(rec, date(2030, 1, 1), catalog=catalog).reason.code is (
        ReasonCode.NOT_YET_PUBLISHED
    )


def test_withdrawn_is_never_visible(catalog: Catalog) -> None:
    # rules.md s.1: a withdrawn penalty leaves publicity (Order 45 art. 11).
    rec = penalty(["fine"], status="withdrawn", fine_amount="100")
    result = visibility(rec, date(2024, 2, 1), catalog=catalog)
    assert not result.visible and result.reason.code is ReasonCode.WITHDRAWN
    assert visibility(penalty(["fine"], fine_amount="100"), date(2024, 2, 1), catalog=catalog)


def test_unknown_status_is_hidden(catalog: Catalog) -> None:
    rec = record("license", status="draft")
    assert visibility(rec, date(2025, 1, 1), catalog=catalog).reason.code is (
        ReasonCode.UNKNOWN_STATUS
    )


def test_warning_only_penalty_is_never_visible(catalog: Catalog) -> None:
    # rules.md s.5: "A warning alone is never publicised."
    result = visibility(penalty(["warning"]), date(2024, 2, 1), catalog=catalog)
    assert not result.visible and result.reason.code is ReasonCode.WARNING_ONLY
    assert visibility(penalty(["warning", "criticism"]), date(2024, 2, 1), catalog=catalog).visible


def test_category_not_public_is_never_visible(catalog: Catalog) -> None:
    # Catalogue: address_signal is "never shown to the public".
    result = visibility(record("address_signal"), date(2025, 1, 1), catalog=catalog)
    assert not result.visible and result.reason.code is ReasonCode.CATEGORY_NOT_PUBLIC
    assert visibility(record("support"), date(2025, 1, 1), catalog=catalog).visible


def test_unknown_category_is_hidden(catalog: Catalog) -> None:
    result = visibility(record("gossip"), date(2025, 1, 1), catalog=catalog)
    assert result.reason.code is ReasonCode.UNKNOWN_CATEGORY


def test_short_penalty_leaves_after_three_months(catalog: Catalog) -> None:
    # rules.md s.5: criticism -> 3 months from publication; ends automatically.
    rec = penalty(["criticism"])
    last = visibility(rec, date(2024, 4, 10), catalog=catalog)
    assert last.visible and last.public_until == date(2024, 4, 10)
    after = visibility(rec, date(2024, 4, 11), catalog=catalog)
    assert not after.visible and after.reason.code is ReasonCode.PERIOD_ENDED


def test_standard_penalty_leaves_after_three_years(catalog: Catalog) -> None:
    rec = penalty(["confiscation"])
    assert visibility(rec, date(2027, 1, 10), catalog=catalog).visible
    assert not visibility(rec, date(2027, 1, 11), catalog=catalog).visible


def test_ban_keeps_penalty_visible_to_its_end(catalog: Catalog) -> None:
    rec = penalty(["restrict_business"], ban_until="2030-06-30")
    assert visibility(rec, date(2030, 6, 30), catalog=catalog).visible
    assert not visibility(rec, date(2030, 7, 1), catalog=catalog).visible


def test_early_stop_by_credit_repair_hides_penalty(catalog: Catalog) -> None:
    # rules.md s.5: stopping a penalty's publicity early is credit repair.
    rec = penalty(["confiscation"], repaired_on=date(2024, 9, 1))
    assert visibility(rec, date(2024, 8, 31), catalog=catalog).visible
    result = visibility(rec, date(2024, 9, 1), catalog=catalog)
    assert not result.visible and result.reason.code is ReasonCode.STOPPED_EARLY
    assert result.public_until == date(2024, 8, 31)


def test_repair_after_the_natural_end_changes_nothing(catalog: Catalog) -> None:
    rec = penalty(["criticism"], repaired_on=date(2025, 1, 1))
    result = visibility(rec, date(2024, 5, 1), catalog=catalog)
    assert result.reason.code is ReasonCode.PERIOD_ENDED
    assert result.public_until == date(2024, 4, 10)


def test_list_entry_removed_early_vanishes_entirely(catalog: Catalog) -> None:
    # rules.md s.4: "After early removal the public page shows neither the listing nor the
    # removal." The caller flags both records with the repair date.
    listing = record("serious_list", action="list", repaired_on=date(2025, 3, 1))
    removal = record("serious_list", action="remove_early", repaired_on=date(2025, 3, 1))
    assert visibility(listing, date(2025, 2, 28), catalog=catalog).visible
    for rec in (listing, removal):
        result = visibility(rec, date(2025, 3, 1), catalog=catalog)
        assert not result.visible and result.reason.code is ReasonCode.REPAIRED_ENTRY_HIDDEN
    abnormal = record("abnormal_list", action="list", repaired_on=date(2025, 3, 1))
    assert not visibility(abnormal, date(2026, 1, 1), catalog=catalog).visible
    plain = record("abnormal_list", action="list")
    assert visibility(plain, date(2026, 1, 1), catalog=catalog).visible


def test_hide_on_repair_is_configuration(catalog: Catalog) -> None:
    config = PublicityConfig(hide_on_repair=frozenset({"serious_list"}))
    abnormal = record("abnormal_list", action="list", repaired_on=date(2025, 3, 1))
    assert visibility(abnormal, date(2026, 1, 1), config, catalog).visible


def test_period_months_for_other_categories(catalog: Catalog) -> None:
    config = PublicityConfig(period_months={"inspection": 12})
    rec = record("inspection")
    assert visibility(rec, date(2025, 1, 10), config, catalog).visible
    result = visibility(rec, date(2025, 1, 11), config, catalog)
    assert result.reason.code is ReasonCode.PERIOD_ENDED
    assert visibility(rec, date(2035, 1, 11), catalog=catalog).visible  # default: no end


def test_ndrc_regime_period_runs_from_decision(catalog: Catalog) -> None:
    rec = penalty(["criticism"])
    result = visibility(rec, date(2024, 4, 3), NDRC_CONFIG, catalog)
    assert not result.visible and result.public_until == date(2024, 4, 2)
    assert result.public_until == date(DECIDED.year, DECIDED.month + 3, DECIDED.day)


def test_default_catalogue_is_used_when_none_is_given() -> None:
    rec = RecordView("address_signal", "active", PUBLISHED, DECIDED, {})
    assert visibility(rec, date(2025, 1, 1)).reason.code is ReasonCode.CATEGORY_NOT_PUBLIC
