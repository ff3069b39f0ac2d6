"""Key emitting units (重点排放单位) and key energy-consuming units (重点用能单位), and the
ranking of enterprises within each district.

Thresholds are reference data (code list ``cn_key_unit_thresholds``), passed in as rows;
nothing here knows a number. The rules:

* key emitter: annual GHG emissions ≥ the ``ghg_emissions`` threshold (2.6万 t CO2e),
  counted as the national carbon market counts them for listing — direct emissions plus
  the indirect emissions of purchased electricity and heat. (The market also requires a
  covered sector; that is a decision of the authority and is not made here.)
* key energy user: annual comprehensive energy consumption (fuels plus purchased
  electricity and heat, in tce) ≥ the ``key_energy_user`` threshold (1万 tce);
* the designated band (5000 tce ≤ consumption < 1万 tce) only marks a *candidate*: such a
  unit is a key energy user when an authority names it, so the flag is not set.

Ranking: within each district, enterprises in descending order of total CO2e, dense rank
(equal emissions share a rank, the next rank follows on), each with its share of the
district's total and the cumulative share down to it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from citycarbon.errors import GwpMixError, Message, ReferenceDataError

KEY_EMITTER = "ets_key_emitter"
KEY_ENERGY_USER = "key_energy_user"
DESIGNATED_ENERGY_USER = "key_energy_user_designated"


@dataclass(frozen=True, slots=True)
class Threshold:
    code: str
    measure: str
    threshold: float
    upper_limit: float | None
    unit: str
    document: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Thresholds:
    key_emitter: Threshold
    key_energy_user: Threshold
    designated: Threshold

    @classmethod
    def from_codelist(cls, rows: Iterable[Mapping[str, str]]) -> Thresholds:
        """Read the thresholds from the rows of ``cn_key_unit_thresholds``."""
        by_code = {row["code"]: row for row in rows}
        found: dict[str, Threshold] = {}
        for code, measure, unit in (
            (KEY_EMITTER, "ghg_emissions", "t"),
            (KEY_ENERGY_USER, "energy_consumption", "tce"),
            (DESIGNATED_ENERGY_USER, "energy_consumption", "tce"),
        ):
            row = by_code.get(code)
            if row is None or row["measure"] != measure or row["unit"] != unit:
                raise ReferenceDataError(
                    Message(
                        zh=f"代码表 cn_key_unit_thresholds 缺少 {code}（{measure}，{unit}）",
                        en=f"code list cn_key_unit_thresholds lacks {code} ({measure}, {unit})",
                    )
                )
            found[code] = Threshold(
                code=code,
                measure=measure,
                threshold=float(row["threshold"]),
                upper_limit=float(row["upper_limit"]) if row.get("upper_limit") else None,
                unit=unit,
                document=row.get("document", ""),
                name_zh=row.get("name_zh", ""),
                name_en=row.get("name_en", ""),
            )
        return cls(found[KEY_EMITTER], found[KEY_ENERGY_USER], found[DESIGNATED_ENERGY_USER])


@dataclass(frozen=True, slots=True)
class UnitTotals:
    """One enterprise's annual totals (CO2e under ``gwp_set``, energy in tce)."""

    entity: str  # credit code
    district: str  # region code of the enterprise's county-level district
    direct_co2e_t: float
    indirect_co2e_t: float
    energy_tce: float
    factor_set: str
    gwp_set: str
    name: str = ""
    verified: bool = True

    @property
    def co2e_t(self) -> float:
        return self.direct_co2e_t + self.indirect_co2e_t


@dataclass(frozen=True, slots=True)
class KeyUnitRank:
    totals: UnitTotals
    rank: int  # dense rank within the district, 1 = largest emitter
    share: float  # of the district's total CO2e (0–1)
    cumulative_share: float
    is_key_emitter: bool
    is_key_energy_user: bool
    designated_candidate: bool  # within the band an authority may designate

    def as_dict(self) -> dict[str, object]:
        t = self.totals
        return {
            "district": t.district,
            "rank": self.rank,
            "entity": t.entity,
            "name": t.name,
            "co2e_t": t.co2e_t,
            "direct_co2e_t": t.direct_co2e_t,
            "indirect_co2e_t": t.indirect_co2e_t,
            "energy_tce": t.energy_tce,
            "share": self.share,
            "cumulative_share": self.cumulative_share,
            "is_key_emitter": self.is_key_emitter,
            "is_key_energy_user": self.is_key_energy_user,
            "designated_candidate": self.designated_candidate,
            "verified": t.verified,
            "factor_set": t.factor_set,
            "gwp_set": t.gwp_set,
        }


def classify(totals: UnitTotals, thresholds: Thresholds) -> tuple[bool, bool, bool]:
    """(key emitter, key energy user, designated candidate) of one enterprise."""
    emitter = totals.co2e_t >= thresholds.key_emitter.threshold
    energy_user = totals.energy_tce >= thresholds.key_energy_user.threshold
    band = thresholds.designated
    upper = band.upper_limit if band.upper_limit is not None else float("inf")
    candidate = not energy_user and band.threshold <= totals.energy_tce < upper
    return emitter, energy_user, candidate


def rank_key_units(units: Sequence[UnitTotals], thresholds: Thresholds) -> list[KeyUnitRank]:
    """Flags and the dense rank within each district (districts in code order)."""
    gwp_sets = {u.gwp_set for u in units}
    if len(gwp_sets) > 1:
        raise GwpMixError(
            Message(
                zh=f"排名须使用同一 GWP 版本：{', '.join(sorted(gwp_sets))}",
                en=f"a ranking needs one GWP set: {', '.join(sorted(gwp_sets))}",
            )
        )
    by_district: dict[str, list[UnitTotals]] = defaultdict(list)
    for unit in units:
        by_district[unit.district].append(unit)
    out: list[KeyUnitRank] = []
    for district in sorted(by_district):
        members = sorted(by_district[district], key=lambda u: (-u.co2e_t, u.entity))
        total = sum(u.co2e_t for u in members)
        rank, previous, cumulative = 0, None, 0.0
        for unit in members:
            if unit.co2e_t != previous:
                rank += 1
                previous = unit.co2e_t
            share = unit.co2e_t / total if total else 0.0
            cumulative += share
            emitter, energy_user, candidate = classify(unit, thresholds)
            out.append(KeyUnitRank(unit, rank, share, cumulative, emitter, energy_user, candidate))
    return out
