"""The synthetic province: business entities and what departments report about them.

Entities are generated city by city and written as they are made: nothing per entity is kept
once its rows are out, so memory does not grow with the scale. Every random draw comes from a
``random.Random`` seeded from ``(seed, stream name)``: the same arguments give byte-identical
files. Messiness draws come from their own streams, so ``messiness=0`` yields the same
province as ``messiness=1`` minus the defects.
"""

from __future__ import annotations

import json
import math
import random
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Final

from entcredit.synth import _fields as F
from entcredit.synth._depts import (
    ALL_DEPTS,
    AMR_PENALTIES,
    DEPT_BY_CODE,
    GENERIC_LICENSORS,
    OTHER_BY_PREFIX,
    OTHER_DEPTS,
    Dept,
    PenaltyTemplate,
)
from entcredit.synth._geo import CITIES, City, apportion
from entcredit.synth._ids import resident_id, uscc_for
from entcredit.synth._pools import (
    COOP_INDUSTRIES,
    COOP_PRODUCTS,
    INDUSTRIES,
    INDUSTRY_BY_CODE,
    ROADS,
    SHOPS,
    Industry,
    brand,
    person_name,
)
from entcredit.synth._writers import FilePlan, FileStats, RowSink, Truth

# --- calibration (calibration.md; scale 1.0 = Guangdong, 30 June 2024) -----------------------
ENTERPRISES_AT_SCALE_1: Final = 8_004_500  # including cooperatives
INDIVIDUALS_AT_SCALE_1: Final = 10_500_000
COOPERATIVE_SHARE: Final = 0.006  # of enterprises
SERIOUS_PERSONS_AT_SCALE_1: Final = 13
# Other departments' records per entity: 28,574,200 licences and 1,544,100 penalties over
# ~18.5 M entities; the remaining 1.8 % are inspections, restrictions and support.
LICENCES_PER_ENTERPRISE: Final = 2.46
LICENCES_PER_INDIVIDUAL: Final = 0.85
OTHER_PENALTIES_PER_ENTITY: Final = 0.0842
OTHER_INSPECTIONS_PER_ENTITY: Final = 0.012
SUPPORT_PER_ENTERPRISE: Final = 0.021
RESTRICTION_PER_SERIOUS: Final = 0.35
PERSON_RESTRICTION_PER_SERIOUS: Final = 0.2
# Market regulators' own records.
AMR_PENALTIES_PER_ENTITY: Final = 0.03
AMR_FOOD_LICENCES_PER_FOOD_ENTITY: Final = 0.5
INSPECTION_RATE_ENTERPRISE: Final = 0.03  # a year (national ratio after 2020)
INSPECTION_RATE_INDIVIDUAL: Final = 0.01
PRODUCT_CHECK_RATE: Final = 0.04  # a year, trades making or selling products / food
# Latent structure.
UNREACHABLE_BASE: Final = {"enterprise": 0.16, "individual": 0.22, "cooperative": 0.2}
ABNORMAL_IF_UNREACHABLE: Final = 0.9
ABNORMAL_IF_REACHABLE: Final = {"enterprise": 0.18, "individual": 0.18, "cooperative": 0.15}
PAST_ABNORMAL: Final = 0.06  # listed then removed before the end
SERIOUS_SHARE: Final = 0.0245
SERIOUS_EARLY_REMOVED: Final = 0.003
SIZE_LOGNORMAL: Final = {
    "enterprise": (0.0, 1.1),
    "individual": (-1.2, 0.6),
    "cooperative": (-0.8, 0.7),
}
ACTIVITY_POWER: Final = 0.6
P_PROBLEM_INTERCEPT: Final = -1.8

# --- messiness (probabilities per row at messiness 1.0) ----------------------------------------
P_REJECT: Final = 0.02
P_REJECT_REGISTER: Final = 0.005
P_DUPLICATE: Final = 0.01
P_CORRECTION: Final = 0.01
P_WITHDRAWAL: Final = 0.003
P_FORMER_NAME: Final = 0.05  # of rows about an entity that has a former name
P_NAME_MISMATCH: Final = 0.004
P_NORMALISE: Final = 0.04
P_LATE: Final = 0.1  # of other departments' records of the last 120 days
P_PHANTOM: Final = 0.003  # extra licence/penalty about a code never registered
P_LATE_REGISTRATION: Final = 0.003
P_EXTRA_COLUMN: Final = 0.08

REJECTION_KINDS: Final = (
    "bad_uscc",
    "missing_required",
    "bad_date",
    "negative_amount",
    "bad_code",
    "bad_id",
)
FLAG_KINDS: Final = (
    "duplicate",
    "correction",
    "withdrawal",
    "late",
    "unlinked",
    "late_linked",
    "name_mismatch",
    "former_name",
    "normalised",
    "person_subject",
)
CATEGORY_PREFIX: Final = {
    "license": "100",
    "penalty": "110",
    "inspection": "120",
    "product_check": "130",
    "restriction": "140",
    "support": "150",
    "abnormal_list": "160",
    "serious_list": "170",
    "annual_report": "180",
    "address_signal": "190",
}
SOURCE_ABBR: Final = {
    "license": "XK",
    "penalty": "CF",
    "inspection": "JC",
    "product_check": "CJ",
    "restriction": "YS",
    "support": "FC",
    "abnormal_list": "YC",
    "serious_list": "YZ",
    "annual_report": "NB",
    "address_signal": "XS",
}
RECENT_CATEGORIES: Final = frozenset({"license", "penalty", "inspection", "restriction", "support"})
HEAVY_KINDS: Final = (
    "revoke_license",
    "suspend_business",
    "restrict_business",
    "suspend_license",
    "close",
    "downgrade",
    "employment_ban",
)
ARTICLE_OF_DOMAIN: Final = {
    "food": "5",
    "drug": "6",
    "quality": "7",
    "special_equipment": "7",
    "consumer": "8",
    "competition": "9",
    "other": "10",
}
_AREA_CODES: Final = ("20", "755", "757", "769", "760", "754")
_MAIL: Final = ("qq.com", "163.com", "126.com")
OTHER_PROVINCES: Final = ("110105", "310115", "330106", "350203", "430104", "450103", "510107")
_FOOD_PRODUCTS: Final = ("月饼", "大米", "食用植物油", "糕点", "饮料", "酱油", "肉制品", "茶叶")
_GOODS: Final = (
    "电线电缆",
    "儿童玩具",
    "服装",
    "家具",
    "电动自行车",
    "插头插座",
    "涂料",
    "汽车配件",
)
_FAILED_FOOD: Final = ("菌落总数", "大肠菌群", "酸价", "过氧化值", "防腐剂", "标签")
_FAILED_GOODS: Final = ("甲醛释放量", "耐压试验", "纤维含量", "标志和说明", "阻燃性能")
_RESULT_TEXT: Final = {
    "1": "未发现问题",
    "2": "发现问题，已责令改正",
    "3": "发现问题，待后续处理",
    "4": "未按规定公示年度报告",
    "5": "公示信息隐瞒真实情况、弄虚作假",
    "6": "通过登记的住所（经营场所）无法联系",
    "7": "未发现开展本次抽查涉及的经营活动",
    "8": "已关闭停业或正在组织清算",
    "9": "其他",
}
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
_INSPECTING_OTHERS: Final = ("WJW", "STHJ", "JT", "YJGL", "YJJ", "XF", "WL")
_RESTRICTING_OTHERS: Final = tuple(d.code for d in OTHER_DEPTS if "restriction" in d.categories)
_SIGNAL_WEIGHTS_UNREACHABLE: Final = (
    ("mail_returned", 3.0),
    ("phone_unreachable", 3.0),
    ("utility_zero", 1.5),
    ("tax_abnormal", 1.5),
    ("social_insurance_zero", 1.5),
    ("other", 0.3),
)
_SIGNAL_WEIGHTS_NOISE: Final = (
    ("complaint", 3.0),
    ("mail_returned", 1.0),
    ("phone_unreachable", 1.0),
    ("utility_zero", 0.5),
    ("tax_abnormal", 0.5),
    ("social_insurance_zero", 1.0),
)
_SIGNAL_DEPT: Final = {"tax_abnormal": "SW", "social_insurance_zero": "RS", "utility_zero": "NYJ"}


