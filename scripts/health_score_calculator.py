#!/usr/bin/env python3
"""Customer health scores: usage, engagement, support and relationship, 0-100, Green / Yellow / Red.

Run `python3 scripts/health_score_calculator.py --help`. The work is done by the
`csm` package beside this file; this script only wires the health analysis into
the shared command line.
"""

from csm.learn import backtest
from csm.report import focus
from csm.score import health
from csm.render import health as health_views
from csm.cli.run import Tool, run, run_script

TOOL = Tool(
    prog="health_score_calculator.py",
    report="customer_health",
    description=(
        "Score each account's health 0-100 over usage, engagement, support and relationship, "
        "class it Green / Yellow / Red with segment-aware cut-offs, show trends against the "
        "previous period, why the score is what it is, and what to do."
    ),
    example="python3 scripts/health_score_calculator.py assets/sample_customer_data.json",
    prepare=lambda methodology, args: health.prepare(methodology, args.as_of),
    assess=health.assess,
    summary=health.Summary,
    sort_key=health.urgency_key,
    facts=focus.health_facts,
    filters=focus.HEALTH_FILTERS,
    views=health_views,
    sections=("health",),
    add_arguments=backtest.add_arguments,
    finish=backtest.finisher(backtest.HEALTH),
    finish_when=backtest.requested,
)


def main(argv=None):
    return run(TOOL, argv)


if __name__ == "__main__":
    run_script(TOOL)
