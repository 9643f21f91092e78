"""The impact map workbook an analyst or a VCSE fills in Excel (``sroi template impact-map``).

:func:`write_map_template` writes three sheets:

* **Impact map** (first, so ``sroi value`` reads it): one header row with the
  columns of :data:`~sroi_lib.io.impact_map.IMPACT_MAP_COLUMNS`, headed in
  plain words that read back as those columns ("Start year" is ``start_year``),
  each header with a note saying what to type; below it, empty rows to fill,
  one per outcome line. Every column has a data validation whose input message
  repeats the note: the proxy is picked from a list of every proxy as
  ``id — name (unit, value)`` (:func:`picker_entry`; the reader takes the id),
  percentages (deadweight, displacement, attribution, drop-off) are cells
  formatted as percentages and accept only 0% to 100%, quantities and values
  only numbers of 0 or more, durations and start years whole numbers from 1 to
  300, price years only years of the GDP deflator series, and the value type
  only fiscal, economic or social.
* **Proxies**: the list the picker offers, one row per proxy: its id, name,
  unit, value and price year, the value re-priced to the deflator's latest
  year, its theme, source, address and licence, and the picker's entry.
* **How to fill this in**: the steps, and every column's note again.

Nothing in the workbook is a formula, so the filled map reads back through
``sroi value`` exactly as typed. Text from the proxy library is stored as text
(:func:`~sroi_lib.io.safe.safe_xlsx_cell`).
"""

from __future__ import annotations

from pathlib import Path

from ..io.cells import Column, column_letter
from ..io.impact_map import IMPACT_MAP_COLUMNS, PICK_SEPARATOR
from ..io.safe import check_output_path, safe_xlsx_cell, save_workbook, write_atomically
from ..io.tables import TEMPLATE_SHEETS
from .returns import INPUT_COLOUR, style_header

__all__ = ["write_map_template", "column_label", "MAP_SHEET", "PROXIES_SHEET", "GUIDE_SHEET", "TEMPLATE_ROWS",
           "PERCENT_FORMAT"]

MAP_SHEET = "Impact map"
PROXIES_SHEET, GUIDE_SHEET = TEMPLATE_SHEETS  # the reader expects these beside the map, and says nothing of them
TEMPLATE_ROWS = 500  # rows below the header made ready (formats and checks); more can be added below them
PERCENT_FORMAT = "0.0%"
MONEY_FORMAT = "£#,##0.00"

# What to type in each column, beyond the column's own help (io.impact_map) and its kind.
_GUIDANCE = {
    "stakeholder": "For example: Residents moving into work.",
    "outcome": "For example: Moved into sustained work.",
    "quantity": "Count it for one year, in the unit of the proxy (see the 'Proxies' sheet) or of your own value.",
    "duration": "Count the first year: an outcome lasting only the year of the activity is 1.",
    "proxy_id": (f"Pick an id from the list. The '{PROXIES_SHEET}' sheet lists every id with its name, unit "
                 "and value. Give a proxy id, or a value with its price year: not both."),
    "value": "Give its price year beside it, and its source in Evidence.",
    "price_year": "Only with a value of your own.",
    "disbenefit": ("For a negative outcome, such as delay to road users during works: its value (a proxy's, or "
                   "your own) counts against the total. A value of your own below zero is a disbenefit too."),
    "deadweight": "Type it as a percentage, such as 25%.",
    "displacement": "Type it as a percentage, such as 10%.",
    "attribution": "Type it as a percentage, such as 20%.",
    "drop_off": "Type it as a percentage, such as 10%.",
    "value_type": "Fiscal is public money saved. Blank takes the proxy's value type.",
    "theme": "Blank takes the proxy's theme.",
    "evidence": "The source of the quantity, and the reasons for each percentage.",
    "ward": "Where the beneficiaries live: the ward's name or ONS code (its deprivation profile is used).",
    "lsoa": "Where the beneficiaries live, more precisely: the LSOA's 2021 code, such as E01011352.",
    "postcode_district": "The part of the postcode before the space, such as LS12.",
    "imd_decile": "Only if you know it and give no LSOA: 1 is the most deprived 10% of areas in England.",
    "income_quintile": "If you know the beneficiaries' incomes: 1 is the lowest fifth (e.g. people on Universal Credit).",
}
_WIDTHS = {"text": 24, "number": 12, "money": 12, "whole": 10, "fraction": 13, "value_type": 12, "yes_no": 11}
_WIDE = {"stakeholder": 28, "outcome": 32, "indicator": 32, "proxy_id": 34, "evidence": 48}


def column_label(column: Column) -> str:
    """The plain header for a map column, which reads back as the column (``start_year`` → ``Start year``)."""
    return column.name.replace("_", " ").capitalize()


