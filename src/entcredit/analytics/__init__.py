"""Analytics over a Parquet snapshot of the store (DuckDB by default; Spark beyond one
machine). Batch work reads the snapshot, never the transactional store row by row."""
