"""Derive data/reference/imd2025_lsoa.csv from the English Indices of Deprivation 2025 (LSOA 2021).

The English Indices of Deprivation 2025 are published by the Ministry of Housing, Communities and Local
Government (https://www.gov.uk/government/statistics/english-indices-of-deprivation-2025) under the Open
Government Licence v3.0. File 7 ("All ranks, deciles and scores for the indices of deprivation, and
population denominators") gives, for every Lower-layer Super Output Area (LSOA, 2021 codes) in England, the
Index of Multiple Deprivation (IMD) score, rank (1 = most deprived) and decile (1 = most deprived 10% of LSOAs), and
the same for each domain.

The file read is the R data file ``data/imd2025_england_lsoa21.rda`` of the public repository humaniverse/IMD
(the R package IMD), made by that project's ``data-raw/imd2025_england_lsoa21.R`` straight from the published
CSV (https://assets.publishing.service.gov.uk/media/68ff5daabcb10f6bf9bef911/
File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv), renaming the columns only (``LSOA code (2021)`` -> ``lsoa21_code``, ``Index of Multiple Deprivation (IMD)
Rank (where 1 is most deprived)`` -> ``IMD_rank``, ``... Decile (where 1 is most deprived 10% of LSOAs)`` ->
``IMD_decile``, ``Income Rank ...`` -> ``Income_rank`` and so on). That table carries no LSOA names and no
local authority codes; they are taken from the Office for National Statistics' "LSOA (2021) to Electoral Ward
(2024) to LAD (2024) Best Fit Lookup in EW" (Open Government Licence v3.0;
https://geoportal.statistics.gov.uk/datasets/ons::lsoa-2021-to-electoral-ward-2024-to-lad-2024-best-fit-lookup-in-ew/about),
as kept in the public repository humaniverse/geographr (``data/lookup_lsoa21_ward24_ltla24.rda``, made by
``data-raw/lookup_lsoa21_ward24_ltla24.R``, renaming LSOA21CD, LSOA21NM, WD24CD, WD24NM, LAD24CD, LAD24NM). The
IoD2025 itself reports local authority districts on their 2024 boundaries, the lookup's. The ward is the
ONS best-fit ward (the 2024 ward holding most of the LSOA's population). Provenance: imd2025_lsoa.yaml and
docs/data_log.md.

The .rda file is bzip2-, gzip- or xz-compressed R serialisation (XDR, format 2 or 3); the small reader below
handles the object types a saved data frame uses and stops on anything else. No R is needed.

Checks before writing: 33,755 rows (every LSOA in England, 2021 codes), each code ``E01...`` exactly once;
ranks 1..33,755 each once; every decile 1-10 holding a tenth of LSOAs (3,375 or 3,376); the decile agrees
with the rank (decile d holds ranks from (d-1)*N/10 to d*N/10). The IMD ranks are each used once; the
income domain ranks have three ties in the published file (pairs of LSOAs with equal scores), allowed here.

Every English LSOA in the index must be in the lookup, and every English LSOA in the lookup in the index.

An independent check, if a third file is given: the published File 10 (local authority district summaries,
``data/imd2025_england_ltla24.rda`` of humaniverse/IMD) gives each district's proportion of LSOAs in the most
deprived 10% nationally, to 4 decimal places, for the IMD and the income domain. Counting decile-1 LSOAs per
district here must give the same proportion to within 0.0002 (one LSOA in the largest district, Birmingham's
659, moves it by 0.0015), so every district's count, and the LSOA-to-district lookup, agree.

Population (for population-weighted ward profiles): usual residents of each LSOA at Census 2021 (Office for
National Statistics, Census 2021, usual residents by age (6 categories) by LSOA 2021, built with the ONS
"Create a custom dataset" service, https://www.ons.gov.uk/datasets/create; Open Government Licence v3.0), as
kept in the public repository cwthom/hack25usefuldata (``data/census21_pop.rda``, made by
``data-raw/census21_pop.R``, renaming the columns only). The six age groups are summed. Every English LSOA of
the index must have a population above zero. The custom-dataset service perturbs small counts for disclosure
control (ONS cell key perturbation), so an LSOA's count may differ by a few people from other Census tables.

Run:  python data/reference/sources/make_imd2025.py PATH_TO/imd2025_england_lsoa21.rda \
          PATH_TO/lookup_lsoa21_ward24_ltla24.rda PATH_TO/census21_pop.rda [PATH_TO/imd2025_england_ltla24.rda]
"""

from __future__ import annotations

