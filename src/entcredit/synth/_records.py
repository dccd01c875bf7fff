"""Records other departments and the market regulators report about an entity: licences,
penalties, inspections, product checks, support, address signals, annual reports."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from itertools import accumulate
from typing import Final

from entcredit.synth._depts import (
    DEPT_BY_CODE,
    GENERIC_LICENSORS,
    OTHER_BY_PREFIX,
    Dept,
    PenaltyTemplate,
)
from entcredit.synth._emit import Emitter
from entcredit.synth._ids import uscc_for
from entcredit.synth._model import Ent, add_years, amount, iso, rand_date
from entcredit.synth._pools import INDUSTRIES, brand

HEAVY_KINDS: Final = (
    "revoke_license",
    "suspend_business",
    "restrict_business",
    "suspend_license",
    "close",
    "downgrade",
    "employment_ban",
)
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
_INSPECTING_OTHERS: Final = ("WJW", "STHJ", "JT", "YJGL", "YJJ", "XF", "WL")
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

# Cumulative weights, as ``random.choices`` would compute them on every call (same draws).
_PROBLEM_CODES: Final = ("2", "3", "4", "5", "9")
_PROBLEM_CODE_CUM: Final = tuple(accumulate((50, 20, 15, 5, 10)))
_INSPECTION_KINDS: Final = ("random", "targeted", "special", "other")
_INSPECTION_KIND_CUM: Final = tuple(accumulate((80, 10, 8, 2)))


def _cumulated(table: tuple[tuple[str, float], ...]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    return tuple(s for s, _ in table), tuple(accumulate(w for _, w in table))


_SIGNALS_UNREACHABLE: Final = _cumulated(_SIGNAL_WEIGHTS_UNREACHABLE)
_SIGNALS_NOISE: Final = _cumulated(_SIGNAL_WEIGHTS_NOISE)


class RecordMaker(Emitter):
    """One method per kind of record; each draws its fields and hands the row to ``emit``."""

    def _when(self, rng: random.Random, ent: Ent) -> date:
        return rand_date(rng, ent.lo, ent.hi)

    def _licensor(self, rng: random.Random, ent: Ent) -> Dept:
        codes = ent.industry.licence_depts
        if rng.random() < 0.75 and codes:
            return OTHER_BY_PREFIX[rng.choice(codes)]
        return OTHER_BY_PREFIX[rng.choice(GENERIC_LICENSORS)]

    def _other_licence(self, rng: random.Random, ent: Ent, linked: bool) -> None:
        dept = self._licensor(rng, ent)
        if not dept.licences:
            dept = OTHER_BY_PREFIX["GA"]
        self._licence(rng, ent, dept, linked)

    def _licence(
        self,
        rng: random.Random,
        ent: Ent | None,
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
        valid_to = add_years(d, rng.choice((3, 5, 5, 6))) if rng.random() < 0.9 else None
        row |= {
            "decision_no": self._no(dept, "许", d),
            "license_name": lname,
            "license_no": f"{dept.code.rstrip('0123456789')}{d.year}{serial:07d}",
            "license_kind": lkind,
            "content": f"{lname}：准予许可，许可范围：{trade}相关经营活动",
            "valid_from": d.isoformat(),
            "valid_to": iso(valid_to),
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
        ent: Ent | None,
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
            ban = add_years(d, rng.choice((1, 3, 5)))
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
            "fine_amount": None if fine is None else amount(fine),
            "confiscated_amount": None if confiscated is None else amount(confiscated),
            "ban_until": iso(ban),
            "domain": tpl.domain,
            "heavier": "true" if is_heavier else "false",
        }
        real_ent = ent if phantom is None and person is None else None
        self.emit("penalty", dept, row, real_ent, linked=linked and phantom is None)
        return no

    def _other_inspection(self, rng: random.Random, ent: Ent, linked: bool) -> None:
        code = next((c for c in ent.industry.licence_depts if c in _INSPECTING_OTHERS), None)
        dept = OTHER_BY_PREFIX[code or rng.choice(_INSPECTING_OTHERS)]
        self._inspection(rng, ent, dept, linked)

    def _inspection(self, rng: random.Random, ent: Ent, dept: Dept, linked: bool) -> None:
        d = self._when(rng, ent)
        if ent.status in ("revoked", "deregistered", "suspended") and rng.random() < 0.5:
            code = "8"
        elif ent.unreachable and rng.random() < 0.85:
            code = "6"
        elif rng.random() < ent.p:
            code = rng.choices(_PROBLEM_CODES, cum_weights=_PROBLEM_CODE_CUM)[0]
        else:
            code = "1" if rng.random() < 0.9 else "7"
        kind = rng.choices(_INSPECTION_KINDS, cum_weights=_INSPECTION_KIND_CUM)[0]
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

    def _product_check(self, rng: random.Random, ent: Ent, linked: bool) -> None:
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

    def _support(self, rng: random.Random, ent: Ent, linked: bool) -> None:
        dept = OTHER_BY_PREFIX[rng.choice(("SW", "RS", "GXT", "NY"))]
        policy, kind = rng.choice(dept.supports)
        row = self._base(dept, "support", ent, self._when(rng, ent), rng)
        row |= {
            "policy_name": policy,
            "support_kind": kind,
            "amount": amount(math.exp(rng.gauss(0, 1))) if rng.random() < 0.9 else None,
        }
        self.emit("support", dept, row, ent, linked=linked)

    def _signal(self, rng: random.Random, ent: Ent, linked: bool) -> None:
        signals, cum = _SIGNALS_UNREACHABLE if ent.unreachable else _SIGNALS_NOISE
        signal = rng.choices(signals, cum_weights=cum)[0]
        prefix = _SIGNAL_DEPT.get(signal)
        dept = OTHER_BY_PREFIX[prefix] if prefix else DEPT_BY_CODE["AMR" + ent.city.code]
        # Signals cluster in the recent past: they are what a sentinel acts on.
        lo = max(ent.lo, ent.hi - timedelta(days=540))
        row = self._base(dept, "address_signal", ent, rand_date(rng, lo, ent.hi), rng)
        row |= {
            "signal": signal,
            "detail": "按登记住所寄送文书被退回" if signal == "mail_returned" else None,
        }
        self.emit("address_signal", dept, row, ent, linked=linked)

    def _phantom(self, rng: random.Random, ent: Ent) -> None:
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

    def _licensor_with_licences(self, rng: random.Random, ent: Ent) -> Dept:
        dept = self._licensor(rng, ent)
        return dept if dept.licences else OTHER_BY_PREFIX["GA"]

    def _annual_reports(self, rng: random.Random, ent: Ent, linked: bool) -> None:
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
            filed = rand_date(rng, lo, hi)
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
