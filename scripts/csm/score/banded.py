"""The `banded` scoring kind and the metric `field` key, shared by the health and churn analyses.

Banded (METHODOLOGY.md section 4): a numeric value scored by the band it falls in,
`{"scoring": "banded", "bands": [[upper_edge, score], ..., [null, score]]}`. Edges
ascend; each band runs up to and including its edge; the last band is open-ended
(edge null). A fitted scorecard (scripts/fit_scorecard.py) writes its numeric
columns this way; a hand-written config may use it too.

Field: a metric normally reads `<section>.<metric>` of the record; `"field":
"tenure"` (a top-level key) or `"field": "billing.monthly_charges"` (dotted) names
the place it reads instead, so a fitted file scores the export it was fitted on.
"""

import bisect

from csm import values
from csm.config.checks import check_number


def check_bands(bands, where, high=100):
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


class Bands:
    """A checked bands list, compiled: `score(value)` and `words(value)`."""

    __slots__ = ("edges", "scores")

    def __init__(self, bands):
        self.edges = [edge for edge, _ in bands[:-1]]
        self.scores = [float(score) for _, score in bands]

    def score(self, value, _figure=None):
        """Return the score of the band `value` falls in (up to and including its edge).

        >>> bands = Bands([[6, 80], [24, 50], [None, 10]])
        >>> bands.score(6), bands.score(6.5), bands.score(24), bands.score(25)
        (80.0, 50.0, 50.0, 10.0)
        """
        return self.scores[bisect.bisect_left(self.edges, value)]

    def words(self, value, unit=""):
        """Return the band of `value` in words.

        >>> Bands([[6, 80], [24, 50], [None, 10]]).words(12, " months")
        'band above 6 months up to 24 months'
        """
        position = bisect.bisect_left(self.edges, value)
        low = self.edges[position - 1] if position else None
        high = self.edges[position] if position < len(self.edges) else None
        if low is None:
            return f"band up to {_figure(high)}{unit}" if high is not None else "single band"
        if high is None:
            return f"band above {_figure(low)}{unit}"
        return f"band above {_figure(low)}{unit} up to {_figure(high)}{unit}"


def _figure(number):
    if isinstance(number, float):
        text = f"{number:,.3f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return f"{number:,}"


def check_field(field, where):
    """Return the problems of a metric's `field` key (a key of the record, dotted for nested).

    >>> check_field("tenure", "m"), check_field("billing..fee", "m")
    ([], ['m.field must name a key of the record (dotted for nested: billing.monthly_charges), got "billing..fee"'])
    """
    if isinstance(field, str) and field.strip() and all(part.strip() for part in field.split(".")):
        return []
    return [f"{where}.field must name a key of the record (dotted for nested: billing.monthly_charges), "
            f"got {values.shown(field)}"]


def field_parts(field):
    """Return the keys a `field` walks, e.g. ("billing", "monthly_charges")."""
    return tuple(part.strip() for part in field.split("."))


def read_field(raw, parts):
    """Return the value at `parts` in the record, or None when any step is missing or not an object.

    >>> read_field({"tenure": "12", "billing": {"fee": 5}}, ("billing", "fee"))
    5
    >>> read_field({"billing": "n/a"}, ("billing", "fee")) is None
    True
    """
    value = raw
    for part in parts:
        if not isinstance(value, dict):  # a record read through a map is a dict subclass (ingest.MappedRecord)
            return None
        value = value.get(part)
        if value is None:
            return None
    return value


def mapping_label(value, metric, problems):
    """Return the label of a mapping metric's value not spelled exactly as configured, or None with a problem.

    A true or false of a boolean mapping (boolean_labels) is its yes or no label;
    anything else is read by values.enum (case, spaces, the table's other words).
    The scoring loops look the exact spelling up first and call this for the rest.
    """
    if type(value) is bool:
        label = metric.bool_labels.get(value)
        if label is not None:
            return label
    return values.enum(value, metric.path, problems, metric.table, metric.accepted)


def boolean_labels(labels, table):
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


# The key a section holding fielded metrics is looked up by in a record: never present,
# so the scoring loop's "not a section" branch (where gather_section runs) is taken
# without a test of its own on the path of a model without fields.
FIELDED = object()


def gather_section(raw, name, metrics, problems):
    """Return {metric name: value} of a section some of whose metrics read a `field`.

    The metrics without a field read `<name>.<metric>` as usual; None (and a problem)
    when their section is there but is not an object.
    """
    section = None
    gathered = {}
    for metric in metrics:
        if metric.field is not None:
            value = read_field(raw, metric.field)
        else:
            if section is None:
                section = values.section(raw, name, problems)
                if section is None:
                    return None
            value = section.get(metric.name)
        if value is not None:
            gathered[metric.name] = value
    return gathered


def paths_read(methodology):
    """Return the record paths the health and churn metrics of a methodology read, in model order.

    A metric reads its `field` when it names one, else `<section>.<metric>`; the
    loading layer's "column is not read" warnings can take these as read.

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
