"""The shipped English Indices of Deprivation 2025 by LSOA (data/reference/imd2025_lsoa.csv).

Breakdowns by deprivation join beneficiaries' LSOAs to this table. These tests check what they rely on: every
LSOA in England (33,755, 2021 codes) exactly once; IMD and income deciles 1-10 each holding a tenth of LSOAs
(3,375 or 3,376) and agreeing with the rank (rank 1 = most deprived, in decile 1); IMD ranks 1..33,755 each
once; every row with a name and a 2024 local authority; and a provenance file naming the publisher, an open
licence and the repository and commit the figures were read from.
"""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from sroi_lib.paths import read_yaml, reference_file

N_LSOA = 33_755


@pytest.fixture(scope="module")
def rows():
    with open(reference_file("imd2025_lsoa.csv"), encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def test_every_english_lsoa_once(rows):
    codes = [r["lsoa21cd"] for r in rows]
    assert len(codes) == N_LSOA
    assert len(set(codes)) == N_LSOA
    assert all(c.startswith("E01") and len(c) == 9 for c in codes)


@pytest.mark.parametrize("domain", ["imd", "income"])
def test_deciles_are_tenths_and_follow_rank(rows, domain):
    counts = Counter(int(r[f"{domain}_decile"]) for r in rows)
    assert sorted(counts) == list(range(1, 11))
    assert all(3375 <= n <= 3376 for n in counts.values())
    for r in rows:
        decile, rank = int(r[f"{domain}_decile"]), int(r[f"{domain}_rank"])
        assert (decile - 1) * N_LSOA / 10 < rank <= decile * N_LSOA / 10 + 1, r["lsoa21cd"]


def test_imd_ranks_each_used_once(rows):
    assert sorted(int(r["imd_rank"]) for r in rows) == list(range(1, N_LSOA + 1))


def test_names_and_local_authorities(rows):
    assert all(r["lsoa21nm"] and r["lad24cd"].startswith("E0") and r["lad24nm"] for r in rows)
    assert len({r["lad24cd"] for r in rows}) == 296
    leeds = [r for r in rows if r["lad24nm"] == "Leeds"]
    assert len(leeds) == 488 and {r["lad24cd"] for r in leeds} == {"E08000035"}


def test_provenance():
    meta = read_yaml(reference_file("imd2025_lsoa.yaml"), "IoD2025 provenance file")
    assert "Ministry of Housing, Communities and Local Government" in meta["source"]
    assert meta["licence"] == "Open Government Licence v3.0"
    assert len(meta["fetched_from"]["commit"]) == 40
    assert meta["script"] == "data/reference/sources/make_imd2025.py"


def test_every_lsoa_has_people(rows):
    """Census 2021 usual residents, for population-weighted ward profiles: every LSOA has some; England's
    LSOAs hold the 56.5 million the Census counted."""
    people = [int(r["population"]) for r in rows]
    assert min(people) > 0
    assert 56_400_000 < sum(people) < 56_600_000


def test_the_shipped_leeds_ward_profiles_are_what_the_library_computes():
    """data/reference/leeds_wards.csv is written by make_ward_profiles.py from the same function that places a
    line given by its ward, so the file a reader opens and the figures a report uses cannot drift apart."""
    import importlib.util

    import pandas as pd

    spec = importlib.util.spec_from_file_location("make_ward_profiles",
                                                  reference_file("sources/make_ward_profiles.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = pd.read_csv(reference_file("leeds_wards.csv"), comment="#")
    computed = module.profile_table(module.LEEDS).reset_index(drop=True)
    assert len(shipped) == 33 and shipped["areas"].sum() == 488
    pd.testing.assert_frame_equal(shipped, computed, check_dtype=False, atol=1e-9)
