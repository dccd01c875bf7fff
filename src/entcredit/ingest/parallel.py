"""Checking a large file in a worker process while this process writes to the store.

Reading, decoding and validating a row costs about as much CPU as storing it, and the machine
has more than one core. A worker process (``python -m entcredit.ingest.parallel``) reads and
checks the file and streams checked rows in pickled blocks through its stdout; the loading
process attributes, classifies and writes them. The pipe's buffer bounds memory and gives
back-pressure. The worker holds no database connection, so the batch stays one transaction in
the loading process; if the loading process dies, the worker's next write fails and it exits.

A plain subprocess rather than multiprocessing: spawn and forkserver re-import the caller's
``__main__``, which breaks any script that calls the loader without a main guard.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from entcredit.ingest.checking import Checked, IngestError, RowChecker
from entcredit.ingest.readers import ReadLimits, SourceError, open_source

BLOCK_ROWS = 2000


def _send(out: IO[bytes], item: tuple[Any, ...]) -> None:
    pickle.dump(item, out, protocol=pickle.HIGHEST_PROTOCOL)


def work(args: dict[str, Any], out: IO[bytes]) -> None:
    """The worker: check the file and send ("rows", block)... then ("end", ...) or a refusal."""
    from entcredit.catalog.loader import load_catalog

    try:
        cat = load_catalog().category(args["category"])
        limits = ReadLimits(**args["limits"])
        with open_source(Path(args["path"]), limits) as source:
            checker = RowChecker(
                cat,
                dept_code=args["dept_code"],
                enforce_dept=args["enforce_dept"],
                source_name=source.name,
            )
            block: list[Checked] = []
            for row in checker.check_all(lambda: source.headers, iter(source)):
                block.append(row)
                if len(block) >= BLOCK_ROWS:
                    _send(out, ("rows", block))
                    block = []
            _send(out, ("rows", block))
            _send(out, ("end", source.encoding, checker.unknown_columns))
    except (SourceError, IngestError) as exc:
        _send(out, ("refused", type(exc).__name__, str(exc)))
    out.flush()


class WorkerChecker:
    """Context manager: ``rows()`` yields the rows a worker process checked; after the last
    one, ``encoding`` and ``unknown_columns`` are known."""

    def __init__(
        self,
        path: Path,
        limits: ReadLimits,
        category: str,
        *,
        dept_code: str | None,
        enforce_dept: bool,
    ) -> None:
        self._args = {
            "path": str(path),
            "limits": asdict(limits),
            "category": category,
            "dept_code": dept_code,
            "enforce_dept": enforce_dept,
        }
        self._proc: subprocess.Popen[bytes] | None = None
        self.encoding: str | None = None
        self.unknown_columns: list[str] = []

    def __enter__(self) -> WorkerChecker:
        self._proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "entcredit.ingest.parallel", json.dumps(self._args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=30)

    def rows(self) -> Iterator[Checked]:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        while True:
            try:
                msg = pickle.load(proc.stdout)  # noqa: S301 - our own child process
            except EOFError:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise RuntimeError(f"the checking process ended unexpectedly:\n{err}") from None
            kind = msg[0]
            if kind == "rows":
                yield from msg[1]
            elif kind == "end":
                self.encoding, self.unknown_columns = msg[1], msg[2]
                return
            else:
                raise (SourceError if msg[1] == "SourceError" else IngestError)(msg[2])


if __name__ == "__main__":
    work(json.loads(sys.argv[1]), sys.stdout.buffer)
