"""A scorecard learnt from known outcomes: candidates -> indicators -> points -> a methodology file.

`fit_scorecard(records, from_text, outcomes, analysis, start, ...)` is the whole
method of scripts/fit_scorecard.py (INTERFACE.md, last section), pure: it returns
a `FittedScorecard` (the methodology file to write and the report to print) or
raises InputError for outcomes nothing can be learnt from.

- Candidates (`find_candidates`): every scalar the records carry, top-level keys
  and the fields of their sections (the starting model's metrics among them),
  except the account fields (customer_id, name, segment, arr, owner, dates). A
  number becomes a banded metric, edges at quantiles of the fitting data; a label
  with at most 30 distinct values a mapping; a boolean (true/false, yes/no, 1/0) a
  flag (churn; a yes/no mapping for health, or when "no" is the riskier side).
  High-cardinality text, a single value, too few values, text among numbers, and a
  column that predicts the outcome almost perfectly on its own (AUC above 0.98:
  the outcome itself, exported beside it) are skipped, each with why.
- A missing value is an absent metric, scored as the analysis scores one (churn: it
  adds no points, as the least risky level does; health: the metrics present in its
  dimension carry its weight). The fit sees it as no level at all (no indicator of
  that metric is on), which is close to either when values are seldom missing; the
  out-of-fold figures come from the analysis itself, so they show any difference.
- Fit (`csm.fitting`): L2 logistic regression on the indicators, the penalty chosen
  by stratified, seeded k-fold cross-validation (out-of-fold log loss).
- Points (`scorecard_methodology`): each metric's coefficients shifted so its least
  risky level is 0. Churn: one points signal per group, metric points = 100 x shift
  / the group's range, signal weight = the group's share of the whole range, so
  the risk is 0-100 and rises with the log-odds; health: metric score = 100 x (its
  range - shift) / its range, weights in proportion to the ranges, so the overall
  falls as the log-odds rise. Churn points are tenths, health scores whole
  numbers, weights three decimals.
  Columns are grouped into a few named signals or dimensions: a section's fields
  by their section, other columns by what their name says (contract & billing,
  usage & product, support, relationship, account profile).
- The renewal urgency multiplier of the churn analysis would bend a fitted risk, so
  a fitted churn file sets every multiplier to 1.0 (days to renewal are still shown).
- Cut-offs (tiers, or green / yellow for every segment) are the backtest's nested
  Youden rule applied to the out-of-fold scores of scorecards built on the other
  folds, never to scores of accounts the points were learnt from.
"""

import bisect
import math
import re
from typing import List, NamedTuple, Optional

from csm.learn import backtest, fitting
from csm.config import health as health_defaults
from csm.score import churn, health
from csm import values
from csm.score.accounts import read_account
from csm.errors import ConfigError, InputError, RecordRejected
from csm.config.methodology import methodology_from

ANALYSES = ("churn", "health")
# Keys of a record that are the account, not a signal (SCHEMA.md): never candidates.
ACCOUNT_FIELDS = ("customer_id", "name", "segment", "arr", "owner", "contract_start_date", "contract_end_date")
MAX_LABELS = 30  # a text column with more distinct values is an id, a name or free text
MAX_BANDS = 10  # quantile bands of a numeric column, at most ...
EVENTS_PER_BAND = 10  # ... and at least this many churned (or retained, the fewer) accounts per band
OUTCOME_LIKE_AUC = 0.98  # a column alone ranking churn this well is the outcome itself
MIN_PRESENT_SHARE = 0.05  # a column with a value for fewer accounts than this share is skipped
RELIABLE_CHURNED = 50  # fewer churned accounts than this: the fit is flagged unreliable
POINTS_TOTAL = 100  # a churn signal's metric points add up to at most this; a health metric scores 0-100
WEIGHT_UNITS = 1000  # weights are written in thousandths

# What a column's name says it is about -> the group it joins (first theme that matches wins).
THEMES = (
    ("support", "Support", {"support", "ticket", "tickets", "escalation", "escalations", "csat", "resolution",
                            "incident", "incidents", "case", "cases", "complaint", "complaints"}),
    ("contract_billing", "Contract & billing", {
        "contract", "tenure", "billing", "bill", "payment", "pay", "charge", "charges", "price", "pricing",
        "plan", "renewal", "invoice", "invoices", "mrr", "revenue", "discount", "term", "months", "paperless",
        "subscription", "tier", "budget", "spend"}),
    ("usage_product", "Usage & product", {
        "usage", "login", "logins", "feature", "features", "adoption", "active", "dau", "mau", "service",
        "services", "internet", "phone", "streaming", "lines", "backup", "protection", "device", "seats",
        "module", "modules", "online", "security", "sessions", "product", "data", "api"}),
    ("relationship", "Relationship & engagement", {
        "nps", "meeting", "meetings", "sponsor", "champion", "sentiment", "contact", "contacts", "engagement",
        "executive", "qbr", "response", "competitor"}),
)
PROFILE = ("account_profile", "Account profile")


