"""The `lifecycle` section: the length of a contract year and the day each stage starts, with its goals."""

from csm.config.checks import check_number

# references/methodology.md section 5 (the second seeded model): lifecycle phases by day of the
# contract year, and the goals and touchpoints it names for each.
DEFAULTS = {
    "contract_year_days": 365,
    "stages": {
        "onboarding": {"from_day": 0,
                       "goals": ["kick-off", "weekly check-ins", "first value"]},
        "adoption": {"from_day": 90,
                     "goals": ["usage reviews", "build champions"]},
        "optimisation": {"from_day": 180,
                         "goals": ["prove ROI", "explore expansion", "prepare the QBR"]},
        "renewal": {"from_day": 270,
                    "goals": ["renewal kickoff 90 days out", "business case", "negotiation"]},
    },
}


OPEN_PATHS = ("stages",)


def check(section, methodology):
    """Return the problems of a lifecycle section: a year length, stages starting in order from day 0."""
    problems = check_number(section["contract_year_days"], "lifecycle.contract_year_days", 1, 3660)
    stages = section["stages"]
    if not stages:
        return problems + ["lifecycle.stages: at least one stage is needed"]
    starts = []
    for name, spec in stages.items():
        where = f"lifecycle.stages.{name}"
        if not isinstance(spec, dict):
            problems.append(f"{where} must be an object with from_day and goals")
            continue
        unknown = sorted(set(spec) - {"from_day", "goals"})
        if unknown:
            problems.append(f"unknown key {where}.{unknown[0]} (known here: from_day, goals)")
        found = check_number(spec.get("from_day"), f"{where}.from_day", 0, section["contract_year_days"])
        problems += found
        if not found:
            starts.append((spec["from_day"], name))
        goals = spec.get("goals")
        if not isinstance(goals, list) or not all(isinstance(goal, str) and goal.strip() for goal in goals):
            problems.append(f"{where}.goals must be a list of text")
    if starts and len(starts) == len(stages):
        if starts != sorted(starts) or starts[0][0] != 0:
            problems.append("lifecycle.stages: from_day must start at 0 and rise stage by stage")
    return problems
