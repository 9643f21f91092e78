"""Who benefits, in words: the sentence for a cabinet member and the tables for a terminal.

The figures come from :func:`sroi_lib.core.who_benefits.who_benefits`; nothing is computed here but their
wording. Shares are of the whole present value, unknown lines included.
"""

from __future__ import annotations

from ..core.who_benefits import UNKNOWN
from . import formatting as fmt

__all__ = ["who_sentence", "weighted_sentence", "who_text", "absent_text", "basis_words"]

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
        out += f" The value placed is {lean} (concentration index {ci:+.2f}; -0.9 would be all in the most deprived tenth)."
    return out


def weighted_sentence(who) -> str:
    """The distributionally weighted figures beside the unweighted ones, in a sentence."""
    x = who.distributional
    low, high = x["sensitivity"]
    ratio = x["weighted_sroi_ratio"]
    out = (f"Counting a pound to a low-income household for more than a pound to a high-income one, as HM "
           f"Treasury's Green Book asks (distributional weights, eta {x['eta']:g}), the value is "
           f"{fmt.money(x['weighted_present_value'], pence=False)} against {fmt.money(x['present_value'], pence=False)} "
           "unweighted")
    if ratio is not None and x["sroi_ratio"] is not None:
        out += (f": a weighted ratio of {fmt.ratio(ratio)} beside the unweighted {fmt.ratio(x['sroi_ratio'])}"
                f" ({fmt.ratio(low['weighted_sroi_ratio'])} at eta {low['eta']:g}, "
                f"{fmt.ratio(high['weighted_sroi_ratio'])} at eta {high['eta']:g})")
    out += (". The unweighted figures remain the headline. Lines of unknown income and fiscal savings (which go "
            "to the public purse) count at weight 1.")
    return out


def absent_text(reason: str) -> str:
    """Why there is no who-benefits section: ``reason`` from the results (``who_benefits_absent``)."""
    return f"Who benefits is not shown: {reason}."


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

