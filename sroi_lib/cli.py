"""The ``sroi`` command: argument parsing and printing only; every command is a call into the library.

Exit codes: 0 done; 1 a run that could not finish (a report not written, an
audit not verified, a batch with failures); 2 the user's input is wrong (one
plain line per problem, nothing written); 70 a fault in sroi itself (said as
such, with the traceback to report). Heavy libraries (papermill, matplotlib)
are never imported on the ``sroi value`` path, so it starts quickly.

Everything printed goes through :func:`printable`: text from files (a
stakeholder's name, a proxy's source, a path) cannot move the cursor, clear the
screen, set the clipboard or the window title (ANSI and OSC escape sequences),
nor reorder text (bidirectional controls). Numeric options are checked against
their bounds when parsed (:data:`BOUNDS`); a value out of range exits 2 naming
the option.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import traceback

from .core.council import FRAMEWORK_VARIABLE, SETTINGS_FILE
from .core.frameworks import DEFAULT_FRAMEWORK
from .core.who_benefits import DEFAULT_ETA
from .core.uncertainty import MAX_DRAWS
from .errors import InputError, Problem, SroiError
from .proxies.importers import FORMATS as IMPORT_FORMATS
from .reports.uncertainty import MAX_CHUNK, MAX_SEED

__all__ = ["main", "printable", "print_json", "bounded", "target_ratio", "BOUNDS", "EXIT_OK", "EXIT_FAILED", "EXIT_INPUT", "EXIT_FAULT"]

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_FAULT = 0, 1, 2, 70

# Escape sequences (ECMA-48): CSI (ESC [ ... final byte), OSC/DCS/SOS/PM/APC strings (ESC ] ... BEL or ESC \,
# or to the end when unterminated), and two-byte escapes; then the C0 and C1 control characters themselves
# (tab and newline kept), DEL, and Unicode's bidirectional overrides and isolates.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -~]?"
                      r"|\x9b[0-?]*[ -/]*[@-~]?|[\x90\x9d\x98\x9e\x9f][^\x07\x9c]*[\x07\x9c]?")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

# Bounds of numeric options: (smallest, largest).
BOUNDS = {"--workers": (1, 64), "--timeout": (1, 86_400), "--port": (1024, 65_535), "--limit": (1, 10_000),
          "--draws": (1, MAX_DRAWS), "--seed": (0, MAX_SEED), "--chunk-size": (1, MAX_CHUNK)}
MAX_TARGET = 1_000.0  # the largest target ratio --target takes


def printable(text: str) -> str:
    """``text`` with every terminal escape sequence and control character removed; newlines and tabs kept.

    >>> printable("ok\\x1b]52;c;ZXZpbA==\\x07 \\x1b[2Jdone\\r\\n")
    'ok done\\n'
    """
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


class _Printable:
    """A text stream that passes everything written through :func:`printable`.

    ``unfiltered`` is the stream itself, for the progress bar alone (its text is
    sroi's own words and counts, and it needs its carriage returns).
    """

    def __init__(self, stream):
        self._stream = stream
        self.unfiltered = stream

    def write(self, text: str) -> int:
        self._stream.write(printable(text))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def bounded(option: str):
    """An argparse type: a whole number within ``BOUNDS[option]``; otherwise argparse exits 2 naming the option."""
    low, high = BOUNDS[option]

    def parse(text: str) -> int:
        try:
            value = int(text.strip().replace(",", "").replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; give one from {low:,} to {high:,}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value:,} is out of range; give a whole number from {low:,} to {high:,}")
        return value

    parse.__name__ = option.lstrip("-")
    return parse


def print_json(value, batch: int = 8192) -> None:
    """Print ``value`` as indented JSON (the bytes of ``print(json.dumps(value, indent=2, allow_nan=False))``),
    written ``batch`` pieces at a time, so a large result (a 100,000-line map with its tipping points and
    year-by-year table, some 300 MB of text) is never held as one string, nor copied whole by :func:`printable`."""
    pieces: list[str] = []
    for piece in json.JSONEncoder(indent=2, allow_nan=False).iterencode(value):
        pieces.append(piece)
        if len(pieces) >= batch:
            sys.stdout.write("".join(pieces))
            pieces.clear()
    sys.stdout.write("".join(pieces) + "\n")


def target_ratio(text: str) -> float:
    """An argparse type: a ratio above 0 and at most :data:`MAX_TARGET` (``1``, ``1.5``)."""
    try:
        value = float(text.strip().replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; give a ratio such as 1 or 1.5") from None
    if not 0 < value <= MAX_TARGET:  # NaN fails this too
        raise argparse.ArgumentTypeError(f"{text} is out of range; give a ratio above 0 and at most {MAX_TARGET:,.0f}")
    return value


def eta_number(text: str) -> float:
    """An argparse type: the distributional weights' eta, a number above 0 (``1.3``)."""
    from .core.who_benefits import MAX_ETA, SENSITIVITY_ETAS

    try:
        value = float(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; give eta as a number above 0, such as "
                                         f"{DEFAULT_ETA} (the Green Book's)") from None
    if not 0 < value <= MAX_ETA:  # NaN fails this too
        raise argparse.ArgumentTypeError(f"{text} is not above 0 and at most {MAX_ETA:g}; the Green Book's eta is "
                                         f"{DEFAULT_ETA}, and a "
                                         f"sensitivity test uses {SENSITIVITY_ETAS[0]} or {SENSITIVITY_ETAS[1]}")
    return value


# How the options of `sroi value` name themselves in a problem.
VALUE_OPTIONS = {"price_year": "--price-year ", "discounting": "--discount: ", "framework": "--framework: ",
                 "investment": "--investment "}


FRAMEWORK_SETTING = f"set in data/{SETTINGS_FILE} or the environment variable {FRAMEWORK_VARIABLE}"
STRICT_HELP = "refuse the over-claiming guard's warnings too, not only its errors (exit 2): for batch runs"
CHECKLIST_HELP = ("also print the assurance-readiness checklist: each point of Social Value International's report "
                  "assurance marked met, partly met or missing (docs/reports.md)")

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sroi",
        description="sroi: an open, auditable social return on investment engine for UK councils.",
    )
    parser.add_argument("--version", action="version", version=f"sroi {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser(
        "value",
        help="value an impact map and print the SROI figures",
        description="Value an impact map (CSV or XLSX) against its inputs and print the SROI ratio, "
        "present value, NPV and payback, line by line.",
    )
    p.add_argument("impact_map", metavar="IMPACT_MAP", help="impact map, .csv or .xlsx")
    money = p.add_mutually_exclusive_group(required=True)
    money.add_argument("--inputs", metavar="INPUTS", help="inputs table, .csv or .xlsx (stakeholder, description, value, year)")
    money.add_argument("--investment", metavar="AMOUNT", help="a single investment in pounds at year 0, e.g. 100000 or £100,000")
    p.add_argument("--price-year", metavar="YEAR", type=str, default=None,
                   help="price year of the results (default: the latest year of the GDP deflator series)")
    p.add_argument("--discount", metavar="SCHEDULE", default="green-book",
                   help="green-book (default), health, reduced-rate (the Green Book's lower-rate sensitivity test "
                   "for effects beyond 50 years), none, already-discounted (the map's figures are discounted "
                   "already), or a flat rate such as 3.5%%")
    p.add_argument("--proxies", metavar="FILE", help="your own proxy library (CSV or XLSX), added to the shipped one; "
                   "its rows replace shipped rows with the same id")
    p.add_argument("--first-year-undiscounted", action="store_true",
                   help="do not discount year 1 (discount from year 0), to reproduce an SROI prepared that way")
    p.add_argument("--drop-off-first-year", action="store_true",
                   help="apply drop-off from each outcome's first year (default: from its second)")
    p.add_argument("--framework", metavar="NAME", default=DEFAULT_FRAMEWORK,
                   help=f"framework for the value-by-priority breakdown: a shipped name, a YAML file, or none "
                   f"(default: the council's default, {FRAMEWORK_SETTING})")
    p.add_argument("--sheet", metavar="NAME", help="the impact map's sheet, for a workbook (default: a sheet named "
                   "like 'Impact map', else the first sheet holding the map's header); also FILE.xlsx#NAME")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--strict", action="store_true", help=STRICT_HELP)
    p.add_argument("--xlsx", metavar="FILE.xlsx", help="also write the valuation as an Excel workbook whose cells are "
                   "live formulas reproducing every figure, to check the arithmetic in Excel")
    p.add_argument("--checklist", action="store_true", help=CHECKLIST_HELP + " (the narrative points come from a "
                   "contract's parameters, so `sroi value` marks them missing)")
    p.add_argument("--eta", type=eta_number, default=DEFAULT_ETA, metavar="ETA",
                   help=f"the distributional weights' elasticity of marginal utility of income (default "
                   f"{DEFAULT_ETA}, the Green Book's; a contract's report takes 'eta' from its parameters)")
    p.add_argument("--place-lookup", metavar="FILE", default=None,
                   help="your own place lookup (CSV or XLSX: area_code, imd_decile, source, licence, year ...) "
                   "in place of the English Indices of Deprivation 2025 (docs/who-benefits.md)")
    p.set_defaults(handler=_cmd_value)

    _add_new_command(sub)
    _add_proxies_commands(sub)
    _add_report_commands(sub)
    _add_sensitivity_command(sub)
    return parser


