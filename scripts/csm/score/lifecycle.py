"""Lifecycle stage: where an account stands in its contract year, and that stage's goals.

Owns the `lifecycle` section of the methodology (references/methodology.md section 5): the
length of a contract year and, per stage, the day of the year it starts and its
goals and touchpoints. `stage(contract_start_date, as_of)` is the rule:
the days since the contract started, within the current contract year, pick the
stage (onboarding 0-89, adoption 90-179, optimisation 180-269, renewal 270-364 by
default); a start after the as-of date is `not_started`.

An account in onboarding with low adoption is a different conversation from one
at renewal: the analyses put the stage and its goals beside their actions
(`lifecycle` in each result that has a `contract_start_date`).
"""

import datetime
from typing import Any, Dict, NamedTuple, Optional, Tuple, Union

from csm.config.lifecycle import DEFAULTS
from csm.score.memo import Memo

NOT_STARTED = "not_started"


class Stage(NamedTuple):
    """An account's lifecycle stage on a date.

    `day` is the day within the current contract year (0 = the start or an
    anniversary); `contract_year` counts from 1. Before the start: stage
    `not_started`, `day` the (negative) days since the start, contract_year 0,
    no goals.
    """

    stage: str
    day: int
    contract_year: int
    goals: Tuple[str, ...]

    def as_dict(self):
        return {"stage": self.stage, "day": self.day, "contract_year": self.contract_year,
                "goals": list(self.goals)}


class Rule:
    """The lifecycle section compiled once: stage starts (ascending) and their goals."""

    __slots__ = ("year_days", "stages", "as_of", "memo")

    def __init__(self, section, as_of=None):
        self.year_days = int(section["contract_year_days"])
        self.stages = [(spec["from_day"], name, tuple(spec["goals"])) for name, spec in section["stages"].items()]
        self.as_of = as_of
        self.memo = Memo()  # start date -> Stage (csm.score.memo)

    def of(self, contract_start_date):
        """Return the stage on the rule's as-of date as a dict, for a result (a fresh dict each time;
        the Stage is remembered by start date, which a book repeats)."""
        return self.memo.of(contract_start_date, lambda start: stage(start, self.as_of, self)).as_dict()


def add_stage(result: Dict[str, Any], contract_start_date: Optional[str], rule: Optional[Rule]) -> Dict[str, Any]:
    """Return result with its `lifecycle` stage added, when the account has a start date and the run a rule.

    >>> add_stage({"customer_id": "A-1"}, None, None)
    {'customer_id': 'A-1'}
    """
    if contract_start_date is not None and rule is not None:
        result["lifecycle"] = rule.of(contract_start_date)  # the stage, beside the actions
    return result


def rule_for(methodology: Dict[str, Any], as_of: Optional[datetime.date]) -> Optional[Rule]:
    """Return the Rule of a methodology on an as-of date, or None without a date or a lifecycle section."""
    if as_of is None or "lifecycle" not in methodology:
        return None
    return Rule(methodology["lifecycle"], as_of)


def stage(contract_start_date: Union[str, datetime.date], as_of: datetime.date, rule: Optional[Rule] = None) -> Stage:
    """Return the Stage of a contract started on contract_start_date (ISO text or date) as of a date.

    >>> stage("2026-01-01", datetime.date(2026, 4, 15))  # day 104 of the first year
    Stage(stage='adoption', day=104, contract_year=1, goals=('usage reviews', 'build champions'))
    >>> stage("2025-01-01", datetime.date(2026, 1, 10)).stage, stage("2026-12-01", datetime.date(2026, 11, 1)).day
    ('onboarding', -30)
    """
    if rule is None:
        rule = Rule(DEFAULTS)
    if isinstance(contract_start_date, str):
        contract_start_date = datetime.date.fromisoformat(contract_start_date)
    days = (as_of - contract_start_date).days
    if days < 0:
        return Stage(NOT_STARTED, days, 0, ())
    year, day = divmod(days, rule.year_days)
    current = rule.stages[0]
    for entry in rule.stages:
        if day >= entry[0]:
            current = entry
    return Stage(current[1], day, year + 1, current[2])
