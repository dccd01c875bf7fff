"""The portal's HTML pages, rendered by the real app over the loaded province."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from entcredit.search.service import rebuild_index
from tests.ingest.factories import uscc
from tests.portal.conftest import AS_OF, SCRIPT_NAME, Province


def _every_page(client: TestClient, province: Province) -> dict[str, str]:
    urls = ["/", "/notices", f"/enterprise/{uscc(1)}", f"/enterprise/{uscc(2)}"]
    urls += [f"/enterprise/{uscc(1)}?section={s}" for s in ("personnel", "penalty", "license")]
    urls += [f"/enterprise/{uscc(1)}?section=abnormal_list", f"/enterprise/{uscc(1)}?lang=en"]
    urls += [f"/notices?kind={k}" for k in ("abnormal_removal", "serious_listing", "inspection")]
    pages = {}
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:500])
        pages[url] = r.text
    return pages


def test_no_full_id_number_and_no_hidden_record_on_any_page(
    client: TestClient, province: Province
) -> None:
    pages = _every_page(client, province)
    for url, text in pages.items():
        for full in province.full_ids:
            assert full not in text, url
        for why, decision in province.hidden.items():
            assert decision not in text, (url, why)
    penalty = pages[f"/enterprise/{uscc(1)}?section=penalty"]
    assert "深市监罚〔2024〕1号" in penalty
    assert province.full_ids[2][:6] + "********" in penalty  # shown masked
    personnel = pages[f"/enterprise/{uscc(1)}?section=personnel"]
    assert "张一" in personnel and "********" in personnel


def test_script_name_is_escaped(client: TestClient, province: Province) -> None:
    for url in (f"/enterprise/{uscc(2)}", "/notices"):
        text = client.get(url).text
        assert SCRIPT_NAME not in text
        assert html.escape(SCRIPT_NAME, quote=False) in text


def test_enterprise_page_structure(client: TestClient, province: Province) -> None:
    text = client.get(f"/enterprise/{uscc(1)}?section=license").text
    assert "<h1>深圳市测试1有限公司</h1>" in text
    assert f"信息截至 {AS_OF.isoformat()}" in text
    assert "列入经营异常名录" in text and "列入严重违法失信名单" in text
    assert f'href="/enterprise/{uscc(1)}/report.pdf"' in text and 'href="/report/verify"' in text
    assert re.search(
        r'section=license" aria-current="page">行政许可 <span class="count">\(25\)', text
    )
    assert "<caption>" in text and '<th scope="col">' in text
    assert re.search(r'aria-current="page">1</a>', text)
    assert 'rel="next"' in text and text.count("深市监许〔2024〕") == 20
    page2 = client.get(f"/enterprise/{uscc(1)}?section=license&page=2").text
    assert page2.count("深市监许〔2024〕") == 5 and re.search(r'aria-current="page">2</a>', page2)
    registration = client.get(f"/enterprise/{uscc(1)}").text
    assert "深圳市旧名1有限公司" in registration and "存续" in registration


def test_english(client: TestClient, province: Province) -> None:
    r = client.get(f"/enterprise/{uscc(1)}?section=penalty&lang=en")
    text = r.text
    assert "entcredit_lang=en" in r.headers["set-cookie"]  # the choice is remembered
    assert '<html lang="en">' in text
    assert "Administrative penalty" in text and "Fine" in text and "Active" in text
    assert f"Information as of {AS_OF.isoformat()}" in text
    assert "Key personnel" in text and 'lang="zh-CN"' in client.get(f"/enterprise/{uscc(1)}").text


def test_not_found_and_bad_requests(client: TestClient, province: Province) -> None:
    r = client.get(f"/enterprise/{uscc(999)}")
    assert r.status_code == 404 and "未找到该市场主体" in r.text and uscc(999) in r.text
    assert client.get(f"/enterprise/{'X' * 300}").status_code == 404
    assert client.get(f"/enterprise/{uscc(1)}?section=nope").status_code == 400
    for page in ("0", "501", "9" * 5000, "x"):
        r = client.get(f"/enterprise/{uscc(1)}?section=license&page={page}")
        assert r.status_code == 400 and "1 至 500" in r.text
    bad = client.get("/notices?from=2024-13-45")
    assert bad.status_code == 400 and "2024-13-45" in bad.text
    assert client.get("/notices?region=44").status_code == 400
    assert client.get("/notices?kind=gossip").status_code == 400


def test_notices_page_filters(client: TestClient, province: Province) -> None:
    text = client.get("/notices").text
    assert '<option value="440300">深圳市 (440300)</option>' in text
    assert "深市监异〔2024〕1号" in text and "穗天市监异〔2024〕4号" in text
    gz = client.get("/notices?kind=abnormal_listing&region=440100&from=&to=").text
    assert "穗天市监异〔2024〕4号" in gz and "深市监异〔2024〕1号" not in gz
    late = client.get("/notices?from=2024-04-01").text
    assert "穗天市监异〔2024〕4号" in late and "深市监异〔2024〕1号" not in late
    assert "所选条件下暂无公告" in client.get("/notices?kind=abnormal_removal").text


def test_landing_page_is_the_search_entry(client: TestClient) -> None:
    text = client.get("/").text
    assert '<form class="search" method="get" action="/search" role="search">' in text
    assert '<label for="q">' in text and 'href="/login"' in text


def test_empty_search_needs_no_index(client: TestClient) -> None:
    r = client.get("/search?q=")
    assert r.status_code == 200 and "请输入要查询的企业名称" in r.text


def test_search_page(client: TestClient, province: Province) -> None:
    with province.factory() as s:
        rebuild_index(s)
        s.commit()
    r = client.get("/search?q=测试")
    assert r.status_code == 200
    text = r.text
    assert f'<a href="/enterprise/{uscc(1)}">深圳市测试1有限公司</a>' in text
    assert "共找到 1 个市场主体" in text and "名称包含" in text
    assert "存续" in text and "列入经营异常名录" in text and "列入严重违法失信名单" in text
    escaped = client.get("/search?q=script").text
    assert SCRIPT_NAME not in escaped and html.escape(SCRIPT_NAME, quote=False) in escaped
    assert "标记为经营异常状态" in escaped
    missing = client.get("/search?q=不存在的企业名称")
    assert (
        missing.status_code == 200 and "没有找到与“不存在的企业名称”相符的市场主体" in missing.text
    )
    bad = client.get("/search?q=" + "长" * 300 + "&lang=en")
    assert bad.status_code == 400 and "This query cannot be run" in bad.text
    assert client.get("/search?q=测试&cursor=garbage").status_code == 400
