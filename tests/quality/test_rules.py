"""Every rule on a record built to fail it and one built to pass it, over a hand-made
snapshot run on DuckDB; and the rule file itself: six dimensions, one place, complete."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from entcredit.catalog import load_catalog
from entcredit.quality.rules import DIMENSIONS, compile_scan, load_rules, months_before
from entcredit.quality.scan import ScanResult, scan_snapshot
from tests.quality.snapshots import AS_OF, department, enterprise, record, uscc, write_snapshot

# (rule, failing subject, passing subject): each pair is built in ``_tables``.
CASES: list[tuple[str, str, str]] = [
    ("CMP01", "D1/S00101", "D1/S00102"),
    ("CMP01", "D1/S00103", "D1/S00104"),
    ("ACC01", "D1/S00111", "D1/S00112"),
    ("ACC02", "D1/S00121", "D1/S00122"),
    ("ACC02", "D1/S00123", "D1/S00124"),
    ("ACC02", "D1/S00125", "D1/S00126"),
    ("ACC03", "D1/S00131", "D1/S00132"),
    ("ACC04", "D1/S00141", "D1/S00142"),
    ("ACC05", "D1/S00151", "D1/S00152"),
    ("ACC06", "D1/S00161", "D1/S00162"),
    ("ACC06", "D1/S00163", "D1/S00162"),
    ("ACC07", "D1/S00171", "D1/S00172"),
    ("ACC07", "D1/S00173", "D1/S00172"),
    ("TIM01", "D1/S00181", "D1/S00182"),
    ("TIM02", "D1/S00191", "D1/S00192"),
    ("TIM02", "D1/S00193", "D1/S00192"),
    ("RED01", "D1/S00201", "D1/S00203"),
    ("RED01", "D1/S00202", "D1/S00203"),
    ("RED02", "D1/S00211", "D1/S00213"),
    ("RED02", "D1/S00212", "D1/S00213"),
    ("LNK01", "D1/S00221", "D1/S00222"),
    ("LNK02", "D1/S00231", "D1/S00232"),
    ("LNK02", "D1/S00233", "D1/S00232"),
    ("LNK03", "person_role/1", "person_role/2"),
    ("CPR01", "AMRC/inspection/2024-05", "AMRC/penalty/2024-05"),
    ("CPR02", "D1/S00251", "D1/S00253"),
    ("CPR03", "D1/S00261", "D1/S00263"),
    ("CPR04", "D1/S00271", "D1/S00274"),
]


def _tables() -> dict[str, list[dict[str, Any]]]:
    r = record
    lic = {
        "decision_no": "许〔2024〕1号",
        "license_name": "食品经营许可证",
        "license_kind": "ordinary",
        "content": "食品销售",
        "valid_from": "2024-03-01",
    }
    insp = {"inspection_kind": "random", "result_code": "1"}
    records = [
        # completeness: a required field; a field required when action = list
        r(101, fields={"facts": None}),
        r(102),
        r(103, category="serious_list", fields={"action": "list", "decision_no": "严1"}),
        r(
            104,
            category="serious_list",
            fields={
                "action": "list",
                "article": "5",
                "decision_no": "严2",
                "penalty_decision_no": "罚〔2024〕104号",
            },
        ),
        # accuracy
        r(111, enterprise_id=None, uscc=uscc(111)[:-1] + ("0" if uscc(111)[-1] != "0" else "1")),
        r(112),
        r(121, category="license", fields=lic | {"license_kind": "bogus"}),
        r(122, category="license", fields=lic | {"decision_no": "许2"}),
        r(123, fields={"penalty_kinds": ["fine", "bogus"]}),
        r(124, fields={"penalty_kinds": ["fine", "warning"]}),
        r(
            125,
            category="abnormal_list",
            fields={"action": "list", "reason_code": "6", "decision_no": "异1"},
        ),
        r(
            126,
            category="abnormal_list",
            fields={"action": "remove", "reason_code": "6", "decision_no": "异2"},
        ),
        r(131, category="license", fields=lic | {"decision_no": "许3", "valid_to": "2024-02-01"}),
        r(132, category="license", fields=lic | {"decision_no": "许4", "valid_to": "2027-02-01"}),
        r(141, fields={"fine_amount": "-1"}),
        r(142, fields={"fine_amount": "0.5"}),
        r(151, name_mismatch=True),
        r(152),
        r(161, produced_on=date(2024, 3, 9)),  # after its receipt (2024-03-04)
        r(162),
        r(163, produced_on=date(2024, 7, 1), received_on=date(2024, 7, 2)),  # after as_of
        r(171, fields={"fine_amount": None}),
        r(172, fields={"penalty_kinds": ["fine", "confiscation"], "confiscated_amount": "2"}),
        r(173, fields={"penalty_kinds": ["warning"]}),  # a fine amount without the kind
        # timeliness
        r(181, aggregated_on_time=False, received_on=date(2024, 3, 20)),
        r(182),
        r(191, published_on=None, publish_due=date(2024, 6, 1)),
        r(192, published_on=None, publish_due=date(2024, 7, 1)),
        r(193, published_on=date(2024, 5, 1), publish_due=date(2024, 4, 1)),
        # redundancy: one number under two ids; the same content twice, brackets aside
        r(201, fields={"decision_no": "罚〔2024〕200号"}),
        r(202, fields={"decision_no": "罚〔2024〕200号"}),
        r(203),
        r(
            211,
            category="inspection",
            uscc=uscc(210),
            enterprise_id=210,
            fields=insp | {"task_no": "T〔1〕"},
        ),
        r(
            212,
            category="inspection",
            uscc=uscc(210),
            enterprise_id=210,
            fields=insp | {"task_no": "T[1]"},
        ),
        r(
            213,
            category="inspection",
            uscc=uscc(210),
            enterprise_id=210,
            fields=insp | {"task_no": "T[2]"},
        ),
        # linkage
        r(221, enterprise_id=None),
        r(222),
        r(231, produced_on=date(2024, 3, 1)),  # its enterprise was deregistered in 2023
        r(232),
        r(233),  # its enterprise was established after the decision
        # comprehensiveness
        r(241, dept_code="AMRC", produced_on=date(2024, 5, 6), received_on=date(2024, 5, 7)),
        r(
            251,
            category="inspection",
            uscc=uscc(250),
            enterprise_id=250,
            produced_on=date(2024, 2, 1),
            fields=insp | {"result_code": "6"},
        ),
        r(
            253,
            category="inspection",
            uscc=uscc(252),
            enterprise_id=252,
            produced_on=date(2024, 2, 1),
            fields=insp | {"result_code": "6"},
        ),
        r(
            254,
            category="abnormal_list",
            uscc=uscc(252),
            enterprise_id=252,
            produced_on=date(2024, 2, 20),
            fields={"action": "list", "reason_code": "4", "decision_no": "异3"},
        ),
        r(
            261,
            category="serious_list",
            uscc=uscc(260),
            enterprise_id=260,
            fields={"action": "list", "article": "5", "decision_no": "严3"},
        ),
        r(
            263,
            category="serious_list",
            uscc=uscc(262),
            enterprise_id=262,
            fields={"action": "list", "article": "5", "decision_no": "严4"},
        ),
        r(
            264,
            uscc=uscc(262),
            enterprise_id=262,
            produced_on=date(2024, 1, 5),
            fields={"penalty_kinds": ["fine", "suspend_business"]},
        ),
        r(
            271,
            category="license",
            uscc=uscc(270),
            enterprise_id=270,
            produced_on=date(2023, 1, 5),
            fields=lic | {"decision_no": "许5"},
        ),
        r(
            272,
            uscc=uscc(270),
            enterprise_id=270,
            fields={"penalty_kinds": ["fine", "revoke_license"], "heavier": True},
        ),
        r(
            274,
            category="license",
            uscc=uscc(273),
            enterprise_id=273,
            produced_on=date(2023, 1, 5),
            fields=lic | {"decision_no": "许6"},
        ),
        r(
            275,
            uscc=uscc(273),
            enterprise_id=273,
            fields={"penalty_kinds": ["fine", "revoke_license"], "heavier": True},
        ),
        r(
            276,
            category="license",
            uscc=uscc(273),
            enterprise_id=273,
            produced_on=date(2024, 3, 2),
            fields=lic | {"decision_no": "许7", "change_kind": "revoked"},
        ),
    ]
    ids = {x["enterprise_id"] for x in records if x["enterprise_id"] is not None}
    special = {
        231: enterprise(231, status="deregistered", status_on=date(2023, 6, 1)),
        233: enterprise(233, established_on=date(2024, 5, 1)),
    }
    return {
        "records": records,
        "enterprises": [special.get(i) or enterprise(i) for i in sorted(ids)],
        "departments": [
            department("D1"),
            department("AMRC", region="440300", level="city", amr=True),
        ],
        "person_roles": [
            {
                "id": 1,
                "uscc": uscc(901),
                "enterprise_id": None,
                "person_id": 1,
                "role": "director",
                "content_hash": "0" * 32,
                "version": 1,
                "last_batch_id": 1,
            },
            {
                "id": 2,
                "uscc": uscc(102),
                "enterprise_id": 102,
                "person_id": 1,
                "role": "director",
                "content_hash": "0" * 32,
                "version": 1,
                "last_batch_id": 1,
            },
        ],
        "ingest_batches": [
            {
                "id": 1,
                "category": "penalty",
                "dept_code": "D1",
                "source_name": "x",
                "source_format": "csv",
                "source_sha256": "0",
                "submitted_by": "t",
                "received_on": date(2024, 3, 4),
                "rows_read": 0,
                "outcomes": b"",
            },
        ],
    }


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_snapshot(tmp_path_factory.mktemp("snap"), _tables())


@pytest.fixture(scope="module")
def result(snapshot: Path) -> ScanResult:
    return scan_snapshot(snapshot, load_catalog(), load_rules(), AS_OF)


@pytest.fixture(scope="module")
def found(result: ScanResult) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for f in result.findings.to_pylist():
        out[f["rule"]].add(f["subject"])
    return out


@pytest.mark.parametrize(("rule", "failing", "passing"), CASES)
def test_rule_fails_and_passes(
    found: dict[str, set[str]], rule: str, failing: str, passing: str
) -> None:
    assert failing in found[rule]
    assert passing not in found[rule]


def test_every_rule_has_a_case_and_clean_records_raise_nothing(
    found: dict[str, set[str]],
) -> None:
    rules = load_rules()
    assert {r.code for r in rules.rules} == {c[0] for c in CASES}
    # The plain clean records (102, 112, 142, 152, 162, 182, 203, 222, 232) trip nothing.
    clean = {f"D1/S{n:05d}" for n in (102, 112, 142, 152, 162, 182, 203, 222, 232)}
    tripped = {s for subjects in found.values() for s in subjects} & clean
    assert not tripped


def test_details_say_what_is_wrong(result: ScanResult) -> None:
    by = {(f["rule"], f["subject"]): f["detail"] for f in result.findings.to_pylist()}
    assert by[("CMP01", "D1/S00101")] == "facts"
    assert by[("CMP01", "D1/S00103")] == "article"
    assert by[("ACC02", "D1/S00123")] == "penalty_kinds"
    assert by[("ACC03", "D1/S00131")] == "valid_to<valid_from"
    assert by[("RED01", "D1/S00201")] == "decision_no=罚〔2024〕200号; records=2"


def test_volumes_count_records_and_late_ones(result: ScanResult) -> None:
    vols = {
        (v["dept_code"], v["period"]): (v["records"], v["late"]) for v in result.volumes.to_pylist()
    }
    assert vols[("AMRC", "2024-05")] == (1, 0)
    d1_march = vols[("D1", "2024-03")]
    assert d1_march[1] == 1  # S00181


def test_rule_file_lists_six_dimensions_with_basis() -> None:
    rules = load_rules()
    assert {r.dimension for r in rules.rules} == set(DIMENSIONS)
    for r in rules.rules:
        assert r.title_zh and r.title_en and r.explain_zh and r.explain_en and r.basis


def test_months_and_plan_are_pure() -> None:
    assert months_before(date(2024, 2, 10), 3) == ["2023-11", "2023-12", "2024-01"]
    a = compile_scan(load_catalog(), load_rules(), date(2024, 6, 15))
    b = compile_scan(load_catalog(), load_rules(), date(2024, 6, 15))
    assert a == b
    assert "DATE '2024-06-15'" in " ".join(a.queries) + a.hits


def test_empty_responsibility_and_lookback_still_scan(snapshot: Path) -> None:
    base = load_rules()
    bare = base.model_copy(
        update={
            "responsibility": (),
            "settings": base.settings.model_copy(update={"gap_lookback_months": 0}),
        }
    )
    found = scan_snapshot(snapshot, load_catalog(), bare, AS_OF).findings
    assert "CPR01" not in set(found.column("rule").to_pylist())
    assert found.num_rows > 0


def test_responsibility_must_name_known_categories() -> None:
    base = load_rules()
    wrong = base.responsibility[0].model_copy(update={"categories": ("licence",)})
    with pytest.raises(ValueError, match="licence"):
        compile_scan(load_catalog(), base.model_copy(update={"responsibility": (wrong,)}), AS_OF)
