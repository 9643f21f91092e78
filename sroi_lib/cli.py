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
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.set_defaults(handler=_cmd_value)
    return parser


def _version() -> str:
    from . import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except InputError as exc:
        print(f"sroi {args.command}: cannot continue, because of {_count(len(exc.problems))}:", file=sys.stderr)
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
    from .io import read_impact_map, read_inputs
    from .prices import load_deflators
    from .schema import CellError, parse_number
    from .valuation import investment_inputs, value, zero_inputs_problem

    problems: list[Problem] = []
    deflators = load_deflators()

    price_year = None
    if args.price_year is not None:
        try:
            price_year = int(args.price_year)
        except ValueError:
            problems.append(Problem(f"--price-year '{args.price_year}' is not a year",
                                    fix=f"Give a year from {deflators.describe_range()}."))
        else:
            if not deflators.covers(price_year):
                problems.append(Problem(
                    f"--price-year {price_year} is outside the GDP deflator series ({deflators.describe_range()})",
                    fix=f"Give a year from {deflators.describe_range()}."))
    schedule = None
    try:
        schedule = parse_discounting(args.discount)
    except InputError as exc:
        problems.extend(Problem(f"--discount: {p.message}") for p in exc.problems)

    impact_map = inputs = None
    try:
        impact_map = read_impact_map(args.impact_map, proxies=None, deflators=deflators)
    except InputError as exc:
        problems.extend(exc.problems)
    if args.inputs is not None:
        try:
            inputs = read_inputs(args.inputs)
        except InputError as exc:
            problems.extend(exc.problems)
    else:
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

    valuation = value(impact_map, inputs, price_year=price_year, discounting=schedule, deflators=deflators)
    if args.json:
        print(json.dumps(valuation.to_dict(), indent=2, allow_nan=False))
    else:
        print(render_text(valuation, args.impact_map, fmt))
    return EXIT_OK


def render_text(v, title: str, fmt) -> str:
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
    for by, heading in (("stakeholder", "Value by stakeholder"), ("value_type", "Value by value type"),
                        ("theme", "Value by theme")):
        b = v.breakdown(by)
        out += ["", heading, fmt.text_table(
            [by.replace("_", " ").capitalize(), "Present value", "Share"],
            [[g, fmt.money(pv), fmt.percent(sh)] for g, pv, sh in zip(b[by], b["present_value"], b["share"])],
            right={1, 2})]
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