import bz2
import csv
import gzip
import lzma
import struct
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "imd2025_lsoa.csv"
N_LSOA = 33_755  # LSOAs in England, 2021 boundaries (ONS)
NA_INT = -(2**31)


class _RReader:
    """Read R's XDR serialisation: pairlists, symbols, strings, integer, logical, double and list vectors."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos, self.refs = data, 0, []

    def _int(self) -> int:
        (value,) = struct.unpack_from(">i", self.data, self.pos)
        self.pos += 4
        return value

    def _bytes(self, n: int) -> bytes:
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def header(self) -> None:
        magic = self._bytes(2)
        if magic != b"X\n":
            raise ValueError(f"not an XDR R serialisation (starts {magic!r})")
        version = self._int()
        self._int(), self._int()
        if version == 3:
            self._bytes(self._int())  # native encoding

    def item(self):
        flags = self._int()
        kind, has_attr, has_tag = flags & 0xFF, flags & (1 << 9), flags & (1 << 10)
        if kind in (254, 242, 253, 241):  # NULL, empty, global and base environments
            return None
        if kind == 255:  # reference to an earlier symbol
            index = flags >> 8 or self._int()
            return self.refs[index - 1]
        if kind == 1:  # symbol
            name = self.item()
            self.refs.append(name)
            return name
        if kind == 9:  # CHARSXP
            n = self._int()
            return None if n == -1 else self._bytes(n).decode("utf-8")
        if kind == 2:  # pairlist: returns a dict tag -> value
            out = {}
            while True:
                attr = self.item() if has_attr else None
                tag = self.item() if has_tag else None
                out[tag] = self.item()
                del attr
                flags = self._int()
                kind, has_attr, has_tag = flags & 0xFF, flags & (1 << 9), flags & (1 << 10)
                if kind == 254:
                    return out
                if kind != 2:
                    raise ValueError(f"unexpected R type {kind} in a pairlist")
        if kind in (10, 13, 14, 16, 19):
            n = self._int()
            if kind in (10, 13):
                values = [None if v == NA_INT else v for v in struct.unpack_from(f">{n}i", self.data, self.pos)]
                self.pos += 4 * n
            elif kind == 14:
                values = list(struct.unpack_from(f">{n}d", self.data, self.pos))
                self.pos += 8 * n
            else:
                values = [self.item() for _ in range(n)]
            attrs = self.item() if has_attr else {}
            return _RVector(values, attrs or {})
        raise ValueError(f"R object type {kind} is not handled by this reader")


class _RVector(list):
    def __init__(self, values, attrs) -> None:
        super().__init__(values)
        self.attrs = attrs


def read_rda(path: str) -> dict:
    raw = Path(path).read_bytes()
    for opener in (bz2.decompress, gzip.decompress, lzma.decompress):
        try:
            raw = opener(raw)
            break
        except (OSError, ValueError, lzma.LZMAError):
            continue
    if not raw.startswith((b"RDX2\n", b"RDX3\n")):
        raise ValueError(f"{path} is not an R data (.rda) file")
    reader = _RReader(raw[5:])
    reader.header()
    return reader.item()


def read_frame(path: str, name: str) -> dict:
    objects = read_rda(path)
    if name not in objects:
        raise SystemExit(f"{path} does not hold {name} (holds {sorted(objects)})")
    frame = objects[name]
    return dict(zip(frame.attrs["names"], frame))


def check_against_districts(path: str, rows: list, place: dict) -> None:
    """Compare each district's share of LSOAs in decile 1 with the published File 10 proportion."""
    summary = read_frame(path, "imd2025_england_ltla24")
    for label, column, dec_i in (("IMD", "imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally", 2),
                                 ("income", "income_proportion_of_lso_as_in_most_deprived_10_percent_nationally", 5)):
        counts: dict = {}
        for r in rows:
            n, first = counts.get(place[r[0]][1], (0, 0))
            counts[place[r[0]][1]] = (n + 1, first + (int(r[dec_i]) == 1))
        published = dict(zip(summary["ltla24_code"], summary[column]))
        assert set(published) == set(counts), f"{label}: districts differ from File 10"
        worst = max(abs(first / n - published[code]) for code, (n, first) in counts.items())
        assert worst < 0.0002, f"{label}: a district's share in decile 1 differs from File 10 by {worst:.5f}"
        print(f"{label}: {len(counts)} districts' share in decile 1 agree with File 10 (largest gap {worst:.5f})")