def _add_new_command(sub) -> None:
    p = sub.add_parser("new", help="start a new contract: its parameters, impact map and inputs files",
                       description="Write a new contract's files to fill in: CONTRACT_ID.yaml (the parameters, every "
                       "key explained in a comment), impact_map.xlsx (as `sroi template impact-map`) and inputs.csv "
                       "(its header and an example row commented out). Nothing is replaced: if any of the files "
                       "exists, nothing is written.")
    p.add_argument("contract_id", metavar="CONTRACT_ID", help="lower-case letters, digits and hyphens, e.g. lcc-food-bank")
    p.add_argument("--dir", metavar="DIR", default=None,
                   help="the folder to write into, made if missing (default: a folder named CONTRACT_ID here)")
    p.add_argument("--framework", metavar="NAME", default=None,
                   help=f"write this framework into the parameters: a shipped name, a YAML file, or none "
                   f"(default: leave it out, so the council's default applies, {FRAMEWORK_SETTING})")
    p.set_defaults(handler=_cmd_new)


def _add_sensitivity_command(sub) -> None:
    p = sub.add_parser("sensitivity", help="how far a contract's ratio (or a portfolio's) moves with its assumptions",
                       description="Value a contract and test its uncertainty, as its parameters' uncertainty and "
                       "scenarios sections say (docs/uncertainty.md): each assumption moved on its own (the "
                       "tornado), the value at which each would bring the ratio to 1 (tipping points), a Monte "
                       "Carlo range from the distributions, and the scenarios side by side. The options override "
                       "the parameters; the same seed gives the same figures, however the draws are chunked. "
                       "Given a folder of parameters files: the portfolio's range, each kind of contract apart, "
                       "and the single assumptions that move each kind's ratio most; with --scheduler, its draws "
                       "are valued in chunks on a Dask cluster, with the same figures.")
    p.add_argument("params", metavar="PARAMS.yaml|FOLDER")
    p.add_argument("--draws", type=bounded("--draws"), default=None, metavar="N",
                   help=f"Monte Carlo draws (default: the parameters', else 10,000; for a folder 10,000; "
                   f"at most {MAX_DRAWS:,})")
    p.add_argument("--seed", type=bounded("--seed"), default=None, metavar="S",
                   help="the seed of the draws, recorded in the output (default: the parameters'; for a folder "
                   "20261130, each contract's own seed derived from it and its contract_id)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="for a folder: value the draws in chunks as tasks on the Dask cluster whose scheduler is at "
                   "ADDRESS (tcp://host:8786); the figures are the same as without it")
    p.add_argument("--chunk-size", type=bounded("--chunk-size"), default=None, metavar="K",
                   help=f"draws valued at once: changes memory, never the figures (1 to {MAX_CHUNK:,})")
    p.add_argument("--target", type=target_ratio, default=None, metavar="R",
                   help="the ratio tipping points reach (default: the parameters', else 1)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.set_defaults(handler=_cmd_sensitivity)


def _add_report_commands(sub) -> None:
    from .reports.folder import DOCX_FILE, MANIFEST_FILE, OUTPUTS, PDF_FILE
    from .reports.runner import DEFAULT_KERNEL, DEFAULT_TIMEOUT

    def copy_options(p):
        p.add_argument("--pdf", action="store_true", help=f"also print {PDF_FILE} (A4) with headless Chromium")
        p.add_argument("--docx", action="store_true", help=f"also write {DOCX_FILE}, an editable Word copy")
        p.add_argument("--theme", default=None, metavar="FILE",
                       help="a council theme file (name, logo, colours, fonts) to style the report with, in place "
                       "of the parameters' theme (docs/reports.md)")

    def notebook_options(p):
        p.add_argument("--kernel", default=DEFAULT_KERNEL,
                       help=f"Jupyter kernel to run the notebook with (default: {DEFAULT_KERNEL})")
        p.add_argument("--timeout", type=bounded("--timeout"), default=DEFAULT_TIMEOUT, metavar="SECONDS",
                       help=f"stop a notebook cell that runs longer than this (default {DEFAULT_TIMEOUT}, "
                       f"at most {BOUNDS['--timeout'][1]:,})")
        p.add_argument("--strict", action="store_true", help=STRICT_HELP)

    p = sub.add_parser("run", help="write the report folder for one contract",
                       description="Check a contract's parameters and inputs, execute the report notebook with "
                       f"papermill, and write reports/<contract_id>/ ({', '.join(OUTPUTS + (MANIFEST_FILE,))}).")
    p.add_argument("params", metavar="PARAMS.yaml")
    p.add_argument("--out", default="reports", metavar="DIR", help="folder for report folders (default: reports)")
    copy_options(p)
    p.add_argument("--checklist", action="store_true", help=CHECKLIST_HELP)
    notebook_options(p)
    p.set_defaults(handler=_cmd_run)

    p = sub.add_parser("batch", help="write report folders for every contract in a folder",
                       description="Run every parameters file in a folder, in parallel worker processes. One "
                       "failing contract does not stop the others. Exit 2 if any was refused for a problem in "
                       "its files (or, with --strict, an over-claiming warning) and none failed otherwise; "
                       "exit 1 if any failed.")
    p.add_argument("params_dir", metavar="PARAMS_DIR")
    p.add_argument("--workers", type=bounded("--workers"), default=None, metavar="N",
                   help=f"worker processes (default: the number of cores, at most 4; at most {BOUNDS['--workers'][1]})")
    p.add_argument("--out", default="reports", metavar="DIR")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="run the contracts on the Dask cluster whose scheduler is at ADDRESS, like "
                   "tcp://127.0.0.1:8786 (needs sroi[distributed]; each contract's files are sent to the workers and "
                   "its report comes back; the workers must run this sroi with the same data folder, which is checked "
                   "first; docs/scaling.md)")
    copy_options(p)
    notebook_options(p)
    p.set_defaults(handler=_cmd_batch)

    p = sub.add_parser("template", help="write a workbook for a supplier or analyst to fill in",
                       description="Write a template workbook. `sroi template returns` writes the quarterly returns "
                       "workbook for a contract's supplier; `sroi template impact-map` an impact map to fill in "
                       "Excel, which `sroi value` reads as it is.")
    tsub = p.add_subparsers(dest="template_kind", metavar="KIND")
    tsub.required = True
    t = tsub.add_parser("impact-map", help="an impact map workbook to fill in, with a proxy picker",
                        description="Write an impact map workbook: one row per outcome line, the proxy id picked "
                        "from a list of the library's proxies (with their names, units and values on the Proxies "
                        "sheet), percentages checked to be 0%% to 100%%, and a note on every column. Value it "
                        "with `sroi value FILE.xlsx`.")
    t.add_argument("-o", "--output", required=True, metavar="FILE.xlsx")
    t.add_argument("--proxies", metavar="FILE", help="add your own proxy library file to the picker's list")
    t.set_defaults(handler=_cmd_template_impact_map)
    t = tsub.add_parser("returns", help="the supplier's quarterly returns workbook")
    t.add_argument("--contract", required=True, metavar="PARAMS.yaml")
    t.add_argument("-o", "--output", required=True, metavar="FILE.xlsx")
    t.set_defaults(handler=_cmd_template_returns)

    p = sub.add_parser("returns", help="check a supplier's returns workbook")
    rsub = p.add_subparsers(dest="returns_command", metavar="ACTION")
    rsub.required = True
    r = rsub.add_parser("check", help="list every problem in a filled returns workbook",
                        description="Check a filled returns workbook against the contract; exit 0 when clean, "
                        "2 when not (and nothing from it is used).")
    r.add_argument("file", metavar="FILE.xlsx")
    r.add_argument("--contract", required=True, metavar="PARAMS.yaml")
    r.set_defaults(handler=_cmd_returns_check)

    p = sub.add_parser("dashboard", help="serve the portfolio dashboard in the browser (Voilà)",
                       description="Serve notebooks/portfolio_dashboard.ipynb with Voilà on this computer only "
                       "(127.0.0.1): code hidden, filters live. Stop it with Ctrl+C.")
    p.add_argument("--reports", default="reports", metavar="DIR", help="folder of report folders (default: reports)")
    p.add_argument("--port", type=bounded("--port"), default=8866, metavar="N",
                   help="port to serve on, 1024 to 65535 (default 8866)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    p.set_defaults(handler=_cmd_dashboard)

    p = sub.add_parser("audit", help="verify a report folder by re-making it",
                       description="Find the report's inputs in the checkout and compare their sha256 with the "
                       "manifest's, re-execute the notebook and make its HTML again, and compare every output "
                       "(figures, lines, notebook cells and HTML) with the stored report. Exit 0 VERIFIED, "
                       "1 NOT VERIFIED, 2 not a readable report folder.")
    p.add_argument("report_dir", metavar="REPORT_DIR")
    p.add_argument("--checkout", metavar="DIR", default=None,
                   help="the folder holding the report's inputs, e.g. a clone of the repository at the report's "
                   "commit (default: the git top folder of the current folder, else the current folder)")
    notebook_options(p)
    p.set_defaults(handler=_cmd_audit)

    p = sub.add_parser("portfolio", help="print the portfolio totals and one row per contract",
                       description="Read every complete report folder (manifest present, files matching it) and "
                       "print the dashboard's headline figures and a row per contract, with the folders skipped "
                       "and why. Two folders for one contract are refused.")
    p.add_argument("reports", metavar="REPORTS_DIR")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--to-date", metavar="QUARTER", default=None,
                   help="the quarter 'expected by now' runs to, like 2025-Q4 (default: the latest quarter with a "
                   "supplier's return)")
    p.set_defaults(handler=_cmd_portfolio)


