"""A portfolio's range: ``sroi sensitivity FOLDER``, the Monte Carlo and one-way sensitivity of every contract of a
folder together, each kind of contract apart, here or split into chunks on a Dask cluster (``--scheduler``).

**Contracts.** Every parameters file of the folder (:func:`~sroi_lib.reports.params.parameters_files`, as ``sroi
batch`` finds them) is read, checked and valued on this computer (:func:`~sroi_lib.reports.contract.load_contract`);
a contract refused refuses the whole command, every problem of every file listed, since a portfolio's range
without one of its contracts would be wrong. Each contract's model (:meth:`~sroi_lib.core.uncertainty.Model.
from_valuation`: its lines and inputs as arrays) and its uncertain assumptions are what the draws need; on a cluster
they are what travels to the workers, by value (never a path to read there).

**Seeding.** Contract ``c``'s draws come from its own seed, derived from the portfolio's seed ``S`` (``--seed``,
default :data:`~sroi_lib.reports.uncertainty_spec.DEFAULT_SEED`) and its ``contract_id`` by a fixed hash::

    seed_c = first 8 bytes of sha256("S:contract_id"), as a big-endian whole number, shifted right by 11 bits

(53 bits: a seed a contract's own parameters may hold, so ``sroi sensitivity FILE --seed seed_c`` gives the same
draws of that contract). Contracts are independent of each other, and portfolio draw ``k`` is, for each contract,
its own draw ``k`` (:func:`~sroi_lib.core.uncertainty.monte_carlo_chunk`, whose numbers depend only on (seed_c,
the assumption's stream, k)). Nothing depends on the order of the files, the number of workers or the chunk size.

**The range of a kind.** Kinds of contract are never pooled (:func:`~sroi_lib.reports.portfolio.kind_label`:
illustrative or real, forecast or evaluation). For kind ``K`` and draw ``k``, summed over its contracts in
``contract_id`` order::

    PV_K,k     = Σ_c PV_c,k          inputs_K,k = Σ_c I_c,k          ratio_K,k = PV_K,k ÷ inputs_K,k

A contract whose parameters give no distributions adds its central present value and inputs to every draw. Each
kind's summary is :meth:`~sroi_lib.core.uncertainty.MonteCarlo.summary` of its draws (5th, 50th and 95th
percentiles and mean of the ratio and of the present value, the share of draws below 1); each contract's own
percentiles of ``PV_c,k ÷ I_c,k`` are given beside.

**The portfolio tornado** (:func:`portfolio_tornado`): which single assumption of which contract moves a kind's
ratio most. From contract ``c``'s one-way table (:func:`~sroi_lib.core.uncertainty.one_way`), an assumption moved
changes the contract's present value to ``PV_c'`` and its inputs to ``I_c'``, so::

    ratio_K' = (PV_K − PV_c + PV_c') ÷ (I_K − I_c + I_c')

    a line's assumption:  I_c' = I_c,  PV_c' = ratio_c' × I_c   so  ratio_K' = (PV_K + (ratio_c' − ratio_c) × I_c) ÷ I_K
    the contract's inputs: PV_c' = PV_c, I_c' = the inputs tried   so  ratio_K' = PV_K ÷ (I_K − I_c + I_c')

with ``PV_K``, ``I_K`` the kind's central totals. A contract's discount schedule is left out: its one-way row gives
the ratio alone, not how its present value and inputs each move.

**Execution** (:func:`portfolio_draws`). Without a Dask client the chunks are valued here, one after another. With
one, each contract's model and uncertain assumptions are sent once, as tasks the cluster makes again when their
worker dies (:func:`~sroi_lib.reports.distributed.kept`), then one task per (contract, chunk of ``chunk_size``
draws), gathered in order. A task is a pure function of
what it is sent, so a task whose worker died and which the scheduler gives to another worker gives the same numbers;
a task lost for good (Dask's ``KilledWorker``) stops the command, naming the contract and the draws. Before any work,
every worker must run the same sroi code as this computer (its draws would differ otherwise).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..core.records import json_records
from ..core.uncertainty import (DEFAULT_CHUNK, DEFAULT_DRAWS, MAX_DRAWS, Model, MonteCarlo, Uncertain,
                                monte_carlo_chunk, one_way)
from ..errors import InputError, Problem, RunFailed
from .uncertainty import DEFAULT_SEED, MAX_CHUNK_CELLS, TORNADO_SIZE

__all__ = ["PortfolioContract", "PortfolioRange", "contract_seed", "load_contracts", "portfolio_draws",
           "portfolio_range", "portfolio_sensitivity", "portfolio_tornado"]


def contract_seed(seed: int, contract_id: str) -> int:
    """A contract's own seed in a portfolio run: the first 8 bytes of sha256 of ``"seed:contract_id"`` (UTF-8) as a
    big-endian whole number, shifted right by 11 bits (53 bits).

    >>> contract_seed(20261130, "lcc-care-at-home") == int.from_bytes(
    ...     hashlib.sha256(b"20261130:lcc-care-at-home").digest()[:8], "big") >> 11
    True
    """
    digest = hashlib.sha256(f"{int(seed)}:{contract_id}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") >> 11


@dataclass(frozen=True)
class PortfolioContract:
    """One contract of a portfolio run: what its draws and its one-way sensitivity need.

    ``kind`` is :func:`~sroi_lib.reports.portfolio.kind_label`; ``sensitivity`` its :func:`one_way` table.
    """

    contract_id: str
    kind: str
    model: Model
    uncertain: tuple[Uncertain, ...] = ()
    correlations: Mapping[str, float] = field(default_factory=dict)
    sensitivity: pd.DataFrame | None = None
    file: str = ""
    title: str = ""

    @property
    def present_value(self) -> float:
        return float(self.model.present_value())

    @property
    def inputs(self) -> float:
        return float(self.model.total_inputs())

    def one_way(self) -> pd.DataFrame:
        """Its one-way table (with the default ranges when none was given)."""
        return self.sensitivity if self.sensitivity is not None else one_way(self.model)


def load_contracts(folder: str | Path, *, target: float | None = None) -> list[PortfolioContract]:
    """Every contract of a folder, checked and valued here, sorted by ``contract_id``.

    Raises
    ------
    InputError
        A folder that is not one or holds no parameters files; every problem of every contract refused; two
        files giving the same ``contract_id`` (their draws would be the same).
    """
    from .contract import load_contract
    from .params import parameters_files
    from .portfolio import kind_label

    path = Path(folder)
    if not path.is_dir():
        raise InputError(Problem("is not a folder of parameters files", file=str(path)))
    files = parameters_files(path)
    if not files:
        raise InputError(Problem("holds no parameters files (*.yaml)", file=str(path),
                                 fix="Give the folder of the contracts' parameters files, such as parameters/."))
    problems: list[Problem] = []
    found: dict[str, PortfolioContract] = {}
    for file in files:
        try:
            # The contract's own Monte Carlo is not needed (the portfolio draws its own, from seed_c): one draw
            run = load_contract(file, uncertainty={"draws": 1, "target": target})
        except InputError as exc:
            problems += exc.problems
            continue
        p, spec = run.params, run.uncertainty.spec
        if p.contract_id in found:
            problems.append(Problem(f"gives the contract_id '{p.contract_id}', as {Path(found[p.contract_id].file).name}"
                                    " does", file=str(file), column="contract_id",
                                    fix="Give each contract its own contract_id."))
            continue
        found[p.contract_id] = PortfolioContract(
            contract_id=p.contract_id, kind=kind_label(p.illustrative, p.analysis_type),
            model=Model.from_valuation(run.valuation), uncertain=tuple(spec.uncertain),
            correlations=dict(spec.correlations), sensitivity=run.uncertainty.sensitivity, file=str(file),
            title=p.title)
    if problems:
        raise InputError(problems)
    return [found[k] for k in sorted(found)]


def _chunk(model: Model, uncertain_and_correlations: tuple, seed: int, first: int, count: int):
    """A Dask task: :func:`~sroi_lib.core.uncertainty.monte_carlo_chunk` of one contract."""
    uncertain, correlations = uncertain_and_correlations
    return monte_carlo_chunk(model, uncertain, seed=seed, first=first, count=count, correlations=correlations)


def _chunks(c: PortfolioContract, draws: int, chunk_size: int) -> list[tuple[int, int]]:
    """(first, count) of each chunk of a contract; a chunk is cut to :data:`MAX_CHUNK_CELLS` draws × lines (memory,
    never the numbers)."""
    size = max(1, min(chunk_size, MAX_CHUNK_CELLS // max(1, c.model.lines)))
    return [(first, min(size, draws - first)) for first in range(0, draws, size)]


def portfolio_draws(contracts: Sequence[PortfolioContract], *, seed: int = DEFAULT_SEED, draws: int = DEFAULT_DRAWS,
                    chunk_size: int = DEFAULT_CHUNK, client=None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each contract's draws: ``{contract_id: (present_values, inputs)}``, arrays of length ``draws``.

    Contract ``c``'s draws are :func:`~sroi_lib.core.uncertainty.monte_carlo_chunk` with seed
    :func:`contract_seed` ``(seed, c)``, in chunks of ``chunk_size`` draws: here, or as Dask tasks on ``client``'s
    cluster (module notes). The same numbers, to the last bit, either way and for any chunk size.

    Raises
    ------
    InputError
        Draws or chunk size out of range; a worker running other sroi code
        (:func:`~sroi_lib.reports.distributed.preflight`, without the notebook kernel: the draws need none).
    RunFailed
        A task the cluster lost for good, naming the contract and its draws.
    """
    if not 1 <= draws <= MAX_DRAWS:
        raise InputError(Problem(f"the number of draws must be from 1 to {MAX_DRAWS:,}, not {draws:,}",
                                 fix=f"Give a number of draws such as {DEFAULT_DRAWS:,}."))
    if chunk_size < 1:
        raise InputError(Problem(f"the chunk size must be 1 or more, not {chunk_size}"))
    ordered = sorted(contracts, key=lambda c: c.contract_id)
    parts: dict[str, list] = {}
    if client is None:
        for c in ordered:
            s = contract_seed(seed, c.contract_id)
            parts[c.contract_id] = [monte_carlo_chunk(c.model, c.uncertain, seed=s, first=first, count=count,
                                                      correlations=c.correlations)
                                    for first, count in _chunks(c, draws, chunk_size)]
    else:
        parts = _on_cluster(client, ordered, seed, draws, chunk_size)
    return {cid: (np.concatenate([pv for pv, _ in got]), np.concatenate([i for _, i in got]))
            for cid, got in parts.items()}


