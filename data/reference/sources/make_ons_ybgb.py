"""Derive data/reference/ons_ybgb_gdp_deflator.csv from the ONS's CSV download of series YBGB.

YBGB is the ONS's "Gross domestic product at market prices: Implied deflator: SA" (dataset UKEA), an index
published by the Office for National Statistics under the Open Government Licence v3.0. It is an independent
copy of the GDP deflator against which the shipped HM Treasury series (gdp_deflators.yaml) is checked
(tests/unit/core/test_deflator_series.py; docs/data_log.md).

The file read is the ONS's own CSV (``https://www.ons.gov.uk/generator?format=csv&uri=/economy/
grossdomesticproductgdp/timeseries/ybgb/ukea``), as downloaded on release 30 June 2025 and kept in the public
repository Defra-Data-Science-Centre-of-Excellence/DefraUtils at commit 8a30bca (data-raw/gdp_deflators.csv).

Run:  python data/reference/sources/make_ons_ybgb.py PATH_TO_ONS_CSV
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "ons_ybgb_gdp_deflator.csv"


def main(source: str) -> None:
    rows = list(csv.reader(open(source, encoding="utf-8-sig")))
    meta = {r[0]: r[1] for r in rows if len(r) == 2 and not r[0].isdigit()}
    assert meta.get("CDID") == "YBGB", f"{source} is not the ONS series YBGB"
    years = [(int(r[0]), r[1]) for r in rows if len(r) == 2 and r[0].isdigit()]
    with open(OUT, "w", newline="", encoding="utf-8") as fh:
        fh.write(f"# ONS series YBGB (dataset UKEA): {meta['Title']}; index 2022 = 100, 1 decimal place.\n"
                 f"# Release date {meta['Release date']}. Office for National Statistics, Open Government Licence v3.0.\n"
                 "# Derived by data/reference/sources/make_ons_ybgb.py; see docs/data_log.md.\n")
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["year", "index"])
        writer.writerows(years)
    print(f"wrote {OUT}: {len(years)} years, {years[0][0]} to {years[-1][0]}")


if __name__ == "__main__":
    main(sys.argv[1])