def _add_proxies_commands(sub) -> None:
    px = sub.add_parser("proxies", help="search, show, check and import financial proxies",
                        description="The proxy library: financial proxies with their sources, re-priced to any year.")
    psub = px.add_subparsers(dest="proxies_command", metavar="ACTION")
    psub.required = True

    def library_options(p):
        p.add_argument("--proxies", metavar="FILE", help="add your own proxy library file to the shipped one")
        p.add_argument("--price-year", metavar="YEAR", default=None,
                       help="show values re-priced to this year (default: the latest year of the GDP deflator)")
        p.add_argument("--json", action="store_true", help="print JSON instead of a table")

    p = psub.add_parser("search", help="find proxies by words", description="Find proxies by words in their name, "
                        "outcome, theme and unit, by synonyms (anxiety: mental health) and near spellings; best "
                        "matches first, grouped by price year. The table fits the terminal's width.")
    p.add_argument("words", nargs="*", metavar="WORDS", help="what to look for, e.g. gp appointment")
    p.add_argument("--limit", type=bounded("--limit"), default=10, metavar="N",
                   help="at most N results (default 10, at most 10,000)")
    p.add_argument("--theme", help="only proxies with this theme, e.g. 'health and care'")
    p.add_argument("--value-type", choices=["fiscal", "economic", "social"], help="only this value type")
    p.add_argument("--pillar", help="only themes in this group of the framework, e.g. 'Zero carbon'")
    p.add_argument("--framework", default=DEFAULT_FRAMEWORK,
                   help=f"framework for --pillar (default: the council's default, {FRAMEWORK_SETTING})")
    p.add_argument("--synonyms", metavar="FILE", help="your own synonyms file (YAML, as data/proxies/synonyms.yaml), "
                   "added to the shipped one")
    library_options(p)
    p.set_defaults(handler=_cmd_proxies_search)

    p = psub.add_parser("show", help="show one proxy with its source", description="Show one proxy in full.")
    p.add_argument("proxy_id", metavar="ID")
    library_options(p)
    p.set_defaults(handler=_cmd_proxies_show)

    p = psub.add_parser("import", help="import a Social Value Engine export, a TOMs sheet or any table",
                        description="Import proxies from another list into a library CSV. A Social Value Engine "
                        "export comes in whole: a row with a doubt (no price year, £0, euros, no source URL, a "
                        "repeated title) is imported with a note in its 'flags' column. Every row that cannot be "
                        "imported is listed with the reason and written to a refused-rows file.")
    p.add_argument("file", metavar="FILE", help="the file to import (CSV or XLSX)")
    p.add_argument("--format", required=True, choices=list(IMPORT_FORMATS),
                   help="sve: a Social Value Engine proxy export; toms: a National TOMs measures sheet; "
                   "csv: any table, with --map")
    p.add_argument("--map", action="append", default=[], metavar="COL=FIELD",
                   help="with --format csv: take library FIELD from the file's column COL (repeat for each)")
    p.add_argument("--source-url", default=None, help="with --format toms: the address to cite as the source")
    p.add_argument("--assume-price-year", metavar="YEAR", default=None,
                   help="with --format sve: the price year of titles that give none (each such row is flagged "
                   "'price year assumed'; without it they are flagged 'price year unknown' and cannot value "
                   "anything until a year is confirmed)")
    p.add_argument("--strict", action="store_true",
                   help="with --format sve: refuse every row that would be flagged (no price year, £0, euros, no "
                   "source URL, an exact repeat) instead of importing it flagged")
    p.add_argument("-o", "--output", required=True, metavar="OUT.csv", help="the library CSV to write")
    p.add_argument("--refused", metavar="FILE.csv", default=None,
                   help="where to write the refused rows with their reasons (default: OUT_refused.csv beside -o)")
    p.set_defaults(handler=_cmd_proxies_import)

    p = psub.add_parser("check", help="check a proxy library file, listing every problem",
                        description="Check a proxy library file, its relations (part_of, alternative_of: to "
                        "its own rows or the shipped library's) included; exit 0 when clean, 2 when not.")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(handler=_cmd_proxies_check)


