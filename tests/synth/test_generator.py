from __future__ import annotations

import csv
import gzip
import math
import tracemalloc
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from entcredit.catalog import load_catalog
from entcredit.core.idnum import check_resident_id
from entcredit.core.uscc import check_uscc
from entcredit.synth._fields import ALL_CATEGORIES, fields
from entcredit.synth._geo import ID_REGIONS
from entcredit.synth.cli import app
from tests.synth._figures import figures
from tests.synth._read import expected, manifest, read_file
from tests.synth.conftest import make


def _tree(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _rejections(out: Path) -> dict[tuple[str, int], tuple[str, str]]:
    with open(out / "truth" / "rejections.csv", encoding="utf-8", newline="") as fh:
        return {
            (r["file"], int(r["row"])): (r["field"], r["reason_kind"]) for r in csv.DictReader(fh)
        }


def _flags(out: Path) -> dict[tuple[str, int], str]:
    with open(out / "truth" / "row_flags.csv", encoding="utf-8", newline="") as fh:
        return {(r["file"], int(r["row"])): r["flag"] for r in csv.DictReader(fh)}


def _validated(out: Path):  # type: ignore[no-untyped-def]
    """Every row of every file, mapped to field codes and run through the catalogue."""
    catalog = load_catalog()
    for entry in manifest(out)["files"]:
        category = catalog.category(entry["category"])
        headers, rows = read_file(out, entry)
        hmap = category.header_map(headers)
        validate = category.validator()
        for n, raw in rows:
            mapped = {
                code: raw.get(h) for h, code in zip(headers, hmap.columns, strict=True) if code
            }
            values, issues = validate(mapped)
            yield entry, n, mapped, values, [i for i in issues if i.severity == "error"]


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    make(tmp_path / "a", 0.0001, seed=7)
    make(tmp_path / "b", 0.0001, seed=7)
    make(tmp_path / "c", 0.0001, seed=8)
    a, b, c = _tree(tmp_path / "a"), _tree(tmp_path / "b"), _tree(tmp_path / "c")
    assert a == b
    assert a != c
    assert any(name.endswith(".xlsx") for name in a)


def test_regenerating_into_a_previous_output_replaces_it(tmp_path: Path) -> None:
    make(tmp_path, 0.0001, seed=1)
    make(tmp_path, 0.0001, seed=2)
    names = {e["name"] for e in manifest(tmp_path)["files"]}
    on_disk = {p.name for p in tmp_path.iterdir() if p.is_file()} - {"manifest.json"}
    assert on_disk == names
    (tmp_path / "stray.txt").write_text("x")
    (tmp_path / "manifest.json").unlink()
    with pytest.raises(FileExistsError):
        make(tmp_path, 0.0001)


def test_files_parse_in_declared_format_with_spec_headers(
    messy: Path, messy_rows: list[Any]
) -> None:
    man = manifest(messy)
    names = [e["name"] for e in man["files"]]
    assert names == sorted(names)
    kinds = Counter((e["format"], e["encoding"]) for e in man["files"])
    assert {("csv", "utf-8"), ("csv", "utf-8-sig"), ("csv", "gbk"), ("csv", "gb18030")} <= set(
        kinds
    )
    assert ("jsonl", "utf-8") in kinds
    assert ("xlsx", None) in kinds
    assert any(e["header"] == "label" for e in man["files"])
    assert any(e["dept_code"] for e in man["files"])
    catalog = load_catalog()
    for entry in man["files"]:
        cat = catalog.category(entry["category"])
        allowed = {f.code for f in cat.fields} | {f.label_zh for f in cat.fields}
        headers, _rows = read_file(messy, entry)
        assert set(headers) <= allowed | set(entry["extra_columns"]), entry["name"]
        has_dept = "dept_code" in headers or "归集部门代码" in headers
        if entry["category"] in ("enterprise", "person_role", "department"):
            continue
        assert has_dept == entry["has_dept_code"] == (entry["dept_code"] is None), entry["name"]
    per_file = Counter(entry["name"] for entry, *_ in messy_rows)
    for entry in man["files"]:
        assert per_file[entry["name"]] == entry["rows"]
        assert entry["rows"] == expected(messy)["files"][entry["name"]]["rows"]
    if (messy / "000_department.csv").exists():
        raw = (messy / "000_department.csv").read_bytes()
        assert raw.decode("utf-8-sig")


def test_private_labels_match_the_catalogue() -> None:
    catalog = load_catalog()
    for name in ALL_CATEGORIES:
        cat = catalog.category(name)
        for spec in fields(name):
            assert cat.field(spec.code).label_zh == spec.label
            assert cat.field(spec.code).required == spec.required or spec.code == "uscc"


def test_truth_matches_the_catalogue_validator(messy: Path, messy_rows: list[Any]) -> None:
    """Rows in rejections.csv fail at the named field; every other row is accepted. A list
    decision about an entry whose listing was rejected (``no_such_entry``) is valid on its
    own: the list machine refuses it when it is loaded (tests/acceptance)."""
    rejections = _rejections(messy)
    seen = set()
    kinds: Counter[str] = Counter()
    for entry, n, mapped, _values, errors in messy_rows:
        key = (entry["name"], n)
        if key in rejections:
            fld, kind = rejections[key]
            seen.add(key)
            kinds[kind] += 1
            if kind == "no_such_entry":
                assert not errors, (key, errors)
                continue
            assert any(e.field == fld for e in errors), (key, fld, kind, mapped.get(fld), errors)
            if kind == "bad_uscc":
                assert not check_uscc(mapped["uscc"] or "").valid
        else:
            assert not errors, (key, errors)
    assert seen == set(rejections)
    assert set(kinds) >= {"bad_uscc", "missing_required", "bad_date", "bad_code", "negative_amount"}


def test_expected_counts_agree_with_row_flags(messy: Path) -> None:
    exp = expected(messy)
    flags = Counter(_flags(messy).values())
    total = exp["total"]
    assert total["rejected"] == len(_rejections(messy))
    assert flags["duplicate"] == total["duplicates_unchanged"] > 0
    assert flags["correction"] == total["corrections"] > 0
    assert flags["withdrawal"] == total["withdrawals"] > 0
    assert flags["unlinked"] == total["unlinked_at_end"] > 0
    assert flags["name_mismatch"] == total["name_mismatches"] > 0
    assert flags["former_name"] == total["former_name_matches"] > 0
    assert flags["late"] == total["late"] > 0
    assert flags["late_linked"] == total["late_linked"] > 0


def test_corrections_duplicates_late_rows_and_late_registrations(
    messy: Path, messy_rows: list[Any]
) -> None:
    rows: dict[tuple[str, int], dict[str, str | None]] = {}
    order = {e["name"]: i for i, e in enumerate(manifest(messy)["files"])}
    dept_of = {e["name"]: e["dept_code"] for e in manifest(messy)["files"]}
    first_seen: dict[tuple[str | None, str | None], tuple[str, dict[str, str | None]]] = {}
    registered_late: set[str] = set()
    for entry, n, mapped, values, _errors in messy_rows:
        rows[(entry["name"], n)] = mapped
        if entry["name"].startswith("500_enterprise_late"):
            registered_late.add(str(values["uscc"]))
        if "source_id" in mapped:
            key = (mapped.get("dept_code") or dept_of[entry["name"]], mapped["source_id"])
            first_seen.setdefault(key, (entry["name"], mapped))
    for (file, n), flag in _flags(messy).items():
        row = rows[(file, n)]
        if flag == "duplicate":
            assert rows[(file, n - 1)] == row
        elif flag in ("correction", "withdrawal"):
            orig_file, orig = first_seen[(row["dept_code"], row["source_id"])]
            assert order[orig_file] < order[file]
            if flag == "withdrawal":
                assert row["op"] == "withdraw"
            else:
                assert {k: v for k, v in orig.items() if k != "dept_code"} != {
                    k: v for k, v in row.items() if k != "dept_code"
                }
        elif flag == "late":
            assert "_recent" in file
        elif flag == "late_linked":
            assert row["uscc"] in registered_late
            assert order[file] < order["500_enterprise_late" + _ext(messy, "500_enterprise_late")]


def _ext(out: Path, stem: str) -> str:
    return next(p.suffix for p in out.iterdir() if p.stem == stem)


def test_clean_province_has_no_defects(tmp_path: Path) -> None:
    make(tmp_path, 0.0001, messiness=0)
    assert _rejections(tmp_path) == {}
    assert set(_flags(tmp_path).values()) <= {"person_subject"}
    for entry, _n, mapped, _values, errors in _validated(tmp_path):
        assert not errors, (entry["name"], errors)
        if mapped.get("uscc"):
            assert check_uscc(mapped["uscc"]).valid
        if entry["category"] == "person_role":
            pid = mapped["person_id"] or ""
            assert check_resident_id(pid).valid
            assert pid[:6] in ID_REGIONS
            assert 1950 <= int(pid[6:10]) <= 2003


def test_calibration_proportions(calibrated: Path) -> None:
    f = figures(calibrated)
    assert f["licence_share"] == pytest.approx(0.932, abs=0.01)
    assert f["penalty_share"] == pytest.approx(0.050, abs=0.006)
    assert f["abnormal_share"] == pytest.approx(0.29, abs=0.012)
    assert f["serious_share"] == pytest.approx(0.024, abs=0.004)
    assert f["enterprises"] == round(8_004_500 * 0.002)
    assert f["individuals"] == round(10_500_000 * 0.002)
    assert 0 < f["cooperative_share"] < 0.02
    # ~30.67 M other-department records at scale 1
    assert f["other_records"] == pytest.approx(30_673_600 * 0.002, rel=0.06)


def test_observables_depend_on_latents_with_confounding(calibrated: Path) -> None:
    latent: dict[str, tuple[float, float, bool]] = {}
    with gzip.open(calibrated / "truth" / "entities.csv.gz", "rt", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            latent[r["uscc"]] = (
                float(r["size"]),
                float(r["p_problem"]),
                r["unreachable"] == "true",
            )
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    problems: Counter[str] = Counter()
    for entry in manifest(calibrated)["files"]:
        cat = entry["category"]
        if cat not in ("license", "penalty", "inspection", "product_check", "address_signal"):
            continue
        headers, rows = read_file(calibrated, entry)
        lab = {h: h for h in headers} | {
            "统一社会信用代码": "uscc",
            "检查结果代码": "result_code",
            "抽检结论": "qualified",
        }
        for _n, raw in rows:
            row = {lab.get(k, k): v for k, v in raw.items()}
            code = (row.get("uscc") or "").strip()
            if code in latent:
                counts[code][cat] += 1
                if cat == "inspection" and row.get("result_code") not in ("1", "7"):
                    problems[code] += 1
    ents = [u for u in latent if u[1] == "1"]  # enterprises

    def corr(xs: list[float], ys: list[float]) -> float:
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
        return cov / math.sqrt(sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys))

    log_size = [math.log(latent[u][0]) for u in ents]
    for cat in ("license", "penalty", "inspection"):
        assert corr(log_size, [float(counts[u][cat]) for u in ents]) > 0.05, cat
    p = [latent[u][1] for u in ents]
    assert corr(p, [float(counts[u]["penalty"]) for u in ents]) > 0.05
    unreach = [u for u in latent if latent[u][2]]
    reach = [u for u in latent if not latent[u][2]]
    rate_u = sum(counts[u]["address_signal"] for u in unreach) / len(unreach)
    rate_r = sum(counts[u]["address_signal"] for u in reach) / len(reach)
    assert rate_u > 10 * rate_r > 0  # signal, with noise among the reachable
    high = [u for u in ents if latent[u][1] > 0.3 and not latent[u][2]]
    low = [u for u in ents if latent[u][1] < 0.1 and not latent[u][2]]

    def share(us: list[str]) -> float:
        return sum(problems[u] for u in us) / max(1, sum(counts[u]["inspection"] for u in us))

    assert share(high) > 2 * share(low)


def test_generation_streams(tmp_path: Path) -> None:
    peaks = []
    for i, scale in enumerate((0.00005, 0.0002)):
        tracemalloc.start()
        make(tmp_path / str(i), scale)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    # Four times the province, nearly the same peak: rows are written as they are made.
    assert peaks[1] < 1.5 * peaks[0], peaks


def test_cli_generate_prints_summary(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["generate", "--out", str(tmp_path / "p"), "--scale", "0.0001", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    assert "enterprise" in result.output
    assert (tmp_path / "p" / "manifest.json").exists()
    bad = CliRunner().invoke(
        app, ["generate", "--out", str(tmp_path / "q"), "--start", "2021-13-01"]
    )
    assert bad.exit_code != 0
