"""The credit check against a store loaded through ingest, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from entcredit.credit.models import CreditCheckCall, CreditCheckHit, CreditCheckSubject
from entcredit.credit.service import restriction_stats
from entcredit.ingest.context import IngestContext
from entcredit.ingest.pipeline import LoadOptions
from entcredit.ingest.service import load_path
from entcredit.lists.serious import LEGACY_ARTICLE
from entcredit.settings import Settings
from entcredit.store.db import unit_of_work
from tests.credit.conftest import AS_OF, REVOKED_ON, P, add_entry, run_check
from tests.ingest.factories import person_id, uscc, write_csv

Factory = sessionmaker[Session]


def test_serious_list_restricts_procurement_with_basis_and_end(
    province: Factory, settings: Settings
) -> None:
    call = run_check(province, settings, [P.serious, P.clean, P.unknown], "procurement")
    listed, clean, unknown = call.results
    assert listed.restricted and not unknown.restricted
    (hit,) = listed.hits
    assert hit.measure_code == "SL02" and hit.source == "list_entry" and hit.list_kind == "serious"
    assert "第十五条" in hit.basis and "政府采购法" in hit.basis
    assert hit.decision_no == "粤市监S1号" and hit.authority == "广东省市场监督管理局"
    assert hit.since == date(2025, 1, 10) and hit.until == date(2028, 1, 9)
    # The clean enterprise's own restriction record is about loans, not procurement.
    assert not clean.restricted
    loan = run_check(province, settings, [P.serious], "loan").results[0]
    assert [h.measure_code for h in loan.hits] == ["SL03"]


def test_abnormal_list_triggers_only_its_measures(province: Factory, settings: Settings) -> None:
    hits = {
        action: [h.measure_code for h in run_check(province, settings, [P.abnormal], action)
                 .results[0].hits]
        for action in ("procurement", "honours", "loan", "licensing", "pledge_approval")
    }  # fmt: skip
    assert hits == {
        "procurement": ["AB01"],
        "honours": ["AB02"],
        "loan": [],
        "licensing": [],
        "pledge_approval": [],
    }


def test_person_linked_through_several_enterprises(province: Factory, settings: Settings) -> None:
    a = run_check(province, settings, [P.person_a], "listed_company_officer").results[0]
    assert a.subject_kind == "person" and a.restricted
    assert a.label == P.person_a[:6] + "********" + P.person_a[14:]
    via = sorted((h.measure_code, h.via_uscc, h.via_role) for h in a.hits)
    assert via == [
        ("SL06", P.serious, "legal_rep"),
        ("SL06", P.serious2, "director"),
    ]
    # No measure on a legal rep's appointment for these listings (not a 3-year transfer), and
    # the enterprises themselves, not the person, are restricted in procurement.
    for action in ("legal_rep_appointment", "procurement"):
        assert not run_check(province, settings, [P.person_a], action).results[0].restricted
    assert (
        not run_check(province, settings, [P.person_e], "listed_company_officer")
        .results[0]
        .restricted
    )


def test_transfer_after_three_years_bars_the_legal_rep(
    province: Factory, settings: Settings
) -> None:
    with unit_of_work(province) as s:
        add_entry(
            s, "S9", "serious", P.clean, date(2025, 9, 1), expires_on=date(2028, 9, 1),
            reason_code=LEGACY_ARTICLE,
        )  # fmt: skip
    # Person A is the clean enterprise's manager, not its legal representative.
    assert (
        not run_check(province, settings, [P.person_a], "legal_rep_appointment")
        .results[0]
        .restricted
    )
    rep = run_check(province, settings, [person_id(4)], "legal_rep_appointment").results[0]
    assert [h.measure_code for h in rep.hits] == ["SL07"]
    assert rep.hits[0].until == date(2028, 8, 31)


def test_company_law_178_three_year_window(province: Factory, settings: Settings) -> None:
    def restricted(who: str, on: date) -> bool:
        r = run_check(province, settings, [who], "director_appointment", as_of=on).results[0]
        return r.restricted

    assert not restricted(P.person_b, date(2023, 3, 5))  # the day before revocation
    assert restricted(P.person_b, REVOKED_ON)
    assert restricted(P.person_b, date(2026, 3, 5))  # last day of the 3 years
    assert not restricted(P.person_b, date(2026, 3, 6))  # 3 years after revocation
    hit = run_check(province, settings, [P.person_b], "listed_company_officer", as_of=REVOKED_ON)
    (h,) = hit.results[0].hits
    assert (h.measure_code, h.source, h.via_uscc, h.until) == (
        "CL178", "revocation", P.revoked, date(2026, 3, 5),
    )  # fmt: skip
    assert "第一百七十八条" in h.basis
    # A director of the revoked company is not its legal representative.
    assert not restricted(P.person_c, date(2024, 1, 1))


def test_department_restriction_records(province: Factory, settings: Settings) -> None:
    ent = run_check(province, settings, [P.clean], "loan").results[0]
    (h,) = ent.hits
    assert (h.measure_code, h.source, h.authority) == (
        "DR02",
        "restriction",
        "国家税务总局深圳市税务局",
    )
    assert h.basis == "《重大税收违法失信主体信息公布管理办法》" and h.until == date(2026, 6, 30)
    assert not run_check(province, settings, [P.clean], "loan", date(2026, 7, 1)).results[0].hits
    # A person named by ID number in the record, matched by the keyed hash ingest stored.
    d = run_check(province, settings, [P.person_d], "procurement").results[0]
    assert [(x.measure_code, x.until) for x in d.hits] == [("DR01", None)]
    assert (
        not run_check(province, settings, [P.person_d], "procurement", date(2026, 1, 31))
        .results[0]
        .restricted
    )


def test_ended_entries_no_longer_restrict(province: Factory, settings: Settings) -> None:
    e = [uscc(n) for n in (11, 12, 13, 14)]
    with unit_of_work(province) as s:
        # Expired yesterday (the daily job has not run yet), removed, repaired, not yet listed.
        add_entry(s, "X1", "serious", e[0], date(2023, 3, 4), expires_on=date(2026, 3, 4))
        add_entry(s, "X2", "abnormal", e[1], date(2025, 1, 1), ended_on=date(2026, 1, 5),
                  in_force=False)  # fmt: skip
        add_entry(s, "X3", "serious", e[2], date(2025, 1, 1), expires_on=date(2028, 1, 1),
                  repaired=True)  # fmt: skip
        add_entry(s, "X4", "serious", e[3], date(2026, 3, 6), expires_on=date(2029, 3, 6))
    call = run_check(province, settings, e, "procurement")
    assert [r.restricted for r in call.results] == [False, False, False, False]
    day_before = run_check(province, settings, [e[0]], "procurement", date(2026, 3, 3))
    assert day_before.results[0].hits[0].until == date(2026, 3, 3)


def test_batch_of_mixed_subjects_logs_every_check(
    province: Factory, settings: Settings, factory: Factory
) -> None:
    bad_check = P.serious[:-1] + ("0" if P.serious[-1] != "0" else "1")
    bad_id = P.person_a[:-1] + ("0" if P.person_a[-1] != "0" else "1")
    subjects = [P.serious, bad_check, P.person_a, bad_id, "", "uscc:" + P.abnormal, "hello"]
    call = run_check(province, settings, subjects, "procurement", dept_code="DEPT_B")
    errors = [r.error for r in call.results]
    assert errors == [None, "subject_invalid", None, "subject_invalid", "subject_invalid", None,
                      "subject_invalid"]  # fmt: skip
    assert [r.restricted for r in call.results] == [True, False, False, False, False, True, False]
    assert "check" in (call.results[1].error_message or "")
    assert bad_id not in (call.results[3].label + (call.results[3].error_message or ""))
    with unit_of_work(factory) as s:
        row = s.get(CreditCheckCall, call.call_id)
        assert row is not None
        assert (row.subjects, row.restricted, row.invalid, row.dept_code, row.action) == (
            7, 2, 4, "DEPT_B", "procurement",
        )  # fmt: skip
        subjects_logged = s.scalars(
            select(CreditCheckSubject).where(CreditCheckSubject.call_id == call.call_id)
        ).all()
        assert [x.subject_kind for x in subjects_logged] == [
            "enterprise", None, "person", None, None, "enterprise", None,
        ]  # fmt: skip
        hits = s.scalars(select(CreditCheckHit).where(CreditCheckHit.call_id == call.call_id))
        assert sorted((h.seq, h.measure_code) for h in hits) == [(0, "SL02"), (5, "AB01")]
        # No full ID number anywhere in the log.
        dump = " ".join(
            str(v)
            for t in ("credit_check_calls", "credit_check_subjects", "credit_check_hits")
            for row_ in s.execute(text(f"SELECT * FROM {t}"))
            for v in row_
        )
        assert P.person_a not in dump and bad_id not in dump


def test_stats_count_times_restricted_per_measure(
    province: Factory, settings: Settings, factory: Factory
) -> None:
    run_check(province, settings, [P.serious, P.serious2, P.abnormal], "procurement",
              dept_code="BANK1")  # fmt: skip
    run_check(province, settings, [P.serious, P.clean], "procurement", dept_code="BANK2")
    run_check(province, settings, [P.serious], "loan", as_of=date(2026, 4, 1))
    with unit_of_work(factory) as s:
        stats = {x.measure_code: (x.times_restricted, x.subjects) for x in restriction_stats(s)}
        assert stats == {"SL02": (3, 2), "AB01": (1, 1), "SL03": (1, 1)}
        bank2 = restriction_stats(s, dept_code="BANK2")
        assert [(x.measure_code, x.times_restricted) for x in bank2] == [("SL02", 1)]
        march = restriction_stats(s, since=AS_OF, until=date(2026, 3, 31), action="procurement")
        assert {x.measure_code for x in march} == {"SL02", "AB01"}


def test_list_decisions_loaded_through_ingest_take_effect(
    province: Factory, settings: Settings, ctx: IngestContext, tmp_path: Path
) -> None:
    """End to end with the list machine: a department's listing decision, then its removal."""
    header = ["dept_code", "source_id", "uscc", "subject_name", "produced_on", "authority",
              "action", "reason_code", "decision_no"]  # fmt: skip
    row = {"dept_code": "AMR440300", "uscc": P.clean, "subject_name": "深圳市测试4有限公司",
           "authority": "深圳市市场监督管理局", "reason_code": "4"}  # fmt: skip
    listing = {**row, "source_id": "L1", "produced_on": "2026-01-05", "action": "list",
               "decision_no": "深市监异〔2026〕1号"}  # fmt: skip
    report = load_path(province, ctx, write_csv(tmp_path / "l.csv", header, [listing]),
                       LoadOptions(received_on=AS_OF))  # fmt: skip
    assert report.rows_rejected == 0, report
    hit = run_check(province, settings, [P.clean], "procurement").results[0].hits
    assert [(h.measure_code, h.decision_no) for h in hit] == [("AB01", "深市监异〔2026〕1号")]
    removal = {**row, "source_id": "L2", "produced_on": "2026-02-10", "action": "remove",
               "reason_code": "5", "decision_no": "深市监移〔2026〕1号"}  # fmt: skip
    report = load_path(province, ctx, write_csv(tmp_path / "r.csv", header, [removal]),
                       LoadOptions(received_on=AS_OF))  # fmt: skip
    assert report.rows_rejected == 0, report
    assert not run_check(province, settings, [P.clean], "procurement").results[0].restricted
