"""A portfolio's range (sroi_lib.reports.portfolio_uncertainty): chunks that concatenate to the same draws, toy
contracts worked by hand, the seeds derived by the hash, kinds kept apart, the portfolio tornado by hand, the shipped
examples recomputed from each contract's own Monte Carlo, and every refusal."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pandas as pd
import pytest

from sroi_lib.core.uncertainty import Distribution, Model, Uncertain, monte_carlo, monte_carlo_chunk
from sroi_lib.core.valuation import value
from sroi_lib.errors import InputError, RunFailed
from sroi_lib.reports.distributed import lost_reason, preflight
from sroi_lib.reports.portfolio_uncertainty import (PortfolioContract, contract_seed, load_contracts,
                                                    portfolio_draws, portfolio_range, portfolio_tornado)
from sroi_lib.reports.uncertainty import DEFAULT_SEED
from tests.conftest import ROOT

PARAMS = ROOT / "parameters"


def toy_model(quantity: float, unit_value: float, investment: float) -> Model:
    """One line, one year, no adjustments, no discounting: PV = quantity × value, inputs = the investment."""
    m = pd.DataFrame({"stakeholder": ["Residents"], "outcome": ["Into work"], "quantity": [quantity],
                      "value": [unit_value], "price_year": [2024], "duration": [1], "deadweight": [0.0],
                      "attribution": [0.0], "drop_off": [0.0]})
    return Model.from_valuation(value(m, investment, price_year=2024, discounting="none"))


def fixed(assumption, x, line=0):
    return Uncertain(assumption, None if assumption == "inputs" else line, Distribution("fixed", value=x))


@pytest.fixture(scope="module")
def examples():
    return load_contracts(PARAMS)


def test_chunks_of_any_size_concatenate_to_one_chunk(examples):
    care = next(c for c in examples if c.contract_id == "lcc-highways-maintenance")  # a correlated group, inputs
    assert care.correlations and any(u.assumption == "inputs" for u in care.uncertain)
    draws = 2000
    whole = monte_carlo_chunk(care.model, care.uncertain, seed=11, first=0, count=draws,
                              correlations=care.correlations)
    for size in (1, 7, 1000):
        parts = [monte_carlo_chunk(care.model, care.uncertain, seed=11, first=f, count=min(size, draws - f),
                                   correlations=care.correlations) for f in range(0, draws, size)]
        assert np.array_equal(np.concatenate([p[0] for p in parts]), whole[0])
        assert np.array_equal(np.concatenate([p[1] for p in parts]), whole[1])
    # and the chunk is monte_carlo's own draws
    mc = monte_carlo(care.model, care.uncertain, draws=draws, seed=11, correlations=care.correlations)
    assert np.array_equal(mc.present_values, whole[0]) and np.array_equal(mc.ratios, whole[0] / whole[1])


def test_two_toy_contracts_give_the_hand_worked_ratio_in_every_draw():
    a = PortfolioContract("a", "Real forecast", toy_model(100, 1000.0, 50_000),
                          uncertain=(fixed("quantity", 80), fixed("inputs", 1.25)))
    b = PortfolioContract("b", "Real forecast", toy_model(10, 500.0, 10_000))  # no distributions: central figures
    result = portfolio_range([a, b], draws=50, chunk_size=7)
    pv, inputs = result.kind_draws("Real forecast")
    # 80 × £1,000 + 10 × £500 = £85,000; £50,000 × 1.25 + £10,000 = £72,500
    assert np.array_equal(pv, np.full(50, 85_000.0)) and np.array_equal(inputs, np.full(50, 72_500.0))
    s = result.kind_monte_carlo("Real forecast").summary()
    assert s["p5"] == s["p95"] == s["mean"] == pytest.approx(85_000 / 72_500, rel=1e-15)
    assert result.to_dict()["line_draws"] == 2 * 50


def test_the_order_of_the_contracts_changes_nothing(examples):
    one = portfolio_range(examples, draws=500, seed=5)
    other = portfolio_range(list(reversed(examples)), draws=500, seed=5, chunk_size=333)
    for k in one.kinds:
        assert all(np.array_equal(x, y) for x, y in zip(one.kind_draws(k), other.kind_draws(k)))
    assert one.to_dict() == {**other.to_dict(), "chunk_size": 1000}


def test_each_contracts_seed_is_the_hash_of_the_portfolio_seed_and_its_id(examples):
    ids = [c.contract_id for c in examples]
    seeds = [contract_seed(DEFAULT_SEED, cid) for cid in ids]
    worked = [int.from_bytes(hashlib.sha256(f"20261130:{cid}".encode()).digest()[:8], "big") >> 11 for cid in ids]
    assert seeds == worked and len(set(seeds)) == len(ids) and all(0 <= s < 2 ** 53 for s in seeds)
    assert contract_seed(1, ids[0]) != contract_seed(2, ids[0])
    result = portfolio_range(examples, draws=10)
    assert [c["seed"] for c in result.to_dict()["by_contract"]] == seeds


def test_kinds_are_kept_apart():
    a = PortfolioContract("a", "Real forecast", toy_model(100, 1000.0, 50_000))
    b = PortfolioContract("b", "Real evaluation", toy_model(10, 500.0, 10_000))
    result = portfolio_range([a, b], draws=5)
    assert result.kinds == ["Real evaluation", "Real forecast"]
    assert np.array_equal(result.kind_draws("Real forecast")[0], np.full(5, 100_000.0))
    assert np.array_equal(result.kind_draws("Real evaluation")[1], np.full(5, 10_000.0))
    kinds = {k["kind"]: k for k in result.to_dict()["kinds"]}
    assert kinds["Real forecast"]["base_ratio"] == 2.0 and kinds["Real evaluation"]["base_ratio"] == 0.5


def test_the_portfolio_tornado_by_hand():
    # A: 100 × £1,000 = £100,000 against £50,000; B: 10 × £500 = £5,000 against £10,000. Kind: £105,000 ÷ £60,000.
    a = PortfolioContract("a", "Real forecast", toy_model(100, 1000.0, 50_000))
    b = PortfolioContract("b", "Real forecast", toy_model(10, 500.0, 10_000))
    t = portfolio_tornado([a, b], top=100)
    row = lambda cid, what: t[(t["contract_id"] == cid) & (t["assumption"] == what)].iloc[0]  # noqa: E731
    # A's quantity ±25%: its PV £75,000 or £125,000, so (£105,000 ∓ £25,000) ÷ £60,000
    q = row("a", "quantity")
    assert q["ratio_low"] == pytest.approx(80_000 / 60_000) and q["ratio_high"] == pytest.approx(130_000 / 60_000)
    # B's inputs ±25%: £7,500 or £12,500, so £105,000 ÷ (£60,000 − £10,000 + £7,500 or £12,500)
    i = row("b", "inputs")
    assert i["ratio_low"] == pytest.approx(105_000 / 57_500) and i["ratio_high"] == pytest.approx(105_000 / 62_500)
    assert t.iloc[0]["contract_id"] == "a" and t["swing"].is_monotonic_decreasing
    assert "discounting" not in set(t["assumption"])
    assert portfolio_tornado([]).empty


def test_the_examples_per_kind_equal_each_contracts_own_monte_carlo(examples):
    result = portfolio_range(examples, draws=3000, seed=DEFAULT_SEED, chunk_size=700)
    d = result.to_dict()
    assert d["contracts"] == 5 and d["lines"] == sum(c.model.lines for c in examples)
    assert {k["kind"] for k in d["kinds"]} == {"Illustrative forecast", "Illustrative evaluation"}
    for k in d["kinds"]:
        pv = inputs = 0.0
        for cid in k["contracts"]:  # contract_id order, as the portfolio sums them
            c = next(x for x in examples if x.contract_id == cid)
            own = monte_carlo(c.model, c.uncertain, draws=3000, seed=contract_seed(DEFAULT_SEED, cid),
                              correlations=c.correlations)
            pv = pv + own.present_values
            inputs = inputs + own.present_values / own.ratios
            mine = next(x for x in d["by_contract"] if x["contract_id"] == cid)
            assert mine["p50"] == float(np.percentile(own.ratios, 50))
        kind_pv, kind_inputs = result.kind_draws(k["kind"])
        assert np.array_equal(kind_pv, pv) and np.allclose(kind_inputs, inputs, rtol=1e-14, atol=0)
        assert k["monte_carlo"]["present_value"]["p50"] == float(np.percentile(pv, 50))
        assert k["monte_carlo"]["p5"] == pytest.approx(float(np.percentile(pv / inputs, 5)), rel=1e-13)
        assert k["line_draws"] == k["lines"] * 3000


def test_a_dask_client_gives_the_same_draws(examples):
    import distributed  # installed with the test extras: fails, not skips, without it
    with distributed.Client(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=None) as client:
        remote = portfolio_draws(examples, draws=1500, chunk_size=400, client=client)
    here = portfolio_draws(examples, draws=1500, chunk_size=1500)
    assert remote.keys() == here.keys()
    for cid in here:
        assert np.array_equal(remote[cid][0], here[cid][0]) and np.array_equal(remote[cid][1], here[cid][1])


# -- refusals ------------------------------------------------------------------------------------------------------

def test_draws_and_chunk_size_out_of_range_are_refused(examples):
    with pytest.raises(InputError, match="number of draws must be from 1"):
        portfolio_draws(examples, draws=0)
    with pytest.raises(InputError, match="chunk size must be 1 or more"):
        portfolio_draws(examples, draws=10, chunk_size=0)


def test_draws_too_large_to_hold_are_refused_naming_the_contract():
    a = PortfolioContract("a", "Real forecast", toy_model(100, 1000.0, 50_000),
                          uncertain=(fixed("quantity", 1e306),), file="a.yaml")
    with pytest.raises(InputError, match="a.yaml: its Monte Carlo draws gave figures too large to hold"):
        portfolio_range([a], draws=3)


def test_a_folder_without_parameters_files_and_a_file_are_refused(tmp_path):
    with pytest.raises(InputError, match="holds no parameters files"):
        load_contracts(tmp_path)
    with pytest.raises(InputError, match="is not a folder of parameters files"):
        load_contracts(PARAMS / "lcc-care-at-home.yaml")


def copy_examples(folder, names=None):
    """Example parameters files in ``folder``, their data files by absolute path."""
    folder.mkdir(exist_ok=True)
    for p in sorted(PARAMS.glob("*.yaml")):
        if names is None or p.stem in names:
            (folder / p.name).write_text(p.read_text().replace("../data/", f"{ROOT / 'data'}/"))
    return folder


def test_a_refused_contract_refuses_the_portfolio_naming_file_row_and_column(tmp_path):
    folder = copy_examples(tmp_path / "params")
    source = ROOT / "data" / "examples" / "lcc-school-catering"
    shutil.copytree(source, tmp_path / "catering")
    bad_map = tmp_path / "catering" / "impact_map.csv"
    frame = pd.read_csv(bad_map, dtype=str)
    frame.loc[1, "deadweight"] = "lots"
    frame.to_csv(bad_map, index=False)
    yaml_file = folder / "lcc-school-catering.yaml"
    yaml_file.write_text(yaml_file.read_text().replace(str(source / "impact_map.csv"), str(bad_map)))
    with pytest.raises(InputError) as exc:
        load_contracts(folder)
    text = "\n".join(map(str, exc.value.problems))
    assert "impact_map.csv, row 3, column 'deadweight'" in text and "lots" in text, text


def test_two_files_with_one_contract_id_are_refused(tmp_path):
    folder = copy_examples(tmp_path / "params", {"lcc-care-at-home"})
    shutil.copy(folder / "lcc-care-at-home.yaml", folder / "zz-copy.yaml")
    with pytest.raises(InputError) as exc:
        load_contracts(folder)
    assert [str(p) for p in exc.value.problems] == [
        "zz-copy.yaml, key 'contract_id': gives the contract_id 'lcc-care-at-home', as lcc-care-at-home.yaml does. "
        "Give each contract its own contract_id."]


class FakeFuture:
    def __init__(self, status, error=None):
        self.status, self.error = status, error

    def exception(self):
        return self.error


class KilledWorker(Exception):
    """Named as Dask's."""


