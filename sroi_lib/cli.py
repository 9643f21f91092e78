"""The ``sroi`` command.

User mistakes print one plain line per problem and exit with code 2; nothing
is written. Heavy libraries (papermill, matplotlib) are never imported on the
``sroi value`` path, so it starts quickly.
"""

from __future__ import annotations

import argparse
import json
import sys

from .errors import InputError, Problem

__all__ = ["main"]

EXIT_OK, EXIT_INPUT = 0, 2


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
                   help="green-book (default), health, none, or a flat rate such as 3.5%%")
    p.add_argument("--proxies", metavar="FILE", help="your own proxy library (CSV or XLSX), added to the shipped one; "
                   "its rows replace shipped rows with the same id")
    p.add_argument("--framework", metavar="NAME", default="best_city_ambition",
                   help="framework for the value-by-priority breakdown: a shipped name or a YAML file "
                   "(default: best_city_ambition)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.set_defaults(handler=_cmd_value)

    _add_proxies_commands(sub)
    _add_report_commands(sub)
    return parser


def _add_report_commands(sub) -> None:
    def notebook_options(p):
        p.add_argument("--kernel", default="sroi", help="Jupyter kernel to run the notebook with (default: sroi)")
        p.add_argument("--timeout", type=int, default=600, metavar="SECONDS",
                       help="stop a notebook cell that runs longer than this (default 600)")

    p = sub.add_parser("run", help="write the report folder for one contract",
                       description="Check a contract's parameters and inputs, execute the report notebook with "
                       "papermill, and write reports/<contract_id>/ (report.ipynb, report.html, results.json, "
                       "lines.csv, manifest.json).")
    p.add_argument("params", metavar="PARAMS.yaml")
    p.add_argument("--out", default="reports", metavar="DIR", help="folder for report folders (default: reports)")
    p.add_argument("--pdf", action="store_true", help="also print report.pdf with headless Chromium")
    notebook_options(p)
    p.set_defaults(handler=_cmd_run)

    p = sub.add_parser("batch", help="write report folders for every contract in a folder",
                       description="Run every parameters file in a folder, in parallel worker processes. One "
                       "failing contract does not stop the others. Exit 1 if any failed.")
    p.add_argument("params_dir", metavar="PARAMS_DIR")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes (default: the number of cores, at most 4)")
    p.add_argument("--out", default="reports", metavar="DIR")
    p.add_argument("--pdf", action="store_true")
    notebook_options(p)
    p.set_defaults(handler=_cmd_batch)

    p = sub.add_parser("template", help="write a workbook for a supplier to fill in",
                       description="Write a template workbook. `sroi template returns` writes the quarterly returns "
                       "workbook for a contract's supplier.")
    tsub = p.add_subparsers(dest="template_kind", metavar="KIND")
    tsub.required = True
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
    p.add_argument("--port", type=int, default=8866, metavar="N", help="port to serve on (default 8866)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    p.set_defaults(handler=_cmd_dashboard)

    p = sub.add_parser("audit", help="verify a report folder by re-running it",
                       description="Check that every input still hashes to what the manifest recorded, that no "
                       "report file was edited, and that re-executing the notebook gives the same figures.")
    p.add_argument("report_dir", metavar="REPORT_DIR")
    notebook_options(p)
    p.set_defaults(handler=_cmd_audit)


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
                        "outcome, theme and unit; best matches first.")
    p.add_argument("words", nargs="*", metavar="WORDS", help="what to look for, e.g. gp appointment")
    p.add_argument("--limit", type=int, default=10, metavar="N", help="at most N results (default 10)")
    p.add_argument("--theme", help="only proxies with this theme, e.g. 'health and care'")
    p.add_argument("--value-type", choices=["fiscal", "economic", "social"], help="only this value type")
    p.add_argument("--pillar", help="only themes in this group of the framework, e.g. 'Zero carbon'")
    p.add_argument("--framework", default="best_city_ambition", help="framework for --pillar (default best_city_ambition)")
    library_options(p)
    p.set_defaults(handler=_cmd_proxies_search)

    p = psub.add_parser("show", help="show one proxy with its source", description="Show one proxy in full.")
    p.add_argument("proxy_id", metavar="ID")
    library_options(p)
    p.set_defaults(handler=_cmd_proxies_show)

    p = psub.add_parser("import", help="import a Social Value Engine export, a TOMs sheet or any table",
                        description="Import proxies from another list into a library CSV. Every row that cannot be "
                        "imported is listed with the reason; the rest are imported.")
    p.add_argument("file", metavar="FILE", help="the file to import (CSV or XLSX)")
    p.add_argument("--format", required=True, choices=["sve", "toms", "csv"],
                   help="sve: a Social Value Engine proxy export; toms: a National TOMs measures sheet; "
                   "csv: any table, with --map")
    p.add_argument("--map", action="append", default=[], metavar="COL=FIELD",
                   help="with --format csv: take library FIELD from the file's column COL (repeat for each)")
    p.add_argument("--source-url", default=None, help="with --format toms: the address to cite as the source")
    p.add_argument("-o", "--output", required=True, metavar="OUT.csv", help="the library CSV to write")
    p.set_defaults(handler=_cmd_proxies_import)

    p = psub.add_parser("check", help="check a proxy library file, listing every problem",
                        description="Check a proxy library file; exit 0 when clean, 2 when not.")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(handler=_cmd_proxies_check)


def _version() -> str:
    from . import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except InputError as exc:
        name = " ".join(filter(None, [args.command, getattr(args, "proxies_command", None),
                                      getattr(args, "template_kind", None), getattr(args, "returns_command", None)]))
        print(f"sroi {name}: cannot continue, because of {_count(len(exc.problems))}:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("sroi: stopped.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


def _count(n: int) -> str:
    return "this problem" if n == 1 else f"these {n} problems"


def _cmd_value(args) -> int:
    from . import formatting as fmt
    from .discounting import parse_discounting
    from .frameworks import load_framework
    from .io import read_map_and_inputs
    from .proxies import library_with
    from .prices import load_deflators
    from .schema import CellError, parse_number
    from .valuation import investment_inputs, value, zero_inputs_problem

    problems: list[Problem] = []
    deflators = load_deflators()

    price_year = None
    try:
        price_year = _price_year(args.price_year, deflators)
    except InputError as exc:
        problems.extend(exc.problems)
    schedule = None
    try:
        schedule = parse_discounting(args.discount)
    except InputError as exc:
        problems.extend(Problem(f"--discount: {p.message}") for p in exc.problems)

    library = framework = None
    try:
        library = library_with(args.proxies)
    except InputError as exc:
        problems.extend(exc.problems)
    try:
        framework = load_framework(args.framework)
    except InputError as exc:
        problems.extend(Problem(f"--framework: {p}") for p in exc.problems)
    impact_map = inputs = None
    try:
        impact_map, inputs = read_map_and_inputs(args.impact_map, args.inputs, proxies=library, deflators=deflators)
    except InputError as exc:
        problems.extend(exc.problems)
    if args.inputs is None:
        try:
            amount = parse_number(args.investment, money=True)
            if amount is None or amount < 0:
                raise CellError(f"'{args.investment}' is not an amount of 0 or more", "")
            inputs = investment_inputs(amount, "Investment (given with --investment)")
        except CellError as exc:
            problems.append(Problem(f"--investment {exc.message}", fix="Give an amount in pounds, such as 100000 or £100,000."))
    if inputs is not None and zero_inputs_problem(inputs):
        problems.append(zero_inputs_problem(inputs))
    if problems:
        raise InputError(problems)

    for warning in library.warnings:
        print(f"sroi value: note: {warning}", file=sys.stderr)
    valuation = value(impact_map, inputs, price_year=price_year, discounting=schedule, deflators=deflators,
                      proxies=library)
    if args.json:
        print(json.dumps(valuation.to_dict(frameworks=[framework]), indent=2, allow_nan=False))
    else:
        print(render_text(valuation, args.impact_map, fmt, framework))
    return EXIT_OK


def render_text(v, title: str, fmt, framework=None) -> str:
    """The readable summary printed by ``sroi value``."""
    s = v.summary()
    out = [
        f"SROI valuation of {title}",
        f"All figures in {v.price_year} prices ({v.deflators.title}, {v.deflators.vintage}).",
        f"Discounting: {v.discounting.describe()}.",
        "",
        fmt.text_table(
            ["Figure", "Value"],
            [
                ["Present value of outcomes", fmt.money(s["present_value"])],
                ["Total inputs", fmt.money(s["total_inputs"])],
                ["SROI ratio", fmt.ratio(s["sroi_ratio"])],
                ["Net SROI ratio", f"{s['net_sroi_ratio']:,.2f}"],
                ["Net present value (NPV)", fmt.money(s["npv"])],
                ["Payback", fmt.months(s["payback_months"])],
            ],
            right={1},
        ),
        "",
        f"Every £1 invested returns {fmt.money(s['sroi_ratio'])} of social value (present value).",
        "",
        "Outcome lines",
        fmt.text_table(
            ["Row", "Stakeholder", "Outcome", "Value per unit", "Impact (year 1)", "Years", "Present value", "Source"],
            [
                [r.row if r.row == r.row and r.row is not None else "", r.stakeholder, r.outcome,
                 fmt.money(r.value_per_unit), fmt.money(r.impact), f"{r.start_year}-{r.end_year}",
                 fmt.money(r.present_value), r.proxy_id or r.source]
                for r in v.lines.itertuples()
            ],
            right={0, 3, 4, 6},
        ),
    ]
    tables = [("stakeholder", "Value by stakeholder", v.breakdown("stakeholder")),
              ("value_type", "Value by value type", v.breakdown("value_type")),
              ("theme", "Value by theme", v.breakdown("theme"))]
    if framework is not None:
        tables.append((framework.name, f"Value by {framework.title}", v.by_framework(framework)))
    for by, heading, b in tables:
        out += ["", heading, fmt.text_table(
            ["Group" if by == getattr(framework, "name", None) else by.replace("_", " ").capitalize(),
             "Present value", "Share"],
            [[g, fmt.money(pv), fmt.percent(sh)] for g, pv, sh in zip(b[by], b["present_value"], b["share"])],
            right={1, 2})]
    return "\n".join(out)


def _price_year(text, deflators) -> int:
    """A --price-year option, checked against the deflator series."""
    if text is None:
        return deflators.last_year
    try:
        year = int(text)
    except ValueError:
        raise InputError(Problem(f"--price-year '{text}' is not a year",
                                 fix=f"Give a year from {deflators.describe_range()}.")) from None
    if not deflators.covers(year):
        raise InputError(Problem(f"--price-year {year} is outside the GDP deflator series ({deflators.describe_range()})",
                                 fix=f"Give a year from {deflators.describe_range()}."))
    return year


def _library(args):
    from .proxies import library_with

    library = library_with(args.proxies)
    for warning in library.warnings:
        print(f"sroi proxies: note: {warning}", file=sys.stderr)
    return library


def _proxy_records(table) -> list[dict]:
    from .proxies import COLUMNS

    cols = COLUMNS + [c for c in ("value_repriced", "repriced_to", "score") if c in table.columns]
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()} for r in table[cols].to_dict("records")]


