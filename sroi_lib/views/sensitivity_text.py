"""The plain-text view of a contract's uncertainty analysis, printed by ``sroi sensitivity``.

Only formatting: every figure comes from :class:`~sroi_lib.reports.uncertainty.Analysis`. The sentence
first, then the tornado (the ten assumptions that move the ratio most), the tipping points that exist, the
Monte Carlo range and the scenarios side by side, in pounds and plain words.
"""

from __future__ import annotations


from . import formatting as fmt

__all__ = ["sensitivity_text", "portfolio_sensitivity_text", "range_table", "assumption_figure"]


def assumption_figure(assumption: str, x) -> str:
    """One assumption's figure in its own units (:func:`~sroi_lib.views.formatting.assumption_value`).

    >>> assumption_figure("deadweight", 0.3), assumption_figure("value", 4123.9777)
    ('30%', '£4,123.98')
    >>> assumption_figure("quantity", 41.25), assumption_figure("start_year", 2.0)
    ('41.25', 'year 2')
    """
    return fmt.assumption_value(assumption, x)


def _what(assumption: str) -> str:
    return assumption.replace("_", "-" if assumption == "drop_off" else " ")


def sensitivity_text(analysis, title: str) -> str:
    """What ``sroi sensitivity`` prints for an :class:`~sroi_lib.reports.uncertainty.Analysis` of ``title``."""
    a, spec = analysis, analysis.spec
    target = f"{spec.target:g}"
    out = [f"Sensitivity of {title}", "", a.sentence(), ""]
    out += [f"What moves the ratio most: the {len(a.tornado)} assumptions with the widest swing, each moved on its "
            "own with the others held",
            fmt.text_table(["Assumption", "Line", "Now", "Moved to", "Ratio", "Swing"],
                           [[_what(r.assumption), r.label, assumption_figure(r.assumption, r.base),
                             f"{assumption_figure(r.assumption, r.low)} to {assumption_figure(r.assumption, r.high)}",
                             f"{r.ratio_low:,.2f} to {r.ratio_high:,.2f}", f"{r.swing:,.2f}"]
                            for r in a.tornado.itertuples()], right={2, 4, 5}, max_width=48)]
    tips = a.tipping[~a.tipping["never"]]
    never = int(a.tipping["never"].sum())
    out += ["", f"Tipping points: the value at which the ratio reaches {target} : 1, each assumption on its own"]
    if tips.empty:
        out.append(f"None: no assumption on its own, within its valid range, brings the ratio to {target}.")
    else:
        out.append(fmt.text_table(["Assumption", "Line", "Now", f"Ratio {target} at", "Which way"],
                                  [[_what(r.assumption), r.label, assumption_figure(r.assumption, r.base),
                                    assumption_figure(r.assumption, r.tipping), r.direction]
                                   for r in tips.itertuples()], right={2, 3}, max_width=48))
    if never:
        out.append(f"{never} other assumption{'s' if never != 1 else ''} never bring{'s' if never == 1 else ''} the "
                   f"ratio to {target} on {'their' if never != 1 else 'its'} own, whatever value in "
                   f"{'their' if never != 1 else 'its'} valid range.")
    out += [""]
    if a.monte_carlo is None:
        out.append("Monte Carlo range: not run (the parameters give no distributions; see docs/uncertainty.md).")
    else:
        s = a.monte_carlo.summary()
        out += [f"Monte Carlo range: {s['draws']:,} draws of the uncertain assumptions (seed {s['seed']})",
                range_table(s),
                f"The ratio is below 1 in {fmt.percent(s['prob_below_1'], 1)} of draws"
                + (f", and below the target {target} in {fmt.percent(s['prob_below_target'], 1)}."
                   if spec.target != 1 else ".")]
    out += ["", "Scenarios, valued side by side",
            fmt.text_table(["Scenario", "Present value", "Inputs", "SROI ratio", "NPV", "What changes"],
                           [[r.scenario, fmt.money(r.present_value, pence=False),
                             fmt.money(r.total_inputs, pence=False), fmt.ratio(r.sroi_ratio),
                             fmt.money(r.npv, pence=False), r.description]
                            for r in a.scenarios.itertuples()], right={1, 2, 3, 4}, max_width=120)]
    return "\n".join(out)


