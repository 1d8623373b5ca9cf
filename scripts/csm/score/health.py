"""The health score: usage, engagement, support and relationship, 0-100, higher is healthier.

The model is data (`DEFAULTS`, the `health` section of the methodology): each
dimension has a weight and metrics; each metric is read from
`<dimension>.<metric>` in the customer record and scored one of three ways:

- ``ratio``: clamp(value / target x 100), target per segment (0 when the target is 0);
- ``inverse``: clamp((1 - value / max) x 100), max per segment (0 when max is 0);
- ``mapping``: a label looked up in `values` (renewal sentiment);
- ``banded``: the score of the band the value falls in (METHODOLOGY.md section 4,
  `csm.banded`), e.g. a fitted scorecard's tenure bands.

A metric with a `field` key reads that key of the record (dotted for nested)
instead of `<dimension>.<metric>`.

A dimension is the weighted sum of its metric scores, rounded to 1 decimal; the
overall score is the weighted sum of the rounded dimension scores, rounded to 1
decimal (METHODOLOGY.md section 1). A missing metric is left out and its weight
spread over the metrics present, within its dimension and across dimensions.

`prepare(methodology)` compiles the model once; `assess(raw, model, from_text)`
scores one record and returns plain data, or raises RecordRejected;
`overall_health` gives only its overall score and class, from the same scoring.

Each result also carries the account's renewal (`contract_end_date`,
`days_to_renewal`: read when the record has it, never an error here; the churn
analysis checks it) and its `next_action` (csm.next_action, from health and the
renewal: health knows no churn tier). A lapsed renewal leads the recommendations
and takes the place of the green class action ("Expand ...").
"""

import datetime
import operator
from typing import NamedTuple

from csm.score import lifecycle, next_action
from csm.report import owners
from csm import values
from csm.score.accounts import SEGMENTS, read_account
from csm.score.banded import (FIELDED, Bands, boolean_labels, check_bands, check_field, field_parts, gather_section, mapping_label)
from csm.errors import RecordRejected
from csm.figures import SCORE_MEMO, money_round, share
from csm.config.checks import check_number, check_valid_range, check_weights

CLASSES = ("green", "yellow", "red")
TRENDS = ("improving", "stable", "declining", "no_data")
PRIORITIES = ("critical", "high", "medium", "low")
SCORINGS = ("ratio", "inverse", "mapping", "banded")
RECOMMEND_WHEN = ("score_below", "value_below", "value_above", "value_above_share_of_max", "value_is")


def _segments(enterprise, mid_market, smb):
    return {"enterprise": enterprise, "mid-market": mid_market, "smb": smb}


# Every figure below is METHODOLOGY.md section 1 (the published framework's defaults):
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
               "field")
DIMENSION_KEYS = ("label", "weight", "metrics")


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


# A banded metric without `valid` accepts any number of 0 or more.
BANDED_VALID = {"min": 0, "max": None}


