"""A scorecard learnt from known outcomes: candidates -> indicators -> points -> a methodology file.

`fit_scorecard(book, from_text, analysis, start, folds, seed, as_of)` is the whole
method of scripts/fit_scorecard.py (references/interface.md, last section), pure: it returns
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

import datetime
import math
import sys
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from csm.learn import backtest, calibration, fitting, selection
from csm.learn.candidates import (LEFT_OUT, NO_EFFECT, Candidate, Skipped, build_design, find_candidates,
                                  place, snake)
from csm.config import health as health_defaults
from csm.score import churn, health
from csm import values
from csm.score.accounts import read_account
from csm.errors import ConfigError, InputError, RecordRejected
from csm.ingest.book import Portfolio
from csm.config.methodology import methodology_from

ANALYSES = ("churn", "health")
RELIABLE_CHURNED = 50  # fewer churned accounts than this: the fit is flagged unreliable
POINTS_TOTAL = 100  # a churn signal's metric points add up to at most this; a health metric scores 0-100
WEIGHT_UNITS = 1000  # weights are written in thousandths


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
    """Add the `field` a fitted metric reads (always written, so the file says where each value comes from),
    and `influenceable: false` for a column no CSM moves (the account's profile, its tenure)."""
    spec["field"] = candidate.column
    if not candidate.influenceable:
        spec["influenceable"] = False
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
    records: List[Dict[str, Any]]
    churned: List[bool]
    segments: List[str]
    rejected: List[Dict[str, Any]]
    not_in_portfolio: List[str]
    without_outcome: List[str]


def match_outcomes(portfolio: Portfolio, outcomes: backtest.Outcomes, segments_section: Dict[str, Any]) -> Book:
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
        records.append(_keys_shared(raw))
        churned.append(outcome.churned)
        segments.append(account.segment)
    missing = sorted(customer_id for customer_id in outcomes.by_id if customer_id not in seen)
    return Book(records, churned, segments, rejected, missing, sorted(without))


def _keys_shared(record: Dict[str, Any]) -> Dict[str, Any]:
    """The record with its field names (its own and its sections') interned.

    The fit holds every record: a JSON reader makes each record's keys anew, so a
    book of 100,000 records held 100,000 copies of each field name (measured: 1.25 GB
    at 100,000 accounts of the full schema; about 45% of it the names).
    """
    intern = sys.intern
    return {intern(key): _keys_shared(value) if type(value) is dict else value for key, value in record.items()}


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
    """What a fit gives: the `methodology` file (a dict, as written), the `report` (a dict, as printed), and the
    columns it did not use (`dropped`, Skipped: the report's `dropped` entries, with their kind)."""
    methodology: dict
    report: dict
    dropped: List[Skipped]


def _folds_for(churned_count: int, retained: int, folds: int) -> Tuple[int, list]:
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


def fit_scorecard(book: Book, from_text: bool, analysis: str, start: Dict[str, Any], folds: int = 5, seed: int = 1,
                  as_of: Optional[datetime.date] = None, max_metrics: int = selection.MAX_METRICS,
                  all_metrics: bool = False) -> FittedScorecard:
    """Learn a scorecard for `analysis` (churn or health) from a Book; return a FittedScorecard.

    `start` is the starting methodology (measured alongside; its labels name the groups).
    Kept: the smallest scorecard within one standard error of the best (csm.learn.selection:
    the SE of the fold-wise difference), at most `max_metrics`; `all_metrics` keeps all. InputError when the outcomes cannot
    teach anything: none or all churned, too few to cross-validate, no candidate.
    """
    kind = backtest.KINDS[analysis]
    churned = book.churned
    count = len(churned)
    churned_count = sum(1 for outcome in churned if outcome)
    retained = count - churned_count
    used_folds, warnings = _folds_for(churned_count, retained, folds)
    candidates, skipped = _candidates(book, from_text, start)
    warnings += _unreadable_warnings(candidates)
    reserved = (set(start["health"]["dimensions"]) | set(health_defaults.DEFAULTS["dimensions"])
                | _previous_names(book.records))
    fold_of = fitting.stratified_folds(churned, used_folds, seed)
    model = _fit_and_select(book, from_text, candidates, fold_of, used_folds, max_metrics, all_metrics)
    candidates, design, validation, final, chosen = model[:5]
    skipped = skipped + model.left_out
    out_of_fold, oof_logits, fold_aucs = _out_of_fold(book, from_text, analysis, candidates, design, validation,
                                                      fold_of, reserved, as_of)
    oof_points = [(score, outcome) for score, outcome in zip(out_of_fold, churned) if score is not None]
    boundaries, cutoffs = _cutoffs(oof_points, kind, start, analysis)

    name = (f"fitted {analysis} scorecard: {count:,} accounts, {churned_count:,} churned"
            + (f", as of {as_of.isoformat()}" if as_of is not None else ""))
    document, metric_points = scorecard_methodology(candidates, final, analysis, name, cutoffs, reserved)
    calibrated = _calibrate(document, oof_points) if analysis == "churn" else None
    fitted = _checked(document)
    in_sample = score_book(fitted, analysis, book, from_text, as_of)
    start_scores = score_book(start, analysis, book, from_text, as_of)
    in_sample_logits = [fitting.linear_predictor(row, final.intercept, final.coefficients) for row in design.rows]

    bands = _band_rows(out_of_fold, churned, book.segments, fitted, analysis, kind, as_of)
    base_rate = churned_count / count
    table = backtest.band_table(bands, kind.bands, base_rate)
    no_effect = [Skipped(candidate.column, "no effect worth a point once fitted", NO_EFFECT) for candidate in candidates
                 if candidate.column not in {entry.candidate.column for entry in metric_points}]
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
        "regularisation": _regularisation_entry(validation, final, chosen),
        "validation": _validation(start_scores, out_of_fold, fold_aucs, oof_logits, in_sample, in_sample_logits,
                                  churned, kind, seed, used_folds),
        kind.bands_key: table,
        "top_band": dict(table[kind.top_band], band=kind.top_band),
        "cutoffs": {
            "rule": "nested Youden's J (as the backtest) on the out-of-fold scores",
            "values": cutoffs,
            "boundaries": boundaries,
        },
        "selection": _selection_entry(chosen, max_metrics),
        "calibration": None if calibrated is None else _calibration_entry(calibrated, oof_points),
        "metrics": [_metric_entry(entry, analysis) for entry in
                    sorted(metric_points, key=lambda entry: (-entry.reach, entry.candidate.column))],
        "dropped": [{"column": entry.column, "why": entry.why} for entry in skipped + no_effect],
        "warnings": warnings,
        "unmatched_outcomes": _unmatched(book),
        "rejected": list(book.rejected),
    }
    return FittedScorecard(document, report, skipped + no_effect)


