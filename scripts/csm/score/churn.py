"""The churn risk score: five warning signals, 0-100, higher is riskier (references/methodology.md section 2).

The model is data (the `churn` section of the methodology, csm.config.churn): each
signal has a weight and metrics read from `<signal>.<metric>` of the record (or the
metric's own `field`). A metric scores 0-100 one of six ways:

- ``decline``: clamp(points_per_unit x (baseline - value)), a fall below the baseline;
- ``rise``: clamp(points_per_unit x (value - baseline)), a rise above it;
- ``count``: clamp(points_per_unit x value), or `many.points` from `many.at_least` on;
- ``flag``: `points` when true, 0 when false;
- ``mapping``: a label looked up in `values`;
- ``banded``: the score of the band the value falls in (csm.score.metrics.Bands).

A signal combines its metrics one of two ways: ``weighted`` (the sum of metric score x
metric weight) or ``points`` (the metrics' points added up and capped at 100). Signal
scores are rounded to 1 decimal; the raw score is the weighted sum of the rounded signal
scores; the risk score is clamp(round(raw x renewal urgency multiplier, 1)) from the
unrounded raw score, as the published tool computes it, and its tier has no gaps.

A missing metric is never a zero: a weighted signal is scored on the metrics present,
their weights spread to sum to 1; a points signal adds the points of those present; a
signal with no data is left out and its weight spread over the others.
`data_completeness` is the share of the model's weight that had data (a points
signal's weight is shared equally by its metrics); a record below
`min_data_completeness` is rejected as insufficient data.

`prepare(methodology, as_of)` compiles the model once; `assess(record, model,
from_text)` scores one record and returns its result, or raises RecordRejected with
every problem; `churn_risk` gives its risk score and tier alone, from the same scoring.
Each result carries its `next_action` (csm.score.next_action: churn knows no health
class). A lapsed renewal's actions lead the playbook and replace the low tier's.
"""

import bisect
import datetime
import operator
from typing import List, NamedTuple, Optional, Tuple

from csm.config.churn import BANDED_VALID, LAPSED_SEVERITY, NUMERIC_SCORINGS, SEVERITIES, TIERS
from csm.errors import RecordRejected
from csm.figures import clamp, number_words
from csm.score import lifecycle, next_action, path
from csm.score.accounts import read_account
from csm import values
from csm.score.memo import Memo
from csm.score.metrics import FLAG, LABEL, NUMBER, Bands, Reading, checked, section_values
from csm.score.renewal import Renewal, read_renewal
from csm.words import renewal_words

SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}
# A warning rule's comparison of the value with `at`, and how its message words `at`.
WARN_WHEN = {
    "at_most": (operator.le, "at or below"),
    "below": (operator.lt, "below"),
    "at_least": (operator.ge, "at or above"),
    "above": (operator.gt, "above"),
    "is": (operator.eq, None),
}
# CRM spellings of the enum labels (compared without regard to case or separators; each
# label is also accepted as itself).
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


def with_unit(number, unit: str) -> str:
    """Return a number with its unit, the unit singular for one.

    >>> with_unit(-1, " points"), with_unit(8, " days"), with_unit(-12, "%")
    ('-1 point', '8 days', '-12%')
    """
    if abs(number) == 1 and unit.endswith("s") and unit.startswith(" "):
        unit = unit[:-1]
    return number_words(number) + unit


class Figures(NamedTuple):
    """What a metric makes of one checked value (the same every time: csm.score.memo)."""

    value: object  # as the metric reads it (a label in its configured spelling)
    score: float
    added: float  # what it adds to its signal: its points (a points signal), or score x weight
    warning: Optional[Tuple[int, str, str]]  # (rank, severity, message) of the first rule it fires
    words: str  # the value in words, e.g. 'Login trend -12%'


