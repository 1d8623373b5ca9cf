"""The `changes` section: the red-flag drop and the length of a trajectory (what changed since the last run)."""

from csm.config.checks import check_number

# The trend basis of a health result with history: its trend is against the stored run's score.
HISTORY = "history"

DEFAULTS = {
    # references/methodology.md section 5 (red flags of the seeded playbook): a health score drop of
    # more than 20 points. Churn: a risk rise of more than 20; expansion: a fall of more
    # than 20% of the estimated expansion revenue.
    "red_flag_drop": 20,
    # Ours: how many snapshots an account's trajectory shows, this run's included (a
    # quarter of weekly runs is 13; 8 keeps the text on one line and the SVG legible).
    "trajectory_length": 8,
}


OPEN_PATHS = ()


def check(section, methodology):
    """Return the problems of a changes section."""
    return (check_number(section["red_flag_drop"], "changes.red_flag_drop", 0, 100)
            + check_number(section["trajectory_length"], "changes.trajectory_length", 2, 100))
