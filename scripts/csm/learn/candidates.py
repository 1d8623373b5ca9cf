"""The candidates of a fitted scorecard: every column the accounts carry, read as indicators.

Every scalar the records carry (top-level keys and the fields of their sections, the
starting model's metrics among them) is a candidate, but for the account fields (id,
name, segment, ARR, owner, dates). A number becomes quantile bands of the fitting
data; a label with at most MAX_LABELS distinct values a mapping; a boolean a flag.
High-cardinality text, a single value, too few values, text among numbers (but in a
metric of the starting model, whose other cells are read and those read as missing), and a
column that predicts the outcome almost perfectly on its own (the outcome itself,
exported beside it) are skipped, each with why. `build_design` turns the candidates
into the sparse 0/1 design csm.learn.fitting fits.
"""

import bisect
import math
import re
from typing import Any, Callable, Dict, FrozenSet, List, NamedTuple, Optional, Tuple

from csm import values
from csm.learn import fitting

# Keys of a record that are the account, not a signal (references/input-schema.md): never candidates.
ACCOUNT_FIELDS = ("customer_id", "name", "segment", "arr", "owner", "contract_start_date", "contract_end_date")


MAX_LABELS = 30  # a text column with more distinct values is an id, a name or free text


MAX_BANDS = 10  # quantile bands of a numeric column, at most ...


EVENTS_PER_BAND = 10  # ... and at least this many churned (or retained, the fewer) accounts per band


OUTCOME_LIKE_AUC = 0.98  # a column alone ranking churn this well is the outcome itself


MIN_PRESENT_SHARE = 0.05  # a column with a value for fewer accounts than this share is skipped


# What a column's name says it is about -> the group it joins (first theme that matches wins).
THEMES = (
    ("support", "Support", {"support", "ticket", "tickets", "escalation", "escalations", "csat", "resolution",
                            "incident", "incidents", "case", "cases", "complaint", "complaints"}),
    ("contract_billing", "Contract & billing", {
        "contract", "tenure", "billing", "bill", "payment", "pay", "charge", "charges", "price", "pricing",
        "plan", "renewal", "invoice", "invoices", "mrr", "revenue", "discount", "term", "months", "paperless",
        "subscription", "tier", "budget", "spend"}),
    ("usage_product", "Usage & product", {
        "usage", "login", "logins", "feature", "features", "adoption", "active", "dau", "mau", "service",
        "services", "internet", "phone", "streaming", "lines", "backup", "protection", "device", "seats",
        "module", "modules", "online", "security", "sessions", "product", "data", "api"}),
    ("relationship", "Relationship & engagement", {
        "nps", "meeting", "meetings", "sponsor", "champion", "sentiment", "contact", "contacts", "engagement",
        "executive", "qbr", "response", "competitor"}),
)


PROFILE = ("account_profile", "Account profile")


# A column named with one of these words is time served, which no CSM moves: never influenceable.
TIME_WORDS = {"tenure", "age", "since", "years", "months"}


class Candidate:
    """One column the fit may use: where it is read, how it becomes levels, the group it joins."""

    def __init__(self, parts, kind, levels, present, group, group_label, valid_min=None, labels=None):
        self.parts = parts  # the keys the value is read from, e.g. ("tenure",) or ("usage", "login_frequency")
        self.column = ".".join(parts)
        self.kind = kind  # "banded", "mapping" or "boolean"
        self.levels = levels  # banded: the edges; mapping: the labels (one spelling each); boolean: [False, True]
        self.present = present
        self.group = group
        self.group_label = group_label
        self.valid_min = valid_min
        self.labels = labels or {}  # mapping: key_of(spelling) -> level index
        self.offset = 0  # its first indicator column in the design
        self.account_levels = []  # the level of each account's cell (None: missing), in the records' order
        self.unreadable = []  # a model metric's values that are not numbers: read as missing
        # Whether a path to green may move it (csm.score.path): not the account's profile, nor its tenure.
        self.influenceable = group != PROFILE[0] and not set(_tokens(self.column)) & TIME_WORDS

    @property
    def size(self) -> int:
        """Number of levels (indicator columns)."""
        return len(self.levels) + 1 if self.kind == "banded" else len(self.levels)

    def level(self, value: Any, from_text: bool) -> Optional[int]:
        """Return the level index of a raw value, or None when it is missing or unreadable."""
        if value is None:
            return None
        if self.kind == "banded":
            number = cell_number(value, from_text)
            return None if number is None else bisect.bisect_left(self.levels, number)
        if self.kind == "boolean":
            flag = values.boolean(value, self.column, [], from_text)
            return None if flag is None else int(flag)
        return self.labels.get(values.key_of(value)) if isinstance(value, str) else None


