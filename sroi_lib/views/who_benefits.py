"""Who benefits, in words: the sentences for a cabinet member, the tables for a terminal and for the report.

The figures come from :func:`sroi_lib.core.who_benefits.who_benefits`; nothing is computed here but their
wording. Shares are of the whole present value, unknown lines included.

The report's section "Who benefits" (``notebooks/contract_report.ipynb``) shows :func:`summary_markdown` and
:func:`figures_table`, the charts :func:`~sroi_lib.views.plots.decile_chart` and
:func:`~sroi_lib.views.plots.ward_chart`, then :func:`weights_markdown` with :func:`weights_table` and
:func:`lines_markdown` with :func:`lines_table`. Each takes a :class:`~sroi_lib.reports.contract.ContractRun`;
when its impact map gives no place for any line (``run.who`` is None) the opening says why and the rest shows
nothing. No plotting library is imported here, so ``sroi value`` stays quick.
"""

from __future__ import annotations

import re

import pandas as pd

from ..core.who_benefits import UNKNOWN
from . import formatting as fmt

__all__ = ["who_sentence", "weighted_sentence", "who_text", "absent_text", "basis_words", "summary_markdown",
           "figures_table", "weights_markdown", "weights_table", "lines_markdown", "lines_table"]

BASIS_WORDS = {
    "LSOA": "placed by its LSOA",
    "ward profile": "spread over deprivation deciles by its ward's population-weighted profile",
    "stated decile": "in the IMD decile the impact map states",
    UNKNOWN: "not placed: the impact map gives no place for it",
}


def basis_words(basis: str) -> str:
    """How a line was placed, in words (``basis`` as :class:`~sroi_lib.core.who_benefits.Placed` gives it)."""
    return ", and ".join(BASIS_WORDS.get(b.strip(), b) for b in str(basis).split(","))


def who_sentence(who) -> str:
    """Where the value lands, in a sentence or two a cabinet member can read.

    Examples of the wording: "Of £1,604,244 of social value, £155,000 (10%) reaches people in the 10% most
    deprived areas of England and £1,318,000 (82%) the 20% most deprived. £253,000 (16%) cannot be placed:
    the impact map gives no place for those lines."
    """
    d = who.by_imd_decile
    total = float(d["present_value"].sum())
    if total <= 0:
        return ("The value is £0 or less once disbenefits are taken off, so no share of it can be said to reach "
                "any area.")
    first = float(d.loc[d["imd_decile"] == 1, "present_value"].sum())
    second = first + float(d.loc[d["imd_decile"] == 2, "present_value"].sum())
    unknown = float(d.loc[d["imd_decile"] == UNKNOWN, "present_value"].sum())
    out = (f"Of {fmt.money(total, pence=False)} of social value, {fmt.money(first, pence=False)} "
           f"({fmt.percent(who.share_most_deprived_10)}) reaches people in the 10% most deprived areas of England "
           f"and {fmt.money(second, pence=False)} ({fmt.percent(who.share_most_deprived_20)}) the 20% most "
           "deprived.")
    if unknown:
        out += (f" {fmt.money(unknown, pence=False)} ({fmt.percent(who.share_unknown)}) cannot be placed: the "
                "impact map gives no place for those lines (often the public purse or society at large).")
    ci = who.concentration_index
    if ci is not None:
        lean = ("concentrated in the more deprived areas" if ci < -0.05 else
                "concentrated in the less deprived areas" if ci > 0.05 else "spread about evenly across areas")
        out += (f" The value placed is {lean} (concentration index {ci:+.2f}; -0.9 would be all in the most "
                "deprived tenth).")
    return out