class FakeClient:
    """A cluster whose every task is lost for good, and whose workers run this sroi (or not)."""

    def __init__(self, differing=False):
        self.differing = differing
        self.cancelled = []

    def run(self, function, *args, on_error="raise"):
        mine = function(*args)  # each worker's fingerprint, as this computer's
        return {"tcp://10.0.0.9:4000": {**mine, "sroi": "0.0.0"} if self.differing else mine}

    def map(self, function, items, **kw):  # what a run shares (kept): sent as tasks
        return [function(x) for x in items]

    def submit(self, *args, **kw):
        return FakeFuture("error", KilledWorker("gone"))

    def gather(self, futures):
        raise KilledWorker("gone")

    def cancel(self, futures):
        self.cancelled += futures


def test_a_task_lost_for_good_names_the_contract_and_its_draws(examples):
    client = FakeClient()
    with pytest.raises(RunFailed, match=r"draws 1 to 200 of the contract lcc-care-at-home \(.*\) were not valued: "
                                        r"the workers running it stopped"):
        portfolio_draws(examples, draws=400, chunk_size=200, client=client)
    assert len(client.cancelled) == (2 + 2) * len(examples)  # two chunks of draws and two shared values a contract


def test_workers_running_other_sroi_code_are_refused():
    with pytest.raises(InputError, match="the worker tcp://10.0.0.9:4000 runs sroi 0.0.0"):
        preflight(FakeClient(differing=True), {}, kernel=None)
    preflight(FakeClient(), {}, kernel=None)  # the same code: no refusal (the kernel is not asked for)


class CancelledError(Exception):
    """Named as Dask's."""


def test_why_a_task_was_lost_in_plain_words():
    assert lost_reason(KilledWorker("x")).startswith("the workers running it stopped before it finished")
    assert lost_reason(CancelledError("x")).startswith("the cluster dropped it")
    assert lost_reason(ValueError("bad\n  thing")) == "the cluster could not run it (ValueError: bad thing)"