def _rule(column: Column, years: tuple[int, int]) -> str:
    """What a column accepts, in words."""
    if column.kind == "fraction":
        return "A percentage from 0% to 100%."
    if column.kind == "number":
        return "A number of 0 or more."
    if column.kind == "money":
        return "A number (below zero for a disbenefit)." if column.negative else "A number of 0 or more."
    if column.kind == "yes_no":
        return "Yes or no."
    if column.kind == "value_type":
        return "Pick one from the list."
    if column.name == "price_year":
        return f"A year from {years[0]} to {years[1]} (the years of the GDP deflator)."
    if column.kind == "whole":
        return f"A whole number from {column.minimum} to {column.maximum}."
    return ""


def _need(column: Column) -> str:
    if column.required:
        return "Required."
    if column.name in ("proxy_id", "value", "price_year"):
        return ""
    if column.default in (None, ""):
        return "Optional."
    shown = f"{column.default:.0%}" if column.kind == "fraction" else f"{column.default}"
    return f"Optional: blank means {shown}."


def _note(column: Column, years: tuple[int, int]) -> str:
    """The note on a column: what it is, what it accepts, whether it is needed, and how to fill it."""
    what = column.help[:1].upper() + column.help[1:] + "."
    return " ".join(part for part in (what, _rule(column, years), _need(column), _GUIDANCE.get(column.name, ""))
                    if part)


def _validation(column: Column, years: tuple[int, int], proxies_range: str):
    """The data validation of a column, with the column's note as its input message."""
    from openpyxl.worksheet.datavalidation import DataValidation

    label = column_label(column)
    kinds = {
        "fraction": dict(type="decimal", operator="between", formula1="0", formula2="1"),
        "number": dict(type="decimal", operator="greaterThanOrEqual", formula1="0"),
        "money": (dict(type="decimal", operator="between", formula1="-1E+300", formula2="1E+300") if column.negative
                  else dict(type="decimal", operator="greaterThanOrEqual", formula1="0")),
        "yes_no": dict(type="list", formula1='"yes,no"'),
        "value_type": dict(type="list", formula1='"fiscal,economic,social"'),
        "whole": dict(type="whole", operator="between", formula1=str(column.minimum), formula2=str(column.maximum)),
    }
    rule = kinds.get(column.kind, {})
    if column.name == "price_year":
        rule = dict(type="whole", operator="between", formula1=str(years[0]), formula2=str(years[1]))
    if column.name == "proxy_id":
        rule = dict(type="list", formula1=proxies_range)
    note = _note(column, years)
    return DataValidation(**rule, allow_blank=True, showInputMessage=True, promptTitle=label[:32],
                          prompt=note[:255], showErrorMessage=bool(rule), errorTitle=f"{label} not accepted"[:32],
                          error=(_rule(column, years) or note)[:255])


def picker_entry(proxy, year: int) -> str:
    """What the proxy picker offers for one proxy: ``id — name (unit, £value in YEAR prices)``.

    The reader takes the id before :data:`~sroi_lib.io.impact_map.PICK_SEPARATOR`
    back out, so a line filled from the picker reads as its id.

    >>> from types import SimpleNamespace as P
    >>> picker_entry(P(proxy_id="hw-gp", name="GP appointment", unit="per appointment", value_repriced=42.5), 2024)
    'hw-gp — GP appointment (per appointment, £42.50 in 2024 prices)'
    """
    value = float(proxy.value_repriced)
    shown = f"£{value:,.2f}" if value == 0 or abs(value) >= 1 else f"£{value:.4g}"  # a rate per kWh keeps its figures
    return f"{proxy.proxy_id}{PICK_SEPARATOR}{proxy.name} ({proxy.unit}, {shown} in {year} prices)"


