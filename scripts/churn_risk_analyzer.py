#!/usr/bin/env python3
"""Churn risk: five warning signals and renewal urgency, 0-100, Critical / High / Medium / Low.

Run `python3 scripts/churn_risk_analyzer.py --help`. The work is done by the
`csm` package beside this file; this script only wires the churn analysis into
the shared command line.
"""

from csm.learn import backtest
from csm.score import churn
from csm.render import churn as churn_views
from csm.report import focus
from csm.cli.run import Tool, run, run_script

TOOL = Tool(
    prog="churn_risk_analyzer.py",
    report="churn_risk",
    description=(
        "Score each account's churn risk 0-100 from usage decline, engagement drop, support issues, "
        "relationship signals and commercial factors, weighted up as the renewal nears; tier it "
        "Critical / High / Medium / Low, list its warning signals most severe first, say why, and "
        "give the tier's intervention playbook."
    ),
    example="python3 scripts/churn_risk_analyzer.py assets/sample_customer_data.json --as-of 2026-11-22",
    prepare=lambda methodology, args: churn.prepare(methodology, args.as_of),
    assess=churn.assess,
    summary=churn.Summary,
    sort_key=churn.urgency_key,
    facts=focus.churn_facts,
    filters=focus.CHURN_FILTERS,
    views=churn_views,
    sections=("churn",),
    add_arguments=backtest.add_arguments,
    finish=backtest.finisher(backtest.CHURN),
    finish_when=backtest.requested,
)


def main(argv=None):
    return run(TOOL, argv)


if __name__ == "__main__":
    run_script(TOOL)
