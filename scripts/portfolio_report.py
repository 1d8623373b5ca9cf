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

from csm import changes, portfolio, portfolio_brief, portfolio_views
from csm.cli import Tool, run, run_script, warning

EPILOG = """
retention (JSON object input only): a top-level "retention" object with
starting_arr, expansion_arr, contraction_arr, churned_arr (and optional
period_start, period_end) adds NRR and GRR to the book at a glance:
  NRR = (starting + expansion - contraction - churned) / starting
  GRR = (starting - contraction - churned) / starting
renewal quarters: rolling 91-day windows from --as-of (Q1 = days 0-90).
"""


def add_arguments(parser):
    parser.add_argument("--full", action="store_true",
                        help="json: each account's three results in full, as each tool writes them "
                             "(default: a brief per account)")


def _lean(args):
    """True when the run writes no account's results in full (not json --full) and keeps no history
    (the history keeps each analysis' figures): the analyses then skip what nobody reads."""
    return not (args.format == "json" and args.full) and not changes.requested(args)


def finish(report, model, args, opened):
    for line in portfolio.complete(report, model, opened.document, opened.name):
        warning(line)
    if args.format == "json" and not args.full:
        portfolio_brief.abridge(report["customers"])


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
    prepare=lambda methodology, args: portfolio.prepare(methodology, args.as_of, lean=_lean(args)),
    assess=portfolio.assess,
    summary=portfolio.Summary,
    sort_key=portfolio.urgency_key,
    views=portfolio_views,
    formats=("markdown", "html", "json", "text"),
    default_format="markdown",
    add_arguments=add_arguments,
    finish=finish,
    epilog_extra=EPILOG,
)


def main(argv=None):
    return run(TOOL, argv)


if __name__ == "__main__":
    run_script(TOOL)
