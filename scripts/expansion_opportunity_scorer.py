#!/usr/bin/env python3
"""Expansion opportunities: seat expansion, tier upgrades, module cross-sell and new departments.

Run `python3 scripts/expansion_opportunity_scorer.py --help`. The work is done by
the `csm` package beside this file; this script only wires the expansion analysis
into the shared command line.
"""

from csm.score import expansion
from csm.render import expansion as expansion_views
from csm.report import focus
from csm.cli.run import Tool, run, run_script

TOOL = Tool(
    prog="expansion_opportunity_scorer.py",
    report="expansion_opportunities",
    description=(
        "Find each account's expansion opportunities (seat expansion, the next tier up, module "
        "cross-sell, new departments) with estimated revenue, effort, priority and a rationale; "
        "surface under-used modules as enablement needs; mark accounts that must be stabilised "
        "first (red health or high churn risk) and rank the ready ones by potential."
    ),
    example="python3 scripts/expansion_opportunity_scorer.py assets/sample_customer_data.json",
    prepare=lambda methodology, args: expansion.prepare(methodology, args.as_of),
    assess=expansion.assess,
    summary=expansion.Summary,
    sort_key=expansion.portfolio_key,
    facts=focus.expansion_facts,
    filters=focus.ALL_FILTERS,
    views=expansion_views,
    sections=("expansion",),
)


def main(argv=None):
    return run(TOOL, argv)


if __name__ == "__main__":
    run_script(TOOL)