def cell_number(value, from_text):
    """A candidate's cell as a number, read as the scorers read one (csm.values), or None.

    A percent sign keeps the figure as written ("87%" is 87): a candidate has no scale
    of its own, and its bands are cut on its values as they are.

    >>> cell_number("87%", True), cell_number("$1,200", True), cell_number("87%", False), cell_number(True, False)
    (87, 1200, None, None)
    """
    if type(value) is str and from_text:
        number = values.parse_number_text(value)
        if number is None or type(number) is bool:
            return None
        return number if type(number) is int or math.isfinite(number) else None
    return values.number(value, "", [], -values.LARGEST, None, from_text)


# What kind of column the fit did not use (Skipped.kind): one it could not read as a metric, one holding
# lists or nested objects, one the selection left out, one whose fitted effect rounds to no point.
UNUSABLE, NESTED, LEFT_OUT, NO_EFFECT = "unusable", "nested", "left out", "no effect"


class Skipped(NamedTuple):
    """A column the fit did not use, why, and its `kind` (UNUSABLE, NESTED, LEFT_OUT or NO_EFFECT)."""
    column: str
    why: str
    kind: str = UNUSABLE


def _tokens(name):
    """Split a column name into lower-case words.

    >>> _tokens("PaperlessBilling"), _tokens("usage.login_frequency"), _tokens("SeniorCitizen")
    (['paperless', 'billing'], ['usage', 'login', 'frequency'], ['senior', 'citizen'])
    """
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [word for word in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if word]


def snake(name: str) -> str:
    """Return a column name as a methodology key.

    >>> snake("PaymentMethod"), snake("Monthly Charges ($)"), snake("tenure")
    ('payment_method', 'monthly_charges', 'tenure')
    """
    return "_".join(_tokens(name)) or "column"


def group_of(parts, start_labels):
    """Return (group key, label) for a column: its section when it has one, else by what its name says."""
    if len(parts) > 1:
        section = parts[0]
        return snake(section), start_labels.get(section, section.replace("_", " ").capitalize())
    words = set(_tokens(parts[0]))
    for key, label, theme in THEMES:
        if words & theme:
            return key, label
    return PROFILE


def _is_boolean(present, from_text):
    if all(value is True or value is False for value in present):
        return True
    return from_text and all(isinstance(value, str) and value.strip().lower() in values.TRUE_WORDS | values.FALSE_WORDS
                             for value in present)


