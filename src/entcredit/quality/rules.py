"""The quality rules as data (``rules.yaml``) and the SQL they compile to.

Pure: no database, clock or engine here. ``load_rules`` reads the rule file; ``compile_scan``
turns the rules, the catalogue and ``as_of`` into DuckDB-dialect SQL over the snapshot's
tables: a few views, one single pass over the records for every per-record rule, and one
query per cross-record rule. ``quality.scan`` runs that SQL on DuckDB or, transpiled, Spark.
"""

# ruff: noqa: S608 -- SQL is compiled from the rule file and the catalogue; literals go through _q.

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from entcredit.catalog.model import Catalog, Category

Dimension = Literal[
    "comprehensiveness", "timeliness", "completeness", "accuracy", "redundancy", "linkage"
]
DIMENSIONS: tuple[Dimension, ...] = (
    "comprehensiveness",
    "timeliness",
    "completeness",
    "accuracy",
    "redundancy",
    "linkage",
)
Derive = Literal["required", "code_list", "not_before", "minimum"]
RULES_FILE = Path(__file__).with_name("rules.yaml")
# The output columns of every rule query, in order.
FINDING_COLUMNS = (
    "rule",
    "subject",
    "dept_code",
    "city",
    "period",
    "category",
    "record_id",
    "detail",
)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# The columns common to every aggregated record (stored as columns, not in ``fields``).
_COMMON = frozenset(
    {"dept_code", "source_id", "uscc", "subject_name", "produced_on", "authority", "op"}
)
# Characters a near-duplicate may differ in: spaces and every kind of bracket.
NEAR_CHARS = " \u3000()（）〔〕[]［］【】"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Rule(_Strict):
    code: str
    dimension: Dimension
    severity: Literal["error", "warning"]
    title_zh: str
    title_en: str
    explain_zh: str
    explain_en: str
    basis: str
    derive: Derive | None = None
    when: str | None = None
    detail: str | None = None
    sql: str | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Rule:
        forms = [self.derive is not None, self.when is not None, self.sql is not None]
        if sum(forms) != 1 or (self.when is None) != (self.detail is None):
            raise ValueError(f"rule {self.code}: give exactly one of derive, when+detail, sql")
        return self

    @property
    def per_record(self) -> bool:
        return self.sql is None


class Responsibility(_Strict):
    market_regulator: bool | None = None
    levels: tuple[str, ...] = ()
    dept_codes: tuple[str, ...] = ()
    categories: tuple[str, ...]


class QualitySettings(_Strict):
    earliest_plausible: date
    listing_grace_days: int
    gap_lookback_months: int
    heavy_penalty_kinds: tuple[str, ...]


class RuleSet(_Strict):
    version: int
    settings: QualitySettings
    responsibility: tuple[Responsibility, ...]
    rules: tuple[Rule, ...]

    @model_validator(mode="after")
    def _unique(self) -> RuleSet:
        codes = [r.code for r in self.rules]
        if len(set(codes)) != len(codes):
            raise ValueError("duplicate rule code")
        return self

    def rule(self, code: str) -> Rule:
        return next(r for r in self.rules if r.code == code)


@cache
def load_rules(path: Path = RULES_FILE) -> RuleSet:
    return RuleSet.model_validate(yaml.safe_load(path.read_text("utf-8")))


def _q(text: str) -> str:
    """An SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _date(d: date) -> str:
    return f"DATE '{d.isoformat()}'"


def _col(code: str) -> str:
    return "f_" + code


def _empty(code: str) -> str:
    return f"({_col(code)} IS NULL OR {_col(code)} = '')"


def _in(values: Sequence[str]) -> str:
    return ", ".join(_q(v) for v in values)


def _by_category(parts: dict[str, tuple[str, str]]) -> tuple[str, str] | None:
    """(condition, detail) over categories: each category's own check, as one CASE each."""
    if not parts:
        return None
    when = " OR ".join(f"(category = {_q(c)} AND ({w}))" for c, (w, _) in parts.items())
    detail = (
        "CASE "
        + " ".join(f"WHEN category = {_q(c)} THEN {d}" for c, (_, d) in parts.items())
        + " END"
    )
    return when, detail


def _listing(items: list[tuple[str, str]]) -> str:
    """A comma-separated list of the labels whose condition holds (NULLs are skipped)."""
    return (
        "concat_ws(', ', "
        + ", ".join(f"CASE WHEN {w} THEN {_q(lbl)} END" for w, lbl in items)
        + ")"
    )


