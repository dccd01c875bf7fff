"""A consistent, streaming Parquet snapshot of the store.

Every table is read inside one read transaction (REPEATABLE READ on PostgreSQL; a WAL read
snapshot on SQLite), so the files agree with each other; rows stream through in blocks, so
memory stays flat whatever the table size. The snapshot is written to a temporary folder and
renamed into place, so a reader never sees half of one. Column types come from the models:
a new column appears in the next snapshot without code here.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import JSON, Boolean, Date, DateTime, Engine, Integer, LargeBinary, Numeric, Table
from sqlalchemy import select as sa_select

from entcredit.store.registry import all_metadata

# What analytics reads. Identity, sessions and the audit log stay out of snapshots.
DEFAULT_TABLES = (
    "departments",
    "enterprises",
    "enterprise_former_names",
    "persons",
    "person_roles",
    "records",
    "record_versions",
    "ingest_batches",
)
BLOCK_ROWS = 50_000


@dataclass(frozen=True)
class TableFile:
    table: str
    file: str
    rows: int


@dataclass(frozen=True)
class Snapshot:
    folder: Path
    taken_at: datetime
    dialect: str
    tables: tuple[TableFile, ...]

    def path(self, table: str) -> Path:
        return self.folder / f"{table}.parquet"


def arrow_type(column: Any) -> pa.DataType:
    """The Parquet type of a model column; JSON is kept as its text (DuckDB and Spark both
    parse it where needed)."""
    t = column.type
    if isinstance(t, JSON) or isinstance(getattr(t, "impl", None), JSON):
        return pa.string()
    if isinstance(t, Boolean):
        return pa.bool_()
    if isinstance(t, Integer):
        return pa.int64()
    if isinstance(t, Numeric):
        return pa.decimal128(20, 6)
    if isinstance(t, DateTime) or isinstance(getattr(t, "impl", None), DateTime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(t, Date):
        return pa.date32()
    if isinstance(t, LargeBinary):
        return pa.binary()
    return pa.string()


def _cell(value: Any, kind: pa.DataType) -> Any:
    if value is None:
        return None
    if pa.types.is_string(kind) and not isinstance(value, str):
        return orjson.dumps(value).decode()  # JSON columns
    return value


def export_snapshot(
    engine: Engine,
    folder: Path,
    *,
    taken_at: datetime,
    tables: Sequence[str] = DEFAULT_TABLES,
) -> Snapshot:
    """Write ``<table>.parquet`` files and ``snapshot.json`` into ``folder`` (replaced whole)."""
    metadata = all_metadata()
    work = folder.with_name(folder.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    written: list[TableFile] = []
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            for name in tables:
                table: Table = metadata.tables[name]
                schema = pa.schema([(c.name, arrow_type(c)) for c in table.columns])
                kinds = [f.type for f in schema]
                rows = 0
                with pq.ParquetWriter(work / f"{name}.parquet", schema, compression="zstd") as out:
                    result = conn.execution_options(stream_results=True, yield_per=BLOCK_ROWS)
                    for part in result.execute(sa_select(table)).partitions():
                        columns = list(zip(*part, strict=True))  # partitions are never empty
                        arrays = [
                            pa.array([_cell(v, k) for v in col], type=k)
                            for col, k in zip(columns, kinds, strict=True)
                        ]
                        out.write_table(pa.Table.from_arrays(arrays, schema=schema))
                        rows += len(part)
                written.append(TableFile(name, f"{name}.parquet", rows))
    snap = Snapshot(folder, taken_at, engine.dialect.name, tuple(written))
    manifest = {
        "taken_at": taken_at.isoformat(),
        "dialect": snap.dialect,
        "tables": [asdict(t) for t in written],
    }
    (work / "snapshot.json").write_text(json.dumps(manifest, indent=1), "utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    work.rename(folder)
    return snap
