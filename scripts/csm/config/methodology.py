"""The methodology as data: the default figures of every analysis, and `--config` files over them.

`default_methodology()` is the one table of named figures (it is what
`--print-config` prints and what `assets/methodology/default.json` holds). Each
section has its module in this package: `DEFAULTS` (the figures, with where each
comes from), `OPEN_PATHS` (the places a config may add or drop entries, such as a
new health dimension) and `check(section, methodology)` (semantic checks: weights
that sum to 1, thresholds in order ...). A config file deep-merges over the defaults:
a key it names replaces that figure, an object merges key by key, and `null`
drops an entry where the section allows it.

A file may instead give an open object whole: its top-level `replaces` lists such
paths (`["churn.signals"]`), whose default entries are then dropped before the
merge (a fitted scorecard's signals take the place of the default ones). The
effective methodology keeps the list, so what `--print-config` prints reads back
the same.
"""

import copy
import fnmatch
import hashlib
import json
from typing import Any, Dict, Optional

from csm.config import changes, churn, expansion, health, lifecycle, next_action, owners, playbooks, report, segments
from csm.errors import ConfigError
from csm.sidefile import load_json

# Section name -> the module of csm.config that owns its defaults and checks, in the order
# --print-config prints them.
SECTIONS = {
    "segments": segments,
    "health": health,
    "churn": churn,
    "expansion": expansion,
    "report": report,
    "changes": changes,
    "owners": owners,
    "lifecycle": lifecycle,
    "next_action": next_action,
    "playbooks": playbooks,
}

# Sections that score nothing, so the fingerprint leaves them out: rewording a playbook keeps the
# stored runs of a history comparable (csm.report.changes warns when the hash moves).
UNSCORED = ("playbooks",)

def default_methodology():
    """Return a fresh copy of the complete default methodology."""
    table = {"name": "default"}
    for name, module in SECTIONS.items():
        table[name] = copy.deepcopy(module.DEFAULTS)
    return table


def load_methodology(path: Optional[str] = None) -> Dict[str, Any]:
    """Return the effective methodology: the defaults, with the JSON file at `path` merged over them.

    Raises ConfigError naming every problem (one per line) when the file is
    unreadable, not a JSON object, names an unknown key, or is inconsistent.
    """
    table = default_methodology()
    if path is None:
        return table
    override = load_json(path, f"config {path}", ConfigError)
    if not isinstance(override, dict):
        raise ConfigError(f"config {path} must hold a JSON object like the one --print-config prints")
    return methodology_from(override, f"config {path}")


def methodology_from(override: Dict[str, Any], where: str = "config") -> Dict[str, Any]:
    """Return the defaults with the methodology object `override` merged over them.

    Raises ConfigError naming every problem, each line starting with `where`.

    >>> methodology_from({"replaces": ["churn.signals"], "churn": {"signals": {"tenure": {
    ...     "weight": 1, "combine": "points", "metrics": {"tenure": {"scoring": "banded", "field": "tenure",
    ...     "bands": [[6, 60], [None, 0]]}}}}}})["churn"]["signals"].keys()
    dict_keys(['tenure'])
    """
    table = default_methodology()
    problems = []
    override = dict(override)
    replaces = override.pop("replaces", None)
    if replaces is not None:
        replaces = _replace(table, replaces, problems)
    merged = merge(table, override, "", _open_paths(), problems)
    if replaces:
        merged["replaces"] = replaces
    if not problems:
        for name, module in SECTIONS.items():
            problems.extend(module.check(merged[name], merged))
    if problems:
        raise ConfigError("\n".join(f"{where}: {problem}" for problem in problems))
    return merged