def _derived(derive: Derive, cat: Category) -> tuple[str, str] | None:
    own = [f for f in cat.fields if f.code not in _COMMON]
    items: list[tuple[str, str]] = []
    if derive == "required":
        for f in own:
            if f.required:
                items.append((_empty(f.code), f.code))
            elif f.required_when:
                cond = " AND ".join(f"{_col(o)} IN ({_in(v)})" for o, v in f.required_when.items())
                items.append((f"({cond}) AND {_empty(f.code)}", f.code))
    elif derive == "code_list":
        for f in own:
            if f.type == "code":
                items.append((f"{_col(f.code)} NOT IN ({_in(sorted(f.code_set))})", f.code))
            elif f.type == "codes":
                # Remove every known quoted code and the JSON punctuation: anything left over
                # is a code outside the list.
                expr = _col(f.code)
                for c in sorted(f.code_set, key=len, reverse=True):
                    expr = f"replace({expr}, {_q(chr(34) + c + chr(34))}, '')"
                for ch in "[],":
                    expr = f"replace({expr}, {_q(ch)}, '')"
                items.append((f"{expr} <> ''", f.code))
            for rule in f.codes_when:
                cond = " AND ".join(f"{_col(o)} IN ({_in(v)})" for o, v in rule.when.items())
                items.append((f"({cond}) AND {_col(f.code)} NOT IN ({_in(rule.codes)})", f.code))
    elif derive == "not_before":
        for f in own:
            if f.not_before is not None:
                items.append((f"{_col(f.code)} < {_col(f.not_before)}", f"{f.code}<{f.not_before}"))
    else:
        for f in own:
            if f.min is not None:
                items.append((f"TRY_CAST({_col(f.code)} AS DECIMAL(20, 6)) < {f.min}", f.code))
    if not items:
        return None
    return " OR ".join(f"({w})" for w, _ in items), _listing(items)


def field_codes(catalog: Catalog) -> list[str]:
    """Every own field code of the aggregated categories: the ``f_`` columns of ``q_rec``."""
    seen: dict[str, None] = {}
    for cat in catalog.categories:
        if cat.kind == "aggregated":
            for f in cat.fields:
                if f.code not in _COMMON:
                    seen.setdefault(f.code)
    return list(seen)


def uscc_check_sql(column: str = "uscc") -> str:
    """The expected GB 32100 check character of ``column`` as an SQL expression."""
    terms = [
        f"(strpos({_q(USCC_ALPHABET)}, substr({column}, {i + 1}, 1)) - 1) * {pow(3, i, 31)}"
        for i in range(17)
    ]
    total = " + ".join(terms)
    return f"substr({_q(USCC_ALPHABET)}, ((31 - ({total}) % 31) % 31) + 1, 1)"


def months_before(as_of: date, n: int) -> list[str]:
    """The ``n`` full months before the month of ``as_of``, oldest first, as ``YYYY-MM``."""
    y, m = as_of.year, as_of.month
    out: list[str] = []
    for _ in range(n):
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
        out.append(f"{y:04d}-{m:02d}")
    return out[::-1]


@dataclass(frozen=True)
class ScanPlan:
    """SQL to run in order: ``views`` (name, query), then ``hits`` materialised, then each
    query of ``queries``; the union of the queries' rows are the findings."""

    views: tuple[tuple[str, str], ...]
    hits: str
    queries: tuple[str, ...]
    # Records and late records per department and month: the circular's denominators.
    volumes: str = (
        "SELECT dept_code, city, period, count(*) AS records,"
        " count(*) FILTER (WHERE aggregated_on_time = false) AS late"
        " FROM q_rec GROUP BY dept_code, city, period ORDER BY dept_code, period"
    )


_CITY = "coalesce(substr(d.region_code, 1, 4), '0000') || '00'"


def _records_sql(codes: Sequence[str], heavy_kinds: Sequence[str], *, one_parse: bool) -> str:
    """Active records with their department's city and their own fields as ``f_`` columns.

    ``one_parse``: parse each row's JSON once into a struct of strings (the single pass that
    reads every field; Spark: from_json, see scan.py) and join the register. Otherwise each
    ``f_`` column is its own extraction, so a query pays only for the fields it reads.
    """
    if one_parse:
        shape = "{" + ",".join(f'"{c}":"VARCHAR"' for c in codes) + "}"
        source = f"(SELECT *, json_transform(fields, {_q(shape)}) AS fj FROM records) r"
        fields = [f"r.fj.{c} AS {_col(c)}" for c in codes]
        register = """,
  e.name AS ent_name, e.status AS ent_status, e.status_on AS ent_status_on,
  e.established_on AS ent_established_on"""
        join = "\nLEFT JOIN enterprises e ON e.id = r.enterprise_id"
    else:
        source = "records r"
        fields = [f"json_extract_string(r.fields, '$.{c}') AS {_col(c)}" for c in codes]
        register = join = ""
    kinds = "json_extract_string(r.fields, '$.penalty_kinds')"
    heavy = " OR ".join(f"{kinds} LIKE '%\"{k}\"%'" for k in heavy_kinds)
    return f"""SELECT r.id AS record_id, r.dept_code || '/' || r.source_id AS subject,
  r.category, r.dept_code, {_CITY} AS city, strftime(r.produced_on, '%Y-%m') AS period,
  r.uscc, r.enterprise_id, r.subject_name, r.name_mismatch, r.produced_on, r.received_on,
  r.aggregate_due, r.aggregated_on_time, r.publish_due, r.published_on, r.fields,
  (json_extract_string(r.fields, '$.heavier') = 'true' OR {heavy}) AS is_heavy{register},
  {", ".join(fields)}
FROM {source}
LEFT JOIN departments d ON d.dept_code = r.dept_code{join}
WHERE r.status = 'active'"""


