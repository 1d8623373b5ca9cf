"""The churn risk score: five warning signals, 0-100, higher is riskier.

The model is data (`DEFAULTS`, the `churn` section of the methodology): each
signal has a weight and metrics read from `<signal>.<metric>` in the customer
record. A metric scores 0-100 one of five ways:

- ``decline``: clamp(points_per_unit x (baseline - value)), a fall below the baseline;
- ``rise``: clamp(points_per_unit x (value - baseline)), a rise above it;
- ``count``: clamp(points_per_unit x value), or `many.points` from `many.at_least` on;
- ``flag``: `points` when true, 0 when false;
- ``mapping``: a label looked up in `values`;
- ``banded``: the score of the band the value falls in (METHODOLOGY.md section 4,
  `csm.banded`); in a points signal, the band's points.

A metric with a `field` key reads that key of the record (dotted for nested)
instead of `<signal>.<metric>`.

A signal combines its metrics one of two ways: ``weighted`` (the sum of metric
score x metric weight: usage decline, engagement drop, support issues) or
``points`` (the points of its metrics added up and capped at 100: relationship
signals, commercial factors). Signal scores are rounded to 1 decimal; the raw
score is the weighted sum of the rounded signal scores, rounded to 1 decimal;
the risk score is clamp(round(raw x renewal urgency multiplier, 1)) from the
unrounded raw score, as the published tool computes it (the rounded raw is
what `raw_score` shows), and its tier has no gaps (METHODOLOGY.md section 2).

A missing metric is never a zero. A weighted signal is scored on the metrics
present, their weights spread to sum to 1; a points signal adds the points of
the metrics present; a signal with no data is left out and its weight spread
over the others. `data_completeness` is the share of the model's weight that had
data (a points signal's weight is shared equally by its metrics); a record below
`min_data_completeness` is rejected as insufficient data.

`prepare(methodology, as_of)` compiles the model once; `assess(raw, model,
from_text)` scores one record and returns plain data, or raises RecordRejected;
`churn_risk` gives only its risk score and tier, from the same scoring.

Each result carries its `next_action` (csm.next_action, from the tier and the
renewal: churn knows no health class); the churn report sorts by it
(`urgency_key`). A lapsed renewal's actions lead the playbook and replace the low
tier's ("standard monitoring", "look for advocacy and expansion").
"""

import operator
from typing import NamedTuple, Optional

from csm.score import lifecycle, next_action
from csm.report import owners
from csm import values
from csm.score.accounts import SEGMENTS, read_account
from csm.score.banded import (FIELDED, Bands, boolean_labels, check_bands, check_field, field_parts, gather_section, mapping_label)
from csm.errors import RecordRejected
from csm.figures import SCORE_MEMO, clamp, money_round, share
from csm.config.checks import check_number, check_valid_range, check_weights

TIERS = ("critical", "high", "medium", "low")
SEVERITIES = ("critical", "high", "medium", "low")
SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}
COMBINES = ("weighted", "points")
SCORINGS = ("decline", "rise", "count", "flag", "mapping", "banded")
NUMERIC_SCORINGS = ("decline", "rise", "count", "banded")
WARN_WHEN = {  # rule word -> (comparison, how the message words the threshold)
    "at_most": (operator.le, "at or below"),
    "below": (operator.lt, "below"),
    "at_least": (operator.ge, "at or above"),
    "above": (operator.gt, "above"),
    "is": (operator.eq, None),
}

# METHODOLOGY.md section 2 fix: a contract end date before the as-of date is a lapsed
# renewal with its own warning; it is as urgent as a renewal can be.
LAPSED_SEVERITY = "critical"

# How many distinct values per metric keep their words in memory (Metric.describe).
DESCRIBE_MEMO = 4096
# How many distinct contract_end_date texts keep their reading in the model (a book repeats its dates).
RENEWAL_MEMO = 8192
# How many distinct values of a signal's metrics keep their scored Part (Signal.parts), per signal.
PART_MEMO = 8192
# How many (days to renewal, risk tier) keep their next action (ChurnModel.decisions).
DECISION_MEMO = 8192

# CRM spellings of the enum labels (compared by values.key_of: case, spaces, hyphens
# and underscores do not matter; each label is also accepted as itself).
ENUM_ALIASES = {
    "contract_type": {
        "annual": "annual", "annually": "annual", "yearly": "annual", "year": "annual",
        "oneyear": "annual", "1year": "annual", "12month": "annual", "12months": "annual",
        "multiyear": "multi-year", "multiyr": "multi-year", "multiannual": "multi-year",
        "twoyear": "multi-year", "threeyear": "multi-year", "2year": "multi-year", "3year": "multi-year",
        "24months": "multi-year", "36months": "multi-year",
        "quarterly": "quarterly", "quarter": "quarterly", "3month": "quarterly", "3months": "quarterly",
        "monthtomonth": "month-to-month", "monthly": "month-to-month", "mtm": "month-to-month",
        "m2m": "month-to-month", "month": "month-to-month", "rolling": "month-to-month",
    },
    "satisfaction_trend": {
        "improving": "improving", "improved": "improving", "increasing": "improving", "up": "improving",
        "stable": "stable", "steady": "stable", "flat": "stable", "unchanged": "stable",
        "declining": "declining", "declined": "declining", "decreasing": "declining",
        "worsening": "declining", "down": "declining",
        "critical": "critical",
    },
}


def _rule(when, at, severity):
    return {"when": when, "at": at, "severity": severity}


