"""The health score: usage, engagement, support and relationship, 0-100, higher is healthier.

references/methodology.md section 1. The model is data (the `health` section of the
methodology, csm.config.health): each dimension has a weight and metrics; each metric
is read from `<dimension>.<metric>` of the record (or its own `field`) and scored
one of four ways:

- ``ratio``: clamp(value / target x 100), target per segment (0 when the target is 0);
- ``inverse``: clamp((1 - value / max) x 100), max per segment (0 when max is 0);
- ``mapping``: a label looked up in `values` (renewal sentiment);
- ``banded``: the score of the band the value falls in (csm.score.metrics.Bands).

A dimension is the weighted sum of its metric scores, rounded to 1 decimal; the overall
score is the weighted sum of the rounded dimension scores, rounded to 1 decimal. A
missing metric is left out and its weight spread over the metrics present, within its
dimension and across dimensions.

`prepare(methodology, as_of)` compiles the model once; `assess(record, model, from_text)`
scores one record and returns plain data, or raises RecordRejected with every problem;
`overall_health` and `health_standing` give the overall score, class (and trend) alone,
from the same scoring. Each result carries the account's renewal (read when the record
has one; the churn analysis checks it) and its `next_action` (csm.score.next_action:
health knows no churn tier). A lapsed renewal leads the recommendations and takes the
place of the green class action.
"""

import datetime
from typing import Dict, List, NamedTuple, Optional, Tuple

from csm.config.health import BANDED_VALID
from csm.config.segments import SEGMENTS
from csm.errors import RecordRejected
from csm.figures import number_words
from csm.score import lifecycle, next_action, path
from csm.score.accounts import read_account
from csm.score.memo import Memo
from csm.score.metrics import LABEL, NUMBER, Bands, Reading, checked, section_values
from csm.score.renewal import read_renewal
from csm import values


def ratio_score(value: float, target: float) -> float:
    """Return value as a share of target on a 0-100 scale, capped at 100 (0 when target is 0).

    >>> ratio_score(45, 90)
    50.0
    """
    if not target:
        return 0.0
    score = value / target * 100
    return 100.0 if score > 100 else 0.0 if score < 0 else score


def inverse_score(value: float, maximum: float) -> float:
    """Return how far value stays below maximum on a 0-100 scale (0 when maximum is 0).

    >>> inverse_score(3, 15)
    80.0
    """
    if not maximum:
        return 0.0
    score = (1 - value / maximum) * 100
    return 100.0 if score > 100 else 0.0 if score < 0 else score


class Figures(NamedTuple):
    """What a metric makes of one checked value: the same every time (csm.score.memo)."""

    value: object  # as the metric reads it (a label in its configured spelling)
    score: float
    weighted: float  # score x the metric's weight in its dimension
    recommends: bool  # whether the metric's recommendation fires
    words: str  # the value in words with its benchmark


