"""The `owners` section: how many accounts of each segment one CSM covers, and when a book is over capacity."""

from csm.config.checks import check_number
from csm.config.segments import SEGMENTS

# references/methodology.md section 5: CSM coverage by segment, 1 CSM : 8 enterprise accounts,
# 1 : 25 mid-market, 1 : 100+ smb; a load over 1.0 is over capacity.
DEFAULTS = {
    "coverage_accounts_per_csm": {"enterprise": 8, "mid-market": 25, "smb": 100},
    "over_capacity_above": 1.0,
}


OPEN_PATHS = ()


def check(section, methodology):
    """Return the problems of an owners section: a coverage above 0 per segment, a capacity above 0."""
    problems = []
    for segment in SEGMENTS:
        problems += check_number(section["coverage_accounts_per_csm"][segment],
                                 f"owners.coverage_accounts_per_csm.{segment}", 1)
    problems += check_number(section["over_capacity_above"], "owners.over_capacity_above", 0.01)
    return problems
