#!/usr/bin/env python3
"""Expansion opportunities: seat expansion, tier upgrades, module cross-sell and new departments.

Run `python3 scripts/expansion_opportunity_scorer.py --help`. The work is done by
the `csm` package beside this file; this script only names what the tool is.
"""

from csm.cli import opportunities, scoring
from csm.cli.command import main as run_command
from csm.render import expansion as views
from csm.report.analyses import EXPANSION as ANALYSIS

COMMAND = scoring.command(
    prog="expansion_opportunity_scorer.py",
    description=(
        "Find each account's expansion opportunities (seat expansion, the next tier up, module "
        "cross-sell, new departments) with estimated revenue, effort, priority and a rationale; "
        "surface under-used modules as enablement needs; mark accounts that must be stabilised "
        "first (red health or high churn risk) and rank the ready ones by potential."
    ),
    example="python3 scripts/expansion_opportunity_scorer.py assets/sample_customer_data.json",
    analysis=ANALYSIS,
    views=views,
    extras=(opportunities.EXTRA,),
)


def main(argv=None):
    return run_command(COMMAND, argv)


if __name__ == "__main__":
    raise SystemExit(main())