class Candidate:
    """One column the fit may use: where it is read, how it becomes levels, the group it joins."""

    def __init__(self, parts, kind, levels, present, group, group_label, valid_min=None, labels=None):
        self.parts = parts  # the keys the value is read from, e.g. ("tenure",) or ("usage", "login_frequency")
        self.column = ".".join(parts)
        self.kind = kind  # "banded", "mapping" or "boolean"
        self.levels = levels  # banded: the edges; mapping: the labels (one spelling each); boolean: [False, True]
        self.present = present
        self.group = group
        self.group_label = group_label
        self.valid_min = valid_min
        self.labels = labels or {}  # mapping: key_of(spelling) -> level index
        self.offset = 0  # its first indicator column in the design

    @property
    def size(self):
        """Number of levels (indicator columns)."""
        return len(self.levels) + 1 if self.kind == "banded" else len(self.levels)

    def level(self, value, from_text):
        """Return the level index of a raw value, or None when it is missing or unreadable."""
        if value is None:
            return None
        if self.kind == "banded":
            number = values.number(value, self.column, [], -values.LARGEST, None, from_text)
            return None if number is None else bisect.bisect_left(self.levels, number)
        if self.kind == "boolean":
            flag = values.boolean(value, self.column, [], from_text)
            return None if flag is None else int(flag)
        return self.labels.get(values.key_of(value)) if isinstance(value, str) else None


class Skipped(NamedTuple):
    """A column the fit did not use, and why."""
    column: str
    why: str


def _tokens(name):
    """Split a column name into lower-case words.

    >>> _tokens("PaperlessBilling"), _tokens("usage.login_frequency"), _tokens("SeniorCitizen")
    (['paperless', 'billing'], ['usage', 'login', 'frequency'], ['senior', 'citizen'])
    """
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [word for word in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if word]


def snake(name):
    """Return a column name as a methodology key.

    >>> snake("PaymentMethod"), snake("Monthly Charges ($)"), snake("tenure")
    ('payment_method', 'monthly_charges', 'tenure')
    """
    return "_".join(_tokens(name)) or "column"


def group_of(parts, start_labels):
    """Return (group key, label) for a column: its section when it has one, else by what its name says."""
    if len(parts) > 1:
        section = parts[0]
        return snake(section), start_labels.get(section, section.replace("_", " ").capitalize())
    words = set(_tokens(parts[0]))
    for key, label, theme in THEMES:
        if words & theme:
            return key, label
    return PROFILE


def _is_boolean(present, from_text):
    if all(value is True or value is False for value in present):
        return True
    return from_text and all(isinstance(value, str) and value.strip().lower() in values.TRUE_WORDS | values.FALSE_WORDS
                             for value in present)


