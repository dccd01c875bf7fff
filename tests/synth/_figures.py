"""The calibration figures of a generated province, computed from its manifest and truth."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from tests.synth._read import expected, manifest

OTHER_PUBLIC = ("license", "penalty", "inspection", "restriction", "support")


def figures(out: Path) -> dict[str, Any]:
    man = manifest(out)
    exp = expected(out)
    other: Counter[str] = Counter()
    for entry in man["files"]:
        name = entry["name"]
        if "_corrections" in name or entry["category"] not in OTHER_PUBLIC:
            continue
        dept = name.split("_")[-1].split(".")[0] if "_recent" not in name else name.split("_")[-2]
        if dept.startswith("AMR"):
            continue
        stats = exp["files"][name]
        # Records, not rows: an exact duplicate is the same record again.
        other[entry["category"]] += stats["rows"] - stats["duplicates_unchanged"]
    total_other = sum(other.values())
    ents = exp["entities"]
    stock = exp["stock_at_end"]
    enterprises = ents["enterprise"] + ents["cooperative"]
    return {
        "other_records": total_other,
        "licence_share": other["license"] / total_other,
        "penalty_share": other["penalty"] / total_other,
        "rest_share": 1 - (other["license"] + other["penalty"]) / total_other,
        "enterprises": enterprises,
        "individuals": ents["individual"],
        "cooperative_share": ents["cooperative"] / enterprises,
        "abnormal_share": stock["abnormal_current_intended"] / ents["total"],
        "abnormal_share_as_loaded": stock["abnormal_current_as_loaded"] / ents["total"],
        "serious_share": stock["serious_current_intended"] / enterprises,
        "serious_persons": stock.get("serious_persons", 0),
    }
