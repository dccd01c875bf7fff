"""The index follows the register through the real ingest path, and a rebuild agrees."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from entcredit.search.service import rebuild_index, refresh_index, search_enterprises
from tests.ingest.conftest import Loader
from tests.ingest.factories import enterprise_row, uscc
from tests.search.test_search import find, ids, register


def snapshot(s: Session) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    names = s.execute(text("SELECT enterprise_id, role, key, former FROM search_names"))
    grams = s.execute(text("SELECT gram, enterprise_id FROM search_grams"))
    return sorted(tuple(r) for r in names), sorted(tuple(r) for r in grams)


def test_a_load_and_a_rename_are_found_at_once(
    tmp_path: Path, load: Loader, factory: sessionmaker[Session]
) -> None:
    register(tmp_path, load, [enterprise_row(1, name="深圳市旧名有限公司")], "a")
    assert ids(find(factory, "旧")) == [(uscc(1), "substring")]
    register(
        tmp_path,
        load,
        [enterprise_row(1, name="深圳市新名有限公司", legal_rep="李四"), enterprise_row(2)],
        "b",
    )
    assert ids(find(factory, "新名")) == [(uscc(1), "substring")]
    hit = find(factory, "旧名")  # the register keeps the old name as a former name
    assert ids(hit) == [(uscc(1), "substring")] and hit[0].matched_name == "深圳市旧名有限公司"
    assert ids(find(factory, "深圳市旧名有限公司")) == [(uscc(1), "former_name")]
    assert ids(find(factory, "李四")) == [(uscc(1), "legal_rep")]
    assert find(factory, "张1") == []  # the legal representative it had before
    assert ids(find(factory, "测试2")) == [(uscc(2), "substring")]
    with factory() as s:
        incremental = snapshot(s)
        assert refresh_index(s, [1, 2, 999]) == 0  # in step already; 999 does not exist
        assert rebuild_index(s) == 2
        assert snapshot(s) == incremental


def test_a_correction_that_keeps_the_names_writes_nothing(
    tmp_path: Path, load: Loader, factory: sessionmaker[Session]
) -> None:
    register(tmp_path, load, [enterprise_row(1), enterprise_row(2)], "a")
    with factory() as s:
        before = snapshot(s)
        s.execute(text("DELETE FROM search_grams WHERE enterprise_id = 2"))
        s.execute(text("DELETE FROM search_names WHERE enterprise_id = 2"))
        s.commit()
    register(tmp_path, load, [enterprise_row(1, status="revoked")], "b")
    with factory() as s:
        assert search_enterprises(s, "测试2").hits == []  # nobody refreshed enterprise 2
        assert refresh_index(s, [1, 2]) == 1
        assert snapshot(s) == before
