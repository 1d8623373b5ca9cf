"""The `churn` section: signals, metrics, warning rules, renewal urgency, tiers and playbooks (the defaults and their checks).

references/methodology.md section 2 gives every figure; csm.score.churn scores with them.
"""

from csm import values
from csm.config.checks import (check_bands, check_field, check_influenceable, check_number, check_valid_range,
                               check_weights)

TIERS = ("critical", "high", "medium", "low")
SEVERITIES = ("critical", "high", "medium", "low")
COMBINES = ("weighted", "points")
SCORINGS = ("decline", "rise", "count", "flag", "mapping", "banded")


# The words of a numeric warning rule: fires when the value is at_most / below / at_least / above `at`.
COMPARISONS = ("at_most", "below", "at_least", "above")
NUMERIC_SCORINGS = ("decline", "rise", "count", "banded")


# references/methodology.md section 2 fix: a contract end date before the as-of date is a lapsed
# renewal with its own warning; it is as urgent as a renewal can be.
LAPSED_SEVERITY = "critical"


def _rule(when, at, severity):
    return {"when": when, "at": at, "severity": severity}


# Scores, weights, points, multipliers, tiers and warning thresholds are references/methodology.md
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
                # +45 when the champion has left. A fact, not a lever: no path to lower risk moves it
                # (nor a sponsor change, nor budget cuts).
                "champion_left": {
                    "label": "Champion left", "influenceable": False, "scoring": "flag", "points": 45,
                    "warnings": [_rule("is", True, "critical")],
                },
                # +30 when the executive sponsor changed.
                "sponsor_change": {
                    "label": "Executive sponsor changed", "influenceable": False, "scoring": "flag", "points": 30,
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
                    "label": "Budget cuts mentioned", "influenceable": False, "scoring": "flag", "points": 40,
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
        # A lapsed renewal (references/methodology.md fix) comes first whatever the tier: a contract past
        # its end date is a commercial emergency even when the usage signals look calm.
        "lapsed_renewal": [
            "Renewal lapsed: confirm the contract with finance and the AE (48 hours).",
        ],
    },
    # The summary's "renewals due in the next N days" windows (references/interface.md: 30, 60, 90);
    # a renewal within the largest is "due".
    "renewal_windows_days": [30, 60, 90],
    # A record with less than this share (%) of the model's weight present is rejected
    # (references/interface.md: most of its weight missing).
    "min_data_completeness": 50,
    # "Why": the signals that add most points to the raw score, at most this many, each at least this many points.
    "why": {"max_reasons": 3, "min_points": 1.0},
    # The map from risk score to churn probability (references/methodology.md section 10): none by default;
    # a fitted churn file holds one learnt on out-of-fold scores, and then every result carries its
    # churn_probability: {"method": text, "points": [[risk, probability], ...] from risk 0 to 100}.
    "calibration": None,
}


OPEN_PATHS = ("signals", "signals.*.metrics", "signals.*.metrics.*", "signals.*.metrics.*.values")
SIGNAL_KEYS = ("label", "weight", "combine", "metrics")
METRIC_KEYS = ("label", "weight", "scoring", "unit", "valid", "points_per_unit", "baseline", "many", "points",
               "values", "warnings", "bands", "field", "influenceable")


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
    if section["calibration"] is not None:
        problems += check_calibration(section["calibration"])
    return problems


def check_calibration(calibration):
    """Return the problems of a churn.calibration: rows [risk, probability] over risk 0 to 100, risk rising,
    probabilities in [0, 1] and never falling (a monotone map).

    >>> check_calibration({"points": [[0, 0.1], [50, 0.05], [100, 1.2]]})[:2]
    ['churn.calibration.points[1]: probability 0.05 falls below the one before (0.1): the map must not fall as risk rises', 'churn.calibration.points[2]: probability 1.2 is out of [0, 1]']
    """
    where = "churn.calibration"
    if not isinstance(calibration, dict) or not isinstance(calibration.get("points"), list):
        return [f"{where} must be an object with points: [[risk, probability], ...] over risk 0 to 100"]
    problems = [f"unknown key {where}.{key} (known here: method, points)" for key in calibration
                if key not in ("method", "points")]
    points = calibration["points"]
    rows = []
    for position, row in enumerate(points):
        if not (isinstance(row, list) and len(row) == 2 and all(
                isinstance(figure, (int, float)) and not isinstance(figure, bool) and figure == figure
                for figure in row)):
            problems.append(f"{where}.points[{position}] must be [risk, probability], two numbers")
            continue
        risk, probability = row
        if not 0 <= probability <= 1:
            problems.append(f"{where}.points[{position}]: probability {probability:g} is out of [0, 1]")
        if rows and risk <= rows[-1][0]:
            problems.append(f"{where}.points[{position}]: risk {risk:g} does not rise above the one before "
                            f"({rows[-1][0]:g})")
        if rows and probability < rows[-1][1]:
            problems.append(f"{where}.points[{position}]: probability {probability:g} falls below the one before "
                            f"({rows[-1][1]:g}): the map must not fall as risk rises")
        rows.append((risk, probability))
    if len(rows) == len(points) and (len(rows) < 2 or rows[0][0] != 0 or rows[-1][0] != 100):
        problems.append(f"{where}.points must run over the whole score range, from risk 0 to risk 100")
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
    problems += check_influenceable(metric, where)
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
    elif when not in COMPARISONS:
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