# Scores, weights, points, multipliers, tiers and warning thresholds are METHODOLOGY.md
# section 2 (the published framework's defaults). The accepted ranges of the trend
# fields (`valid`), the renewal windows of the summary, the "why" figures and the
# playbook wording are ours, each explained where it is set.
DEFAULTS = {
    "signals": {
        "usage_decline": {
            "label": "Usage decline",
            "weight": 0.30,
            "combine": "weighted",
            "metrics": {
                # 0.40 clamp(3 x max(0, -login_trend)); a % change: it cannot fall below -100%,
                # and a rise above 1000% is taken for a data error.
                "login_trend": {
                    "label": "Login trend", "weight": 0.40, "scoring": "decline", "unit": "%",
                    "points_per_unit": 3, "baseline": 0, "valid": {"min": -100, "max": 1000},
                    "warnings": [_rule("at_most", -20, "critical"), _rule("at_most", -10, "high"),
                                 _rule("below", -5, "medium")],
                },
                # 0.35 clamp(4 x max(0, -feature_adoption_change)); percentage points of a 0-100 share.
                "feature_adoption_change": {
                    "label": "Feature adoption change", "weight": 0.35, "scoring": "decline",
                    "unit": " points", "points_per_unit": 4, "baseline": 0, "valid": {"min": -100, "max": 100},
                    "warnings": [_rule("at_most", -15, "high"), _rule("below", -5, "medium")],
                },
                # 0.25 clamp(500 x max(0, -dau_mau_change)); the change of a 0-1 ratio.
                "dau_mau_change": {
                    "label": "DAU/MAU change", "weight": 0.25, "scoring": "decline", "unit": "",
                    "points_per_unit": 500, "baseline": 0, "valid": {"min": -1, "max": 1},
                    "warnings": [_rule("at_most", -0.10, "high")],
                },
            },
        },
        "engagement_drop": {
            "label": "Engagement drop",
            "weight": 0.25,
            "combine": "weighted",
            "metrics": {
                # 0.30 clamp(25 x meeting_cancellations); a count.
                "meeting_cancellations": {
                    "label": "Meeting cancellations", "weight": 0.30, "scoring": "rise", "unit": "",
                    "points_per_unit": 25, "baseline": 0, "valid": {"min": 0, "max": None},
                    "warnings": [_rule("at_least", 3, "critical"), _rule("at_least", 2, "high")],
                },
                # 0.35 clamp(15 x (response_time_days - 1)); days, 0 or more.
                "response_time_days": {
                    "label": "Response time", "weight": 0.35, "scoring": "rise", "unit": " days",
                    "points_per_unit": 15, "baseline": 1, "valid": {"min": 0, "max": None},
                    "warnings": [_rule("at_least", 7, "critical"), _rule("at_least", 4, "high")],
                },
                # 0.35 clamp(20 x max(0, -nps_change)); NPS is 0-10, so a change is -10 to 10.
                "nps_change": {
                    "label": "NPS change", "weight": 0.35, "scoring": "decline", "unit": " points",
                    "points_per_unit": 20, "baseline": 0, "valid": {"min": -10, "max": 10},
                    "warnings": [_rule("at_most", -4, "critical"), _rule("at_most", -2, "high")],
                },
            },
        },
        "support_issues": {
            "label": "Support issues",
            "weight": 0.20,
            "combine": "weighted",
            "metrics": {
                # 0.35 clamp(35 x open_escalations); a count.
                "open_escalations": {
                    "label": "Open escalations", "weight": 0.35, "scoring": "rise", "unit": "",
                    "points_per_unit": 35, "baseline": 0, "valid": {"min": 0, "max": None},
                    "warnings": [_rule("at_least", 2, "high"), _rule("at_least", 1, "medium")],
                },
                # 0.35 clamp(50 x unresolved_critical); a count.
                "unresolved_critical": {
                    "label": "Unresolved critical tickets", "weight": 0.35, "scoring": "rise", "unit": "",
                    "points_per_unit": 50, "baseline": 0, "valid": {"min": 0, "max": None},
                    "warnings": [_rule("at_least", 2, "critical"), _rule("at_least", 1, "high")],
                },
                # 0.30 x the satisfaction trend's score.
                "satisfaction_trend": {
                    "label": "Satisfaction trend", "weight": 0.30, "scoring": "mapping", "unit": "",
                    "values": {"improving": 10, "stable": 30, "declining": 70, "critical": 95},
                    "warnings": [_rule("is", "critical", "critical"), _rule("is", "declining", "high")],
                },
            },
        },
        "relationship_signals": {
            "label": "Relationship signals",
            "weight": 0.15,
            "combine": "points",
            "metrics": {
                # +45 when the champion has left.
                "champion_left": {
                    "label": "Champion left", "scoring": "flag", "points": 45,
                    "warnings": [_rule("is", True, "critical")],
                },
                # +30 when the executive sponsor changed.
                "sponsor_change": {
                    "label": "Executive sponsor changed", "scoring": "flag", "points": 30,
                    "warnings": [_rule("is", True, "high")],
                },
                # +12 per mention, 1-2 mentions; +35 from 3 mentions on.
                "competitor_mentions": {
                    "label": "Competitor mentions", "scoring": "count", "unit": "",
                    "points_per_unit": 12, "many": {"at_least": 3, "points": 35},
                    "valid": {"min": 0, "max": None},
                    "warnings": [_rule("at_least", 3, "critical"), _rule("at_least", 1, "medium")],
                },
            },
        },
        "commercial_factors": {
            "label": "Commercial factors",
            "weight": 0.10,
            "combine": "points",
            "metrics": {
                # +30 month-to-month, +15 quarterly; annual and multi-year add nothing.
                "contract_type": {
                    "label": "Contract type", "scoring": "mapping", "unit": "",
                    "values": {"annual": 0, "multi-year": 0, "quarterly": 15, "month-to-month": 30},
                    "warnings": [_rule("is", "month-to-month", "medium")],
                },
                # +35 when the customer complains about price.
                "pricing_complaints": {
                    "label": "Pricing complaints", "scoring": "flag", "points": 35,
                    "warnings": [_rule("is", True, "high")],
                },
                # +40 when budget cuts were mentioned.
                "budget_cuts_mentioned": {
                    "label": "Budget cuts mentioned", "scoring": "flag", "points": 40,
                    "warnings": [_rule("is", True, "high")],
                },
            },
        },
    },
    # Renewal urgency multiplier by days from the as-of date to contract_end_date:
    # <= 30 days 1.5, <= 60 1.35, <= 90 1.2, <= 180 1.1, later 1.0, no date 1.0.
    # A lapsed renewal (end date before the as-of date) takes the highest, 1.5
    # (the published tool's <= 30 band, where negative days fell).
    "renewal_urgency": {
        "bands": [
            {"within_days": 30, "multiplier": 1.5},
            {"within_days": 60, "multiplier": 1.35},
            {"within_days": 90, "multiplier": 1.2},
            {"within_days": 180, "multiplier": 1.1},
        ],
        "later": 1.0,
        "no_date": 1.0,
        "lapsed": 1.5,
    },
    # Tiers, no gaps: critical >= 80, high >= 60, medium >= 40, low below.
    "tiers": {
        "critical": {"min_score": 80, "label": "Critical Risk"},
        "high": {"min_score": 60, "label": "High Risk"},
        "medium": {"min_score": 40, "label": "Medium Risk"},
        "low": {"min_score": 0, "label": "Low Risk"},
    },
    # Each tier's intervention playbook (the published framework: critical starts with an
    # executive escalation within 48 hours; low is standard monitoring). Wording ours.
    "playbooks": {
        "critical": [
            "Escalate: our executive calls the decision maker within 48 hours.",
            "Open a save plan within 72 hours: each cause, an owner, a date.",
            "Review weekly with the CSM, AE and support lead until not critical.",
        ],
        "high": [
            "Call the main contact within a week about what is behind the warnings.",
            "Agree a recovery plan within two weeks, with success criteria and dates.",
            "Check in every two weeks; bring in the AE 90 days before renewal.",
        ],
        "medium": [
            "Raise the warnings at the next check-in (within 30 days); agree one fix.",
            "Offer an enablement session this quarter on the features they dropped.",
        ],
        "low": [
            "Standard monitoring: the regular cadence; review the risk score monthly.",
            "Look for advocacy and expansion at the next quarterly business review.",
        ],
        # A lapsed renewal (METHODOLOGY.md fix) comes first whatever the tier: a contract past
        # its end date is a commercial emergency even when the usage signals look calm.
        "lapsed_renewal": [
            "Renewal lapsed: confirm the contract with finance and the AE (48 hours).",
        ],
    },
    # The summary's "renewals due in the next N days" windows (INTERFACE.md: 30, 60, 90);
    # a renewal within the largest is "due".
    "renewal_windows_days": [30, 60, 90],
    # A record with less than this share (%) of the model's weight present is rejected
    # (INTERFACE.md: most of its weight missing).
    "min_data_completeness": 50,
    # "Why": the signals that add most points to the raw score, at most this many, each at least this many points.
    "why": {"max_reasons": 3, "min_points": 1.0},
}

