"""The abnormal operations list and the serious illegal dishonest list: listing chains,
removals, the penalties behind them and the restrictions that follow."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from itertools import accumulate
from typing import Final

from entcredit.synth._depts import AMR_PENALTIES, DEPT_BY_CODE, OTHER_DEPTS, Dept
from entcredit.synth._geo import City
from entcredit.synth._model import (
    ABNORMAL_IF_REACHABLE,
    ABNORMAL_IF_UNREACHABLE,
    E_P_PROBLEM,
    PAST_ABNORMAL,
    PERSON_RESTRICTION_PER_SERIOUS,
    RESTRICTION_PER_SERIOUS,
    SERIOUS_EARLY_REMOVED,
    SERIOUS_SHARE,
    UNREACHABLE_BASE,
    Ent,
    add_years,
    amount,
    rand_date,
)
from entcredit.synth._records import RecordMaker

ARTICLE_OF_DOMAIN: Final = {
    "food": "5",
    "drug": "6",
    "quality": "7",
    "special_equipment": "7",
    "consumer": "8",
    "competition": "9",
    "other": "10",
}
_RESTRICTING_OTHERS: Final = tuple(d.code for d in OTHER_DEPTS if "restriction" in d.categories)

# Cumulative weights, as ``random.choices`` would compute them on every call.
_LISTING_REASONS: Final = ("1", "2", "3")
_LISTING_REASON_CUM: Final = tuple(accumulate((85, 10, 5)))


class ListMaker(RecordMaker):
    """List decisions about an entity (or a natural person) and what they entail."""

    def _lists(self, rng: random.Random, ent: Ent, linked: bool) -> None:
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
            # No listing decision after the entity ceased to exist (revoked or deregistered).
            hi = min(hi, _ceased(ent))
            if floor <= hi:
                listed = rand_date(rng, floor, hi)
                if ent.unreachable:
                    reason = "4" if rng.random() < 0.7 else "1"
                else:
                    reason = (
                        rng.choices(_LISTING_REASONS, cum_weights=_LISTING_REASON_CUM)[0]
                        if not is_ind
                        else "1"
                    )
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
                    # Removed before the third anniversary, when the listing would move on
                    # to the serious list instead (rules.md §3).
                    last = min(self.end, add_years(listed, 3) - timedelta(days=1))
                    removed = rand_date(rng, min(listed + timedelta(days=20), last), last)
                    why = reason if not (reason == "4" and rng.random() < 0.5) else "5"
                    if (
                        ent.status in ("revoked", "deregistered")
                        and ent.status_on
                        and listed < ent.status_on <= last
                    ):
                        removed, why = ent.status_on, "7"
                    removal = (removed, why)
                if reason == "1":
                    if removal is None:
                        missing_from = listed.year - 1
                    elif removal[1] == "1":
                        late_year = (listed.year - 1, listed, removal[0])
                self._abnormal(rng, ent, dept, list_action, reason, listed, linked)
                if removal is not None:
                    self._abnormal(
                        rng, ent, dept, remove_action, removal[1], removal[0], linked, follows=True
                    )
                if cur_abn:
                    self.stock["abnormal_current_intended"] += 1
        if linked and any(a in ("list", "mark") for a, _ in ent.abnormal_events):
            self.stock["abnormal_ever_listed"] += 1
        if linked and final(ent.abnormal_events, ("list", "mark")):
            self.stock["abnormal_current_as_loaded"] += 1
        if linked and final(ent.serious_events, ("list",)):
            self.stock["serious_current_as_loaded"] += 1
        ent.ar_missing_from = missing_from
        ent.ar_late = late_year

    def _abnormal(
        self,
        rng: random.Random,
        ent: Ent,
        dept: Dept,
        action: str,
        reason: str,
        d: date,
        linked: bool,
        *,
        follows: bool = False,
    ) -> None:
        """``follows``: the decision acts on the entry the previous decision created."""
        row = self._base(dept, "abnormal_list", ent, d, rng)
        kind = "异" if action in ("list", "mark") else "移异"
        row |= {"action": action, "reason_code": reason, "decision_no": self._no(dept, kind, d)}
        if follows and self.last_rejected:
            ok = self.emit_orphan("abnormal_list", dept, row)
        else:
            ok = self.emit("abnormal_list", dept, row, ent, linked=linked)
        ent.abnormal_events.append((action, ok))

    def _serious(self, rng: random.Random, ent: Ent, linked: bool, path: str) -> bool:
        """List the enterprise; True when it went through the 3-years-abnormal chain."""
        dept = ent.reg_dept
        legacy_floor = max(self.start, ent.est + timedelta(days=365 * 3 + 30))
        hi = min(self.end if path == "current" else self.end - timedelta(days=380), _ceased(ent))
        legacy = ent.unreachable and rng.random() < 0.8 and legacy_floor <= hi
        if legacy:
            listed = rand_date(rng, legacy_floor, hi)
            abn = add_years(listed, -3) - timedelta(days=rng.randrange(1, 10))
            self._abnormal(rng, ent, dept, "list", "4", abn, linked)
            self._abnormal(rng, ent, dept, "remove", "6", listed, linked, follows=True)
            article, penalty_no, expires = "legacy_abnormal_3y", None, add_years(listed, 3)
        else:
            floor = max(self.start + timedelta(days=60), ent.est + timedelta(days=120))
            if floor > hi:
                return False
            listed = rand_date(rng, floor, hi)
            tpl = rng.choice(AMR_PENALTIES)
            when = max(ent.est, listed - timedelta(days=rng.randrange(15, 90)))
            penalty_no = self._penalty(rng, ent, dept, when, linked, template=tpl, heavy=True)
            article, expires = ARTICLE_OF_DOMAIN[tpl.domain], add_years(listed, 3)
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
            # Early removal: after at least a year, before the listing expires.
            last = min(self.end, expires - timedelta(days=1))
            removed = rand_date(rng, min(add_years(listed, 1), last), last)
            row = self._base(dept, "serious_list", ent, removed, rng)
            row |= {"action": "remove_early", "decision_no": self._no(dept, "严移", removed)}
            ok = (
                self.emit_orphan("serious_list", dept, row)
                if self.last_rejected
                else self.emit("serious_list", dept, row, ent, linked=linked)
            )
            ent.serious_events.append(("remove_early", ok))
            end_of_measures = removed
        else:
            self.stock["serious_current_intended"] += 1
        self._restrictions(rng, ent, listed, end_of_measures, decision, linked)
        return legacy

    def _restrictions(
        self, rng: random.Random, ent: Ent, listed: date, until: date, decision: str, linked: bool
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
        listed = rand_date(rng, self.start + timedelta(days=60), self.end)
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
            "fine_amount": amount(math.exp(rng.gauss(1, 0.5))),
            "confiscated_amount": amount(math.exp(rng.gauss(0, 0.5))),
            "ban_until": add_years(when, 5).isoformat(),
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
            "expires_on": add_years(listed, 5).isoformat(),
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
            "end_on": add_years(listed, 5).isoformat(),
        }
        self._person_row("restriction", rdept, rrow)
        self.stock["serious_persons"] += 1


def _ceased(ent: Ent) -> date:
    """The day an entity stopped existing in the register; date.max while it exists."""
    if ent.status in ("revoked", "deregistered") and ent.status_on is not None:
        return ent.status_on
    return date.max


def final(events: list[tuple[str, bool]], on: tuple[str, ...]) -> bool:
    state = False
    for action, ok in events:
        if ok:
            state = action in on
    return state
