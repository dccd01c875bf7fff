"""Calibration, messiness rates and vocabularies of the synthetic province, the entity each
record maker works from, and the small draws they share."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final

from entcredit.synth._depts import Dept
from entcredit.synth._geo import City
from entcredit.synth._pools import Industry

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


@dataclass(slots=True)
class Ent:
    """One business entity: its register facts and the latent traits (size, activity ``act``,
    problem propensity ``p``, ``unreachable``, ``risk``) every record about it is drawn from."""

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
    lo: date = date.min  # records about it fall in [lo, hi]: its life within the period
    hi: date = date.min
    ar_missing_from: int | None = None  # report years from this one on are never filed
    ar_late: tuple[int, date, date] | None = None  # (year, listed, removed): filed in between
    abnormal_events: list[tuple[str, bool]] = field(default_factory=list)
    serious_events: list[tuple[str, bool]] = field(default_factory=list)


def poisson(rng: random.Random, lam: float) -> int:
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


def rand_date(rng: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=int(rng.random() * ((hi - lo).days + 1)))


def weekdays_before(d: date, n: int) -> date:
    while n > 0:
        d -= timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


def iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def amount(x: float) -> str:
    return f"{max(x, 0.01):.2f}"


def add_years(d: date, n: int) -> date:
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 February
        return d.replace(year=d.year + n, day=28)