def weighted_sentence(who) -> str:
    """The distributionally weighted figures beside the unweighted ones, in a sentence or two.

    Example of the wording: "With the Green Book's distributional weights, which count a pound to a low-income
    household for more than a pound to a high-income one (HM Treasury, Annex A3; eta 1.3), the value is
    £3,893,154 against £1,604,244 unweighted: a weighted ratio of 4.33 : 1 beside the unweighted 1.78 : 1. With
    gentler weights (eta 0.8) the weighted ratio is 3.03 : 1; with steeper ones (eta 2), 7.23 : 1. ..."
    """
    x = who.distributional
    low, high = x["sensitivity"]
    ratio = x["weighted_sroi_ratio"]
    out = ("With the Green Book's distributional weights, which count a pound to a low-income household for more "
           f"than a pound to a high-income one (HM Treasury, Annex A3; eta {x['eta']:g}), the value is "
           f"{fmt.money(x['weighted_present_value'], pence=False)} against "
           f"{fmt.money(x['present_value'], pence=False)} unweighted")
    if ratio is not None and x["sroi_ratio"] is not None:
        out += (f": a weighted ratio of {fmt.ratio(ratio)} beside the unweighted {fmt.ratio(x['sroi_ratio'])}. "
                f"With gentler weights (eta {low['eta']:g}) the weighted ratio is "
                f"{fmt.ratio(low['weighted_sroi_ratio'])}; with steeper ones (eta {high['eta']:g}), "
                f"{fmt.ratio(high['weighted_sroi_ratio'])}")
    else:
        out += (f" ({fmt.money(low['weighted_present_value'], pence=False)} at eta {low['eta']:g}, "
                f"{fmt.money(high['weighted_present_value'], pence=False)} at eta {high['eta']:g})")
    out += (". The unweighted figures remain the headline. Lines of unknown income and fiscal savings (which go "
            "to the public purse) count at weight 1.")
    return out


def absent_text(reason: str) -> str:
    """Why there is no who-benefits breakdown, as a sentence: ``reason`` from the results
    (``who_benefits_absent``, :data:`~sroi_lib.reports.contract.NO_PLACE_DATA`), capitalised, with a full stop."""
    reason = str(reason).strip().rstrip(".")
    return f"{reason[:1].upper()}{reason[1:]}."


def who_text(who) -> str:
    """Who benefits for a terminal (``sroi value``): the sentences, then value by decile, ward and income
    quintile, and the weights."""
    out = ["Who benefits", who_sentence(who), "", weighted_sentence(who), ""]
    d = who.by_imd_decile
    out += ["Value by deprivation decile of the area (1 = most deprived 10% of England)", fmt.text_table(
        ["IMD decile", "Present value", "Share"],
        [[str(r.imd_decile), fmt.money(r.present_value), fmt.percent(r.share)] for r in d.itertuples()],
        right={1, 2})]
    w = who.by_ward
    out += ["", "Value by ward", fmt.text_table(
        ["Ward", "Present value", "Share", "How placed"],
        [[r.ward, fmt.money(r.present_value), fmt.percent(r.share), r.basis] for r in w.itertuples()],
        right={1, 2}, max_width=40)]
    q = who.by_income_quintile
    x = who.distributional
    low, high = x["sensitivity"]
    out += ["", "Value by income quintile (1 = lowest fifth: as stated on the line, else the area's income deprivation), with the Green Book's weights",
            fmt.text_table(
                ["Income quintile", "Present value", "Share", f"Weight (eta {x['eta']:g})",
                 f"at {low['eta']:g}", f"at {high['eta']:g}"],
                [[str(r.income_quintile), fmt.money(r.present_value), fmt.percent(r.share),
                  *(f"{s['weights'][str(r.income_quintile)]:.2f}" if r.income_quintile != UNKNOWN else "1.00"
                    for s in (x, low, high))] for r in q.itertuples()],
                right={1, 2, 3, 4, 5})]
    out += ["", f"Places: {who.lookup_source}.", f"Incomes: {x['income_source']}."]
    return "\n".join(out)



# -- the report's section "Who benefits" (notebooks/contract_report.ipynb) ------------------------------------------
# Each function takes a ContractRun; with no place data in the impact map (``run.who`` is None) the tables are None
# and the Markdown is empty, except the opening, which says why the section has nothing more.