def _quantile_edges(numbers, bands):
    """Return band edges at quantiles of `numbers` (each band up to and including its edge).

    >>> _quantile_edges([1, 2, 3, 4, 5, 6, 7, 8], 4)
    [2, 4, 6]
    >>> _quantile_edges([0, 0, 0, 1, 1, 5], 10)
    [0, 1]
    """
    ordered = sorted(numbers)
    distinct = sorted(set(ordered))
    if len(distinct) <= bands:
        return distinct[:-1]
    edges = []
    for step in range(1, bands):
        edge = ordered[(len(ordered) * step) // bands - 1]
        if edge != distinct[-1] and (not edges or edge > edges[-1]):
            edges.append(edge)
    return edges


def _band_count(outcomes):
    churned = sum(1 for outcome in outcomes if outcome)
    fewer = min(churned, len(outcomes) - churned)
    return max(2, min(MAX_BANDS, fewer // EVENTS_PER_BAND))


def _scalar_paths(records):
    """Return the paths the records carry (top-level keys and one level into sections), first seen first.

    Each path maps to True when its value is a list or an object (not a candidate).
    """
    seen = {}
    for raw in records:
        for key, value in raw.items():
            if key in ACCOUNT_FIELDS:
                continue
            if type(value) is dict:
                for inner, inner_value in value.items():
                    seen.setdefault((key, inner), type(inner_value) is dict or type(inner_value) is list)
            else:
                seen.setdefault((key,), type(value) is list)
    return seen


def _nested_skips(paths):
    """Return one Skipped per section (or key) whose values are lists or objects, its fields counted."""
    sections = {}
    for parts, nested in paths.items():
        if nested:
            sections.setdefault(parts[0], []).append(".".join(parts))
    skipped = []
    for section, columns in sections.items():
        if len(columns) == 1:
            skipped.append(Skipped(columns[0], "a list or nested object, not one value per account"))
        else:
            skipped.append(Skipped(f"{section}.*", f"{len(columns)} fields ({', '.join(c.split('.', 1)[1] for c in columns[:3])}"
                                                   f"{' ...' if len(columns) > 3 else ''}) hold lists or nested "
                                                   "objects, not one value per account"))
    return skipped


def _value_at(raw, parts):
    value = raw.get(parts[0])
    if len(parts) > 1:
        value = value.get(parts[1]) if type(value) is dict else None
    return value


def find_candidates(records, from_text, outcomes, start_labels):
    """Return (candidates, skipped) for the records (raw dicts) and their outcomes (bools), in column order."""
    bands = _band_count(outcomes)
    candidates = []
    paths = _scalar_paths(records)
    skipped = _nested_skips(paths)
    count = len(records)
    for parts, nested in paths.items():
        column = ".".join(parts)
        if nested:
            continue
        if any("." in part or not part.strip() for part in parts):
            skipped.append(Skipped(column, "a key with a dot in its name (or no name) cannot be named by a field"))
            continue
        column_values = [_value_at(raw, parts) for raw in records]
        present = [value for value in column_values if value is not None]
        if any(type(value) is dict or type(value) is list for value in present):
            skipped.append(Skipped(column, "a list or nested object, not one value per account"))
            continue
        if len(present) < max(2, MIN_PRESENT_SHARE * count):
            skipped.append(Skipped(column, f"a value for only {len(present):,} of {count:,} accounts"))
            continue
        group, group_label = group_of(parts, start_labels)
        candidate = None
        if _is_boolean(present, from_text):
            flags = {values.boolean(value, column, [], from_text) for value in present}
            if len(flags) == 2:
                candidate = Candidate(parts, "boolean", [False, True], len(present), group, group_label)
        else:
            numbers = [values.number(value, column, [], -values.LARGEST, None, from_text) for value in present]
            unreadable = [value for value, number in zip(present, numbers) if number is None]
            if not unreadable:
                edges = _quantile_edges(numbers, bands)
                if edges:
                    candidate = Candidate(parts, "banded", edges, len(present), group, group_label,
                                          valid_min=0 if min(numbers) >= 0 else -values.LARGEST)
            elif len(unreadable) < len(present):
                if all(isinstance(value, str) for value in present) and \
                        len({values.key_of(value) for value in unreadable}) > MAX_LABELS:
                    skipped.append(Skipped(column, "high-cardinality text"))
                else:
                    skipped.append(Skipped(column, f"{len(unreadable):,} values are not numbers, e.g. "
                                                   f"{values.shown(unreadable[0], 30)}, among numbers"))
                continue
            else:
                candidate = _label_candidate(parts, present, group, group_label, skipped)
                if candidate is False:
                    continue
        if candidate is None:
            skipped.append(Skipped(column, f"one value only ({values.shown(present[0], 30)})"))
            continue
        solo = _solo_auc(candidate, column_values, outcomes, from_text)
        if solo is not None and solo > OUTCOME_LIKE_AUC:
            skipped.append(Skipped(column, f"looks like the outcome itself (AUC {solo:.3f} on its own)"))
            continue
        candidates.append(candidate)
    return candidates, skipped


def _label_candidate(parts, present, group, group_label, skipped):
    """Return the mapping Candidate of a text column; None for one label; False (skipped, listed) otherwise."""
    column = ".".join(parts)
    if not all(isinstance(value, str) for value in present):
        skipped.append(Skipped(column, "mixed text and other values"))
        return False
    spellings = {}  # key -> {spelling: count}
    for value in present:
        key = values.key_of(value)
        counts = spellings.setdefault(key, {})
        counts[value.strip()] = counts.get(value.strip(), 0) + 1
    if len(spellings) > MAX_LABELS:
        skipped.append(Skipped(column, f"high-cardinality text ({len(spellings):,} distinct values: an id, "
                                       "a name, an email or free text)"))
        return False
    if "" in spellings:
        skipped.append(Skipped(column, "some values have no letter or digit"))
        return False
    if len(spellings) < 2:
        return None
    keys = sorted(spellings)
    labels = [max(sorted(spellings[key]), key=lambda spelling: spellings[key][spelling]) for key in keys]
    return Candidate(parts, "mapping", labels, len(present), group, group_label,
                     labels={key: index for index, key in enumerate(keys)})


def _solo_auc(candidate, column_values, outcomes, from_text):
    """Return how well a column alone ranks churn: the AUC of its levels' churn rates (missing a level too)."""
    levels = [candidate.level(value, from_text) for value in column_values]
    tally = {}
    for level, outcome in zip(levels, outcomes):
        counts = tally.setdefault(level, [0, 0])
        counts[0] += 1
        counts[1] += bool(outcome)
    rates = {level: churned / accounts for level, (accounts, churned) in tally.items()}
    return backtest.area_under_curve([(rates[level], outcome) for level, outcome in zip(levels, outcomes)])["auc"]


def build_design(candidates, records, from_text, outcomes):
    """Return the fitting.Design of the records: one indicator column per level of each candidate."""
    offset = 0
    for candidate in candidates:
        candidate.offset = offset
        offset += candidate.size
    rows = []
    for raw in records:
        row = []
        for candidate in candidates:
            level = candidate.level(_value_at(raw, candidate.parts), from_text)
            if level is not None:
                row.append(candidate.offset + level)
        rows.append(row)
    return fitting.Design(rows, outcomes, offset)


# --- Coefficients -> points -> a methodology file -------------------------------------------------

def apportion(shares, units):
    """Return whole numbers in proportion to `shares` that add up to `units` (largest remainder).

    >>> apportion([1.0, 1.0, 1.0], 1000), apportion([0.5, 0.25, 0.25], 100)
    ([334, 333, 333], [50, 25, 25])
    """
    total = math.fsum(shares)
    exact = [share * units / total for share in shares]
    whole = [int(math.floor(figure)) for figure in exact]
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - whole[i]), i))
    for i in order[: units - sum(whole)]:
        whole[i] += 1
    return whole


