"""Proxies that know their relations (issue 11, item 1): ``part_of``, ``alternative_of``, ``transfer``.

Every shipped relation resolves and every shipped file passes ``sroi proxies check``; each bad relation, written
in a real CSV file, is refused by the real command with exit 2 and its row and column named.
"""

from __future__ import annotations

import csv

import pytest

from sroi_lib.cli import main
from sroi_lib.errors import InputError
from sroi_lib.io.cells import VALUE_TYPES
from sroi_lib.proxies.importers import import_mapped, write_library
from sroi_lib.proxies.library import COLUMNS, _shipped_files, library_with, load_library, shipped_library

BASE = {"proxy_id": "", "name": "Thing", "outcome": "Better things", "unit": "per thing", "value": "100",
        "price_year": "2020", "value_type": "social", "part_of": "", "alternative_of": "", "transfer": "",
        "theme": "wellbeing", "source": "Somewhere", "source_url": "https://example.org/x", "licence": "OGL",
        "notes": ""}


def write_library_csv(path, rows):
    """A library CSV with the full contract; each row is BASE with its changes."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.DictWriter(f, fieldnames=list(BASE))
        out.writeheader()
        out.writerows({**BASE, **r} for r in rows)
    return path


def check(path, capsys):
    """Run ``sroi proxies check`` in-process; returns (exit code, stdout + stderr)."""
    code = main(["proxies", "check", str(path)])
    out = capsys.readouterr()
    return code, out.out + out.err


# -- the shipped library ---------------------------------------------------------------------------------------

def test_every_shipped_relation_resolves():
    lib = shipped_library()
    ids = set(lib.ids)
    for p in (lib[pid] for pid in lib.ids):
        assert p.value_type in VALUE_TYPES, p.proxy_id
        for target in (p.part_of, p.alternative_of):
            assert target == "" or (target in ids and target != p.proxy_id), p.proxy_id
        if p.alternative_of:
            assert lib[p.alternative_of].alternative_of == "", p.proxy_id
        if p.part_of:  # a part is in the same unit as its total and not worth more
            total = lib[p.part_of]
            assert p.unit == total.unit and p.price_year == total.price_year and p.value <= total.value, p.proxy_id


@pytest.mark.parametrize("path", _shipped_files(), ids=lambda p: p.name)
def test_sroi_proxies_check_passes_on_each_shipped_file(path, capsys):
    code, out = check(path, capsys)
    assert code == 0 and "no problems found" in out, out


def test_the_shipped_relations_named_in_the_issue():
    lib = shipped_library()
    # road-accident components are parts of their severity's total; road-type splits are variants of an element
    assert lib["dft-road-accident-fatal-pain-grief-suffering"].part_of == "dft-road-accident-fatal"
    assert lib["dft-road-accident-slight-lost-output"].part_of == "dft-road-accident-slight"
    assert lib["dft-road-accident-damage-only-insurance"].part_of == "dft-road-accident-damage-only"
    assert lib["dft-road-accident-serious-property-damage-motorway"].alternative_of == \
        "dft-road-accident-serious-property-damage"
    # the six elements of each total add up to it (to the pound): the parts are the whole
    for sev in ("fatal", "serious", "slight", "damage-only"):
        parts = [lib[pid].value for pid in lib.ids if lib[pid].part_of == f"dft-road-accident-{sev}"]
        assert abs(sum(parts) - lib[f"dft-road-accident-{sev}"].value) <= 1, sev
    # the volunteering total and its two strands
    strands = {pid for pid in lib.ids if lib[pid].part_of == "vc-volunteer-total-economic-impact-per-volunteer"}
    assert strands == {"vc-volunteer-replacement-cost-per-volunteer", "vc-volunteer-wellbeing-per-volunteer"}
    # carbon and WELLBY low / high are alternatives of the central value; weekly of annual
    assert lib["ec-carbon-low-2030"].alternative_of == "ec-carbon-central-2030"
    assert lib["ec-carbon-high-2050"].alternative_of == "ec-carbon-central-2050"
    assert lib["hw-wellby-high"].alternative_of == "hw-wellby-central"
    assert lib["cs-prisoner-cost-weekly-2007"].alternative_of == "cs-prisoner-cost-2007"
    # benefit rates and taxes are transfers; a cost of a service is not
    assert lib["es-uc-standard-allowance-single-25plus-2024"].transfer
    assert lib["ec-landfill-tax-standard-2023"].transfer
    assert lib["hh-nest-benefit-check-gain-2023"].transfer
    assert not lib["hw-ae-minor"].transfer and not lib["es-national-living-wage-2024"].transfer


def test_every_non_obvious_shipped_relation_is_explained_in_its_notes():
    lib = shipped_library()
    for pid in lib.ids:
        p = lib[pid]
        if p.part_of and not pid.startswith("dft-road-accident-"):
            assert "part_of" in p.notes or "Includes" in lib[p.part_of].notes, pid
        if p.alternative_of and not pid.startswith(("ec-carbon-", "hw-wellby-", "cs-prisoner-")):
            assert "alternative_of" in p.notes, pid


# -- a user's library ------------------------------------------------------------------------------------------

def test_a_user_library_relating_to_shipped_ids_loads(tmp_path, capsys):
    path = write_library_csv(tmp_path / "mine.csv", [
        {"proxy_id": "my-fatal-grief-share", "value": "1000", "price_year": "2014",
         "part_of": "dft-road-accident-fatal"},
        {"proxy_id": "my-wellby-local", "value": "12000", "price_year": "2019", "alternative_of": "hw-wellby-central"},
        {"proxy_id": "my-benefit", "transfer": "Yes"},
    ])
    code, out = check(path, capsys)
    assert code == 0 and "3 proxies, no problems found" in out, out
    lib = library_with(path)
    assert lib["my-fatal-grief-share"].part_of == "dft-road-accident-fatal"
    assert lib["my-benefit"].transfer and not lib["my-wellby-local"].transfer


def test_a_library_without_the_relation_columns_still_loads(tmp_path):
    path = tmp_path / "old.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        cols = [c for c in BASE if c not in ("part_of", "alternative_of", "transfer")]
        out = csv.DictWriter(f, fieldnames=cols)
        out.writeheader()
        out.writerow({c: BASE[c] for c in cols} | {"proxy_id": "old-1"})
    p = load_library(path)["old-1"]
    assert (p.part_of, p.alternative_of, p.transfer) == ("", "", False)


def test_a_library_can_relate_rows_to_each_other(tmp_path, capsys):
    path = write_library_csv(tmp_path / "mine.csv", [
        {"proxy_id": "t", "value": "100"}, {"proxy_id": "a", "value": "60", "part_of": "t"},
        {"proxy_id": "b", "value": "40", "part_of": "t"}, {"proxy_id": "b-high", "value": "80", "alternative_of": "b"},
        # a part in older prices, re-priced to its total's year, is compared there
        {"proxy_id": "c", "value": "95", "price_year": "2019", "part_of": "t"},  # £98.89 in 2020 prices
    ])
    code, out = check(path, capsys)
    assert code == 0, out


def test_imports_write_the_full_contract_with_blank_relations(tmp_path):
    src = tmp_path / "costs.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["Ref", "name", "outcome", "unit", "Cost", "price_year", "theme", "source", "source_url",
                      "licence"])
        out.writerow(["c-1", "A", "B", "per thing", "12", "2020", "t", "S", "https://example.org", "OGL"])
    result = import_mapped(src, {"ref": "proxy_id", "cost": "value"})
    written = write_library(result.table, tmp_path / "lib.csv")
    with open(written, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == COLUMNS
    assert (rows[0]["part_of"], rows[0]["alternative_of"], rows[0]["transfer"]) == ("", "", "")
    assert load_library(written)["c-1"].transfer is False


# -- bad relations ---------------------------------------------------------------------------------------------

BAD = {
    "unknown-id": ([{"proxy_id": "a", "part_of": "dft-road-acident-fatal"}],
                   2, "part_of", ["no proxy with id 'dft-road-acident-fatal'",
                                  "did you mean 'dft-road-accident-fatal'"]),
    "unknown-alternative": ([{"proxy_id": "a"}, {"proxy_id": "b", "alternative_of": "nothing-like-it"}],
                            3, "alternative_of", ["no proxy with id 'nothing-like-it'"]),
    "self-part": ([{"proxy_id": "a"}, {"proxy_id": "b", "part_of": "b"}], 3, "part_of", ["'b' names itself"]),
    "self-alternative": ([{"proxy_id": "a", "alternative_of": "a"}], 2, "alternative_of", ["'a' names itself"]),
    "cycle-of-2": ([{"proxy_id": "a", "part_of": "b"}, {"proxy_id": "b", "part_of": "a"}],
                   2, "part_of", ["goes round in a circle", "a → b → a", "'a' row 2, 'b' row 3"]),
    "cycle-of-3": ([{"proxy_id": "x"}, {"proxy_id": "a", "part_of": "b"}, {"proxy_id": "b", "part_of": "c"},
                    {"proxy_id": "c", "part_of": "a"}],
                   3, "part_of", ["goes round in a circle", "a → b → c → a"]),
    "alternative-of-an-alternative": ([{"proxy_id": "central"}, {"proxy_id": "low", "alternative_of": "central"},
                                       {"proxy_id": "lower", "alternative_of": "low"}],
                                      4, "alternative_of", ["'low' is itself an alternative (of 'central')",
                                                            "Name the central value 'central' instead"]),
    "alternative-of-a-shipped-alternative": ([{"proxy_id": "a", "alternative_of": "hw-wellby-low"}],
                                             2, "alternative_of", ["Name the central value 'hw-wellby-central'"]),
    "transfer-not-yes-no": ([{"proxy_id": "a", "transfer": "maybe"}], 2, "transfer", ["'maybe' is not yes or no"]),
    "part-worth-more-than-total": ([{"proxy_id": "t", "value": "100"}, {"proxy_id": "p", "value": "150",
                                                                        "part_of": "t"}],
                                   3, "part_of", ["worth more than its total 't'", "£150.00, against £100.00"]),
    "part-worth-more-once-re-priced": ([{"proxy_id": "t", "value": "100", "price_year": "2020"},
                                        {"proxy_id": "p", "value": "100", "price_year": "2010", "part_of": "t"}],
                                       3, "part_of", ["in 2010 prices", "in 2020 prices"]),
    "part-worth-more-than-a-shipped-total": ([{"proxy_id": "p", "value": "30000", "price_year": "2014",
                                               "part_of": "dft-road-accident-slight"}],
                                             2, "part_of", ["worth more than its total 'dft-road-accident-slight'"]),
}


@pytest.mark.parametrize("name", list(BAD))
def test_a_bad_relation_is_refused_with_its_row_and_column(tmp_path, capsys, name):
    rows, row, column, words = BAD[name]
    path = write_library_csv(tmp_path / f"{name}.csv", rows)
    code, out = check(path, capsys)
    assert code == 2, out
    assert f"{name}.csv, row {row}, column '{column}'" in out, out
    for w in words:
        assert w in out, (w, out)
    with pytest.raises(InputError) as exc:
        load_library(path)
    assert any(p.row == row and p.column == column and p.fix for p in exc.value.problems)


def test_a_cycle_is_reported_once_and_not_also_as_a_part_worth_more(tmp_path):
    path = write_library_csv(tmp_path / "lib.csv", [{"proxy_id": "a", "value": "5", "part_of": "b"},
                                                     {"proxy_id": "b", "value": "1", "part_of": "a"}])
    with pytest.raises(InputError) as exc:
        load_library(path)
    assert len(exc.value.problems) == 1, exc.value


def test_the_column_is_named_as_the_file_heads_it(tmp_path, capsys):
    path = write_library_csv(tmp_path / "lib.csv", [{"proxy_id": "a", "part_of": "zzz"}])
    text = path.read_text(encoding="utf-8").replace("part_of", "Part Of", 1)
    path.write_text(text, encoding="utf-8")
    code, out = check(path, capsys)
    assert code == 2 and "row 2, column 'Part Of'" in out, out


def test_sroi_proxies_show_names_the_relations(capsys):
    assert main(["proxies", "show", "hw-wellby-low"]) == 0
    out = capsys.readouterr().out
    assert "Alternative of" in out and "hw-wellby-central" in out
    assert main(["proxies", "show", "dft-road-accident-fatal-lost-output"]) == 0
    assert "Part of" in capsys.readouterr().out
    assert main(["proxies", "show", "ec-landfill-tax-standard-2024"]) == 0
    assert "Transfer" in capsys.readouterr().out


def test_a_long_chain_of_parts_is_checked_quickly(tmp_path):
    """Each id is followed once, so 20,000 rows chained part to total take well under a second or two."""
    import time

    n = 20_000
    rows = [{"proxy_id": f"p{i}", "value": "1", "part_of": f"p{i + 1}" if i + 1 < n else ""} for i in range(n)]
    path = write_library_csv(tmp_path / "chain.csv", rows)
    start = time.perf_counter()
    assert len(load_library(path, with_shipped=False)) == n
    assert time.perf_counter() - start < 30
    rows[-1]["part_of"] = "p0"  # close the chain into one circle of 20,000
    write_library_csv(path, rows)
    with pytest.raises(InputError) as exc:
        load_library(path, with_shipped=False)
    [problem] = exc.value.problems
    assert problem.row == 2 and problem.column == "part_of" and "p0 → p1 → p2" in problem.message
    assert "20,000 proxies in the circle" in problem.message and len(problem.message) < 300
