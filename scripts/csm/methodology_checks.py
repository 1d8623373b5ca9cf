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