def range_table(s: dict) -> str:
    """A Monte Carlo summary (:meth:`~sroi_lib.core.uncertainty.MonteCarlo.summary`) as a table: the ratio and
    the present value at the 5th percentile, median, 95th percentile and mean."""
    pv = s["present_value"]
    return fmt.text_table(["Figure", "5th percentile", "Median", "95th percentile", "Mean"],
                          [["SROI ratio", fmt.ratio(s["p5"]), fmt.ratio(s["p50"]), fmt.ratio(s["p95"]),
                            fmt.ratio(s["mean"])],
                           ["Present value", *(fmt.money(pv[k], pence=False) for k in ("p5", "p50", "p95", "mean"))]],
                          right={1, 2, 3, 4})


def portfolio_sensitivity_text(result, folder: str) -> str:
    """What ``sroi sensitivity FOLDER`` prints for a :class:`~sroi_lib.reports.portfolio_uncertainty.PortfolioRange`:
    what was valued, then each kind of contract apart (never pooled): its central ratio, its Monte Carlo range, its
    contracts' own ranges within the run and the assumptions that move its ratio most."""
    d = result.to_dict()
    kinds = d["kinds"]
    out = [f"Sensitivity of the portfolio in {folder}", "",
           f"Valued: {d['contracts']:,} contract{'s' if d['contracts'] != 1 else ''} of {len(kinds)} kind"
           f"{'s' if len(kinds) != 1 else ''} ({', '.join(k['kind'] for k in kinds)}), {d['lines']:,} lines; "
           f"{d['draws']:,} draws (seed {d['seed']}), so {d['line_draws']:,} line-draws (lines × draws).",
           "Kinds of contract are never pooled into one ratio: each kind has its own range."]
    by_id = {c["contract_id"]: c for c in d["by_contract"]}
    for k in kinds:
        s = k["monte_carlo"]
        n = len(k["contracts"])
        out += ["", f"{k['kind']}: {n} contract{'s' if n != 1 else ''}, {k['lines']:,} lines, "
                f"{k['line_draws']:,} line-draws",
                f"Central: present value {fmt.money(k['present_value'], pence=False)} ÷ inputs "
                f"{fmt.money(k['inputs'], pence=False)} = {fmt.ratio(k['base_ratio'])}",
                range_table(s),
                f"The ratio is below 1 in {fmt.percent(s['prob_below_1'], 1)} of draws.",
                "Each contract's own range in these draws",
                fmt.text_table(["Contract", "Central", "5th percentile", "Median", "95th percentile", "Uncertain"],
                               [[cid, fmt.ratio(by_id[cid]["base_ratio"]), fmt.ratio(by_id[cid]["p5"]),
                                 fmt.ratio(by_id[cid]["p50"]), fmt.ratio(by_id[cid]["p95"]),
                                 f"{by_id[cid]['uncertain_assumptions']} assumptions"
                                 if by_id[cid]["uncertain_assumptions"] else "none (central figures)"]
                                for cid in k["contracts"]], right={1, 2, 3, 4}),
                f"What moves the {k['kind'].lower()} ratio most: one assumption of one contract moved, all else held",
                fmt.text_table(["Contract", "Assumption", "Line", "Now", "Moved to", "Kind's ratio", "Swing"],
                               [[r["contract_id"], _what(r["assumption"]), r["label"], assumption_figure(r["assumption"], r["base"]),
                                 f"{assumption_figure(r['assumption'], r['low'])} to "
                                 f"{assumption_figure(r['assumption'], r['high'])}",
                                 f"{r['ratio_low']:,.2f} to {r['ratio_high']:,.2f}", f"{r['swing']:,.2f}"]
                                for r in k["tornado"]], right={3, 5, 6}, max_width=40)]
    return "\n".join(out)
