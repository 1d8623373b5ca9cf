"""Churn probabilities: the map from a churn risk score to the chance of churning, and how well it holds.

references/methodology.md section 10. The fitter (csm.learn.scorecard) learns the map on
the out-of-fold risk scores of the accounts it fitted on, never on scores of accounts
the points were learnt from, as a one-variable logistic regression:

    P(churn | risk) = 1 / (1 + exp(-(a + b x risk / 100)))

Why a logistic and not isotonic regression: a fitted churn risk rises in step with the
model's log-odds (its points are shares of the log-odds' range), so the logistic is the
right shape with two figures; it is smooth and monotone over the whole 0-100 range,
where isotonic regression is a staircase that pools tied ranks, is flat between its
steps, overfits a small book, and says nothing beyond the scores it saw. Newton's
method on the two figures is deterministic.

The map is written into the fitted file as a table (`churn.calibration.points`: the
probability at every CALIBRATION_STEP points of risk, 0 to 100); the scoring reads a
probability by linear interpolation between its rows (csm.score.churn). `brier_score`
and `reliability` measure a set of probabilities against outcomes (the backtest, the
fitter's out-of-fold check).
"""

import math
from typing import List, NamedTuple, Optional, Sequence, Tuple

METHOD = "one-variable logistic regression of churn on the out-of-fold risk score"
CALIBRATION_STEP = 5  # a row of the table every this many points of risk
RELIABILITY_GROUPS = 10  # deciles of the predicted probability
NEWTON_STEPS = 50


class Logistic(NamedTuple):
    """A one-variable logistic map: P = 1 / (1 + exp(-(intercept + slope x risk / 100)))."""

    intercept: float
    slope: float

    def probability(self, risk: float) -> float:
        eta = self.intercept + self.slope * risk / 100
        return 1 / (1 + math.exp(-eta)) if eta >= 0 else math.exp(eta) / (1 + math.exp(eta))


def fit_calibration(points: Sequence[Tuple[float, bool]]) -> Logistic:
    """Return the Logistic of (risk score, churned) points, by Newton's method (a tiny ridge keeps it finite
    when the scores separate the outcomes).

    >>> fit = fit_calibration([(10, False), (20, False), (30, True), (40, False), (60, True), (80, True)])
    >>> round(fit.intercept, 3), round(fit.slope, 3)
    (-3.849, 10.361)
    """
    intercept, slope = 0.0, 0.0
    ridge = 1e-6
    for _ in range(NEWTON_STEPS):
        g0 = g1 = h00 = h01 = h11 = 0.0
        model = Logistic(intercept, slope)
        for risk, churned in points:
            x = risk / 100
            p = model.probability(risk)
            residual = p - (1.0 if churned else 0.0)
            weight = p * (1 - p)
            g0 += residual
            g1 += residual * x
            h00 += weight
            h01 += weight * x
            h11 += weight * x * x
        g1 += ridge * slope
        h00 += ridge
        h11 += ridge
        determinant = h00 * h11 - h01 * h01
        if determinant <= 0:
            break
        step0 = (h11 * g0 - h01 * g1) / determinant
        step1 = (h00 * g1 - h01 * g0) / determinant
        intercept -= step0
        slope -= step1
        if max(abs(step0), abs(step1)) < 1e-10:
            break
    return Logistic(intercept, slope)


def calibration_table(fit: Logistic) -> List[List[float]]:
    """Return the table a fitted file holds: [risk, probability] every CALIBRATION_STEP points, 0 to 100.

    >>> calibration_table(Logistic(-2.0, 4.0))[:3]
    [[0, 0.1192], [5, 0.1419], [10, 0.168]]
    """
    return [[risk, round(fit.probability(risk), 4)] for risk in range(0, 101, CALIBRATION_STEP)]


def brier_score(pairs: Sequence[Tuple[float, bool]]) -> Optional[float]:
    """Return the mean squared gap between probability and outcome (0 is perfect), or None without pairs.

    >>> brier_score([(0.8, True), (0.2, False), (0.5, True)])  # (0.04 + 0.04 + 0.25) / 3
    0.11
    """
    if not pairs:
        return None
    return round(math.fsum((p - (1.0 if churned else 0.0)) ** 2 for p, churned in pairs) / len(pairs), 4)


class Decile(NamedTuple):
    """One group of the reliability table: its accounts, their mean predicted and their observed churn."""

    group: int
    accounts: int
    predicted: float
    observed: float


def reliability(pairs: Sequence[Tuple[float, bool]], groups: int = RELIABILITY_GROUPS) -> List[Decile]:
    """Return the accounts in `groups` equal groups by predicted probability (ties by order), each with its
    mean predicted probability and observed churn rate, lowest first.

    >>> [tuple(row) for row in reliability([(0.1, False), (0.2, False), (0.7, True), (0.9, True)], 2)]
    [(1, 2, 0.15, 0.0), (2, 2, 0.8, 1.0)]
    """
    ordered = sorted(pairs, key=lambda pair: pair[0])
    size = len(ordered)
    rows = []
    for group in range(groups):
        members = ordered[size * group // groups: size * (group + 1) // groups]
        if members:
            rows.append(Decile(group + 1, len(members), round(math.fsum(p for p, _ in members) / len(members), 4),
                               round(sum(1 for _, churned in members if churned) / len(members), 4)))
    return rows


def calibration_report(pairs: Sequence[Tuple[float, bool]]) -> dict:
    """The calibration of probabilities against outcomes: Brier score beside the base rate's, and the
    reliability table by decile."""
    churned = sum(1 for _, outcome in pairs if outcome)
    base_rate = churned / len(pairs) if pairs else None
    return {
        "brier_score": brier_score(pairs),
        "base_rate_brier_score": None if base_rate is None else brier_score([(base_rate, o) for _, o in pairs]),
        "reliability": [row._asdict() for row in reliability(pairs)],
        "note": "Brier score: the mean squared gap between the probability and the outcome (0 is perfect); "
                "the base rate's is what saying the book's churn rate for every account scores; reliability: "
                "the accounts in ten equal groups by probability, mean predicted beside observed churn",
    }
