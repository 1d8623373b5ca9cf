"""The methodology as data: every figure of every analysis, its defaults and its checks.

One module per section (`segments`, `health`, `churn`, `expansion`, `report`,
`changes`, `owners`, `lifecycle`, `next_action`, `playbooks`), each with its `DEFAULTS` (where
each figure comes from: references/methodology.md), the places a config may add or
drop entries (`OPEN_PATHS`) and `check(section, methodology)`; `methodology` merges
a `--config` file over them; `checks` holds the checks sections share.
"""
