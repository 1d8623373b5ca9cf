#!/usr/bin/env python3
"""The QBR-ready portfolio report: health, churn risk and expansion over one book, and what to do this week.

Run `python3 scripts/portfolio_report.py --help`. The work is done by the `csm`
package beside this file (`csm.portfolio` for the analysis, `csm.portfolio_views`
for markdown, HTML and text, `csm.portfolio_brief` for the brief per account its JSON
lists unless --full); this script only wires them into the shared command line.

A JSON portfolio may carry a top-level `retention` object for NRR and GRR:

    {"customers": [...],
     "retention": {"period_start": "2026-07-01", "period_end": "2026-09-30",
                   "starting_arr": 2400000, "expansion_arr": 310000,
                   "contraction_arr": 45000, "churned_arr": 120000}}

starting_arr is the ARR of the accounts at the start of the period; expansion_arr,
contraction_arr and churned_arr are what those accounts added, lost by downgrade and
lost by leaving during it (new logos are not part of NRR). All four are required
(0 or more, starting_arr above 0); the dates are optional.
"""

from csm.report import brief, changes, focus, portfolio
from csm.ingest import columns as ingest
from csm.render import portfolio as portfolio_views
from csm.cli.run import Tool, run, run_script, warning, whole_number
from csm.errors import InputError

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


def add_arguments(parser):
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


def prepare(methodology, args):
    model = portfolio.prepare(methodology, args.as_of, args.capacity, lean=_lean(args))
    args.retention_document = None
    if args.retention is not None:  # read and checked before the book, so a bad file costs no scoring
        args.retention_document = ingest.load_retention(args.retention)
        portfolio.read_retention(args.retention_document, model, f"--retention {args.retention}")
    return model


def _lean(args):
    """True when the run writes no account's results in full (not json --full, not an --account
    brief) and keeps no history (it keeps each analysis' figures): the analyses skip what nobody reads."""
    return not (args.format == "json" and args.full) and args.account is None and not changes.requested(args)


def finish(report, model, args, opened, parts):
    if args.template is not None and args.account is None:
        raise InputError("--template needs --account ID (the account whose brief fills it)")
    if args.retention_document is not None:
        document, source = args.retention_document, f"--retention {args.retention}"
    else:
        document, source = opened.document, opened.name
    for line in portfolio.complete(report, model, document, source, parts):
        if args.account is None or line.startswith(f"{args.account}:"):
            warning(line)
    if args.account is not None:
        brief.into_report(report, args.account, model.as_of, args.template, getattr(model, "focus", None) is not None)


def json_part(args, model, encode):
    """Unless --full or --account: each account's brief (what the json lists, csm.portfolio_brief) and
    its entries in the views, as JSON texts made as the account is scored (csm.portfolio.json_part)."""
    return portfolio.json_part(model, encode) if not args.full and args.account is None else None


TOOL = Tool(
    prog="portfolio_report.py",
    report="portfolio_report",
    description=(
        "Run the health, churn risk and expansion analyses over one portfolio and write the report a VP "
        "of Customer Success takes into a QBR: the book at a glance (health mix, ARR at risk, expansion "
        "potential, NRR and GRR), this week's critical and high risk accounts, renewals and a forecast for "
        "the next four quarters, trends, the expansion pipeline, and who to call this week."
    ),
    example="python3 scripts/portfolio_report.py assets/sample_customer_data.json --format html --output qbr.html",
    prepare=prepare,
    assess=portfolio.assess,
    summary=portfolio.Summary,
    sort_key=portfolio.urgency_key,
    facts=focus.portfolio_facts,
    filters=focus.ALL_FILTERS,
    views=portfolio_views,
    formats=("markdown", "html", "json", "text"),
    default_format="markdown",
    add_arguments=add_arguments,
    finish=finish,
    helped_when=_lean,  # its lean results are small enough to read back from a helper (csm.cli)
    json_part=json_part,
    epilog_extra=EPILOG,
)


def main(argv=None):
    return run(TOOL, argv)


if __name__ == "__main__":
    run_script(TOOL)
