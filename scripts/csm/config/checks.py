"""Checks shared by every section of a methodology file (weights, numbers in range).

Kept apart from `methodology` so the analysis modules that own a section can
use them without importing the module that composes the sections.
"""

import json
from typing import Any, Dict, List, Optional

from csm import values

WEIGHT_TOLERANCE = 1e-6


def check_weights(weights: Dict[str, float], where: str) -> List[str]:
    """Return a problem when the weights (name -> number) do not sum to 1.

    >>> check_weights({"usage": 0.5, "support": 0.4}, "health.dimensions")
    ['health.dimensions: weights sum to 0.9, not 1']
    """
    total = sum(weights.values())
    if abs(total - 1) > WEIGHT_TOLERANCE:
        return [f"{where}: weights sum to {round(total, 6):g}, not 1"]
    return []


def check_number(value: Any, where: str, low: Optional[float] = None, high: Optional[float] = None) -> List[str]:
    """Return a problem when value is not a number within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return [f"{where} must be a number, got {json.dumps(value)[:40]}"]
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"from {low:g} to {high:g}" if high is not None else f"of {low:g} or more"
        return [f"{where} must be {bounds}, got {value:g}"]
    return []


def check_valid_range(valid: Any, where: str) -> List[str]:
    """Return the problems of a metric's `valid` range: {min, max}, max null for no upper bound, min <= max.

    >>> check_valid_range({"min": 10, "max": 5}, "health.dimensions.usage.metrics.login_frequency")
    ['health.dimensions.usage.metrics.login_frequency.valid: min 10 is above max 5, so no value could be read']
    """
    if not isinstance(valid, dict) or set(valid) != {"min", "max"}:
        return [f"{where}.valid must be an object with min and max (max null for no upper bound)"]
    problems = check_number(valid["min"], f"{where}.valid.min")
    if valid["max"] is not None:
        problems += check_number(valid["max"], f"{where}.valid.max")
        if not problems and valid["max"] < valid["min"]:
            problems.append(f"{where}.valid: min {valid['min']:g} is above max {valid['max']:g}, "
                            "so no value could be read")
    return problems


def check_bands(bands: Any, where: str, high: float = 100) -> List[str]:
    """Return the problems of a `bands` list, in words a config author can act on.

    >>> check_bands([[6, 80], [24, 50], [None, 10]], "health.dimensions.t.metrics.tenure")
    []
    >>> check_bands([[24, 80], [6, 50], [None, 10]], "m")
    ['m.bands: edges must ascend (6 follows 24)']
    >>> check_bands([[6, 80], [24, 50]], "m")
    ['m.bands: the last band must be open-ended, [null, score] (values above 24 would have no score)']
    """
    if not isinstance(bands, list) or not bands:
        return [f"{where}.bands must be a list of [upper_edge, score] pairs ending with [null, score]"]
    problems = []
    previous = None
    for position, band in enumerate(bands):
        here = f"{where}.bands[{position}]"
        if not isinstance(band, list) or len(band) != 2:
            problems.append(f"{here} must be a pair [upper_edge, score]")
            continue
        edge, score = band
        problems += check_number(score, f"{here} score", 0, high)
        last = position == len(bands) - 1
        if edge is None:
            if not last:
                problems.append(f"{here}: only the last band may be open-ended (edge null)")
            continue
        edge_problems = check_number(edge, f"{here} edge")
        problems += edge_problems
        if edge_problems:
            continue
        if previous is not None and edge <= previous:
            problems.append(f"{where}.bands: edges must ascend ({edge:g} follows {previous:g})")
        previous = edge
        if last:
            problems.append(f"{where}.bands: the last band must be open-ended, [null, score] "
                            f"(values above {edge:g} would have no score)")
    return problems


def check_influenceable(metric: dict, where: str) -> List[str]:
    """Return the problem of a metric's `influenceable` mark (true or false; absent is true).

    >>> check_influenceable({"influenceable": False}, "m"), check_influenceable({"influenceable": "no"}, "m")
    ([], ['m.influenceable must be true or false (whether a CSM can move it), got "no"'])
    """
    mark = metric.get("influenceable", True)
    if mark is True or mark is False:
        return []
    return [f"{where}.influenceable must be true or false (whether a CSM can move it), got {values.shown(mark)}"]


def check_field(field: Any, where: str) -> List[str]:
    """Return the problems of a metric's `field` key (a key of the record, dotted for nested).

    >>> check_field("tenure", "m"), check_field("billing..fee", "m")
    ([], ['m.field must name a key of the record (dotted for nested: billing.monthly_charges), got "billing..fee"'])
    """
    if isinstance(field, str) and field.strip() and all(part.strip() for part in field.split(".")):
        return []
    return [f"{where}.field must name a key of the record (dotted for nested: billing.monthly_charges), "
            f"got {values.shown(field)}"]
