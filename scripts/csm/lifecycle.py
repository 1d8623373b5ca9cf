"""The lifecycle stage of an account: where it is in its contract year.

METHODOLOGY.md section 5 (the second seeded model): days since
`contract_start_date`, counted within the current contract year (365 days), put
the account in onboarding (days 0-89), adoption (90-179), optimisation
(180-269) or renewal (270-364). Each stage has its goals and touchpoints
(`STAGE_FOCUS`). A start date after the as-of date is "not started"; no start
date, no stage (None).
"""

import datetime
from typing import NamedTuple

STAGES = (("onboarding", 0), ("adoption", 90), ("optimisation", 180), ("renewal", 270))
CONTRACT_YEAR_DAYS = 365
NOT_STARTED = "not started"
STAGE_FOCUS = {
    "onboarding": "kick-off, weekly check-ins, first value",
    "adoption": "usage reviews, champions",
    "optimisation": "ROI, expansion, QBR preparation",
    "renewal": "renewal kickoff 90 days out, business case, negotiation",
    NOT_STARTED: "prepare the kick-off",
}


class Stage(NamedTuple):
    """An account's lifecycle stage, the day of its contract year (0-364) and which contract year (1 = first)."""

    stage: str
    day_of_year: int
    contract_year: int


def lifecycle_stage(contract_start_date, as_of):
    """Return the Stage of an account from its contract start (ISO text or a date), or None without one.

    >>> as_of = datetime.date(2026, 11, 22)
    >>> lifecycle_stage("2026-11-22", as_of), lifecycle_stage("2026-08-24", as_of).stage
    (Stage(stage='onboarding', day_of_year=0, contract_year=1), 'adoption')
    >>> lifecycle_stage("2025-01-01", as_of)
    Stage(stage='renewal', day_of_year=325, contract_year=2)
    >>> lifecycle_stage("2026-12-01", as_of).stage, lifecycle_stage(None, as_of)
    ('not started', None)
    """
    if contract_start_date is None:
        return None
    if isinstance(contract_start_date, str):
        contract_start_date = datetime.date.fromisoformat(contract_start_date)
    days = (as_of - contract_start_date).days
    if days < 0:
        return Stage(NOT_STARTED, days, 0)
    year, day = divmod(days, CONTRACT_YEAR_DAYS)
    name = STAGES[0][0]
    for stage, first_day in STAGES:
        if day >= first_day:
            name = stage
    return Stage(name, day, year + 1)