def _expected_p_problem() -> float:
    # E[sigmoid(a + Z)], Z ~ N(0, 1), by a fixed quadrature: deterministic, no sampling.
    total = weight = 0.0
    for i in range(-400, 401):
        z = i / 100
        w = math.exp(-z * z / 2)
        total += w / (1 + math.exp(-(P_PROBLEM_INTERCEPT + z)))
        weight += w
    return total / weight


E_P_PROBLEM: Final = _expected_p_problem()


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


@dataclass(slots=True)
class _Ent:
    idx: int
    etype: str
    uscc: str
    name: str
    former: str | None
    city: City
    region: str
    reg_dept: Dept
    reg_authority: str
    est: date
    status: str
    status_on: date | None
    industry: Industry
    size: float
    act: float
    p: float
    unreachable: bool
    risk: float
    rep_name: str
    rep_id: str
    address: str
    registered: bool = True  # its register row is accepted somewhere
    late_reg: bool = False
    lo: date = date.min
    hi: date = date.min
    ar_missing_from: int | None = None  # report years from this one on are never filed
    ar_late: tuple[int, date, date] | None = None  # (year, listed, removed): filed in between
    abnormal_events: list[tuple[str, bool]] = field(default_factory=list)
    serious_events: list[tuple[str, bool]] = field(default_factory=list)


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit = math.exp(-lam)
    k = 0
    prod = rng.random()
    while prod > limit:
        k += 1
        prod *= rng.random()
    return k


def _rand_date(rng: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=int(rng.random() * ((hi - lo).days + 1)))


def _weekdays_before(d: date, n: int) -> date:
    while n > 0:
        d -= timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def _amount(x: float) -> str:
    return f"{max(x, 0.01):.2f}"


def _add_years(d: date, n: int) -> date:
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 February
        return d.replace(year=d.year + n, day=28)


@lru_cache(maxsize=1)
def _labels() -> dict[str, dict[str, str]]:
    """Chinese header labels: from the catalogue, the standard's single source."""
    from entcredit.catalog import load_catalog

    catalog = load_catalog()
    out: dict[str, dict[str, str]] = {}
    for cat in F.ALL_CATEGORIES:
        own = F.labels(cat)
        try:
            out[cat] = {f.code: f.label_zh for f in catalog.category(cat).fields} | {
                k: v
                for k, v in own.items()
                if k not in {f.code for f in catalog.category(cat).fields}
            }
        except KeyError:
            out[cat] = own
    return out