def _on_cluster(client, ordered, seed: int, draws: int, chunk_size: int) -> dict[str, list]:
    from .distributed import kept, lost_reason, preflight

    preflight(client, {}, kernel=None)  # the same sroi code everywhere, or the draws could differ
    run = uuid.uuid4().hex[:8]
    tasks = []  # (contract, first, count, future)
    sent = []
    try:
        sent = kept(client, [x for c in ordered for x in (c.model, (tuple(c.uncertain), dict(c.correlations)))],
                    [f"sroi-portfolio-{run}-{c.contract_id}-{part}" for c in ordered for part in ("model", "risks")])
        for i, c in enumerate(ordered):
            model, assumptions = sent[2 * i], sent[2 * i + 1]
            s = contract_seed(seed, c.contract_id)
            for first, count in _chunks(c, draws, chunk_size):
                future = client.submit(_chunk, model, assumptions, s, first, count, pure=False,
                                       key=f"sroi-portfolio-{run}-{c.contract_id}-{first}")
                tasks.append((c, first, count, future))
        try:
            results = client.gather([f for *_, f in tasks])
        except Exception as exc:
            for c, first, count, future in tasks:
                if future.status in ("error", "cancelled", "lost"):
                    why = lost_reason(future.exception() if future.status == "error" else exc)
                    raise RunFailed(f"draws {first + 1:,} to {first + count:,} of the contract {c.contract_id} "
                                    f"({c.file}) were not valued: {why}") from None
            raise RunFailed(f"the portfolio's draws were not valued: {lost_reason(exc)}") from None
    finally:
        client.cancel([f for *_, f in tasks] + list(sent))
    parts: dict[str, list] = {c.contract_id: [] for c in ordered}
    for (c, *_), result in zip(tasks, results):
        parts[c.contract_id].append(result)
    return parts