def _replace(table, replaces, problems):
    """Empty the objects of `table` named by `replaces` (open, whole objects only); return the list kept."""
    whole = [path for path in _open_paths() if "*" not in path]
    if not isinstance(replaces, list) or not all(isinstance(path, str) for path in replaces):
        problems.append(f"replaces must be a list of paths, among {', '.join(whole)}")
        return None
    for path in replaces:
        if path not in whole:
            problems.append(f"replaces: {json.dumps(path)[:60]} cannot be replaced whole "
                            f"(these can: {', '.join(whole)})")
            continue
        parts = path.split(".")
        parent = table
        for part in parts[:-1]:
            parent = parent[part]
        parent[parts[-1]] = {}
    return list(replaces)


def _open_paths():
    paths = []
    for name, module in SECTIONS.items():
        paths.extend(f"{name}.{pattern}" for pattern in getattr(module, "OPEN_PATHS", ()))
    return paths


def _is_open(path, open_paths):
    """True when `path` matches an open pattern, `*` standing for exactly one dotted part.

    >>> _is_open("health.dimensions.usage.metrics", ["health.dimensions.*.metrics"])
    True
    >>> _is_open("health.dimensions.usage.metrics.login.valid", ["health.dimensions.*.metrics.*"])
    False
    """
    parts = path.split(".")
    for pattern in open_paths:
        pattern_parts = pattern.split(".")
        if len(pattern_parts) == len(parts) and all(
                fnmatch.fnmatchcase(part, want) for part, want in zip(parts, pattern_parts)):
            return True
    return False


def _same_kind(default, value):
    if default is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float)) and value == value and abs(value) != float("inf")
    return isinstance(value, type(default))


def _kind_name(default):
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, (int, float)):
        return "a number"
    if isinstance(default, str):
        return "text"
    if isinstance(default, list):
        return "a list"
    return "an object"


def merge(base, override, path, open_paths, problems):
    """Return `base` with `override` merged over it; append a message per bad key to `problems`.

    >>> merge({"a": {"b": 1, "c": 2}}, {"a": {"b": 5}}, "", [], [])
    {'a': {'b': 5, 'c': 2}}
    """
    result = dict(base)
    open_here = _is_open(path, open_paths) if path else False
    for key, value in override.items():
        where = f"{path}.{key}" if path else key
        if key not in base:
            if open_here:
                if value is not None:
                    result[key] = value
            elif key == "name" and not path and isinstance(value, str):
                result[key] = value
            else:
                known = ", ".join(sorted(base)) or "none"
                problems.append(f"unknown key {where} (known here: {known})")
            continue
        if value is None:
            if open_here:
                del result[key]
            elif base[key] is not None:
                problems.append(f"{where} cannot be removed (only entries of an open list can be set to null)")
            continue
        default = base[key]
        if isinstance(default, dict):
            if not isinstance(value, dict):
                problems.append(f"{where} must be an object")
                continue
            result[key] = merge(default, value, where, open_paths, problems)
        elif not _same_kind(default, value):
            problems.append(f"{where} must be {_kind_name(default)}, got {json.dumps(value)[:40]}")
        else:
            result[key] = value
    return result


def methodology_hash(table: Dict[str, Any]) -> str:
    """Return the methodology's fingerprint: the first 12 hex digits of the SHA-256 of its canonical JSON.

    Canonical: keys sorted, no spaces (`sort_keys=True, separators=(",", ":")`), so
    the same figures give the same hash whatever the order or layout of the config
    file they came from. Every output states it (`methodology_hash`). The sections that
    score nothing (UNSCORED: the playbooks a template proposes) are left out, so editing
    them does not mark a history's stored runs as scored under another methodology.

    >>> methodology_hash({"b": 1, "a": [1.5, "x"]}) == methodology_hash({"a": [1.5, "x"], "b": 1})
    True
    """
    scored = {name: value for name, value in table.items() if name not in UNSCORED}
    text = json.dumps(scored, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def render_methodology(table: Dict[str, Any]) -> str:
    """Return the methodology as the JSON text --print-config prints."""
    return json.dumps(table, indent=2) + "\n"
