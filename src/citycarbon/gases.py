"""Greenhouse gases and CO2-equivalence under a named GWP set.

A :class:`CO2e` always knows the GWP set it was computed with; adding two values computed
with different sets raises :class:`GwpMixError` instead of returning a meaningless sum.
GWP values themselves are reference data (table ``gwp100``), passed in as a
:class:`GwpTable`; this module does no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from citycarbon.errors import GwpMixError, Message, ReferenceDataError

# Accepted spellings of GWP-set names, mapped to the canonical short name.
GWP_SET_ALIASES: dict[str, str] = {
    "SAR": "SAR",
    "SARGWP100": "SAR",
    "AR4": "AR4",
    "AR4GWP100": "AR4",
    "AR5": "AR5",
    "AR5GWP100": "AR5",
    "AR6": "AR6",
    "AR6GWP100": "AR6",
}

# Gas spellings mapped to canonical codes (the codes of the globalwarmingpotentials package).
GAS_ALIASES: dict[str, str] = {
    "HFC-23": "HFC23",
    "HFC-32": "HFC32",
    "HFC-125": "HFC125",
    "HFC-134a": "HFC134a",
    "HFC-143a": "HFC143a",
    "HFC-152a": "HFC152a",
    "HFC-227ea": "HFC227ea",
    "HCFC-22": "HCFC22",
    "c-C4F8": "cC4F8",
    "CH4_fossil": "CH4_fossil",
    "CH4_non_fossil": "CH4_nonfossil",
}


def gwp_set_name(name: str) -> str:
    """Canonical GWP-set name (``AR5``) for any accepted spelling (``AR5GWP100``)."""
    try:
        return GWP_SET_ALIASES[name.strip().upper().replace("-", "")]
    except KeyError:
        raise ReferenceDataError(
            Message(
                zh=f"未知的全球增温潜势(GWP)版本：{name!r}（可选 SAR、AR4、AR5、AR6）",
                en=f"unknown GWP set {name!r} (choose SAR, AR4, AR5 or AR6)",
            )
        ) from None


def gas_code(name: str) -> str:
    return GAS_ALIASES.get(name, name)


@dataclass(frozen=True, slots=True)
class GwpTable:
    """100-year GWPs of one assessment report: gas code → t CO2e per t gas."""

    gwp_set: str
    values: Mapping[str, float]
    source: str

    def gwp(self, gas: str) -> float:
        code = gas_code(gas)
        if code == "CO2":
            return 1.0
        try:
            return self.values[code]
        except KeyError:
            # AR6 distinguishes fossil CH4; where a set does not, both map to plain CH4.
            if code in ("CH4_fossil", "CH4_nonfossil") and "CH4" in self.values:
                return self.values["CH4"]
            raise ReferenceDataError(
                Message(
                    zh=f"{self.gwp_set} 中没有气体 {gas!r} 的 GWP 值",
                    en=f"no GWP for gas {gas!r} in {self.gwp_set}",
                )
            ) from None


@dataclass(frozen=True, slots=True)
class CO2e:
    """A CO2-equivalent amount in tonnes, tagged with the GWP set that produced it."""

    tonnes: float
    gwp_set: str

    def _check(self, other: CO2e) -> None:
        if other.gwp_set != self.gwp_set:
            raise GwpMixError(
                Message(
                    zh=f"不能合计不同 GWP 版本的二氧化碳当量：{self.gwp_set} 与 {other.gwp_set}",
                    en=f"cannot combine CO2e computed with different GWP sets: "
                    f"{self.gwp_set} and {other.gwp_set}",
                )
            )

    def __add__(self, other: CO2e) -> CO2e:
        self._check(other)
        return CO2e(self.tonnes + other.tonnes, self.gwp_set)

    def __sub__(self, other: CO2e) -> CO2e:
        self._check(other)
        return CO2e(self.tonnes - other.tonnes, self.gwp_set)

    def __radd__(self, other: object) -> CO2e:
        if other == 0:  # lets sum() start from 0
            return self
        return NotImplemented

    def __str__(self) -> str:
        return f"{self.tonnes:,.3f} t CO2e ({self.gwp_set} GWP100)"


def to_co2e(gases_t: Mapping[str, float], table: GwpTable) -> CO2e:
    """Sum gas masses (t) into CO2e (t) under ``table``'s GWP set."""
    return CO2e(sum(t * table.gwp(g) for g, t in gases_t.items()), table.gwp_set)
