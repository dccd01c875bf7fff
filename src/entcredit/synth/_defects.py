"""Defects a loader must catch or absorb: a broken value per rejection kind, a normalisable
variant of a good value, and the corrected version of a record."""

from __future__ import annotations

import random
from datetime import date
from typing import Final

from entcredit.synth import _fields as F

_CORRECTABLE: Final = {
    "license": "content",
    "penalty": "facts",
    "inspection": "result_text",
    "product_check": "batch",
    "restriction": "basis",
    "support": "policy_name",
    "abnormal_list": "decision_no",
    "serious_list": "decision_no",
    "annual_report": "employees",
    "address_signal": "detail",
}
_FULLWIDTH: Final = {i: i + 0xFEE0 for i in range(0x21, 0x7F)}


def corrected(
    rng: random.Random, category: str, row: dict[str, str | None]
) -> dict[str, str | None]:
    """The record sent again with its correctable field changed."""
    changed = dict(row)
    fld = _CORRECTABLE[category]
    old = changed.get(fld)
    if fld == "employees":
        changed[fld] = str(int(old or "0") + 1 + rng.randrange(5))
    else:
        changed[fld] = (old or "") + "（更正）"
    return changed


def normalise(rng: random.Random, row: dict[str, str | None]) -> dict[str, str | None]:
    """A defect the loader must absorb: full-width code, padded value, other date format."""
    r = dict(row)
    choice = rng.randrange(3)
    if choice == 0 and r.get("uscc"):
        r["uscc"] = (r["uscc"] or "").translate(_FULLWIDTH)
        return r
    if choice <= 1:
        key = "subject_name" if "subject_name" in r else ("name" if "name" in r else "person_name")
        if r.get(key):
            r[key] = " " + (r[key] or "") + "\u3000"
            return r
    for key in ("produced_on", "established_on", "since"):
        v = r.get(key)
        if v:
            d = date.fromisoformat(v)
            style = rng.randrange(3)
            r[key] = (
                f"{d:%Y/%m/%d}"
                if style == 0
                else f"{d:%Y%m%d}"
                if style == 1
                else f"{d.year}年{d.month}月{d.day}日"
            )
            return r
    return r


def break_row(
    rng: random.Random, category: str, row: dict[str, str | None]
) -> tuple[dict[str, str | None], str, str]:
    """A copy of ``row`` the loader must reject, the field at fault and the rejection kind."""
    r = dict(row)
    options: list[str] = []
    if r.get("uscc"):
        options += ["bad_uscc"] * 5
    options += ["missing_required"] * 5
    dates = [k for k in r if k in F.DATE_FIELDS and r[k]]
    if dates:
        options += ["bad_date"] * 4
    amounts = [k for k in r if k in F.AMOUNT_FIELDS and r[k] and float(r[k] or 0) > 0]
    if amounts:
        options += ["negative_amount"] * 3
    codes = [k for k in r if k in F.CODE_FIELDS and r[k]]
    if codes:
        options += ["bad_code"] * 4
    if category == "person_role":
        options += ["bad_id"] * 3
    kind = rng.choice(options)
    if kind == "bad_uscc":
        code = r["uscc"] or ""
        wrong = "0" if code[-1] != "0" else "1"
        r["uscc"] = code[:-1] + wrong
        return r, "uscc", kind
    if kind == "bad_date":
        k = rng.choice(dates)
        d = date.fromisoformat(r[k] or "")
        r[k] = rng.choice(
            (
                f"{d.year}.{d.month:02d}.{d.day:02d}",
                f"{d.year}-02-30",
                f"{d.day:02d}/{d.month:02d}/{d.year}",
                f"{d.year}-13-{d.day:02d}",
            )
        )
        return r, k, kind
    if kind == "negative_amount":
        k = rng.choice(amounts)
        r[k] = "-" + (r[k] or "1")
        return r, k, kind
    if kind == "bad_code":
        k = rng.choice(codes)
        r[k] = rng.choice(F.CODE_FIELDS[k])
        return r, k, kind
    if kind == "bad_id":
        pid = r["person_id"] or ""
        r["person_id"] = pid[:-1] + ("0" if pid[-1] != "0" else "1")
        return r, "person_id", kind
    req = sorted(k for k in F.required(category) if r.get(k) and k not in ("dept_code", "op"))
    k = rng.choice(req)
    r[k] = None
    return r, k, "missing_required"
