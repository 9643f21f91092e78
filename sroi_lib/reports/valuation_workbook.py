"""The valuation as a workbook of live formulas (``sroi value ... --xlsx FILE``), to check the arithmetic in Excel.

Every figure sroi works out is a formula over cells that hold the data it
starts from, so a finance officer can follow and check each step in Excel
without Python (docs/method.md gives the formulas):

* **Outcome lines**: one row per line. The data as read (value per unit and its
  price year, the GDP deflator in that year and in the analysis year, with the
  series' source, quantity, deadweight, displacement, attribution, drop-off,
  start year, duration), then formulas: re-pricing factor ``= D[P] ÷ D[p]``,
  value per unit ``= value × factor``, impact ``= quantity × value per unit ×
  (1 − deadweight) × (1 − displacement) × (1 − attribution)``, last year,
  the value before discounting and the present value (the sums of the line's
  row on the two sheets by year), and the impact counted for payback (the
  impact of a line that starts in year 1).
* **Value by year**: a line × year grid. A line's first year is its impact
  (× (1 − drop-off) when drop-off applies from the first year); each later
  year is the year before × (1 − drop-off). Years outside the line are blank.
* **Present value by year**: the same grid × each year's discount factor.
* **Discount factors**: one row per year from 0: the schedule's rate for the
  year (data, with the schedule's source), the factor ``DF(t) = DF(t − 1) ÷
  (1 + r_t)`` from ``DF(0) = 1``, and the factor used: ``DF(t)``, or
  ``DF(t − 1)`` when the first year is not discounted. Figures already
  discounted by their authors have a rate of 0 in every year, so every factor is 1.
* **Inputs**: each input's value × the factor of the year it is spent.
* **Summary** (first): present value, total inputs, NPV, SROI ratio, net SROI
  ratio, value before discounting, first-year impact, payback, and the present
  value of the benefits and of the disbenefits apart (the lines marked
  ``yes`` in the Outcome lines' Disbenefit column, whose value per unit is
  below zero), each a formula, beside the figure sroi printed and the
  difference.

The workbook is written row by row (openpyxl's write-only mode), so a large map
needs little memory; text from the user's files is stored as text
(:func:`~sroi_lib.io.safe.safe_xlsx_cell`), never as a formula.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..control.returns import style_header
from ..io.cells import column_letter
from ..io.safe import check_output_path, safe_xlsx_cell, save_workbook, write_atomically

__all__ = ["write_valuation_workbook", "SUMMARY_SHEET", "LINES_SHEET", "VALUES_SHEET", "PRESENT_SHEET",
           "FACTORS_SHEET", "INPUTS_SHEET", "SUMMARY_FIGURES", "LINE_COLUMNS", "FIRST_FIGURE_ROW"]

SUMMARY_SHEET, LINES_SHEET, VALUES_SHEET = "Summary", "Outcome lines", "Value by year"
PRESENT_SHEET, FACTORS_SHEET, INPUTS_SHEET = "Present value by year", "Discount factors", "Inputs"
MONEY, PERCENT, FACTOR, RATIO, INDEX = "£#,##0.00", "0.0%", "0.000000", "0.00", "0.000"
YEAR_HEADER = '"Year "0'

# The figures of the Summary sheet, in order: (key in Valuation.summary(), label). Row FIRST_FIGURE_ROW onwards.
SUMMARY_FIGURES = (
    ("present_value", "Present value of outcomes"),
    ("total_inputs", "Total inputs"),
    ("npv", "Net present value (NPV)"),
    ("sroi_ratio", "SROI ratio (£ of value for each £1 invested)"),
    ("net_sroi_ratio", "Net SROI ratio"),
    ("undiscounted_value", "Value before discounting"),
    ("annual_impact", "First-year impact (lines starting in year 1)"),
    ("payback_months", "Payback (months)"),
    ("gross_benefits", "Benefits (present value of the lines that are not disbenefits)"),
    ("gross_disbenefits", "Disbenefits (present value of the disbenefit lines)"),
)
FIRST_FIGURE_ROW = 7

# The columns of the Outcome lines sheet: (key, header, note). Keys are Valuation.lines columns, or the
# workbook's own (deflator_from, deflator_to, payback_impact, engine_pv, difference).
LINE_COLUMNS = (
    ("row", "Row in the impact map", "The row of the line in the impact map (the header is row 1)."),
    ("stakeholder", "Stakeholder", "Who experiences the outcome."),
    ("outcome", "Outcome", "What changes for them."),
    ("proxy_id", "Proxy id", "The proxy in the library that values the line (blank: a value of the map's own)."),
    ("source", "Source of the value", "Where the value per unit comes from."),
    ("source_url", "Source address", "The web address of the source."),
    ("value", "Value per unit as stated (£)", "The value per unit in the prices of its own year (data); below "
     "zero for a disbenefit (a proxy's value taken as a loss)."),
    ("disbenefit", "Disbenefit", "yes: a negative outcome, whose value counts against the total (data)."),
    ("price_year", "Price year of that value", "The year whose prices the value is in (data)."),
    ("deflator_from", "GDP deflator in that year", "HM Treasury's GDP deflator index in the value's price year "
     "(data; the series is named on the Summary sheet)."),
    ("deflator_to", "GDP deflator in the analysis year", "HM Treasury's GDP deflator index in the analysis price "
     "year (data)."),
    ("reprice_factor", "Re-pricing factor", "Formula: GDP deflator in the analysis year ÷ GDP deflator in the "
     "value's price year."),
    ("value_per_unit", "Value per unit in analysis-year prices (£)", "Formula: value as stated × re-pricing factor."),
    ("quantity", "Quantity", "How many (data)."),
    ("deadweight", "Deadweight", "The share that would have happened anyway (data)."),
    ("displacement", "Displacement", "The share that only moves value from elsewhere (data)."),
    ("attribution", "Attribution", "The share due to others (data)."),
    ("impact", "Impact in its first year (£)", "Formula: quantity × value per unit × (1 − deadweight) × "
     "(1 − displacement) × (1 − attribution)."),
    ("drop_off", "Drop-off", "The yearly fall in the value (data)."),
    ("start_year", "Start year", "The year the outcome starts: 1 = during the activity (data)."),
    ("duration", "Duration (years)", "How many years the outcome lasts (data)."),
    ("end_year", "Last year", "Formula: start year + duration − 1."),
    ("undiscounted_value", "Value before discounting (£)", f"Formula: the sum of the line's row on the "
     f"'{VALUES_SHEET}' sheet."),
    ("present_value", "Present value (£)", f"Formula: the sum of the line's row on the '{PRESENT_SHEET}' sheet."),
    ("payback_impact", "Impact counted for payback (£)", "Formula: the impact when the line starts in year 1, "
     "else 0 (the payback uses the first year's impact)."),
    ("engine_pv", "Present value printed by sroi (£)", "The figure sroi printed (data), to check the formula "
     "against."),
    ("difference", "Difference (£)", "Formula: present value here − present value printed by sroi."),
)
_LINE_FORMATS = {"value": MONEY, "deflator_from": INDEX, "deflator_to": INDEX, "reprice_factor": FACTOR,
                 "value_per_unit": MONEY, "deadweight": PERCENT, "displacement": PERCENT, "attribution": PERCENT,
                 "impact": MONEY, "drop_off": PERCENT, "undiscounted_value": MONEY, "present_value": MONEY,
                 "payback_impact": MONEY, "engine_pv": MONEY, "difference": MONEY}
_LINE_WIDTHS = {"stakeholder": 28, "outcome": 32, "proxy_id": 30, "source": 36, "source_url": 30}


def _letters() -> dict[str, str]:
    return {key: column_letter(i) for i, (key, _, _) in enumerate(LINE_COLUMNS)}


def write_valuation_workbook(path: str | Path, valuation, *, title: str = "") -> Path:
    """Write ``valuation`` as a workbook whose cells are live formulas reproducing every figure.

    Parameters
    ----------
    path : str or Path
        The workbook to write (.xlsx), written whole or not at all.
    valuation : Valuation
        From :func:`~sroi_lib.core.valuation.value`.
    title : str
        What was valued (the impact map's file name), for the Summary's heading.

    Returns
    -------
    Path
        The workbook written.
    """
    from openpyxl import Workbook

    path = check_output_path(path, suffixes=(".xlsx",), option="--xlsx")
    v = valuation
    lines, inputs = v.lines.reset_index(drop=True), v.inputs.reset_index(drop=True)
    horizon = int(max([1, *lines["end_year"].tolist(), *inputs["year"].tolist()]))
    wb = Workbook(write_only=True)
    _summary(wb.create_sheet(SUMMARY_SHEET), v, title, len(lines), len(inputs))
    _lines(wb.create_sheet(LINES_SHEET), v, lines, horizon)
    _grid(wb.create_sheet(VALUES_SHEET), v, lines, horizon, present=False)
    _grid(wb.create_sheet(PRESENT_SHEET), v, lines, horizon, present=True)
    _factors(wb.create_sheet(FACTORS_SHEET), v, horizon)
    _inputs(wb.create_sheet(INPUTS_SHEET), inputs)
    return write_atomically(path, lambda tmp: save_workbook(wb, tmp), what="valuation workbook")


def _cell(ws, value, number_format: str | None = None, *, bold: bool = False, note: str = ""):
    """A write-only cell: text stored as text (never a formula), numbers with their format."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    cell = WriteOnlyCell(ws)
    if isinstance(value, str):
        safe_xlsx_cell(cell, value)
    else:
        cell.value = value
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    if note:
        comment = Comment(note, "sroi")
        comment.width, comment.height = 300, 120
        cell.comment = comment
    return cell


def _formula(ws, text: str, number_format: str | None = None, *, bold: bool = False):
    """A write-only cell holding the formula ``text`` (sroi's own, never text from a file)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cell = WriteOnlyCell(ws, value=text)
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    return cell


def _header(ws, cells: list) -> None:
    style_header(cells)
    ws.append(cells)


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _row_number(value):
    return None if value is None or pd.isna(value) else int(value)


def _ref(sheet: str, cell: str) -> str:
    return f"'{sheet}'!{cell}"


def _summary(ws, v, title: str, n_lines: int, n_inputs: int) -> None:
    """The headline figures as formulas over the other sheets, beside sroi's figures."""
    c = _letters()
    first, last = 2, n_lines + 1
    col = lambda key: f"'{LINES_SHEET}'!${c[key]}${first}:${c[key]}${last}"  # noqa: E731
    inputs_pv = f"'{INPUTS_SHEET}'!$G$2:$G${n_inputs + 1}"
    row = {key: FIRST_FIGURE_ROW + i for i, (key, _) in enumerate(SUMMARY_FIGURES)}
    b = {key: f"B{r}" for key, r in row.items()}
    formulas = {
        "present_value": f"=SUM({col('present_value')})",
        "total_inputs": f"=SUM({inputs_pv})",
        "npv": f"={b['present_value']}-{b['total_inputs']}",
        "sroi_ratio": f"={b['present_value']}/{b['total_inputs']}",
        "net_sroi_ratio": f"=({b['present_value']}-{b['total_inputs']})/{b['total_inputs']}",
        "undiscounted_value": f"=SUM({col('undiscounted_value')})",
        "annual_impact": f"=SUM({col('payback_impact')})",
        "payback_months": f'=IF({b["annual_impact"]}>0,{b["total_inputs"]}/({b["annual_impact"]}/12),"no payback")',
        "gross_benefits": f'=SUMIF({col("disbenefit")},"no",{col("present_value")})',
        "gross_disbenefits": f'=SUMIF({col("disbenefit")},"yes",{col("present_value")})',
    }
    how = {
        "present_value": f"The sum of the present value of every line ('{LINES_SHEET}' sheet).",
        "total_inputs": f"The sum of the inputs' present values ('{INPUTS_SHEET}' sheet): inputs spent after year 0 "
                        "are discounted.",
        "npv": "Present value of outcomes − total inputs.",
        "sroi_ratio": "Present value of outcomes ÷ total inputs.",
        "net_sroi_ratio": "(Present value of outcomes − total inputs) ÷ total inputs.",
        "undiscounted_value": f"The sum of every line's value in every year before discounting ('{LINES_SHEET}').",
        "annual_impact": "The sum of the first-year impact of the lines that start in year 1.",
        "payback_months": "Total inputs ÷ (first-year impact ÷ 12); none when the first-year impact is £0.",
        "gross_benefits": f"The sum of the present value of the lines that are not disbenefits ('{LINES_SHEET}').",
        "gross_disbenefits": f"The sum of the present value of the disbenefit lines ('{LINES_SHEET}'): 0 or below. "
                             "Benefits + disbenefits = present value of outcomes.",
    }
    formats = {"sroi_ratio": RATIO, "net_sroi_ratio": RATIO, "payback_months": "0.0"}
    figures = v.summary()
    d = v.deflators
    for letter, width in zip("ABCDE", (44, 18, 18, 14, 90)):  # a write-only sheet's layout comes before its rows
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"A{FIRST_FIGURE_ROW}"
    ws.append([_cell(ws, f"SROI valuation of {title}" if title else "SROI valuation", bold=True)])
    ws.append([_cell(ws, f"All figures in {v.price_year} prices, re-priced with the {d.title} ({d.vintage}): "
                         f"{d.source_url}")])
    ws.append([_cell(ws, f"Discounting: {v.discounting.describe()}."
                         + (f" Source: {v.discounting.source_url}" if v.discounting.source_url else ""))])
    ws.append([_cell(ws, f"Conventions: {v.method_text()}")])
    ws.append([_cell(ws, "Column B works each figure out with formulas over the other sheets; column C is the "
                         "figure sroi printed; column D is the difference.")])
    _header(ws, [_cell(ws, h) for h in ("Figure", "Worked out here", "Printed by sroi", "Difference",
                                        "How it is worked out")])
    for key, label in SUMMARY_FIGURES:
        fmt = formats.get(key, MONEY)
        printed = figures[key] if figures[key] is not None else "no payback"
        r = row[key]
        ws.append([_cell(ws, label, bold=True), _formula(ws, formulas[key], fmt, bold=True), _cell(ws, printed, fmt),
                   _formula(ws, f'=IF(ISNUMBER(B{r}),B{r}-C{r},IF(B{r}=C{r},0,"differs"))', fmt),
                   _cell(ws, how[key])])
    ws.append([])
    guide = [
        "The sheets",
        f"'{LINES_SHEET}': one row per outcome line: the data as read, and formulas for the re-pricing, the "
        "impact, the value before discounting and the present value.",
        f"'{VALUES_SHEET}': each line's value in each year: the impact in its first year, then the year before "
        "× (1 − drop-off).",
        f"'{PRESENT_SHEET}': each line's value in each year × that year's discount factor.",
        f"'{FACTORS_SHEET}': the discount rate of each year (from the schedule) and the discount factors worked out "
        "from them.",
        f"'{INPUTS_SHEET}': the inputs, each × the discount factor of the year it is spent.",
        "Cells holding data are plain numbers; every other figure is a formula, so changing a figure of data "
        "changes everything that depends on it.",
    ]
    for i, text in enumerate(guide):
        ws.append([_cell(ws, text, bold=i == 0)])


def _lines(ws, v, lines: pd.DataFrame, horizon: int) -> None:
    """One row per outcome line: data, then formulas (see LINE_COLUMNS)."""
    c = _letters()
    for key, letter in c.items():
        ws.column_dimensions[letter].width = _LINE_WIDTHS.get(key, 14)
    ws.freeze_panes = "D2"
    _header(ws, [_cell(ws, header, note=note) for _, header, note in LINE_COLUMNS])
    last_year = column_letter(2 + horizon)
    price_years = lines["price_year"].to_numpy(np.int64)
    deflator_from = np.atleast_1d(v.deflators.at(price_years)) if len(lines) else []
    deflator_to = float(v.deflators.at(v.price_year))
    for i, line in enumerate(lines.itertuples(index=False)):
        r = i + 2
        ref = {key: f"{letter}{r}" for key, letter in c.items()}
        data = {
            "row": _row_number(line.row), "stakeholder": _text(line.stakeholder), "outcome": _text(line.outcome),
            "proxy_id": _text(line.proxy_id),
            "source": " - ".join(t for t in (_text(line.proxy_name), _text(line.source)) if t),
            "source_url": _text(line.source_url), "value": float(line.value), "price_year": int(line.price_year),
            "disbenefit": "yes" if line.disbenefit else "no",
            "deflator_from": float(deflator_from[i]), "deflator_to": deflator_to, "quantity": float(line.quantity),
            "deadweight": float(line.deadweight), "displacement": float(line.displacement),
            "attribution": float(line.attribution), "drop_off": float(line.drop_off),
            "start_year": int(line.start_year), "duration": int(line.duration),
            "engine_pv": float(line.present_value),
        }
        formulas = {
            "reprice_factor": f"={ref['deflator_to']}/{ref['deflator_from']}",
            "value_per_unit": f"={ref['value']}*{ref['reprice_factor']}",
            "impact": (f"={ref['quantity']}*{ref['value_per_unit']}*(1-{ref['deadweight']})"
                       f"*(1-{ref['displacement']})*(1-{ref['attribution']})"),
            "end_year": f"={ref['start_year']}+{ref['duration']}-1",
            "undiscounted_value": f"=SUM({_ref(VALUES_SHEET, f'D{r}:{last_year}{r}')})",
            "present_value": f"=SUM({_ref(PRESENT_SHEET, f'D{r + 1}:{last_year}{r + 1}')})",
            "payback_impact": f"=IF({ref['start_year']}=1,{ref['impact']},0)",
            "difference": f"={ref['present_value']}-{ref['engine_pv']}",
        }
        ws.append([_formula(ws, formulas[key], _LINE_FORMATS.get(key)) if key in formulas
                   else _cell(ws, data[key], _LINE_FORMATS.get(key)) for key, _, _ in LINE_COLUMNS])


def _grid(ws, v, lines: pd.DataFrame, horizon: int, *, present: bool) -> None:
    """The line × year grid of values (or of present values: value × the year's discount factor)."""
    c = _letters()
    years = range(1, horizon + 1)
    top = 3 if present else 2  # the first line's row: below the discount factors on the present value sheet
    for letter, width in zip("ABC", (10, 28, 32)):
        ws.column_dimensions[letter].width = width
    for t in years:
        ws.column_dimensions[column_letter(2 + t)].width = 14
    ws.freeze_panes = f"D{top}"
    header = [_cell(ws, "Row in the impact map"), _cell(ws, "Stakeholder"), _cell(ws, "Outcome")]
    header += [_cell(ws, t, YEAR_HEADER) for t in years]
    _header(ws, header)
    if present:
        ws.append([None, None, _cell(ws, "Discount factor used in the year", bold=True)]
                  + [_formula(ws, f"={_ref(FACTORS_SHEET, f'$D${t + 2}')}", FACTOR) for t in years])
    first_kept = 1 if v.drop_off_first_year else 0
    for i, line in enumerate(lines.itertuples(index=False)):
        lr, r = i + 2, i + top  # the line's row on the Outcome lines sheet, and here
        start, end = int(line.start_year), int(line.start_year) + int(line.duration) - 1
        cells = [_cell(ws, _row_number(line.row)), _cell(ws, _text(line.stakeholder)), _cell(ws, _text(line.outcome))]
        impact, drop = _ref(LINES_SHEET, f"${c['impact']}${lr}"), _ref(LINES_SHEET, f"${c['drop_off']}${lr}")
        for t in years:
            here = column_letter(2 + t)
            if not start <= t <= end:
                cells.append(None)
            elif present:
                cells.append(_formula(ws, f"={_ref(VALUES_SHEET, f'{here}{lr}')}*{here}$2", MONEY))
            elif t == start:
                cells.append(_formula(ws, f"={impact}*(1-{drop})" if first_kept else f"={impact}", MONEY))
            else:
                cells.append(_formula(ws, f"={column_letter(1 + t)}{r}*(1-{drop})", MONEY))
        ws.append(cells)
    bottom = len(lines) + top - 1
    ws.append([None, None, _cell(ws, "All lines", bold=True)]
              + [_formula(ws, f"=SUM({column_letter(2 + t)}{top}:{column_letter(2 + t)}{bottom})", MONEY, bold=True)
                 for t in years])


def _factors(ws, v, horizon: int) -> None:
    """The discount rate of each year (data from the schedule) and the factors worked out from it."""
    schedule = v.discounting
    first_discounted = schedule.first_year_discounted
    for letter, width in zip("ABCD", (8, 14, 18, 18)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "B2"
    _header(ws, [
        _cell(ws, "Year", note="Years from the start: year 0 is now and is never discounted."),
        _cell(ws, "Discount rate in the year", note=f"The rate of the year in the schedule: {schedule.describe()} "
              "(data)."),
        _cell(ws, "Discount factor from year 1", note="Formula: the factor of the year before ÷ (1 + the rate of "
              "the year); 1 in year 0."),
        _cell(ws, "Discount factor used", note="Formula: the factor from year 1 of the same year when year 1 is "
              "discounted (the default); of the year before when it is not (discounting from year 0)."),
    ])
    rates = schedule.rates(np.arange(1, horizon + 1)) if horizon else []
    ws.append([_cell(ws, 0), None, _cell(ws, 1, FACTOR), _formula(ws, "=C2", FACTOR)])
    for t in range(1, horizon + 1):
        r = t + 2
        used = f"=C{r}" if first_discounted else f"=C{r - 1}"
        ws.append([_cell(ws, t), _cell(ws, float(rates[t - 1]), "0.00%"), _formula(ws, f"=C{r - 1}/(1+B{r})", FACTOR),
                   _formula(ws, used, FACTOR)])
    ws.append([])
    ws.append([_cell(ws, f"Schedule: {schedule.describe()}.")])
    if schedule.source_url:
        ws.append([_cell(ws, f"Source: {schedule.source_url}")])
    ws.append([_cell(ws, "Year 1 is discounted." if first_discounted else
                     "Year 1 is not discounted (discounting from year 0): the factor used in a year is the factor "
                     "from year 1 of the year before.")])


def _inputs(ws, inputs: pd.DataFrame) -> None:
    """Each input × the discount factor of the year it is spent."""
    for letter, width in zip("ABCDEFG", (10, 28, 48, 16, 10, 14, 16)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    _header(ws, [_cell(ws, "Row in the inputs file"), _cell(ws, "Stakeholder"), _cell(ws, "Description"),
                 _cell(ws, "Value (£)"), _cell(ws, "Year spent", note="0 = at the start, not discounted."),
                 _cell(ws, "Discount factor", note=f"The factor used in the year ('{FACTORS_SHEET}' sheet)."),
                 _cell(ws, "Present value (£)", note="Formula: value × discount factor.")])
    for i, item in enumerate(inputs.itertuples(index=False)):
        r = i + 2
        year = int(item.year)
        ws.append([_cell(ws, _row_number(item.row)), _cell(ws, _text(item.stakeholder)),
                   _cell(ws, _text(item.description)), _cell(ws, float(item.value), MONEY), _cell(ws, year),
                   _formula(ws, f"={_ref(FACTORS_SHEET, f'$D${year + 2}')}", FACTOR),
                   _formula(ws, f"=D{r}*F{r}", MONEY)])
