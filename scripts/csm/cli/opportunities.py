"""The expansion tool's `--by` option: accounts (the default) or single opportunities across the book.

`EXTRA` is the csm.cli.scoring.Extra of scripts/expansion_opportunity_scorer.py:
with `--by opportunity` every format holds the book (the list is sorted across
accounts) and the report's `customers` become `opportunities`, one row each
(csm.report.opportunities); `--top N` then keeps N opportunities.
"""

import argparse
from typing import Any, Optional

from csm.cli.scoring import Extra
from csm.ingest.ids import SeenIds
from csm.ingest.records import Portfolio
from csm.report import opportunities

BY_ACCOUNT, BY_OPPORTUNITY = "account", "opportunity"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", choices=(BY_ACCOUNT, BY_OPPORTUNITY), default=BY_ACCOUNT,
                        help="list accounts (default), or single opportunities across the book, ready first, "
                             "then by estimated revenue (--top N keeps N opportunities)")


def check(args: argparse.Namespace) -> Optional[str]:
    return None


def finish(report: dict, model: Any, args: argparse.Namespace, book: Portfolio, seen: SeenIds) -> None:
    """With --by opportunity, list the listed accounts' opportunities in place of the accounts."""
    if args.by != BY_OPPORTUNITY:
        return
    rejected = report.pop("rejected")
    report["by"] = BY_OPPORTUNITY
    report["opportunities"] = opportunities.rows(report.pop("customers"), model.readiness.upgrade_min_utilisation)
    report["rejected"] = rejected


def sorts(args: argparse.Namespace) -> bool:
    return args.by == BY_OPPORTUNITY


EXTRA = Extra(add_arguments, check, finish, sorts)