OPEN_PATHS = ("signals", "signals.*.metrics", "signals.*.metrics.*", "signals.*.metrics.*.values")

SIGNAL_KEYS = ("label", "weight", "combine", "metrics")
METRIC_KEYS = ("label", "weight", "scoring", "unit", "valid", "points_per_unit", "baseline", "many", "points",
               "values", "warnings", "bands", "field")
# A banded metric without `valid` accepts any number of 0 or more.
BANDED_VALID = {"min": 0, "max": None}


def check(section, methodology):
    """Return the problems of a churn section: weights, scoring figures, bands, tiers, playbooks."""
    problems = _check_signals(section["signals"])
    problems += _check_urgency(section["renewal_urgency"])
    problems += _check_tiers(section["tiers"])
    playbooks = section["playbooks"]
    for tier in TIERS + ("lapsed_renewal",):
        actions = playbooks.get(tier)
        if not isinstance(actions, list) or not actions or \
                not all(isinstance(action, str) and action.strip() for action in actions):
            problems.append(f"churn.playbooks.{tier} must be a list of at least one action (text)")
    windows = section["renewal_windows_days"]
    if not windows or not all(type(days) is int and days > 0 for days in windows):
        problems.append("churn.renewal_windows_days must be a list of whole numbers of days above 0")
    elif sorted(set(windows)) != windows:
        problems.append("churn.renewal_windows_days must be in increasing order, each once")
    problems += check_number(section["min_data_completeness"], "churn.min_data_completeness", 0, 100)
    problems += check_number(section["why"]["max_reasons"], "churn.why.max_reasons", 0, 20)
    problems += check_number(section["why"]["min_points"], "churn.why.min_points", 0, 100)
    return problems


def _check_signals(signals):
    if not signals:
        return ["churn.signals: at least one signal is needed"]
    problems = []
    signal_weights = {}
    for name, signal in signals.items():
        where = f"churn.signals.{name}"
        if not isinstance(signal, dict):
            problems.append(f"{where} must be an object")
            continue
        problems += [f"unknown key {where}.{key} (known here: {', '.join(SIGNAL_KEYS)})"
                     for key in signal if key not in SIGNAL_KEYS]
        weight_problems = check_number(signal.get("weight"), f"{where}.weight", 0, 1)
        problems += weight_problems
        if not weight_problems:
            signal_weights[name] = signal["weight"]
        if not isinstance(signal.get("label", ""), str):
            problems.append(f"{where}.label must be text")
        combine = signal.get("combine")
        if combine not in COMBINES:
            problems.append(f"{where}.combine must be one of {', '.join(COMBINES)}")
            continue
        metrics = signal.get("metrics")
        if not isinstance(metrics, dict) or not metrics:
            problems.append(f"{where}.metrics must be an object with at least one metric")
            continue
        metric_weights = {}
        for metric_name, metric in metrics.items():
            problems += _check_metric(metric, f"{where}.metrics.{metric_name}", combine)
            if combine == "weighted" and isinstance(metric, dict) and isinstance(metric.get("weight"), (int, float)):
                metric_weights[metric_name] = metric["weight"]
        if combine == "weighted" and len(metric_weights) == len(metrics):
            problems += check_weights(metric_weights, f"{where}.metrics")
    if len(signal_weights) == len(signals):
        problems += check_weights(signal_weights, "churn.signals")
    return problems


def _check_metric(metric, where, combine):
    if not isinstance(metric, dict):
        return [f"{where} must be an object"]
    problems = [f"unknown key {where}.{key} (known here: {', '.join(METRIC_KEYS)})"
                for key in metric if key not in METRIC_KEYS]
    if combine == "weighted":
        problems += check_number(metric.get("weight"), f"{where}.weight", 0, 1)
    elif "weight" in metric:
        problems.append(f"{where}.weight has no use in a points signal (its metrics add points)")
    if not isinstance(metric.get("label", ""), str) or not isinstance(metric.get("unit", ""), str):
        problems.append(f"{where}: label and unit must be text")
    scoring = metric.get("scoring")
    if scoring not in SCORINGS:
        return problems + [f"{where}.scoring must be one of {', '.join(SCORINGS)}"]
    if "field" in metric:
        problems += check_field(metric["field"], where)
    if scoring == "banded":
        problems += check_bands(metric.get("bands"), where)
        for key in ("points_per_unit", "baseline", "many", "points", "values"):
            if key in metric:
                problems.append(f"{where}.{key} has no use in a banded metric (its bands give the scores)")
    if scoring in NUMERIC_SCORINGS:
        if scoring != "banded":
            problems += check_number(metric.get("points_per_unit"), f"{where}.points_per_unit", 0)
        if scoring not in ("count", "banded"):
            problems += check_number(metric.get("baseline"), f"{where}.baseline")
        many = metric.get("many")
        if scoring == "count" and many is not None:
            if not isinstance(many, dict) or set(many) != {"at_least", "points"}:
                problems.append(f"{where}.many must be an object with at_least and points")
            else:
                problems += check_number(many["at_least"], f"{where}.many.at_least", 0)
                problems += check_number(many["points"], f"{where}.many.points", 0, 100)
        problems += check_valid_range(metric.get("valid", BANDED_VALID if scoring == "banded" else None), where)
    elif scoring == "flag":
        problems += check_number(metric.get("points"), f"{where}.points", 0, 100)
    else:
        mapping = metric.get("values")
        if not isinstance(mapping, dict) or not mapping:
            problems.append(f"{where}.values must map each label to a score from 0 to 100")
        else:
            for label, score in mapping.items():
                if not values.key_of(label):
                    problems.append(f"{where}.values: a label needs at least one letter or digit")
                problems += check_number(score, f"{where}.values.{label}", 0, 100)
    rules = metric.get("warnings", [])
    if not isinstance(rules, list):
        return problems + [f"{where}.warnings must be a list of rules"]
    for position, rule in enumerate(rules):
        problems += _check_rule(rule, f"{where}.warnings[{position}]", scoring, metric.get("values"))
    return problems


def _check_rule(rule, where, scoring, mapping):
    if not isinstance(rule, dict) or set(rule) != {"when", "at", "severity"}:
        return [f"{where} must be an object with when, at and severity"]
    problems = []
    if rule["severity"] not in SEVERITIES:
        problems.append(f"{where}.severity must be one of {', '.join(SEVERITIES)}")
    when = rule["when"]
    at = rule["at"]
    if scoring == "flag":
        if when != "is" or not isinstance(at, bool):
            problems.append(f"{where}: a flag's rule is when \"is\" with at true or false")
    elif scoring == "mapping":
        labels = {values.key_of(label) for label in mapping} if isinstance(mapping, dict) else set()
        if when != "is" or not isinstance(at, str) or values.key_of(at) not in labels:
            problems.append(f"{where}: a mapping's rule is when \"is\" with at one of its labels")
    elif when not in WARN_WHEN or when == "is":
        problems.append(f"{where}.when must be one of at_most, below, at_least, above")
    else:
        problems += check_number(at, f"{where}.at")
    return problems


