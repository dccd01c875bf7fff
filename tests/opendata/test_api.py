"""The open API over a real store (SQLite and PostgreSQL) loaded through the ingest path."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from fastapi.testclient import TestClient
from tests.ingest.factories import person_id, uscc
from tests.opendata.conftest import (
    ENTERPRISES,
    FORMULAS,
    LISTINGS,
    MANY,
    MANY_PENALTIES,
    PLANTED_ID,
    AppFactory,
    Province,
)

from entcredit.core.idnum import mask_id
from entcredit.opendata import exports
from entcredit.opendata.paging import PageCursor

API = "/api/v1/public"


def error_code(response: Any) -> str:
    return str(response.json()["error"]["code"])


def walk(client: TestClient, url: str, **params: Any) -> list[dict[str, Any]]:
    """Every page of a cursor-paged listing, following next_cursor."""
    pages = []
    cursor = None
    while True:
        query = dict(params, **({"cursor": cursor} if cursor else {}))
        r = client.get(url, params=query)
        assert r.status_code == 200, r.text
        pages.append(r.json())
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50


def decision_nos(items: list[dict[str, Any]]) -> list[str]:
    return [str(i["fields"]["decision_no"]) for i in items]


# ------------------------------------------------------------------------------ catalogue


def test_categories_list_public_fields_with_labels(client: TestClient) -> None:
    r = client.get(f"{API}/categories")
    assert r.status_code == 200
    cats = {c["name"]: c for c in r.json()["items"]}
    assert "penalty" in cats and "abnormal_list" in cats
    assert "address_signal" not in cats  # not public
    assert "enterprise" not in cats  # the register is read per enterprise
    penalty = {f["code"]: f for f in cats["penalty"]["fields"]}
    assert penalty["decision_no"]["label_zh"] == "处罚决定书文号"
    assert "source_id" not in penalty and "op" not in penalty
    assert {c["code"] for c in penalty["penalty_kinds"]["codes"]} >= {"fine", "warning"}
    restriction = {f["code"] for f in cats["restriction"]["fields"]}
    assert "subject_person_id" not in restriction  # PII, never public
    assert cats["penalty"]["exports"]["csv"] == f"{API}/exports/penalty.csv"


# --------------------------------------------------------------------------------- search


def test_search_pages_without_duplicates_or_gaps(client: TestClient) -> None:
    pages = walk(client, f"{API}/search", q="测试", limit=4)
    hits = [h for p in pages for h in p["items"]]
    found = [h["uscc"] for h in hits]
    assert len(found) == len(set(found))
    # Enterprise 2 was renamed to a formula payload: every other name holds 测试.
    assert set(found) == {uscc(e) for e in range(1, ENTERPRISES + 1) if e != 2}
    assert pages[0]["total"] == len(found)
    assert all(h["badges"] and h["badges"][0]["kind"] == "status" for h in hits)


def test_search_by_code(client: TestClient) -> None:
    r = client.get(f"{API}/search", params={"q": uscc(3)})
    assert r.status_code == 200
    first = r.json()["items"][0]
    assert first["uscc"] == uscc(3) and first["name"] == "深圳市测试3有限公司"
    assert r.headers["cache-control"] == "public, max-age=60"
    assert (
        client.get(
            f"{API}/search", params={"q": uscc(3)}, headers={"If-None-Match": r.headers["etag"]}
        ).status_code
        == 304
    )


def test_search_errors(client: TestClient) -> None:
    cases = [
        ({"q": " "}, 400, "query_empty"),
        ({"q": "测" * 100}, 400, "query_too_long"),
        ({"q": "测" * 241}, 422, "validation_error"),
        ({"q": "测试", "cursor": "garbage"}, 400, "cursor_invalid"),
        ({"q": "测试", "limit": 1000}, 422, "limit_too_large"),
        ({}, 422, "validation_error"),
    ]
    for params, status, code in cases:
        r = client.get(f"{API}/search", params=params)
        assert (r.status_code, error_code(r)) == (status, code), params


# ----------------------------------------------------------------------------- enterprise


def test_enterprise(client: TestClient, province: Province) -> None:
    r = client.get(f"{API}/enterprises/{uscc(MANY)}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["uscc"] == uscc(MANY) and body["name"] == f"深圳市测试{MANY}有限公司"
    sections = {s["category"]: s for s in body["sections"]}
    assert sections["penalty"]["count"] == MANY_PENALTIES
    assert sections["penalty"]["href"] == f"{API}/enterprises/{uscc(MANY)}/records/penalty"
    assert body["badges"][0]["kind"] == "status"
    # Lower-case and full-width input is the same code.
    assert client.get(f"{API}/enterprises/{uscc(MANY).lower()}").json()["uscc"] == uscc(MANY)

    missing = client.get(f"{API}/enterprises/{uscc(9999)}")
    assert (missing.status_code, error_code(missing)) == (404, "not_found")
    bad = client.get(f"{API}/enterprises/not-a-code")
    assert (bad.status_code, error_code(bad)) == (400, "uscc_invalid")


def test_records_pages_cover_the_set_once(client: TestClient, province: Province) -> None:
    url = f"{API}/enterprises/{uscc(MANY)}/records/penalty"
    pages = walk(client, url, limit=3)
    assert [len(p["items"]) for p in pages] == [3, 3, 1]
    assert all(p["total"] == MANY_PENALTIES for p in pages)
    seen = [n for p in pages for n in decision_nos(p["items"])]
    assert len(seen) == len(set(seen)) == MANY_PENALTIES
    assert set(seen) <= province.visible_penalties
    # A cursor carries its page size: a changed limit cannot shift the window.
    cursor = pages[0]["next_cursor"]
    again = client.get(url, params={"cursor": cursor, "limit": 1}).json()
    assert decision_nos(again["items"]) == decision_nos(pages[1]["items"])
    first = pages[0]["items"][0]
    assert first["category"] == "penalty" and first["published_on"] == "2024-03-05"
    assert first["fields"]["uscc"] == uscc(MANY)


def test_hidden_records_are_absent(client: TestClient, province: Province) -> None:
    shown: set[str] = set()
    for e in range(1, ENTERPRISES + 1):
        pages = walk(client, f"{API}/enterprises/{uscc(e)}/records/penalty", limit=100)
        shown |= {n for p in pages for n in decision_nos(p["items"])}
    assert shown == province.visible_penalties
    assert not shown & province.hidden_penalties


def test_record_errors(client: TestClient) -> None:
    base = f"{API}/enterprises/{uscc(MANY)}/records"
    for category in ("address_signal", "nope", "enterprise"):
        r = client.get(f"{base}/{category}")
        assert (r.status_code, error_code(r)) == (404, "category_unknown"), category
    r = client.get(f"{API}/enterprises/{uscc(9999)}/records/penalty")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = client.get(f"{base}/penalty", params={"limit": 101})
    assert (r.status_code, error_code(r)) == (422, "limit_too_large")
    assert r.json()["error"]["details"] == {"max": 100}
    r = client.get(f"{base}/penalty", params={"limit": 0})
    assert (r.status_code, error_code(r)) == (422, "validation_error")
    for cursor in ("garbage!", "eyJwIjowLCJuIjoxfQ", "x" * 600):
        r = client.get(f"{base}/penalty", params={"cursor": cursor})
        assert r.status_code in (400, 422), cursor
    r = client.get(f"{base}/penalty", params={"cursor": "garbage"})
    assert (r.status_code, error_code(r)) == (400, "cursor_invalid")
    deep = PageCursor(101, 100).encode()  # item 10,000 onwards
    r = client.get(f"{base}/penalty", params={"cursor": deep})
    assert (r.status_code, error_code(r)) == (400, "page_too_deep")
    assert (
        client.get(f"{base}/penalty", params={"cursor": PageCursor(100, 100).encode()}).json()[
            "items"
        ]
        == []
    )


# -------------------------------------------------------------------------------- notices


def test_notices_page_by_cursor(client: TestClient) -> None:
    pages = walk(client, f"{API}/notices", kind="abnormal_listing", limit=2)
    assert [len(p["items"]) for p in pages] == [2, 2, 1]
    seen = [n for p in pages for n in decision_nos(p["items"])]
    assert len(set(seen)) == LISTINGS
    assert all(i["fields"]["action"] == "list" for p in pages for i in p["items"])
    removals = client.get(f"{API}/notices", params={"kind": "abnormal_removal"}).json()
    assert len(removals["items"]) == 1 and removals["next_cursor"] is None

    params: dict[str, Any] = {"kind": "abnormal_listing", "region": "440100"}
    assert client.get(f"{API}/notices", params=params).json()["items"] == []
    params = {"kind": "abnormal_listing", "region": "440000", "from": "2024-03-05"}
    assert len(client.get(f"{API}/notices", params=params).json()["items"]) == LISTINGS
    params = {"kind": "abnormal_listing", "to": "2024-03-04"}
    assert client.get(f"{API}/notices", params=params).json()["items"] == []


def test_notice_errors(client: TestClient) -> None:
    r = client.get(f"{API}/notices", params={"kind": "gossip"})
    assert (r.status_code, error_code(r)) == (422, "validation_error")
    r = client.get(f"{API}/notices", params={"kind": "inspection", "region": "44"})
    assert r.status_code == 422
    params = {"kind": "inspection", "from": "2024-03-05", "to": "2024-03-01"}
    r = client.get(f"{API}/notices", params=params)
    assert (r.status_code, error_code(r)) == (400, "date_range_invalid")


# -------------------------------------------------------------------------------- caching


def test_etag_and_cache_headers(client: TestClient) -> None:
    url = f"{API}/enterprises/{uscc(MANY)}/records/penalty"
    r = client.get(url)
    etag = r.headers["etag"]
    assert etag.startswith('W/"')
    assert r.headers["cache-control"] == "public, max-age=60"
    same = client.get(url, headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.content == b""
    assert same.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": etag.removeprefix("W/")}).status_code == 304
    assert client.get(url, headers={"If-None-Match": 'W/"other", ' + etag}).status_code == 304
    assert client.get(url, headers={"If-None-Match": 'W/"other"'}).status_code == 200
    # Another page is another representation.
    other = client.get(url, params={"limit": 1})
    assert other.headers["etag"] != etag


# -------------------------------------------------------------------------------- exports


def read_export_csv(client: TestClient, category: str) -> list[dict[str, str]]:
    r = client.get(f"{API}/exports/{category}.csv")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["cache-control"] == "public, max-age=3600"
    assert r.content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))


def test_csv_export_is_the_public_set(client: TestClient, province: Province) -> None:
    rows = read_export_csv(client, "penalty")
    numbers = [r["处罚决定书文号"] for r in rows]
    assert len(numbers) == len(set(numbers))
    assert set(numbers) == province.visible_penalties
    assert "源记录标识" not in rows[0]  # source_id is not public
    assert rows[0]["公示日期"] == "2024-03-05"
    facts = [r["违法事实"] for r in rows]
    for formula in FORMULAS:
        assert "'" + formula + " 虚假宣传" in facts, formula
    names = {r["主体名称"] for r in rows}
    assert not any(n[:1] in "=+-@\t\r" for n in names)


def test_jsonl_export_parses_and_matches_csv(client: TestClient, province: Province) -> None:
    r = client.get(f"{API}/exports/penalty.jsonl")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/x-ndjson")
    assert "attachment" in r.headers["content-disposition"]
    lines = r.content.decode("utf-8").split("\n")
    assert lines[-1] == ""
    rows = [json.loads(line) for line in lines[:-1]]
    assert {row["decision_no"] for row in rows} == province.visible_penalties
    # JSON keeps the values as they are: no apostrophes.
    assert {row["facts"] for row in rows} >= {f + " 虚假宣传" for f in FORMULAS}
    assert rows[0]["penalty_kinds"] == ["fine"]


def test_export_errors(client: TestClient) -> None:
    for path in ("address_signal.csv", "nope.jsonl", "enterprise.csv"):
        r = client.get(f"{API}/exports/{path}")
        assert (r.status_code, error_code(r)) == (404, "category_unknown"), path
    assert client.get(f"{API}/exports/penalty.xlsx").status_code == 404


# ------------------------------------------------------------------------ personal data


def test_no_full_id_number_in_any_response(client: TestClient, province: Province) -> None:
    urls = [
        f"{API}/categories",
        f"{API}/exports/penalty.csv",
        f"{API}/exports/penalty.jsonl",
        f"{API}/exports/abnormal_list.csv",
        f"{API}/notices?kind=abnormal_listing&limit=100",
        f"{API}/search?q=测试&limit=100",
        f"{API}/search?q=张1",
        f"{API}/search?q={PLANTED_ID}",
        f"{API}/search?q={person_id(1)}",
    ]
    for e in range(1, ENTERPRISES + 1):
        urls.append(f"{API}/enterprises/{uscc(e)}")
        urls.append(f"{API}/enterprises/{uscc(e)}/records/penalty?limit=100")
    texts = []
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, url
        texts.append(r.content.decode("utf-8"))
    everything = "\n".join(texts)
    for full in province.full_ids:
        assert full not in everything
    # The planted number is there, masked: the test looks where it could have leaked.
    assert mask_id(PLANTED_ID) in everything


# ------------------------------------------------------------------------ documentation


def test_openapi_documents_the_open_api(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/v1/public/search",
        "/api/v1/public/enterprises/{uscc}",
        "/api/v1/public/enterprises/{uscc}/records/{category}",
        "/api/v1/public/notices",
        "/api/v1/public/categories",
        "/api/v1/public/exports/{category}.csv",
        "/api/v1/public/exports/{category}.jsonl",
    ):
        assert "get" in paths[path], path
    ok = paths["/api/v1/public/enterprises/{uscc}"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["$ref"].endswith("/EnterpriseOut")
    assert "ErrorOut" in spec["components"]["schemas"]
    assert "429" in paths["/api/v1/public/notices"]["get"]["responses"]


# ---------------------------------------------------------------------------- rate limits


def test_api_rate_limit_answers_429(make_client: AppFactory) -> None:
    c = make_client(ratelimit_api="3/minute", ratelimit_heavy="1/minute")
    codes = [c.get(f"{API}/categories").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = c.get(f"{API}/enterprises/{uscc(MANY)}")
    assert (r.status_code, error_code(r)) == (429, "rate_limited")
    assert int(r.headers["retry-after"]) >= 1
    assert r.headers["x-content-type-options"] == "nosniff"  # security headers still apply
    assert c.get(f"{API}/exports/penalty.csv").status_code == 200
    assert c.get(f"{API}/exports/penalty.jsonl").status_code == 429
    assert c.get("/healthz").status_code == 200


def test_page_rate_limit_answers_429(make_client: AppFactory) -> None:
    c = make_client(ratelimit_pages="2/minute", ratelimit_heavy="1/minute")
    for path in ("/search", f"/enterprise/{uscc(MANY)}"):
        assert c.get(path).status_code != 429
    r = c.get("/notices")
    assert r.status_code == 429
    assert "Too many requests" in r.text and r.headers["retry-after"]
    assert c.get(f"/enterprise/{uscc(MANY)}/report.pdf").status_code != 429
    assert c.get(f"/enterprise/{uscc(MANY)}/report.pdf").status_code == 429


def test_export_streams_in_many_chunks(client: TestClient, monkeypatch: Any) -> None:
    # Tiny chunks: each is produced by a separate step of the stream (a thread-pool hop), so
    # the export's own read transaction must survive between them.
    monkeypatch.setattr(exports, "CHUNK_CHARS", 64)
    whole = b""
    chunks = 0
    with client.stream("GET", f"{API}/exports/penalty.csv") as r:
        for chunk in r.iter_raw():
            whole += chunk
            chunks += 1
    assert chunks > 5
    monkeypatch.undo()
    assert whole == client.get(f"{API}/exports/penalty.csv").content


def test_concurrent_exports_are_capped(make_client: AppFactory, monkeypatch: Any) -> None:
    c = make_client(ratelimit_enabled=False, export_max_streams=1)
    monkeypatch.setattr(exports, "CHUNK_CHARS", 64)
    with c.stream("GET", f"{API}/exports/penalty.csv") as first:
        chunks = first.iter_raw()
        next(chunks)  # the first export is now streaming
        busy = c.get(f"{API}/exports/penalty.jsonl")
        assert (busy.status_code, error_code(busy)) == (503, "exports_busy")
        assert busy.headers["retry-after"] == "60"
        for _ in chunks:
            pass
    assert c.get(f"{API}/exports/penalty.jsonl").status_code == 200