class MetricPoints(NamedTuple):
    """One metric of a fitted scorecard: its candidate, points (churn) or scores (health) per level."""
    candidate: Candidate
    figures: List[int]
    weight: Optional[float]  # health: its weight within its dimension
    reach: float  # the most it moves the 0-100 score


def _shifts(candidate, coefficients):
    betas = coefficients[candidate.offset: candidate.offset + candidate.size]
    low = min(betas)
    return [beta - low for beta in betas]


def scorecard_methodology(candidates, fit, analysis, name, cutoffs=None, reserved=()):
    """Return (methodology file as a dict, [MetricPoints]) of a fit; cutoffs as suggest_cutoffs gives them.

    `reserved`: health dimension names a fitted dimension must not take (the starting
    model's: a record's previous_period.<name>_score belongs to that model's
    dimension, and a trend against it would compare two different scores), so such
    a group is named `<name>_fitted`. Raises InputError when the fit learnt nothing
    (every metric rounds to no effect).
    """
    groups = {}
    for candidate in candidates:
        shifts = _shifts(candidate, fit.coefficients)
        if max(shifts) > 0:
            groups.setdefault(candidate.group, []).append((candidate, shifts))
    ranges = {group: math.fsum(max(shifts) for _, shifts in members) for group, members in groups.items()}
    kept = {}
    for group, members in groups.items():
        entries = []
        for candidate, shifts in members:
            reach = max(shifts)
            if analysis == "churn":
                figures = [_tenths(POINTS_TOTAL * shift / ranges[group]) for shift in shifts]
            else:
                figures = [int(round(POINTS_TOTAL * (reach - shift) / reach)) for shift in shifts]
            if len(set(figures)) > 1:
                entries.append([candidate, figures, reach])
        if entries:
            if analysis == "churn":
                _cap_points(entries)
            kept[group] = entries
    if not kept:
        raise InputError("the fit learnt no effect worth a point from any column: nothing to score with")
    group_names = list(kept)
    group_weights = apportion([math.fsum(entry[2] for entry in kept[group]) for group in group_names], WEIGHT_UNITS)
    section = {}
    metrics_out = []
    for group, group_weight in zip(group_names, group_weights):
        entries = kept[group]
        label = entries[0][0].group_label
        if analysis == "churn":
            metrics = {}
            for candidate, figures, reach in entries:
                metrics[_metric_key(metrics, candidate)] = _churn_metric(candidate, figures)
                metrics_out.append(MetricPoints(candidate, figures, None,
                                                round(group_weight / WEIGHT_UNITS * (max(figures) - min(figures)), 1)))
            section[group] = {"label": label, "weight": group_weight / WEIGHT_UNITS, "combine": "points",
                              "metrics": metrics}
        else:
            if group in reserved:
                group, label = f"{group}_fitted", f"{label} (fitted)"
            metric_weights = apportion([entry[2] for entry in entries], WEIGHT_UNITS)
            metrics = {}
            for (candidate, figures, reach), metric_weight in zip(entries, metric_weights):
                weight = metric_weight / WEIGHT_UNITS
                metrics[_metric_key(metrics, candidate)] = _health_metric(candidate, figures, weight)
                metrics_out.append(MetricPoints(candidate, figures, weight,
                                                round(group_weight / WEIGHT_UNITS * weight * POINTS_TOTAL, 1)))
            section[group] = {"label": label, "weight": group_weight / WEIGHT_UNITS, "metrics": metrics}
    return _methodology_file(section, analysis, name, cutoffs), metrics_out