def _unreadable_warnings(candidates):
    """One line per metric of the starting model fitted with some cells read as missing (not numbers)."""
    return [f"{candidate.column}: {len(candidate.unreadable):,} values are not numbers (e.g. "
            f"{values.shown(candidate.unreadable[0], 30)}); they are read as missing"
            for candidate in candidates if candidate.unreadable]


def _checked(document: dict) -> dict:
    """The methodology of a fitted file, as --config reads it."""
    try:
        return methodology_from(document, "fitted scorecard")
    except ConfigError as exc:  # pragma: no cover - the fitter writes only what the analyses accept
        raise InputError(f"the fitted scorecard does not pass the methodology checks: {exc}") from None


class FittedModel(NamedTuple):
    """The fit a scorecard is made of: the `candidates` kept, their `design`, the cross-`validation` (its fold
    fits), the `final` fit on every account, the `chosen` selection (None: --all-metrics), and the
    candidates `left_out` by it (Skipped)."""
    candidates: list
    design: fitting.Design
    validation: fitting.CrossValidation
    final: fitting.Fit
    chosen: Optional[selection.Selection]
    left_out: List[Skipped]


def _fit_and_select(book, from_text, candidates, fold_of, folds, max_metrics, all_metrics) -> FittedModel:
    """Keep the selection's metrics (all with --all-metrics), choose their penalty by cross-validation, and
    fit them on every account."""
    design = build_design(candidates, book.churned)
    chosen = None
    left_out = []
    if not all_metrics:
        chosen = selection.select(candidates, design, fold_of, folds, max_metrics)
        kept_indices = set(chosen.order[: chosen.kept])
        columns = [column for index, candidate in enumerate(candidates) if index in kept_indices
                   for column in range(candidate.offset, candidate.offset + candidate.size)]
        why = (f"{chosen.kept} metrics are within one standard error of the best scorecard"
               if chosen.kept == chosen.by_rule else f"{chosen.kept} metrics kept at most (--max-metrics)")
        left_out = [Skipped(candidate.column, f"left out by the selection: {why}", LEFT_OUT)
                    for index, candidate in enumerate(candidates) if index not in kept_indices]
        candidates = [candidate for index, candidate in enumerate(candidates) if index in kept_indices]
        place(candidates)
        design = design.restricted(columns)
    validation = fitting.choose_l2(design, fold_of, folds,
                                   start=None if chosen is None else (selection.PATH_L2, chosen.kept_fits))
    final = fitting.fit_logistic(design, validation.chosen, validation.fold_fits[0])  # warm: a fold's fit is close
    return FittedModel(candidates, design, validation, final, chosen, left_out)