def write_map_template(path: str | Path, library, *, rows: int = TEMPLATE_ROWS) -> Path:
    """Write the impact map workbook to fill in, with a proxy picker from ``library``.

    Parameters
    ----------
    path : str or Path
        The workbook to write (.xlsx), written whole or not at all.
    library : ProxyLibrary
        The proxies the picker offers (:func:`~sroi_lib.proxies.library.library_with`),
        and the GDP deflator whose years a price year may take.
    rows : int
        Rows below the header made ready to fill.

    Returns
    -------
    Path
        The workbook written.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    path = check_output_path(path, suffixes=(".xlsx",))
    deflators = library.deflators
    years = (deflators.first_year, deflators.last_year)
    table = library.table.sort_values("proxy_id", kind="stable")
    last_proxy_row = len(table) + 1
    proxies_range = f"'{PROXIES_SHEET}'!$L$2:$L${max(last_proxy_row, 2)}"  # the picker's entries
    last = rows + 1
    fill = PatternFill("solid", fgColor=INPUT_COLOUR)

    wb = Workbook()
    ws = wb.active
    ws.title = MAP_SHEET
    for pos, column in enumerate(IMPACT_MAP_COLUMNS, start=1):
        letter = column_letter(pos - 1)
        header = ws.cell(row=1, column=pos, value=column_label(column))
        comment = Comment(_note(column, years), "sroi")
        comment.width, comment.height = 300, 160
        header.comment = comment
        validation = _validation(column, years, proxies_range)
        validation.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(validation)
        ws.column_dimensions[letter].width = _WIDE.get(column.name, _WIDTHS.get(column.kind, 14))
        number_format = {"fraction": PERCENT_FORMAT, "money": MONEY_FORMAT}.get(column.kind)
        for row in range(2, last + 1):
            cell = ws.cell(row=row, column=pos)
            cell.fill = fill
            if number_format:
                cell.number_format = number_format
            if column.name == "evidence":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    style_header(ws[1])
    ws.row_dimensions[1].height = 30
    ws.freeze_panes = "C2"

    px = wb.create_sheet(PROXIES_SHEET)
    year = deflators.last_year
    headers = ["Proxy id", "Name", "Unit", "Value (£)", "Price year", f"Value in {year} prices (£)", "Value type",
               "Theme", "Source", "Source address", "Licence", "Picker entry (id — name, unit, value)"]
    px.append(headers)
    style_header(px[1])
    repriced = library.repriced(year, table)
    for r, proxy in enumerate(repriced.itertuples(), start=2):
        for c, value in enumerate([proxy.proxy_id, proxy.name, proxy.unit, float(proxy.value), int(proxy.price_year),
                                   float(proxy.value_repriced), proxy.value_type, proxy.theme, proxy.source,
                                   proxy.source_url, proxy.licence, picker_entry(proxy, year)], start=1):
            safe_xlsx_cell(px.cell(row=r, column=c), value)
        px.cell(row=r, column=4).number_format = MONEY_FORMAT
        px.cell(row=r, column=6).number_format = MONEY_FORMAT
    for letter, width in zip("ABCDEFGHIJKL", (40, 48, 28, 14, 10, 16, 11, 24, 48, 40, 28, 90)):
        px.column_dimensions[letter].width = width
    px.freeze_panes = "B2"
    px.auto_filter.ref = f"A1:L{max(last_proxy_row, 2)}"

    guide = wb.create_sheet(GUIDE_SHEET)
    lines = [
        "An impact map to fill in",
        "",
        f"1. On the '{MAP_SHEET}' sheet, fill one row for each outcome for each stakeholder.",
        f"2. Value each line with a proxy: pick its id from the list in 'Proxy id' (the '{PROXIES_SHEET}' sheet "
        "lists every proxy with its name, unit, value, source and licence; filter it by theme). Or, without a proxy, give your own "
        "value per unit with its price year, and its source in 'Evidence'.",
        "3. Type deadweight, displacement, attribution and drop-off as percentages, such as 25%.",
        "4. Leave the rows you do not need blank. Do not add a totals row: sroi adds the lines up itself.",
        f"5. Keep the sheet's name, '{MAP_SHEET}', and its headers: sroi finds the sheet by its name and reads it by "
        "its headers (other sheets, such as notes, may come before it).",
        "6. Value it with: sroi value THIS_FILE.xlsx --investment AMOUNT (or --inputs INPUTS.csv). "
        "Add --xlsx RESULTS.xlsx for a workbook of formulas that shows every step of the arithmetic.",
        "",
        "The columns",
    ]
    for i, text in enumerate(lines, start=1):
        safe_xlsx_cell(guide.cell(row=i, column=1), text)
    guide["A1"].font = Font(bold=True, size=14)
    guide[f"A{len(lines)}"].font = Font(bold=True)
    start = len(lines) + 1
    for c, text in enumerate(("Column", "What to type"), start=1):
        guide.cell(row=start, column=c, value=text)
    style_header(guide[start][:2])
    for r, column in enumerate(IMPACT_MAP_COLUMNS, start=start + 1):
        guide.cell(row=r, column=1, value=column_label(column))
        note = guide.cell(row=r, column=2, value=_note(column, years))
        note.alignment = Alignment(wrap_text=True, vertical="top")
    guide.column_dimensions["A"].width = 18
    guide.column_dimensions["B"].width = 110
    wb.active = 0
    return write_atomically(path, lambda tmp: save_workbook(wb, tmp), what="impact map workbook")