def _tenths(points):
    """Return points rounded to a tenth, a whole number written as an int (12, not 12.0)."""
    rounded = round(points, 1)
    return int(rounded) if rounded == int(rounded) else rounded


def _cap_points(entries):
    """Keep a churn signal's largest possible total at 100 points (rounding may have added a tenth or two)."""
    while round(sum(max(figures) for _, figures, _ in entries), 1) > POINTS_TOTAL:
        candidate, figures, reach = max(entries, key=lambda entry: max(entry[1]))
        top = max(figures)
        figures[figures.index(top)] = _tenths(top - 0.1)


def _metric_key(metrics, candidate):
    key = snake(candidate.parts[-1])
    if key in metrics:
        number = 2
        while f"{key}_{number}" in metrics:
            number += 1
        key = f"{key}_{number}"
    return key


def _reads(candidate, spec):
    """Add the `field` a fitted metric reads: always written, so the file says where each value comes from."""
    spec["field"] = candidate.column
    return spec


def _bands(candidate, figures):
    return [[edge, figure] for edge, figure in zip(candidate.levels, figures)] + [[None, figures[-1]]]


def _churn_metric(candidate, figures):
    spec = {"label": candidate.column}
    if candidate.kind == "banded":
        spec.update(scoring="banded", unit="", valid={"min": candidate.valid_min, "max": None},
                    bands=_bands(candidate, figures))
    elif candidate.kind == "boolean" and figures[0] == 0:
        spec.update(scoring="flag", points=figures[1])
    elif candidate.kind == "boolean":
        spec.update(scoring="mapping", values={"yes": figures[1], "no": figures[0]})
    else:
        spec.update(scoring="mapping", values=dict(zip(candidate.levels, figures)))
    return _reads(candidate, spec)


def _health_metric(candidate, figures, weight):
    spec = {"label": candidate.column, "weight": weight}
    if candidate.kind == "banded":
        spec.update(scoring="banded", unit="", valid={"min": candidate.valid_min, "max": None},
                    bands=_bands(candidate, figures))
    elif candidate.kind == "boolean":
        spec.update(scoring="mapping", values={"yes": figures[1], "no": figures[0]})
    else:
        spec.update(scoring="mapping", values=dict(zip(candidate.levels, figures)))
    return _reads(candidate, spec)


NEUTRAL_URGENCY = {
    "bands": [{"within_days": days, "multiplier": 1.0} for days in (30, 60, 90, 180)],
    "later": 1.0, "no_date": 1.0, "lapsed": 1.0,
}


def _methodology_file(section, analysis, name, cutoffs):
    if analysis == "churn":
        body = {"signals": section, "renewal_urgency": NEUTRAL_URGENCY}
        if cutoffs:
            body["tiers"] = {tier: {"min_score": cutoffs[tier]} for tier in ("critical", "high", "medium")}
        return {"name": name, "replaces": ["churn.signals"], "churn": body}
    body = {"dimensions": section}
    if cutoffs:
        body["classification"] = {segment: {"green": cutoffs["green"], "yellow": cutoffs["yellow"]}
                                  for segment in ("enterprise", "mid-market", "smb")}
    return {"name": name, "replaces": ["health.dimensions"], "health": body}


# --- Matching the book to its outcomes, scoring, the whole fit --------------------------------

class Book(NamedTuple):
    """The accounts a fit learns from: raw `records`, their `churned` outcomes and `segments`, and what was left out.

    `rejected` lists the records whose account fields are unusable (report entries:
    index, location, customer_id, errors); `not_in_portfolio` the outcome ids no
    record has; `without_outcome` the ids of accounts with no outcome (not used).
    """
    records: list
    churned: list
    segments: list
    rejected: list
    not_in_portfolio: list
    without_outcome: list


