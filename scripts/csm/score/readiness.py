"""Expansion readiness: is an account healthy enough to buy? (references/methodology.md section 3, ours).

Fail closed: an account is ready only when its health and churn risk were both
scored, neither says "stabilise first" (health red, or yellow and declining; churn
risk high or critical, by the methodology's `expansion.readiness` lists) and its
renewal has not lapsed. A side that could not be scored, or has no data in the
record, makes it "readiness unknown"; the reasons say why. Status, most pressing
first: renew first (lapsed), stabilise first, readiness unknown, ready.

Health and churn risk are scored by csm.score.health and csm.score.churn with the
same methodology (their figures are the ones their own reports give), or taken
from a caller that has scored them already (the portfolio report).
"""

import datetime
from typing import List, Optional, Union

from csm.config.expansion import GROW_USAGE_FIRST, READY, RENEW_FIRST, STABILISE_FIRST, UNKNOWN
from csm.errors import RecordRejected
from csm.score import churn, health
from csm.score.renewal import read_renewal


class ReadinessModel:
    """The readiness rule of a methodology, and the health and churn models it scores with."""

    def __init__(self, methodology: dict, as_of: datetime.date) -> None:
        readiness = methodology["expansion"]["readiness"]
        self.as_of = as_of
        self.stabilise_health = frozenset(readiness["stabilise_first_health_classes"])
        self.stabilise_churn = frozenset(readiness["stabilise_first_churn_tiers"])
        self.stabilise_declining = frozenset(readiness["stabilise_first_declining_health_classes"])
        self.upgrade_min_utilisation = readiness["tier_upgrade_min_seat_utilisation"]
        self.health_model = health.prepare(methodology, as_of)
        self.health_sections = tuple(self.health_model.dimension_names)
        self.churn_model = churn.prepare(methodology, as_of)
        self.churn_sections = tuple(self.churn_model.signal_names)


def first_problem(errors: List[str]) -> str:
    """The first of an analysis' problems, and how many more there are.

    >>> first_problem(["usage must be an object", "arr is missing"])
    'usage must be an object (and 1 more)'
    """
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{errors[0]}{more}" if errors else "unknown problem"


def readiness(record: dict, segment: str, model: ReadinessModel, from_text: bool = False,
              scored: Optional[tuple] = None) -> dict:
    """Return {status, reasons, health, churn and renewal figures} of a record whose account fields are checked.

    `scored`: (health, churn) of a caller that has already run those analyses on this
    record with the same methodology, each its result dict or the list of its errors.
    """
    reasons = []
    health_score = health_class = health_trend = risk_score = risk_tier = None
    fitness = None if scored is None else scored[0]
    if isinstance(fitness, dict):
        health_score, health_class = fitness["overall_score"], fitness["classification"]
        health_trend = fitness["trends"]["overall"]
    elif fitness is not None:
        reasons.append(f"health unknown: {first_problem(fitness)}")
    elif _carries(record, model.health_sections):
        try:
            health_score, health_class, health_trend = health.health_standing(record, model.health_model, segment,
                                                                               from_text)
        except RecordRejected as exc:
            reasons.append(f"health unknown: {first_problem(exc.errors)}")
    else:
        reasons.append("health unknown: no health data in the record")
    stabilise = False
    if health_class is not None:
        declining = health_trend == "declining"
        words = f"health {health_class} ({health_score:.1f}{', declining' if declining else ''})"
        if health_class in model.stabilise_health or declining and health_class in model.stabilise_declining:
            stabilise = True
            words += ": stabilise first"
        reasons.append(words)
    risk = None if scored is None else scored[1]
    days = None
    if isinstance(risk, dict):
        risk_score, risk_tier, days = risk["risk_score"], risk["risk_tier"], risk["days_to_renewal"]
    elif risk is not None:
        reasons.append(f"churn risk unknown: {first_problem(risk)}")
    elif _carries(record, model.churn_sections):
        try:
            scored_risk = churn.score_record(record, model.churn_model, [], from_text)
            risk_score, risk_tier, days = scored_risk.risk_score, scored_risk.risk_tier, scored_risk.renewal.days
        except RecordRejected as exc:
            reasons.append(f"churn risk unknown: {first_problem(exc.errors)}")
    else:
        reasons.append("churn risk unknown: no churn signals in the record")
    if risk_tier is not None:
        if risk_tier in model.stabilise_churn:
            stabilise = True
            reasons.append(f"churn risk {risk_tier} ({risk_score:.1f}): stabilise first")
        else:
            reasons.append(f"churn risk {risk_tier} ({risk_score:.1f})")
    if risk_tier is None:  # the churn analysis read no renewal: read it here
        days = read_renewal(record, model.as_of).days
    lapsed = days is not None and days < 0
    if lapsed:
        reasons.insert(0, f"renewal lapsed {-days:,} day{'' if days == -1 else 's'} ago: renew first")
    unknown = health_class is None or risk_tier is None
    status = RENEW_FIRST if lapsed else STABILISE_FIRST if stabilise else UNKNOWN if unknown else READY
    return {
        "status": status,
        "reasons": reasons,
        "health_score": health_score,
        "health_classification": health_class,
        "health_trend": health_trend,
        "churn_risk_score": risk_score,
        "churn_risk_tier": risk_tier,
        "days_to_renewal": days,
    }


def upgrade_readiness(status: str, utilisation: Optional[float], model: ReadinessModel) -> str:
    """A tier upgrade's readiness: the account's, or "grow usage first" while seat utilisation is low or unknown.

    >>> from csm.config.methodology import default_methodology
    >>> model = ReadinessModel(default_methodology(), datetime.date(2026, 11, 22))
    >>> upgrade_readiness(READY, 0.4, model), upgrade_readiness(READY, 0.7, model), \\
    ...     upgrade_readiness(RENEW_FIRST, 0.9, model)
    ('grow usage first', 'ready', 'renew first')
    """
    if status == READY and (utilisation is None or utilisation < model.upgrade_min_utilisation):
        return GROW_USAGE_FIRST
    return status


def _carries(record: dict, sections: Union[tuple, list]) -> bool:
    """Return True when the record has at least one of the sections (a null one does not count)."""
    return any(record.get(name) is not None for name in sections)
