"""``iter_public_values`` (bulk exports) shows exactly what ``iter_public_records`` shows:
the same records, in the same order, with the same values and last public days."""

from __future__ import annotations

import pytest

from entcredit.opendata.exports import record_categories
from entcredit.portal import service
from tests.portal.conftest import AS_OF, Province


@pytest.mark.parametrize("batch_size", [1, 2, 5000])
def test_values_are_the_records_without_labels(province: Province, batch_size: int) -> None:
    seen = 0
    with province.factory() as s:
        for cat in record_categories():
            records = list(
                service.iter_public_records(s, cat.name, as_of=AS_OF, batch_size=batch_size)
            )
            values = list(
                service.iter_public_values(s, cat.name, as_of=AS_OF, batch_size=batch_size)
            )
            assert values == [(r.published_on, r.public_until, dict(r.values)) for r in records]
            assert [list(v.values) for v in values] == [list(r.values) for r in records]
            seen += len(values)
    assert seen  # the province has visible records to compare


def test_hidden_records_are_not_exported(province: Province) -> None:
    hidden = set(province.hidden.values())
    with province.factory() as s:
        shown = {
            str(v.values.get("decision_no"))
            for cat in service.RECORD_SECTIONS
            for v in service.iter_public_values(s, cat, as_of=AS_OF, batch_size=2)
        }
    assert shown and not shown & hidden