def _quantile_edges(numbers, bands):
    """Return band edges at quantiles of `numbers` (each band up to and including its edge).

    >>> _quantile_edges([1, 2, 3, 4, 5, 6, 7, 8], 4)
    [2, 4, 6]
    >>> _quantile_edges([0, 0, 0, 1, 1, 5], 10)
    [0, 1]
    """
    ordered = sorted(numbers)
    distinct = sorted(set(ordered))
    if len(distinct) <= bands:
        return distinct[:-1]
    edges = []
    for step in range(1, bands):
        edge = ordered[(len(ordered) * step) // bands - 1]
        if edge != distinct[-1] and (not edges or edge > edges[-1]):
            edges.append(edge)
    return edges


def _band_count(outcomes):
    churned = sum(1 for outcome in outcomes if outcome)
    fewer = min(churned, len(outcomes) - churned)
    return max(2, min(MAX_BANDS, fewer // EVENTS_PER_BAND))


def _scalar_paths(records):
    """Return the paths the records carry (top-level keys and one level into sections), first seen first.

    Each path maps to True when its value is a list or an object (not a candidate).
    """
    seen = {}
    for raw in records:
        for key, value in raw.items():
            if key in ACCOUNT_FIELDS:
                continue
            if type(value) is dict:
                for inner, inner_value in value.items():
                    seen.setdefault((key, inner), type(inner_value) is dict or type(inner_value) is list)
            else:
                seen.setdefault((key,), type(value) is list)
    return seen


def _nested_skips(paths):
    """Return one Skipped per section (or key) whose values are lists or objects, its fields counted."""
    sections = {}
    for parts, nested in paths.items():
        if nested:
            sections.setdefault(parts[0], []).append(".".join(parts))
    skipped = []
    for section, columns in sections.items():
        if len(columns) == 1:
            skipped.append(Skipped(columns[0], "a list or nested object, not one value per account", NESTED))
        else:
            skipped.append(Skipped(f"{section}.*", f"{len(columns)} fields ({', '.join(c.split('.', 1)[1] for c in columns[:3])}"
                                                   f"{' ...' if len(columns) > 3 else ''}) hold lists or nested "
                                                   "objects, not one value per account", NESTED))
    return skipped


def _value_at(raw, parts):
    value = raw.get(parts[0])
    if len(parts) > 1:
        value = value.get(parts[1]) if type(value) is dict else None
    return value


def find_candidates(records: List[Dict[str, Any]], from_text: bool, outcomes: List[bool],
                    start_labels: Dict[str, str],
                    facts: FrozenSet[str] = frozenset()) -> Tuple[List[Candidate], List[Skipped]]:
    """Return (candidates, skipped) for the records (raw dicts) and their outcomes (bools), in column order.

    `facts`: the columns the starting model marks `influenceable: false`; their candidates inherit the mark.
    """
    bands = _band_count(outcomes)
    candidates = []
    paths = _scalar_paths(records)
    skipped = _nested_skips(paths)
    count = len(records)
    for parts, nested in paths.items():
        column = ".".join(parts)
        if nested:
            continue
        if any("." in part or not part.strip() for part in parts):
            skipped.append(Skipped(column, "a key with a dot in its name (or no name) cannot be named by a field"))
            continue
        column_values = [_value_at(raw, parts) for raw in records]
        present = [value for value in column_values if value is not None]
        if any(type(value) is dict or type(value) is list for value in present):
            skipped.append(Skipped(column, "a list or nested object, not one value per account", NESTED))
            continue
        if len(present) < max(2, MIN_PRESENT_SHARE * count):
            skipped.append(Skipped(column, f"a value for only {len(present):,} of {count:,} accounts"))
            continue
        group, group_label = group_of(parts, start_labels)
        candidate = None
        if _is_boolean(present, from_text):
            flags = {values.boolean(value, column, [], from_text) for value in set(present)}
            if len(flags) == 2:
                candidate = Candidate(parts, "boolean", [False, True], len(present), group, group_label)
        else:
            by_account = each_cell(column_values, lambda value: cell_number(value, from_text))
            numbers = [number for value, number in zip(column_values, by_account) if value is not None]
            unreadable = [value for value, number in zip(present, numbers) if number is None]
            named = len(parts) > 1 and parts[0] in start_labels  # a metric of the model: never dropped as text
            if named and unreadable and len(unreadable) < len(present):
                numbers = [number for number in numbers if number is not None]
            if not unreadable or (named and numbers and len(numbers) < len(present)):
                edges = _quantile_edges(numbers, bands)
                if edges:
                    candidate = Candidate(parts, "banded", edges, len(numbers), group, group_label,
                                          valid_min=0 if min(numbers) >= 0 else -values.LARGEST)
                    candidate.unreadable = unreadable
            elif len(unreadable) < len(present):
                if all(isinstance(value, str) for value in present) and \
                        len({values.key_of(value) for value in unreadable}) > MAX_LABELS:
                    skipped.append(Skipped(column, "high-cardinality text"))
                else:
                    skipped.append(Skipped(column, f"{len(unreadable):,} values are not numbers, e.g. "
                                                   f"{values.shown(unreadable[0], 30)}, among numbers"))
                continue
            else:
                candidate = _label_candidate(parts, present, group, group_label, skipped)
                if candidate is False:
                    continue
        if candidate is None:
            skipped.append(Skipped(column, f"one value only ({values.shown(present[0], 30)})"))
            continue
        candidate.account_levels = each_cell(column_values, lambda value: candidate.level(value, from_text))
        solo = _solo_auc(candidate, outcomes)
        if solo is not None and solo > OUTCOME_LIKE_AUC:
            skipped.append(Skipped(column, f"looks like the outcome itself (AUC {solo:.3f} on its own)"))
            continue
        if column in facts:
            candidate.influenceable = False
        candidates.append(candidate)
    return candidates, skipped


def _label_candidate(parts, present, group, group_label, skipped):
    """Return the mapping Candidate of a text column; None for one label; False (skipped, listed) otherwise."""
    column = ".".join(parts)
    if not all(isinstance(value, str) for value in present):
        skipped.append(Skipped(column, "mixed text and other values"))
        return False
    spellings = {}  # key -> {spelling: count}
    for value in present:
        key = values.key_of(value)
        counts = spellings.setdefault(key, {})
        counts[value.strip()] = counts.get(value.strip(), 0) + 1
    if len(spellings) > MAX_LABELS:
        skipped.append(Skipped(column, f"high-cardinality text ({len(spellings):,} distinct values: an id, "
                                       "a name, an email or free text)"))
        return False
    if "" in spellings:
        skipped.append(Skipped(column, "some values have no letter or digit"))
        return False
    if len(spellings) < 2:
        return None
    keys = sorted(spellings)
    labels = [max(sorted(spellings[key]), key=lambda spelling: spellings[key][spelling]) for key in keys]
    return Candidate(parts, "mapping", labels, len(present), group, group_label,
                     labels={key: index for index, key in enumerate(keys)})


def each_cell(column_values: List[Any], read: Callable[[Any], Any]) -> List[Any]:
    """Return read(value) for each account's cell (None: None), reading each distinct cell once.

    An export repeats its cells (labels, flags, whole numbers), and reading them is most of
    the candidates' cost. A cell is told apart by its type too (True is not 1).

    >>> each_cell(["7", None, "7", True, 1], lambda value: repr(value))
    ["'7'", None, "'7'", 'True', '1']
    """
    cells = list(zip(map(type, column_values), column_values))
    read_of = {cell: read(cell[1]) for cell in set(cells) if cell[1] is not None}
    return [read_of.get(cell) for cell in cells]


def _solo_auc(candidate, outcomes):
    """Return how well a column alone ranks churn: the AUC of its levels' churn rates (missing a level too),
    worked out from the counts of each level (its accounts share one score)."""
    tally = {}
    for level, outcome in zip(candidate.account_levels, outcomes):
        counts = tally.setdefault(level, [0, 0])
        counts[1 if outcome else 0] += 1
    by_rate = {}
    for retained, churned in tally.values():
        counts = by_rate.setdefault(churned / (retained + churned), [0, 0])
        counts[0] += retained
        counts[1] += churned
    return fitting.counted_auc([count for rate in sorted(by_rate) for count in by_rate[rate]])


def place(candidates: List[Candidate]) -> int:
    """Give each candidate its first indicator column (`offset`), in order; return the number of columns."""
    offset = 0
    for candidate in candidates:
        candidate.offset = offset
        offset += candidate.size
    return offset


def build_design(candidates: List[Candidate], outcomes: List[bool]) -> fitting.Design:
    """Return the fitting.Design of the records the candidates were found in (their `account_levels`): one
    indicator column per level of each candidate."""
    offset = place(candidates)
    rows = [[] for _ in outcomes]
    for candidate in candidates:
        first = candidate.offset
        for row, level in zip(rows, candidate.account_levels):
            if level is not None:
                row.append(first + level)
    return fitting.Design(rows, outcomes, offset)