class Metric:
    """One metric of the model, compiled: how it reads, scores, warns and words a value."""

    def __init__(self, signal: str, name: str, spec: dict, share: float) -> None:
        self.name = name
        self.signal = signal
        self.label = spec.get("label", name.replace("_", " ").capitalize())
        self.unit = spec.get("unit", "")
        self.scoring = spec["scoring"]
        self.weight = spec.get("weight")
        self.influenceable = spec.get("influenceable", True)  # a path to lower risk may move it (csm.score.path)
        self.share = share  # of the model's weight, for data_completeness
        self.bands = Bands(spec["bands"]) if self.scoring == "banded" else None
        if self.scoring in NUMERIC_SCORINGS:
            self.reading = Reading(signal, name, spec, NUMBER, spec.get("valid", BANDED_VALID))
        elif self.scoring == "flag":
            self.reading = Reading(signal, name, spec, FLAG)
        else:
            self.reading = Reading(signal, name, spec, LABEL, aliases=ENUM_ALIASES.get(name))
        self.path = self.reading.path
        self.rate = spec.get("points_per_unit")
        self.start = 0 if self.scoring == "count" else spec.get("baseline", 0)  # a count is scored from 0
        many = spec.get("many")
        self.many_at, self.many_points = (many["at_least"], many["points"]) if many else (None, None)
        self.points = spec.get("points")
        self.scores = spec.get("values")
        # (comparison, at, severity, phrase, message of an "is" rule), in the methodology's order
        self.warnings = []
        for rule in spec.get("warnings", ()):
            test, words = WARN_WHEN[rule["when"]]
            at = self.reading.table[values.key_of(rule["at"])] if self.scoring == "mapping" else rule["at"]
            phrase = "" if words is None else f", {words} {with_unit(at, self.unit)}"
            message = self.describe(at) + phrase if rule["when"] == "is" else None
            self.warnings.append((test, at, rule["severity"], phrase, message))
        # The memo of this metric's checked values (csm.score.memo), looked into for a value of its own type.
        self.memo = Memo()
        self.types = {NUMBER: (int, float), FLAG: (bool,), LABEL: (str,)}[self.reading.kind]

    def read(self, value, problems: list, from_text: bool) -> Optional[Figures]:
        """Return the Figures of a raw value, or None after appending its problem."""
        value = checked(value, self.reading, problems, from_text)
        if value is None:
            return None
        return self.memo.of(value, self._figures)

    def _figures(self, value) -> Figures:
        score = self.score(value)
        added = score if self.weight is None else score * self.weight
        return Figures(value, score, added, self.warning(value), self.describe(value))

    def score(self, value) -> float:
        """Return the 0-100 score of a checked value.

        >>> from csm.config.churn import DEFAULTS
        >>> spec = DEFAULTS["signals"]["usage_decline"]["metrics"]["login_trend"]
        >>> Metric("usage_decline", "login_trend", spec, 0.12).score(-12)  # 3 points per point of decline
        36.0
        """
        if self.scoring == "flag":
            return float(self.points) if value else 0.0
        if self.scoring == "mapping":
            return float(self.scores[value])
        if self.bands is not None:
            return self.bands.score(value)
        if self.many_at is not None and value >= self.many_at:
            return float(clamp(self.many_points))
        score = self.rate * (self.start - value if self.scoring == "decline" else value - self.start)
        return 100.0 if score > 100 else 0.0 if score < 0 else float(score)

    def warning(self, value) -> Optional[Tuple[int, str, str]]:
        """Return (rank, severity, message) of the first rule a checked value fires, or None.

        >>> from csm.config.churn import DEFAULTS
        >>> spec = DEFAULTS["signals"]["usage_decline"]["metrics"]["login_trend"]
        >>> Metric("usage_decline", "login_trend", spec, 0.12).warning(-12)
        (1, 'high', 'Login trend -12%, at or below -10%')
        """
        for test, at, severity, phrase, message in self.warnings:
            if test(value, at):
                return SEVERITY_RANK[severity], severity, self.describe(value) + phrase if message is None else message
        return None

    def describe(self, value) -> str:
        """Return the value in words, e.g. 'Login trend -12%' or 'Champion left'."""
        if self.scoring == "flag":
            return self.label if value else f"{self.label}: no"
        if self.scoring == "mapping":
            return f"{self.label} {value}"
        if self.bands is not None:
            return f"{self.label} {with_unit(value, self.unit)} ({self.bands.words(value, self.unit)})"
        return f"{self.label} {with_unit(value, self.unit)}"


class Signal:
    """One signal of the model, compiled: its weight, how it combines, its metrics."""

    def __init__(self, name: str, spec: dict) -> None:
        self.name = name
        self.label = spec.get("label", name.replace("_", " ").capitalize())
        self.weight = spec["weight"]
        self.points = spec["combine"] == "points"
        metrics = spec["metrics"]
        self.metrics = [Metric(name, metric_name, metric,
                               self.weight / len(metrics) if self.points else self.weight * metric["weight"])
                        for metric_name, metric in metrics.items()]
        self.readings = [metric.reading for metric in self.metrics]
        self.fielded = any(reading.field is not None for reading in self.readings)


