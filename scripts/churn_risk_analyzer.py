#!/usr/bin/env python3
"""Churn risk: five warning signals and renewal urgency, 0-100, Critical / High / Medium / Low.

Run `python3 scripts/churn_risk_analyzer.py --help`. The work is done by the
`csm` package beside this file; this script only names what the tool is.
"""

from csm.cli import backtest, scoring
from csm.cli.command import main as run_command
from csm.learn.backtest import CHURN
from csm.render import churn as views
from csm.report.analyses import CHURN as ANALYSIS

COMMAND = scoring.command(
    prog="churn_risk_analyzer.py",
    description=(
        "Score each account's churn risk 0-100 from usage decline, engagement drop, support issues, "
        "relationship signals and commercial factors, weighted up as the renewal nears; tier it "
        "Critical / High / Medium / Low, list its warning signals most severe first, say why, and "
        "give the tier's intervention playbook."
    ),
    example="python3 scripts/churn_risk_analyzer.py assets/sample_customer_data.json --as-of 2026-11-22",
    analysis=ANALYSIS,
    views=views,
    extras=(backtest.extra(CHURN),),
)


def main(argv=None):
    return run_command(COMMAND, argv)


if __name__ == "__main__":
    raise SystemExit(main())
