#!/usr/bin/env python3
"""The QBR-ready portfolio report: health, churn risk and expansion over one book, and what to do this week.

Run `python3 scripts/portfolio_report.py --help`. The work is done by the `csm`
package beside this file (csm.report.portfolio for the analysis and its views,
csm.render.portfolio for markdown, HTML and text, csm.cli.report for the options of
its own); this script only names what the tool is.

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

from csm.cli import report, scoring
from csm.cli.command import main as run_command
from csm.render import portfolio as views
from csm.report.analyses import PORTFOLIO as ANALYSIS

COMMAND = scoring.command(
    prog="portfolio_report.py",
    description=(
        "Run the health, churn risk and expansion analyses over one portfolio and write the report a VP "
        "of Customer Success takes into a QBR: the book at a glance (health mix, ARR at risk, expansion "
        "potential, NRR and GRR), this week's critical and high risk accounts, renewals and a forecast for "
        "the next four quarters, trends, the expansion pipeline, and who to call this week."
    ),
    example="python3 scripts/portfolio_report.py assets/sample_customer_data.json --format html --output qbr.html",
    analysis=ANALYSIS,
    views=views,
    formats=("markdown", "html", "json", "text"),
    extras=(report.EXTRA,),
    epilog=report.EPILOG,
)


def main(argv=None):
    return run_command(COMMAND, argv)


if __name__ == "__main__":
    raise SystemExit(main())
