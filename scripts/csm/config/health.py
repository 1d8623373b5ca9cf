"""The `health` section: dimensions, metrics, segment benchmarks, cut-offs, trends and priorities (the defaults and their checks).

references/methodology.md section 1 gives every figure; csm.score.health scores with them.
"""

from csm.config.checks import (check_bands, check_field, check_influenceable, check_number, check_valid_range,
                               check_weights)
from csm.config.segments import SEGMENTS

CLASSES = ("green", "yellow", "red")
TRENDS = ("improving", "stable", "declining", "no_data")
PRIORITIES = ("critical", "high", "medium", "low")
SCORINGS = ("ratio", "inverse", "mapping", "banded")
RECOMMEND_WHEN = ("score_below", "value_below", "value_above", "value_above_share_of_max", "value_is")


def _segments(enterprise, mid_market, smb):
    return {"enterprise": enterprise, "mid-market": mid_market, "smb": smb}


# Every figure below is references/methodology.md section 1 (the published framework's defaults):
# dimension weights, sub-metric weights, segment benchmarks, cut-offs, the trend
# threshold and the attention-priority matrix. Recommendation thresholds are the
# ones the published framework fires on; the action wording is ours.
DEFAULTS = {
    "dimensions": {
        "usage": {
            "label": "Usage",
            "weight": 0.30,
            "metrics": {
                "login_frequency": {
                    "label": "Login frequency", "weight": 0.35, "scoring": "ratio", "unit": "%",
                    "target": _segments(90, 80, 70), "valid": {"min": 0, "max": 100},
                    "recommend": {"when": "score_below", "at": 60, "action":
                                  "Re-engage users: a login campaign; wire the product into daily work."},
                },
                "feature_adoption": {
                    "label": "Feature adoption", "weight": 0.40, "scoring": "ratio", "unit": "%",
                    "target": _segments(80, 70, 60), "valid": {"min": 0, "max": 100},
                    "recommend": {"when": "score_below", "at": 50, "action":
                                  "Drive adoption: a guided session on the unused features that fit."},
                },
                "dau_mau_ratio": {
                    "label": "DAU/MAU ratio", "weight": 0.25, "scoring": "ratio", "unit": "",
                    "target": _segments(0.50, 0.40, 0.30), "valid": {"min": 0, "max": 1},
                    "recommend": {"when": "score_below", "at": 50, "action":
                                  "Build daily habits: in-app prompts, digests or integrations."},
                },
            },
        },
        "engagement": {
            "label": "Engagement",
            "weight": 0.25,
            "metrics": {
                "support_ticket_volume": {
                    "label": "Support ticket volume", "weight": 0.20, "scoring": "inverse", "unit": "",
                    "max": _segments(5, 8, 10), "valid": {"min": 0, "max": None},
                },
                "meeting_attendance": {
                    "label": "Meeting attendance", "weight": 0.30, "scoring": "ratio", "unit": "%",
                    "target": _segments(95, 85, 75), "valid": {"min": 0, "max": 100},
                    "recommend": {"when": "score_below", "at": 60, "action":
                                  "Fix meeting cadence: the right attendees, an agenda tied to their goals."},
                },
                "nps_score": {
                    "label": "NPS", "weight": 0.25, "scoring": "ratio", "unit": "",
                    "target": _segments(9, 8, 7), "valid": {"min": 0, "max": 10},
                    "recommend": {"when": "value_below", "at": 7, "action":
                                  "Close the NPS loop: call the detractors; log what would change it."},
                },
                "csat_score": {
                    "label": "CSAT", "weight": 0.25, "scoring": "ratio", "unit": "",
                    "target": _segments(4.5, 4.0, 3.8), "valid": {"min": 0, "max": 5},
                    "recommend": {"when": "value_below", "at": 3.5, "action":
                                  "Review support interactions with the support lead; fix the low CSAT."},
                },
            },
        },
        "support": {
            "label": "Support",
            "weight": 0.20,
            "metrics": {
                "open_tickets": {
                    "label": "Open tickets", "weight": 0.35, "scoring": "inverse", "unit": "",
                    "max": _segments(10, 15, 20), "valid": {"min": 0, "max": None},
                    "recommend": {"when": "value_above_share_of_max", "at": 0.5, "action":
                                  "Work down the ticket backlog: an owner and a date for every open ticket."},
                },
                "escalation_rate": {
                    "label": "Escalation rate", "weight": 0.35, "scoring": "inverse", "unit": "",
                    "max": _segments(0.25, 0.30, 0.40), "valid": {"min": 0, "max": 1},
                    "recommend": {"when": "value_above_share_of_max", "at": 0.5, "action":
                                  "Find the cause of escalations; review them with the customer's admin."},
                },
                "avg_resolution_hours": {
                    "label": "Average resolution time", "weight": 0.30, "scoring": "inverse", "unit": " h",
                    "max": _segments(72, 96, 120), "valid": {"min": 0, "max": None},
                    "recommend": {"when": "value_above_share_of_max", "at": 0.5, "action":
                                  "Speed up resolution: raise the support priority, track time to resolve."},
                },
            },
        },
        "relationship": {
            "label": "Relationship",
            "weight": 0.25,
            "metrics": {
                "executive_sponsor_engagement": {
                    "label": "Executive sponsor engagement", "weight": 0.35, "scoring": "ratio", "unit": "%",
                    "target": _segments(90, 75, 60), "valid": {"min": 0, "max": 100},
                    "recommend": {"when": "score_below", "at": 50, "action":
                                  "Re-engage the executive sponsor: an executive review this quarter."},
                },
                "multi_threading_depth": {
                    "label": "Multi-threading depth", "weight": 0.30, "scoring": "ratio", "unit": " contacts",
                    "target": _segments(5, 3, 2), "valid": {"min": 0, "max": None},
                    "recommend": {"when": "value_below", "at": 2, "action":
                                  "Multi-thread the account: two more stakeholders at least."},
                },
                "renewal_sentiment": {
                    "label": "Renewal sentiment", "weight": 0.35, "scoring": "mapping", "unit": "",
                    "values": {"positive": 100, "neutral": 60, "negative": 20, "unknown": 50},
                    "recommend": {"when": "value_is", "at": "negative", "action":
                                  "Address negative renewal sentiment: meet the decision maker now."},
                },
            },
        },
    },
    # Segment-aware cut-offs: score >= green -> green; >= yellow -> yellow; else red.
    "classification": {
        "enterprise": {"green": 75, "yellow": 50},
        "mid-market": {"green": 70, "yellow": 45},
        "smb": {"green": 65, "yellow": 40},
    },
    # What each class calls for (the second seeded model's expand / nurture / save).
    "class_actions": {
        "green": "Expand: look for advocacy and expansion; keep the success plan current.",
        "yellow": "Nurture: a recovery plan for the weak dimensions; check in biweekly.",
        "red": "Save: open a save plan this week with an executive sponsor.",
    },
    # current - previous > 5 improving, < -5 declining, otherwise stable.
    "trend_threshold": 5,
    # Classification x overall trend ("act on trends, not snapshots").
    "attention_priority": {
        "green": {"improving": "low", "stable": "low", "declining": "high", "no_data": "low"},
        "yellow": {"improving": "medium", "stable": "medium", "declining": "critical", "no_data": "medium"},
        "red": {"improving": "high", "stable": "critical", "declining": "critical", "no_data": "critical"},
    },
    # A record with less than this share (%) of the model's weight present is rejected.
    "min_data_completeness": 50,
    # "Why": the sub-metrics that cost most points, at most this many, each at least this many points.
    "why": {"max_reasons": 3, "min_points": 1.0},
}