def _check_urgency(urgency):
    problems = []
    bands = urgency["bands"]
    previous = None
    for position, band in enumerate(bands):
        where = f"churn.renewal_urgency.bands[{position}]"
        if not isinstance(band, dict) or set(band) != {"within_days", "multiplier"}:
            problems.append(f"{where} must be an object with within_days and multiplier")
            continue
        band_problems = check_number(band["within_days"], f"{where}.within_days", 0)
        band_problems += check_number(band["multiplier"], f"{where}.multiplier", 0, 10)
        problems += band_problems
        if not band_problems:
            if previous is not None and band["within_days"] <= previous:
                problems.append(f"churn.renewal_urgency.bands: within_days must increase from band to band "
                                f"({band['within_days']:g} follows {previous:g})")
            previous = band["within_days"]
    for key in ("later", "no_date", "lapsed"):
        problems += check_number(urgency[key], f"churn.renewal_urgency.{key}", 0, 10)
    return problems


def _check_tiers(tiers):
    problems = []
    for tier in TIERS:
        problems += check_number(tiers[tier]["min_score"], f"churn.tiers.{tier}.min_score", 0, 100)
        if not tiers[tier]["label"].strip():
            problems.append(f"churn.tiers.{tier}.label must not be empty")
    if problems:
        return problems
    for upper, lower in zip(TIERS, TIERS[1:]):
        if tiers[lower]["min_score"] >= tiers[upper]["min_score"]:
            problems.append(f"churn.tiers: thresholds out of order ({lower} min_score {tiers[lower]['min_score']:g} "
                            f"is not below {upper} min_score {tiers[upper]['min_score']:g})")
    if tiers["low"]["min_score"] != 0:
        problems.append("churn.tiers.low.min_score must be 0 (every score below medium is low)")
    return problems


def _figure(number):
    """Return a number as it reads in a sentence.

    >>> _figure(-12), _figure(-0.05), _figure(1234.5)
    ('-12', '-0.05', '1,234.5')
    """
    if isinstance(number, float):
        text = f"{number:,.3f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return f"{number:,}"


def _with_unit(number, unit):
    """Return a number with its unit, the unit singular for one.

    >>> _with_unit(-1, " points"), _with_unit(8, " days"), _with_unit(-12, "%")
    ('-1 point', '8 days', '-12%')
    """
    if abs(number) == 1 and unit.endswith("s") and unit.startswith(" "):
        unit = unit[:-1]
    return _figure(number) + unit


class Metric:
    """One metric of the model, compiled: how to read it, score it and warn on it."""

    __slots__ = ("name", "path", "label", "unit", "scoring", "weight", "share", "low", "high", "rate", "baseline",
                 "many_at", "many_points", "points", "scores", "table", "exact", "accepted", "warnings", "words",
                 "numeric", "flag", "rising", "start", "bound", "many_score", "flag_score", "float_scores",
                 "warned", "known", "field", "bands", "bool_labels", "signal", "fired")

    def __init__(self, signal, name, spec, share_of_model):
        self.name = name
        self.signal = signal
        field = spec.get("field")
        self.field = field_parts(field) if field is not None else None
        self.path = ".".join(self.field) if field is not None else f"{signal}.{name}"
        self.label = spec.get("label", name.replace("_", " ").capitalize())
        self.unit = spec.get("unit", "")
        self.scoring = spec["scoring"]
        self.weight = spec.get("weight")
        self.share = share_of_model
        self.low = self.high = self.rate = self.baseline = self.many_at = self.many_points = self.points = None
        self.scores = self.table = self.exact = self.accepted = None
        self.bool_labels = {}  # True / False -> label, for a mapping of yes and no (a fitted boolean column)
        self.words = {}
        self.warned = {}
        self.fired = {}  # value -> (rank, warning dict) or None, as a result lists it (see fired_entry)
        self.known = {}  # checked value -> score of a numeric metric (see score)
        # Precomputed for the scoring loop (_score): which way to score, and the figures it uses.
        self.numeric = self.scoring in NUMERIC_SCORINGS
        self.flag = self.scoring == "flag"
        self.rising = self.scoring != "decline"
        self.start = self.bound = self.many_score = self.flag_score = self.float_scores = self.bands = None
        if self.numeric:
            valid = spec.get("valid", BANDED_VALID)
            self.low = valid["min"]
            self.high = valid["max"]
            self.bound = values.LARGEST if self.high is None else self.high
        if self.scoring == "banded":
            self.bands = Bands(spec["bands"])
        elif self.numeric:
            self.rate = spec["points_per_unit"]
            self.baseline = spec.get("baseline", 0)
            self.start = 0 if self.scoring == "count" else self.baseline  # a count is scored from 0
            many = spec.get("many")
            if self.scoring == "count" and many is not None:
                self.many_at = many["at_least"]
                self.many_points = many["points"]
                self.many_score = float(clamp(self.many_points))
        elif self.flag:
            self.points = spec["points"]
            self.flag_score = float(self.points)
        else:
            self.scores = spec["values"]
            self.accepted = list(self.scores)
            self.table = {values.key_of(label): label for label in self.scores}
            for alias, label in ENUM_ALIASES.get(name, {}).items():
                if label in self.scores:
                    self.table.setdefault(alias, label)
            # The spellings seen most, looked up as they are before the case- and separator-free match.
            self.exact = {}
            for label in self.scores:
                for spelling in (label, label.capitalize(), label.title(), label.upper(), label.replace("-", "_")):
                    self.exact.setdefault(spelling, label)
            self.float_scores = {label: float(points) for label, points in self.scores.items()}
            self.bool_labels = boolean_labels(self.scores, self.table)
        # (test, at, severity, phrase, message): a rule "is" fires on one value only, so its
        # message is written here once; the others word the value that fired them.
        self.warnings = []
        for rule in spec.get("warnings", ()):
            test, words = WARN_WHEN[rule["when"]]
            at = rule["at"]
            if self.scoring == "mapping":
                at = self.table[values.key_of(at)]
            phrase = "" if words is None else f", {words} {_with_unit(at, self.unit)}"
            message = self.describe(at) + phrase if rule["when"] == "is" else None
            self.warnings.append((test, at, rule["severity"], phrase, message))

    def score(self, value):
        """Return the 0-100 score of a checked value of a numeric metric (decline, rise, count), and remember it.

        The scoring loop looks a value of the right type up in `known` first: a value
        found there passed the checks before and scores the same again.

        >>> spec = DEFAULTS["signals"]["usage_decline"]["metrics"]["login_trend"]
        >>> Metric("usage_decline", "login_trend", spec, 0.12).score(-12)  # 3 points per point of decline
        36.0
        """
        if self.bands is not None:
            score = self.bands.score(value)
        elif self.many_at is not None and value >= self.many_at:
            score = self.many_score
        else:
            score = self.rate * (value - self.start if self.rising else self.start - value)
            score = 100.0 if score > 100 else 0.0 if score < 0 else float(score)
        if len(self.known) < SCORE_MEMO:
            self.known[value] = score
        return score

    def warning(self, value):
        """Return (rank, severity, message) of the first warning rule value fires, or None.

        Values repeat across a book, so the answer for the first few thousand is kept.

        >>> spec = DEFAULTS["signals"]["usage_decline"]["metrics"]["login_trend"]
        >>> Metric("usage_decline", "login_trend", spec, 0.12).warning(-12)
        (1, 'high', 'Login trend -12%, at or below -10%')
        """
        warned = self.warned.get(value, values.MISSING)
        if warned is values.MISSING:
            warned = None
            for test, at, severity, phrase, message in self.warnings:
                if test(value, at):
                    warned = (SEVERITY_RANK[severity], severity,
                              self.describe(value) + phrase if message is None else message)
                    break
            if len(self.warned) < DESCRIBE_MEMO:
                self.warned[value] = warned
        return warned

    def fired_entry(self, value):
        """Return (rank, warning) of the warning a checked value fires, or None; remembered per value.

        The warning is the dict a result lists in warning_signals (severity, signal, message);
        results share it, so it is never changed.

        >>> spec = DEFAULTS["signals"]["usage_decline"]["metrics"]["login_trend"]
        >>> Metric("usage_decline", "login_trend", spec, 0.12).fired_entry(-12)
        (1, {'severity': 'high', 'signal': 'usage_decline', 'message': 'Login trend -12%, at or below -10%'})
        """
        entry = self.fired.get(value, values.MISSING)
        if entry is values.MISSING:
            warned = self.warning(value)
            entry = None if warned is None else (warned[0], {"severity": warned[1], "signal": self.signal,
                                                             "message": warned[2]})
            if len(self.fired) < DESCRIBE_MEMO:
                self.fired[value] = entry
        return entry

    def describe(self, value):
        """Return the value in words, e.g. 'Login trend -12%' or 'Champion left'.

        Values repeat across a book, so the words of the first few thousand are kept.
        """
        words = self.words.get(value)
        if words is None:
            if self.scoring == "flag":
                words = self.label if value else f"{self.label}: no"
            elif self.scoring == "mapping":
                words = f"{self.label} {value}"
            elif self.bands is not None:
                words = f"{self.label} {_with_unit(value, self.unit)} ({self.bands.words(value, self.unit)})"
            else:
                words = f"{self.label} {_with_unit(value, self.unit)}"
            if len(self.words) < DESCRIBE_MEMO:
                self.words[value] = words
        return words


