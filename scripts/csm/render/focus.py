"""How a focused run reads: how many actions and warnings an account shows, and "N listed of M".

csm.report.focus decides what a run lists; this module says it in text and markdown.
"""

from typing import Any, Dict, Optional, Tuple

DETAIL_LIMIT = 3  # actions and warnings shown per account in text and markdown without --detail


def other_actions(actions: list, decision: dict, limit: Optional[int]) -> Tuple[list, Optional[int]]:
    """The actions a text or markdown account lists after its next action, and the limit on them.

    The next action is the first of the `limit`; the rest goes to the others (an
    action the same as the next action is not repeated). `limit` None: all.
    """
    rest = [action for action in actions if action != decision["action"]]
    return rest, None if limit is None else max(0, limit - 1)


def shown(items: list, limit: Optional[int]) -> Tuple[list, int]:
    """Return (the items a text or markdown account shows, how many are left out); `limit` None: all."""
    if limit is None or len(items) <= limit:
        return items, 0
    return items[:limit], len(items) - limit


def filter_words(summary: Dict[str, Any]) -> Optional[str]:
    """The filters of a filtered run in words ("owner Mei Chen; segment smb"), None without a filter."""
    listed = summary.get("listed")
    if listed is None or not listed["filters"]:
        return None
    parts = []
    for name, value in listed["filters"].items():
        if name == "renewing_within_days":
            parts.append(f"renewing within {value} days (lapsed included)")
        else:
            parts.append(f"{name} {','.join(value)}")
    return "; ".join(parts)


def summary_words(summary: Dict[str, Any]) -> Optional[str]:
    """The "N listed of M" sentence of a focused run (None when the run lists the whole book)."""
    listed = summary.get("listed")
    if listed is None:
        return None
    words = f"{listed['count']:,} listed of {listed['of']:,}"
    filters = filter_words(summary)
    if filters:
        words += f" ({listed['matched']:,} match {filters}, ${listed['matched_arr']:,} ARR)"
    if listed["top"] is not None and listed["matched"] > listed["count"]:
        words += f"; the {listed['count']:,} most urgent"
    return words
