"""``entcredit search``: a real process against a store loaded through ingest."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tests.cli.test_cli import env_for, run
from tests.ingest.conftest import Loader
from tests.ingest.factories import enterprise_row, uscc
from tests.search.test_search import register


def test_reindex_rebuilds_and_find_prints_a_page(
    tmp_path: Path, db_url: str, load: Loader, factory: sessionmaker[Session]
) -> None:
    register(tmp_path, load, [enterprise_row(n, name=f"惠州市星{n}有限公司") for n in (1, 2, 3)])
    with factory() as s:
        s.execute(text("DELETE FROM search_grams"))
        s.execute(text("DELETE FROM search_names"))
        s.commit()
    env = env_for(tmp_path, db_url)
    assert "星" not in run(["search", "find", "星"], env).stdout
    assert "indexed 3 enterprises" in run(["search", "reindex"], env).stderr
    page = run(["search", "find", "星", "--limit", "2"], env)
    assert uscc(1) in page.stdout and uscc(3) not in page.stdout
    assert "--cursor" in page.stderr
    cursor = page.stderr.split("--cursor", 1)[1].split()[0]
    assert uscc(3) in run(["search", "find", "星", "--limit", "2", "--cursor", cursor], env).stdout
    bad = run(["search", "find", " "], env, check=False)
    assert bad.returncode != 0 and "the query is empty" in bad.stderr