class Metric:
    """One metric of the model, compiled for one segment."""

    __slots__ = ("name", "path", "label", "unit", "scoring", "figure", "weight", "low", "high",
                 "table", "scores", "accepted", "rule_when", "rule_at", "rule_action",
                 "mapping", "ratio", "bound", "exact_labels", "float_scores", "score_of", "known",
                 "field", "bands", "bool_labels", "as_share", "words", "complete_weight", "dimension_weight",
                 "label_entries")

    def __init__(self, dimension, name, spec, segment):
        self.name = name
        field = spec.get("field")
        self.field = field_parts(field) if field is not None else None
        self.path = ".".join(self.field) if field is not None else f"{dimension}.{name}"
        self.label = spec.get("label", name.replace("_", " ").capitalize())
        self.unit = spec.get("unit", "")
        self.scoring = spec["scoring"]
        self.weight = spec["weight"]
        self.figure = None
        self.low = self.high = self.bound = self.score_of = None
        self.as_share = False
        self.known = {}  # checked value -> its entry tuple (see entry, _score)
        self.words = {}  # value -> describe's words
        self.table = self.scores = self.accepted = self.exact_labels = self.float_scores = self.bands = None
        self.bool_labels = {}  # True / False -> label, for a mapping of yes and no (a fitted boolean column)
        # Precomputed for assess's fast path (a value of the right type and range).
        self.mapping = self.scoring == "mapping"
        self.ratio = self.scoring == "ratio"
        if self.mapping:
            self.scores = spec["values"]
            self.accepted = list(self.scores)
            self.table = {values.key_of(label): label for label in self.scores}
            # A label spelled exactly as configured -> what values.enum returns for it.
            self.exact_labels = {label: self.table[values.key_of(label)] for label in self.scores}
            self.float_scores = {label: float(points) for label, points in self.scores.items()}
            self.bool_labels = boolean_labels(self.scores, self.table)
        elif self.scoring == "banded":
            self.bands = Bands(spec["bands"])
            valid = spec.get("valid", BANDED_VALID)
            self.low = valid["min"]
            self.high = valid["max"]
            self.bound = values.LARGEST if self.high is None else self.high
            self.score_of = self.bands.score
        else:
            self.figure = spec["target" if self.scoring == "ratio" else "max"][segment]
            self.low = spec["valid"]["min"]
            self.high = spec["valid"]["max"]
            self.bound = values.LARGEST if self.high is None else self.high
            self.score_of = ratio_score if self.ratio else inverse_score
            # A rate read as a 0-1 ratio with no unit of its own is said as a percentage (0.4 -> 40%).
            self.as_share = self.high == 1 and self.low == 0 and not self.unit
        rule = spec.get("recommend") or {}
        self.rule_when = rule.get("when")
        self.rule_at = rule.get("at")
        self.rule_action = rule.get("action")

    def complete(self, dimension_weight, complete_weight):
        """Learn the dimension's weight and the weight of all its metrics (set by Dimension, once)."""
        self.dimension_weight = dimension_weight
        self.complete_weight = complete_weight
        if self.mapping:
            self.label_entries = {label: self._entry(label, score) for label, score in self.float_scores.items()}

    def entry(self, value):
        """Return the entry tuple of a checked value of a ratio, inverse or banded metric, and remember it.

        The scoring loop looks a value of the right type up in `known` first: a
        value found there passed the checks before and scores the same again.
        """
        found = self._entry(value, self.score_of(value, self.figure))
        if len(self.known) < SCORE_MEMO:
            self.known[value] = found
        return found

    def _entry(self, value, score):
        # The same expressions, in the same order, as a dimension with every metric present
        # gives them (a dimension with one missing works its points out again: _score).
        points = (100 - score) * self.weight / self.complete_weight * self.dimension_weight if self.complete_weight \
            else 0.0
        reason = None
        if score < 100 and not (type(value) is float and value.is_integer()):
            # Shared by every result whose reasons name this value (read only). Not for a whole
            # float: an equal value finds this entry, and -0.0 and 0 print apart.
            reason = self.reason(value, points)
        return score, score * self.weight, points, self.recommends(value, score), reason

    def reason(self, value, points):
        """Return the `why` entry of a value that costs `points`: the metric, the points lost and the value in words."""
        return {"metric": self.path, "points_lost": round(points, 1), "detail": self.describe(value)}

    def recommends(self, value, score):
        """Return True when this metric's recommendation rule fires."""
        when = self.rule_when
        if when is None:
            return False
        if when == "score_below":
            return score < self.rule_at
        if when == "value_below":
            return value < self.rule_at
        if when == "value_above":
            return value > self.rule_at
        if when == "value_above_share_of_max":
            return value > self.rule_at * self.figure
        return value == self.rule_at

    def describe(self, value):
        """Return the value in words with its benchmark, e.g. 'Login frequency 72% (target 80%)'.

        Values repeat across a book, so the words of the first SCORE_MEMO values are kept:
        labels, ints and floats with a fraction (a whole float is one dict key with an int,
        and -0.0 with 0, which print apart).
        """
        kind = type(value)
        if not (kind is int or kind is str or kind is float and not value.is_integer()):
            return self._describe(value)
        words = self.words.get(value)
        if words is None:
            words = self._describe(value)
            if len(self.words) < SCORE_MEMO:
                self.words[value] = words
        return words

    def _describe(self, value):
        if self.scoring == "mapping":
            return f"{self.label} {value}"
        if self.bands is not None:
            return f"{self.label} {_figure(value)}{self.unit} ({self.bands.words(value, self.unit)})"
        word = "target" if self.scoring == "ratio" else "limit"  # an inverse metric costs points below its limit too
        if self.as_share:
            return f"{self.label} {_figure(value * 100)}% ({word} {_figure(self.figure * 100)}%)"
        return f"{self.label} {_figure(value)}{self.unit} ({word} {_figure(self.figure)}{self.unit})"