class Metric:
    """One metric of the model, compiled for one segment: how it reads, scores, words and recommends."""

    def __init__(self, dimension: str, name: str, spec: dict, segment: str) -> None:
        self.name = name
        self.label = spec.get("label", name.replace("_", " ").capitalize())
        self.unit = spec.get("unit", "")
        self.scoring = spec["scoring"]
        self.weight = spec["weight"]
        self.influenceable = spec.get("influenceable", True)  # a path to green may move it (csm.score.path)
        self.figure = None  # the segment's target (ratio) or max (inverse)
        self.bands = None
        self.scores = None
        self.as_share = False
        if self.scoring == "mapping":
            self.scores = spec["values"]
            self.reading = Reading(dimension, name, spec, LABEL)
        elif self.scoring == "banded":
            self.bands = Bands(spec["bands"])
            self.reading = Reading(dimension, name, spec, NUMBER, spec.get("valid", BANDED_VALID))
        else:
            self.figure = spec["target" if self.scoring == "ratio" else "max"][segment]
            self.reading = Reading(dimension, name, spec, NUMBER, spec["valid"])
            # A rate read as a 0-1 ratio with no unit of its own is said as a percentage (0.4 -> 40%).
            self.as_share = spec["valid"]["max"] == 1 and spec["valid"]["min"] == 0 and not self.unit
        self.path = self.reading.path
        rule = spec.get("recommend") or {}
        self.rule_when = rule.get("when")
        self.rule_at = rule.get("at")
        self.rule_action = rule.get("action")
        # The types of value the memo is looked into before any check: they are the metric's own.
        self.types = (str,) if self.scores is not None else (int, float)
        self.memo = Memo()

    def read(self, value, problems: list, from_text: bool) -> Optional[Figures]:
        """Return the Figures of a raw value, or None after appending its problem (remembered per checked value)."""
        value = checked(value, self.reading, problems, from_text)
        if value is None:
            return None
        return self.memo.of(value, self._figures)

    def _figures(self, value) -> Figures:
        score = self.score(value)
        return Figures(value, score, score * self.weight, self.recommends(value, score), self.describe(value))

    def score(self, value) -> float:
        """Return the 0-100 score of a checked value."""
        if self.scoring == "ratio":
            return ratio_score(value, self.figure)
        if self.scoring == "inverse":
            return inverse_score(value, self.figure)
        if self.scoring == "mapping":
            return float(self.scores[value])
        return self.bands.score(value)

    def recommends(self, value, score: float) -> bool:
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

    def describe(self, value) -> str:
        """Return the value in words with its benchmark, e.g. 'Login frequency 72% (target 80%)'."""
        if self.scoring == "mapping":
            return f"{self.label} {value}"
        if self.bands is not None:
            return f"{self.label} {number_words(value, 2)}{self.unit} ({self.bands.words(value, self.unit)})"
        word = "target" if self.scoring == "ratio" else "limit"  # an inverse metric costs points below its limit too
        if self.as_share:
            return f"{self.label} {number_words(value * 100, 2)}% ({word} {number_words(self.figure * 100, 2)}%)"
        return (f"{self.label} {number_words(value, 2)}{self.unit} "
                f"({word} {number_words(self.figure, 2)}{self.unit})")


class Dimension:
    """One dimension of the model, compiled for one segment."""

    def __init__(self, name: str, spec: dict, segment: str) -> None:
        self.name = name
        self.label = spec.get("label", name.replace("_", " ").capitalize())
        self.weight = spec["weight"]
        self.metrics = [Metric(name, metric_name, metric, segment) for metric_name, metric in spec["metrics"].items()]
        self.readings = [metric.reading for metric in self.metrics]
        self.fielded = any(reading.field is not None for reading in self.readings)


class HealthModel:
    """The health section of a methodology, compiled once (per segment) for the records of one run."""

    def __init__(self, methodology: dict, as_of: Optional[datetime.date] = None) -> None:
        section = methodology["health"]
        self.methodology = methodology
        self.as_of = as_of or datetime.date.today()
        self.next_rule = next_action.prepare(methodology, self.as_of)
        self.lifecycle = lifecycle.rule_for(methodology, as_of)  # None: results carry no lifecycle stage
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
        self.dimension_labels = {name: spec.get("label", name) for name, spec in section["dimensions"].items()}
        self.metric_labels = {metric.path: metric.label for dimension in self.by_segment["mid-market"]
                              for metric in dimension.metrics}
        self.previous_fields = [(name, f"{name}_score", f"previous_period.{name}_score")
                                for name in self.dimension_names + ["overall"]]


def prepare(methodology: dict, as_of: Optional[datetime.date] = None) -> HealthModel:
    """Compile the methodology's health section; see HealthModel.

    With `as_of`, results carry the lifecycle stage; the renewal's days are counted from it (default today).
    """
    return HealthModel(methodology, as_of)


def classify(score: float, segment: str, cutoffs: Dict[str, Tuple[float, float]]) -> str:
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


def trend(current: Optional[float], previous: Optional[float], threshold: float) -> str:
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


class Scored(NamedTuple):
    """What scoring finds in a record: the figures assess, overall_health and health_standing rest on."""

    dimension_scores: Dict[str, Optional[float]]  # dimension -> its rounded score (None without data)
    missing: List[str]  # the metric paths without a usable value
    completeness: float  # % of the model's weight with data
    overall: float
    previous_scores: Dict[str, float]  # the checked previous-period scores: dimension (or overall) -> score
    losses: List[tuple]  # (points of the overall score lost, metric, its figures) of those under 100, model order
    actions: List[str]  # the recommendations of the metrics whose rule fires, in model order
    found: List[tuple]  # (dimension, weight present, [(metric, figures)]) of each dimension with data, model order
    all_dimensions: bool


