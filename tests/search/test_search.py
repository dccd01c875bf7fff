"""Search over a register loaded through the real ingest path, on both dialects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from entcredit.search.service import QueryError, SearchHit, search_enterprises
from tests.ingest.conftest import Loader
from tests.ingest.factories import ENTERPRISE_HEADER, enterprise_row, uscc, write_csv

HEADER = [*ENTERPRISE_HEADER, "reg_no"]


def register(tmp_path: Path, load: Loader, rows: list[dict[str, Any]], name: str = "e") -> None:
    report = load(write_csv(tmp_path / f"{name}.csv", HEADER, rows))
    assert report.rows_rejected == 0, report


@pytest.fixture
def tengfei(tmp_path: Path, load: Loader) -> None:
    register(
        tmp_path,
        load,
        [
            enterprise_row(1, name="腾飞"),
            enterprise_row(2, name="腾飞科技有限公司"),
            enterprise_row(3, name="深圳市腾飞电子有限公司", reg_no="440301000000003"),
            enterprise_row(4, name="广州市星辰有限公司", former_names="腾飞"),
            enterprise_row(5, name="东莞市某某有限公司", legal_rep="腾飞"),
            enterprise_row(6, name="佛山市腾飞腾飞有限公司", legal_rep="腾飞"),
            enterprise_row(7, name="珠海市无关有限公司", former_names="珠海市腾达有限公司"),
        ],
    )


def find(factory: sessionmaker[Session], q: str, **kw: Any) -> list[SearchHit]:
    with factory() as s:
        return search_enterprises(s, q, **kw).hits


def ids(hits: list[SearchHit]) -> list[tuple[str, str]]:
    return [(h.uscc, h.match) for h in hits]


@pytest.mark.usefixtures("tengfei")
def test_two_characters_rank_by_tier(factory: sessionmaker[Session]) -> None:
    assert ids(find(factory, "腾飞")) == [
        (uscc(1), "name"),
        (uscc(4), "former_name"),
        (uscc(2), "prefix"),
        (uscc(3), "substring"),
        (uscc(6), "substring"),
        (uscc(5), "legal_rep"),
    ]


@pytest.mark.usefixtures("tengfei")
def test_one_character_finds_names_former_names_and_ranks_prefixes_by_name(
    factory: sessionmaker[Session],
) -> None:
    hits = find(factory, "腾")
    assert ids(hits) == [
        (uscc(1), "prefix"),
        (uscc(4), "prefix"),  # its former name 腾飞 sorts with the current 腾飞
        (uscc(2), "prefix"),
        (uscc(3), "substring"),
        (uscc(6), "substring"),
        (uscc(7), "substring"),
    ]
    assert [h.matched_name for h in hits] == [None, "腾飞", None, None, None, "珠海市腾达有限公司"]


@pytest.mark.usefixtures("tengfei")
def test_longer_fragments_and_former_names(factory: sessionmaker[Session]) -> None:
    assert ids(find(factory, "腾飞电子")) == [(uscc(3), "substring")]
    assert ids(find(factory, "深圳市腾飞电子有限公司")) == [(uscc(3), "name")]
    hit = find(factory, "腾达")
    assert ids(hit) == [(uscc(7), "substring")] and hit[0].matched_name == "珠海市腾达有限公司"
    hit = find(factory, "珠海市腾达")
    assert ids(hit) == [(uscc(7), "prefix")] and hit[0].matched_name == "珠海市腾达有限公司"
    assert ids(find(factory, "珠海市无关有限公司")) == [(uscc(7), "name")]
    assert find(factory, "腾飞腾飞有")[0].name == "佛山市腾飞腾飞有限公司"
    assert find(factory, "不存在的名字") == []


@pytest.mark.usefixtures("tengfei")
def test_codes_in_any_case_width_and_spacing(factory: sessionmaker[Session]) -> None:
    code = uscc(3)
    for q in (code, code.lower(), f" {code[:6]} {code[6:]} ", code.translate(FULLWIDTH)):
        assert ids(find(factory, q)) == [(code, "code")], q
    assert ids(find(factory, "440301000000003")) == [(code, "code")]
    assert ids(find(factory, "440301000000003".translate(FULLWIDTH))) == [(code, "code")]
    hit = find(factory, "张2")  # the factory's legal representative of enterprise 2
    assert ids(hit) == [(uscc(2), "legal_rep")] and hit[0].legal_rep == "张2"


FULLWIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"})


@pytest.mark.usefixtures("tengfei")
def test_bad_queries_and_cursors_raise_query_error(factory: sessionmaker[Session]) -> None:
    with factory() as s:
        for q in ("", "   ", "\u3000", "腾" * 61, "x" * 1000):
            with pytest.raises(QueryError):
                search_enterprises(s, q)
        with pytest.raises(QueryError):
            search_enterprises(s, "腾", limit=0)
        cursor = search_enterprises(s, "腾", limit=2).next_cursor
        assert cursor is not None
        flipped = cursor[:-3] + ("A" if cursor[-3] != "A" else "B") + cursor[-2:]
        for bad in (flipped, cursor[:-4], "not a cursor!", "", "e30", cursor * 10):
            with pytest.raises(QueryError, match="cursor"):
                search_enterprises(s, "腾", limit=2, cursor=bad)
        with pytest.raises(QueryError, match="cursor"):  # a cursor of another query
            search_enterprises(s, "腾飞", limit=2, cursor=cursor)
        assert len(search_enterprises(s, "腾", limit=500).hits) == 6  # cut to MAX_LIMIT


def test_pages_have_no_duplicates_or_gaps(
    tmp_path: Path, load: Loader, factory: sessionmaker[Session]
) -> None:
    names = ["星", "星光", "星光科技有限公司", "深圳星光有限公司", "广州市星辰有限公司"]
    rows = [
        enterprise_row(n, name=f"{names[n % 5]}{n // 5 or ''}", legal_rep="星" if n % 7 else "王")
        for n in range(1, 61)
    ]
    rows[3]["former_names"] = "星星"
    register(tmp_path, load, rows)
    with factory() as s:
        whole = search_enterprises(s, "星", limit=50)
        rest = search_enterprises(s, "星", limit=50, cursor=whole.next_cursor)
        assert rest.next_cursor is None
        every = [h.enterprise_id for h in whole.hits + rest.hits]
        assert len(every) == len(set(every)) == whole.total == 60
        assert not whole.total_is_lower_bound
        for size in (1, 7, 13):
            paged: list[int] = []
            cursor = None
            while True:
                page = search_enterprises(s, "星", limit=size, cursor=cursor)
                assert page.total == 60 and len(page.hits) <= size
                paged += [h.enterprise_id for h in page.hits]
                cursor = page.next_cursor
                if cursor is None:
                    break
            assert paged == every