def _figure(number):
    return f"{number:,.2f}".rstrip("0").rstrip(".") if isinstance(number, float) else f"{number:,}"


def ratio_score(value, target):
    """Return value as a share of target on a 0-100 scale, capped at 100 (0 when target is 0).

    >>> ratio_score(45, 90)
    50.0
    """
    if not target:
        return 0.0
    score = value / target * 100  # a float; clamped here rather than by figures.clamp, a call less per metric
    return 100.0 if score > 100 else 0.0 if score < 0 else score


def inverse_score(value, maximum):
    """Return how far value stays below maximum on a 0-100 scale (0 when maximum is 0).

    >>> inverse_score(3, 15)
    80.0
    """
    if not maximum:
        return 0.0
    score = (1 - value / maximum) * 100  # a float, clamped as in ratio_score
    return 100.0 if score > 100 else 0.0 if score < 0 else score


class Dimension:
    __slots__ = ("name", "label", "weight", "metrics", "fields", "key")

    def __init__(self, name, spec, segment):
        self.name = name
        self.label = spec.get("label", name.replace("_", " ").capitalize())
        self.weight = spec["weight"]
        self.metrics = [Metric(name, metric_name, metric, segment) for metric_name, metric in spec["metrics"].items()]
        complete_weight = 0.0  # summed as _score sums the weight of the metrics present
        for metric in self.metrics:
            complete_weight += metric.weight
        for metric in self.metrics:
            metric.complete(self.weight, complete_weight)
        # A dimension with a metric that reads a `field` is gathered from the record (banded.gather_section).
        self.fields = any(metric.field is not None for metric in self.metrics)
        self.key = FIELDED if self.fields else name


class HealthModel:
    """The health section of a methodology, compiled once for fast scoring of many records."""

    def __init__(self, methodology, as_of=None):
        section = methodology["health"]
        self.methodology = methodology
        self.next_rule = next_action.prepare(methodology, as_of or datetime.date.today())
        self.lifecycle = lifecycle.rule_for(methodology, as_of)  # None: results carry no lifecycle stage
        # Set by the portfolio report (see assess): the account's one next action is the report's,
        # and a lean run writes no health result in full.
        self.next_action = True
        self.lean = False
        self.section = section
        self.segments = methodology["segments"]
        self.by_segment = {segment: [Dimension(name, spec, segment) for name, spec in section["dimensions"].items()]
                           for segment in SEGMENTS}
        self.cutoffs = {segment: (cut["green"], cut["yellow"]) for segment, cut in section["classification"].items()}
        self.trend_threshold = section["trend_threshold"]
        self.matrix = section["attention_priority"]
        self.class_actions = section["class_actions"]
        self.min_completeness = section["min_data_completeness"]
        self.why_count = int(section["why"]["max_reasons"])
        self.why_points = section["why"]["min_points"]
        self.dimension_names = list(section["dimensions"])
        self.previous_fields = [(name, f"{name}_score", f"previous_period.{name}_score")
                                for name in self.dimension_names + ["overall"]]
        self.dimension_labels = {name: spec.get("label", name) for name, spec in section["dimensions"].items()}