class Signal:
    """One signal of the model, compiled: its weight, how it combines, its metrics."""

    __slots__ = ("name", "label", "weight", "points", "metrics", "fields", "key", "names", "values_of", "parts",
                 "no_part", "shares", "heads")

    def __init__(self, name, spec):
        self.name = name
        self.label = spec.get("label", name.replace("_", " ").capitalize())
        self.weight = spec["weight"]
        self.points = spec["combine"] == "points"
        metrics = spec["metrics"]
        self.metrics = [
            Metric(name, metric_name, metric,
                   self.weight / len(metrics) if self.points else self.weight * metric["weight"])
            for metric_name, metric in metrics.items()
        ]
        # A signal with a metric that reads a `field` is gathered from the record (banded.gather_section).
        self.fields = any(metric.field is not None for metric in self.metrics)
        self.key = FIELDED if self.fields else name
        # The metrics' values of a section in model order, as one tuple: the key of `parts`
        # (itemgetter raises KeyError when a metric is absent; _score then reads with get).
        self.names = tuple(metric.name for metric in self.metrics)
        getter = operator.itemgetter(*self.names)
        self.values_of = getter if len(self.names) > 1 else lambda section: (getter(section),)
        # values -> Part, one memo for JSON values and one for CSV text (from_text), then the same
        # two for churn_risk's parts (figures only): a book repeats them.
        self.parts = ({}, {}, {}, {})
        # The part of a section that is not an object (a problem, so the record is rejected).
        self.no_part = Part(self, (), None, (), (), False, ())
        self.shares = tuple(metric.share for metric in self.metrics)  # of a part with every metric
        self.heads = {}  # score -> the start of a "why" reason's words, e.g. 'Usage decline 26.2'


class Part:
    """One signal of one record, scored from its metrics' values: what assess and churn_risk read of it.

    `score` is the signal's rounded score (None without data); `weighted` is score x the
    signal's weight (its points of the raw score when every signal has data); `missing`
    the paths of its absent metrics; `shares` the model shares of the metrics present;
    `full` whether every metric was there; `fired` its warnings, (rank, warning), in
    metric order; `scored` (points added to the signal, metric, value, score) of the metrics
    present; `entry` its signal_scores entry. A book repeats a signal's values, so a part
    is kept per values (Signal.parts) and read by many results: its dicts are shared, never
    changed. A part made for churn_risk alone (`detail` False) has no warnings, scored
    metrics or entry, and is kept apart.
    """

    __slots__ = ("signal", "kinds", "score", "weighted", "missing", "shares", "full", "fired", "scored", "entry",
                 "detail", "reason")

    def __init__(self, signal, kinds, score, missing, shares, full, fired, scored=(), detail=True):
        self.signal = signal
        self.kinds = kinds  # the type of each value: True and 1 are equal keys, not equal values
        self.score = score
        self.weighted = None if score is None else score * signal.weight
        self.missing = missing
        self.shares = shares
        self.full = full
        self.fired = fired
        self.scored = scored
        self.entry = {"score": score, "weight": signal.weight} if detail else None
        self.detail = None  # the words of its "why" reason, made when first read (reason_detail)
        self.reason = None  # its "why" reason when every signal has data (points = weighted), likewise

    def reason_detail(self):
        """Return the "why" words of the signal, e.g. 'Usage decline 26.2 (Login trend -12%, ...)'.

        The metrics are listed by what they added to the signal, most first.
        """
        detail = self.detail
        if detail is None:
            signal = self.signal
            detail = signal.heads.get(self.score)  # a few hundred scores, each worded once
            if detail is None:
                detail = f"{signal.label} {self.score:.1f}"
                if len(signal.heads) < DESCRIBE_MEMO:
                    signal.heads[self.score] = detail
            drivers = [driver for driver in self.scored if driver[3] > 0]
            if drivers:
                if len(drivers) > 1:
                    drivers.sort(key=_first, reverse=True)
                detail += " (" + ", ".join([metric.words.get(value) or metric.describe(value)  # its memo first
                                            for _, metric, value, _ in drivers]) + ")"
            self.detail = detail
        return detail


