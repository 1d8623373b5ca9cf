"""The backtest's options on the health and churn tools: --outcomes and --capacity (csm.learn.backtest).

`extra(kind)` is the csm.cli.scoring.Extra a tool takes: its options, the usage
checks that tie them to the others, and the finish that reads the outcomes, adds
`report["backtest"]` and lists unusable outcome rows under `rejected` (exit 3),
one stderr line per problem. An unreadable outcomes file raises InputError (exit 1).
"""

import argparse
from typing import Any, Iterable, Optional

from csm.cli.options import STREAMING_FORMATS, whole_number
from csm.cli.say import error, warning
from csm.cli.scoring import Extra
from csm.ingest.book import Portfolio
from csm.ingest.ids import SeenIds
from csm.learn.backtest import Kind, Outcomes, backtest, date_range, read_outcomes, where


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --outcomes and --capacity."""
    group = parser.add_argument_group(
        "backtest",
        "Score the book as usual, then measure whether the scores predicted the churn\n"
        "the team saw, e.g.\n"
        f"  python3 scripts/{parser.prog} book.json --outcomes outcomes.csv\n"
        "Needs --format text, json or markdown: jsonl and csv stream the book one\n"
        "account at a time, the backtest ranks all of it. Unusable outcome rows are\n"
        "listed and skipped (exit 3); an unreadable outcomes file exits 1.",
    )
    group.add_argument("--outcomes", metavar="FILE",
                       help="known outcomes (CSV, JSON array or JSON Lines: customer_id, churned true/false, "
                            "optional outcome_date YYYY-MM-DD); adds a backtest to the report")
    group.add_argument("--capacity", metavar="N", type=whole_number(1, "accounts"),
                       help="accounts the team can work, for precision and recall at N "
                            "(default: the size of the top band)")


def check(args: argparse.Namespace) -> Optional[str]:
    """The usage errors across options: a streaming format, stdin twice, --capacity alone.

    The streaming formats write each account as it is read; the backtest ranks the
    whole book, so it goes with text, json and markdown.
    """
    if args.outcomes is not None and not args.print_config:
        if args.format in STREAMING_FORMATS:
            return (f"--outcomes cannot be used with --format {args.format}: {args.format} streams "
                    "one account at a time; use --format json (or text, markdown) for a backtest")
        if args.outcomes == "-" and args.input == "-":
            return "INPUT and --outcomes cannot both be - (standard input)"
    if args.capacity is not None and args.outcomes is None:
        return "--capacity needs --outcomes"
    return None


def extra(kind: Kind) -> Extra:
    """The backtest Extra of a tool of this kind (csm.learn.backtest.HEALTH or CHURN)."""
    def finish(report: dict, model: Any, args: argparse.Namespace, book: Portfolio, seen: SeenIds) -> None:
        if args.outcomes is None:
            return
        outcomes = read_outcomes_said(args.outcomes)
        # every record of the book had its id seen, so the rejected ones past the listed thousand count too
        rejected_ids = [customer_id for customer_id in outcomes.by_id if seen.holds(customer_id)]
        report["backtest"] = backtest(
            report["customers"], {i: outcome.churned for i, outcome in outcomes.by_id.items()}, kind,
            model.methodology, capacity=args.capacity, rejected_ids=rejected_ids,
            rejected_outcomes=len(outcomes.rejected),
        )
        report["backtest"]["outcome_dates"] = date_range(outcomes)
        report["rejected"].extend(outcomes.rejected)  # the exit status is 3 when this list is not empty
    return Extra(add_arguments, check, finish)


def read_outcomes_said(path: str) -> Outcomes:
    """read_outcomes, with its warning lines and an error line per problem of a rejected row."""
    outcomes = read_outcomes(path)
    for line in outcomes.warnings:
        warning(line)
    say_rejected(outcomes.rejected)
    return outcomes


def say_rejected(entries: Iterable[dict]) -> None:
    """Write one `error:` line per problem of each rejected entry (outcome rows, or records), naming it."""
    for entry in entries:
        for problem in entry["errors"]:
            error(f"{where(entry)}: {problem}")
