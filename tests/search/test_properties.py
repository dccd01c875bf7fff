"""Search agrees with a brute-force filter over a small random register, tier by tier and
page by page, including when the scan budget cuts pages short and totals are capped."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from entcredit.search import service
from entcredit.search.query import fold
from entcredit.search.service import refresh_index, search_enterprises
from entcredit.store.models import Enterprise, EnterpriseFormerName
from tests.ingest.factories import uscc

ALPHABET = "公司甲乙丙aB"
names = st.text(ALPHABET, min_size=1, max_size=7)
enterprises = st.lists(
    st.tuples(names, st.lists(names, max_size=2), st.sampled_from(["甲", "甲乙", "张三"])),
    min_size=1,
    max_size=25,
)
queries = st.one_of(st.text(ALPHABET, min_size=1, max_size=4), st.just(uscc(3)))


def expected(register: list[tuple[str, list[str], str]], q: str) -> list[tuple[int, str]]:
    """(id, match) in the order search must give them."""
    q = fold(q)
    ranked: list[tuple[Any, ...]] = []
    for eid, (name, former, rep) in enumerate(register, start=1):
        keys = [fold(name), *(fold(f) for f in former)]
        if uscc(eid) == q:
            ranked.append((0, eid, "code"))
        elif q in keys:
            ranked.append((1, eid, "name" if keys[0] == q else "former_name"))
        elif any(k.startswith(q) for k in keys):
            ranked.append((2, min(k for k in keys if k.startswith(q)), eid, "prefix"))
        elif any(q in k for k in keys):
            ranked.append((3, eid, "substring"))
        elif fold(rep) == q:
            ranked.append((4, eid, "legal_rep"))
    return [(r[-2], r[-1]) for r in sorted(ranked)]


COMMON: dict[str, Any] = {
    "entity_type": "enterprise",
    "established_on": date(2020, 1, 1),
    "reg_authority": "局",
    "region_code": "440300",
    "address": "深圳",
    "status": "active",
    "content_hash": "h",
    "version": 1,
    "updated_at": datetime(2024, 1, 1, tzinfo=UTC),
}


def load_register(s: Session, register: list[tuple[str, list[str], str]]) -> None:
    rows = [
        {"id": eid, "uscc": uscc(eid), "name": name, "legal_rep": rep, **COMMON}
        for eid, (name, _former, rep) in enumerate(register, start=1)
    ]
    s.execute(insert(Enterprise), rows)
    former = {(eid, f) for eid, (_n, fs, _r) in enumerate(register, start=1) for f in fs}
    if former:
        s.execute(
            insert(EnterpriseFormerName),
            [{"enterprise_id": e, "name": f} for e, f in sorted(former)],
        )
    refresh_index(s, range(1, len(rows) + 1))


@pytest.mark.parametrize("budget", [service.SCAN_BUDGET, 3])
def test_search_equals_brute_force(
    factory: sessionmaker[Session], budget: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "SCAN_BUDGET", budget)
    monkeypatch.setattr(service, "TOTAL_CAP", 12)
    monkeypatch.setattr(service, "COUNT_VERIFY_BUDGET", 6)

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(register=enterprises, q=queries, limit=st.integers(1, 6))
    def check(register: list[tuple[str, list[str], str]], q: str, limit: int) -> None:
        want = expected(register, q)
        with factory() as s:
            load_register(s, register)
            got: list[tuple[int, str]] = []
            cursor = None
            for _ in range(len(register) * 3 + 3):  # bounded: a cursor must end
                page = search_enterprises(s, q, limit=limit, cursor=cursor)
                got += [(h.enterprise_id, h.match) for h in page.hits]
                cursor = page.next_cursor
                if cursor is None:
                    break
            s.rollback()
        assert got == want
        if page.total_is_lower_bound:
            assert page.total <= len(want)
        else:
            assert page.total == len(want)

    check()
