"""Acceptance: the platform loads independent test data exactly.

A synthetic province (``entcredit.synth``) is loaded file by file through the normal ingest
path, on SQLite and on PostgreSQL, and the store is checked row by row against the
generator's ground truth (``truth/rejections.csv``, ``truth/row_flags.csv``,
``truth/expected.json``): every rejection and no other, every row's outcome, linking, name
matching, aggregation deadlines, the per-file counts, and that no ID number is kept in full.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import LargeBinary, select

from entcredit.ingest.rules import Outcome
from entcredit.store.registry import all_metadata
from tests.acceptance.conftest import FileRow, Loaded, Province

REGISTER = ("enterprise", "person_role", "department")
ID_FIELDS = {
    "enterprise": ("legal_rep_id",),
    "person_role": ("person_id",),
    "restriction": ("subject_person_id",),
}
AGGREGATE_DAYS = 7  # the catalogue's aggregate_working_days of the timed categories

# --- independent normalisation (what the standard says a loader must absorb) ---------------
_FULL = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_TRIM = " \t\r\n\u3000"
_CN_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")


def text_of(v: str | None) -> str | None:
    if v is None:
        return None
    return v.strip(_TRIM) or None


def code_of(v: str | None) -> str | None:
    t = text_of(v.translate(_FULL) if v is not None else None)
    return t.upper() if t else None


def date_of(v: str | None) -> date | None:
    t = code_of(v)
    if t is None:
        return None
    if m := _CN_DATE.match(t):
        return date(int(m[1]), int(m[2]), int(m[3]))
    digits = t.replace("-", "").replace("/", "")
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))


def _aggregated(province: Province, name: str) -> bool:
    return province.category_of[name] not in REGISTER


def _expected_outcome(province: Province, key: FileRow) -> Outcome:
    if key in province.rejected_rows:
        return Outcome.REJECTED
    if key in province.flagged("duplicate"):
        return Outcome.UNCHANGED
    if key in province.flagged("correction"):
        return Outcome.CORRECTED
    if key in province.flagged("withdrawal"):
        return Outcome.WITHDRAWN
    return Outcome.NEW


def _fmt(keys: Any, limit: int = 15) -> str:
    items = sorted(keys)
    more = f" ... (+{len(items) - limit})" if len(items) > limit else ""
    return ", ".join(map(str, items[:limit])) + more


# --- batches and row accounting --------------------------------------------------------------
def test_every_file_is_one_batch_and_every_row_is_accounted_for(
    province: Province, loaded: Loaded
) -> None:
    print(
        f"\n[{loaded.kind}] generated {sum(f['rows'] for f in province.files):,} rows in "
        f"{len(province.files)} files in {province.generation_seconds:.1f} s; "
        f"loaded in {loaded.load_seconds:.1f} s"
    )
    assert set(loaded.batches) == {f["name"] for f in province.files}
    for entry in province.files:
        b = loaded.batches[entry["name"]]
        c = b.counts
        accepted = c["rows_new"] + c["rows_corrected"] + c["rows_unchanged"] + c["rows_withdrawn"]
        assert c["rows_read"] == accepted + c["rows_rejected"], b.name
        assert c["rows_read"] == entry["rows"], b.name
        assert b.category == entry["category"], b.name
        assert b.received_on.isoformat() == entry["received_on"], b.name
        # One outcome per data row, at the row numbers the truth uses, and nowhere else.
        assert set(b.outcomes) == set(province.rows[b.name]), b.name
        tally = Counter(b.outcomes.values())
        assert tally[Outcome.NEW] == c["rows_new"], b.name
        assert tally[Outcome.CORRECTED] == c["rows_corrected"], b.name
        assert tally[Outcome.UNCHANGED] == c["rows_unchanged"], b.name
        assert tally[Outcome.WITHDRAWN] == c["rows_withdrawn"], b.name
        assert tally[Outcome.REJECTED] == c["rows_rejected"], b.name


def test_rejections_are_exactly_the_truth(province: Province, loaded: Loaded) -> None:
    truth = set(province.rejections)
    stored = {(f, r, fld) for (f, r, fld) in loaded.errors}
    missed = truth - stored
    extra = stored - truth
    assert not missed, f"{len(missed)} rejections the platform missed: {_fmt(missed)}"
    assert not extra, f"{len(extra)} rejections the truth does not list: {_fmt(extra)}"
    for key, reasons in loaded.errors.items():
        assert reasons and all(r and r.strip() for r in reasons), f"empty reason at {key}"
        assert len(reasons) == 1, f"{key}: several reasons for one field: {reasons}"
    rejected_rows = {
        (name, row)
        for name, b in loaded.batches.items()
        for row, o in b.outcomes.items()
        if o is Outcome.REJECTED
    }
    assert rejected_rows == province.rejected_rows


def test_every_row_has_the_outcome_the_truth_implies(province: Province, loaded: Loaded) -> None:
    """Duplicates UNCHANGED, corrections CORRECTED, withdrawals WITHDRAWN, rejections
    REJECTED, at exactly the flagged rows; every other row NEW."""
    wrong: dict[tuple[str, str], list[FileRow]] = defaultdict(list)
    for name, b in loaded.batches.items():
        for row, got in b.outcomes.items():
            want = _expected_outcome(province, (name, row))
            if got is not want:
                wrong[(want.name, got.name)].append((name, row))
    summary = {f"{w} -> {g}": f"{len(v)}: {_fmt(v, 5)}" for (w, g), v in wrong.items()}
    assert not wrong, f"rows with an outcome other than the truth's (want -> got): {summary}"


def test_accepted_rows_are_stored_as_sent(province: Province, loaded: Loaded) -> None:
    """Each accepted row is the source of exactly one version of its record, with its
    values as the standard says they are normalised (full-width codes, padding, the four
    date formats): this checks the `normalised` rows, and every other row with them."""
    problems: list[str] = []
    departments = 0
    for entry in province.files:
        name, cat = entry["name"], entry["category"]
        b = loaded.batches[name]
        for row, raw in province.rows[name].items():
            outcome = b.outcomes[row]
            if outcome in (Outcome.REJECTED, Outcome.UNCHANGED):
                continue
            key = (name, row)
            if cat == "department":
                departments += 1
                continue
            if cat == "enterprise":
                e = loaded.enterprises.get(code_of(raw["uscc"]) or "")
                got = None if e is None else (e["name"], e["established_on"])
                want = (text_of(raw["name"]), date_of(raw["established_on"]))
                if got != want or loaded.register_key_of_row.get(key) != code_of(raw["uscc"]):
                    problems.append(f"{key}: enterprise {got} != {want}")
                continue
            if cat == "person_role":
                k = loaded.register_key_of_row.get(key, "")
                if not (k.startswith(f"{code_of(raw['uscc'])}/") and k.endswith(f"/{raw['role']}")):
                    problems.append(f"{key}: person_role key {k!r}")
                continue
            v = loaded.version_of_row.get(key)
            rid = loaded.record_of_row.get(key)
            if v is None or rid is None:
                problems.append(f"{key}: accepted ({outcome.name}) but no record version")
                continue
            rec = loaded.records[rid]
            got_common = (
                rec["dept_code"],
                rec["source_id"],
                v["uscc"],
                v["subject_name"],
                v["produced_on"],
                v["authority"],
            )
            want_common = (
                text_of(raw.get("dept_code")) or entry["dept_code"],
                text_of(raw["source_id"]),
                code_of(raw["uscc"]),
                text_of(raw["subject_name"]),
                date_of(raw["produced_on"]),
                text_of(raw["authority"]),
            )
            if got_common != want_common:
                problems.append(f"{key}: stored {got_common} != sent {want_common}")
            if (
                outcome is Outcome.WITHDRAWN
                and rec["last_row_no"] == row
                and rec["status"] != "withdrawn"
            ):
                problems.append(f"{key}: withdrawn but status {rec['status']}")
    assert not problems, f"{len(problems)} rows: " + "; ".join(problems[:15])
    with loaded.engine.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM departments").scalar_one() == departments
    # The normalised rows are among the rows checked above.
    assert province.flagged("normalised")
    assert all(
        loaded.batches[f].outcomes[r] is Outcome.NEW for f, r in province.flagged("normalised")
    )


# --- linking ---------------------------------------------------------------------------------
def test_unlinked_records_are_exactly_the_truths(province: Province, loaded: Loaded) -> None:
    def records_of(flag: str, aggregated: bool = True) -> set[int]:
        return {
            loaded.record_of_row[k]
            for k in province.flagged(flag)
            if _aggregated(province, k[0]) == aggregated
        }

    # What the truth says of person subjects: no USCC, so never linked to an enterprise.
    person_subjects = records_of("person_subject")
    assert person_subjects, "the province has no person subjects: the check is idle"
    assert all(loaded.records[r]["uscc"] is None for r in person_subjects)
    unlinked_now = {r for r, rec in loaded.records.items() if rec["enterprise_id"] is None}
    want = records_of("unlinked") | person_subjects
    assert unlinked_now == want, (
        f"unlinked but not flagged: {_fmt(unlinked_now - want)}; "
        f"flagged but linked: {_fmt(want - unlinked_now)}"
    )
    # Key personnel of entities whose register row was rejected stay unlinked too.
    roles_unlinked = {k for k, eid in loaded.person_role_enterprise.items() if eid is None}
    roles_flagged = {
        loaded.register_key_of_row[k]
        for k in province.flagged("unlinked")
        if province.category_of[k[0]] == "person_role"
    }
    assert roles_unlinked == roles_flagged


def test_late_registrations_link_the_records_that_waited(
    province: Province, loaded: Loaded
) -> None:
    ent_by_id = {e["id"]: e for e in loaded.enterprises.values()}
    waited = {
        rid
        for rid, rec in loaded.records.items()
        if rec["enterprise_id"] is not None
        and rec["first_batch_id"] < ent_by_id[rec["enterprise_id"]]["first_batch_id"]
    }
    late_linked = {loaded.record_of_row[k] for k in province.flagged("late_linked")}
    assert late_linked, "the province has no late registrations: the check is idle"
    # Linked at the end, unlinked when loaded; and no other record had to wait.
    assert all(loaded.records[r]["enterprise_id"] is not None for r in late_linked)
    assert waited == late_linked
    late_files = {f for f, _ in province.flagged("late_registration")}
    linked_by = sum(loaded.batches[f].summary["records_linked"] for f in late_files)
    assert linked_by == len(late_linked)
    # Each aggregated batch counted the rows it could not attribute when it loaded them.
    per_file: Counter[str] = Counter(
        f
        for flag in ("unlinked", "late_linked", "person_subject")
        for f, _ in province.flagged(flag)
    )
    for name, b in loaded.batches.items():
        if _aggregated(province, name):
            assert b.counts["rows_unlinked"] == per_file[name], name


def test_subject_names_match_registered_or_former_names(province: Province, loaded: Loaded) -> None:
    mismatched = {r for r, rec in loaded.records.items() if rec["name_mismatch"]}
    flagged = {loaded.record_of_row[k] for k in province.flagged("name_mismatch")}
    assert mismatched == flagged, (
        f"mismatch not flagged: {_fmt(mismatched - flagged)}; "
        f"flagged not mismatched: {_fmt(flagged - mismatched)}"
    )
    ent_by_id = {e["id"]: e for e in loaded.enterprises.values()}
    former_rows = province.flagged("former_name")
    assert former_rows
    for k in former_rows:
        rec = loaded.records[loaded.record_of_row[k]]
        assert rec["name_mismatch"] is False, k
        ent = ent_by_id[rec["enterprise_id"]]
        assert rec["subject_name"] != ent["name"], k
        assert rec["subject_name"] in loaded.former_names.get(ent["id"], set()), k


# --- deadlines -------------------------------------------------------------------------------
def _weekdays_after(d: date, n: int) -> date:
    while n:
        d += timedelta(days=1)
        n -= d.weekday() < 5
    return d


def test_aggregation_deadlines(province: Province, loaded: Loaded) -> None:
    """The store's ``aggregated_on_time`` is what the official calendar gives; every row the
    generator made late is late. The generator reasons in Monday-Friday weeks; rows where
    the official calendar (holidays, make-up working days) gives another answer are counted
    and reported, not hidden."""
    calendar = loaded.ctx.calendar
    timed = {c.name for c in loaded.ctx.catalog.categories if c.aggregate_working_days is not None}
    assert all(
        loaded.ctx.catalog.category(c).aggregate_working_days == AGGREGATE_DAYS for c in timed
    )
    wrong: list[tuple[int, Any, bool]] = []
    differ: list[tuple[int, date]] = []
    for rid, rec in loaded.records.items():
        if rec["category"] not in timed:
            assert rec["aggregated_on_time"] is None, rid
            continue
        official = calendar.add_working_days(rec["produced_on"], AGGREGATE_DAYS)
        assert not official.provisional, rid
        want = rec["received_on"] <= official.due
        if rec["aggregated_on_time"] is not want:
            wrong.append((rid, rec["aggregated_on_time"], want))
        if want != (rec["received_on"] <= _weekdays_after(rec["produced_on"], AGGREGATE_DAYS)):
            differ.append((rid, rec["produced_on"]))
    assert not wrong, f"{len(wrong)} records with another on-time value: {wrong[:10]}"
    late = province.flagged("late")
    assert late
    for k in late:
        rec = loaded.records[loaded.record_of_row[k]]
        assert rec["aggregated_on_time"] is False, k
        assert rec["received_on"] > _weekdays_after(rec["produced_on"], AGGREGATE_DAYS), k
    print(
        f"\n[{loaded.kind}] aggregation deadlines: {len(differ)} of {len(loaded.records)} "
        f"records differ between the generator's Monday-Friday rule and the official "
        f"calendar: {differ[:10]}"
    )
    # Files of recent records (not a migrated backlog) count exactly the late rows, up to
    # the rows the official calendar judges otherwise.
    name_of = {b.id: b.name for b in loaded.batches.values()}
    differ_files = Counter(name_of[loaded.records[r]["first_batch_id"]] for r, _ in differ)
    recent = [f for f in province.files if not f["backlog"] and f["category"] in timed]
    assert sum(province.expected["files"][f["name"]]["late"] for f in recent) == len(late)
    for entry in province.files:
        if entry["backlog"] or entry["category"] not in timed:
            continue
        b = loaded.batches[entry["name"]]
        want_late = province.expected["files"][entry["name"]]["late"]
        assert b.counts["rows_late"] == want_late + differ_files[entry["name"]], entry["name"]


# --- counts ----------------------------------------------------------------------------------
def test_counts_match_expected_json(province: Province, loaded: Loaded) -> None:
    """Per file and in total: rows, rejections, duplicates, corrections, withdrawals, and
    what the store shows at the end for unlinked, late-linked, mismatched, person rows."""
    ent_by_id = {e["id"]: e for e in loaded.enterprises.values()}
    observed: dict[str, Counter[str]] = defaultdict(Counter)
    for name, b in loaded.batches.items():
        o = observed[name]
        o["rows"] = b.counts["rows_read"]
        o["rejected"] = b.counts["rows_rejected"]
        o["duplicates_unchanged"] = b.counts["rows_unchanged"]
        o["corrections"] = b.counts["rows_corrected"]
        o["withdrawals"] = b.counts["rows_withdrawn"]
    for key, rid in loaded.record_of_row.items():
        rec = loaded.records[rid]
        if loaded.batches[key[0]].outcomes[key[1]] is not Outcome.NEW:
            continue
        o = observed[key[0]]
        if rec["uscc"] is None:
            o["person_subjects"] += 1
        elif rec["enterprise_id"] is None:
            o["unlinked_at_end"] += 1
        elif rec["first_batch_id"] < ent_by_id[rec["enterprise_id"]]["first_batch_id"]:
            o["late_linked"] += 1
        o["name_mismatches"] += rec["name_mismatch"]
        if rec["enterprise_id"] is not None:
            ent = ent_by_id[rec["enterprise_id"]]
            o["former_name_matches"] += rec["subject_name"] != ent["name"] and rec[
                "subject_name"
            ] in loaded.former_names.get(ent["id"], set())
    for (name, row), k in loaded.register_key_of_row.items():
        new_role = (
            province.category_of[name] == "person_role"
            and loaded.batches[name].outcomes[row] is Outcome.NEW
        )
        if new_role and loaded.person_role_enterprise[k] is None:
            observed[name]["unlinked_at_end"] += 1
    compared = (
        "rows",
        "rejected",
        "duplicates_unchanged",
        "corrections",
        "withdrawals",
        "unlinked_at_end",
        "late_linked",
        "name_mismatches",
        "former_name_matches",
        "person_subjects",
    )
    diffs = []
    total: Counter[str] = Counter()
    for name, want in province.expected["files"].items():
        got = observed[name]
        total.update(got)
        for k in compared:
            if got[k] != want[k]:
                diffs.append(f"{name} {k}: store {got[k]} != truth {want[k]}")
    for k in compared:
        if total[k] != province.expected["total"][k]:
            diffs.append(f"total {k}: store {total[k]} != truth {province.expected['total'][k]}")
    assert not diffs, "; ".join(diffs[:20])
    # Rows that are neither rejected nor a repeat of a key are new records.
    new = sum(b.counts["rows_new"] for b in loaded.batches.values())
    t = province.expected["total"]
    assert (
        new
        == t["rows"]
        - t["rejected"]
        - t["duplicates_unchanged"]
        - t["corrections"]
        - t["withdrawals"]
    )
    # Every entity whose register row was accepted is in the register, and no other.
    rejected_register = sum(
        1 for f, _r, _fld in province.rejections if province.category_of[f] == "enterprise"
    )
    assert len(loaded.enterprises) == province.expected["entities"]["total"] - rejected_register


# --- personal data ---------------------------------------------------------------------------
_DIGIT_RUN = re.compile(r"\d{14,}[\dX]")


def _id_windows(s: str) -> set[str]:
    """Every 18- and 15-character window of every long run of digits in ``s``."""
    out: set[str] = set()
    for m in _DIGIT_RUN.finditer(s):
        run = m.group()
        for width in (15, 18):
            out.update(run[i : i + width] for i in range(len(run) - width + 1))
    return out


def test_no_id_number_is_stored_in_full(province: Province, loaded: Loaded) -> None:
    ids: set[str] = set()
    for entry in province.files:
        for fld in ID_FIELDS.get(entry["category"], ()):
            for raw in province.rows[entry["name"]].values():
                if v := code_of(raw.get(fld)):
                    ids.add(v)
    assert len(ids) > 100, "too few ID numbers in the input for the check to mean much"
    found: Counter[str] = Counter()
    examples: dict[str, str] = {}
    with loaded.engine.connect() as c:
        for table in all_metadata().sorted_tables:
            cols = [col for col in table.columns if not isinstance(col.type, LargeBinary)]
            for row in c.execute(select(*cols)):
                for col, value in zip(cols, row, strict=True):
                    if value is None or isinstance(value, (int, float, bool, date)):
                        continue
                    s = (
                        value
                        if isinstance(value, str)
                        else json.dumps(value, ensure_ascii=False, default=str)
                    ).upper()
                    if ids.intersection(_id_windows(s)):
                        where = f"{table.name}.{col.name}"
                        found[where] += 1
                        examples.setdefault(where, s[:200])
    assert not found, f"ID numbers stored in full: {dict(found)}; e.g. {examples}"