class SignalScore(NamedTuple):
    """One signal of one record: its rounded score (None without data) and the metrics found."""

    signal: Signal
    score: Optional[float]
    weighted: float  # score x the signal's weight (0.0 without data)
    found: List[Tuple[float, Metric, Figures]]  # (points added to the signal, metric, its figures), model order
    missing: List[str]  # the paths of its metrics without a value
    present: List[Metric]  # the metrics with a value (usable or not), for data_completeness


class Scored(NamedTuple):
    """What scoring finds in a record: the figures assess and churn_risk rest on."""

    signals: List[SignalScore]
    missing: List[str]
    completeness: float  # % of the model's weight with data
    present_weight: float  # the weight of the signals with data
    all_signals: bool
    unrounded: float  # the raw score before rounding
    renewal: Renewal
    multiplier: float
    status: str  # renewal_status: due, scheduled, lapsed or unknown
    risk_score: float
    risk_tier: str


class ChurnModel:
    """The churn section of a methodology and the as-of date, compiled once."""

    def __init__(self, methodology: dict, as_of: datetime.date) -> None:
        section = methodology["churn"]
        self.methodology = methodology
        self.as_of = as_of
        self.lifecycle = lifecycle.rule_for(methodology, as_of)  # None: results carry no lifecycle stage
        self.segments = methodology["segments"]
        self.signals = [Signal(name, spec) for name, spec in section["signals"].items()]
        self.signal_names = [signal.name for signal in self.signals]
        self.signal_labels = {signal.name: signal.label for signal in self.signals}
        urgency = section["renewal_urgency"]
        self.bands = [(band["within_days"], band["multiplier"]) for band in urgency["bands"]]
        self.later_multiplier = urgency["later"]
        self.no_date_multiplier = urgency["no_date"]
        self.lapsed_multiplier = urgency["lapsed"]
        tiers = section["tiers"]
        self.tier_cuts = [(tier, tiers[tier]["min_score"]) for tier in TIERS[:-1]]
        self.tier_labels = {tier: tiers[tier]["label"] for tier in TIERS}
        self.playbooks = {tier: list(section["playbooks"][tier]) for tier in TIERS}
        self.lapsed_actions = list(section["playbooks"]["lapsed_renewal"])
        self.next_rule = next_action.prepare(methodology, as_of)
        self.windows = list(section["renewal_windows_days"])
        self.due_within = self.windows[-1]
        self.min_completeness = section["min_data_completeness"]
        self.why_count = int(section["why"]["max_reasons"])
        self.why_points = section["why"]["min_points"]
        calibration = section["calibration"]
        self.calibration = None if calibration is None else [tuple(row) for row in calibration["points"]]


def churn_probability(risk_score: float, points: List[Tuple[float, float]]) -> float:
    """Return the churn probability of a risk score: linear between the calibration's rows, 4 decimals.

    >>> churn_probability(42.5, [(0, 0.02), (40, 0.2), (45, 0.3), (100, 0.9)])
    0.25
    """
    position = bisect.bisect_left(points, (risk_score, -1.0))
    if position < len(points) and points[position][0] == risk_score:
        return round(points[position][1], 4)
    (low, low_p), (high, high_p) = points[max(position - 1, 0)], points[min(position, len(points) - 1)]
    if high == low:
        return round(low_p, 4)
    return round(low_p + (high_p - low_p) * (risk_score - low) / (high - low), 4)


def prepare(methodology: dict, as_of: datetime.date) -> ChurnModel:
    """Compile the methodology's churn section for one as-of date; see ChurnModel."""
    return ChurnModel(methodology, as_of)


def classify(score: float, tier_cuts: List[Tuple[str, float]]) -> str:
    """Return the risk tier of a score: the first tier whose minimum it reaches, else low.

    >>> cuts = [("critical", 80), ("high", 60), ("medium", 40)]
    >>> classify(79.5, cuts), classify(59.9, cuts), classify(80.0, cuts), classify(12.0, cuts)
    ('high', 'medium', 'critical', 'low')
    """
    for tier, minimum in tier_cuts:
        if score >= minimum:
            return tier
    return "low"


