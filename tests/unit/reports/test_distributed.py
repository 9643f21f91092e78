"""The checks of sroi batch --scheduler that need no cluster: what a worker must share with this computer."""

from __future__ import annotations

import copy
import socket
import sys
from pathlib import Path

import pytest

from sroi_lib.cli import main
from sroi_lib.errors import InputError
from sroi_lib.reports import distributed
from sroi_lib.reports.distributed import (MAX_SHOWN, bundle, code_files, fingerprint, mismatches,
                                          run_bundle_on_worker, shared_inputs)
from tests.conftest import ROOT

PARAMS = ROOT / "parameters"
WORKER = "tcp://10.0.0.7:40123"


@pytest.fixture(scope="module")
def inputs():
    return shared_inputs()


@pytest.fixture(scope="module")
def mine(inputs):
    return fingerprint(inputs)


def test_the_shared_inputs_are_the_whole_data_folder(inputs):
    assert inputs["proxies/health_and_care.csv in sroi's data folder"] == "proxies/health_and_care.csv"
    assert inputs["settings.yaml in sroi's data folder"] == "settings.yaml"
    # every one a file of the data folder, by its path inside it: a contract's own files travel with it
    assert all(label == f"{rel} in sroi's data folder" and not Path(rel).is_absolute() and ".." not in rel
               for label, rel in inputs.items())


def test_a_contract_travels_with_every_file_it_names_and_a_batch_theme_with_its_logo():
    theme = ROOT / "data" / "themes" / "example-council.yaml"
    sent = bundle(PARAMS / "lcc-care-at-home.yaml", theme)
    assert Path(sent.base) == ROOT.resolve() and sent.params == "parameters/lcc-care-at-home.yaml"
    assert sent.theme == "data/themes/example-council.yaml"
    assert sorted(Path(rel).name for rel in sent.files) == sorted([
        "lcc-care-at-home.yaml", "impact_map.csv", "inputs.csv", "commitments.csv", "returns.xlsx",
        "example-council.yaml", "example-crest.png"])
    assert sent.files["data/examples/lcc-care-at-home/returns.xlsx"] == (
        ROOT / "data/examples/lcc-care-at-home/returns.xlsx").read_bytes()
    assert sent.git["commit"] is None or len(sent.git["commit"]) == 40


