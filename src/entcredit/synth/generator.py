"""The synthetic province: business entities and what departments report about them.

Entities are generated city by city and written as they are made: nothing per entity is kept
once its rows are out, so memory does not grow with the scale. Every random draw comes from a
``random.Random`` seeded from ``(seed, stream name)``: the same arguments give byte-identical
files. Messiness draws come from their own streams, so ``messiness=0`` yields the same
province as ``messiness=1`` minus the defects.

Layout: ``_model`` (calibration, vocabularies, the entity), ``_files`` and ``_defects`` (file
shapes, broken and normalisable values), ``_emit`` (sinks, truth, defects per row),
``_entities`` (register), ``_records`` (department records), ``_lists`` (abnormal and serious
lists), ``_outputs`` (manifest, expected figures); this module walks the province.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from entcredit.synth._depts import ALL_DEPTS, OTHER_BY_PREFIX
from entcredit.synth._entities import EntityMaker
from entcredit.synth._geo import CITIES, City, apportion
from entcredit.synth._lists import ListMaker
from entcredit.synth._model import (
    AMR_FOOD_LICENCES_PER_FOOD_ENTITY,
    AMR_PENALTIES_PER_ENTITY,
    COOPERATIVE_SHARE,
    E_P_PROBLEM,
    ENTERPRISES_AT_SCALE_1,
    INDIVIDUALS_AT_SCALE_1,
    INSPECTION_RATE_ENTERPRISE,
    INSPECTION_RATE_INDIVIDUAL,
    LICENCES_PER_ENTERPRISE,
    LICENCES_PER_INDIVIDUAL,
    OTHER_INSPECTIONS_PER_ENTITY,
    OTHER_PENALTIES_PER_ENTITY,
    P_PHANTOM,
    PRODUCT_CHECK_RATE,
    SERIOUS_PERSONS_AT_SCALE_1,
    SUPPORT_PER_ENTERPRISE,
    Ent,
    poisson,
)
from entcredit.synth._outputs import GenerationSummary, finish, prepare

__all__ = ["GenerationSummary", "generate"]


class _Generator(ListMaker, EntityMaker):
    """Walks the province city by city, entity by entity.

    Every maker draws from the city's stream in the order this walk calls them: moving a call
    changes every later draw, hence every byte after it.
    """

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
        return finish(self)

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

    def _records(self, rng: random.Random, ent: Ent) -> None:
        alive = ent.lo <= ent.hi
        years = max((ent.hi - ent.lo).days, 0) / 365.25
        linked = ent.registered or ent.late_reg
        is_ind = ent.etype == "individual"
        if alive:
            rate = LICENCES_PER_INDIVIDUAL if is_ind else LICENCES_PER_ENTERPRISE
            for _ in range(poisson(rng, rate * ent.act)):
                self._other_licence(rng, ent, linked)
            if ent.industry.food:
                for _ in range(poisson(rng, AMR_FOOD_LICENCES_PER_FOOD_ENTITY * ent.act)):
                    self._licence(rng, ent, ent.reg_dept, linked)
            prob = ent.p / E_P_PROBLEM
            for _ in range(poisson(rng, OTHER_PENALTIES_PER_ENTITY * ent.act * prob)):
                dept = self._licensor(rng, ent)
                if not dept.penalties:
                    dept = OTHER_BY_PREFIX["SW"]
                self._penalty(rng, ent, dept, self._when(rng, ent), linked)
            for _ in range(poisson(rng, AMR_PENALTIES_PER_ENTITY * ent.act * prob)):
                self._penalty(rng, ent, ent.reg_dept, self._when(rng, ent), linked)
            for _ in range(poisson(rng, OTHER_INSPECTIONS_PER_ENTITY * ent.act)):
                self._other_inspection(rng, ent, linked)
            rate = INSPECTION_RATE_INDIVIDUAL if is_ind else INSPECTION_RATE_ENTERPRISE
            for _ in range(poisson(rng, rate * years * ent.act)):
                self._inspection(rng, ent, ent.reg_dept, linked)
            rate = PRODUCT_CHECK_RATE if (ent.industry.food or ent.industry.product) else 0.002
            for _ in range(poisson(rng, rate * years * ent.act)):
                self._product_check(rng, ent, linked)
            if not is_ind and ent.size < 3 and rng.random() < SUPPORT_PER_ENTERPRISE * 1.25:
                self._support(rng, ent, linked)
            n_signals = poisson(rng, 1.8 if ent.unreachable else 0.06)
            for _ in range(n_signals):
                self._signal(rng, ent, linked)
        self._lists(rng, ent, linked)
        # Individual businesses file annual reports too (and are marked abnormal without one).
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
    prepare(out_dir)
    return _Generator(out_dir, scale, seed, start, end, messiness).run()
