"""Coverage: the share of each model's weight a book carries, and the refusal below the threshold.

references/methodology.md, "Coverage". A metric counts as carried when at least one
record of the book holds a value for it (a metric missing for some records only is
the scorers' usual reweighting). Per analysis:

- health: each dimension's weight, shared among its metrics by their weights;
- churn: each signal's weight, shared among its metrics by their weights (equally
  for a points signal);
- expansion: the four opportunity kinds a quarter each, shared among their fields.

`book_coverage(...)` returns one `Coverage` per analysis of the run; `refusal(...)`
the message of a run that must not score (a whole dimension or signal carried by no
record, or a share below config.coverage.MIN_COVERAGE), or None.
"""

from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence

from csm.config.coverage import EXPANSION_KINDS, MIN_COVERAGE
from csm.ingest.columns import Schema, metric_path

ANALYSES = ("health", "churn", "expansion")
SHOWN_COLUMNS = 12  # unread columns a refusal lists


class Coverage(NamedTuple):
    """What a book carries of one analysis's model.

    `share`: the share of the model's weight carried (0-1); `missing`: the metric
    paths no record carries; `whole`: the dimensions (signals, kinds) none of whose
    metrics any record carries; `suspects`: missing path -> unread columns that
    might hold it.
    """

    analysis: str
    share: float
    missing: List[str]
    whole: List[str]
    suspects: Dict[str, List[str]]


def metric_weights(methodology: dict, analysis: str) -> Dict[str, Dict[str, float]]:
    """Return {group: {metric path: its share of the whole model}} for one analysis.

    >>> metric_weights({"churn": {"signals": {"a": {"weight": 0.75, "metrics": {"x": {"weight": 1}, "y": {}}},
    ...                                       "b": {"weight": 0.25, "metrics": {"z": {"weight": 2}}}}}}, "churn")
    {'a': {'a.x': 0.375, 'a.y': 0.375}, 'b': {'b.z': 0.25}}
    """
    if analysis == "expansion":
        return {kind: {path: 0.25 / len(paths) for path in paths} for kind, paths in EXPANSION_KINDS}
    section = methodology.get(analysis, {})
    groups = section.get("dimensions" if analysis == "health" else "signals", {})
    total = sum(spec.get("weight", 0) for spec in groups.values()) or 1
    weights = {}
    for group, spec in groups.items():
        metrics = spec.get("metrics", {})
        given = {metric: (metric_spec.get("weight") if isinstance(metric_spec, dict) else None)
                 for metric, metric_spec in metrics.items()}
        if any(weight is None for weight in given.values()):
            given = {metric: 1 for metric in given}
        inner = sum(given.values()) or 1
        weights[group] = {metric_path(group, metric, metrics[metric]): spec.get("weight", 0) / total * weight / inner
                          for metric, weight in given.items()}
    return weights


def book_coverage(methodology: dict, sections: Optional[Sequence[str]], uncarried: Iterable[str],
                  unread: Sequence[str]) -> List[Coverage]:
    """Return the Coverage of each analysis of the run (sections None: all three).

    `uncarried`: the metric paths no record carries; `unread`: the book's columns (or
    keys) nothing reads, matched to the missing metrics they are closest to.
    """
    missing_paths = set(uncarried)
    schema = Schema(methodology)
    suspects_of = {}
    for column in unread:
        near = schema.closest(column)
        if near is not None:
            suspects_of.setdefault(near, []).append(column)
    coverages = []
    for analysis in ANALYSES if sections is None else [name for name in sections if name in ANALYSES]:
        weights = metric_weights(methodology, analysis)
        carried = 0.0
        missing = []
        whole = []
        for group, paths in weights.items():
            lost = [path for path in paths if path in missing_paths]
            missing += lost
            if paths and len(lost) == len(paths):
                whole.append(group)
            carried += sum(weight for path, weight in paths.items() if path not in missing_paths)
        suspects = {path: suspects_of[path] for path in missing if path in suspects_of}
        coverages.append(Coverage(analysis, round(min(carried, 1.0), 4), missing, whole, suspects))
    return coverages


def partial(coverages: Sequence[Coverage]) -> bool:
    """True when some analysis of the run misses part of its model (its outputs then say so)."""
    return any(coverage.missing for coverage in coverages)


def short_of(coverage: Coverage) -> bool:
    """True when a run must not score this analysis without --allow-partial.

    A whole health dimension or churn signal that no record carries, or a share of
    the model's weight below MIN_COVERAGE.
    """
    return coverage.share < MIN_COVERAGE or (coverage.analysis != "expansion" and bool(coverage.whole))


def refusal(coverages: Sequence[Coverage], book_name: str, unread: Sequence[str], prog: str) -> Optional[str]:
    """The message of a run that stops short of a model (see short_of), or None; one line per point."""
    short = [coverage for coverage in coverages if short_of(coverage)]
    if not short:
        return None
    lines = []
    for coverage in short:
        lines.append(f"{book_name} carries {coverage.share:.1%} of the {coverage.analysis} model's weight "
                     f"(a run needs {MIN_COVERAGE:.0%} and every "
                     f"{'dimension' if coverage.analysis == 'health' else 'signal'}; references/methodology.md, "
                     "\"Coverage\")" if coverage.analysis != "expansion" else
                     f"{book_name} carries {coverage.share:.1%} of the expansion model's weight (a run needs "
                     f"{MIN_COVERAGE:.0%}; references/methodology.md, \"Coverage\")")
        if coverage.whole:
            lines.append(f"  no record carries any metric of: {', '.join(coverage.whole)}")
        lines.append(f"  missing: {missing_words(coverage)}")
    if unread:
        shown = ", ".join(f'"{column}"' for column in unread[:SHOWN_COLUMNS])
        more = f" and {len(unread) - SHOWN_COLUMNS} more" if len(unread) > SHOWN_COLUMNS else ""
        lines.append(f"  columns nothing reads: {shown}{more}")
    lines.append(f"map the columns that hold them with --map (python3 scripts/{prog} {book_name} --print-map "
                 "writes the map to edit), join the export that has them with --join, or score on what is "
                 "there with --allow-partial")
    return "\n".join(lines)


def missing_words(coverage: Coverage, limit: int = 8) -> str:
    """The missing metrics, each with the unread columns that might hold it.

    >>> missing_words(Coverage("health", 0.7, ["usage.dau_mau_ratio", "engagement.nps_score"], [],
    ...                        {"usage.dau_mau_ratio": ["DAU/MAU"]}))
    'usage.dau_mau_ratio (column "DAU/MAU"?), engagement.nps_score'
    """
    words = []
    for path in coverage.missing[:limit]:
        columns = coverage.suspects.get(path)
        words.append(f"{path} (column {', '.join(repr_column(c) for c in columns[:2])}?)" if columns else path)
    more = f" and {len(coverage.missing) - limit} more" if len(coverage.missing) > limit else ""
    return ", ".join(words) + more


def repr_column(column: str) -> str:
    return '"' + column.replace('"', "'") + '"'


def summary_entry(coverages: Sequence[Coverage]) -> dict:
    """The JSON summary's `coverage`: per analysis, the share carried, the missing metrics, their suspects."""
    return {coverage.analysis: {"share_of_weight": coverage.share, "missing_metrics": coverage.missing,
                                "missing_groups": coverage.whole, "unread_columns_that_may_hold_them":
                                    coverage.suspects}
            for coverage in coverages}