def test_a_parameters_file_that_cannot_be_read_is_refused_before_it_is_sent(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("contract_id: [unclosed\n")
    with pytest.raises(InputError) as caught:
        bundle(bad)
    assert str(caught.value.problems[0]).startswith("bad.yaml, line 1, key 'contract_id': the parameters file is not valid")


def test_a_report_made_from_a_bundle_carries_the_sending_computers_paths(tmp_path):
    sent = bundle(PARAMS / "lcc-school-catering.yaml")
    status, detail, files = run_bundle_on_worker(sent, (False, "sroi", 600, False, False))
    assert status == "done" and detail["contract_id"] == "lcc-school-catering"
    import json

    manifest = json.loads(files["manifest.json"])
    assert manifest["inputs"]["parameters"]["path"] == "parameters/lcc-school-catering.yaml"
    assert manifest["git"] == sent.git
    assert distributed._unlike_sent(files, sent.hashes()) is None
    changed = dict(sent.hashes(), **{"parameters/lcc-school-catering.yaml": "0" * 64})
    assert "the parameters it was made from" in distributed._unlike_sent(files, changed)


def test_this_computer_agrees_with_itself(mine, inputs):
    assert mine["kernel"] is True and set(mine["inputs"]) == set(inputs)
    assert "sroi_lib/reports/distributed.py" in mine["code"] and "notebooks/contract_report.ipynb" in mine["code"]
    assert set(code_files()) == set(mine["code"])
    assert mismatches(WORKER, mine, copy.deepcopy(mine)) == []


def test_each_difference_names_the_worker_and_the_file(mine):
    theirs = copy.deepcopy(mine)
    theirs["sroi"] = "0.0.9"
    theirs["code"]["sroi_lib/reports/runner.py"] = "0" * 64
    theirs["kernel"] = False
    label = "proxies/wellbeing.csv in sroi's data folder"
    theirs["inputs"][label] = "f" * 64
    missing = "settings.yaml in sroi's data folder"
    theirs["inputs"][missing] = None
    found = mismatches(WORKER, mine, theirs)
    assert found == [
        f"the worker {WORKER} runs sroi 0.0.9, this computer sroi {mine['sroi']}",
        f"the worker {WORKER} runs other sroi code than this computer: sroi_lib/reports/runner.py differs",
        f"the worker {WORKER} has no Jupyter kernel 'sroi' (run `make setup` there, or python -m ipykernel install "
        "--sys-prefix --name sroi)",
        f"the worker {WORKER} sees a different {label} (sha256 ffffffffffff... there, "
        f"{mine['inputs'][label][:12]}... here)",
        f"the worker {WORKER} cannot read {missing}",
    ]


def test_many_differing_inputs_are_counted_not_all_listed(mine):
    theirs = copy.deepcopy(mine)
    theirs["inputs"] = {label: "0" * 64 for label in mine["inputs"]}
    found = mismatches(WORKER, mine, theirs)
    assert len(found) == MAX_SHOWN + 1
    assert found[-1] == f"the worker {WORKER} differs in {len(mine['inputs']) - MAX_SHOWN} more input files"


def test_a_worker_without_sroi_is_named(mine):
    found = mismatches(WORKER, mine, ModuleNotFoundError("No module named 'sroi_lib'"))
    assert found == [f"the worker {WORKER} cannot run sroi's check (ModuleNotFoundError: No module named "
                     "'sroi_lib'); is sroi installed there?"]


def test_a_file_unreadable_here_is_left_to_the_contracts_run():
    gone = "no-such-folder/gone.csv in sroi's data folder"
    found = fingerprint({gone: "no-such-folder/gone.csv"})
    assert found["inputs"] == {gone: None}
    assert mismatches(WORKER, found, {**found, "inputs": {}}) == []


def test_a_worker_unlike_the_batchs_computer_runs_no_contract(tmp_path, inputs, mine):
    # A worker that joined after the check: its first contract compares it with the computer that sent the batch.
    theirs = copy.deepcopy(mine)
    label = "proxies/wellbeing.csv in sroi's data folder"
    theirs["inputs"][label] = "0" * 64  # what the batch's computer saw; this process sees the real file
    sent = bundle(PARAMS / "lcc-school-catering.yaml")
    status, detail, files = run_bundle_on_worker(sent, (False, "sroi", 600, False, False),
                                                 ("batch-1", inputs, theirs, "sroi"))
    assert (status, files) == ("failed", None)
    assert detail.startswith(f"the worker running it sees a different {label} (sha256 ")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_is_refused_plainly(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 2)
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    code = main(["batch", str(PARAMS), "--out", str(tmp_path / "out"), "--scheduler", address])
    err = capsys.readouterr().err
    assert code == 2 and f"no Dask scheduler answered at {address} within 2 seconds" in err
    assert "Traceback" not in err and not any(p.is_dir() for p in (tmp_path / "out").iterdir())


def test_an_address_that_is_not_a_schedulers_is_refused_plainly(tmp_path, capsys):
    code = main(["batch", str(PARAMS), "--out", str(tmp_path / "out"), "--scheduler", "nonsense://x"])
    err = capsys.readouterr().err
    assert code == 2
    assert "'nonsense://x' is not a Dask scheduler's address (unknown address scheme 'nonsense'" in err


def test_without_dask_the_scheduler_option_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # as if Dask were not installed
    code = main(["batch", str(PARAMS), "--out", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:8786"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--scheduler needs Dask, which is not installed here" in err and "sroi[distributed]" in err


def test_workers_and_scheduler_together_are_refused(tmp_path, capsys):
    code = main(["batch", str(PARAMS), "--out", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:8786",
                 "--workers", "2"])
    assert code == 2
    assert "--workers sets the processes on this computer" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_scheduler_without_workers_is_refused(monkeypatch):
    from distributed import LocalCluster

    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 1)
    with LocalCluster(n_workers=0, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None) as empty:
        with pytest.raises(InputError) as caught:
            distributed.connect(empty.scheduler_address)
    assert str(caught.value.problems[0]).startswith(f"the Dask scheduler at {empty.scheduler_address} has no workers")


class ClusterOf:
    """A stand-in for a Client whose workers answer the preflight with the given fingerprints."""

    def __init__(self, answers: dict):
        self.answers = answers

    def run(self, function, *args, on_error="raise"):
        assert function is fingerprint and on_error == "return"
        return self.answers


def test_the_preflight_refuses_a_batch_naming_each_difference(inputs, mine):
    other = copy.deepcopy(mine)
    other["sroi"] = "9.9"
    with pytest.raises(InputError) as caught:
        distributed.preflight(ClusterOf({"tcp://a:1": copy.deepcopy(mine), "tcp://b:2": other}), inputs)
    assert [p.message for p in caught.value.problems] == [f"the worker tcp://b:2 runs sroi 9.9, this computer sroi "
                                                          f"{mine['sroi']}"]
    assert "the same sroi installation as this computer, with the same data folder" in caught.value.problems[0].fix
    assert distributed.preflight(ClusterOf({"tcp://a:1": copy.deepcopy(mine)}), inputs) == mine


def test_a_file_in_sroi_data_folder_apart_from_the_contract_cannot_travel_with_it(tmp_path):
    text = (PARAMS / "lcc-school-catering.yaml").read_text().replace("../data/", f"{ROOT / 'data'}/")
    params = tmp_path / "lcc-school-catering.yaml"
    params.write_text(text)
    with pytest.raises(InputError) as caught:
        bundle(params)
    problem = caught.value.problems[0]
    assert problem.file == str(params)
    assert (f"{(ROOT / 'data/examples/lcc-school-catering/impact_map.csv').resolve()} lies in sroi's data folder, "
            "apart from the contract's other files") in str(problem)