def _cmd_proxies_search(args) -> int:
    from . import formatting as fmt
    from .frameworks import load_framework

    library = _library(args)
    year = _price_year(args.price_year, library.deflators)
    themes = load_framework(args.framework).themes_of(args.pillar) if args.pillar else None
    if args.limit < 1:
        raise InputError(Problem("--limit must be 1 or more"))
    found = library.repriced(year, library.search(" ".join(args.words), limit=args.limit, theme=args.theme,
                                                  value_type=args.value_type, themes=themes))
    if args.json:
        print(json.dumps(_proxy_records(found), indent=2))
        return EXIT_OK
    if found.empty:
        print(f"No proxies match '{' '.join(args.words)}'. Try fewer or shorter words.")
        return EXIT_OK
    print(fmt.text_table(
        ["Id", "Name", "Unit", f"Value ({year} prices)", "Stated", "Theme", "Source"],
        [[r.proxy_id, r.name, r.unit, fmt.money(r.value_repriced), f"{fmt.money(r.value)} ({r.price_year})", r.theme,
          r.source] for r in found.itertuples()],
        right={3}, max_width=40))
    print(f"\n{len(found)} shown. `sroi proxies show ID` gives the full source and licence.")
    return EXIT_OK


def _cmd_proxies_show(args) -> int:
    from . import formatting as fmt

    library = _library(args)
    year = _price_year(args.price_year, library.deflators)
    if args.proxy_id not in library:
        close = library.search(args.proxy_id.replace("-", " "), limit=3)["proxy_id"].tolist()
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise InputError(Problem(f"there is no proxy with id '{args.proxy_id}'.{hint}",
                                 fix="Find ids with `sroi proxies search WORDS`."))
    p = library[args.proxy_id]
    repriced = library.deflators.reprice(p.value, p.price_year, year)
    if args.json:
        print(json.dumps(_proxy_records(library.repriced(year, library.table[library.table["proxy_id"] == p.proxy_id]))[0],
                         indent=2))
        return EXIT_OK
    rows = [["Id", p.proxy_id], ["Name", p.name], ["Outcome", p.outcome], ["Unit", p.unit],
            ["Value as published", f"{fmt.money(p.value)} in {p.price_year} prices"],
            [f"Value in {year} prices", f"{fmt.money(repriced)} (GDP deflator, {library.deflators.vintage})"],
            ["Value type", p.value_type or "not stated"], ["Theme", p.theme], ["Source", p.source],
            ["Source address", p.source_url], ["Licence", p.licence], ["Notes", p.notes or ""],
            ["From file", p.origin]]
    width = max(len(r[0]) for r in rows)
    print("\n".join(f"{k.ljust(width)}  {v}" for k, v in rows))
    return EXIT_OK