def _part(signal, key, problems, from_text, memo, detail=True):
    """Check and score one signal's metric values (key: in model order); return its Part.

    Problems are appended to `problems`; a part found without any is remembered in `memo`.
    Without `detail` (churn_risk) the part has the figures only: no warnings, no scored metrics.
    The metric loop scores by the metric's way (decline, rise, count, flag, mapping; see
    the module docstring) with the fast path of values.number / boolean / enum inlined (a
    value of the right type and range, or a number scored before: Metric.known); anything
    else goes through values, which words the problem.
    """
    count = len(problems)
    points = signal.points
    total = 0.0
    weight_present = 0.0
    absent = 0  # metrics missing or unusable: rare, so counted rather than the present ones
    scored = []
    missing = []
    fired = []
    missing_answer = values.MISSING
    for metric, value in zip(signal.metrics, key):
        if value is None:
            missing.append(metric.path)
            absent += 1
            continue
        if metric.numeric:
            kind = type(value)
            score = metric.known.get(value) if kind is int or kind is float else None
            if score is None:
                if not ((kind is int or kind is float) and metric.low <= value <= metric.bound):
                    value = values.number(value, metric.path, problems, metric.low, metric.high, from_text)
                    if value is None:
                        absent += 1
                        continue
                score = metric.score(value)
        elif metric.flag:
            if value is not True and value is not False:
                value = values.boolean(value, metric.path, problems, from_text)
                if value is None:
                    absent += 1
                    continue
            score = metric.flag_score if value else 0.0
        else:
            label = metric.exact.get(value) if type(value) is str else None
            if label is None:
                label = mapping_label(value, metric, problems)
                if label is None:
                    absent += 1
                    continue
            value = label
            score = metric.float_scores[label]
        if points:
            added = score
            total += score
        else:
            added = score * metric.weight
            total += added
            weight_present += metric.weight
        if not detail:
            continue
        scored.append((added, metric, value, score))
        if metric.warnings:
            entry = metric.fired.get(value, missing_answer)  # Metric.fired_entry's memo, looked into first
            if entry is missing_answer:
                entry = metric.fired_entry(value)
            if entry is not None:
                fired.append(entry)
    if absent == len(signal.metrics):
        signal_score = None
    elif points:
        signal_score = round(float(clamp(total)), 1)
    else:
        signal_score = round(total / weight_present if absent else total, 1)
    # The metrics present are those with a value: an unusable one is a problem, and the record is rejected.
    shares = signal.shares if not absent else tuple(metric.share for metric, value in zip(signal.metrics, key)
                                                    if value is not None)
    part = Part(signal, tuple(map(type, key)), signal_score, tuple(missing), shares, not absent, fired, scored,
                detail)
    if len(problems) == count and len(memo) < PART_MEMO:
        memo[key] = part
    return part


class ChurnModel:
    """The churn section of a methodology and the as-of date, compiled once for fast scoring of many records."""

    def __init__(self, methodology, as_of):
        section = methodology["churn"]
        self.methodology = methodology
        self.as_of = as_of
        self.lifecycle = lifecycle.rule_for(methodology, as_of)  # None: results carry no lifecycle stage
        self.section = section
        self.segments = methodology["segments"]
        self.signals = [Signal(name, spec) for name, spec in section["signals"].items()]
        self.signal_names = [signal.name for signal in self.signals]
        self.signal_labels = {signal.name: signal.label for signal in self.signals}
        urgency = section["renewal_urgency"]
        self.bands = [(band["within_days"], band["multiplier"]) for band in urgency["bands"]]
        self.later_multiplier = urgency["later"]
        self.no_date_multiplier = urgency["no_date"]
        self.lapsed_multiplier = urgency["lapsed"]
        # (days, end date, multiplier, renewal_status) without an end date, and per end-date text seen.
        self.no_renewal = (None, None) + renewal_urgency(None, self)
        self.renewals = {}
        tiers = section["tiers"]
        self.tier_cuts = [(tier, tiers[tier]["min_score"]) for tier in TIERS[:-1]]
        self.tier_of = {}  # risk score -> its tier (classify)
        self.tier_labels = {tier: tiers[tier]["label"] for tier in TIERS}
        self.playbooks = {tier: list(section["playbooks"][tier]) for tier in TIERS}
        self.lapsed_actions = list(section["playbooks"]["lapsed_renewal"])
        self.next_rule = next_action.prepare(methodology, as_of)
        self.windows = list(section["renewal_windows_days"])
        self.due_within = self.windows[-1]
        self.min_completeness = section["min_data_completeness"]
        self.why_count = int(section["why"]["max_reasons"])
        self.why_points = section["why"]["min_points"]
        self.lean = None  # or the risk tiers whose reasons and playbook a caller reads (see assess)
        self.next_action = True  # False: no next_action in a result (the portfolio report makes the account's)
        # The data completeness of a record with every metric: the shares added up as _score adds them.
        share_sum = 0.0
        for signal in self.signals:
            for metric in signal.metrics:
                share_sum += metric.share
        self.full_completeness = round(share_sum * 100, 1)
        self.signals_weight = 0.0  # the weight of the signals with data when all have, added up as _score would
        for signal in self.signals:
            self.signals_weight += signal.weight
        self.decisions = {}  # (days to renewal, risk tier) -> next_action dict (assess copies it)


def prepare(methodology, as_of):
    """Compile the methodology's churn section for one as-of date; see ChurnModel."""
    return ChurnModel(methodology, as_of)


def classify(score, tier_cuts):
    """Return the risk tier of a score: the first tier whose minimum it reaches, else low.

    >>> cuts = [("critical", 80), ("high", 60), ("medium", 40)]
    >>> classify(79.5, cuts), classify(59.9, cuts), classify(80.0, cuts), classify(12.0, cuts)
    ('high', 'medium', 'critical', 'low')
    """
    for tier, minimum in tier_cuts:
        if score >= minimum:
            return tier
    return "low"


def renewal_urgency(days, model):
    """Return (multiplier, renewal_status) for the days to renewal (None: no end date).

    >>> model = prepare({"churn": DEFAULTS, "segments": {}}, None)
    >>> renewal_urgency(20, model), renewal_urgency(-3, model), renewal_urgency(None, model)
    ((1.5, 'due'), (1.5, 'lapsed'), (1.0, 'unknown'))
    """
    if days is None:
        return model.no_date_multiplier, "unknown"
    if days < 0:
        return model.lapsed_multiplier, "lapsed"
    status = "due" if days <= model.due_within else "scheduled"
    for within, multiplier in model.bands:
        if days <= within:
            return multiplier, status
    return model.later_multiplier, status


def _day_words(count):
    return f"{count:,} day" if count == 1 else f"{count:,} days"


def renewal_words(days, end_date):
    """Return the renewal in words.

    >>> renewal_words(-5, "2026-11-17"), renewal_words(20, "2026-12-12"), renewal_words(None, None)
    ('renewal lapsed 5 days ago on 2026-11-17', 'renews in 20 days on 2026-12-12', 'renewal date unknown')
    """
    if days is None:
        return "renewal date unknown"
    if days < 0:
        return f"renewal lapsed {_day_words(-days)} ago on {end_date}"
    if days == 0:
        return f"renews today ({end_date})"
    return f"renews in {_day_words(days)} on {end_date}"


class Scored(NamedTuple):
    """What _score finds for one record (see _score for each part)."""

    parts: list
    missing: list
    completeness: float
    present_weight: float
    all_signals: bool
    raw_score: float
    renewal: tuple
    risk_score: float
    risk_tier: Optional[str]


_new_tuple = tuple.__new__


