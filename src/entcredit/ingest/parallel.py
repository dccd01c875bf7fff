"""Checking a large file in a worker process while this process writes to the store.

Reading, decoding and validating a row costs about as much CPU as storing it, and the machine
has more than one core. A worker process (``python -m entcredit.ingest.parallel``) reads and
checks the file and streams checked rows, in length-prefixed pickled blocks, through its
stdout; the loading process attributes, classifies and writes them. A bounded read-ahead
queue bounds memory and gives back-pressure. The worker holds no database connection, so the
batch stays one transaction in the loading process; if the loading process dies, the worker's
next write fails and it exits.

A plain subprocess rather than multiprocessing: spawn and forkserver re-import the caller's
``__main__``, which breaks any script that calls the loader without a main guard.
"""

from __future__ import annotations

import json
import pickle
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from entcredit.ingest.checking import Checked, IngestError, RowChecker
from entcredit.ingest.readers import ReadLimits, SourceError, open_source

BLOCK_ROWS = 2000
# Blocks read ahead of the writer. A pipe holds only 64 KiB, less than one block: without a
# reader thread draining it into this queue the worker would stall while the loader writes,
# and the two processes would take turns instead of overlapping.
READ_AHEAD_BLOCKS = 8
_LENGTH = struct.Struct(">Q")


def _send(out: IO[bytes], item: tuple[Any, ...]) -> None:
    frame = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_LENGTH.pack(len(frame)))
    out.write(frame)


def _read_frames(stream: IO[bytes], frames: queue.Queue[bytes | None]) -> None:
    """Thread: move raw frames from the pipe into the bounded queue (reads release the GIL)."""
    try:
        while len(head := stream.read(_LENGTH.size)) == _LENGTH.size:
            frames.put(stream.read(_LENGTH.unpack(head)[0]))
    finally:
        frames.put(None)


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
                pii_key=bytes.fromhex(args["pii_key"]),
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
        pii_key: bytes,
    ) -> None:
        self._args = {
            "path": str(path),
            "limits": asdict(limits),
            "category": category,
            "dept_code": dept_code,
            "enforce_dept": enforce_dept,
            "pii_key": pii_key.hex(),
        }
        self._proc: subprocess.Popen[bytes] | None = None
        self._frames: queue.Queue[bytes | None] = queue.Queue(maxsize=READ_AHEAD_BLOCKS)
        self.encoding: str | None = None
        self.unknown_columns: list[str] = []

    def __enter__(self) -> WorkerChecker:
        # Arguments go through stdin: the PII key must not show in the process list.
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "entcredit.ingest.parallel"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(json.dumps(self._args).encode())
        self._proc.stdin.close()
        threading.Thread(
            target=_read_frames, args=(self._proc.stdout, self._frames), daemon=True
        ).start()
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
        while self._frames.get() is not None:  # let the reader thread reach the end
            pass
        proc.wait(timeout=30)
        if proc.stderr is not None:
            proc.stderr.close()

    def rows(self) -> Iterator[Checked]:
        proc = self._proc
        assert proc is not None
        while True:
            frame = self._frames.get()
            if frame is None:
                proc.wait(timeout=30)
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise RuntimeError(f"the checking process ended unexpectedly:\n{err}")
            msg = pickle.loads(frame)  # noqa: S301 - our own child process
            kind = msg[0]
            if kind == "rows":
                yield from msg[1]
            elif kind == "end":
                self.encoding, self.unknown_columns = msg[1], msg[2]
                return
            else:
                raise (SourceError if msg[1] == "SourceError" else IngestError)(msg[2])


if __name__ == "__main__":
    work(json.loads(sys.stdin.read()), sys.stdout.buffer)