def _cmd_proxies_import(args) -> int:
    from .importers import import_mapped, import_sve, import_toms, parse_mapping, write_library

    if args.map and args.format != "csv":
        raise InputError(Problem("--map is only used with --format csv"))
    if args.format == "sve":
        result = import_sve(args.file)
    elif args.format == "toms":
        result = import_toms(args.file, **({"source_url": args.source_url} if args.source_url else {}))
    else:
        result = import_mapped(args.file, parse_mapping(args.map))
    if result.table.empty:
        raise InputError([Problem("no row could be imported", file=args.file)] + result.skipped)
    write_library(result.table, args.output)
    print(f"Imported {len(result.table)} proxies from {args.file} into {args.output}.")
    if result.skipped:
        print(f"{len(result.skipped)} rows not imported:", file=sys.stderr)
        for problem in result.skipped:
            print(f"  - {problem}", file=sys.stderr)
    return EXIT_OK


def _cmd_proxies_check(args) -> int:
    from .proxies import load_library

    library = load_library(args.file)
    print(f"{args.file}: {len(library)} proxies, no problems found.")
    return EXIT_OK


def _contract_commitments(params_file):
    from .params import load_params
    from .proxies import library_with
    from .tracking import read_commitments

    params = load_params(params_file)
    if not params.commitments:
        raise InputError(Problem("records no commitments, so there is nothing to return",
                                 file=str(params_file), column="commitments",
                                 fix="Add 'commitments: FILE' (and contract_start, contract_end) to the parameters."))
    return params, read_commitments(params.commitments, library_with(params.proxies))


