"""How a metric of the health or churn model reads its value from a record, and the `banded` kind.

A metric reads `<section>.<metric>` of the record, or its `field` when the methodology
names one (a top-level key, or dotted for nested: `billing.monthly_charges`), so a
fitted scorecard scores the export it was fitted on. `section_values` gathers the
values of one dimension or signal; `checked` turns one raw value into the value the
metric scores (a number in its valid range, true or false, or one of its labels),
or None with one problem naming the field.

Banded (references/methodology.md section 4): a numeric value scored by the band it
falls in, `{"scoring": "banded", "bands": [[upper_edge, score], ..., [null, score]]}`.
Edges ascend; each band runs up to and including its edge; the last is open-ended.
"""

import bisect
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from csm import values
from csm.figures import number_words

# The kinds of value a metric reads.
NUMBER, FLAG, LABEL = "number", "flag", "label"


class Bands:
    """A checked bands list, compiled: `score(value)` and `words(value)`."""

    __slots__ = ("edges", "scores")

    def __init__(self, bands: list) -> None:
        self.edges = [edge for edge, _ in bands[:-1]]
        self.scores = [float(score) for _, score in bands]

    def score(self, value: float) -> float:
        """Return the score of the band `value` falls in (up to and including its edge).

        >>> bands = Bands([[6, 80], [24, 50], [None, 10]])
        >>> bands.score(6), bands.score(6.5), bands.score(24), bands.score(25)
        (80.0, 50.0, 50.0, 10.0)
        """
        return self.scores[bisect.bisect_left(self.edges, value)]

    def words(self, value: float, unit: str = "") -> str:
        """Return the band of `value` in words.

        >>> Bands([[6, 80], [24, 50], [None, 10]]).words(12, " months")
        'band above 6 months up to 24 months'
        """
        position = bisect.bisect_left(self.edges, value)
        low = self.edges[position - 1] if position else None
        high = self.edges[position] if position < len(self.edges) else None
        if low is None:
            return f"band up to {number_words(high)}{unit}" if high is not None else "single band"
        if high is None:
            return f"band above {number_words(low)}{unit}"
        return f"band above {number_words(low)}{unit} up to {number_words(high)}{unit}"


class Reading:
    """How one metric reads and checks its value: where it is, and what it accepts.

    `path` names the field in messages; `kind` is NUMBER (within `low`-`high`, high
    None: no upper bound), FLAG (true or false) or LABEL (one of `accepted`, read
    through `table`: the comparison key of each spelling -> its label).
    """

    __slots__ = ("name", "path", "field", "kind", "low", "high", "table", "accepted", "bool_labels")

    def __init__(self, section: str, name: str, spec: dict, kind: str, valid: Optional[dict] = None,
                 aliases: Optional[Dict[str, str]] = None) -> None:
        self.name = name
        field = spec.get("field")
        self.field = tuple(part.strip() for part in field.split(".")) if field is not None else None
        self.path = ".".join(self.field) if field is not None else f"{section}.{name}"
        self.kind = kind
        self.low = self.high = None
        if valid is not None:
            self.low, self.high = valid["min"], valid["max"]
        self.table = self.accepted = None
        self.bool_labels = {}
        if kind == LABEL:
            labels = list(spec["values"])
            self.accepted = labels
            self.table = {values.key_of(label): label for label in labels}
            for alias, label in (aliases or {}).items():
                if label in labels:
                    self.table.setdefault(alias, label)
            self.bool_labels = boolean_labels(labels, self.table)


def checked(value: Any, reading: Reading, problems: list, from_text: bool) -> Union[float, bool, str, None]:
    """Return the value a metric scores, or None after appending one problem.

    >>> reading = Reading("usage", "login_frequency", {}, NUMBER, {"min": 0, "max": 100})
    >>> problems = []
    >>> checked(72, reading, problems, False), checked("88%", reading, problems, True), problems
    (72, 88, [])
    """
    if reading.kind == NUMBER:
        return values.number(value, reading.path, problems, reading.low, reading.high, from_text)
    if reading.kind == FLAG:
        return values.boolean(value, reading.path, problems, from_text)
    if type(value) is bool:  # a yes/no mapping (a fitted boolean column) reads true and false as its labels
        label = reading.bool_labels.get(value)
        if label is not None:
            return label
    return values.enum(value, reading.path, problems, reading.table, reading.accepted)


def boolean_labels(labels: Sequence[str], table: Dict[str, str]) -> Dict[bool, str]:
    """Return {True: yes label, False: no label} of a mapping whose labels are yes and no (or true and false).

    Such a mapping (a fitted boolean column) also reads the other boolean words of a
    CSV cell (1/0, y/n, t/f): they are added to `table` (key_of(word) -> label).
    Any other mapping: {} and `table` unchanged.

    >>> table = {"yes": "Yes", "no": "No"}
    >>> boolean_labels(["Yes", "No"], table), table["1"]
    ({True: 'Yes', False: 'No'}, 'Yes')
    """
    by_key = {values.key_of(label): label for label in labels}
    if set(by_key) == {"yes", "no"}:
        yes, no = by_key["yes"], by_key["no"]
    elif set(by_key) == {"true", "false"}:
        yes, no = by_key["true"], by_key["false"]
    else:
        return {}
    for word in values.TRUE_WORDS:
        table.setdefault(word, yes)
    for word in values.FALSE_WORDS:
        table.setdefault(word, no)
    return {True: yes, False: no}


def read_field(record: dict, parts: Tuple[str, ...]):
    """Return the value at `parts` in the record, or None when any step is missing or not an object.

    >>> read_field({"tenure": "12", "billing": {"fee": 5}}, ("billing", "fee"))
    5
    >>> read_field({"billing": "n/a"}, ("billing", "fee")) is None
    True
    """
    value = record
    for part in parts:
        if not isinstance(value, dict):  # a record read through a map is a dict subclass (ingest.MappedRecord)
            return None
        value = value.get(part)
        if value is None:
            return None
    return value


def section_values(record: dict, name: str, readings: Sequence[Reading], fielded: bool,
                   problems: list) -> Optional[dict]:
    """Return {metric name: value} of one dimension or signal of a record.

    Without fielded metrics that is the record's `name` object itself ({} when absent);
    with them, each metric's own field beside the others' `<name>.<metric>`. None
    (and a problem) when the section is there but is not an object.
    """
    if not fielded:
        return values.section(record, name, problems)
    section = None
    gathered = {}
    for reading in readings:
        if reading.field is not None:
            value = read_field(record, reading.field)
        else:
            if section is None:
                section = values.section(record, name, problems)
                if section is None:
                    return None
            value = section.get(reading.name)
        if value is not None:
            gathered[reading.name] = value
    return gathered


def paths_read(methodology: dict) -> List[str]:
    """Return the record paths the health and churn metrics of a methodology read, in model order.

    A metric reads its `field` when it names one, else `<section>.<metric>`; the
    reading of a file can take these as read.

    >>> table = {"health": {"dimensions": {"t": {"metrics": {"tenure": {"field": "tenure"}}}}},
    ...          "churn": {"signals": {"usage_decline": {"metrics": {"login_trend": {}}}}}}
    >>> paths_read(table)
    ['tenure', 'usage_decline.login_trend']
    """
    paths = []
    for analysis, key in (("health", "dimensions"), ("churn", "signals")):
        for name, section in methodology[analysis][key].items():
            for metric_name, metric in section["metrics"].items():
                path = metric.get("field") or f"{name}.{metric_name}"
                if path not in paths:
                    paths.append(path)
    return paths
