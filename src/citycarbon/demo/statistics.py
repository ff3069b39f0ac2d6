"""City and district statistics of the demo city, 2015–2024 (SYNTHETIC, 合成演示数据):
GDP and value added by sector, resident and urban population, land area (from the packaged
boundaries), forest area, growing stock and coverage, livestock and municipal waste.

Indicator codes and units are those of the region-statistics import (``ingest.kinds``);
additive indicators of the city are the sums of its districts.
"""

from __future__ import annotations

from citycarbon.demo import city, geo

GDP_SHARE = {"321102": 0.17, "321111": 0.10, "321112": 0.10, "321181": 0.31, "321182": 0.12,
             "321183": 0.20}  # fmt: skip
# 2015 structure: primary and secondary shares of GDP (the secondary loses 0.6 pt a year)
STRUCTURE = {"321102": (0.010, 0.56), "321111": (0.005, 0.36), "321112": (0.050, 0.52),
             "321181": (0.035, 0.53), "321182": (0.025, 0.56), "321183": (0.070, 0.46)}  # fmt: skip
URBAN_2015 = {"321102": 0.92, "321111": 0.95, "321112": 0.55, "321181": 0.62, "321182": 0.60,
              "321183": 0.55}  # fmt: skip
ADDITIVE = ("gdp", "va_primary", "va_secondary", "va_industry", "va_construction",
            "va_tertiary", "population", "population_urban", "land_area", "forest_area",
            "forest_stock", "cattle", "pigs", "msw_generated")  # fmt: skip
UNITS = {"gdp": "万元", "va_primary": "万元", "va_secondary": "万元", "va_industry": "万元",
         "va_construction": "万元", "va_tertiary": "万元", "population": "万人",
         "population_urban": "万人", "land_area": "km2", "forest_area": "ha",
         "forest_stock": "10^4 m3", "forest_coverage": "%", "cattle": "head", "pigs": "head",
         "msw_generated": "10^4 t"}  # fmt: skip


def district_values(district: str, year: int) -> dict[str, float]:
    d = next(x for x in city.DISTRICTS if x.code == district)
    t = year - city.YEARS[0]
    gdp = city.gdp_10k_cny(year) * GDP_SHARE[district]
    primary, secondary = STRUCTURE[district]
    primary *= 0.97**t
    secondary -= 0.006 * t
    population = d.population_10k * 1.002**t
    farming = city.FARMING[district]
    return {
        "gdp": gdp,
        "va_primary": gdp * primary,
        "va_secondary": gdp * secondary,
        "va_industry": gdp * secondary * 0.87,
        "va_construction": gdp * secondary * 0.13,
        "va_tertiary": gdp * (1.0 - primary - secondary),
        "population": population,
        "population_urban": population * min(0.98, URBAN_2015[district] + 0.006 * t),
        "land_area": geo.land_area_km2(district),
        "forest_area": city.forest_area_ha(district, year),
        "forest_stock": city.forest_stock_m3(district, year) / 1e4,
        "cattle": farming.cattle_head,
        "pigs": farming.swine_head * 0.98**t,
        "msw_generated": 36.0 * d.weight * 1.06**t,
    }


def statistics_rows() -> list[dict[str, object]]:
    """RegionStatistic rows for the city and its districts, every year."""
    rows: list[dict[str, object]] = []
    for year in city.YEARS:
        total = dict.fromkeys(ADDITIVE, 0.0)
        for d in city.DISTRICTS:
            values = district_values(d.code, year)
            for key in ADDITIVE:
                total[key] += values[key]
            values["forest_coverage"] = _coverage(values)
            rows += _rows(d.code, year, values)
        total["forest_coverage"] = _coverage(total)
        rows += _rows(city.CITY, year, total)
    return rows


def _coverage(values: dict[str, float]) -> float:
    land_ha = values["land_area"] * 100.0
    return 100.0 * values["forest_area"] / land_ha if land_ha else 0.0


def _rows(region: str, year: int, values: dict[str, float]) -> list[dict[str, object]]:
    return [
        {
            "region_code": region,
            "year": year,
            "indicator": key,
            "value": float(value),
            "unit": UNITS[key],
            "source": city.SOURCE,
        }
        for key, value in values.items()
    ]