OPEN_PATHS = ("dimensions", "dimensions.*.metrics", "dimensions.*.metrics.*")
METRIC_KEYS = ("label", "weight", "scoring", "unit", "target", "max", "values", "valid", "recommend", "bands",
               "field", "influenceable")


DIMENSION_KEYS = ("label", "weight", "metrics")


# A banded metric without `valid` accepts any number of 0 or more.
BANDED_VALID = {"min": 0, "max": None}


def check(section, methodology):
    """Return the problems of a health section: weights, per-segment figures, cut-offs, matrix."""
    problems = []
    dimensions = section["dimensions"]
    if not dimensions:
        return ["health.dimensions: at least one dimension is needed"]
    dimension_weights = {}
    for name, dimension in dimensions.items():
        where = f"health.dimensions.{name}"
        if not isinstance(dimension, dict):
            problems.append(f"{where} must be an object")
            continue
        problems += [f"unknown key {where}.{key} (known here: {', '.join(DIMENSION_KEYS)})"
                     for key in dimension if key not in DIMENSION_KEYS]
        problems += check_number(dimension.get("weight"), f"{where}.weight", 0, 1)
        dimension_weights[name] = dimension.get("weight") if isinstance(dimension.get("weight"), (int, float)) else 0
        metrics = dimension.get("metrics")
        if not isinstance(metrics, dict) or not metrics:
            problems.append(f"{where}.metrics must be an object with at least one metric")
            continue
        metric_weights = {}
        for metric_name, metric in metrics.items():
            problems += _check_metric(metric, f"{where}.metrics.{metric_name}")
            if isinstance(metric, dict) and isinstance(metric.get("weight"), (int, float)):
                metric_weights[metric_name] = metric["weight"]
        if len(metric_weights) == len(metrics):
            problems += check_weights(metric_weights, f"{where}.metrics")
    if not problems:
        problems += check_weights(dimension_weights, "health.dimensions")
    for segment in SEGMENTS:
        cut = section["classification"].get(segment)
        where = f"health.classification.{segment}"
        if not isinstance(cut, dict) or set(cut) != {"green", "yellow"}:
            problems.append(f"{where} must be an object with green and yellow")
            continue
        problems += check_number(cut["green"], f"{where}.green", 0, 100)
        problems += check_number(cut["yellow"], f"{where}.yellow", 0, 100)
        if not problems and cut["yellow"] > cut["green"]:
            problems.append(f"{where}: thresholds out of order (yellow {cut['yellow']:g} is above green {cut['green']:g})")
    for segment in section["classification"]:
        if segment not in SEGMENTS:
            problems.append(f"unknown key health.classification.{segment} (known here: {', '.join(SEGMENTS)})")
    problems += check_number(section["trend_threshold"], "health.trend_threshold", 0, 100)
    problems += check_number(section["min_data_completeness"], "health.min_data_completeness", 0, 100)
    problems += check_number(section["why"]["max_reasons"], "health.why.max_reasons", 0, 20)
    problems += check_number(section["why"]["min_points"], "health.why.min_points", 0, 100)
    for klass in CLASSES:
        row = section["attention_priority"][klass]
        for trend in TRENDS:
            if row.get(trend) not in PRIORITIES:
                problems.append(f"health.attention_priority.{klass}.{trend} must be one of {', '.join(PRIORITIES)}")
    return problems