def _score(raw, model, problems, from_text, detail=True):
    """Check and score every signal of a record and its renewal; the figures assess and churn_risk rest on.

    Returns a Scored (parts, missing, completeness, present_weight, all_signals,
    raw_score, renewal, risk_score, risk_tier): each signal's Part in model order;
    the missing metric paths; data completeness (%); the weight of the signals with
    data and whether that is all of them; the raw score (rounded; the risk score is
    computed from the unrounded one, METHODOLOGY.md section 2); (days, end_date text,
    multiplier, renewal_status) of the renewal; the risk score and tier. Raises
    RecordRejected with `problems` (those found before, then every one found here) or
    for insufficient data. Without `detail` (churn_risk) the parts have the figures alone.
    """
    parts = []
    missing = []
    raw_sum = 0.0
    all_signals = True
    full = True  # every metric of every signal there: the completeness is the model's full one
    memo_index = (1 if from_text else 0) + (0 if detail else 2)
    for signal in model.signals:
        section = raw.get(signal.key)
        if type(section) is not dict:
            section = (gather_section(raw, signal.name, signal.metrics, problems) if signal.fields
                       else values.section(raw, signal.name, problems))
            if section is None:
                parts.append(signal.no_part)
                all_signals = full = False
                continue
        try:
            key = signal.values_of(section)
        except KeyError:  # a metric absent from the section
            key = tuple(map(section.get, signal.names))
        memo = signal.parts[memo_index]
        try:
            part = memo.get(key)
        except TypeError:  # a value that is a list or an object: _part words the problem
            part = None
        # A part is read for the values it was made from, of the same types (True == 1 as a key).
        if part is None or part.kinds != tuple(map(type, key)):
            part = _part(signal, key, problems, from_text, memo, detail)
        parts.append(part)
        if not part.full:
            full = False
            if part.missing:
                missing += part.missing
            if part.score is None:
                all_signals = False
                continue
        raw_sum += part.weighted
    if all_signals:
        present_weight = model.signals_weight
    else:  # the weights of the signals with data, added in model order
        present_weight = 0.0
        for part in parts:
            if part.score is not None:
                present_weight += part.signal.weight
    end_value = raw.get("contract_end_date")
    renewal = model.no_renewal
    if end_value is not None:
        renewal = model.renewals.get(end_value) if type(end_value) is str else None
        if renewal is None:
            end_date = values.iso_date(end_value, "contract_end_date", problems)
            if end_date is not None:
                days = (end_date - model.as_of).days
                renewal = (days, end_date.isoformat()) + renewal_urgency(days, model)
                if len(model.renewals) < RENEWAL_MEMO:
                    model.renewals[end_value] = renewal
    if problems:
        raise RecordRejected(problems)
    if full:
        completeness = model.full_completeness
    else:  # the shares of the metrics present, added in model order
        completeness_share = 0.0
        for part in parts:
            for metric_share in part.shares:
                completeness_share += metric_share
        completeness = round(completeness_share * 100, 1)
    if completeness < model.min_completeness or not present_weight:
        raise RecordRejected([
            f"insufficient data: {completeness:g}% of the churn model's weight has data "
            f"(at least {model.min_completeness:g}% is needed); missing {_missing_words(missing, model)}"
        ])
    unrounded = raw_sum if all_signals else raw_sum / present_weight
    risk_score = round(unrounded * renewal[2], 1)  # from the unrounded raw, as published; clamped, a float:
    risk_score = 100.0 if risk_score > 100 else 0.0 if risk_score < 0 else float(risk_score)
    tier = model.tier_of.get(risk_score)  # classify's answer, remembered per score (at most 1,001 of them)
    if tier is None:
        tier = classify(risk_score, model.tier_cuts)
        if len(model.tier_of) < DECISION_MEMO:
            model.tier_of[risk_score] = tier
    # tuple.__new__ builds the Scored without the Python-level __new__ a NamedTuple call goes
    # through: the same object, at half the cost of Scored(...) (0.4 against 0.9 us a record).
    return _new_tuple(Scored, (parts, missing, completeness, present_weight, all_signals, round(unrounded, 1),
                               renewal, risk_score, tier))


def assess(raw, model, from_text=False, read=None):
    """Score one customer record; return its result dict or raise RecordRejected with every problem.

    The result keeps the published field names (risk_score, risk_tier, signal_scores,
    warning_signals, recommended_actions ...) and adds raw_score, risk_label,
    renewal_status, why, data_completeness, missing_fields and notes.

    `read`: (account, problems) of accounts.read_account on this record with the
    model's segments, from a caller that read it already (the portfolio report).
    With `model.lean` (a set of risk tiers; the portfolio report's views) the result
    leaves out `signal_scores`, and has `recommended_actions` and `why` only for an
    account of one of those tiers: the same figures, without what nobody reads.
    Without `model.next_action` the result has no next_action (the report makes the account's own).

    The dicts inside a result's signal_scores, warning_signals, why and next_action
    may be shared with other results (a book repeats them): read them, do not change them.
    """
    if read is None:
        problems = []
        account = read_account(raw, model.segments, problems, from_text)
    else:
        account, problems = read[0], list(read[1])
    parts, missing, completeness, present_weight, all_signals, raw_score, renewal, risk_score, tier = \
        _score(raw, model, problems, from_text)
    days, end_text, multiplier, status = renewal
    notes = account.notes
    if days is None:
        missing.append("contract_end_date")
        notes = notes + ["renewal date unknown (no contract_end_date): no urgency multiplier applied"]
    # (rank, warning): sorted on the rank alone, so equal ranks keep the model's order
    fired = [] if status != "lapsed" else [(SEVERITY_RANK[LAPSED_SEVERITY], {
        "severity": LAPSED_SEVERITY, "signal": "renewal", "message": renewal_words(days, end_text)})]
    for part in parts:
        if part.fired:
            fired += part.fired
    fired.sort(key=_first)
    if status == "lapsed":  # the renewal leads; a low tier's "standard monitoring" and expansion do not fit
        actions = model.lapsed_actions + ([] if tier == "low" else model.playbooks[tier])
    else:
        actions = list(model.playbooks[tier])
    result = {
        "customer_id": account.customer_id,
        "name": account.name,
        "segment": account.segment,
        "arr": account.arr,
        "owner": account.owner,
        "contract_start_date": account.contract_start_date,
        "risk_score": risk_score,
        "raw_score": raw_score,
        "risk_tier": tier,
        "risk_label": model.tier_labels[tier],
        "urgency_multiplier": multiplier,
        "days_to_renewal": days,
        "contract_end_date": end_text,
        "renewal_status": status,
    }
    lean = model.lean
    if lean is None:
        result["signal_scores"] = dict(zip(model.signal_names, map(_entry, parts)))
    result["warning_signals"] = list(map(_second, fired))
    if lean is None or tier in lean:
        result["recommended_actions"] = actions
        result["why"] = _why(parts, present_weight, all_signals, model)
    result["data_completeness"] = completeness
    result["missing_fields"] = missing
    result["notes"] = notes
    if model.next_action:
        decision = model.decisions.get((days, tier))  # a book repeats its renewal days; each result gets a copy
        if decision is None:
            decision = next_action.decide(model.next_rule, days=days, risk_tier=tier).as_dict()
            if len(model.decisions) < DECISION_MEMO:
                model.decisions[(days, tier)] = decision
        result["next_action"] = dict(decision)
    return lifecycle.add_stage(result, account.contract_start_date, model.lifecycle)