def portfolio_tornado(contracts: Sequence[PortfolioContract], top: int = TORNADO_SIZE) -> pd.DataFrame:
    """The ``top`` single assumptions, of any contract of one kind, that move the kind's ratio most (module notes
    for the formula), largest swing first.

    Returns
    -------
    DataFrame
        ``contract_id``, ``assumption``, ``row``, ``label``, ``base``, ``low``, ``high`` (the contract's one-way
        values), ``contract_ratio_low``, ``contract_ratio_high``, ``ratio_low``, ``ratio_high`` (the kind's ratio) and
        ``swing`` (``|ratio_high − ratio_low|``).
    """
    ordered = sorted(contracts, key=lambda c: c.contract_id)
    pv_k = sum(c.present_value for c in ordered)
    in_k = sum(c.inputs for c in ordered)
    frames = []
    for c in ordered:
        t = c.one_way()
        t = t[t["assumption"] != "discounting"].copy()
        inputs = t["assumption"] == "inputs"
        pv_c, in_c = c.present_value, c.inputs
        with np.errstate(divide="ignore", invalid="ignore"):
            for end in ("low", "high"):
                ratio_c = t[f"ratio_{end}"].astype(float)
                moved_pv = np.where(inputs, pv_c, ratio_c * in_c)
                moved_in = np.where(inputs, pd.to_numeric(t[end], errors="coerce"), in_c)
                t[f"contract_ratio_{end}"] = ratio_c
                t[f"ratio_{end}"] = (pv_k - pv_c + moved_pv) / (in_k - in_c + moved_in)
        t.insert(0, "contract_id", c.contract_id)
        frames.append(t)
    columns = ["contract_id", "assumption", "row", "label", "base", "low", "high", "contract_ratio_low",
               "contract_ratio_high", "ratio_low", "ratio_high", "swing"]
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)
    out["swing"] = (out["ratio_high"] - out["ratio_low"]).abs()
    return out.sort_values("swing", ascending=False, kind="stable").head(top).reset_index(drop=True)[columns]


