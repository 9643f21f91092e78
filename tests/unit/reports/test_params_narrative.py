"""The narrative keys of a parameters file (docs/reports.md, "The narrative"): optional text, refused when not text."""

from __future__ import annotations

import shutil

import pytest

from sroi_lib.errors import InputError
from sroi_lib.reports.params import KEYS, NARRATIVE_KEYS, load_params
from tests.conftest import ROOT

REQUIRED_NARRATIVE = ("scope", "stakeholders_involved", "excluded_stakeholders", "materiality", "limitations",
                      "verification", "conclusions")


def copy(tmp_path, extra: str = "", drop=()):
    """The employment support grant's parameters beside a copy of its data, with lines added or keys dropped."""
    shutil.copytree(ROOT / "data" / "examples" / "lcc-employment-support-grant", tmp_path / "data")
    text = (ROOT / "parameters" / "lcc-employment-support-grant.yaml").read_text()
    text = text.replace("../data/examples/lcc-employment-support-grant/", "data/")
    kept, skipping = [], False
    for line in text.splitlines():
        key = line.split(":", 1)[0]
        if not line.startswith((" ", "#")) and line.strip():
            skipping = key in drop
        if not skipping:
            kept.append(line)
    path = tmp_path / "p.yaml"
    path.write_text("\n".join(kept) + "\n" + extra)
    return path


def test_the_narrative_keys_are_optional_text_parameters():
    assert set(REQUIRED_NARRATIVE) <= set(NARRATIVE_KEYS)
    for key in NARRATIVE_KEYS:
        kind, required, help_ = KEYS[key]
        assert kind is str and not required and help_ == NARRATIVE_KEYS[key]


def test_each_shipped_example_gives_every_narrative_key_marked_illustrative():
    for path in sorted((ROOT / "parameters").glob("*.yaml")):
        params = load_params(path)
        for key in NARRATIVE_KEYS:
            assert getattr(params, key).startswith("ILLUSTRATIVE: "), (path.name, key)


def test_without_narrative_keys_the_parameters_are_read_with_none(tmp_path):
    params = load_params(copy(tmp_path, drop=NARRATIVE_KEYS))
    assert all(getattr(params, key) is None for key in NARRATIVE_KEYS)


@pytest.mark.parametrize("value, words", [("[small sample, one year]", "a list is not text"),
                                          ("12", "12 is not text"), ("{a: b}", "is not text")])
def test_a_narrative_key_that_is_not_text_is_refused_naming_the_key_and_its_line(tmp_path, value, words):
    path = copy(tmp_path, drop=("limitations",), extra=f"limitations: {value}\n")
    with pytest.raises(InputError) as caught:
        load_params(path)
    (problem,) = caught.value.problems
    line = path.read_text().splitlines().index(f"limitations: {value}") + 1
    assert problem.column == "limitations" and problem.row == line and words in problem.message
    assert problem.fix == f"Give {NARRATIVE_KEYS['limitations']}."
