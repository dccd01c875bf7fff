"""What a generation leaves besides the data files: the manifest, ``truth/expected.json`` and
the summary returned to the caller; and the clearing of a previous generation."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from entcredit.synth._emit import Emitter
from entcredit.synth._model import FLAG_KINDS, REJECTION_KINDS
from entcredit.synth._writers import FileStats


@dataclass(frozen=True, slots=True)
class GenerationSummary:
    out_dir: Path
    files: int
    total_rows: int
    rows_by_category: dict[str, int]
    rows_by_format: dict[str, int]
    rows_by_category_format: dict[str, dict[str, int]]
    entities: dict[str, int]
    rejected: int
    manifest_path: Path
    truth_dir: Path


def finish(g: Emitter) -> GenerationSummary:
    """Write the manifest and the expected figures once every file is closed."""
    opened = sorted((s for s in g.sinks.values() if s.stats.rows > 0), key=lambda s: s.plan.name)
    files = []
    stats_by_file: dict[str, dict[str, int]] = {}
    total = FileStats()
    by_cat: Counter[str] = Counter()
    by_fmt: Counter[str] = Counter()
    by_cat_fmt: dict[str, dict[str, int]] = {}
    for s in opened:
        p = s.plan
        fmt_key = p.fmt if p.fmt != "csv" else f"csv/{p.encoding}"
        files.append(
            {
                "name": p.name,
                "category": p.category,
                "format": p.fmt,
                "encoding": p.encoding,
                "header": p.header,
                "columns": p.columns,
                "has_dept_code": p.has_dept_col,
                "dept_code": p.dept_code,
                "received_on": p.received_on.isoformat(),
                "backlog": p.backlog,
                "extra_columns": [p.extra_column] if p.extra_column else [],
                "rows": s.stats.rows,
            }
        )
        stats_by_file[p.name] = s.stats.as_dict()
        for k, v in s.stats.as_dict().items():
            setattr(total, k, getattr(total, k) + v)
        by_cat[p.category] += s.stats.rows
        by_fmt[fmt_key] += s.stats.rows
        by_cat_fmt.setdefault(p.category, {})
        by_cat_fmt[p.category][fmt_key] = by_cat_fmt[p.category].get(fmt_key, 0) + s.stats.rows
    params = {
        "seed": g.seed,
        "scale": g.scale,
        "start": g.start.isoformat(),
        "end": g.end.isoformat(),
        "messiness": g.m,
    }
    manifest = {
        "format_version": 1,
        "generator": "entcredit.synth",
        **params,
        "files": files,
    }
    manifest_path = g.out / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", "utf-8")
    entities = {k: g.entity_counts[k] for k in ("enterprise", "cooperative", "individual")}
    expected = {
        "generator": params,
        "vocabulary": {
            "reason_kind": list(REJECTION_KINDS),
            "flag": [*FLAG_KINDS, "late_registration"],
        },
        "total": total.as_dict(),
        "files": stats_by_file,
        "entities": {
            **entities,
            "total": sum(entities.values()),
            "phantom_codes": g.phantoms,
        },
        "stock_at_end": {k: g.stock[k] for k in sorted(g.stock)},
    }
    (g.out / "truth" / "expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=1) + "\n", "utf-8"
    )
    return GenerationSummary(
        out_dir=g.out,
        files=len(files),
        total_rows=sum(by_cat.values()),
        rows_by_category=dict(sorted(by_cat.items())),
        rows_by_format=dict(sorted(by_fmt.items())),
        rows_by_category_format=by_cat_fmt,
        entities=entities,
        rejected=total.rejected,
        manifest_path=manifest_path,
        truth_dir=g.out / "truth",
    )


def prepare(out_dir: Path) -> None:
    """Start from an empty directory; a previous generation (it has a manifest) is replaced."""
    if not out_dir.exists():
        out_dir.mkdir(parents=True)
        return
    manifest = out_dir / "manifest.json"
    if manifest.exists():
        for entry in json.loads(manifest.read_text("utf-8")).get("files", []):
            (out_dir / entry["name"]).unlink(missing_ok=True)
        shutil.rmtree(out_dir / "truth", ignore_errors=True)
        manifest.unlink()
    if any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty and holds no previous generation")