def churn_risk(raw, model, from_text=False):
    """Return (risk_score, risk_tier) of a record whose account fields are already checked.

    The figures assess gives, from the same scoring, without warnings, reasons or
    playbook (expansion readiness needs only these). RecordRejected lists the
    problems assess would, but for the account fields' own (the caller's job).

    >>> import datetime
    >>> model = prepare({"churn": DEFAULTS, "segments": {}}, datetime.date(2026, 11, 22))
    >>> record = {"usage_decline": {"login_trend": -12, "feature_adoption_change": -4, "dau_mau_change": -0.05},
    ...           "engagement_drop": {"meeting_cancellations": 1, "response_time_days": 3, "nps_change": -2},
    ...           "contract_end_date": "2026-12-12"}
    >>> churn_risk(record, model)  # raw (.30 x 26.2 + .25 x 32.0) / .55 = 28.836, x 1.5 renewing in 20 days
    (43.3, 'medium')
    """
    scored = _score(raw, model, [], from_text, detail=False)
    return scored.risk_score, scored.risk_tier


def _missing_words(missing, model):
    """Name the missing fields, a signal with none of its fields by its name alone."""
    missing_set = set(missing)
    fields = []
    whole = []
    for signal in model.signals:
        paths = [metric.path for metric in signal.metrics if metric.path in missing_set]
        if paths and len(paths) == len(signal.metrics):
            whole.append(signal.name)
        else:
            fields.extend(paths)
    if whole:
        fields.append(f"every field of {', '.join(whole)}")
    return ", ".join(fields)


_first = operator.itemgetter(0)
_second = operator.itemgetter(1)
_entry = operator.attrgetter("entry")
_weighted = operator.attrgetter("weighted")


def _why(parts, present_weight, all_signals, model):
    """Return the signals that add most points to the raw score, each with the metrics that drove it.

    Points are the signal's share of the raw score (score x weight, the weight spread
    when a signal is missing); the metrics are listed by what they added to the signal.
    """
    if all_signals:  # points = score x weight: each part's own, and its reason can be kept with it
        ranked = sorted(parts, key=_weighted, reverse=True)  # stable: equal points keep the model's order
        reasons = []
        for part in ranked[: model.why_count]:
            points = part.weighted
            if points < model.why_points or points <= 0:
                break
            reason = part.reason
            if reason is None:
                reason = part.reason = {"signal": part.signal.name, "points": round(points, 1),
                                        "detail": part.reason_detail()}
            reasons.append(reason)
        return reasons
    scale = 1.0 / present_weight
    ranked = [(part.weighted * scale, part) for part in parts if part.score is not None]
    ranked.sort(key=_first, reverse=True)
    reasons = []
    for points, part in ranked[: model.why_count]:
        if points < model.why_points or points <= 0:
            break
        reasons.append({"signal": part.signal.name, "points": round(points, 1), "detail": part.reason_detail()})
    return reasons


def risk_key(result):
    """Sort key: highest risk score first, then larger ARR, then customer_id."""
    return (-result["risk_score"], -result["arr"], result["customer_id"])


class Summary:
    """The portfolio summary, built one scored account at a time (so it also works when streaming)."""

    def __init__(self, model):
        self.model = model
        self.count = 0
        self.total_arr = 0
        self.score_sum = 0.0
        self.weighted_sum = 0.0
        self.tiers = {tier: [0, 0] for tier in TIERS}
        self.segments = {segment: {"count": 0, "arr": 0, "score_sum": 0.0, "arr_at_risk": 0,
                                   **{tier: 0 for tier in TIERS}} for segment in SEGMENTS}
        self.windows = [(days, {"count": 0, "arr": 0, "tiers": {tier: 0 for tier in TIERS}})
                        for days in model.windows]
        self.due_within = model.windows[-1]
        self.lapsed = []
        self.lapsed_arr = 0
        self.lapsed_tiers = {tier: 0 for tier in TIERS}
        self.unknown_renewal = 0
        self.incomplete = 0
        self.warning_counts = {severity: 0 for severity in SEVERITIES}
        self.attention = next_action.attention_counts()
        self.owners = owners.Books(model.methodology, owners.CHURN, model.due_within)

    def add(self, result):
        arr = result["arr"]
        score = result["risk_score"]
        tier = result["risk_tier"]
        if result["owner"] is not None:
            self.owners.add(result)
        self.count += 1
        self.total_arr += arr
        self.score_sum += score
        self.weighted_sum += score * arr
        counts = self.tiers[tier]
        counts[0] += 1
        counts[1] += arr
        segment = self.segments[result["segment"]]
        segment["count"] += 1
        segment["arr"] += arr
        segment["score_sum"] += score
        segment[tier] += 1
        if tier == "critical" or tier == "high":
            segment["arr_at_risk"] += arr
        days = result["days_to_renewal"]
        if days is None:
            self.unknown_renewal += 1
        elif days < 0:
            self.lapsed.append(result["customer_id"])
            self.lapsed_arr += arr
            self.lapsed_tiers[tier] += 1
        elif days <= self.due_within:  # within the largest window (they increase)
            for within, window in self.windows:
                if days <= within:
                    window["count"] += 1
                    window["arr"] += arr
                    window["tiers"][tier] += 1
        warning_counts = self.warning_counts
        for warning in result["warning_signals"]:
            warning_counts[warning["severity"]] += 1
        decision = result.get("next_action")  # the portfolio report keeps one per account, not per analysis
        if decision is not None:
            self.attention[decision["attention"]] += 1
        if result["missing_fields"]:
            self.incomplete += 1

    def result(self, rejected_count):
        count = self.count
        total_arr = self.total_arr
        tiers = {
            tier: {
                "count": n,
                "share_of_accounts": share(n, count),
                "arr": money_round(arr),
                "share_of_arr": share(arr, total_arr),
            }
            for tier, (n, arr) in self.tiers.items()
        }
        arr_at_risk = self.tiers["critical"][1] + self.tiers["high"][1]
        segments = {}
        for name, segment in self.segments.items():
            segments[name] = {
                "count": segment["count"],
                "arr": money_round(segment["arr"]),
                "average_risk_score": round(segment["score_sum"] / segment["count"], 1) if segment["count"] else None,
                "arr_at_risk": money_round(segment["arr_at_risk"]),
                **{f"{tier}_count": segment[tier] for tier in TIERS},
            }
        renewals = {
            f"next_{within}_days": {"days": within, "count": window["count"], "arr": money_round(window["arr"]),
                                    "tiers": dict(window["tiers"])}
            for within, window in self.windows
        }
        summary = {
            "total_customers": count,
            "rejected_count": rejected_count,
            "total_arr": money_round(total_arr),
            "average_risk_score": round(self.score_sum / count, 1) if count else None,
            "arr_weighted_average_risk_score": round(self.weighted_sum / total_arr, 1) if total_arr else None,
            "critical_count": self.tiers["critical"][0],
            "high_count": self.tiers["high"][0],
            "medium_count": self.tiers["medium"][0],
            "low_count": self.tiers["low"][0],
            "tiers": tiers,
            "total_arr_at_risk": money_round(arr_at_risk),
            "arr_at_risk_share": share(arr_at_risk, total_arr),
            "segments": segments,
            "renewals_due": renewals,
            "lapsed_renewals": {"count": len(self.lapsed), "arr": money_round(self.lapsed_arr),
                                "tiers": dict(self.lapsed_tiers), "customer_ids": sorted(self.lapsed)},
            "next_action_attention": dict(self.attention),
            "unknown_renewal_count": self.unknown_renewal,
            "warning_counts": dict(self.warning_counts),
            "incomplete_data_count": self.incomplete,
        }
        if self.owners.count:
            summary["by_owner"] = self.owners.result(summary)
        return summary