PLACED_BY = {"LSOA": "its LSOA", "ward profile": "its ward's profile", "stated decile": "the IMD decile stated",
             UNKNOWN: "not placed"}
INCOME_FROM = {"stated quintile": "the income quintile stated", "area (LSOA)": "its LSOA's income deprivation",
               "area (ward profile)": "its ward's income profile", UNKNOWN: "not known"}


def summary_markdown(run) -> str:
    """The section's opening as Markdown: where the value lands (:func:`who_sentence`) and the weighted figures
    beside the unweighted ones (:func:`weighted_sentence`); or, when the impact map gives no place for any line,
    why there is nothing more to show (:data:`~sroi_lib.reports.contract.NO_PLACE_DATA`, :func:`absent_text`)."""
    who = run.who
    if who is None:
        from ..reports.contract import NO_PLACE_DATA

        return f"**Not shown for this contract.** {fmt.markdown_text(absent_text(NO_PLACE_DATA))}"
    return f"{fmt.markdown_text(who_sentence(who))}\n\n{fmt.markdown_text(weighted_sentence(who))}"


def _ratio(x) -> str:
    return "n/a (no inputs)" if x is None else fmt.ratio(x)


def figures_table(run):
    """The present value and SROI ratio unweighted and with the Green Book's distributional weights, at the
    central eta and at each sensitivity eta: columns Unweighted and Weighted, one row per figure. None without
    place data.

        weighted present value = sum over lines of present value x weight; weighted ratio = that / total inputs
    """
    if run.who is None:
        return None
    x = run.who.distributional
    low, high = x["sensitivity"]
    pv, ratio = fmt.money(x["present_value"], pence=False), _ratio(x["sroi_ratio"])
    rows = []
    for s, words in ((x, "the Green Book's"), (low, "gentler weights"), (high, "steeper weights")):
        rows += [(f"Present value (eta {s['eta']:g}, {words})", pv,
                  fmt.money(s["weighted_present_value"], pence=False)),
                 (f"SROI ratio (eta {s['eta']:g}, {words})", ratio, _ratio(s["weighted_sroi_ratio"]))]
    table = pd.DataFrame(rows, columns=["Figure", "Unweighted", "Weighted"]).set_index("Figure")
    table.index.name = None  # one heading row, not a second row holding the index's name
    return table


def weights_markdown(run) -> str:
    """The heading and introduction of the weights by income quintile, with where the incomes and the places
    come from; empty without place data."""
    who = run.who
    if who is None:
        return ""
    x = who.distributional
    t = fmt.markdown_text
    return ("### Weights by household income\n\n"
            "Each line's value goes to the income quintile (fifth of households by income) the impact map states for "
            "it or, when it states none, to its area's: the income deprivation of its LSOA, or of its ward's "
            "population-weighted profile. The Green Book's weight of a quintile is (median household income ÷ the "
            f"quintile's income) to the power eta, {x['eta']:g} here, with {x['sensitivity'][0]['eta']:g} and "
            f"{x['sensitivity'][1]['eta']:g} as sensitivity tests. A line whose income is not known, and a fiscal "
            "saving (which goes to the public purse), count at weight 1.\n\n"
            f"**Incomes:** {t(x['income_source'])}{_address(x.get('income_source_url'))}. "
            f"**Places:** {t(who.lookup_source)}.")


def weights_table(run):
    """Present value, share and the distributional weight (at eta and its two sensitivity values) of each income
    quintile, with the quintile's income; a last row for value whose income is not known. None without place
    data."""
    if run.who is None:
        return None
    q, x = run.who.by_income_quintile, run.who.distributional
    low, high = x["sensitivity"]
    names = {1: "1 (lowest income)", 5: "5 (highest income)", UNKNOWN: "Income not known"}
    rows = []
    for r in q.itertuples():
        key = str(r.income_quintile)
        known = r.income_quintile != UNKNOWN
        rows.append({
            "Income quintile": names.get(r.income_quintile, key),
            "Median income of the quintile": fmt.money(x["incomes"][key], pence=False) if known else "",
            "Present value": fmt.money(r.present_value, pence=False), "Share": fmt.percent(r.share),
            **{f"Weight at eta {s['eta']:g}": f"{s['weights'][key]:.2f}" if known else "1.00" for s in (x, low, high)},
        })
    return _one_heading_row(pd.DataFrame(rows).set_index("Income quintile"))


