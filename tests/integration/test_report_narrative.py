"""The report's narrative sections and assurance-readiness checklist, end to end: real papermill runs of the report
notebook through `sroi run --checklist`, read back from report.html."""

from __future__ import annotations

import html as htmllib
import re
import shutil

import pytest

from sroi_lib.cli import main
from sroi_lib.reports.params import NARRATIVE_KEYS, load_params
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

SECTIONS = ("Executive summary", "Headline figures", "Scope", "Stakeholders", "Theory of change",
            "Outcomes, indicators and evidence", "Valuation", "Materiality", "Adjustments", "Calculation",
            "How sure is this figure?", "Verification", "Limitations", "Conclusions and recommendations",
            "Assurance-readiness checklist")


def headings(page: str) -> list[str]:
    """The text of every h2 and h3 heading, in order."""
    found = re.findall(r"<h([23])[^>]*>(.*?)</h\1>", page, flags=re.S)
    return [htmllib.unescape(re.sub(r"<[^>]+>", "", text)).replace("¶", "").strip() for _, text in found]


def visible(page: str) -> str:
    """The page's text with tags removed and entities decoded (spaces collapsed)."""
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_a_report_follows_the_assessed_structure_and_ends_with_the_checklist(tmp_path, capsys):
    params = ROOT / "parameters" / "lcc-care-at-home.yaml"
    code = main(["run", str(params), "--out", str(tmp_path), "--checklist"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Assurance-readiness checklist for Care at home" in out and "MET         1. Involve stakeholders" in out

    page = (tmp_path / "lcc-care-at-home" / "report.html").read_text(encoding="utf-8")
    assert re.search(r"<title>Care at home</title>", page)  # the tab is titled with the contract, not "Notebook"
    found = headings(page)
    positions = [found.index(section) for section in SECTIONS]
    assert positions == sorted(positions), found  # in the order an assessor reads them
    assert "Delivery against commitments" in found  # this contract records commitments
    assert found[-1] == "Assurance-readiness checklist"

    text = visible(page)
    assert "Every £1 invested returns £1.90 of social value (present value)." in text
    assert "The three biggest outcomes" in text and "Negative outcomes (disbenefits)" in text
    assert re.search(r'class="[^"]*\bsroi-toc\b', page) and "→" in text  # the theory of change, as an HTML table
    assert load_params(params).stakeholders_involved.split(".")[0] in text  # the narrative, as written
    assert re.search(r"\d+ of 18 points met, \d+ partly met, \d+ missing\.", text)
    assert "1.2 Stakeholders involved in defining outcomes" in text
    assert "Not given: add" not in text  # every narrative key of the example is given


def test_a_contract_without_narrative_or_commitments_says_what_to_add_and_has_no_delivery_section(tmp_path):
    src = ROOT / "parameters" / "lcc-employment-support-grant.yaml"
    shutil.copytree(ROOT / "data" / "examples" / "lcc-employment-support-grant", tmp_path / "data")
    kept, skipping = [], False
    for line in src.read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            skipping = line.split(":", 1)[0] in NARRATIVE_KEYS
        if not skipping:
            kept.append(line)
    text = "\n".join(kept).replace("../data/examples/lcc-employment-support-grant/", "data/")
    text = text.replace("title: Employment support grant", "title: Employment <support> & grant")
    params = tmp_path / "grant.yaml"
    params.write_text(text + "\n")
    assert load_params(params).commitments is None and load_params(params).limitations is None

    assert main(["run", str(params), "--out", str(tmp_path / "reports")]) == 0
    page = (tmp_path / "reports" / "lcc-employment-support-grant" / "report.html").read_text(encoding="utf-8")
    assert "<title>Employment &lt;support&gt; &amp; grant</title>" in page
    found = headings(page)
    assert "Delivery against commitments" not in found and "Delivery" not in visible(page)
    for section in SECTIONS:
        assert section in found, section
    body = visible(page)
    for key, what in NARRATIVE_KEYS.items():
        assert f"Not given: add {key} to the contract's parameters file, saying {what} (docs/reports.md)." in body
    assert "No negative outcome (disbenefit) is valued in the impact map. Say in materiality" in body
    assert "add 'verification' to the parameters" in body  # the checklist says what is missing