def _cmd_template_returns(args) -> int:
    from .returns import write_template

    params, commitments = _contract_commitments(args.contract)
    path = write_template(args.output, params, commitments, params.periods)
    print(f"Returns workbook for {params.contract_id} written to {path}: {len(params.periods)} quarters × "
          f"{len(commitments)} measures. Send it to {params.supplier}.")
    return EXIT_OK


def _cmd_returns_check(args) -> int:
    from .returns import check_returns

    params, commitments = _contract_commitments(args.contract)
    rows = check_returns(args.file, commitments, params.periods)
    quarters = sorted(set(rows["period"]))
    print(f"{args.file}: no problems found. {len(rows)} quantities for {len(quarters)} quarter(s)"
          + (f" ({quarters[0]} to {quarters[-1]})." if quarters else "."))
    return EXIT_OK


def _cmd_run(args) -> int:
    from .runner import RunFailed, run_contract

    try:
        result = run_contract(args.params, args.out, pdf=args.pdf, kernel=args.kernel, timeout=args.timeout)
    except RunFailed as exc:
        print(f"sroi run: the report for {args.params} was not written: {exc}", file=sys.stderr)
        print("Any previous report is unchanged.", file=sys.stderr)
        return 1
    for note in result.notes:
        print(f"sroi run: note: {note}", file=sys.stderr)
    print(f"Report for {result.contract_id} written to {result.folder} in {result.seconds:.1f} s.")
    return EXIT_OK


