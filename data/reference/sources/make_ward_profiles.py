"""Write data/reference/leeds_wards.csv: Leeds's 33 wards with their population-weighted deprivation profile.

Read from the shipped data/reference/imd2025_lsoa.csv (English Indices of Deprivation 2025 by LSOA, with each
LSOA's ONS best-fit ward of 2024 and its Census 2021 population; see docs/data_log.md) by
:func:`sroi_lib.core.who_benefits.ward_profiles`, the same function that places a line given by its ward: the
share of a ward's people living in LSOAs of each IMD decile,

    share_d = sum(population of the ward's LSOAs in decile d) / population of the ward,

and the same for the income domain's quintiles (income deciles 1-2 are quintile 1, and so on).

Another council: give its local authority district code (2024), e.g.
    python data/reference/sources/make_ward_profiles.py E08000035 data/reference/leeds_wards.csv
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from sroi_lib.core.who_benefits import load_lookup, ward_profiles  # noqa: E402

LEEDS = "E08000035"


def profile_table(district: str):
    """The wards of ``district`` with their profiles, shares rounded to 4 places, most deprived first."""
    profiles = ward_profiles(load_lookup())
    table = profiles[profiles["district_code"] == district].reset_index()
    table["population"] = table["population"].astype(int)
    table["most_deprived_10"] = table["imd_1"]
    table["most_deprived_20"] = table["imd_1"] + table["imd_2"]
    columns = (["ward_code", "ward_name", "district_code", "district_name", "areas", "population",
                "most_deprived_10", "most_deprived_20"] + [f"imd_{d}" for d in range(1, 11)]
               + [f"income_{q}" for q in range(1, 6)])
    table = table[columns].sort_values(["most_deprived_20", "ward_name"], ascending=[False, True])
    return table.round(4)


def main(district: str = LEEDS, out: str | None = None) -> None:
    table = profile_table(district)
    path = Path(out) if out else ROOT / "data" / "reference" / "leeds_wards.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("# Wards (ONS 2024) of local authority district " + district + " with their population-weighted\n"
                 "# deprivation profile: the share of the ward's people (Census 2021) living in LSOAs of each IMD\n"
                 "# decile (imd_1 = most deprived 10% of England) and income-domain quintile (income_1 = most\n"
                 "# income-deprived fifth). English Indices of Deprivation 2025 (MHCLG), ONS LSOA21-WD24-LAD24\n"
                 "# best-fit lookup, Census 2021 (ONS); all Open Government Licence v3.0.\n"
                 "# Derived by data/reference/sources/make_ward_profiles.py; see docs/data_log.md.\n")
        table.to_csv(fh, index=False, lineterminator="\n")
    print(f"wrote {path}: {len(table)} wards, {int(table['population'].sum()):,} people")


if __name__ == "__main__":
    main(*sys.argv[1:3])