def prepare(methodology, as_of=None):
    """Compile the methodology's health section; see HealthModel.

    With `as_of`, results carry the lifecycle stage; the renewal's days are counted from it (default today).
    """
    return HealthModel(methodology, as_of)


def classify(score, segment, cutoffs):
    """Return green, yellow or red for a score under the segment's cut-offs.

    >>> classify(74.9, "enterprise", {"enterprise": (75, 50)})
    'yellow'
    """
    green, yellow = cutoffs[segment]
    if score >= green:
        return "green"
    if score >= yellow:
        return "yellow"
    return "red"


def trend(current, previous, threshold):
    """Return improving, declining, stable, or no_data when either score is unknown.

    >>> trend(61.6, 72.0, 5)
    'declining'
    """
    if current is None or previous is None:
        return "no_data"
    change = current - previous
    if change > threshold:
        return "improving"
    if change < -threshold:
        return "declining"
    return "stable"


_points_lost = operator.itemgetter(0)  # of a (points, metric, value, score, reason) loss

# What Metric.entry remembers of a checked value, a tuple (the fastest to read in _score's
# loop): (score, score x the metric's weight, the points it costs in a dimension with every
# metric present, whether the metric's recommendation fires, and its `why` entry there or None).


class Scored(NamedTuple):
    """What _score finds in a record: the figures assess and overall_health rest on."""

    dimension_scores: dict  # dimension -> its rounded score (None without data); only with detail
    missing: list  # the metric paths without a usable value
    completeness: float  # % of the model's weight with data
    overall: float
    previous_scores: dict  # the checked previous-period scores: dimension (or overall) -> score
    losses: list  # (points lost, metric, value, score, its why entry or None) of each metric under 100, in model
    # order; only with detail
    actions: list  # the recommendations of the metrics whose rule fires, in model order; only with detail


