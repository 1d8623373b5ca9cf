"""Checks shared by every section of a methodology file (weights, numbers in range).

Kept apart from `methodology` so the analysis modules that own a section can
use them without importing the module that composes the sections.
"""

import json

WEIGHT_TOLERANCE = 1e-6


def check_weights(weights, where):
    """Return a problem when the weights (name -> number) do not sum to 1.

    >>> check_weights({"usage": 0.5, "support": 0.4}, "health.dimensions")
    ['health.dimensions: weights sum to 0.9, not 1']
    """
    total = sum(weights.values())
    if abs(total - 1) > WEIGHT_TOLERANCE:
        return [f"{where}: weights sum to {round(total, 6):g}, not 1"]
    return []


def check_number(value, where, low=None, high=None):
    """Return a problem when value is not a number within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return [f"{where} must be a number, got {json.dumps(value)[:40]}"]
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"from {low:g} to {high:g}" if high is not None else f"of {low:g} or more"
        return [f"{where} must be {bounds}, got {value:g}"]
    return []


def check_valid_range(valid, where):
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