def match_outcomes(portfolio, outcomes, segments_section):
    """Return the Book of an opened portfolio (csm.loading) and its outcomes (backtest.Outcomes)."""
    records = []
    churned = []
    segments = []
    rejected = []
    seen = set()
    without = []
    for index, label, raw in portfolio.records():
        location = f"{portfolio.name}{label}" if label.startswith("[") else f"{portfolio.name} {label}"
        if not isinstance(raw, dict):
            reason = raw.reason if hasattr(raw, "reason") else "a customer must be an object"
            rejected.append({"index": index, "location": location, "customer_id": None, "errors": [reason]})
            continue
        problems = []
        account = read_account(raw, segments_section, problems, portfolio.from_text)
        if account is not None and account.customer_id in seen:
            problems.append(f"duplicate customer_id {values.shown(account.customer_id)}: only the first is used")
        if account is None or problems:
            customer_id = account.customer_id if account is not None else None
            rejected.append({"index": index, "location": location, "customer_id": customer_id, "errors": problems})
            continue
        seen.add(account.customer_id)
        outcome = outcomes.by_id.get(account.customer_id)
        if outcome is None:
            without.append(account.customer_id)
            continue
        records.append(raw)
        churned.append(outcome.churned)
        segments.append(account.segment)
    missing = sorted(customer_id for customer_id in outcomes.by_id if customer_id not in seen)
    return Book(records, churned, segments, rejected, missing, sorted(without))


def score_book(methodology, analysis, book, from_text, as_of):
    """Return each record's score under a methodology (None for a record it cannot score)."""
    scores = []
    if analysis == "churn":
        model = churn.prepare(methodology, as_of)
        for raw in book.records:
            try:
                scores.append(churn.churn_risk(raw, model, from_text)[0])
            except RecordRejected:
                scores.append(None)
    else:
        model = health.prepare(methodology)
        for raw, segment in zip(book.records, book.segments):
            try:
                scores.append(health.overall_health(raw, model, segment, from_text)[0])
            except RecordRejected:
                scores.append(None)
    return scores


def _rounded(number, places=4):
    return None if number is None else round(number, places)


def _auc_entry(scores, churned, kind, seed):
    points = [(score, outcome) for score, outcome in zip(scores, churned) if score is not None]
    auc = backtest.area_under_curve(points, kind.lower_is_riskier)
    if not points:
        auc["reason"] = ("the model could not score any account (every record lacks most of the data its "
                         "metrics read)")
    low = high = None
    if auc["auc"] is not None:
        low, high = fitting.bootstrap_interval(points, seed, kind.lower_is_riskier)
    return {"auc": auc["auc"], "interval_95": [low, high], "scored": len(points),
            "not_scored": len(scores) - len(points), "reason": auc["reason"]}


class FittedScorecard(NamedTuple):
    """What a fit gives: the `methodology` file (a dict, as written) and the `report` (a dict, as printed)."""
    methodology: dict
    report: dict


def _folds_for(churned_count: int, retained: int, folds: int) -> "tuple[int, list]":
    """The folds the outcomes allow, and the warnings on them; InputError when they cannot teach anything."""
    count = churned_count + retained
    if not count:
        raise InputError("no account of the portfolio has an outcome: nothing to learn from")
    if not churned_count:
        raise InputError(f"none of the {count:,} accounts with an outcome churned: nothing to learn from")
    if not retained:
        raise InputError(f"all {count:,} accounts with an outcome churned: there is no retained account to "
                         "learn from")
    if min(churned_count, retained) < 2:
        raise InputError(f"{churned_count} churned and {retained} retained accounts: cross-validation needs "
                         "at least 2 of each")
    warnings = []
    used_folds = min(folds, churned_count, retained)
    if used_folds < folds:
        warnings.append(f"{folds} folds asked for, {used_folds} used: there are only "
                        f"{min(churned_count, retained)} {'churned' if churned_count <= retained else 'retained'} "
                        "accounts")
    if churned_count < RELIABLE_CHURNED:
        warnings.append(f"only {churned_count} churned accounts: a fit on fewer than {RELIABLE_CHURNED} is "
                        f"unreliable (its points will move with every new outcome); about "
                        f"{RELIABLE_CHURNED - churned_count} more churned accounts are needed")
    return used_folds, warnings


