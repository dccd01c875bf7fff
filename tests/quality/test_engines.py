"""The same scan on DuckDB and on Spark (local mode, SQL transpiled by sqlglot) finds exactly
the same findings and volumes. One Spark session for the module: it costs seconds to start."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from entcredit.catalog import load_catalog
from entcredit.quality.rules import load_rules
from entcredit.quality.scan import DuckDBRunner, SparkRunner, scan_snapshot
from tests.conftest import IN_CI
from tests.quality.snapshots import AS_OF, write_snapshot
from tests.quality.test_rules import _tables

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

if importlib.util.find_spec("pyspark") is None:
    if IN_CI:
        pytest.fail("pyspark (the spark extra) is required under CI=true", pytrace=False)
    pytest.skip("pyspark not installed (pip install -e .[spark])", allow_module_level=True)


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("entcredit-quality-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        # The single-pass rule projection is wide: interpreted evaluation avoids compiling
        # (and falling back from) a method over the JVM's 64 KB limit.
        .config("spark.sql.codegen.wholeStage", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_duckdb_and_spark_agree_exactly(tmp_path: Path, spark: SparkSession) -> None:
    folder = write_snapshot(tmp_path / "snap", _tables())
    catalog, rules = load_catalog(), load_rules()
    on_duck = scan_snapshot(folder, catalog, rules, AS_OF, DuckDBRunner())
    on_spark = scan_snapshot(folder, catalog, rules, AS_OF, SparkRunner(spark))
    assert on_duck.findings.num_rows > 30
    assert len({f["rule"] for f in on_duck.findings.to_pylist()}) == len(rules.rules)
    assert on_spark.findings.to_pylist() == on_duck.findings.to_pylist()
    key = ["dept_code", "period"]
    assert sorted(on_spark.volumes.to_pylist(), key=lambda v: [v[k] for k in key]) == sorted(
        on_duck.volumes.to_pylist(), key=lambda v: [v[k] for k in key]
    )