class _Generator:
    def __init__(
        self, out_dir: Path, scale: float, seed: int, start: date, end: date, messiness: float
    ) -> None:
        self.out = out_dir
        self.scale = scale
        self.seed = seed
        self.start = start
        self.end = end
        self.m = messiness
        self.cutoff = _weekdays_before(end, 7)
        self.late_from = end - timedelta(days=120)
        self.labels = _labels()
        self.truth = Truth(out_dir / "truth")
        self.sinks: dict[str, RowSink] = {}
        self.counters: Counter[str] = Counter()
        self.next_index = 0
        self.next_person = 0
        self.phantoms = 0
        self.entity_counts: Counter[str] = Counter()
        self.stock: Counter[str] = Counter()
        self.mrng = random.Random(f"{seed}/mess/init")
        mm = messiness
        self.t_reject = P_REJECT * mm
        self.t_dup = self.t_reject + P_DUPLICATE * mm
        self.t_corr = self.t_dup + P_CORRECTION * mm
        self.t_wd = self.t_corr + P_WITHDRAWAL * mm
        self.t_former = self.t_wd + P_FORMER_NAME * mm
        self.t_mismatch = self.t_former + P_NAME_MISMATCH * mm
        self.t_norm = self.t_mismatch + P_NORMALISE * mm

    # --- files -------------------------------------------------------------------------------
    def _estimate(self, stem: str, category: str) -> float:
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
        return per_entity * city_share * 18.5e6 * self.scale * 3

    def sink(
        self,
        stem: str,
        category: str,
        dept: Dept | None,
        *,
        backlog: bool = True,
        force_dept_col: bool = False,
    ) -> RowSink:
        s = self.sinks.get(stem)
        if s is not None:
            return s
        rng = random.Random(f"{self.seed}/file/{stem}")
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
        if fmt == "xlsx" and self._estimate(stem, category) > 100_000:
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
        if self.m > 0 and rng.random() < P_EXTRA_COLUMN * min(self.m, 1.0):
            extra = "备注" if header == "label" else "remark"
        ext = {"csv": "csv", "xlsx": "xlsx", "jsonl": "jsonl"}[fmt]
        plan = FilePlan(
            name=f"{stem}.{ext}",
            category=category,
            fmt=fmt,
            encoding=encoding,
            header=header,
            columns=columns,
            has_dept_col=has_dept,
            dept_code=None if has_dept or dept is None else dept.code,
            received_on=self.end,
            backlog=backlog,
            extra_column=extra,
        )
        s = RowSink(self.out, plan, self.labels[category])
        self.sinks[stem] = s
        return s

    def record_sink(self, category: str, dept: Dept, produced: date | None) -> tuple[RowSink, bool]:
        """The file a record goes to; second value True when routed there late."""
        if (
            not dept.is_amr
            and category in RECENT_CATEGORIES
            and produced is not None
            and produced >= self.cutoff
        ):
            return self.sink(
                f"300_{category}_{dept.code}_recent", category, dept, backlog=False
            ), False
        return self.sink(
            f"{CATEGORY_PREFIX[category]}_{category}_{dept.code}", category, dept
        ), False

    def corrections_sink(self, category: str) -> RowSink:
        return self.sink(f"800_{category}_corrections", category, None, force_dept_col=True)

    # --- rows ----------------------------------------------------------------------------------
    def _extra(self, sink: RowSink) -> str | None:
        if sink.plan.extra_column and self.mrng.random() < 0.1:
            return "补录"
        return None

    def emit(
        self,
        category: str,
        dept: Dept,
        row: dict[str, str | None],
        ent: _Ent | None,
        *,
        linked: bool = True,
    ) -> bool:
        """Write a record with its share of defects; True when it stays in force once loaded."""
        produced = row.get("produced_on")
        pdate = date.fromisoformat(produced) if produced else None
        sink, _ = self.record_sink(category, dept, pdate)
        mrng = self.mrng
        if (
            linked
            and ent is not None
            and not ent.late_reg
            and self.m > 0
            and pdate is not None
            and not dept.is_amr
            and category in RECENT_CATEGORIES
            and self.late_from <= pdate < self.cutoff
            and mrng.random() < min(P_LATE * self.m, 0.9)
        ):
            sink = self.sink(f"300_{category}_{dept.code}_recent", category, dept, backlog=False)
            n = sink.write(row, self._extra(sink))
            sink.stats.late += 1
            self.truth.flag(sink.plan.name, n, "late")
            return True
        return self.write_row(sink, category, row, ent, linked=linked)

    def write_row(
        self,
        sink: RowSink,
        category: str,
        row: dict[str, str | None],
        ent: _Ent | None,
        *,
        linked: bool = True,
    ) -> bool:
        """Write one row with at most one defect or special treatment; True when the record
        is accepted and stays in force (not rejected, not withdrawn)."""
        st = sink.stats
        name = sink.plan.name
        if not linked:
            n = sink.write(row, self._extra(sink))
            st.unlinked_at_end += 1
            self.truth.flag(name, n, "unlinked")
            return True
        if ent is not None and ent.late_reg:
            n = sink.write(row, self._extra(sink))
            st.late_linked += 1
            self.truth.flag(name, n, "late_linked")
            return True
        if self.m <= 0:
            sink.write(row, self._extra(sink))
            return True
        u = self.mrng.random()
        if category not in F.AGGREGATED_CATEGORIES:
            # Register rows: fewer rejections (each one unlinks all of an entity's records),
            # no corrections or withdrawals (the register is keyed by code, not source_id).
            t1 = P_REJECT_REGISTER * self.m
            t2 = t1 + P_DUPLICATE * self.m
            t3 = t2 + P_NORMALISE * self.m
            action = "reject" if u < t1 else "dup" if u < t2 else "norm" if u < t3 else "plain"
        elif u < self.t_reject:
            action = "reject"
        elif u < self.t_dup:
            action = "dup"
        elif u < self.t_corr:
            action = "corr"
        elif u < self.t_wd:
            action = "withdraw"
        elif u < self.t_former:
            action = "former" if ent is not None and ent.former and row.get("uscc") else "plain"
        elif u < self.t_mismatch:
            action = "mismatch" if ent is not None and row.get("uscc") else "plain"
        elif u < self.t_norm:
            action = "norm"
        else:
            action = "plain"
        if action == "reject":
            bad, fld, kind = self._break(category, row)
            n = sink.write(bad, self._extra(sink))
            st.rejected += 1
            self.truth.reject(name, n, fld, kind)
            return False
        if action == "dup":
            extra = self._extra(sink)
            sink.write(row, extra)
            n = sink.write(row, extra)
            st.duplicates_unchanged += 1
            self.truth.flag(name, n, "duplicate")
            return True
        if action in ("corr", "withdraw"):
            sink.write(row, self._extra(sink))
            changed = dict(row)
            if action == "withdraw":
                changed["op"] = "withdraw"
            else:
                fld = _CORRECTABLE[category]
                old = changed.get(fld)
                if fld == "employees":
                    changed[fld] = str(int(old or "0") + 1 + self.mrng.randrange(5))
                else:
                    changed[fld] = (old or "") + "（更正）"
            cs = self.corrections_sink(category)
            n = cs.write(changed, self._extra(cs))
            if action == "withdraw":
                cs.stats.withdrawals += 1
                self.truth.flag(cs.plan.name, n, "withdrawal")
                return False
            cs.stats.corrections += 1
            self.truth.flag(cs.plan.name, n, "correction")
            return True
        if action == "former" and ent is not None and ent.former:
            row = dict(row)
            row["subject_name"] = ent.former
            n = sink.write(row, self._extra(sink))
            st.former_name_matches += 1
            self.truth.flag(name, n, "former_name")
            return True
        if action == "mismatch" and ent is not None:
            row = dict(row)
            other = ent.city.name + brand(self.mrng) + "实业有限公司"
            if other in (ent.name, ent.former):
                other = "某某" + other
            row["subject_name"] = other
            n = sink.write(row, self._extra(sink))
            st.name_mismatches += 1
            self.truth.flag(name, n, "name_mismatch")
            return True
        if action == "norm":
            n = sink.write(self._normalise(row), self._extra(sink))
            st.normalised += 1
            self.truth.flag(name, n, "normalised")
            return True
        sink.write(row, self._extra(sink))
        return True

    def _normalise(self, row: dict[str, str | None]) -> dict[str, str | None]:
        """A defect the loader must absorb: full-width code, padded value, other date format."""
        r = dict(row)
        choice = self.mrng.randrange(3)
        if choice == 0 and r.get("uscc"):
            r["uscc"] = (r["uscc"] or "").translate(_FULLWIDTH)
            return r
        if choice <= 1:
            key = (
                "subject_name"
                if "subject_name" in r
                else ("name" if "name" in r else "person_name")
            )
            if r.get(key):
                r[key] = " " + (r[key] or "") + "\u3000"
                return r
        for key in ("produced_on", "established_on", "since"):
            v = r.get(key)
            if v:
                d = date.fromisoformat(v)
                style = self.mrng.randrange(3)
                r[key] = (
                    f"{d:%Y/%m/%d}"
                    if style == 0
                    else f"{d:%Y%m%d}"
                    if style == 1
                    else f"{d.year}年{d.month}月{d.day}日"
                )
                return r
        return r

    def _break(
        self, category: str, row: dict[str, str | None]
    ) -> tuple[dict[str, str | None], str, str]:
        r = dict(row)
        rng = self.mrng
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

    def _no(self, dept: Dept, kind: str, d: date) -> str:
        key = f"{dept.code}/{kind}/{d.year}"
        self.counters[key] += 1
        return f"{dept.abbr}{kind}〔{d.year}〕{self.counters[key]}号"

    def _source(self, dept: Dept, category: str) -> str:
        key = f"{dept.code}/{category}"
        self.counters[key] += 1
        return f"{SOURCE_ABBR[category]}{self.counters[key]:09d}"

    def _base(
        self, dept: Dept, category: str, ent: _Ent | None, produced: date, rng: random.Random
    ) -> dict[str, str | None]:
        return {
            "dept_code": dept.code,
            "source_id": self._source(dept, category),
            "uscc": ent.uscc if ent is not None else None,
            "subject_name": ent.name if ent is not None else None,
            "produced_on": produced.isoformat(),
            "authority": dept.name,
            "op": "upsert" if rng.random() < 0.05 else None,
        }

    # --- entities ------------------------------------------------------------------------------
    def run(self) -> GenerationSummary:
        self._departments()
        n_ent = round(ENTERPRISES_AT_SCALE_1 * self.scale)
        n_ind = round(INDIVIDUALS_AT_SCALE_1 * self.scale)
        n_coop = round(n_ent * COOPERATIVE_SHARE)
        ent_by_city = apportion(n_ent, [c.weight * c.enterprise_frac for c in CITIES])
        ind_by_city = apportion(n_ind, [c.weight * (1 - c.enterprise_frac) for c in CITIES])
        coop_by_city = apportion(n_coop, [c.weight * (1 - c.enterprise_frac) ** 2 for c in CITIES])
        n_persons = round(SERIOUS_PERSONS_AT_SCALE_1 * self.scale)
        if n_persons == 0 and self.scale >= 0.001:
            n_persons = 1  # keep the code path alive in small test provinces
        for i, city in enumerate(CITIES):
            coops = min(coop_by_city[i], ent_by_city[i])
            persons = len(range(i, n_persons, len(CITIES)))
            self._city(city, ent_by_city[i] - coops, coops, ind_by_city[i], persons)
        for s in self.sinks.values():
            s.close()
        self.truth.close()
        return self._finish()

    def _departments(self) -> None:
        sink = self.sink("000_department", "department", None)
        for d in ALL_DEPTS:
            row: dict[str, str | None] = {
                "dept_code": d.code,
                "name": d.name,
                "region_code": d.region_code,
                "level": d.level,
                "is_market_regulator": "true" if d.is_amr else "false",
            }
            sink.write(row)

    def _city(self, city: City, n_ent: int, n_coop: int, n_ind: int, n_persons: int) -> None:
        rng = random.Random(f"{self.seed}/city/{city.code}")
        self.mrng = random.Random(f"{self.seed}/mess/{city.code}")
        pool: list[tuple[str, str]] = []
        remaining = {"enterprise": n_ent, "cooperative": n_coop, "individual": n_ind}
        total = n_ent + n_coop + n_ind
        while total > 0:
            r = rng.randrange(total)
            if r < remaining["enterprise"]:
                etype = "enterprise"
            elif r < remaining["enterprise"] + remaining["cooperative"]:
                etype = "cooperative"
            else:
                etype = "individual"
            remaining[etype] -= 1
            total -= 1
            ent = self._entity(rng, city, etype, pool)
            self._register(rng, ent, pool)
            self._records(rng, ent)
        for _ in range(n_persons):
            self._serious_person(rng, city, pool)

    def _person(
        self, rng: random.Random, pool: list[tuple[str, str]], reuse: float
    ) -> tuple[str, str]:
        if pool and rng.random() < reuse:
            return pool[rng.randrange(len(pool))]
        self.next_person += 1
        p = (person_name(rng), resident_id(self.next_person))
        if len(pool) < 5000:
            pool.append(p)
        else:
            pool[rng.randrange(5000)] = p
        return p

    def _entity(
        self, rng: random.Random, city: City, etype: str, pool: list[tuple[str, str]]
    ) -> _Ent:
        self.next_index += 1
        idx = self.next_index
        if city.counties:
            weights = [1 / (1 + 0.15 * i) for i in range(len(city.counties))]
            k = rng.choices(range(len(city.counties)), weights)[0]
            county = city.counties[k]
            region, cname = county.code, county.name
            reg_dept = (
                DEPT_BY_CODE["AMR" + county.code] if k == 0 else DEPT_BY_CODE["AMR" + city.code]
            )
            reg_authority = city.name + cname + "市场监督管理局"
        else:
            region, cname = city.code, ""
            reg_dept = DEPT_BY_CODE["AMR" + city.code]
            reg_authority = reg_dept.name
        mean_years = {"enterprise": 7.0, "individual": 5.0, "cooperative": 8.0}[etype]
        days_ago = min(int(rng.expovariate(1 / (365 * mean_years))), 365 * 40)
        est = self.end - timedelta(days=days_ago)
        legacy = est < date(2015, 10, 1)
        cat = {"enterprise": "1", "individual": "2", "cooperative": "3"}[etype]
        uscc = uscc_for(idx, cat, region, legacy)
        mu, sigma = SIZE_LOGNORMAL[etype]
        size = math.exp(rng.gauss(mu, sigma))
        act = min(
            size**ACTIVITY_POWER
            / math.exp(ACTIVITY_POWER * mu + (ACTIVITY_POWER * sigma) ** 2 / 2),
            30.0,
        )
        z = rng.gauss(0, 1)
        p = 1 / (1 + math.exp(-(P_PROBLEM_INTERCEPT + z)))
        p_unreach = UNREACHABLE_BASE[etype] * (0.7 + 1.5 * p) / (0.7 + 1.5 * E_P_PROBLEM)
        unreachable = rng.random() < p_unreach
        risk = 0.7 * z + 1.2 * unreachable + 0.4 * rng.gauss(0, 1)
        if etype == "individual":
            place = cname or city.name
            shop, industry = SHOPS[int(rng.random() * len(SHOPS))]
            if rng.random() < 0.3:
                name = f"{place}{person_name(rng)}{shop}"
            else:
                name = f"{place}{brand(rng)}{shop}"
            former = f"{place}{brand(rng)}{shop}" if rng.random() < 0.03 else None
        elif etype == "cooperative":
            industry = INDUSTRY_BY_CODE[rng.choice(COOP_INDUSTRIES)]
            product = rng.choice(COOP_PRODUCTS)
            name = f"{city.name}{cname}{brand(rng)}{product}专业合作社"
            former = (
                f"{city.name}{cname}{brand(rng)}{product}专业合作社"
                if rng.random() < 0.02
                else None
            )
        else:
            industry = rng.choice(INDUSTRIES)
            prefix = "广东" if size > 4 and rng.random() < 0.5 else city.name
            suffix = "股份有限公司" if size > 3 and rng.random() < 0.3 else "有限公司"
            b = brand(rng) + (rng.choice("科兴达鑫") if rng.random() < 0.4 else "")
            name = f"{prefix}{b}{industry.word}{suffix}"
            former = (
                f"{city.name}{brand(rng)}{industry.word}有限公司" if rng.random() < 0.12 else None
            )
        rep = self._person(rng, pool, 0.08)
        status, status_on = "active", None
        roll = rng.random()
        if roll < 0.06:
            status = "deregistered"
        elif roll < 0.09:
            status = "revoked"
        elif roll < 0.10:
            status = "suspended"
        if status != "active":
            status_on = _rand_date(rng, min(est + timedelta(days=90), self.end), self.end)
        address = f"广东省{city.name}{cname}{rng.choice(ROADS)}{rng.randrange(1, 999)}号" + (
            f"{rng.randrange(1, 30)}栋{rng.randrange(101, 2999)}" if rng.random() < 0.5 else ""
        )
        ent = _Ent(
            idx=idx,
            etype=etype,
            uscc=uscc,
            name=name,
            former=former,
            city=city,
            region=region,
            reg_dept=reg_dept,
            reg_authority=reg_authority,
            est=est,
            status=status,
            status_on=status_on,
            industry=industry,
            size=size,
            act=act,
            p=p,
            unreachable=unreachable,
            risk=risk,
            rep_name=rep[0],
            rep_id=rep[1],
            address=address,
        )
        ent.lo = max(self.start, est)
        ent.hi = (
            self.end if status_on is None or status == "suspended" else min(self.end, status_on)
        )
        self.entity_counts[etype] += 1
        self.truth.entity(uscc, etype, city.code, size, p, unreachable, risk)
        return ent

    def _register(self, rng: random.Random, ent: _Ent, pool: list[tuple[str, str]]) -> None:
        if self.m > 0 and self.mrng.random() < P_LATE_REGISTRATION * self.m:
            ent.late_reg = True
        if ent.etype == "individual":
            cap = (
                _amount(ent.size * 5 * math.exp(rng.gauss(0, 0.5))) if rng.random() < 0.6 else None
            )
        else:
            cap = _amount(ent.size * 100 * math.exp(rng.gauss(0, 0.8)))
        phone = (
            f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
            if rng.random() < 0.7
            else f"0{rng.choice(_AREA_CODES)}-{rng.randrange(10**7, 10**8)}"
        )
        row: dict[str, str | None] = {
            "uscc": ent.uscc,
            "name": ent.name,
            "entity_type": ent.etype,
            "legal_rep": ent.rep_name,
            "legal_rep_id": ent.rep_id if rng.random() < 0.85 else None,
            "reg_capital": cap,
            "established_on": ent.est.isoformat(),
            "reg_authority": ent.reg_authority,
            "region_code": ent.region,
            "address": ent.address,
            "industry_code": ent.industry.code if rng.random() < 0.95 else None,
            "status": ent.status,
            "status_on": _iso(ent.status_on),
            "is_listed": "true"
            if ent.size > 20 and rng.random() < 0.3
            else "false"
            if rng.random() < 0.5
            else None,
            "phone": phone if rng.random() < 0.8 else None,
            "email": (
                f"{rng.choice('abcdefghkmnpqrstwxyz')}{rng.randrange(10**6)}@{rng.choice(_MAIL)}"
                if rng.random() < 0.3
                else None
            ),
            "former_names": ent.former,
        }
        if ent.late_reg:
            sink = self.sink("500_enterprise_late", "enterprise", None)
            n = sink.write(row)
            self.truth.flag(sink.plan.name, n, "late_registration")
            roles_sink = self.sink("510_person_role_late", "person_role", None)
        else:
            sink = self.sink(f"010_enterprise_{ent.city.code}", "enterprise", None)
            ent.registered = self.write_row(sink, "enterprise", row, ent)
            roles_sink = self.sink(f"020_person_role_{ent.city.code}", "person_role", None)
        roles: list[tuple[tuple[str, str], str]] = [((ent.rep_name, ent.rep_id), "legal_rep")]
        if ent.etype != "individual":
            if rng.random() < 0.8:
                roles.append((self._person(rng, pool, 0.15), "supervisor"))
            n_dir = (
                0
                if ent.size < 1 and rng.random() < 0.6
                else rng.randrange(1, 4) + (2 if ent.size > 5 else 0)
            )
            roles.extend((self._person(rng, pool, 0.15), "director") for _ in range(n_dir))
            if rng.random() < 0.5:
                roles.append(((ent.rep_name, ent.rep_id), "manager"))
            if rng.random() < 0.3:
                roles.append((self._person(rng, pool, 0.1), "shareholder"))
        for (pname, pid), role in roles:
            since = (
                _rand_date(
                    rng, ent.est, max(ent.est, min(self.end, ent.est + timedelta(days=365 * 3)))
                )
                if role != "legal_rep"
                else ent.est
            )
            until = (
                _rand_date(rng, since, self.end)
                if role == "director" and rng.random() < 0.05
                else None
            )
            prow: dict[str, str | None] = {
                "uscc": ent.uscc,
                "person_name": pname,
                "person_id": pid,
                "role": role,
                "since": since.isoformat(),
                "until": _iso(until),
            }
            if ent.late_reg:
                roles_sink.write(prow)
            else:
                self.write_row(roles_sink, "person_role", prow, ent, linked=ent.registered)

    # --- records -------------------------------------------------------------------------------
    def _when(self, rng: random.Random, ent: _Ent) -> date:
        return _rand_date(rng, ent.lo, ent.hi)

    def _records(self, rng: random.Random, ent: _Ent) -> None:
        alive = ent.lo <= ent.hi
        years = max((ent.hi - ent.lo).days, 0) / 365.25
        linked = ent.registered or ent.late_reg
        is_ind = ent.etype == "individual"
        if alive:
            rate = LICENCES_PER_INDIVIDUAL if is_ind else LICENCES_PER_ENTERPRISE
            for _ in range(_poisson(rng, rate * ent.act)):
                self._other_licence(rng, ent, linked)
            if ent.industry.food:
                for _ in range(_poisson(rng, AMR_FOOD_LICENCES_PER_FOOD_ENTITY * ent.act)):
                    self._licence(rng, ent, ent.reg_dept, linked)
            prob = ent.p / E_P_PROBLEM
            for _ in range(_poisson(rng, OTHER_PENALTIES_PER_ENTITY * ent.act * prob)):
                dept = self._licensor(rng, ent)
                if not dept.penalties:
                    dept = OTHER_BY_PREFIX["SW"]
                self._penalty(rng, ent, dept, self._when(rng, ent), linked)
            for _ in range(_poisson(rng, AMR_PENALTIES_PER_ENTITY * ent.act * prob)):
                self._penalty(rng, ent, ent.reg_dept, self._when(rng, ent), linked)
            for _ in range(_poisson(rng, OTHER_INSPECTIONS_PER_ENTITY * ent.act)):
                code = next(
                    (c for c in ent.industry.licence_depts if c in _INSPECTING_OTHERS), None
                )
                dept = OTHER_BY_PREFIX[code or rng.choice(_INSPECTING_OTHERS)]
                self._inspection(rng, ent, dept, linked)
            rate = INSPECTION_RATE_INDIVIDUAL if is_ind else INSPECTION_RATE_ENTERPRISE
            for _ in range(_poisson(rng, rate * years * ent.act)):
                self._inspection(rng, ent, ent.reg_dept, linked)
            rate = PRODUCT_CHECK_RATE if (ent.industry.food or ent.industry.product) else 0.002
            for _ in range(_poisson(rng, rate * years * ent.act)):
                self._product_check(rng, ent, linked)
            if not is_ind and ent.size < 3 and rng.random() < SUPPORT_PER_ENTERPRISE * 1.25:
                self._support(rng, ent, linked)
            n_signals = _poisson(rng, 1.8 if ent.unreachable else 0.06)
            for _ in range(n_signals):
                self._signal(rng, ent, linked)
        self._lists(rng, ent, linked)
        if not is_ind:
            self._annual_reports(rng, ent, linked)
        if (
            linked
            and not ent.late_reg
            and self.m > 0
            and alive
            and not is_ind
            and self.mrng.random() < P_PHANTOM * self.m * 2
        ):
            self._phantom(rng, ent)

    def _licensor(self, rng: random.Random, ent: _Ent) -> Dept:
        codes = ent.industry.licence_depts
        if rng.random() < 0.75 and codes:
            return OTHER_BY_PREFIX[rng.choice(codes)]
        return OTHER_BY_PREFIX[rng.choice(GENERIC_LICENSORS)]

    def _other_licence(self, rng: random.Random, ent: _Ent, linked: bool) -> None:
        dept = self._licensor(rng, ent)
        if not dept.licences:
            dept = OTHER_BY_PREFIX["GA"]
        self._licence(rng, ent, dept, linked)

    def _licence(
        self,
        rng: random.Random,
        ent: _Ent | None,
        dept: Dept,
        linked: bool,
        when: date | None = None,
        phantom: tuple[str, str] | None = None,
    ) -> None:
        d = when or (self._when(rng, ent) if ent is not None else self.end)
        lname, lkind = rng.choice(dept.licences)
        row = self._base(dept, "license", ent, d, rng)
        serial = self.counters[dept.code + "/license"]
        trade = ent.industry.word if ent else ""
        if phantom is not None:
            row["uscc"], row["subject_name"] = phantom
        roll = rng.random()
        change = (
            "granted"
            if roll < 0.8
            else "changed"
            if roll < 0.88
            else "renewed"
            if roll < 0.96
            else "revoked"
            if roll < 0.98
            else "cancelled"
        )
        valid_to = _add_years(d, rng.choice((3, 5, 5, 6))) if rng.random() < 0.9 else None
        row |= {
            "decision_no": self._no(dept, "许", d),
            "license_name": lname,
            "license_no": f"{dept.code.rstrip('0123456789')}{d.year}{serial:07d}",
            "license_kind": lkind,
            "content": f"{lname}：准予许可，许可范围：{trade}相关经营活动",
            "valid_from": d.isoformat(),
            "valid_to": _iso(valid_to),
            "change_kind": change if rng.random() < 0.9 else None,
        }
        self.emit(
            "license",
            dept,
            row,
            ent if phantom is None else None,
            linked=linked and phantom is None,
        )

    def _penalty(
        self,
        rng: random.Random,
        ent: _Ent | None,
        dept: Dept,
        d: date,
        linked: bool,
        *,
        template: PenaltyTemplate | None = None,
        heavy: bool | None = None,
        phantom: tuple[str, str] | None = None,
        person: tuple[str, str] | None = None,
    ) -> str:
        tpl = template or rng.choice(dept.penalties)
        p = ent.p if ent is not None else 0.5
        if heavy is None:
            heavy = rng.random() < 0.04 + 0.25 * p
        roll = rng.random()
        kinds = ["warning"] if roll < 0.15 else ["fine"]
        if kinds == ["fine"] and rng.random() < 0.15:
            kinds.append("confiscation")
        if kinds == ["fine"] and rng.random() < 0.2:
            kinds.insert(0, "warning")
        if heavy:
            kinds.append(rng.choice(HEAVY_KINDS))
            if "fine" not in kinds:
                kinds.append("fine")
        fine = math.exp(rng.gauss(0 if not heavy else 1.5, 1.2)) if "fine" in kinds else None
        confiscated = math.exp(rng.gauss(-1, 1)) if "confiscation" in kinds else None
        ban = None
        if "employment_ban" in kinds or "restrict_business" in kinds:
            ban = _add_years(d, rng.choice((1, 3, 5)))
        is_heavier = heavy or (fine is not None and fine >= 20)
        row = self._base(dept, "penalty", ent, d, rng)
        if phantom is not None:
            row["uscc"], row["subject_name"] = phantom
        if person is not None:
            row["uscc"], row["subject_name"] = None, person[0]
        no = self._no(dept, "罚", d)
        law = tpl.basis.split("》")[0]
        row |= {
            "decision_no": no,
            "violation_type": tpl.violation,
            "facts": f"经查，当事人存在{tpl.violation}的行为，违反了{law}》的有关规定。",
            "basis": tpl.basis,
            "penalty_kinds": ";".join(kinds),
            "fine_amount": None if fine is None else _amount(fine),
            "confiscated_amount": None if confiscated is None else _amount(confiscated),
            "ban_until": _iso(ban),
            "domain": tpl.domain,
            "heavier": "true" if is_heavier else "false",
        }
        real_ent = ent if phantom is None and person is None else None
        self.emit("penalty", dept, row, real_ent, linked=linked and phantom is None)
        return no

    def _inspection(self, rng: random.Random, ent: _Ent, dept: Dept, linked: bool) -> None:
        d = self._when(rng, ent)
        if ent.status in ("revoked", "deregistered", "suspended") and rng.random() < 0.5:
            code = "8"
        elif ent.unreachable and rng.random() < 0.85:
            code = "6"
        elif rng.random() < ent.p:
            code = rng.choices(("2", "3", "4", "5", "9"), (50, 20, 15, 5, 10))[0]
        else:
            code = "1" if rng.random() < 0.9 else "7"
        kind = rng.choices(("random", "targeted", "special", "other"), (80, 10, 8, 2))[0]
        row = self._base(dept, "inspection", ent, d, rng)
        row |= {
            "inspection_kind": kind,
            "task_no": f"{dept.code}-{d.year}-{rng.randrange(1, 40):03d}"
            if kind == "random"
            else None,
            "matter_code": f"{dept.code[:3]}-{rng.randrange(1, 60):03d}"
            if rng.random() < 0.7
            else None,
            "result_code": code,
            "result_text": _RESULT_TEXT[code] if rng.random() < 0.8 else None,
        }
        self.emit("inspection", dept, row, ent, linked=linked)

    def _product_check(self, rng: random.Random, ent: _Ent, linked: bool) -> None:
        d = self._when(rng, ent)
        dept = (
            DEPT_BY_CODE["AMR440000"] if rng.random() < 0.2 else DEPT_BY_CODE["AMR" + ent.city.code]
        )
        food = ent.industry.food
        qualified = rng.random() >= 0.02 + 0.4 * ent.p
        row = self._base(dept, "product_check", ent, d, rng)
        row |= {
            "product": rng.choice(_FOOD_PRODUCTS if food else _GOODS),
            "batch": f"{d:%Y%m%d}批" if rng.random() < 0.7 else None,
            "qualified": "true" if qualified else "false",
            "failed_items": None
            if qualified
            else rng.choice(_FAILED_FOOD if food else _FAILED_GOODS),
            "domain": "food" if food else "product",
        }
        self.emit("product_check", dept, row, ent, linked=linked)

    def _support(self, rng: random.Random, ent: _Ent, linked: bool) -> None:
        dept = OTHER_BY_PREFIX[rng.choice(("SW", "RS", "GXT", "NY"))]
        policy, kind = rng.choice(dept.supports)
        row = self._base(dept, "support", ent, self._when(rng, ent), rng)
        row |= {
            "policy_name": policy,
            "support_kind": kind,
            "amount": _amount(math.exp(rng.gauss(0, 1))) if rng.random() < 0.9 else None,
        }
        self.emit("support", dept, row, ent, linked=linked)

    def _signal(self, rng: random.Random, ent: _Ent, linked: bool) -> None:
        table = _SIGNAL_WEIGHTS_UNREACHABLE if ent.unreachable else _SIGNAL_WEIGHTS_NOISE
        signal = rng.choices([s for s, _ in table], [w for _, w in table])[0]
        prefix = _SIGNAL_DEPT.get(signal)
        dept = OTHER_BY_PREFIX[prefix] if prefix else DEPT_BY_CODE["AMR" + ent.city.code]
        # Signals cluster in the recent past: they are what a sentinel acts on.
        lo = max(ent.lo, ent.hi - timedelta(days=540))
        row = self._base(dept, "address_signal", ent, _rand_date(rng, lo, ent.hi), rng)
        row |= {
            "signal": signal,
            "detail": "按登记住所寄送文书被退回" if signal == "mail_returned" else None,
        }
        self.emit("address_signal", dept, row, ent, linked=linked)

    def _phantom(self, rng: random.Random, ent: _Ent) -> None:
        """A record about a code no register knows (e.g. a party from another province)."""
        self.phantoms += 1
        region = rng.choice(OTHER_PROVINCES)
        code = uscc_for(10**8 + self.phantoms, "1", region, False)
        name = f"{brand(rng)}{rng.choice(INDUSTRIES).word}有限公司"
        d = self._when(rng, ent)
        if rng.random() < 0.8:
            self._licence(
                rng,
                ent,
                self._licensor_with_licences(rng, ent),
                False,
                when=d,
                phantom=(code, name),
            )
        else:
            dept = OTHER_BY_PREFIX["SW"]
            self._penalty(rng, ent, dept, d, False, phantom=(code, name))

    def _licensor_with_licences(self, rng: random.Random, ent: _Ent) -> Dept:
        dept = self._licensor(rng, ent)
        return dept if dept.licences else OTHER_BY_PREFIX["GA"]

    # --- lists and reports ---------------------------------------------------------------------
    def _person_row(self, category: str, dept: Dept, row: dict[str, str | None]) -> None:
        sink, _ = self.record_sink(category, dept, date.fromisoformat(row["produced_on"] or ""))
        n = sink.write(row, self._extra(sink))
        sink.stats.person_subjects += 1
        self.truth.flag(sink.plan.name, n, "person_subject")

    def _lists(self, rng: random.Random, ent: _Ent, linked: bool) -> None:
        is_ind = ent.etype == "individual"
        dept = ent.reg_dept
        list_action, remove_action = ("mark", "unmark") if is_ind else ("list", "remove")
        serious: str | None = None
        if not is_ind:
            p_s = SERIOUS_SHARE * (
                0.55 * ent.p / E_P_PROBLEM + 0.45 * ent.unreachable / UNREACHABLE_BASE[ent.etype]
            )
            if rng.random() < p_s:
                serious = "current"
            elif rng.random() < SERIOUS_EARLY_REMOVED:
                serious = "removed"
        p_abn = ABNORMAL_IF_UNREACHABLE if ent.unreachable else ABNORMAL_IF_REACHABLE[ent.etype]
        cur_abn = rng.random() < p_abn
        past_abn = not cur_abn and rng.random() < PAST_ABNORMAL
        missing_from: int | None = None
        late_year: tuple[int, date, date] | None = None
        if serious is not None and self._serious(rng, ent, linked, serious):
            cur_abn = cur_abn and not ent.unreachable  # the legacy chain removed it (reason 6)
        floor = max(self.start, ent.est + timedelta(days=180))
        if cur_abn or past_abn:
            hi = self.end if cur_abn else self.end - timedelta(days=30)
            if ent.status in ("revoked", "deregistered") and ent.status_on is not None and past_abn:
                hi = min(hi, ent.status_on)
            if floor <= hi:
                listed = _rand_date(rng, floor, hi)
                if ent.unreachable:
                    reason = "4" if rng.random() < 0.7 else "1"
                else:
                    reason = rng.choices(("1", "2", "3"), (85, 10, 5))[0] if not is_ind else "1"
                if reason == "1":
                    snapped = None
                    for y in (listed.year, listed.year - 1):
                        cand = date(y, 7, 1) + timedelta(days=rng.randrange(14))
                        if floor <= cand <= hi:
                            snapped = cand
                            break
                    if snapped is None:
                        reason = "4" if ent.unreachable or is_ind else "2"
                    else:
                        listed = snapped
                removal: tuple[date, str] | None = None
                if past_abn:
                    removed = _rand_date(rng, min(listed + timedelta(days=20), self.end), self.end)
                    why = reason if not (reason == "4" and rng.random() < 0.5) else "5"
                    if (
                        ent.status in ("revoked", "deregistered")
                        and ent.status_on
                        and ent.status_on > listed
                    ):
                        removed, why = ent.status_on, "7"
                    removal = (removed, why)
                if reason == "1" and not is_ind:
                    if removal is None:
                        missing_from = listed.year - 1
                    elif removal[1] == "1":
                        late_year = (listed.year - 1, listed, removal[0])
                self._abnormal(rng, ent, dept, list_action, reason, listed, linked)
                if removal is not None:
                    self._abnormal(rng, ent, dept, remove_action, removal[1], removal[0], linked)
                if cur_abn:
                    self.stock["abnormal_current_intended"] += 1
        if linked and any(a in ("list", "mark") for a, _ in ent.abnormal_events):
            self.stock["abnormal_ever_listed"] += 1
        if linked and _final(ent.abnormal_events, ("list", "mark")):
            self.stock["abnormal_current_as_loaded"] += 1
        if linked and _final(ent.serious_events, ("list",)):
            self.stock["serious_current_as_loaded"] += 1
        ent.ar_missing_from = missing_from
        ent.ar_late = late_year

    def _abnormal(
        self,
        rng: random.Random,
        ent: _Ent,
        dept: Dept,
        action: str,
        reason: str,
        d: date,
        linked: bool,
    ) -> None:
        row = self._base(dept, "abnormal_list", ent, d, rng)
        kind = "异" if action in ("list", "mark") else "移异"
        row |= {"action": action, "reason_code": reason, "decision_no": self._no(dept, kind, d)}
        ok = self.emit("abnormal_list", dept, row, ent, linked=linked)
        ent.abnormal_events.append((action, ok))

    def _serious(self, rng: random.Random, ent: _Ent, linked: bool, path: str) -> bool:
        """List the enterprise; True when it went through the 3-years-abnormal chain."""
        dept = ent.reg_dept
        legacy_floor = max(self.start, ent.est + timedelta(days=365 * 3 + 30))
        hi = self.end if path == "current" else self.end - timedelta(days=380)
        legacy = ent.unreachable and rng.random() < 0.8 and legacy_floor <= hi
        if legacy:
            listed = _rand_date(rng, legacy_floor, hi)
            abn = _add_years(listed, -3) - timedelta(days=rng.randrange(1, 10))
            self._abnormal(rng, ent, dept, "list", "4", abn, linked)
            self._abnormal(rng, ent, dept, "remove", "6", listed, linked)
            article, penalty_no, expires = "legacy_abnormal_3y", None, _add_years(listed, 3)
        else:
            floor = max(self.start + timedelta(days=60), ent.est + timedelta(days=120))
            if floor > hi:
                return False
            listed = _rand_date(rng, floor, hi)
            tpl = rng.choice(AMR_PENALTIES)
            when = max(ent.est, listed - timedelta(days=rng.randrange(15, 90)))
            penalty_no = self._penalty(rng, ent, dept, when, linked, template=tpl, heavy=True)
            article, expires = ARTICLE_OF_DOMAIN[tpl.domain], _add_years(listed, 3)
        row = self._base(dept, "serious_list", ent, listed, rng)
        decision = self._no(dept, "严列", listed)
        row |= {
            "action": "list",
            "article": article,
            "decision_no": decision,
            "penalty_decision_no": penalty_no,
            "expires_on": expires.isoformat(),
        }
        ent.serious_events.append(
            ("list", self.emit("serious_list", dept, row, ent, linked=linked))
        )
        end_of_measures = expires
        if path == "removed":
            removed = _rand_date(rng, _add_years(listed, 1), self.end)
            row = self._base(dept, "serious_list", ent, removed, rng)
            row |= {"action": "remove_early", "decision_no": self._no(dept, "严移", removed)}
            ent.serious_events.append(
                ("remove_early", self.emit("serious_list", dept, row, ent, linked=linked))
            )
            end_of_measures = removed
        else:
            self.stock["serious_current_intended"] += 1
        self._restrictions(rng, ent, listed, end_of_measures, decision, linked)
        return legacy

    def _restrictions(
        self, rng: random.Random, ent: _Ent, listed: date, until: date, decision: str, linked: bool
    ) -> None:
        start_on = listed + timedelta(days=rng.randrange(1, 10))
        if start_on > self.end:
            return
        if rng.random() < RESTRICTION_PER_SERIOUS:
            dept = DEPT_BY_CODE[rng.choice(_RESTRICTING_OTHERS)]
            measure = rng.randrange(1, 55)
            measure = 32 if measure == 31 else measure
            row = self._base(dept, "restriction", ent, start_on, rng)
            row |= {
                "measure_code": f"GD-CJ-{measure:03d}",
                "subject_person_id": None,
                "basis": f"列入严重违法失信名单（{decision}），依据《广东省失信惩戒措施清单》"
                "实施约束",
                "start_on": start_on.isoformat(),
                "end_on": until.isoformat(),
            }
            self.emit("restriction", dept, row, ent, linked=linked)
        if rng.random() < PERSON_RESTRICTION_PER_SERIOUS:
            dept = DEPT_BY_CODE[rng.choice(_RESTRICTING_OTHERS)]
            row = self._base(dept, "restriction", None, start_on, rng)
            row |= {
                "subject_name": ent.rep_name,
                "measure_code": "GD-CJ-031",
                "subject_person_id": ent.rep_id,
                "basis": f"所任法定代表人的企业{ent.name}被列入严重违法失信名单（{decision}），"
                "依据《中华人民共和国公司法》第一百七十八条限制担任董事、监事、高级管理人员",
                "start_on": start_on.isoformat(),
                "end_on": until.isoformat(),
            }
            self._person_row("restriction", dept, row)

    def _serious_person(self, rng: random.Random, city: City, pool: list[tuple[str, str]]) -> None:
        pname, pid = self._person(rng, pool, 0.0)
        dept = DEPT_BY_CODE["AMR" + city.code]
        listed = _rand_date(rng, self.start + timedelta(days=60), self.end)
        when = listed - timedelta(days=rng.randrange(15, 60))
        prow = self._base(dept, "penalty", None, when, rng)
        no = self._no(dept, "罚", when)
        prow |= {
            "subject_name": pname,
            "decision_no": no,
            "violation_type": "无证经营食品",
            "facts": "经查，当事人未取得食品经营许可从事食品经营活动，情节严重。",
            "basis": "《中华人民共和国食品安全法》第一百二十二条",
            "penalty_kinds": "fine;confiscation;employment_ban",
            "fine_amount": _amount(math.exp(rng.gauss(1, 0.5))),
            "confiscated_amount": _amount(math.exp(rng.gauss(0, 0.5))),
            "ban_until": _add_years(when, 5).isoformat(),
            "domain": "food",
            "heavier": "true",
        }
        self._person_row("penalty", dept, prow)
        row = self._base(dept, "serious_list", None, listed, rng)
        decision = self._no(dept, "严列", listed)
        row |= {
            "subject_name": pname,
            "action": "list",
            "article": "5",
            "decision_no": decision,
            "penalty_decision_no": no,
            "expires_on": _add_years(listed, 5).isoformat(),
        }
        self._person_row("serious_list", dept, row)
        start_on = min(listed + timedelta(days=3), self.end)
        rdept = DEPT_BY_CODE[rng.choice(_RESTRICTING_OTHERS)]
        rrow = self._base(rdept, "restriction", None, start_on, rng)
        rrow |= {
            "subject_name": pname,
            "measure_code": "GD-CJ-012",
            "subject_person_id": pid,
            "basis": f"列入严重违法失信名单（{decision}）",
            "start_on": start_on.isoformat(),
            "end_on": _add_years(listed, 5).isoformat(),
        }
        self._person_row("restriction", rdept, rrow)
        self.stock["serious_persons"] += 1

    def _annual_reports(self, rng: random.Random, ent: _Ent, linked: bool) -> None:
        missing_from = ent.ar_missing_from
        late = ent.ar_late
        dept = ent.reg_dept
        for year in range(self.start.year - 1, self.end.year):
            lo = max(date(year + 1, 1, 1), self.start, ent.est + timedelta(days=1))
            hi = min(date(year + 1, 6, 30), self.end, ent.hi)
            if ent.est > date(year, 12, 31):
                continue
            if late is not None and late[0] == year:
                lo, hi = late[1] + timedelta(days=1), late[2]
                if lo > hi:
                    continue
            elif (
                lo > hi
                or (missing_from is not None and year >= missing_from)
                or rng.random() >= (0.2 if ent.unreachable else 0.95)
            ):
                continue
            filed = _rand_date(rng, lo, hi)
            zero = rng.random() < (0.7 if ent.unreachable else 0.05)
            employees = 0 if zero else max(1, round(ent.size * 6 * math.exp(rng.gauss(0, 0.3))))
            revenue = employees * 25 * math.exp(rng.gauss(0, 0.5)) if employees else 0.0
            insured = (
                0
                if employees == 0 or (ent.unreachable and rng.random() < 0.8)
                else max(0, round(employees * rng.uniform(0.5, 1.0)))
            )
            row = self._base(dept, "annual_report", ent, filed, rng)
            row |= {
                "source_id": f"NB{year}-{ent.uscc}",
                "year": str(year),
                "filed_on": filed.isoformat(),
                "employees": str(employees),
                "revenue": f"{revenue:.2f}",
                "tax_paid": f"{revenue * rng.uniform(0.01, 0.06):.2f}",
                "social_insured": str(insured),
            }
            self.emit("annual_report", dept, row, ent, linked=linked)

    # --- outputs -------------------------------------------------------------------------------
    def _finish(self) -> GenerationSummary:
        opened = sorted(
            (s for s in self.sinks.values() if s.stats.rows > 0), key=lambda s: s.plan.name
        )
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
            "seed": self.seed,
            "scale": self.scale,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "messiness": self.m,
        }
        manifest = {
            "format_version": 1,
            "generator": "entcredit.synth",
            **params,
            "files": files,
        }
        manifest_path = self.out / "manifest.json"
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", "utf-8")
        entities = {k: self.entity_counts[k] for k in ("enterprise", "cooperative", "individual")}
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
                "phantom_codes": self.phantoms,
            },
            "stock_at_end": {k: self.stock[k] for k in sorted(self.stock)},
        }
        (self.out / "truth" / "expected.json").write_text(
            json.dumps(expected, ensure_ascii=False, indent=1) + "\n", "utf-8"
        )
        return GenerationSummary(
            out_dir=self.out,
            files=len(files),
            total_rows=sum(by_cat.values()),
            rows_by_category=dict(sorted(by_cat.items())),
            rows_by_format=dict(sorted(by_fmt.items())),
            rows_by_category_format=by_cat_fmt,
            entities=entities,
            rejected=total.rejected,
            manifest_path=manifest_path,
            truth_dir=self.out / "truth",
        )


def _final(events: list[tuple[str, bool]], on: tuple[str, ...]) -> bool:
    state = False
    for action, ok in events:
        if ok:
            state = action in on
    return state


def _prepare(out_dir: Path) -> None:
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


def generate(
    out_dir: Path,
    *,
    scale: float,
    seed: int,
    start: date,
    end: date,
    messiness: float = 1.0,
) -> GenerationSummary:
    """Write a synthetic province to ``out_dir`` (files in the exchange standard, a
    ``manifest.json`` and ground truth in ``truth/``). Same arguments, same bytes."""
    if not 0 < scale <= 2:
        raise ValueError("scale must be in (0, 2]")
    if not 0 <= messiness <= 5:
        raise ValueError("messiness must be in [0, 5]")
    if end <= start + timedelta(days=400):
        raise ValueError("the period must cover more than 400 days")
    _prepare(out_dir)
    return _Generator(out_dir, scale, seed, start, end, messiness).run()
