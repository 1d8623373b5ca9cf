#!/usr/bin/env python3
"""Fit a scorecard to the churn a team saw, and write it as a methodology file for --config.

Run `python3 scripts/fit_scorecard.py --help`. The method lives in the `csm`
package beside this file (csm.learn.scorecard, csm.learn.fitting; its options and
run in csm.cli.fit); this script only names the command.
"""

from csm.cli.command import main as run_command
from csm.cli.fit import COMMAND


def main(argv=None):
    return run_command(COMMAND, argv)


if __name__ == "__main__":
    raise SystemExit(main())