def _out_of_fold(book, from_text, analysis, candidates, design, validation, fold_of, reserved, as_of):
    """Score each fold's accounts with the scorecard fitted on the other folds: (scores, linear predictors,
    each fold's AUC)."""
    kind = backtest.KINDS[analysis]
    churned = book.churned
    out_of_fold = [None] * len(churned)
    oof_logits = [0.0] * len(churned)
    fold_aucs = []
    for k, fold_fit in enumerate(validation.fold_fits):
        members = [i for i, fold in enumerate(fold_of) if fold == k]
        fold_file, _ = scorecard_methodology(candidates, fold_fit, analysis, "fold", reserved=reserved)
        fold_book = book._replace(records=[book.records[i] for i in members],
                                  churned=[churned[i] for i in members],
                                  segments=[book.segments[i] for i in members])
        fold_scores = score_book(methodology_from(fold_file, "fitted scorecard"), analysis, fold_book,
                                 from_text, as_of)
        for i, score in zip(members, fold_scores):
            out_of_fold[i] = score
            oof_logits[i] = fitting.linear_predictor(design.rows[i], fold_fit.intercept, fold_fit.coefficients)
        fold_aucs.append(backtest.area_under_curve(
            [(score, churned[i]) for i, score in zip(members, fold_scores) if score is not None],
            kind.lower_is_riskier)["auc"])
    return out_of_fold, oof_logits, fold_aucs


def fit_scorecard(book, from_text, analysis, start, folds=5, seed=1, as_of=None):
    """Learn a scorecard for `analysis` (churn or health) from a Book; return a FittedScorecard.

    `start` is the starting methodology (its model is measured alongside, and its
    section labels name the groups). Raises InputError when the outcomes cannot
    teach anything: none or all churned, too few to cross-validate, no candidate.
    """
    kind = backtest.KINDS[analysis]
    churned = book.churned
    count = len(churned)
    churned_count = sum(1 for outcome in churned if outcome)
    retained = count - churned_count
    used_folds, warnings = _folds_for(churned_count, retained, folds)
    start_labels = {name: spec.get("label", name) for name, spec in start["health"]["dimensions"].items()}
    start_labels.update({name: spec.get("label", name) for name, spec in start["churn"]["signals"].items()})
    candidates, skipped = find_candidates(book.records, from_text, churned, start_labels)
    if not candidates:
        lines = [f"column {entry.column}: {entry.why}" for entry in skipped]
        raise InputError("\n".join(lines + ["no column of the portfolio can be a candidate: nothing to fit"]))
    design = build_design(candidates, book.records, from_text, churned)
    reserved = set(start["health"]["dimensions"]) | set(health_defaults.DEFAULTS["dimensions"]) | _previous_names(book.records)
    fold_of = fitting.stratified_folds(churned, used_folds, seed)
    validation = fitting.choose_l2(design, fold_of, used_folds)
    final = fitting.fit_logistic(design, validation.chosen)

    out_of_fold, oof_logits, fold_aucs = _out_of_fold(book, from_text, analysis, candidates, design, validation,
                                                      fold_of, reserved, as_of)
    oof_points = [(score, outcome) for score, outcome in zip(out_of_fold, churned) if score is not None]
    current = kind.current_cutoffs(start)
    group = None if analysis == "churn" else "mid-market"
    boundaries, suggested = backtest.suggest_cutoffs(oof_points, kind, current[group])
    cutoffs = dict(current[group], **suggested)

    name = (f"fitted {analysis} scorecard: {count:,} accounts, {churned_count:,} churned"
            + (f", as of {as_of.isoformat()}" if as_of is not None else ""))
    document, metric_points = scorecard_methodology(candidates, final, analysis, name, cutoffs, reserved)
    try:
        fitted = methodology_from(document, "fitted scorecard")
    except ConfigError as exc:  # pragma: no cover - the fitter writes only what the analyses accept
        raise InputError(f"the fitted scorecard does not pass the methodology checks: {exc}") from None
    in_sample = score_book(fitted, analysis, book, from_text, as_of)
    start_scores = score_book(start, analysis, book, from_text, as_of)
    in_sample_logits = [fitting.linear_predictor(row, final.intercept, final.coefficients) for row in design.rows]

    bands = _band_rows(out_of_fold, churned, book.segments, fitted, analysis, kind, as_of)
    base_rate = churned_count / count
    table = backtest.band_table(bands, kind.bands, base_rate)
    used_columns = {entry.candidate.column for entry in metric_points}
    no_effect = [Skipped(candidate.column, "no effect worth a point once fitted")
                 for candidate in candidates if candidate.column not in used_columns]
    report = {
        "report": "fitted_scorecard",
        "analysis": analysis,
        "as_of": None if as_of is None else as_of.isoformat(),
        "accounts": count,
        "churned": churned_count,
        "retained": retained,
        "base_rate": backtest.rate(churned_count, count),
        "folds": used_folds,
        "seed": seed,
        "regularisation": {
            "rule": "L2 penalty with the lowest out-of-fold log loss (ties: the larger penalty)",
            "chosen_l2": validation.chosen,
            "path": [{"l2": point.l2, "log_loss": _rounded(point.log_loss), "auc": point.auc}
                     for point in validation.path],
            "newton_iterations": final.iterations,
            "converged": final.converged,
        },
        "validation": _validation(start_scores, out_of_fold, fold_aucs, oof_logits, in_sample, in_sample_logits,
                                  churned, kind, seed, used_folds),
        kind.bands_key: table,
        "top_band": dict(table[kind.top_band], band=kind.top_band),
        "cutoffs": {
            "rule": "nested Youden's J (as the backtest) on the out-of-fold scores",
            "values": cutoffs,
            "boundaries": boundaries,
        },
        "metrics": [_metric_entry(entry, analysis) for entry in
                    sorted(metric_points, key=lambda entry: (-entry.reach, entry.candidate.column))],
        "dropped": [{"column": entry.column, "why": entry.why} for entry in skipped + no_effect],
        "warnings": warnings,
        "unmatched_outcomes": {
            "not_in_portfolio": {"count": len(book.not_in_portfolio), "customer_ids": book.not_in_portfolio},
            "accounts_without_outcome": {"count": len(book.without_outcome),
                                         "customer_ids": book.without_outcome},
        },
        "rejected": list(book.rejected),
    }
    return FittedScorecard(document, report)


