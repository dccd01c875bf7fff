"""Credit-check benchmark (issue 4): subject checks per second in batches of 10,000 and the
latency of a single check (p50/p99), in process through ``credit.service.check_subjects`` and,
with ``--http``, over HTTP on loopback (``POST /api/v1/credit-check``, one uvicorn worker), on
SQLite and PostgreSQL. Every check is logged as in production (the log rows are part of the
cost). Goals on 2 cores: >= 10,000 checks/s in batch, p99 <= 20 ms for a single check.

The store is bulk-generated straight into the tables (register, persons, key personnel, list
entries, restriction records), not loaded through ingest: ingest has its own benchmark, and a
million entities through it would take most of an hour. The shapes match what ingest and the
list service write: hashed ID numbers, ``fields`` JSON with the person's hash, the list
columns the credit check reads. Subjects asked: 80 % USCCs (5 % unregistered), 19 % resident
ID numbers of key personnel, 1 % malformed.

    .venv/bin/python benchmarks/bench_credit_check.py                 # full: 1 M entities
    .venv/bin/python benchmarks/bench_credit_check.py --entities 20000 --entries 4000 \\
        --batches 3 --singles 300 --http                              # small, for development

Prints checks/s and latencies and writes benchmarks/out/credit_check.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import text

from _stores import OUT, fresh_store
from entcredit.core.idnum import hash_id, make_resident_id, mask_id
from entcredit.core.uscc import compute_org_check_char, make_uscc
from entcredit.credit.measures import load_measures
from entcredit.credit.service import check_subjects
from entcredit.identity.service import issue_token
from entcredit.lists.config import add_years
from entcredit.settings import Settings
from entcredit.store.bulk import bulk_store
from entcredit.store.db import make_engine, make_session_factory, unit_of_work

PII_KEY = "b" * 40
AS_OF = date(2026, 3, 5)
CHUNK = 50_000
ROLES = ("director", "supervisor", "manager")


def uscc(n: int) -> str:
    org = f"{n:08d}"
    return make_uscc(f"91440300{org}{compute_org_check_char(org)}")


def person_id(n: int) -> str:
    birth = date(1950, 1, 1) + timedelta(days=n // 900)
    return make_resident_id(f"440305{birth:%Y%m%d}{n % 900 + 100:03d}")


def settings_for(url: str) -> Settings:
    return Settings(database_url=url, data_dir=OUT, pii_hash_key=PII_KEY)


def _insert(session: Any, table: str, cols: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    store = bulk_store(session)
    for i in range(0, len(rows), CHUNK):
        store.insert(table, cols, rows[i : i + CHUNK])


def generate(url: str, n_ent: int, n_entries: int, n_restrictions: int) -> dict[str, Any]:
    """The store: ``n_ent`` enterprises, one legal rep each (persons 0..n-1) and a key person
    in every other one (persons n..), ``n_entries`` list entries (a quarter serious), and
    restriction records (half on persons). Returns the subject pools and timings."""
    rng = random.Random(7)
    key = PII_KEY.encode()
    t0 = time.perf_counter()
    now = datetime(2026, 3, 1, tzinfo=UTC).isoformat()
    n_persons = n_ent + n_ent // 2
    ids = [person_id(i) for i in range(n_persons)]
    hashes = [hash_id(key, x) for x in ids]
    factory = make_session_factory(make_engine(settings_for(url)))
    with unit_of_work(factory) as s:
        people = [(i + 1, hashes[i], mask_id(ids[i]), f"人{i}") for i in range(n_persons)]
        _insert(s, "persons", ("id", "id_hash", "id_masked", "name"), people)
        revoked = set(rng.sample(range(n_ent), n_ent // 100))
        _insert(
            s,
            "enterprises",
            ("id", "uscc", "name", "entity_type", "legal_rep", "legal_rep_id_hash",
             "legal_rep_id_masked", "established_on", "reg_authority", "region_code", "address",
             "status", "status_on", "content_hash", "version", "updated_at"),
            [
                (i + 1, uscc(i), f"测试{i}有限公司", "enterprise", f"人{i}", hashes[i],
                 mask_id(ids[i]), "2015-03-02", "深圳市市场监督管理局", "440300", f"深圳{i}号",
                 "revoked" if i in revoked else "active",
                 "2024-06-01" if i in revoked else None, "0" * 32, 1, now)
                for i in range(n_ent)
            ],
        )  # fmt: skip
        _insert(
            s,
            "person_roles",
            ("uscc", "enterprise_id", "person_id", "role", "content_hash", "version"),
            [(uscc(e), e + 1, n_ent + j + 1, ROLES[j % 3], "0" * 32, 1)
             for j, e in enumerate(range(0, n_ent, 2))],
        )  # fmt: skip
        listed = rng.sample(range(n_ent), n_entries)
        entries = []
        for k, e in enumerate(listed):
            serious = k % 4 == 0
            on = date(2023, 1, 1) + timedelta(days=rng.randrange(1200))
            in_force = rng.random() < 0.8
            entries.append(
                (f"B{k}", "serious" if serious else "abnormal", uscc(e), e + 1,
                 "published" if serious else "listed", in_force, "5" if serious else "1",
                 f"粤市监列〔2025〕{k}号", "深圳市市场监督管理局", "AMR440300", on.isoformat(),
                 None if in_force else (on + timedelta(days=200)).isoformat(), False,
                 add_years(on, 3).isoformat() if serious else None, "{}", 1, now)
            )  # fmt: skip
        _insert(
            s,
            "list_entries",
            ("entry_key", "list_kind", "uscc", "enterprise_id", "state", "in_force",
             "reason_code", "decision_no", "authority", "dept_code", "listed_on", "ended_on",
             "repaired", "expires_on", "data", "version", "updated_at"),
            entries,
        )  # fmt: skip
        records = []
        for k in range(n_restrictions):
            on_person = k % 2 == 1
            e = rng.randrange(n_ent)
            fields: dict[str, Any] = {
                "measure_code": rng.choice(["DR01", "DR02", "SL03"]), "basis": "《某法》第一条",
                "start_on": "2025-01-01", "end_on": None if k % 3 else "2027-12-31",
            }  # fmt: skip
            if on_person:
                p = rng.randrange(n_persons)
                fields |= {
                    "subject_person_id": mask_id(ids[p]),
                    "subject_person_id_hash": hashes[p],
                }
            records.append(
                (k + 1, "restriction", "TAX440300", f"R{k}", None if on_person else uscc(e),
                 None if on_person else e + 1, "某主体", "2025-01-01", "国家税务总局深圳市税务局",
                 orjson.dumps(fields).decode(), "active", 1, "0" * 32, "2025-01-02",
                 "2025-02-01", False, False, 1, 1, "create", 1)
            )  # fmt: skip
        _insert(
            s,
            "records",
            ("id", "category", "dept_code", "source_id", "uscc", "enterprise_id", "subject_name",
             "produced_on", "authority", "fields", "status", "version", "content_hash",
             "received_on", "publish_due", "deadline_provisional", "name_mismatch",
             "first_batch_id", "last_batch_id", "last_op", "last_row_no"),
            records,
        )  # fmt: skip
    with factory.kw["bind"].connect() as c:
        c.exec_driver_sql("ANALYZE")
        c.commit()
    factory.kw["bind"].dispose()
    return {
        "seconds": time.perf_counter() - t0,
        "usccs": [uscc(i) for i in range(n_ent)],
        "persons": ids,
    }


def subjects(pool: dict[str, Any], n: int, rng: random.Random) -> list[str]:
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.76:
            out.append(rng.choice(pool["usccs"]))
        elif r < 0.80:
            out.append(uscc(10**7 + rng.randrange(10**7)))  # not registered
        elif r < 0.99:
            out.append(rng.choice(pool["persons"]))
        else:
            out.append("91440300BAD" + str(rng.randrange(10**6)))
    return out


def pct(values: list[float], q: int) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


def in_process(url: str, pool: dict[str, Any], args: Any) -> dict[str, Any]:
    settings = settings_for(url)
    engine = make_engine(settings)
    factory = make_session_factory(engine.execution_options(sqlite_begin="IMMEDIATE"))
    catalogue = load_measures()
    rng = random.Random(3)
    key = PII_KEY.encode()

    cpu = 0.0

    def run(batch: list[str]) -> tuple[float, int]:
        nonlocal cpu
        t, c = time.perf_counter(), time.process_time()
        with unit_of_work(factory) as s:
            call = check_subjects(s, batch, "procurement", as_of=AS_OF, asked_by="bench",
                                  pii_key=key, catalogue=catalogue)  # fmt: skip
        cpu += time.process_time() - c
        return time.perf_counter() - t, call.restricted

    run(subjects(pool, 1000, rng))  # warm caches and plans
    batch_s, restricted, cpu = 0.0, 0, 0.0
    for _ in range(args.batches):
        dt, r = run(subjects(pool, args.batch_size, rng))
        batch_s += dt
        restricted += r
    batch_cpu = cpu
    singles = [run(subjects(pool, 1, rng))[0] * 1000 for _ in range(args.singles)]
    engine.dispose()
    n = args.batches * args.batch_size
    return {
        "batch_checks": n,
        "batch_seconds": batch_s,
        "batch_checks_per_s": n / batch_s,
        # This process's CPU only (SQLite works inside it; PostgreSQL's server does not):
        # on a shared machine wall time also counts waiting for the cores.
        "batch_checks_per_cpu_s": n / batch_cpu,
        "restricted_share": restricted / n,
        "single_p50_ms": pct(singles, 50),
        "single_p99_ms": pct(singles, 99),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def over_http(url: str, pool: dict[str, Any], args: Any) -> dict[str, Any]:
    settings = settings_for(url)
    factory = make_session_factory(make_engine(settings))
    with unit_of_work(factory) as s:
        s.execute(text(
            "INSERT INTO departments (dept_code, name, region_code, level, is_market_regulator,"
            " content_hash, version, updated_at) VALUES ('BANK', '银行', '440000', 'province',"
            " false, '0', 1, CURRENT_TIMESTAMP)"))  # fmt: skip
        token = issue_token(s, dept_code="BANK", name="bench").plaintext
    port = _free_port()
    env = {**os.environ, "ENTCREDIT_DATABASE_URL": url, "ENTCREDIT_PII_HASH_KEY": PII_KEY,
           "ENTCREDIT_DATA_DIR": str(OUT), "ENTCREDIT_RATELIMIT_ENABLED": "false"}  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "benchmarks.bench_credit_check:app",
         "--port", str(port), "--log-level", "warning"],
        env=env, cwd=Path(__file__).parent.parent,
    )  # fmt: skip
    rng = random.Random(5)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            for _ in range(200):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)

            def post(batch: list[str]) -> float:
                t = time.perf_counter()
                r = client.post("/api/v1/credit-check", json={"action": "loan", "subjects": batch})
                r.raise_for_status()
                return time.perf_counter() - t

            post(subjects(pool, 1000, rng))
            batch_s = sum(post(subjects(pool, args.batch_size, rng)) for _ in range(args.batches))
            singles = [post(subjects(pool, 1, rng)) * 1000 for _ in range(args.singles)]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    n = args.batches * args.batch_size
    return {
        "batch_checks_per_s": n / batch_s,
        "single_p50_ms": pct(singles, 50),
        "single_p99_ms": pct(singles, 99),
    }


def app() -> Any:
    """The uvicorn factory of the HTTP run (settings from the environment)."""
    from entcredit.web.app import create_app

    return create_app(Settings())


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--entities", type=int, default=1_000_000)
    ap.add_argument("--entries", type=int, default=200_000)
    ap.add_argument("--restrictions", type=int, default=20_000)
    ap.add_argument("--batch-size", type=int, default=10_000)
    ap.add_argument("--batches", type=int, default=10)
    ap.add_argument("--singles", type=int, default=2000)
    ap.add_argument("--stores", default="sqlite,postgresql")
    ap.add_argument("--http", action="store_true", help="also measure over HTTP on loopback")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    results: dict[str, Any] = {
        "entities": args.entities, "list_entries": args.entries,
        "restrictions": args.restrictions, "batch_size": args.batch_size,
        "cpu_count": os.cpu_count(), "stores": {},
    }  # fmt: skip
    for kind in [s for s in args.stores.split(",") if s]:
        url = fresh_store(kind, "bench-credit", settings_for)
        pool = generate(url, args.entities, args.entries, args.restrictions)
        print(f"{kind}: generated in {pool['seconds']:.0f} s", flush=True)
        res: dict[str, Any] = {
            "generate_seconds": pool["seconds"],
            "in_process": in_process(url, pool, args),
        }
        ip = res["in_process"]
        print(f"{kind:10} in process: {ip['batch_checks_per_s']:9,.0f} checks/s (batch;"
              f" {ip['batch_checks_per_cpu_s']:,.0f} per CPU s),"
              f" single p50 {ip['single_p50_ms']:.1f} ms p99 {ip['single_p99_ms']:.1f} ms",
              flush=True)  # fmt: skip
        if args.http:
            res["http"] = h = over_http(url, pool, args)
            print(f"{kind:10} over HTTP:  {h['batch_checks_per_s']:9,.0f} checks/s (batch),"
                  f" single p50 {h['single_p50_ms']:.1f} ms p99 {h['single_p99_ms']:.1f} ms",
                  flush=True)  # fmt: skip
        results["stores"][kind] = res
    results["goals"] = {"batch_checks_per_s": 10_000, "single_p99_ms": 20}
    (OUT / "credit_check.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