def _version() -> str:
    from . import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code. Everything printed passes through :func:`printable`."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Printable(sys.stdout), _Printable(sys.stderr)
    try:
        return _main(argv)
    except SystemExit as exc:  # argparse: --help, --version, or a usage error (exit 2)
        return exc.code if isinstance(exc.code, int) else EXIT_INPUT
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        sys.stdout, sys.stderr = saved


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    name = " ".join(filter(None, [args.command, getattr(args, "proxies_command", None),
                                  getattr(args, "template_kind", None), getattr(args, "returns_command", None)]))
    try:
        return args.handler(args)
    except InputError as exc:
        for note in exc.notes:
            print(f"sroi {name}: {note}", file=sys.stderr)
        print(f"sroi {name}: cannot continue, because of {_count(len(exc.problems))}:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_INPUT
    except SroiError as exc:
        print(f"sroi {name}: could not finish: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("sroi: stopped.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception:
        print(f"sroi {name}: stopped by a fault in sroi itself, not a problem with your files. "
              "Please report it with the details below.", file=sys.stderr)
        traceback.print_exc()
        return EXIT_FAULT


def _count(n: int) -> str:
    return "this problem" if n == 1 else f"these {n} problems"


def _notes(command: str, warnings: list[str]) -> None:
    for warning in warnings:
        print(f"sroi {command}: note: {warning}", file=sys.stderr)


def _cmd_value(args) -> int:
    from .io.safe import check_output_path
    from .reports.contract import value_files
    from .views.text import valuation_text

    if args.xlsx is not None:  # a wrong output is refused before any work is done
        check_output_path(args.xlsx, suffixes=(".xlsx",), option="--xlsx",
                          inputs=(args.impact_map, args.inputs, args.proxies))
    impact_map = args.impact_map
    if args.sheet is not None:  # the sheet rides on the path, as FILE.xlsx#NAME (io.tables.split_sheet)
        from .io.tables import split_sheet

        impact_map = f"{split_sheet(impact_map)[0]}#{args.sheet}"
    valued = value_files(impact_map, args.inputs, investment=args.investment, price_year=args.price_year,
                         discounting=args.discount, proxies=args.proxies, framework=args.framework,
                         labels=VALUE_OPTIONS, first_year_discounted=not args.first_year_undiscounted,
                         drop_off_first_year=args.drop_off_first_year, strict=args.strict, eta=args.eta,
                         place_lookup=args.place_lookup)
    _notes("value", valued.notes + valued.library.warnings)
    if args.xlsx is not None:  # written before anything is printed: a workbook that cannot be written stops here
        from pathlib import Path

        from .reports.valuation_workbook import write_valuation_workbook

        path = write_valuation_workbook(args.xlsx, valued.valuation, title=Path(args.impact_map).name)
    if args.json:
        print_json(valued.to_dict())
    else:
        print(valuation_text(valued.valuation, args.impact_map, valued.framework, checks=valued.checks,
                             who=valued.who))
    if args.checklist:
        from .reports.assurance import checklist
        from .views.narrative import checklist_text

        print(("" if args.json else "\n") + checklist_text(checklist(valued.valuation, checks=valued.checks),
                                                           args.impact_map), file=sys.stderr if args.json else sys.stdout)
    if args.xlsx is not None:
        print(f"The valuation workbook, every figure a formula, is written to {path}.",
              file=sys.stderr if args.json else sys.stdout)
    return EXIT_OK


def _cmd_new(args) -> int:
    from .reports.scaffold import new_contract, next_steps

    print(next_steps(new_contract(args.contract_id, args.dir, framework=args.framework)))
    return EXIT_OK


def _cmd_sensitivity(args) -> int:
    from pathlib import Path

    if Path(args.params).is_dir():
        return _cmd_portfolio_sensitivity(args)
    if args.scheduler is not None:
        raise InputError(Problem("--scheduler is for a folder of contracts; one contract's draws are valued here",
                                 file=str(args.params), fix="Leave out --scheduler, or give the folder of "
                                 "parameters files."))
    from .reports.contract import load_contract
    from .views.sensitivity_text import sensitivity_text

    options = {"draws": args.draws, "seed": args.seed, "chunk_size": args.chunk_size, "target": args.target}
    run = load_contract(args.params, uncertainty=options)
    _notes("sensitivity", run.notes)
    analysis = run.uncertainty
    if analysis.monte_carlo is None and any(options[k] is not None for k in ("draws", "seed", "chunk_size")):
        _notes("sensitivity", ["the parameters give no distributions, so there is no Monte Carlo range and "
                               "--draws, --seed and --chunk-size change nothing (docs/uncertainty.md)"])
    if args.json:
        print_json(analysis.to_dict())
    else:
        print(sensitivity_text(analysis, f"{run.params.title} ({args.params})"))
    return EXIT_OK


def _cmd_portfolio_sensitivity(args) -> int:
    from .reports.portfolio_uncertainty import portfolio_sensitivity
    from .views.sensitivity_text import portfolio_sensitivity_text

    result = portfolio_sensitivity(args.params, seed=args.seed, draws=args.draws, chunk_size=args.chunk_size,
                                   target=args.target, scheduler=args.scheduler)
    if args.json:
        print_json(result.to_dict())
    else:
        print(portfolio_sensitivity_text(result, str(args.params)))
    return EXIT_OK


def _library(args):
    from .proxies.library import library_with

    library = library_with(args.proxies)
    _notes("proxies", library.warnings)
    return library


def _cmd_proxies_search(args) -> int:
    from .core.prices import parse_price_year
    from .proxies.library import find_proxies, proxy_records
    from .views.text import proxies_text

    from .proxies.search import load_synonyms, shipped_synonyms

    library = _library(args)
    synonyms = shipped_synonyms()
    if args.synonyms:
        synonyms = synonyms.merged_with(load_synonyms(args.synonyms))
    words = " ".join(args.words)
    found = find_proxies(library, words, limit=args.limit, theme=args.theme, value_type=args.value_type,
                         pillar=args.pillar, framework=args.framework, synonyms=synonyms,
                         price_year=parse_price_year(args.price_year, library.deflators, label="--price-year "))
    if args.json:
        print(json.dumps(proxy_records(found), indent=2))
    else:
        filters = " and ".join(f"{flag} '{value}'" for flag, value in (("--theme", args.theme), ("--value-type",
                               args.value_type), ("--pillar", args.pillar)) if value)
        print(proxies_text(found, words, themes=sorted(library.table["theme"].str.lower().unique()), filters=filters))
    return EXIT_OK


def _cmd_proxies_show(args) -> int:
    from .core.prices import parse_price_year
    from .proxies.library import proxy_records
    from .views.text import proxy_text

    library = _library(args)
    year = parse_price_year(args.price_year, library.deflators, label="--price-year ")
    proxy = library.lookup(args.proxy_id)
    record = proxy_records(library.repriced(year, library.rows([proxy.proxy_id])))[0]
    print(json.dumps(record, indent=2) if args.json
          else proxy_text(proxy, record["value_repriced"], year, library.deflators.vintage))
    return EXIT_OK


def _cmd_proxies_import(args) -> int:
    from .proxies.importers import import_proxies, write_import

    result = import_proxies(args.file, args.format, mapping=args.map, source_url=args.source_url,
                            strict=args.strict, assume_price_year=args.assume_price_year)
    _notes("proxies import", result.notes)
    _, refused = write_import(result, args.output, args.refused)
    print(f"Imported {len(result.table)} proxies from {args.file} into {args.output}.")
    print(f"{result.summary()} Refused rows written to {refused}.")
    if (result.table["flags"] != "").any():
        print(f"Each flag is in the 'flags' column of {args.output}; `sroi proxies check {args.output}` lists them.")
    if result.skipped:
        print(f"{len(result.skipped)} rows not imported:", file=sys.stderr)
        for problem in result.skipped:
            print(f"  - {problem}", file=sys.stderr)
    return EXIT_OK


def _cmd_proxies_check(args) -> int:
    from .proxies.library import load_library

    from .proxies.library import flag_notes

    library = load_library(args.file)
    flagged = flag_notes(library)
    _notes("proxies check", flagged)
    print(f"{args.file}: {len(library)} proxies, no problems found"
          + (f"; {len(flagged)} flagged for checking (listed above)." if flagged else "."))
    return EXIT_OK


def _cmd_template_impact_map(args) -> int:
    from .control.map_template import MAP_SHEET, write_map_template
    from .proxies.library import library_with

    library = library_with(args.proxies)
    _notes("template impact-map", library.warnings)
    path = write_map_template(args.output, library)
    print(f"Impact map workbook written to {path}: fill one row of the '{MAP_SHEET}' sheet for each outcome "
          f"(the proxy picker offers {len(library)} proxies), then run: sroi value {path} --investment AMOUNT")
    return EXIT_OK


def _cmd_template_returns(args) -> int:
    from .control.returns import write_template
    from .reports.contract import contract_commitments

    params, commitments = contract_commitments(args.contract)
    path = write_template(args.output, params, commitments, params.periods)
    print(f"Returns workbook for {params.contract_id} written to {path}: {len(params.periods)} quarters × "
          f"{len(commitments)} measures. Send it to {params.supplier}.")
    return EXIT_OK


def _cmd_returns_check(args) -> int:
    from .control.returns import check_returns
    from .reports.contract import contract_commitments

    params, commitments = contract_commitments(args.contract)
    rows = check_returns(args.file, commitments, params.periods)
    quarters = sorted(set(rows["period"]))
    print(f"{args.file}: no problems found. {len(rows)} quantities for {len(quarters)} quarter(s)"
          + (f" ({quarters[0]} to {quarters[-1]})." if quarters else "."))
    return EXIT_OK


def _cmd_run(args) -> int:
    from .errors import RunFailed
    from .reports.runner import run_contract

    try:
        result = run_contract(args.params, args.out, pdf=args.pdf, kernel=args.kernel, timeout=args.timeout,
                              strict=args.strict, docx=args.docx, theme=args.theme)
    except RunFailed as exc:
        print(f"sroi run: the report for {args.params} was not written: {exc}", file=sys.stderr)
        if "previous report is unchanged" not in str(exc):  # a full disk's message says so already
            print("Any previous report is unchanged.", file=sys.stderr)
        return EXIT_FAILED
    _notes("run", result.notes)
    print(f"Report for {result.contract_id} written to {result.folder} in {result.seconds:.1f} s.")
    if args.checklist:
        from .reports.assurance import checklist
        from .reports.contract import value_files
        from .reports.params import load_params
        from .reports.uncertainty import contract_spec
        from .views.narrative import checklist_text

        params = load_params(args.params)  # checked already by the run: reading it again is quick
        valued = value_files(params.impact_map, params.inputs, price_year=params.price_year,
                             discounting=params.discounting, proxies=params.proxies, framework=params.framework,
                             first_year_discounted=params.first_year_discounted,
                             drop_off_first_year=params.drop_off_first_year)
        points = checklist(valued.valuation, params=params, checks=valued.checks,
                           spec=contract_spec(params, valued.valuation))
        print("\n" + checklist_text(points, f"{params.title} ({args.params})"))
    return EXIT_OK


def _cmd_batch(args) -> int:
    options = dict(pdf=args.pdf, kernel=args.kernel, timeout=args.timeout, strict=args.strict, docx=args.docx,
                   theme=args.theme)
    if args.scheduler is not None:
        if args.workers is not None:
            raise InputError(Problem("--workers sets the processes on this computer; with --scheduler the "
                                     "cluster's workers run the contracts", fix="Leave out --workers or --scheduler."))
        from .reports.distributed import run_batch_on_cluster  # imports Dask: only when a scheduler is given

        results = run_batch_on_cluster(args.params_dir, args.out, scheduler=args.scheduler, **options)
    else:
        from .reports.runner import run_batch

        results = run_batch(args.params_dir, args.out, workers=args.workers, **options)
    done = [r for r in results if r[1] == "done"]
    failed = [r for r in results if r[1] != "done"]
    print(f"{len(done)} of {len(results)} contracts done; reports are in {args.out}/")
    for _, _, result in done:
        print(f"  done    {result.contract_id}  ({result.seconds:.1f} s)")
        for note in result.notes:
            print(f"          note: {note}")
    if failed:
        print(f"{len(failed)} failed:")
        for file, status, reason in failed:
            print(f"  failed  {file}: {'refused: ' if status == 'refused' else ''}{reason}")
    if any(status == "failed" for _, status, _ in failed):
        return EXIT_FAILED
    return EXIT_INPUT if failed else EXIT_OK


def _skipped_notes(command: str, portfolio) -> None:
    for folder, why in portfolio.skipped:
        print(f"sroi {command}: note: skipped {folder}: {why}", file=sys.stderr)


def _cmd_portfolio(args) -> int:
    from .reports.portfolio import load_portfolio
    from .views.summary import portfolio_json, portfolio_text

    portfolio = load_portfolio(args.reports, require_reports=True)
    if args.json:
        print(json.dumps(portfolio_json(portfolio, args.to_date), indent=2, allow_nan=False))
    else:
        _skipped_notes("portfolio", portfolio)
        print(portfolio_text(portfolio, args.reports, args.to_date))
    return EXIT_OK


def _cmd_dashboard(args) -> int:
    from .reports.portfolio import load_portfolio
    from .views.dashboard import serve

    portfolio = load_portfolio(args.reports, require_reports=True)  # refuse a bad folder before starting a server
    _skipped_notes("dashboard", portfolio)
    print(f"Serving the portfolio dashboard for {len(portfolio.contracts)} contracts from {args.reports} at "
          f"http://127.0.0.1:{args.port}/ (Ctrl+C to stop).")
    return serve(args.reports, args.port, open_browser=not args.no_browser)


def _cmd_audit(args) -> int:
    from .reports.audit import audit_report

    result = audit_report(args.report_dir, checkout=args.checkout, kernel=args.kernel, timeout=args.timeout)
    if result.verified:
        print(f"VERIFIED: {args.report_dir}")
    else:
        n = len(result.differences)
        print(f"NOT VERIFIED: {args.report_dir} ({n} difference{'' if n == 1 else 's'})")
        for item in result.differences:
            print(f"  - {item}")
    for title, items in (("Checked", result.checked), ("Notes", result.notes),
                         ("Not shown by this audit", result.not_shown)):
        if items:
            print(f"{title}:")
            for item in items:
                print(f"  - {item}")
    return EXIT_OK if result.verified else EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
