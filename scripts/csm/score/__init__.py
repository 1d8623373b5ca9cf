"""Scoring one account: pure functions of a record and the compiled methodology.

- `accounts`: the fields every account carries (id, name, segment, ARR, owner, start);
- `metrics`: how a metric reads and checks its value; the banded kind;
- `health`, `churn`, `expansion` (with `readiness`): the three analyses;
- `renewal`, `lifecycle`, `next_action`: the renewal, the stage of the contract year,
  and the one decision per account every tool shares;
- `memo`: the one memo of the scoring (a metric's figures per value).
Nothing here prints, reads a file or knows the command line.
"""
