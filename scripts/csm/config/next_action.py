"""The `next_action` section: the renewal windows the one-decision rule reads (csm.score.next_action)."""

from csm.config.checks import check_number

# The attention of a next action, most urgent first: words of their own, so that no word means two
# things ("critical" stays a churn tier).
ACT_TODAY, THIS_WEEK, THIS_MONTH, MONITOR = "act today", "this week", "this month", "monitor"
ATTENTIONS = (ACT_TODAY, THIS_WEEK, THIS_MONTH, MONITOR)

DEFAULTS = {
    # Ours (issue 15): a renewal this close is worked this week (today when the account is
    # also at high risk or red); the churn tool's shortest renewal window.
    "renewal_soon_days": 30,
    # Ours: a renewal within this many days is looked at this month (the churn tool's
    # "next 90 days", the renewal playbook's kickoff 90 days out).
    "renewal_watch_days": 90,
}


OPEN_PATHS = ()


def check(section, methodology):
    """Return the problems of the next_action section: two windows in days, the watch one the longer."""
    problems = []
    for key in ("renewal_soon_days", "renewal_watch_days"):
        found = check_number(section[key], f"next_action.{key}", 0, 3650)
        if not found and section[key] != int(section[key]):
            found = [f"next_action.{key} must be a whole number, got {section[key]:g}"]
        problems += found
    if not problems and section["renewal_soon_days"] > section["renewal_watch_days"]:
        problems.append(f"next_action.renewal_soon_days ({section['renewal_soon_days']:g}) is above "
                        f"next_action.renewal_watch_days ({section['renewal_watch_days']:g})")
    return problems
