"""How an account's next action reads in a text or markdown report (csm.score.next_action decides it)."""

from typing import Any, Dict


def watch_days(model: Any) -> int:
    """The watch window of the rule a tool's model carries (`next_rule`), for its views."""
    return model.next_rule.watch


def head(next_action_dict):
    """The attention as the first word of an account in a text report, padded to one width.

    >>> head({"attention": "act today"}) + "|"
    'ACT TODAY  |'
    """
    return f"{next_action_dict['attention'].upper():<11}"


def sentence(next_action_dict: Dict[str, Any]) -> str:
    """The next action in one sentence, e.g. 'Next (act today, renewal lapsed 3 days ago): Get ...'."""
    return f"Next ({next_action_dict['attention']}, {next_action_dict['reason']}): {next_action_dict['action']}"


def short(next_action_dict: Dict[str, Any]) -> str:
    """The next action for a text account, whose head line already says the attention and reason."""
    return f"Next: {next_action_dict['action']}"


def head_line(next_action_dict: Dict[str, Any], account_words: str, width: int = 80) -> str:
    """The first line of an account in a text report: attention, account, and why, cut to `width`.

    >>> head_line({"attention": "this week", "reason": "health red"}, "Acme (A-1)")
    'THIS WEEK  Acme (A-1): health red'
    """
    return f"{head(next_action_dict)}{account_words}: {next_action_dict['reason']}"[:width]
