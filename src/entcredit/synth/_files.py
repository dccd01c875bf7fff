"""Planning one output file: its format, encoding, header style and column order, drawn from
a stream of its own so that a file's shape does not depend on what was written before it."""

from __future__ import annotations

import random
from datetime import date

from entcredit.synth import _fields as F
from entcredit.synth._depts import Dept
from entcredit.synth._model import P_EXTRA_COLUMN
from entcredit.synth._writers import FilePlan


def _estimate(stem: str, category: str, scale: float) -> float:
    """Rows a file may reach at this scale (generous): XLSX only for files that fit."""
    per_entity = {
        "enterprise": 1.0,
        "person_role": 2.5,
        "license": 1.0,
        "annual_report": 2.0,
        "abnormal_list": 0.6,
        "address_signal": 0.6,
    }.get(category, 0.2)
    city_share = 0.25 if "_AMR44" in stem or category in ("enterprise", "person_role") else 1.0
    return per_entity * city_share * 18.5e6 * scale * 3


def plan_file(
    stem: str,
    category: str,
    dept: Dept | None,
    *,
    seed: int,
    scale: float,
    messiness: float,
    end: date,
    backlog: bool,
    force_dept_col: bool,
) -> FilePlan:
    """The shape of file ``stem``; ``dept`` is its department when it may omit ``dept_code``."""
    rng = random.Random(f"{seed}/file/{stem}")
    fmt_roll = rng.random()
    encoding: str | None
    if fmt_roll < 0.50:
        fmt, encoding = "csv", "utf-8"
    elif fmt_roll < 0.62:
        fmt, encoding = "csv", "utf-8-sig"
    elif fmt_roll < 0.74:
        fmt, encoding = "csv", "gbk"
    elif fmt_roll < 0.80:
        fmt, encoding = "csv", "gb18030"
    elif fmt_roll < 0.90:
        fmt, encoding = "xlsx", None
    else:
        fmt, encoding = "jsonl", "utf-8"
    if fmt == "xlsx" and _estimate(stem, category, scale) > 100_000:
        fmt, encoding = "csv", "utf-8-sig"
    header = "label" if rng.random() < 0.3 else "code"
    columns = [f.code for f in F.fields(category)]
    aggregated = category in F.AGGREGATED_CATEGORIES
    has_dept = True
    if aggregated and not force_dept_col and rng.random() < 0.2:
        has_dept = False
        columns.remove("dept_code")
    if rng.random() < 0.3:
        rng.shuffle(columns)
    extra = None
    if messiness > 0 and rng.random() < P_EXTRA_COLUMN * min(messiness, 1.0):
        extra = "备注" if header == "label" else "remark"
    ext = {"csv": "csv", "xlsx": "xlsx", "jsonl": "jsonl"}[fmt]
    return FilePlan(
        name=f"{stem}.{ext}",
        category=category,
        fmt=fmt,
        encoding=encoding,
        header=header,
        columns=columns,
        has_dept_col=has_dept,
        dept_code=None if has_dept or dept is None else dept.code,
        received_on=end,
        backlog=backlog,
        extra_column=extra,
    )