def renewal_urgency(days: Optional[int], model: ChurnModel) -> Tuple[float, str]:
    """Return (multiplier, renewal_status) for the days to renewal (None: no end date).

    >>> from csm.config.methodology import default_methodology
    >>> model = prepare(default_methodology(), datetime.date(2026, 11, 22))
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


def score_signal(signal: Signal, section: dict, problems: list, from_text: bool) -> SignalScore:
    """Check and score one signal's metrics in a record's section (problems appended to `problems`)."""
    found = []
    missing = []
    present = []
    total = 0.0
    weight_present = 0.0
    for metric in signal.metrics:
        value = section.get(metric.name)
        if value is None:
            missing.append(metric.path)
            continue
        present.append(metric)
        figures = metric.memo.get(value) if type(value) in metric.types else None
        if figures is None:
            figures = metric.read(value, problems, from_text)
            if figures is None:
                continue
        total += figures.added
        if not signal.points:
            weight_present += metric.weight
        found.append((figures.added, metric, figures))
    if not found:
        return SignalScore(signal, None, 0.0, found, missing, present)
    if signal.points:
        score = round(float(clamp(total)), 1)
    else:
        score = round(total / weight_present if len(found) < len(signal.metrics) else total, 1)
    return SignalScore(signal, score, score * signal.weight, found, missing, present)


def score_record(record: dict, model: ChurnModel, problems: list, from_text: bool) -> Scored:
    """Check and score every signal of a record and its renewal; the figures assess and churn_risk rest on.

    Raises RecordRejected with `problems` (those found before, then every one found
    here) or for insufficient data.
    """
    signals = []
    missing = []
    raw_sum = 0.0
    all_signals = True
    completeness_share = 0.0  # the shares of the metrics with a value, added in model order
    for signal in model.signals:
        section = record.get(signal.name)
        if type(section) is not dict or signal.fielded:
            section = section_values(record, signal.name, signal.readings, signal.fielded, problems)
        if section is None:  # not an object: a problem, and the record is rejected
            signals.append(SignalScore(signal, None, 0.0, [], [], []))
            all_signals = False
            continue
        scored = score_signal(signal, section, problems, from_text)
        signals.append(scored)
        if scored.missing:
            missing += scored.missing
        for metric in scored.present:
            completeness_share += metric.share
        if scored.score is None:
            all_signals = False
        else:
            raw_sum += scored.weighted
    present_weight = 0.0  # the weights of the signals with data, added in model order
    for scored in signals:
        if scored.score is not None:
            present_weight += scored.signal.weight
    renewal = read_renewal(record, model.as_of, problems)
    if problems:
        raise RecordRejected(problems)
    completeness = round(completeness_share * 100, 1)
    if completeness < model.min_completeness or not present_weight:
        raise RecordRejected([
            f"insufficient data: {completeness:g}% of the churn model's weight has data "
            f"(at least {model.min_completeness:g}% is needed); missing {_missing_words(missing, model)}"
        ])
    multiplier, status = renewal_urgency(renewal.days, model)
    unrounded = raw_sum if all_signals else raw_sum / present_weight
    risk_score = round(unrounded * multiplier, 1)  # from the unrounded raw, as published; clamped, a float
    risk_score = 100.0 if risk_score > 100 else 0.0 if risk_score < 0 else float(risk_score)
    return Scored(signals, missing, completeness, present_weight, all_signals, unrounded, renewal, multiplier,
                  status, risk_score, classify(risk_score, model.tier_cuts))


def assess(record: dict, model: ChurnModel, from_text: bool = False, read: Optional[tuple] = None) -> dict:
    """Score one customer record; return its result dict or raise RecordRejected with every problem.

    The result keeps the published field names (risk_score, risk_tier, signal_scores,
    warning_signals, recommended_actions ...) and adds raw_score, risk_label,
    renewal_status, why, data_completeness, missing_fields and notes. `read`:
    (account, problems) of accounts.read_account on this record, from a caller that
    read it already (the portfolio report).
    """
    if read is None:
        problems = []
        account = read_account(record, model.segments, problems, from_text)
    else:
        account, problems = read[0], list(read[1])
    scored = score_record(record, model, problems, from_text)
    days, end_date = scored.renewal
    tier = scored.risk_tier
    notes = account.notes
    missing = list(scored.missing)
    if days is None:
        missing.append("contract_end_date")
        notes = notes + ["renewal date unknown (no contract_end_date): no urgency multiplier applied"]
    fired = []  # (rank, warning): sorted on the rank alone, so equal ranks keep the model's order
    if scored.status == "lapsed":
        fired.append((SEVERITY_RANK[LAPSED_SEVERITY], {"severity": LAPSED_SEVERITY, "signal": "renewal",
                                                       "message": renewal_words(days, end_date)}))
    for signal in scored.signals:
        for _, metric, figures in signal.found:
            if figures.warning is not None:
                rank, severity, message = figures.warning
                fired.append((rank, {"severity": severity, "signal": metric.signal, "message": message}))
    fired.sort(key=_first)
    if scored.status == "lapsed":  # the renewal leads; a low tier's "standard monitoring" and expansion do not fit
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
        "risk_score": scored.risk_score,
        "raw_score": round(scored.unrounded, 1),
        "risk_tier": tier,
        "risk_label": model.tier_labels[tier],
        "churn_probability": None if model.calibration is None else churn_probability(scored.risk_score,
                                                                                       model.calibration),
        "urgency_multiplier": scored.multiplier,
        "days_to_renewal": days,
        "contract_end_date": end_date,
        "renewal_status": scored.status,
        "signal_scores": {signal.signal.name: {"score": signal.score, "weight": signal.signal.weight}
                          for signal in scored.signals},
        "warning_signals": [warning for _, warning in fired],
        "recommended_actions": actions,
        "why": _why(scored, model),
        "path_to_lower_risk": _path(scored, model),
        "data_completeness": scored.completeness,
        "missing_fields": missing,
        "notes": notes,
        "next_action": next_action.decide(model.next_rule, days=days, risk_tier=tier).as_dict(),
    }
    return lifecycle.add_stage(result, account.contract_start_date, model.lifecycle)


def churn_risk(record: dict, model: ChurnModel, from_text: bool = False) -> Tuple[float, str]:
    """Return (risk_score, risk_tier) of a record whose account fields are already checked.

    The figures assess gives, from the same scoring (expansion readiness needs only
    these). RecordRejected lists the problems assess would, but for the account
    fields' own (the caller's job).

    >>> from csm.config.methodology import default_methodology
    >>> model = prepare(default_methodology(), datetime.date(2026, 11, 22))
    >>> record = {"usage_decline": {"login_trend": -12, "feature_adoption_change": -4, "dau_mau_change": -0.05},
    ...           "engagement_drop": {"meeting_cancellations": 1, "response_time_days": 3, "nps_change": -2},
    ...           "contract_end_date": "2026-12-12"}
    >>> churn_risk(record, model)  # raw (.30 x 26.2 + .25 x 32.0) / .55 = 28.836, x 1.5 renewing in 20 days
    (43.3, 'medium')
    """
    scored = score_record(record, model, [], from_text)
    return scored.risk_score, scored.risk_tier


def _path(scored: Scored, model: ChurnModel) -> Optional[dict]:
    found = path.churn_path(scored, model)
    return None if found is None else found.as_dict("tier")


def _missing_words(missing: List[str], model: ChurnModel) -> str:
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


def _first(pair):
    return pair[0]


def _why(scored: Scored, model: ChurnModel) -> List[dict]:
    """Return the signals that add most points to the raw score, each with the metrics that drove it.

    Points are the signal's share of the raw score (score x weight, the weight spread
    when a signal is missing); the metrics are listed by what they added to the signal.
    """
    scale = 1.0 if scored.all_signals else 1.0 / scored.present_weight
    ranked = [(signal.weighted if scored.all_signals else signal.weighted * scale, signal)
              for signal in scored.signals if signal.score is not None]
    ranked.sort(key=_first, reverse=True)  # stable: equal points keep the model's order
    reasons = []
    for points, signal in ranked[: model.why_count]:
        if points < model.why_points or points <= 0:
            break
        reasons.append({"signal": signal.signal.name, "points": round(points, 1), "detail": _why_detail(signal)})
    return reasons


def _why_detail(signal: SignalScore) -> str:
    """The "why" words of a signal, e.g. 'Usage decline 26.2 (Login trend -12%, ...)': its metrics by what
    they added to it, most first."""
    detail = f"{signal.signal.label} {signal.score:.1f}"
    drivers = [entry for entry in signal.found if entry[2].score > 0]
    if drivers:
        drivers.sort(key=_first, reverse=True)
        detail += " (" + ", ".join(figures.words for _, _, figures in drivers) + ")"
    return detail


def risk_key(result: dict) -> tuple:
    """Sort key: highest risk score first, then larger ARR, then customer_id."""
    return (-result["risk_score"], -result["arr"], result["customer_id"])