def _score(raw, model, segment, problems, from_text, detail=True):
    """Check and score every metric of a record; return its Scored figures.

    Raises RecordRejected with `problems` (those found before, then every one found
    here) or for insufficient data. Without `detail` (overall_health) the dimension
    scores, losses and actions are None: the same checks and figures, without the
    lists and dicts assess needs for its reasons.
    """
    dimension_scores = {} if detail else None
    losses = [] if detail else None
    actions = [] if detail else None
    all_dimensions = True
    present_weight = 0.0
    missing = []
    overall_sum = 0.0
    overall_weight = 0.0
    # The metric loop inlines the fast path of values.number / values.enum (a value of the
    # right type and range, or one scored before: Metric.known); anything else goes
    # through values, which words the problem.
    for dimension in model.by_segment[segment]:
        section = raw.get(dimension.key)
        if type(section) is not dict:
            section = (gather_section(raw, dimension.name, dimension.metrics, problems) if dimension.fields
                       else values.section(raw, dimension.name, problems))
            if section is None:
                if detail:
                    dimension_scores[dimension.name] = None
                all_dimensions = False
                missing.extend(metric.path for metric in dimension.metrics)
                continue
        weighted = 0.0
        weight_present = 0.0
        absent = 0  # metrics missing or unusable: rare, so counted rather than the present ones
        first_loss = len(losses) if detail else 0
        for metric in dimension.metrics:
            value = section.get(metric.name)
            if value is None:
                missing.append(metric.path)
                absent += 1
                continue
            if metric.mapping:
                label = metric.exact_labels.get(value) if type(value) is str else None
                if label is None:
                    label = mapping_label(value, metric, problems)
                    if label is None:
                        absent += 1
                        continue
                value = label
                entry = metric.label_entries[label]
            else:
                kind = type(value)
                entry = metric.known.get(value) if kind is int or kind is float else None
                if entry is None:
                    if not ((kind is int or kind is float) and metric.low <= value <= metric.bound):
                        value = values.number(value, metric.path, problems, metric.low, metric.high, from_text)
                        if value is None:
                            absent += 1
                            continue
                    entry = metric.entry(value)
            weighted += entry[1]  # score x weight
            weight_present += metric.weight
            if detail:
                score, _, points, fires, reason = entry
                if score < 100:
                    losses.append((points, metric, value, score, reason))
                if fires:
                    actions.append(metric.rule_action)
        if not weight_present:
            if detail:
                dimension_scores[dimension.name] = None
            all_dimensions = False
            continue
        if absent:
            dimension_score = round(weighted / weight_present, 1)
            if detail:  # the points of a metric are its share of the weight present
                for at in range(first_loss, len(losses)):
                    _, metric, value, score, _ = losses[at]
                    losses[at] = ((100 - score) * metric.weight / weight_present * dimension.weight, metric, value,
                                  score, None)
        else:
            dimension_score = round(weighted, 1)
        present_weight += weight_present * dimension.weight
        overall_sum += dimension_score * dimension.weight
        overall_weight += dimension.weight
        if detail:
            dimension_scores[dimension.name] = dimension_score
    previous = raw.get("previous_period")
    if type(previous) is not dict:
        previous = values.section(raw, "previous_period", problems) or {}
    previous_scores = {}
    for name, key, field in model.previous_fields:
        value = previous.get(key)
        if value is not None:
            kind = type(value)
            if not ((kind is int or kind is float) and 0 <= value <= 100):
                value = values.number(value, field, problems, 0, 100, from_text)
            previous_scores[name] = value
    if problems:
        raise RecordRejected(problems)
    completeness = round(present_weight * 100, 1)
    if completeness < model.min_completeness or not overall_weight:
        raise RecordRejected([
            f"insufficient data: {completeness:g}% of the health model's weight has data "
            f"(at least {model.min_completeness:g}% is needed); missing {', '.join(missing)}"
        ])
    overall = round(overall_sum if all_dimensions else overall_sum / overall_weight, 1)
    return Scored(dimension_scores, missing, completeness, overall, previous_scores, losses, actions)


