"""The `segments` section: the three segments, and the ARR bands that place an account whose segment is missing.

references/methodology.md, "Segments by ARR": enterprise above $100k, mid-market $25k-$100k, smb below $25k.
"""

from csm.config.checks import check_number

SEGMENTS = ("enterprise", "mid-market", "smb")
DEFAULTS = {
    # references/methodology.md "Segments by ARR": Enterprise > $100k; Mid-Market $25k-$100k; SMB < $25k.
    "by_arr": {
        "enterprise_above": 100000,
        "mid_market_from": 25000,
    },
}


OPEN_PATHS = ()


def check(section, methodology):
    """Return the problems of the `segments` section of a methodology."""
    bands = section["by_arr"]
    problems = check_number(bands["enterprise_above"], "segments.by_arr.enterprise_above", 0)
    problems += check_number(bands["mid_market_from"], "segments.by_arr.mid_market_from", 0)
    if not problems and bands["mid_market_from"] > bands["enterprise_above"]:
        problems.append("segments.by_arr: mid_market_from must not be above enterprise_above")
    return problems
