"""The portfolio report's own options and finish: --full, --capacity, --account, --template, --retention.

`EXTRA` is the csm.cli.scoring.Extra of scripts/portfolio_report.py: it adds the
cross-views to the scored report (csm.report.portfolio.complete) and turns the
report into one account's brief with --account (csm.report.brief), filling
--template from it. What each account is listed as (its brief in json unless
--full) is csm.report.portfolio.keep.
"""

import argparse
from typing import Any, Optional

from csm.cli.options import whole_number
from csm.cli.say import warning
from csm.cli.scoring import Extra
from csm.errors import InputError
from csm.ingest.book import Portfolio
from csm.ingest.ids import SeenIds
from csm.render import brief as brief_views
from csm.report import brief, focus, history, portfolio
from csm.sidefile import read_template
from csm.grouped import GroupedWarnings

EPILOG = """
retention: a top-level "retention" object of a JSON portfolio, or --retention
FILE.json (any input: CSV, JSON Lines, XLSX), with starting_arr, expansion_arr,
contraction_arr, churned_arr (and optional period_start, period_end) adds NRR
and GRR to the book at a glance:
  NRR = (starting + expansion - contraction - churned) / starting
  GRR = (starting - contraction - churned) / starting
renewal quarters: rolling 91-day windows from --as-of (Q1 = days 0-90).
account brief: --account ACC-1003 --template assets/save_plan_template.md
  writes the save plan of ACC-1003 with its figures filled in.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--full", action="store_true",
                        help="json: each account's three results in full, as each tool writes them "
                             "(default: a brief per account)")
    group = parser.add_argument_group("call list and account brief")
    group.add_argument("--capacity", type=whole_number(1, "calls"), metavar="N",
                       help="calls the team can work this week: the action list's length, the rest "
                            "counted (default: report.action_list.capacity, 15)")
    group.add_argument("--account", metavar="ID",
                       help="write one account's brief instead (health, churn risk, expansion, renewal, "
                            "lifecycle stage, the next best action)")
    group.add_argument("--template", metavar="FILE",
                       help="with --account: fill this template (assets/save_plan_template.md ...) from "
                            "the brief; what the data cannot say is a marked [to fill: ...] blank")
    parser.add_argument("--retention", metavar="FILE",
                        help="JSON file with the period's retention figures (NRR, GRR); "
                             "overrides the portfolio's own")


def check(args: argparse.Namespace) -> Optional[str]:
    return None


def finish(report: dict, model: Any, args: argparse.Namespace, book: Portfolio, seen: SeenIds) -> None:
    """Add the views; then, with --account, make the report that account's brief."""
    if args.template is not None and args.account is None:
        raise InputError("--template needs --account ID (the account whose brief fills it)")
    retention = model.retention
    if retention is None:
        retention = portfolio.read_retention(book.document, model, book.name)
    grouped = GroupedWarnings()  # the same warning for many accounts is one line (an export without product data ...)
    for customer_id, line in portfolio.complete(report, model, retention):
        if args.account is None or customer_id == args.account:
            grouped.add(line.split(", got ")[0], customer_id, line)  # the same problem, whatever value each has
    for line in grouped.lines():
        warning(line)
    if args.account is not None:
        focused = focus.from_args(args, focus.ALL_FILTERS) is not None
        brief.into_report(report, args.account, model.as_of, focused)
        if args.template is not None:
            text = read_template(args.template)
            reviews, earlier = [], 0
            if args.history:
                store = history.Store(args.history)
                reviews, earlier = store.reviews(args.account, report["as_of"], brief.REVIEWS_LISTED)
                for line in store.take_warnings():
                    warning(line)
            proposal = brief.propose(report["account"], model.methodology, reviews, earlier, args.history)
            report["template"] = {"path": args.template,
                                  "text": brief_views.fill(text, report["account"], report["as_of"], proposal)}


def asks_for(args: argparse.Namespace) -> Optional[str]:
    """--account ID: its record's problems are named even when it was rejected past the first ones listed."""
    return args.account


EXTRA = Extra(add_arguments, check, finish, asks_for=asks_for)