def assess(raw, model, from_text=False, read=None):
    """Score one customer record; return its result dict or raise RecordRejected with every problem.

    The result keeps the published field names (overall_score, classification,
    dimensions, trends, recommendations) and adds attention_priority, why,
    data_completeness, missing_metrics and notes.

    `read`: (account, problems) of accounts.read_account on this record with the
    model's segments, from a caller that read it already (the portfolio report).
    Without `model.next_action` the result has no next_action (the report makes the
    account's own). With `model.lean` (the report, when no account's results are
    written in full) it holds only what the report reads: the identity, the scores,
    class, attention priority, the overall trend, the missing metrics, the renewal,
    and `why` only for a red or declining account (its call-list reason).
    """
    if read is None:
        problems = []
        account = read_account(raw, model.segments, problems, from_text)
    else:
        account, problems = read[0], list(read[1])
    segment = account.segment if account is not None else "mid-market"
    dimensions = model.by_segment[segment]
    scored = _score(raw, model, segment, problems, from_text)
    overall = scored.overall
    previous_scores = scored.previous_scores
    green, yellow = model.cutoffs[segment]  # classify() and trend(), inlined below
    threshold = model.trend_threshold
    classification = "green" if overall >= green else "yellow" if overall >= yellow else "red"
    previous_overall = _previous_overall(previous_scores, dimensions)
    overall_trend = trend(overall, previous_overall, threshold)
    days, end_date = next_action.renewal_days(raw, model.next_rule)
    result = {
        "customer_id": account.customer_id,
        "name": account.name,
        "segment": segment,
        "arr": account.arr,
        "owner": account.owner,
        "contract_start_date": account.contract_start_date,
        "overall_score": overall,
        "classification": classification,
        "attention_priority": model.matrix[classification][overall_trend],
    }
    if model.lean:
        result["trends"] = {"overall": overall_trend}
        result["previous_overall_score"] = previous_overall
        result["why"] = _why(scored.losses, model) if classification == "red" or overall_trend == "declining" else []
        result["missing_metrics"] = scored.missing
        result["contract_end_date"] = end_date
        result["days_to_renewal"] = days
        return result
    dimension_scores = scored.dimension_scores
    dimension_out = {}
    trends = {}
    for dimension in dimensions:
        name = dimension.name
        score = dimension_scores[name]
        if score is None:
            dimension_out[name] = {"score": None, "weight": dimension.weight, "classification": None}
            trends[name] = "no_data"
            continue
        dimension_out[name] = {
            "score": score,
            "weight": dimension.weight,
            "classification": "green" if score >= green else "yellow" if score >= yellow else "red",
        }
        before = previous_scores.get(name)
        if before is None:
            trends[name] = "no_data"
        else:
            change = score - before
            trends[name] = "improving" if change > threshold else "declining" if change < -threshold else "stable"
    trends["overall"] = overall_trend
    lapsed = days is not None and days < 0
    decision = None
    if model.next_action or lapsed:
        decision = next_action.decide(model.next_rule, days=days, health_class=classification,
                                      health_trend=overall_trend)
    actions = scored.actions
    if lapsed:  # the renewal leads; no expansion pitch beside it
        class_action = [] if classification == "green" else [model.class_actions[classification]]
        recommendations = [decision.action] + class_action + actions
    else:
        recommendations = [model.class_actions[classification]] + actions
    result.update({
        "dimensions": dimension_out,
        "trends": trends,
        "previous_overall_score": previous_overall,
        "recommendations": recommendations,
        "why": _why(scored.losses, model),
        "data_completeness": scored.completeness,
        "missing_metrics": scored.missing,
        "notes": account.notes,
        "contract_end_date": end_date,
        "days_to_renewal": days,
    })
    if model.next_action:
        result["next_action"] = decision.as_dict()
    return lifecycle.add_stage(result, account.contract_start_date, model.lifecycle)


def _why(losses, model):
    """The reasons of a score: the metrics that cost most points (at most why.max_reasons, each at least why.min_points)."""
    losses.sort(key=_points_lost, reverse=True)  # stable: ties keep the model's metric order
    why_points = model.why_points
    why = []
    for points, metric, value, _, reason in losses[: model.why_count]:
        if points < why_points:  # sorted: the rest lose fewer points still
            break
        if reason is None or type(value) is float and value.is_integer():  # not the remembered one (Metric._entry)
            reason = metric.reason(value, points)
        why.append(reason)
    return why


def _previous_overall(previous_scores, dimensions):
    """The previous overall score: as given, or from the four previous dimension scores (METHODOLOGY.md fix)."""
    previous_overall = previous_scores.get("overall")
    # Without an overall, the scores held are the dimensions' (each one checked, none None).
    if previous_overall is None and len(previous_scores) == len(dimensions):
        total = 0  # as sum() adds
        for dimension in dimensions:
            total += previous_scores[dimension.name] * dimension.weight
        previous_overall = round(total, 1)
    return previous_overall


def health_standing(raw, model, segment, from_text=False):
    """Return (overall_score, classification, overall trend) of a record whose account fields are checked.

    overall_health with the trend against the previous period, which expansion
    readiness needs (yellow and declining is not ready).
    """
    scored = _score(raw, model, segment, [], from_text, detail=False)
    overall = scored.overall
    previous = _previous_overall(scored.previous_scores, model.by_segment[segment])
    return overall, classify(overall, segment, model.cutoffs), trend(overall, previous, model.trend_threshold)