def _views(catalog: Catalog, rules: RuleSet, as_of: date) -> list[tuple[str, str]]:
    s = rules.settings
    city = _CITY
    rec = _records_sql(field_codes(catalog), s.heavy_penalty_kinds, one_parse=False)
    deps = f"""SELECT d.dept_code, {city} AS city, d.level, d.is_market_regulator
FROM departments d"""
    people = f"""SELECT p.id, p.uscc, p.enterprise_id, p.role, b.dept_code, {city} AS city,
  strftime(coalesce(p.since, b.received_on), '%Y-%m') AS period
FROM person_roles p
LEFT JOIN ingest_batches b ON b.id = p.last_batch_id
LEFT JOIN departments d ON d.dept_code = b.dept_code"""
    resp: list[str] = []
    for entry in rules.responsibility:
        conds = ["TRUE"]
        if entry.market_regulator is not None:
            conds.append(f"is_market_regulator = {str(entry.market_regulator).upper()}")
        if entry.levels:
            conds.append(f"level IN ({_in(entry.levels)})")
        if entry.dept_codes:
            conds.append(f"dept_code IN ({_in(entry.dept_codes)})")
        for cat in entry.categories:
            resp.append(
                f"SELECT dept_code, {_q(cat)} AS category FROM q_departments"
                f" WHERE {' AND '.join(conds)}"
            )
    months = [f"SELECT {_q(m)} AS period" for m in months_before(as_of, s.gap_lookback_months)]
    nothing = "SELECT CAST(NULL AS VARCHAR) AS {} WHERE FALSE"
    return [
        ("q_rec", rec),
        ("q_departments", deps),
        ("q_person_roles", people),
        (
            "q_resp",
            "SELECT DISTINCT dept_code, category FROM (" + " UNION ALL ".join(resp) + ") x"
            if resp
            else nothing.format("dept_code, CAST(NULL AS VARCHAR) AS category"),
        ),
        ("q_months", " UNION ALL ".join(months) if months else nothing.format("period")),
    ]


def compile_scan(catalog: Catalog, rules: RuleSet, as_of: date) -> ScanPlan:
    s = rules.settings
    params = {
        "as_of": _date(as_of),
        "listing_cutoff": _date(as_of - timedelta(days=s.listing_grace_days)),
        "earliest_plausible": s.earliest_plausible.isoformat(),
        "uscc_check": uscc_check_sql(),
        "near_chars": _q(NEAR_CHARS),
    }
    aggregated = [c for c in catalog.categories if c.kind == "aggregated"]
    known = {c.name for c in aggregated}
    for entry in rules.responsibility:
        if unknown := set(entry.categories) - known:
            raise ValueError(f"responsibility names unknown categories {sorted(unknown)}")
    hit_cols: list[tuple[Rule, str]] = []
    queries: list[str] = []
    for rule in rules.rules:
        if rule.derive is not None:
            parts = {c.name: d for c in aggregated if (d := _derived(rule.derive, c)) is not None}
            compiled = _by_category(parts)
            if compiled is not None:
                hit_cols.append((rule, f"CASE WHEN {compiled[0]} THEN {compiled[1]} END"))
        elif rule.when is not None and rule.detail is not None:
            when = rule.when.format(**params)
            hit_cols.append((rule, f"CASE WHEN {when} THEN coalesce({rule.detail}, '') END"))
        else:
            assert rule.sql is not None
            body = rule.sql.format(**params)
            queries.append(
                f"SELECT {_q(rule.code)} AS rule, subject, dept_code, city, period, category,"
                f" record_id, detail FROM ({body}) x"
            )
    cols = ",\n  ".join(f"{expr} AS hit_{rule.code}" for rule, expr in hit_cols)
    any_hit = " OR ".join(f"hit_{rule.code} IS NOT NULL" for rule, _ in hit_cols)
    every = _records_sql(field_codes(catalog), s.heavy_penalty_kinds, one_parse=True)
    hits = f"""SELECT * FROM (SELECT subject, dept_code, city, period, category, record_id,
  {cols}
FROM ({every}) q) h WHERE {any_hit}"""
    per_record = [
        f"SELECT {_q(rule.code)} AS rule, subject, dept_code, city, period, category,"
        f" record_id, hit_{rule.code} AS detail FROM q_hits WHERE hit_{rule.code} IS NOT NULL"
        for rule, _ in hit_cols
    ]
    return ScanPlan(tuple(_views(catalog, rules, as_of)), hits, (*per_record, *queries))