@dataclass
class PortfolioRange:
    """The result of :func:`portfolio_range`: the contracts, each one's draws, and per kind the summed draws."""

    seed: int
    draws: int
    chunk_size: int
    contracts: list[PortfolioContract]
    contract_draws: dict[str, tuple[np.ndarray, np.ndarray]] = field(repr=False)
    target: float = 1.0

    @property
    def kinds(self) -> list[str]:
        return sorted({c.kind for c in self.contracts})

    def of_kind(self, kind: str) -> list[PortfolioContract]:
        return [c for c in self.contracts if c.kind == kind]

    @property
    def lines(self) -> int:
        return sum(c.model.lines for c in self.contracts)

    def kind_draws(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """The kind's draws: ``(Σ_c PV_c,k, Σ_c I_c,k)``, summed in ``contract_id`` order."""
        pv, inputs = np.zeros(self.draws), np.zeros(self.draws)
        for c in self.of_kind(kind):
            pv = pv + self.contract_draws[c.contract_id][0]
            inputs = inputs + self.contract_draws[c.contract_id][1]
        return pv, inputs

    def kind_monte_carlo(self, kind: str) -> MonteCarlo:
        pv, inputs = self.kind_draws(kind)
        return MonteCarlo(seed=self.seed, draws=self.draws, ratios=pv / inputs, present_values=pv, target=self.target)

    def contract_summary(self, c: PortfolioContract) -> dict:
        """A contract's figures within the run: its seed, central ratio and the percentiles of its own draws."""
        pv, inputs = self.contract_draws[c.contract_id]
        r = pv / inputs
        return {"contract_id": c.contract_id, "title": c.title, "file": c.file, "kind": c.kind,
                "lines": int(c.model.lines), "uncertain_assumptions": len(c.uncertain),
                "seed": contract_seed(self.seed, c.contract_id), "present_value": c.present_value,
                "inputs": c.inputs, "base_ratio": c.present_value / c.inputs,
                "p5": float(np.percentile(r, 5)), "p50": float(np.percentile(r, 50)),
                "p95": float(np.percentile(r, 95))}

    def kind_summary(self, kind: str) -> dict:
        cs = self.of_kind(kind)
        pv, inputs = sum(c.present_value for c in cs), sum(c.inputs for c in cs)
        lines = sum(c.model.lines for c in cs)
        return {"kind": kind, "contracts": [c.contract_id for c in cs], "lines": lines,
                "line_draws": lines * self.draws, "present_value": pv, "inputs": inputs, "base_ratio": pv / inputs,
                "monte_carlo": self.kind_monte_carlo(kind).summary(),
                "tornado": json_records(portfolio_tornado(cs))}

    def to_dict(self) -> dict:
        """JSON-ready: ``seed``, ``draws``, ``chunk_size``, ``contracts``, ``lines``, ``line_draws``, ``kinds`` (each
        with its contracts, central figures, ``monte_carlo`` summary and ``tornado``) and ``by_contract``."""
        return {"seed": int(self.seed), "draws": int(self.draws), "chunk_size": int(self.chunk_size),
                "contracts": len(self.contracts), "lines": self.lines, "line_draws": self.lines * self.draws,
                "kinds": [self.kind_summary(k) for k in self.kinds],
                "by_contract": [self.contract_summary(c) for c in self.contracts]}


def portfolio_range(contracts: Sequence[PortfolioContract], *, seed: int = DEFAULT_SEED, draws: int = DEFAULT_DRAWS,
                    chunk_size: int = DEFAULT_CHUNK, target: float = 1.0, client=None) -> PortfolioRange:
    """The portfolio's draws (:func:`portfolio_draws`) and their summaries per kind (:class:`PortfolioRange`).

    Raises
    ------
    InputError
        As :func:`portfolio_draws`; and draws giving figures too large to hold, naming the contract.
    """
    ordered = sorted(contracts, key=lambda c: c.contract_id)
    got = portfolio_draws(ordered, seed=seed, draws=draws, chunk_size=chunk_size, client=client)
    bad = [c for c in ordered if not (np.isfinite(got[c.contract_id][0]).all() and np.isfinite(got[c.contract_id][1]).all())]
    if bad:
        raise InputError([Problem("its Monte Carlo draws gave figures too large to hold (the present value or the "
                                  "inputs overflowed)", file=c.file or c.contract_id,
                                  fix="Check its distributions for a figure far beyond any real one.") for c in bad])
    return PortfolioRange(seed=int(seed), draws=int(draws), chunk_size=int(chunk_size), contracts=ordered,
                          contract_draws=got, target=float(target))


def portfolio_sensitivity(folder: str | Path, *, seed: int | None = None, draws: int | None = None,
                          chunk_size: int | None = None, target: float | None = None,
                          scheduler: str | None = None) -> PortfolioRange:
    """``sroi sensitivity FOLDER [--scheduler ADDRESS]``: :func:`load_contracts` here, then :func:`portfolio_range`
    (``None``: the defaults), on the Dask cluster at ``scheduler`` when one is given
    (:func:`~sroi_lib.reports.distributed.connect`, after the contracts are read, so a refused contract is named
    before any cluster is reached; Dask is imported only then).

    Raises
    ------
    InputError
        As :func:`load_contracts`, :func:`portfolio_range` and :func:`~sroi_lib.reports.distributed.connect`.
    RunFailed
        As :func:`portfolio_draws`.
    """
    contracts = load_contracts(folder, target=target)
    client = None
    if scheduler is not None:
        from .distributed import connect

        client = connect(scheduler)
    try:
        return portfolio_range(contracts, seed=DEFAULT_SEED if seed is None else seed,
                               draws=DEFAULT_DRAWS if draws is None else draws,
                               chunk_size=DEFAULT_CHUNK if chunk_size is None else chunk_size,
                               target=1.0 if target is None else target, client=client)
    finally:
        if client is not None:
            client.close()