def overall_health(raw, model, segment, from_text=False):
    """Return (overall_score, classification) of a record whose account fields are already checked.

    The figures assess gives, from the same scoring, without trends, reasons or
    recommendations (expansion readiness needs only these). RecordRejected lists
    the problems assess would, but for the account fields' own (the caller's job).

    >>> model = prepare({"health": DEFAULTS, "segments": {}})
    >>> usage = {"login_frequency": 72, "feature_adoption": 56, "dau_mau_ratio": 0.2}
    >>> engagement = {"support_ticket_volume": 2, "meeting_attendance": 85, "nps_score": 4, "csat_score": 4}
    >>> overall_health({"usage": usage, "engagement": engagement}, model, "mid-market")  # usage 76, engagement 82.5
    (79.0, 'green')
    """
    overall = _score(raw, model, segment, [], from_text, detail=False).overall
    return overall, classify(overall, segment, model.cutoffs)


PRIORITY_RANK = {priority: rank for rank, priority in enumerate(PRIORITIES)}


class Summary:
    """The portfolio summary, built one scored account at a time (so it also works when streaming)."""

    def __init__(self, model):
        self.model = model
        self.count = 0
        self.total_arr = 0
        self.score_sum = 0.0
        self.weighted_sum = 0.0
        self.classes = {klass: [0, 0] for klass in CLASSES}
        self.segments = {segment: {"count": 0, "arr": 0, "score_sum": 0.0, **{k: 0 for k in CLASSES}}
                         for segment in SEGMENTS}
        self.priorities = {priority: 0 for priority in PRIORITIES}
        self.attention = next_action.attention_counts()
        self.declining = []
        self.improving = 0
        self.incomplete = 0
        self.owners = owners.Books(model.methodology, owners.HEALTH)

    def add(self, result):
        arr = result["arr"]
        score = result["overall_score"]
        klass = result["classification"]
        if result["owner"] is not None:
            self.owners.add(result)
        self.count += 1
        self.total_arr += arr
        self.score_sum += score
        self.weighted_sum += score * arr
        self.classes[klass][0] += 1
        self.classes[klass][1] += arr
        segment = self.segments[result["segment"]]
        segment["count"] += 1
        segment["arr"] += arr
        segment["score_sum"] += score
        segment[klass] += 1
        self.priorities[result["attention_priority"]] += 1
        decision = result.get("next_action")  # the portfolio report keeps one per account, not per analysis
        if decision is not None:
            self.attention[decision["attention"]] += 1
        direction = result["trends"]["overall"]
        if direction == "declining":
            self.declining.append(result["customer_id"])
        elif direction == "improving":
            self.improving += 1
        if result["missing_metrics"]:
            self.incomplete += 1

    def result(self, rejected_count):
        count = self.count
        total_arr = self.total_arr
        classes = {
            klass: {
                "count": n,
                "share_of_accounts": share(n, count),
                "arr": money_round(arr),
                "share_of_arr": share(arr, total_arr),
            }
            for klass, (n, arr) in self.classes.items()
        }
        segments = {}
        for name, segment in self.segments.items():
            segments[name] = {
                "count": segment["count"],
                "arr": money_round(segment["arr"]),
                "average_score": round(segment["score_sum"] / segment["count"], 1) if segment["count"] else None,
                "green_count": segment["green"],
                "yellow_count": segment["yellow"],
                "red_count": segment["red"],
            }
        summary = {
            "total_customers": count,
            "rejected_count": rejected_count,
            "total_arr": money_round(total_arr),
            "average_score": round(self.score_sum / count, 1) if count else None,
            "arr_weighted_average_score": round(self.weighted_sum / total_arr, 1) if total_arr else None,
            "green_count": self.classes["green"][0],
            "yellow_count": self.classes["yellow"][0],
            "red_count": self.classes["red"][0],
            "classes": classes,
            "segments": segments,
            "attention_priority": dict(self.priorities),
            "next_action_attention": dict(self.attention),
            "declining_count": len(self.declining),
            "declining_customers": sorted(self.declining),
            "improving_count": self.improving,
            "incomplete_data_count": self.incomplete,
        }
        if self.owners.count:
            summary["by_owner"] = self.owners.result(summary)
        return summary
