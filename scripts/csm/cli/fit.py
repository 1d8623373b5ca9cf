"""The fitter's command (scripts/fit_scorecard.py): its options and its run, wired as every tool is.

The method is csm.learn.scorecard (and csm.learn.fitting); the report's wording
csm.render.scorecard. This module parses nothing itself (csm.cli.command does),
reads the book as the tools do (the --map, header matching), writes the fitted
methodology whole or not at all, then prints what it learnt.
"""

import argparse
import sys
from typing import Iterable, Optional

from csm import __version__
from csm.cli import run_date
from csm.cli.backtest import read_outcomes_said, say_rejected
from csm.cli.command import EXIT_FAILED, EXIT_OK, EXIT_SOME_REJECTED, Command, quiet_broken_pipe
from csm.cli.options import add_sources, add_version, as_of_date, seed, whole_number
from csm.cli.output import Sink
from csm.cli.scoring import collector_paused
from csm.cli.say import error, note, warning
from csm.config.methodology import load_methodology, render_methodology
from csm.ingest.records import open_portfolio
from csm.learn.candidates import NO_EFFECT, UNUSABLE
from csm.learn.scorecard import ANALYSES, fit_scorecard, match_outcomes
from csm.learn.selection import MAX_METRICS
from csm.render import json_document, scorecard as scorecard_views

TOOLS = {"churn": "churn_risk_analyzer.py", "health": "health_score_calculator.py"}
EPILOG = """\
what it does: every column the accounts carry (but their id, name, segment, ARR,
owner and dates) is a candidate: numbers in quantile bands, labels, yes/no. An
L2 logistic regression, its penalty chosen by stratified k-fold validation,
learns their points; it keeps the smallest scorecard within one standard error
of the best out of fold (of the fold-wise difference), at most 10 metrics
(--max-metrics N changes the cap, --all-metrics keeps all). The
file holds them as a churn risk (signals of points adding up to 0-100, with a
map from risk to churn probability) or a health score (dimensions of 0-100
scores), with cut-offs chosen on out-of-fold scores. The report says how the
fit holds on accounts it did not learn from, beside the starting model.

exit status: 0 fitted and written; 1 nothing could be fitted (unreadable
files, no churned or no retained account, bad --config); 2 wrong command line;
3 fitted and written, but some records or outcome rows were rejected (listed).
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", metavar="PORTFOLIO", help="portfolio file (JSON, JSON Lines or CSV), or -")
    parser.add_argument("--outcomes", metavar="FILE", required=True,
                        help="known outcomes: customer_id, churned true/false (CSV, JSON or JSON Lines)")
    parser.add_argument("--analysis", choices=ANALYSES, required=True, help="the scorecard to fit")
    parser.add_argument("--output", metavar="FITTED.json", required=True,
                        help="where the fitted methodology is written (whole or not at all)")
    parser.add_argument("--map", metavar="FILE",
                        help="JSON map of the export's own column names to schema fields, as every tool "
                             "takes (see their --print-map); columns it leaves unclaimed are candidates")
    add_sources(parser)
    parser.add_argument("--config", metavar="START",
                        help="starting methodology, measured beside the fit (default: the shipped one)")
    parser.add_argument("--folds", type=whole_number(2, "folds"), default=5, metavar="K",
                        help="folds of the cross-validation (default: 5)")
    parser.add_argument("--seed", type=seed, default=1, metavar="N", help="seed of the folds (default: 1)")
    parser.add_argument("--as-of", type=as_of_date, metavar="YYYY-MM-DD",
                        help="the date 'today' means (default: the book's own as_of, else today)")
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                        help="report format (default: text)")
    kept = parser.add_mutually_exclusive_group()
    kept.add_argument("--max-metrics", type=whole_number(1, "max-metrics"), metavar="N",
                      help=f"keep at most N metrics of the smallest scorecard within one standard error of the "
                           f"best (default: {MAX_METRICS}; the report says when the cap binds)")
    kept.add_argument("--all-metrics", action="store_true",
                      help="keep every candidate metric (no selection)")


def check(args: argparse.Namespace) -> Optional[str]:
    if args.input == "-" and args.outcomes == "-":
        return "PORTFOLIO and --outcomes cannot both be - (standard input)"
    return None


def _said(lines: Iterable[str]) -> int:
    """Write the reading's warning lines, but those naming columns no analysis reads: here they are candidates."""
    candidates = 0
    for line in lines:
        if " is not read" in line:
            candidates += 1
        else:
            warning(line)
    return candidates


def run(args: argparse.Namespace) -> int:
    """Fit, write the methodology file, print the report; return the exit status."""
    start = load_methodology(args.config)
    sink = Sink(args.output)
    try:
        with collector_paused():  # as the scoring tools: the fit makes millions of objects, no cycles
            book = open_portfolio(args.input, map=args.map, sheet=args.sheet, methodology=start,
                                  sections=(args.analysis,), joins=args.joins)
            run_day = run_date.decide(args.as_of, book)  # --as-of, else the book's own date, else today
            args.as_of = run_day.day
            for line in run_day.notes + book.notes:
                note(line)
            _said(book.warnings)
            outcomes = read_outcomes_said(args.outcomes)
            matched = match_outcomes(book, outcomes, start["segments"])
            say_rejected(matched.rejected)
            fitted = fit_scorecard(matched, book.from_text, args.analysis, start, args.folds, args.seed, args.as_of,
                                   args.max_metrics or MAX_METRICS, args.all_metrics)
            _said(book.closing_warnings())
            for line in fitted.report["warnings"]:
                warning(line)
            # the columns it could not use, or that rounded to no effect (not nested objects, not those left out)
            dropped = [entry for entry in fitted.dropped if entry.kind in (UNUSABLE, NO_EFFECT)]
            if dropped:
                named = "; ".join(f"{entry.column} ({entry.why})" for entry in dropped[:3])
                warning(f"{len(dropped):,} candidate columns were not fitted: {named}"
                        + (" ..." if len(dropped) > 3 else "") + "; the report lists each with why")
            if matched.not_in_portfolio:
                warning(f"{len(matched.not_in_portfolio):,} outcomes name an account the portfolio does not have "
                        f"(first: {matched.not_in_portfolio[0]}); they are listed in the report")
        sink.write(render_methodology(fitted.methodology))
        sink.commit()
    except BaseException as exc:
        sink.abort()
        if isinstance(exc, OSError):
            error(f"cannot write {args.output}: {exc.strerror or exc}")
            return EXIT_FAILED
        raise
    report = dict(fitted.report, tool=TOOLS[args.analysis], output=args.output)
    report["rejected"] = report["rejected"] + outcomes.rejected
    status = EXIT_SOME_REJECTED if report["rejected"] else EXIT_OK
    if args.format == "json":
        document = json_document.indented(report)
    elif args.format == "markdown":
        document = scorecard_views.markdown(report)
    else:
        document = scorecard_views.text(report)
    try:
        sys.stdout.write(document)
        sys.stdout.flush()
    except BrokenPipeError:
        quiet_broken_pipe()
    return status


COMMAND = Command(
    prog="fit_scorecard.py",
    description="Learn the points of a transparent churn or health scorecard from known\n"
                "outcomes and write them as a methodology file that --config reads.",
    examples=("python3 scripts/fit_scorecard.py assets/sample_customer_data.json --outcomes "
              "assets/sample_outcomes.csv --analysis churn --output fitted.json",
              "python3 scripts/churn_risk_analyzer.py book.csv --config fitted.json"),
    options=(add_arguments, add_version(__version__)),
    run=run,
    epilog=EPILOG,
    check=check,
)