def read_population(path: str) -> dict:
    """Usual residents (Census 2021) of each LSOA: the six age groups summed."""
    frame = read_frame(path, "census21_pop")
    population: dict = {}
    for code, count in zip(frame["lsoa21_code"], frame["usual_residents"]):
        population[code] = population.get(code, 0) + int(count)
    return population


def main(source: str, lookup_path: str, population_path: str, districts_path: str | None = None) -> None:
    columns = read_frame(source, "imd2025_england_lsoa21")
    population = read_population(population_path)
    codes = columns["lsoa21_code"]
    look = read_frame(lookup_path, "lookup_lsoa21_ward24_ltla24")
    place = {code: (name, ltla_code, ltla_name, ward_code, ward_name) for code, name, ltla_code, ltla_name,
             ward_code, ward_name in zip(look["lsoa21_code"], look["lsoa21_name"], look["ltla24_code"],
                                         look["ltla24_name"], look["ward24_code"], look["ward24_name"])
             if code.startswith("E01")}
    assert len(place) == len([c for c in look["lsoa21_code"] if c.startswith("E01")]), "lookup repeats an LSOA"
    missing, extra = set(codes) - set(place), set(place) - set(codes)
    assert not missing and not extra, f"index and lookup differ: {len(missing)} not in lookup, {len(extra)} extra"
    rows = sorted(zip(codes, columns["IMD_rank"], columns["IMD_decile"], columns["IMD_score"],
                      columns["Income_rank"], columns["Income_decile"]), key=lambda r: r[0])

    assert len(rows) == N_LSOA, f"{len(rows)} rows, expected {N_LSOA}"
    assert len(set(codes)) == N_LSOA, "an LSOA code appears more than once"
    assert all(c.startswith("E01") and len(c) == 9 for c in codes), "a code is not an English LSOA code"
    for label, rank_i, dec_i in (("IMD", 1, 2), ("income", 4, 5)):
        ranks = sorted(int(r[rank_i]) for r in rows)
        ties = len(ranks) - len(set(ranks))
        assert ranks[0] == 1 and ranks[-1] == N_LSOA, f"{label} ranks do not run 1..{N_LSOA}"
        # The published IMD ranks are each used once; the income domain has three pairs of LSOAs
        # sharing a rank (equal scores) in the published file itself.
        assert ties <= (0 if label == "IMD" else 3), f"{label}: {ties} tied ranks"
        counts = {d: 0 for d in range(1, 11)}
        for r in rows:
            decile, rank = int(r[dec_i]), int(r[rank_i])
            counts[decile] += 1
            assert (decile - 1) * N_LSOA / 10 < rank <= decile * N_LSOA / 10 + 1, f"{r[0]}: {label} decile/rank"
        assert all(3375 <= c <= 3376 for c in counts.values()), f"{label} deciles uneven: {counts}"
        print(f"{label} deciles: {counts}; tied ranks: {ties}")

    assert all(population.get(r[0], 0) > 0 for r in rows), "an English LSOA has no Census 2021 population"
    print(f"Census 2021 usual residents of the English LSOAs: {sum(population[r[0]] for r in rows):,}")

    if districts_path:
        check_against_districts(districts_path, rows, place)

    with open(OUT, "w", newline="", encoding="utf-8") as fh:
        fh.write("# English Indices of Deprivation 2025, File 7, every LSOA in England (2021 codes).\n"
                 "# Ministry of Housing, Communities and Local Government, Open Government Licence v3.0.\n"
                 "# Rank 1 = most deprived; decile 1 = most deprived 10% of LSOAs.\n"
                 "# Names, local authority (2024) and best-fit ward (2024): ONS LSOA21-WD24-LAD24 lookup, OGL v3.0.\n"
                 "# population: usual residents at Census 2021 (ONS), OGL v3.0.\n"
                 "# Derived by data/reference/sources/make_imd2025.py; see imd2025_lsoa.yaml and docs/data_log.md.\n")
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["lsoa21cd", "lsoa21nm", "lad24cd", "lad24nm", "ward24cd", "ward24nm",
                         "imd_rank", "imd_decile", "imd_score", "income_rank", "income_decile", "population"])
        writer.writerows([code, *place[code], int(a), int(b), f"{score:.3f}", int(c), int(d), population[code]]
                         for code, a, b, score, c, d in rows)
    print(f"local authorities: {len({p[1] for p in place.values()})}; wards: {len({p[3] for p in place.values()})}")
    print(f"wrote {OUT}: {len(rows)} LSOAs")


if __name__ == "__main__":
    main(*sys.argv[1:5])