def lines_markdown(run) -> str:
    """The heading and introduction of the table of how each line was placed; empty without place data."""
    if run.who is None:
        return ""
    return ("### How each line was placed\n\n"
            "Each line of the impact map: the ward it is in, how its deprivation was found (by its LSOA; by its "
            "ward's profile, which spreads its value over the IMD deciles by the share of the ward's people "
            "(Census 2021) living in areas of each decile; or by the decile the map states), where its income "
            f"quintile comes from, and the weight its value gets at eta {run.who.distributional['eta']:g}.")


def lines_table(run):
    """Each line: row, stakeholder, outcome, ward, how its deprivation was found (naming the LSOA or the decile
    the map gives), where its income quintile comes from, and its weight (a fiscal line, or one of unknown income,
    at 1, saying which). None without place data."""
    if run.who is None:
        return None
    w = run.who.lines
    map_lines = run.valuation.lines  # the same lines, in the same order
    lsoa = _column(map_lines, "lsoa")
    decile = _column(map_lines, "imd_decile")
    fiscal = _column(map_lines, "value_type").str.lower() == "fiscal"
    placed = []
    for i, basis in enumerate(w["place_basis"]):
        words = " and ".join(PLACED_BY.get(b.strip(), b) for b in str(basis).split(","))
        if basis == "LSOA" and lsoa.iloc[i]:
            words = f"its LSOA, {lsoa.iloc[i].upper()}"
        elif basis == "stated decile" and decile.iloc[i]:
            words = f"the IMD decile stated, {_whole(decile.iloc[i])}"
        placed.append(words)
    weights = []
    for i, (weight, income) in enumerate(zip(w["weight"], w["income_basis"])):
        if fiscal.iloc[i]:
            weights.append(f"{weight:.2f} (a fiscal saving)")
        elif income == UNKNOWN:
            weights.append(f"{weight:.2f} (income not known)")
        else:
            weights.append(f"{weight:.2f}")
    return pd.DataFrame({
        "Row": w["row"].to_numpy(), "Stakeholder": w["stakeholder"].to_numpy(), "Outcome": w["outcome"].to_numpy(),
        "Ward": ["not given" if x == UNKNOWN else x for x in w["ward"]], "Deprivation from": placed,
        "Income quintile from": [INCOME_FROM.get(b, b) for b in w["income_basis"]], "Weight": weights,
    }).set_index("Row").pipe(_one_heading_row)


def _column(lines, name: str):
    """A column of the valued lines as stripped text ("" where blank or missing)."""
    if name not in lines.columns:
        return pd.Series([""] * len(lines), index=lines.index)
    return lines[name].map(lambda v: "" if v is None or v != v else str(v).strip()).reset_index(drop=True)


def _address(url) -> str:
    """``, at ADDRESS`` (as text, escaped: a report's links to other sites open in a new tab, which Markdown
    cannot ask for; the address printed also reads on paper), or nothing when there is none."""
    address = "" if url is None else str(url).strip()
    return f", at {fmt.markdown_text(address)}" if re.fullmatch(r"https?://\S+", address) else ""


def _whole(text: str) -> str:
    """A whole number read back as text (``"2.0"`` → ``"2"``); other text as it is."""
    try:
        number = float(text)
    except ValueError:
        return text
    return f"{number:.0f}" if number == int(number) else text


def _one_heading_row(table: pd.DataFrame) -> pd.DataFrame:
    """The index's name moved to the heading row's first cell (pandas shows ``columns.name`` there), so the
    table has one heading row, not a second holding the index's name."""
    table.columns.name, table.index.name = table.index.name, None
    return table
