#!/usr/bin/env python3
"""Customer health scores: usage, engagement, support and relationship, 0-100, Green / Yellow / Red.

Run `python3 scripts/health_score_calculator.py --help`. The work is done by the
`csm` package beside this file; this script only names what the tool is.
"""

from csm.cli import backtest, scoring
from csm.cli.command import main as run_command
from csm.learn.backtest import HEALTH
from csm.render import health as views
from csm.report.analyses import HEALTH as ANALYSIS

COMMAND = scoring.command(
    prog="health_score_calculator.py",
    description=(
        "Score each account's health 0-100 over usage, engagement, support and relationship, "
        "class it Green / Yellow / Red with segment-aware cut-offs, show trends against the "
        "previous period, why the score is what it is, and what to do."
    ),
    example="python3 scripts/health_score_calculator.py assets/sample_customer_data.json",
    analysis=ANALYSIS,
    views=views,
    extras=(backtest.extra(HEALTH),),
)


def main(argv=None):
    return run_command(COMMAND, argv)


if __name__ == "__main__":
    raise SystemExit(main())
