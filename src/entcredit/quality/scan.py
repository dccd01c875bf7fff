"""Run a compiled scan over a Parquet snapshot: DuckDB by default, Spark (pyspark) beyond one
machine. Both run the same SQL: written for DuckDB, transpiled by sqlglot for Spark."""

# ruff: noqa: S608 -- runs SQL compiled by quality.rules from fixed identifiers.

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import duckdb
import pyarrow as pa

from entcredit.catalog.model import Catalog
from entcredit.quality.rules import FINDING_COLUMNS, RuleSet, ScanPlan, compile_scan

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# The snapshot tables a scan reads.
SCAN_TABLES = ("records", "departments", "enterprises", "person_roles", "ingest_batches")
FINDINGS_SCHEMA = pa.schema(
    [
        ("rule", pa.string()),
        ("subject", pa.string()),
        ("dept_code", pa.string()),
        ("city", pa.string()),
        ("period", pa.string()),
        ("category", pa.string()),
        ("record_id", pa.int64()),
        ("detail", pa.string()),
    ]
)
assert tuple(FINDINGS_SCHEMA.names) == FINDING_COLUMNS
VOLUMES_SCHEMA = pa.schema(
    [
        ("dept_code", pa.string()),
        ("city", pa.string()),
        ("period", pa.string()),
        ("records", pa.int64()),
        ("late", pa.int64()),
    ]
)


class Runner(Protocol):
    def table(self, name: str, path: Path) -> None: ...
    def view(self, name: str, sql: str) -> None: ...
    def materialise(self, name: str, sql: str) -> None: ...
    def rows(self, sql: str, schema: pa.Schema) -> pa.Table: ...


class DuckDBRunner:
    def __init__(self, connection: duckdb.DuckDBPyConnection | None = None) -> None:
        self.db = connection or duckdb.connect()
        self.db.execute("SET enable_progress_bar = false")

    def table(self, name: str, path: Path) -> None:
        self.db.execute(
            f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet({_literal(path)})"
        )

    def view(self, name: str, sql: str) -> None:
        self.db.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")

    def materialise(self, name: str, sql: str) -> None:
        self.db.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def rows(self, sql: str, schema: pa.Schema) -> pa.Table:
        return self.db.sql(sql).to_arrow_table().cast(schema)


class SparkRunner:
    """The same SQL on Spark. ``pyspark`` is an optional extra (``entcredit[spark]``)."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark

    @staticmethod
    def transpile(sql: str) -> str:
        import sqlglot
        from sqlglot import exp

        def from_json(node: exp.Expression) -> exp.Expression:
            # DuckDB's json_transform(x, '{"a":"VARCHAR",...}') is Spark's
            # from_json(x, 'a STRING, ...'): one parse into a struct of strings.
            if isinstance(node, exp.Anonymous) and str(node.this).lower() == "json_transform":
                col, shape = node.expressions
                keys = json.loads(shape.name)
                schema = ", ".join(f"`{k}` STRING" for k in keys)
                return exp.Anonymous(
                    this="FROM_JSON", expressions=[col, exp.Literal.string(schema)]
                )
            return node

        tree = sqlglot.parse_one(sql, read="duckdb").transform(from_json)
        return tree.sql(dialect="spark")

    def table(self, name: str, path: Path) -> None:
        self.spark.read.parquet(str(path)).createOrReplaceTempView(name)

    def view(self, name: str, sql: str) -> None:
        # Every view is read by several rule queries: Spark would recompute it (Parquet read
        # and JSON parse) for each one, so keep it once computed.
        self.spark.sql(self.transpile(sql)).cache().createOrReplaceTempView(name)

    def materialise(self, name: str, sql: str) -> None:
        self.spark.sql(self.transpile(sql)).cache().createOrReplaceTempView(name)

    def rows(self, sql: str, schema: pa.Schema) -> pa.Table:
        found: list[Any] = self.spark.sql(self.transpile(sql)).collect()
        return pa.Table.from_pylist([r.asDict() for r in found], schema=schema)


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


@dataclass(frozen=True)
class ScanResult:
    findings: pa.Table  # FINDINGS_SCHEMA, sorted by (rule, subject)
    volumes: pa.Table  # VOLUMES_SCHEMA


def run_plan(runner: Runner, folder: Path, plan: ScanPlan) -> ScanResult:
    for name in SCAN_TABLES:
        runner.table(name, folder / f"{name}.parquet")
    for name, sql in plan.views:
        runner.view(name, sql)
    runner.materialise("q_hits", plan.hits)
    union = "\nUNION ALL\n".join(plan.queries)
    findings = runner.rows(
        f"SELECT {', '.join(FINDING_COLUMNS)} FROM ({union}) f ORDER BY rule, subject",
        FINDINGS_SCHEMA,
    )
    return ScanResult(findings, runner.rows(plan.volumes, VOLUMES_SCHEMA))


def scan_snapshot(
    folder: Path, catalog: Catalog, rules: RuleSet, as_of: date, runner: Runner | None = None
) -> ScanResult:
    """The findings of every rule over the snapshot in ``folder`` (DuckDB unless told)."""
    return run_plan(runner or DuckDBRunner(), folder, compile_scan(catalog, rules, as_of))