def _cmd_batch(args) -> int:
    import os

    from .runner import run_batch

    workers = args.workers or min(4, os.cpu_count() or 1)
    if workers < 1:
        raise InputError(Problem("--workers must be 1 or more"))
    results = run_batch(args.params_dir, args.out, workers=workers, pdf=args.pdf, kernel=args.kernel,
                        timeout=args.timeout)
    done = [r for r in results if r[1] == "done"]
    failed = [r for r in results if r[1] == "failed"]
    print(f"{len(done)} of {len(results)} contracts done; reports are in {args.out}/")
    for file, _, result in done:
        print(f"  done    {result.contract_id}  ({result.seconds:.1f} s)")
        for note in result.notes:
            print(f"          note: {note}")
    if failed:
        print(f"{len(failed)} failed:")
        for file, _, reason in failed:
            print(f"  failed  {file}: {reason}")
    return 1 if failed else EXIT_OK


def dashboard_command(reports: str, port: int, open_browser: bool = False) -> tuple[list[str], dict]:
    """The Voilà command line and environment that serve the portfolio dashboard."""
    import os
    from pathlib import Path

    from .runner import REPORT_NOTEBOOK

    notebook = REPORT_NOTEBOOK.parent / "portfolio_dashboard.ipynb"
    cmd = [sys.executable, "-m", "voila", str(notebook), f"--port={port}", "--Voila.ip=127.0.0.1",
           "--theme=light", "--strip_sources=True"]
    if not open_browser:
        cmd.append("--no-browser")
    env = {**os.environ, "SROI_REPORTS_DIR": str(Path(reports).resolve())}
    return cmd, env


def _cmd_dashboard(args) -> int:
    import subprocess
    from pathlib import Path

    from .portfolio import load_portfolio

    portfolio = load_portfolio(args.reports)  # refuse a bad folder before starting a server
    if portfolio.contracts.empty:
        raise InputError(Problem("holds no reports (no */results.json)", file=args.reports,
                                 fix="Run `sroi batch parameters/` first."))
    cmd, env = dashboard_command(args.reports, args.port, open_browser=not args.no_browser)
    print(f"Serving the portfolio dashboard for {len(portfolio.contracts)} contracts from {Path(args.reports)} at "
          f"http://127.0.0.1:{args.port}/ (Ctrl+C to stop).")
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return EXIT_OK


def _cmd_audit(args) -> int:
    from .audit import audit_report

    result = audit_report(args.report_dir, kernel=args.kernel, timeout=args.timeout)
    if result.verified:
        print(f"VERIFIED: {args.report_dir}")
        for item in result.checked:
            print(f"  - {item}")
        return EXIT_OK
    print(f"NOT VERIFIED: {args.report_dir} ({len(result.differences)} differences)")
    for item in result.differences:
        print(f"  - {item}")
    print("Checked:")
    for item in result.checked:
        print(f"  - {item}")
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