def score_record(record: dict, model: HealthModel, segment: str, problems: list, from_text: bool,
                 explain: bool = True) -> Scored:
    """Check and score every metric of a record; return its Scored figures.

    Raises RecordRejected with `problems` (those found before, then every one found
    here) or for insufficient data. Without `explain` (a caller that reads the scores
    alone) the losses and actions are left empty.
    """
    dimension_scores = {}
    losses = []
    actions = []
    missing = []
    all_dimensions = True
    present_weight = 0.0
    overall_sum = 0.0
    overall_weight = 0.0
    found_by_dimension = []
    for dimension in model.by_segment[segment]:
        section = record.get(dimension.name)
        if type(section) is not dict or dimension.fielded:
            section = section_values(record, dimension.name, dimension.readings, dimension.fielded, problems)
        if section is None:
            dimension_scores[dimension.name] = None
            all_dimensions = False
            missing.extend(metric.path for metric in dimension.metrics)
            continue
        weighted = 0.0
        weight_present = 0.0
        found = []  # (metric, figures) of the metrics with a usable value
        for metric in dimension.metrics:
            value = section.get(metric.name)
            if value is None:
                missing.append(metric.path)
                continue
            figures = metric.memo.get(value) if type(value) in metric.types else None
            if figures is None:
                figures = metric.read(value, problems, from_text)
                if figures is None:
                    continue
            weighted += figures.weighted
            weight_present += metric.weight
            found.append((metric, figures))
            if figures.recommends and explain:
                actions.append(metric.rule_action)
        if not weight_present:
            dimension_scores[dimension.name] = None
            all_dimensions = False
            continue
        if explain:  # a metric's points are its share of the weight present in its dimension
            losses += [((100 - figures.score) * metric.weight / weight_present * dimension.weight, metric, figures)
                       for metric, figures in found if figures.score < 100]
        score = round(weighted / weight_present if len(found) < len(dimension.metrics) else weighted, 1)
        dimension_scores[dimension.name] = score
        found_by_dimension.append((dimension, weight_present, found))
        present_weight += weight_present * dimension.weight
        overall_sum += score * dimension.weight
        overall_weight += dimension.weight
    previous_scores = _previous_scores(record, model, problems, from_text)
    if problems:
        raise RecordRejected(problems)
    completeness = round(present_weight * 100, 1)
    if completeness < model.min_completeness or not overall_weight:
        raise RecordRejected([
            f"insufficient data: {completeness:g}% of the health model's weight has data "
            f"(at least {model.min_completeness:g}% is needed); missing {', '.join(missing)}"
        ])
    overall = round(overall_sum if all_dimensions else overall_sum / overall_weight, 1)
    return Scored(dimension_scores, missing, completeness, overall, previous_scores, losses, actions,
                  found_by_dimension, all_dimensions)


def _previous_scores(record: dict, model: HealthModel, problems: list, from_text: bool) -> Dict[str, float]:
    """The record's previous-period scores (0-100 each), dimension (or overall) -> score."""
    previous = values.section(record, "previous_period", problems) or {}
    scores = {}
    for name, key, field in model.previous_fields:
        value = previous.get(key)
        if value is not None:
            scores[name] = values.number(value, field, problems, 0, 100, from_text)
    return scores