def _check_metric(metric, where):
    if not isinstance(metric, dict):
        return [f"{where} must be an object"]
    problems = [f"unknown key {where}.{key} (known here: {', '.join(METRIC_KEYS)})"
                for key in metric if key not in METRIC_KEYS]
    problems += check_number(metric.get("weight"), f"{where}.weight", 0, 1)
    scoring = metric.get("scoring")
    if scoring not in SCORINGS:
        return problems + [f"{where}.scoring must be one of {', '.join(SCORINGS)}"]
    if not isinstance(metric.get("label", ""), str) or not isinstance(metric.get("unit", ""), str):
        problems.append(f"{where}: label and unit must be text")
    if "field" in metric:
        problems += check_field(metric["field"], where)
    problems += check_influenceable(metric, where)
    if scoring == "banded":
        problems += check_bands(metric.get("bands"), where)
        problems += check_valid_range(metric.get("valid", BANDED_VALID), where)
    elif scoring == "mapping":
        mapping = metric.get("values")
        if not isinstance(mapping, dict) or not mapping:
            problems.append(f"{where}.values must map each label to a score from 0 to 100")
        else:
            for label, score in mapping.items():
                problems += check_number(score, f"{where}.values.{label}", 0, 100)
    else:
        figure = "target" if scoring == "ratio" else "max"
        per_segment = metric.get(figure)
        if not isinstance(per_segment, dict) or set(per_segment) != set(SEGMENTS):
            problems.append(f"{where}.{figure} must give a number for each of {', '.join(SEGMENTS)}")
        else:
            for segment in SEGMENTS:
                problems += check_number(per_segment[segment], f"{where}.{figure}.{segment}", 0)
        problems += check_valid_range(metric.get("valid"), where)
    rule = metric.get("recommend")
    if rule is not None:
        if not isinstance(rule, dict) or rule.get("when") not in RECOMMEND_WHEN or "at" not in rule \
                or not isinstance(rule.get("action"), str):
            problems.append(f"{where}.recommend must be an object with when ({', '.join(RECOMMEND_WHEN)}), at and action")
        elif rule["when"] == "value_is":
            if not isinstance(rule["at"], str):
                problems.append(f"{where}.recommend.at must be a label when 'when' is value_is")
        elif rule["when"] == "value_above_share_of_max" and scoring not in ("ratio", "inverse"):
            problems.append(f"{where}.recommend: value_above_share_of_max needs a ratio or inverse metric "
                            f"(a {scoring} metric has no max)")
        else:
            problems += check_number(rule["at"], f"{where}.recommend.at")
    return problems
