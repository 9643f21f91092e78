"""Synthetic portfolios for the benchmarks: copies of the shipped example contracts (illustrative figures)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def synthetic_portfolio(folder: Path, copies: int) -> Path:
    """``copies`` copies of each example contract in ``folder/parameters``, each under its own contract_id
    (``<id>-01``, ``<id>-02``, ...), with the examples' data copied to ``folder/data`` so that the parameters'
    relative paths hold (and each contract's files can travel with it to a cluster's worker). Returns
    ``folder/parameters``."""
    shutil.copytree(ROOT / "data" / "examples", folder / "data" / "examples")
    params = folder / "parameters"
    params.mkdir()
    for p in sorted((ROOT / "parameters").glob("*.yaml")):
        text = p.read_text(encoding="utf-8")
        for i in range(1, copies + 1):
            copy = re.sub(r"(?m)^contract_id:\s*(\S+)", lambda m: f"contract_id: {m.group(1)}-{i:02d}", text, count=1)
            (params / f"{p.stem}-{i:02d}.yaml").write_text(copy, encoding="utf-8")
    return params
