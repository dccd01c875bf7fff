"""End-to-end ingest on SQLite and PostgreSQL: real files, real store."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from entcredit.ingest.pipeline import decode_outcomes
from entcredit.ingest.rules import Outcome
from entcredit.ingest.service import publish_due, record_history
from entcredit.store.models import (
    Enterprise,
    IngestBatch,
    IngestExtraColumns,
    IngestRowIssue,
    Person,
    PersonRole,
    Record,
    RecordVersion,
)
from tests.ingest.conftest import Loader
from tests.ingest.factories import (
    ENTERPRISE_HEADER,
    PENALTY_HEADER,
    enterprise_row,
    penalty_row,
    person_id,
    uscc,
    write_csv,
    write_jsonl,
    write_xlsx,
)

LABELS = {
    "dept_code": "归集部门代码",
    "source_id": "源记录标识",
    "uscc": "统一社会信用代码",
    "subject_name": "主体名称",
    "produced_on": "信息产生日期",
    "authority": "作出决定机关",
    "decision_no": "处罚决定书文号",
    "violation_type": "违法行为类型",
    "facts": "违法事实",
    "basis": "处罚依据",
    "penalty_kinds": "处罚类别",
    "fine_amount": "罚款金额(万元)",
}


def scalar(factory: sessionmaker[Session], stmt: object) -> object:
    with factory() as s:
        return s.scalar(stmt)  # type: ignore[call-overload]


def dump_records(factory: sessionmaker[Session]) -> list[tuple[object, ...]]:
    with factory() as s:
        return [
            tuple(r)
            for r in s.execute(
                select(
                    Record.dept_code,
                    Record.source_id,
                    Record.version,
                    Record.status,
                    Record.content_hash,
                    Record.enterprise_id,
                ).order_by(Record.dept_code, Record.source_id)
            )
        ]


def test_load_count_and_reload_is_idempotent(
    tmp_path: Path, load: Loader, factory: sessionmaker[Session]
) -> None:
    rows = [penalty_row(i) for i in range(1, 51)]
    path = write_csv(tmp_path / "penalty.csv", PENALTY_HEADER, rows)
    r1 = load(path, received_on=date(2024, 3, 5))
    assert (r1.rows_read, r1.rows_new, r1.rows_rejected) == (50, 50, 0)
    assert r1.rows_unlinked == 50  # no enterprise registered yet
    before = dump_records(factory)
    r2 = load(path, received_on=date(2024, 3, 6))
    assert (r2.rows_read, r2.rows_unchanged, r2.rows_new, r2.rows_corrected) == (50, 50, 0, 0)
    assert dump_records(factory) == before
    # A first load writes each record once; history only grows with corrections.
    assert scalar(factory, select(func.count()).select_from(RecordVersion)) == 0


def test_same_content_in_every_format_is_one_record(
    tmp_path: Path, load: Loader, factory: sessionmaker[Session]
) -> None:
    rows = [penalty_row(i) for i in range(1, 21)]
    base = load(write_csv(tmp_path / "a.csv", PENALTY_HEADER, rows))
    assert base.rows_new == 20
    # GBK, label headers, shuffled columns, no dept_code column (department from the option),
    # dates in another accepted format: the same content, so nothing changes.
    header = [h for h in reversed(PENALTY_HEADER) if h != "dept_code"]
    gbk_rows = [dict(r, produced_on="2024年3月1日") for r in rows]
    gbk = load(
        write_csv(tmp_path / "b.csv", header, gbk_rows, encoding="gbk", labels=LABELS),
        dept_code="DEPT_A",
    )
    assert gbk.encoding in ("gbk", "gb18030")
    assert (gbk.rows_unchanged, gbk.rows_rejected) == (20, 0)
    x = load(write_xlsx(tmp_path / "c.xlsx", PENALTY_HEADER, rows), category="penalty")
    assert x.rows_unchanged == 20
    j = load(write_jsonl(tmp_path / "d.jsonl", rows), category="penalty")
    assert j.rows_unchanged == 20
    assert scalar(factory, select(func.count()).select_from(Record)) == 20


def test_correction_and_withdrawal_keep_history(
    tmp_path: Path, load: Loader, factory: sessionmaker[Session]
) -> None:
    load(write_csv(tmp_path / "1.csv", PENALTY_HEADER, [penalty_row(1), penalty_row(2)]))
    r = load(write_csv(tmp_path / "2.csv", PENALTY_HEADER, [penalty_row(1, fine_amount="3")]))
    assert r.rows_corrected == 1
    r = load(
        write_csv(tmp_path / "3.csv", [*PENALTY_HEADER, "op"], [penalty_row(2, op="withdraw")])
    )
    assert r.rows_withdrawn == 1
    with factory() as s:
        rec1 = s.scalar(select(Record).where(Record.source_id == "P000001"))
        rec2 = s.scalar(select(Record).where(Record.source_id == "P000002"))
        assert rec1 is not None and rec2 is not None
        assert (rec1.version, rec1.fields["fine_amount"]) == (2, "3")
        assert (rec2.version, rec2.status) == (2, "withdrawn")
        h1 = record_history(s, rec1.id)
        assert [(v["op"], v["version"], v["fields"]["fine_amount"]) for v in h1] == [
            ("create", 1, "1.5"),
            ("correct", 2, "3"),
        ]
        h2 = record_history(s, rec2.id)
        assert [(v["op"], v["status"], v["fields"]["fine_amount"]) for v in h2] == [
            ("create", "active", "1.5"),
            ("withdraw", "withdrawn", "1.5"),
        ]
    # Withdrawing again changes nothing; withdrawing an unknown key is rejected with a reason.
    r = load(
        write_csv(
            tmp_path / "4.csv",
            [*PENALTY_HEADER, "op"],
            [penalty_row(2, op="withdraw"), penalty_row(9, op="withdraw")],
        )
    )
    assert (r.rows_unchanged, r.rows_rejected) == (1, 1)


def test_corrections_within_one_batch(
    tmp_path: Path, load: Loader, factory: sessionmaker[Session]
) -> None:
    rows = [
        penalty_row(1),
        penalty_row(1, fine_amount="2"),
        penalty_row(1, fine_amount="2"),
        penalty_row(2),
    ]
    r = load(write_csv(tmp_path / "p.csv", PENALTY_HEADER, rows))
    assert (r.rows_new, r.rows_corrected, r.rows_unchanged) == (2, 1, 1)
    with factory() as s:
        rec = s.scalar(select(Record).where(Record.source_id == "P000001"))
        assert rec is not None and rec.version == 2 and rec.fields["fine_amount"] == "2"
        assert [(v["op"], v["row_no"]) for v in record_history(s, rec.id)] == [
            ("create", 2),
            ("correct", 3),
        ]


def test_every_sequence_within_one_chunk_keeps_history(
    tmp_path: Path, load: Loader, factory: sessionmaker[Session]
) -> None:
    load(write_csv(tmp_path / "0.csv", [*PENALTY_HEADER, "op"], [penalty_row(1), penalty_row(2)]))
    rows = [
        penalty_row(1, op="withdraw"),
        penalty_row(1, fine_amount="5"),  # withdraw, reinstate
        penalty_row(2, fine_amount="6"),
        penalty_row(2, op="withdraw"),  # correct, withdraw
        penalty_row(3),
        penalty_row(3, fine_amount="7"),
        penalty_row(3, op="withdraw"),  # all three
    ]
    r = load(write_csv(tmp_path / "1.csv", [*PENALTY_HEADER, "op"], rows))
    assert (r.rows_new, r.rows_corrected, r.rows_withdrawn) == (1, 3, 3)
    with factory() as s:
        ids = dict(s.execute(select(Record.source_id, Record.id)).all())
        got = {
            sid: [
                (v["version"], v["op"], v["status"], v["fields"]["fine_amount"])
                for v in record_history(s, rid)
            ]
            for sid, rid in ids.items()
        }
    assert got == {
        "P000001": [
            (1, "create", "active", "1.5"),
            (2, "withdraw", "withdrawn", "1.5"),
            (3, "correct", "active", "5"),
        ],
        "P000002": [
            (1, "create", "active", "1.5"),
            (2, "correct", "active", "6"),
            (3, "withdraw", "withdrawn", "6"),
        ],
        "P000003": [
            (1, "create", "active", "1.5"),
            (2, "correct", "active", "7"),
            (3, "withdraw", "withdrawn", "7"),
        ],
    }


def test_rejections_name_row_field_and_reason(
    tmp_path: Path, load: Loader, factory: sessionmaker[Session]
) -> None:
    bad_code = uscc(3)[:-1] + ("0" if uscc(3)[-1] != "0" else "1")
    rows = [
        penalty_row(1),
        penalty_row(2, produced_on="2024-02-30"),
        penalty_row(3, uscc=bad_code),
        penalty_row(4, facts=""),
        penalty_row(5, fine_amount="-1"),
    ]
    r = load(write_csv(tmp_path / "p.csv", PENALTY_HEADER, rows))
    assert (r.rows_read, r.rows_new, r.rows_rejected) == (5, 1, 4)
    with factory() as s:
        issues = s.execute(
            select(IngestRowIssue.row_no, IngestRowIssue.field)
            .where(IngestRowIssue.severity == "error")
            .order_by(IngestRowIssue.row_no)
        ).all()
        assert [tuple(i) for i in issues] == [
            (3, "produced_on"),
            (4, "uscc"),
            (5, "facts"),
            (6, "fine_amount"),
        ]
        batch = s.get(IngestBatch, r.batch_id)
        assert batch is not None
        outcomes = decode_outcomes(batch.outcomes)
        assert outcomes == {
            2: Outcome.NEW,
            3: Outcome.REJECTED,
            4: Outcome.REJECTED,
            5: Outcome.REJECTED,
            6: Outcome.REJECTED,
        }


def test_unknown_columns_are_kept_aside(
    tmp_path: Path, load: Loader, factory: sessionmaker[Session]
) -> None:
    rows = [dict(penalty_row(1), 备注="补录", contact="13800138000")]
    r = load(write_csv(tmp_path / "p.csv", [*PENALTY_HEADER, "备注", "contact"], rows))
    assert r.unknown_columns == ["备注", "contact"]
    with factory() as s:
        extra = s.scalar(select(IngestExtraColumns))
        assert extra is not None and extra.data == {"备注": "补录", "contact": "13800138000"}


def test_unlinked_records_link_when_registered(
    tmp_path: Path, load: Loader, factory: sessionmaker[Session]
) -> None:
    rows = [
        penalty_row(1),
        penalty_row(2, subject_name="完全不同的名字"),
        penalty_row(3, subject_name="深圳市旧名3有限公司"),
    ]
    load(write_csv(tmp_path / "p.csv", PENALTY_HEADER, rows))
    assert (
        scalar(
            factory, select(func.count()).select_from(Record).where(Record.enterprise_id.is_(None))
        )
        == 3
    )
    ents = [
        enterprise_row(1),
        enterprise_row(2),
        enterprise_row(3, former_names="深圳市旧名3有限公司"),
    ]
    r = load(write_csv(tmp_path / "e.csv", ENTERPRISE_HEADER, ents))
    assert (r.rows_new, r.records_linked) == (3, 3)
    with factory() as s:
        got = dict(s.execute(select(Record.source_id, Record.name_mismatch)).all())
        assert got == {"P000001": False, "P000002": True, "P000003": False}
        assert (
            s.scalar(select(func.count()).select_from(Record).where(Record.enterprise_id.is_(None)))
            == 0
        )
    # Records arriving after registration are attributed at once.
    r = load(write_csv(tmp_path / "p2.csv", PENALTY_HEADER, [penalty_row(4, ent=1)]))
    assert (r.rows_new, r.rows_unlinked) == (1, 0)


def test_id_numbers_never_stored_in_full(tmp_path: Path, load: Loader, engine: Engine) -> None:
    load(write_csv(tmp_path / "e.csv", ENTERPRISE_HEADER, [enterprise_row(7)]))
    roles = [
        {"uscc": uscc(7), "person_name": "李四", "person_id": person_id(7), "role": "director"},
        {"uscc": uscc(8), "person_name": "李四", "person_id": person_id(7), "role": "legal_rep"},
    ]
    r = load(write_csv(tmp_path / "r.csv", ["uscc", "person_name", "person_id", "role"], roles))
    assert r.rows_new == 2
    # A rejected row keeps its raw copy for the department, masked.
    bad = [{"uscc": uscc(7), "person_name": "王五", "person_id": person_id(9), "role": "boss"}]
    load(write_csv(tmp_path / "r2.csv", ["uscc", "person_name", "person_id", "role"], bad))
    full = {person_id(7), person_id(9)}
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 1
        assert s.scalar(select(func.count()).select_from(PersonRole)) == 2
        for table in (
            "enterprises",
            "persons",
            "person_roles",
            "register_versions",
            "ingest_row_issues",
            "ingest_extra_columns",
            "audit_events",
        ):
            for row in s.execute(text(f"SELECT * FROM {table}")):
                blob = " ".join(str(c) for c in row)
                assert not any(p in blob for p in full), table


def test_deadlines_and_late_submissions(
    tmp_path: Path, load: Loader, factory: sessionmaker[Session]
) -> None:
    # 2024-09-27 (Fri) + 7 working days: 09-29 (a make-up Sunday), 09-30, then the National
    # Day holiday, 10-08..10-11, and 10-12 (a make-up Saturday): due 2024-10-12.
    rows = [penalty_row(1, produced_on="2024-09-27"), penalty_row(2, produced_on="2024-09-20")]
    r = load(write_csv(tmp_path / "p.csv", PENALTY_HEADER, rows), received_on=date(2024, 10, 11))
    assert r.rows_late == 1
    with factory() as s:
        rec = {x.source_id: x for x in s.scalars(select(Record))}
    assert rec["P000001"].aggregate_due == date(2024, 10, 12)
    assert rec["P000001"].aggregated_on_time is True
    assert rec["P000002"].aggregated_on_time is False
    # 20 working days from 2024-10-11, the make-up Saturday 10-12 counting as one.
    assert rec["P000001"].publish_due == date(2024, 11, 7)
    assert rec["P000001"].published_on == date(2024, 10, 11)  # immediate publication
    assert rec["P000001"].deadline_provisional is False


def test_deadline_into_uncovered_year_is_provisional(
    tmp_path: Path, load: Loader, factory: sessionmaker[Session]
) -> None:
    r = load(
        write_csv(tmp_path / "p.csv", PENALTY_HEADER, [penalty_row(1, produced_on="2026-12-28")]),
        received_on=date(2026, 12, 30),
    )
    assert r.rows_new == 1
    with factory() as s:
        rec = s.scalar(select(Record))
        assert rec is not None and rec.deadline_provisional is True


@pytest.mark.parametrize("mode", ["scheduled"])
def test_scheduled_publication(
    tmp_path: Path, mode: str, factory: sessionmaker[Session], settings: object
) -> None:
    from entcredit.ingest.context import IngestContext
    from entcredit.ingest.pipeline import LoadOptions
    from entcredit.ingest.service import load_path

    s2 = settings.model_copy(update={"publish_mode": mode})  # type: ignore[attr-defined]
    ctx = IngestContext.from_settings(s2)
    load_path(
        factory,
        ctx,
        write_csv(tmp_path / "p.csv", PENALTY_HEADER, [penalty_row(1)]),
        LoadOptions(received_on=date(2024, 3, 5)),
    )
    with factory() as s:
        assert s.scalar(select(Record.published_on)) is None
        assert publish_due(s, date(2024, 3, 4)) == 0
        assert publish_due(s, date(2024, 3, 6)) == 1
        assert publish_due(s, date(2024, 3, 6)) == 0
        s.commit()
        assert s.scalar(select(Record.published_on)) == date(2024, 3, 6)


def test_department_credentials_are_enforced(tmp_path: Path, load: Loader) -> None:
    rows = [penalty_row(1), penalty_row(2, dept_code="DEPT_B")]
    r = load(
        write_csv(tmp_path / "p.csv", PENALTY_HEADER, rows), dept_code="DEPT_A", enforce_dept=True
    )
    assert (r.rows_new, r.rows_rejected) == (1, 1)


def test_register_corrections_keep_former_names(
    tmp_path: Path, load: Loader, factory: sessionmaker[Session]
) -> None:
    load(write_csv(tmp_path / "e1.csv", ENTERPRISE_HEADER, [enterprise_row(1)]))
    r = load(
        write_csv(
            tmp_path / "e2.csv", ENTERPRISE_HEADER, [enterprise_row(1, name="深圳市新名有限公司")]
        )
    )
    assert r.rows_corrected == 1
    load(write_csv(tmp_path / "p.csv", PENALTY_HEADER, [penalty_row(1)]))  # under the old name
    with factory() as s:
        ent = s.scalar(select(Enterprise))
        assert ent is not None and ent.version == 2 and ent.name == "深圳市新名有限公司"
        assert s.scalar(select(Record.name_mismatch)) is False


def test_provisional_deadlines_are_recomputed_when_the_year_is_added(
    tmp_path: Path, factory: sessionmaker[Session], settings: object
) -> None:
    from entcredit.ingest.context import IngestContext
    from entcredit.ingest.pipeline import LoadOptions
    from entcredit.ingest.service import load_path, recompute_provisional

    base = IngestContext.from_settings(settings)  # type: ignore[arg-type]
    rows = [penalty_row(1, produced_on="2026-12-28"), penalty_row(2, produced_on="2026-06-01")]
    load_path(
        factory,
        base,
        write_csv(tmp_path / "p.csv", PENALTY_HEADER, rows),
        LoadOptions(received_on=date(2026, 12, 30)),
    )
    with factory() as s:
        assert s.scalar(select(func.count()).where(Record.deadline_provisional.is_(True))) == 2
        assert recompute_provisional(s, base) == (2, 2)  # nothing known yet: still provisional
    # The operator adds 2027 with 1-3 January off and a make-up Saturday on 9 January.
    cal = tmp_path / "calendar.yaml"
    cal.write_text(
        "years:\n  2027:\n    holidays: [2027-01-01]\n    workdays: [2027-01-09]\n", "utf-8"
    )
    from entcredit.core.calendar import WorkCalendar

    ctx = IngestContext(
        settings=base.settings, catalog=base.catalog, calendar=WorkCalendar.from_file(cal)
    )
    with factory() as s:
        assert recompute_provisional(s, ctx) == (2, 0)
        s.commit()
        rec = {r.source_id: r for r in s.scalars(select(Record))}
    # 2026-12-28 + 7 working days: 29, 30, 31 Dec, (1 Jan off), 4, 5, 6, 7 Jan.
    assert rec["P000001"].aggregate_due == date(2027, 1, 7)
    assert rec["P000001"].deadline_provisional is False
    # 20 working days from 2026-12-30 with the make-up Saturday 9 January counting.
    assert rec["P000002"].publish_due == date(2027, 1, 27)
    assert rec["P000002"].aggregated_on_time is False


def test_departments_load_at_the_same_time(
    tmp_path: Path, factory: sessionmaker[Session], ctx: object
) -> None:
    """Four departments, four threads, four connections: every batch lands whole."""
    from concurrent.futures import ThreadPoolExecutor

    from entcredit.ingest.pipeline import LoadOptions
    from entcredit.ingest.service import load_path

    paths = []
    for d in range(4):
        rows = [penalty_row(d * 10_000 + i, ent=i, dept_code=f"DEPT_{d}") for i in range(3000)]
        paths.append(write_csv(tmp_path / f"d{d}.csv", PENALTY_HEADER, rows))
    # Everyone also registers, concurrently, the enterprises the others' records point at.
    ents = [enterprise_row(i) for i in range(3000)]
    paths.append(write_csv(tmp_path / "e.csv", ENTERPRISE_HEADER, ents))

    def one(p: Path) -> object:
        return load_path(factory, ctx, p, LoadOptions(chunk_rows=500))  # type: ignore[arg-type]

    with ThreadPoolExecutor(max_workers=5) as pool:
        reports = list(pool.map(one, paths))
    assert [r.rows_new for r in reports] == [3000, 3000, 3000, 3000, 3000]  # type: ignore[attr-defined]
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Record)) == 12_000
        # Whatever the interleaving, nothing stays unlinked once the register is in.
        assert s.scalar(select(func.count()).where(Record.enterprise_id.is_(None))) == 0


def test_id_numbers_in_aggregated_records_are_masked_and_hashed(
    tmp_path: Path, load: Loader, factory: sessionmaker[Session], engine: Engine
) -> None:
    header = [
        "dept_code",
        "source_id",
        "uscc",
        "subject_name",
        "produced_on",
        "authority",
        "measure_code",
        "subject_person_id",
        "basis",
        "start_on",
    ]
    row = {
        "dept_code": "DEPT_A",
        "source_id": "R1",
        "uscc": uscc(1),
        "subject_name": "深圳市测试1有限公司",
        "produced_on": "2024-03-01",
        "authority": "深圳市市场监督管理局",
        "measure_code": "GD-CJ-031",
        "subject_person_id": person_id(3),
        "basis": "列入严重违法失信名单",
        "start_on": "2024-03-01",
    }
    bad = dict(row, source_id="R2", subject_person_id=person_id(4)[:-1] + "0")
    r = load(write_csv(tmp_path / "r.csv", header, [row, bad]), category="restriction")
    assert (r.rows_new, r.rows_rejected) == (1, 1)
    with factory() as s:
        fields = s.scalar(select(Record.fields))
    assert fields["subject_person_id"] == person_id(3)[:6] + "********" + person_id(3)[-4:]
    assert len(fields["subject_person_id_hash"]) == 64
    with Session(engine) as s:
        for table in ("records", "ingest_row_issues"):
            for db_row in s.execute(text(f"SELECT * FROM {table}")):
                blob = " ".join(str(c) for c in db_row)
                assert person_id(3) not in blob and person_id(4)[:-1] not in blob, table