def _regularisation_entry(validation, final, chosen) -> dict:
    """The penalty chosen for the kept metrics, the penalties tried, and how the final fit converged."""
    return {
        "rule": ("L2 penalty with the lowest out-of-fold log loss (ties: the larger penalty), searched from "
                 + ("the largest" if chosen is None else f"the selection's {selection.PATH_L2:g}")
                 + " to its neighbours until the loss rises"),
        "chosen_l2": validation.chosen,
        "path": [{"l2": point.l2, "log_loss": _rounded(point.log_loss), "auc": point.auc}
                 for point in validation.path],
        "newton_iterations": final.iterations,
        "converged": final.converged,
    }


def _selection_entry(chosen, max_metrics) -> dict:
    """How many metrics were kept and why, with the path (metrics kept against out-of-fold AUC)."""
    if chosen is None:
        return {"rule": "--all-metrics: every candidate kept", "kept": None, "by_rule": None, "max_metrics": None,
                "path": []}
    best = selection.lowest(chosen.path)
    capped = (f"; capped at {max_metrics} metrics (--max-metrics, default {selection.MAX_METRICS}): the rule alone "
              f"keeps {chosen.by_rule}" if chosen.by_rule > chosen.kept else
              f"; at most {max_metrics} metrics (--max-metrics, default {selection.MAX_METRICS})")
    return {
        "rule": ("the smallest scorecard whose out-of-fold log loss exceeds the lowest on the path by at most one "
                 "standard error of that difference (over the same folds: the standard error of the fold-wise "
                 "differences); forward selection: each step adds the metric that lowers the out-of-fold log loss "
                 "most" + capped),
        "kept": chosen.kept,
        "by_rule": chosen.by_rule,
        "max_metrics": max_metrics,
        "path": [{"metrics": step.metrics, "added": step.added, "log_loss": _rounded(step.log_loss),
                  "standard_error": _rounded(selection.difference_se(step, best)), "auc": step.auc}
                 for step in chosen.path],
    }


def _calibrate(document: dict, oof_points: list) -> "calibration.Logistic":
    """Learn the churn probability map on the out-of-fold scores and write it into the churn file."""
    calibrated = calibration.fit_calibration(oof_points)
    document["churn"]["calibration"] = {"method": calibration.METHOD,
                                        "points": calibration.calibration_table(calibrated)}
    return calibrated


def _calibration_entry(calibrated, oof_points) -> dict:
    """The churn probability map the file holds, and how its probabilities hold on the out-of-fold scores."""
    pairs = [(calibrated.probability(score), outcome) for score, outcome in oof_points]
    return dict(calibration.calibration_report(pairs), method=calibration.METHOD,
                intercept=round(calibrated.intercept, 6), slope=round(calibrated.slope, 6),
                scope="the out-of-fold risk scores the map was learnt on (two figures learnt: close to held out)")


def _candidates(book, from_text, start):
    """The candidates of the book's columns, and the columns skipped; InputError when there is none."""
    start_labels = {name: spec.get("label", name) for name, spec in start["health"]["dimensions"].items()}
    start_labels.update({name: spec.get("label", name) for name, spec in start["churn"]["signals"].items()})
    facts = {metric.get("field") or f"{name}.{metric_name}"
             for analysis, key in (("health", "dimensions"), ("churn", "signals"))
             for name, section in start[analysis][key].items()
             for metric_name, metric in section["metrics"].items() if metric.get("influenceable") is False}
    candidates, skipped = find_candidates(book.records, from_text, book.churned, start_labels, facts)
    if not candidates:
        lines = [f"column {entry.column}: {entry.why}" for entry in skipped]
        raise InputError("\n".join(lines + ["no column of the portfolio can be a candidate: nothing to fit"]))
    return candidates, skipped


def _cutoffs(oof_points, kind, start, analysis):
    """(boundaries, cut-offs): the backtest's nested Youden rule on the out-of-fold scores, over the starting
    model's cut-offs (health: one set for every segment)."""
    current = kind.current_cutoffs(start)
    group = None if analysis == "churn" else "mid-market"
    boundaries, suggested = backtest.suggest_cutoffs(oof_points, kind, current[group])
    return boundaries, dict(current[group], **suggested)


def _unmatched(book) -> dict:
    """The outcomes for accounts the portfolio lacks, and the accounts without an outcome."""
    return {
        "not_in_portfolio": {"count": len(book.not_in_portfolio), "customer_ids": book.not_in_portfolio},
        "accounts_without_outcome": {"count": len(book.without_outcome), "customer_ids": book.without_outcome},
    }


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
