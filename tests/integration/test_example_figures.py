"""The example contracts' figures, pinned: any change that moves one fails here.

``tests/golden/example_contracts.json`` holds every example's headline figures
and each line's value per unit, impact and present value, as the engine gave
them when they were pinned (``tests/golden/write_golden.py``). One contract,
school catering, is also worked out by hand below from the published proxy
values and the GDP deflator, so the pinned figures are known to be right and
not merely unchanged.

The same figures are checked where a reader sees them: in each contract's
report folder and its executed notebook, and in the portfolio dashboard
notebook run over the example reports.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from sroi_lib.views import formatting as fmt
from sroi_lib.reports.contract import load_contract
from tests.conftest import ROOT, tagged_output

GOLDEN = json.loads((ROOT / "tests" / "golden" / "example_contracts.json").read_text(encoding="utf-8"))
PARAMS = sorted((ROOT / "parameters").glob("*.yaml"))
HEADLINE = ("present_value", "gross_benefits", "gross_disbenefits", "total_inputs", "sroi_ratio", "net_sroi_ratio",
            "npv", "payback_months", "annual_impact", "undiscounted_value")
LINE_FIGURES = ("value_per_unit", "impact", "undiscounted_value", "present_value")
REL = 1e-9  # the audit's tolerance: one part in a billion


def differences(contract_id: str, figures: dict) -> list[str]:
    """Every figure of ``figures`` (results.json or a summary with lines) that differs from the pinned one."""
    pinned, out = GOLDEN[contract_id], []
    for key in HEADLINE:
        if not math.isclose(figures[key], pinned[key], rel_tol=REL):
            out.append(f"{key}: {figures[key]!r}, pinned {pinned[key]!r}")
    if len(figures["lines"]) != len(pinned["lines"]):
        return out + [f"{len(figures['lines'])} lines, pinned {len(pinned['lines'])}"]
    for got, want in zip(figures["lines"], pinned["lines"]):
        for key in ("row", "proxy_id", "stakeholder", "outcome"):
            if got[key] != want[key]:
                out.append(f"row {want['row']} {key}: {got[key]!r}, pinned {want[key]!r}")
        for key in LINE_FIGURES:
            if not math.isclose(got[key], want[key], rel_tol=REL):
                out.append(f"row {want['row']} {key}: {got[key]!r}, pinned {want[key]!r}")
    return out


def test_every_example_contract_is_pinned():
    assert set(GOLDEN) == {p.stem for p in PARAMS}


@pytest.mark.parametrize("params", PARAMS, ids=lambda p: p.stem)
def test_example_figures_are_unchanged(params):
    v = load_contract(params).valuation
    figures = {**v.summary(), "lines": v.lines.to_dict("records")}
    assert differences(params.stem, figures) == []
    assert v.price_year == GOLDEN[params.stem]["price_year"]
    assert v.discounting.name == GOLDEN[params.stem]["discounting"]


def monte_carlo_differences(contract_id: str, summary: dict) -> list[str]:
    """Every figure of a Monte Carlo summary that differs from the pinned one (the seed and draws exactly)."""
    pinned = GOLDEN[contract_id]["monte_carlo"]
    return [f"monte_carlo.{k}: {summary[k]!r}, pinned {v!r}" for k, v in pinned.items()
            if not (summary[k] == v if k in ("seed", "draws") else math.isclose(summary[k], v, rel_tol=REL, abs_tol=1e-12))]


@pytest.mark.parametrize("params", PARAMS, ids=lambda p: p.stem)
def test_example_monte_carlo_ranges_are_unchanged(params):
    """The Monte Carlo range of each example, for the seed and draws its parameters give, is pinned too: the
    draws are counter-based, so the same seed gives the same figures on every machine and however chunked."""
    mc = load_contract(params).uncertainty.monte_carlo
    assert monte_carlo_differences(params.stem, mc.summary()) == []
    pinned = GOLDEN[params.stem]["monte_carlo"]
    assert pinned["p5"] < pinned["p50"] < pinned["p95"]


def test_school_catering_worked_by_hand():
    # Every line is valued in 2024 prices and lasts from year 1, discounted at the Green Book's 3.5%.
    # Proxies (data/proxies/): National Living Wage £11.44/hour (2024), apprentice rate £6.40/hour (2024),
    # landfill tax £103.70/tonne (2024), carbon central 2025 £273.06/tCO2e in 2022 prices, WELLBY £13,000
    # in 2019 prices. GDP deflator (2024 = 100): 2022 = 90.5005, 2019 = 81.1085.
    carbon = 273.06 * 100 / 90.5005   # £301.72 a tonne in 2024 prices
    wellby = 13_000 * 100 / 81.1085   # £16,027.91 in 2024 prices
    impacts = [
        23_750 * 11.44 * (1 - 0.30) * (1 - 0.20),  # residents employed: £152,152.00
        5_600 * 6.40 * (1 - 0.20) * (1 - 0.10),    # apprentices: £25,804.80 a year for 2 years
        80 * 103.70 * (1 - 0.25),                  # landfill tax avoided: £6,222.00
        40 * carbon * (1 - 0.25),                  # carbon from anaerobic digestion: £9,051.66
        220 * carbon * (1 - 0.30) * (1 - 0.20),    # carbon from menus: £37,172.16
        30 * wellby * (1 - 0.50) * (1 - 0.40),     # breakfast-club wellbeing: £144,251.22
    ]
    present = [i / 1.035 for i in impacts]
    present[1] += impacts[1] / 1.035**2            # the apprentices' second year
    total = sum(present)
    # By hand: £147,006.76 + £49,021.23 + £6,011.59 + £8,745.57 + £35,915.13 + £139,373.16 = £386,073.44
    assert [round(p, 2) for p in present] == [147_006.76, 49_021.23, 6_011.59, 8_745.57, 35_915.13, 139_373.16]
    assert round(total, 2) == 386_073.45  # (the cents above are rounded; the exact sum rounds up)

    pinned = GOLDEN["lcc-school-catering"]
    assert pinned["present_value"] == pytest.approx(total, rel=REL)
    assert pinned["total_inputs"] == 200_000
    assert pinned["sroi_ratio"] == pytest.approx(total / 200_000, rel=REL)  # 1.93 : 1
    assert pinned["payback_months"] == pytest.approx(200_000 / (sum(impacts) / 12), rel=REL)
    assert [ln["impact"] for ln in pinned["lines"]] == pytest.approx(impacts, rel=REL)
    assert [ln["present_value"] for ln in pinned["lines"]] == pytest.approx(present, rel=REL)


# -- where readers see the figures: real papermill runs --------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("contract_id", sorted(GOLDEN))
def test_each_report_carries_the_pinned_figures(example_reports, contract_id):
    folder = example_reports / contract_id
    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    assert differences(contract_id, results) == []
    assert monte_carlo_differences(contract_id, results["uncertainty"]["monte_carlo"]) == []
    headline = tagged_output(folder / "report.ipynb", "headline")
    pinned = GOLDEN[contract_id]
    assert fmt.ratio(pinned["sroi_ratio"]) in headline
    assert fmt.money(pinned["present_value"]) in headline
    assert fmt.money(pinned["total_inputs"]) in headline


def test_sroi_portfolio_over_the_example_reports(example_reports, capsys):
    """`sroi portfolio` gives the pinned totals, every contract, and headline figures never cut short."""
    from sroi_lib.cli import main

    assert main(["portfolio", str(example_reports), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    total = sum(c["present_value"] for c in GOLDEN.values())
    assert math.isclose(data["headline"]["present_value"], total, rel_tol=1e-12)
    assert sorted(r["contract_id"] for r in data["contracts"]) == sorted(GOLDEN) and data["skipped"] == []
    assert main(["portfolio", str(example_reports)]) == 0
    out = capsys.readouterr().out
    rag = ", ".join(f"{k} {v}" for k, v in data["headline"]["rag_counts"].items() if v)
    assert f"RAG  {rag}".split() == [line for line in out.splitlines() if line.startswith("RAG ")][0].split()
    assert fmt.money(total, pence=False) in out
    untracked = [r["contract_id"] for r in data["contracts"] if r["rag"] == "not tracked"]
    assert untracked and all("not tracked  not tracked" in line for line in out.splitlines()
                             if line.startswith(tuple(untracked)))


@pytest.mark.slow
def test_dashboard_notebook_over_the_example_reports(example_reports, tmp_path):
    import papermill as pm

    out = tmp_path / "dashboard.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / "portfolio_dashboard.ipynb"), str(out), kernel_name="sroi",
                        parameters={"reports_dir": str(example_reports)}, progress_bar=False)
    state = json.loads(out.read_text())["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]
    headlines = [m["state"]["value"] for m in state["state"].values()
                 if '<div class="sroi-headline"' in str(m["state"].get("value", ""))]
    assert len(headlines) == 1
    total = sum(c["present_value"] for c in GOLDEN.values())
    assert f'data-present-value="{total:.2f}"' in headlines[0]
    assert f'data-contracts="{len(GOLDEN)}"' in headlines[0]


@pytest.mark.slow
def test_explore_notebook_headline_is_the_worked_check(tmp_path):
    import papermill as pm

    out = tmp_path / "explore.ipynb"
    worked = ROOT / "data" / "examples" / "worked_check"
    pm.execute_notebook(str(ROOT / "notebooks" / "explore_impact_map.ipynb"), str(out), kernel_name="sroi",
                        progress_bar=False, cwd=str(ROOT / "notebooks"),
                        parameters={"impact_map": str(worked / "impact_map.csv"),
                                    "inputs": str(worked / "inputs.csv")})
    headline = tagged_output(out, "headline")
    # The worked check: PV £152,215.01, inputs £100,000, ratio 1.52 (three years at 3.5%).
    assert "£152,215.01" in headline and "1.52 : 1" in headline and "£100,000.00" in headline