def _validation(start_scores, out_of_fold, fold_aucs, oof_logits, in_sample, in_sample_logits, churned, kind, seed,
                used_folds) -> dict:
    """How the fit holds: the starting model and the fitted scorecard out of fold (with AUC intervals), and in sample."""
    return {
        "starting_model": dict(_auc_entry(start_scores, churned, kind, seed),
                               note="fixed figures, not learnt from these outcomes: every account is "
                                    "out of sample"),
        "fitted_out_of_fold": dict(_auc_entry(out_of_fold, churned, kind, seed), fold_aucs=fold_aucs,
                                   note=f"each account scored by the scorecard fitted on the other "
                                        f"{used_folds - 1} folds"),
        "model_out_of_fold_auc": backtest.area_under_curve(list(zip(oof_logits, churned)))["auc"],
        "in_sample": _rounding(in_sample, in_sample_logits, churned, kind),
    }


def _previous_names(records):
    """Return the dimension names the records' previous_period scores belong to (usage for usage_score)."""
    names = set()
    for raw in records:
        previous = raw.get("previous_period")
        if type(previous) is dict:
            names.update(key[: -len("_score")] for key in previous if key.endswith("_score"))
    return names


def _band_rows(scores, churned, segments, methodology, analysis, kind, as_of):
    """Return the (band, churned) rows of the out-of-fold scores under the fitted cut-offs."""
    rows = []
    if analysis == "churn":
        cuts = churn.prepare(methodology, as_of).tier_cuts
        for score, outcome in zip(scores, churned):
            if score is not None:
                rows.append((churn.classify(score, cuts), outcome))
    else:
        cutoffs = health.prepare(methodology).cutoffs
        for score, outcome, segment in zip(scores, churned, segments):
            if score is not None:
                rows.append((health.classify(score, segment, cutoffs), outcome))
    return rows


def _rounding(scores, logits, churned, kind):
    scorecard = backtest.area_under_curve(
        [(score, outcome) for score, outcome in zip(scores, churned) if score is not None], kind.lower_is_riskier)
    model = backtest.area_under_curve(list(zip(logits, churned)))
    lost = None if scorecard["auc"] is None else round(model["auc"] - scorecard["auc"], 4)
    return {"model_auc": model["auc"], "scorecard_auc": scorecard["auc"], "auc_lost_to_rounding": lost,
            "note": "the accounts the points were learnt from: not a measure of how the scorecard holds"}


def _metric_entry(entry, analysis):
    candidate = entry.candidate
    figures = entry.figures
    shown = {"banded": "banded", "mapping": "mapping", "boolean": "flag" if analysis == "churn" else "mapping"}
    levels = ([f"up to {edge:g}" for edge in candidate.levels] + [f"above {candidate.levels[-1]:g}"]
              if candidate.kind == "banded" else
              [str(level).lower() if candidate.kind == "boolean" else level for level in candidate.levels])
    return {"column": candidate.column, "group": candidate.group, "scoring": shown[candidate.kind],
            "points_range": entry.reach, "levels": dict(zip(levels, figures)),
            "accounts_with_value": candidate.present}