def assess(record: dict, model: HealthModel, from_text: bool = False, read: Optional[tuple] = None) -> dict:
    """Score one customer record; return its result dict or raise RecordRejected with every problem.

    The result keeps the published field names (overall_score, classification,
    dimensions, trends, recommendations) and adds attention_priority, why,
    data_completeness, missing_metrics and notes. `read`: (account, problems) of
    accounts.read_account on this record, from a caller that read it already.
    """
    if read is None:
        problems = []
        account = read_account(record, model.segments, problems, from_text)
    else:
        account, problems = read[0], list(read[1])
    segment = account.segment if account is not None else "mid-market"
    dimensions = model.by_segment[segment]
    scored = score_record(record, model, segment, problems, from_text)
    overall = scored.overall
    classification = classify(overall, segment, model.cutoffs)
    previous_overall = previous_overall_score(scored.previous_scores, dimensions)
    overall_trend = trend(overall, previous_overall, model.trend_threshold)
    dimension_out = {}
    trends = {}
    for dimension in dimensions:
        score = scored.dimension_scores[dimension.name]
        dimension_out[dimension.name] = {
            "score": score, "weight": dimension.weight,
            "classification": None if score is None else classify(score, segment, model.cutoffs)}
        trends[dimension.name] = trend(score, scored.previous_scores.get(dimension.name), model.trend_threshold)
    trends["overall"] = overall_trend
    days, end_date = read_renewal(record, model.as_of)
    decision = next_action.decide(model.next_rule, days=days, health_class=classification, health_trend=overall_trend)
    if days is not None and days < 0:  # the renewal leads; no expansion pitch beside it
        class_action = [] if classification == "green" else [model.class_actions[classification]]
        recommendations = [decision.action] + class_action + scored.actions
    else:
        recommendations = [model.class_actions[classification]] + scored.actions
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
        "dimensions": dimension_out,
        "trends": trends,
        "previous_overall_score": previous_overall,
        "recommendations": recommendations,
        "why": _why(scored.losses, model),
        "path_to_green": _path(scored, model, segment, classification),
        "data_completeness": scored.completeness,
        "missing_metrics": scored.missing,
        "notes": account.notes,
        "contract_end_date": end_date,
        "days_to_renewal": days,
        "next_action": decision.as_dict(),
    }
    return lifecycle.add_stage(result, account.contract_start_date, model.lifecycle)


def _path(scored: Scored, model: HealthModel, segment: str, classification: str) -> Optional[dict]:
    found = path.health_path(scored, model, segment, classification)
    return None if found is None else found.as_dict("classification")


def _points(loss: tuple) -> float:
    return loss[0]


def _why(losses: List[tuple], model: HealthModel) -> List[dict]:
    """The reasons of a score: the metrics that cost most points (at most why.max_reasons, each at least why.min_points)."""
    ranked = sorted(losses, key=_points, reverse=True)  # stable: ties keep the model's metric order
    why = []
    for points, metric, figures in ranked[: model.why_count]:
        if points < model.why_points:  # sorted: the rest lose fewer points still
            break
        why.append({"metric": metric.path, "points_lost": round(points, 1), "detail": figures.words})
    return why


def previous_overall_score(previous_scores: Dict[str, float], dimensions: List[Dimension]) -> Optional[float]:
    """The previous overall score: as given, or from the previous dimension scores when all are given
    (references/methodology.md section 1, a fix of the published tool)."""
    previous_overall = previous_scores.get("overall")
    if previous_overall is None and len(previous_scores) == len(dimensions):
        total = 0.0
        for dimension in dimensions:
            total += previous_scores[dimension.name] * dimension.weight
        previous_overall = round(total, 1)
    return previous_overall


def health_standing(record: dict, model: HealthModel, segment: str,
                    from_text: bool = False) -> Tuple[float, str, str]:
    """Return (overall_score, classification, overall trend) of a record whose account fields are checked.

    What expansion readiness needs (yellow and declining is not ready), from the
    scoring assess uses. RecordRejected lists the problems assess would, but for the
    account fields' own (the caller's job).
    """
    scored = score_record(record, model, segment, [], from_text, explain=False)
    overall = scored.overall
    previous = previous_overall_score(scored.previous_scores, model.by_segment[segment])
    return overall, classify(overall, segment, model.cutoffs), trend(overall, previous, model.trend_threshold)


def overall_health(record: dict, model: HealthModel, segment: str, from_text: bool = False) -> Tuple[float, str]:
    """Return (overall_score, classification) of a record whose account fields are already checked.

    >>> from csm.config.methodology import default_methodology
    >>> model = prepare(default_methodology())
    >>> usage = {"login_frequency": 72, "feature_adoption": 56, "dau_mau_ratio": 0.2}
    >>> engagement = {"support_ticket_volume": 2, "meeting_attendance": 85, "nps_score": 4, "csat_score": 4}
    >>> overall_health({"usage": usage, "engagement": engagement}, model, "mid-market")  # usage 76, engagement 82.5
    (79.0, 'green')
    """
    overall = score_record(record, model, segment, [], from_text, explain=False).overall
    return overall, classify(overall, segment, model.cutoffs)


def earlier_health(result: dict) -> Optional[float]:
    """The earlier overall score a health result's trend is against: its previous_overall_score, which is
    the stored run's when the run's trend basis is one (csm.report.changes.Tracker.rebase), else the
    input's previous period (None without one).

    >>> earlier_health({"previous_overall_score": 70.0})
    70.0
    """
    return result["previous_overall_score"]
