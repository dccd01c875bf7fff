"""Business entities and their register rows: the enterprise register and key personnel."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate
from typing import Final

from entcredit.synth._depts import DEPT_BY_CODE
from entcredit.synth._emit import Emitter
from entcredit.synth._geo import City
from entcredit.synth._ids import uscc_for
from entcredit.synth._model import (
    ACTIVITY_POWER,
    E_P_PROBLEM,
    P_LATE_REGISTRATION,
    P_PROBLEM_INTERCEPT,
    SIZE_LOGNORMAL,
    UNREACHABLE_BASE,
    Ent,
    amount,
    iso,
    rand_date,
)
from entcredit.synth._pools import (
    COOP_INDUSTRIES,
    COOP_PRODUCTS,
    INDUSTRIES,
    INDUSTRY_BY_CODE,
    ROADS,
    SHOPS,
    brand,
    person_name,
)

_AREA_CODES: Final = ("20", "755", "757", "769", "760", "754")
_MAIL: Final = ("qq.com", "163.com", "126.com")


@lru_cache
def _county_cum_weights(n: int) -> tuple[float, ...]:
    """The city seat's county is the busiest, then fewer entities the further down the list;
    cumulated once per county count instead of once per entity (same draws)."""
    return tuple(accumulate(1 / (1 + 0.15 * i) for i in range(n)))


class EntityMaker(Emitter):
    """Draws an entity's latent traits and writes what the register knows about it."""

    def _entity(
        self, rng: random.Random, city: City, etype: str, pool: list[tuple[str, str]]
    ) -> Ent:
        self.next_index += 1
        idx = self.next_index
        if city.counties:
            n = len(city.counties)
            k = rng.choices(range(n), cum_weights=_county_cum_weights(n))[0]
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
            status_on = rand_date(rng, min(est + timedelta(days=90), self.end), self.end)
        address = f"广东省{city.name}{cname}{rng.choice(ROADS)}{rng.randrange(1, 999)}号" + (
            f"{rng.randrange(1, 30)}栋{rng.randrange(101, 2999)}" if rng.random() < 0.5 else ""
        )
        ent = Ent(
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

    def _register(self, rng: random.Random, ent: Ent, pool: list[tuple[str, str]]) -> None:
        if self.m > 0 and self.mrng.random() < P_LATE_REGISTRATION * self.m:
            ent.late_reg = True
        if ent.etype == "individual":
            cap = amount(ent.size * 5 * math.exp(rng.gauss(0, 0.5))) if rng.random() < 0.6 else None
        else:
            cap = amount(ent.size * 100 * math.exp(rng.gauss(0, 0.8)))
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
            "status_on": iso(ent.status_on),
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
        # (uscc, person, role) is the record key: a person drawn twice for one role of one
        # entity would be a correction of the first row, which the truth does not plan.
        seen: set[tuple[str, str]] = set()
        unique_roles = []
        for person, role in roles:
            if (person[1], role) not in seen:
                seen.add((person[1], role))
                unique_roles.append((person, role))
        for (pname, pid), role in unique_roles:
            since = (
                rand_date(
                    rng, ent.est, max(ent.est, min(self.end, ent.est + timedelta(days=365 * 3)))
                )
                if role != "legal_rep"
                else ent.est
            )
            until = (
                rand_date(rng, since, self.end)
                if role == "director" and rng.random() < 0.05
                else None
            )
            prow: dict[str, str | None] = {
                "uscc": ent.uscc,
                "person_name": pname,
                "person_id": pid,
                "role": role,
                "since": since.isoformat(),
                "until": iso(until),
            }
            if ent.late_reg:
                roles_sink.write(prow)
            else:
                self.write_row(roles_sink, "person_role", prow, ent, linked=ent.registered)
