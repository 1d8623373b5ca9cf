#!/usr/bin/env python3
"""Fit a scorecard to the churn a team saw, and write it as a methodology file for --config.

Run `python3 scripts/fit_scorecard.py --help`. The method lives in the `csm`
package beside this file (`csm.scorecard`, `csm.fitting`; the report's wording in
`csm.scorecard_views`); this script only parses, calls and writes.
"""

import argparse
import datetime
import json
import sys

from csm import __version__
from csm.learn.backtest import read_outcomes_for_tool, say_rejected
from csm.cli.run import (EXIT_FAILED, EXIT_OK, EXIT_SOME_REJECTED, EXIT_USAGE, Sink, as_of_date, error, help_formatter, warning, whole_number)
from csm.errors import ConfigError, InputError
from csm.ingest.records import open_portfolio
from csm.config.methodology import load_methodology, render_methodology
from csm.cli.output import interruptions_raise, same_file_as_input
from csm.learn.scorecard import ANALYSES, fit_scorecard, match_outcomes
from csm.render import scorecard as scorecard_views

TOOLS = {"churn": "churn_risk_analyzer.py", "health": "health_score_calculator.py"}
EPILOG = """\
examples:
  python3 scripts/fit_scorecard.py assets/sample_customer_data.json \\
      --outcomes assets/sample_outcomes.csv --analysis churn \\
      --output fitted.json
  python3 scripts/churn_risk_analyzer.py book.csv --config fitted.json

what it does: every column the accounts carry (but their id, name, segment, ARR,
owner and dates) is a candidate: numbers in quantile bands, labels, yes/no. An
L2 logistic regression, its penalty chosen by stratified k-fold validation,
learns their points; the file holds them as a churn risk (signals of points
adding up to 0-100) or a health score (dimensions of 0-100 scores), with
cut-offs chosen on out-of-fold scores. The report says how the fit holds on
accounts it did not learn from, beside the starting model (--config).

exit status: 0 fitted and written; 1 nothing could be fitted (unreadable
files, no churned or no retained account, bad --config); 2 wrong command line;
3 fitted and written, but some records or outcome rows were rejected (listed).
"""


def _seed(text):
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None


def build_parser():
    parser = argparse.ArgumentParser(
        prog="fit_scorecard.py", epilog=EPILOG, formatter_class=help_formatter,
        description="Learn the points of a transparent churn or health scorecard from known\n"
                    "outcomes and write them as a methodology file that --config reads.")
    parser.add_argument("input", metavar="PORTFOLIO", help="portfolio file (JSON, JSON Lines or CSV), or -")
    parser.add_argument("--outcomes", metavar="FILE", required=True,
                        help="known outcomes: customer_id, churned true/false (CSV, JSON or JSON Lines)")
    parser.add_argument("--analysis", choices=ANALYSES, required=True, help="the scorecard to fit")
    parser.add_argument("--output", metavar="FITTED.json", required=True,
                        help="where the fitted methodology is written (whole or not at all)")
    parser.add_argument("--map", metavar="FILE",
                        help="JSON map of the export's own column names to schema fields, as every tool "
                             "takes (see their --print-map); columns it leaves unclaimed are candidates")
    parser.add_argument("--sheet", metavar="NAME", help=".xlsx input: the sheet to read (default: the first)")
    parser.add_argument("--config", metavar="START",
                        help="starting methodology, measured beside the fit (default: the shipped one)")
    parser.add_argument("--folds", type=whole_number(2, "folds"), default=5, metavar="K",
                        help="folds of the cross-validation (default: 5)")
    parser.add_argument("--seed", type=_seed, default=1, metavar="N", help="seed of the folds (default: 1)")
    parser.add_argument("--as-of", type=as_of_date, metavar="YYYY-MM-DD",
                        help="the date 'today' means (default: today)")
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                        help="report format (default: text)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def open_book(args, start):
    """Open the portfolio through the ingest layer (the --map, header matching), as the tools do."""
    return open_portfolio(args.input, map=args.map, sheet=args.sheet, methodology=start, sections=(args.analysis,))


def _said(lines):
    """Write the reading's warning lines, but those naming columns no analysis reads: here they are candidates."""
    candidates = 0
    for line in lines:
        if " is not read" in line:
            candidates += 1
        else:
            warning(line)
    return candidates


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.input == "-" and args.outcomes == "-":
        parser.error("PORTFOLIO and --outcomes cannot both be - (standard input)")
    overwrite = same_file_as_input(args)  # the portfolio, outcomes or config file itself: refused before reading
    if overwrite is not None:
        error(overwrite)
        return EXIT_USAGE
    args.as_of = args.as_of or datetime.date.today()
    with interruptions_raise():  # SIGTERM / SIGHUP clean up as Ctrl-C does
        return _fit(args)


def _fit(args):
    try:
        start = load_methodology(args.config)
    except ConfigError as exc:
        error(exc)
        return EXIT_FAILED
    sink = None
    report = {"rejected": []}
    try:
        sink = Sink(args.output)
        portfolio = open_book(args, start)
        _said(portfolio.warnings)
        outcomes = read_outcomes_for_tool(args.outcomes)
        book = match_outcomes(portfolio, outcomes, start["segments"])
        say_rejected(book.rejected)
        fitted = fit_scorecard(book, portfolio.from_text, args.analysis, start, args.folds, args.seed, args.as_of)
        _said(portfolio.closing_warnings())
        for line in fitted.report["warnings"]:
            warning(line)
        if book.not_in_portfolio:
            warning(f"{len(book.not_in_portfolio):,} outcomes name an account the portfolio does not have "
                    f"(first: {book.not_in_portfolio[0]}); they are listed in the report")
        report = dict(fitted.report, tool=TOOLS[args.analysis], output=args.output)
        report["rejected"] = report["rejected"] + outcomes.rejected
        sink.write(render_methodology(fitted.methodology))
        sink.commit()
        sink = None
        if args.format == "json":
            document = json.dumps(report, indent=2) + "\n"
        elif args.format == "markdown":
            document = scorecard_views.markdown(report)
        else:
            document = scorecard_views.text(report)
        sys.stdout.write(document)
        sys.stdout.flush()
    except InputError as exc:
        if sink is not None:
            sink.abort()
        error(exc)
        return EXIT_FAILED
    except BrokenPipeError:
        return EXIT_OK if not report["rejected"] else EXIT_SOME_REJECTED
    except OSError as exc:
        if sink is not None:
            sink.abort()
        error(f"cannot write {args.output}: {exc.strerror or exc}")
        return EXIT_FAILED
    except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM or SIGHUP (output.Interrupted)
        if sink is not None:
            sink.abort()
        return getattr(exc, "status", 130)
    return EXIT_SOME_REJECTED if report["rejected"] else EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
