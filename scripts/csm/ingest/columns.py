"""Reading the export a team already has: column maps, header matching, kept columns, unread columns.

references/interface.md, "Reading the export a team already has". This module owns:

- the schema paths a methodology reads (`Schema`): the account fields, every metric
  of every health dimension and churn signal (a metric's own `"field"` where it names
  one), the previous period, the expansion fields; "read" means read by ANY analysis of
  the effective methodology, so one file serves every tool;
- the `--map FILE` (`load_map`): `fields` (schema path -> source column, or an object
  with `column`, `scale`, `date_format`) and `keep` (source columns carried into each
  account's output as `fields_kept`), checked against the schema;
- header matching without a map (`resolve`): a schema path as written; else ignoring
  case, spaces and punctuation; the CRM names of the account fields (`CRM_NAMES`; MRR
  is read as ARR x 12 and each account's notes say so); a bare metric name that only
  one section has. A column nothing reads stays in the record under its own name (a
  fitted metric may read it) and gets one warning line, with the closest schema path;
- the per-record step a map needs (scale, date_format, keep), applied only when there
  is one to apply: a book already in schema names costs nothing more per record;
- the closing warnings: a metric of the running tool that no record carries.

`loading.open_portfolio(path, map=..., sheet=..., methodology=..., sections=...)` is
the one entry point; it calls `plan_columns` for CSV and XLSX headers and
`csm.ingest.json_map.json_records` for JSON and JSON Lines records.
"""

import datetime
import decimal
import difflib
import json
import math
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from csm import values
from csm.errors import InputError
from csm.ingest import headers
from csm.sidefile import load_json

WARNING_LINES = 20  # unread-column lines per file; the rest are counted in one last line
SUGGEST_CUTOFF = 0.75
MAP_KEYS = ("fields", "keep", "number_format")
FIELD_KEYS = ("column", "scale", "date_format", "number_format")
DATE_PATHS = ("contract_end_date", "contract_start_date")

# CRM names of the account fields (compared by values.key_of: case, spaces and punctuation
# do not matter) -> (schema path, scale). MRR is monthly: x 12 is the ARR.
CRM_NAMES = {
    "accountid": ("customer_id", None), "recordid": ("customer_id", None), "id": ("customer_id", None),
    "customerid": ("customer_id", None), "companyid": ("customer_id", None),
    "accountname": ("name", None), "companyname": ("name", None), "customername": ("name", None),
    "company": ("name", None), "account": ("name", None),
    "arr": ("arr", None), "annualrecurringrevenue": ("arr", None),
    "mrr": ("arr", 12), "monthlyrecurringrevenue": ("arr", 12),
    "accountowner": ("owner", None), "csm": ("owner", None), "owner": ("owner", None),
    "customersuccessmanager": ("owner", None), "companyowner": ("owner", None),
    "renewaldate": ("contract_end_date", None), "contractenddate": ("contract_end_date", None),
    "contractenddateutc": ("contract_end_date", None),
    "segment": ("segment", None), "accountsegment": ("segment", None), "customersegment": ("segment", None),
    "contractstartdate": ("contract_start_date", None), "startdate": ("contract_start_date", None),
}
# The fields of the schema a shipped preset reads and the default does not: the five-dimension
# model's business outcomes (references/input-schema.md). A book carrying them (the shipped sample
# does) is read without a warning under any methodology; one that reads them checks them.
PRESET_PATHS = ("business_outcomes.roi_achieved_pct", "business_outcomes.goals_met_pct",
                "business_outcomes.kpi_improvement_pct", "previous_period.business_outcomes_score")
ACCOUNT_PATHS = ("customer_id", "name", "segment", "arr", "owner", "contract_start_date")
EXPANSION_PATHS = ("contract.licensed_seats", "contract.active_seats", "contract.plan_tier",
                   "contract.available_tiers", "departments.current", "departments.potential")
MODULE_FIELDS = ("adopted", "usage_pct")


class Field:
    """One field a run reads: schema `path` <- source `column`, with an optional scale or date format.

    `how` says how the column was matched: map, schema, normalised, crm or metric.
    """

    __slots__ = ("path", "column", "scale", "date_format", "how", "number_format", "format_shown")

    def __init__(self, path, column, scale=None, date_format=None, how="map", number_format=None):
        self.path = path
        self.column = column
        self.scale = scale
        self.date_format = date_format
        self.how = how
        self.number_format = number_format  # values.NUMBER_FORMATS: how the export writes this column's numbers
        self.format_shown = False  # True: number_format is what the column's values show (csm.ingest.numbers)

    def as_map_entry(self) -> Union[str, Dict[str, Any]]:
        """The map's entry for this field: the column, or the object form when it scales or parses."""
        if self.scale is None and self.date_format is None and self.number_format is None:
            return self.column
        entry = {"column": self.column}
        if self.scale is not None:
            entry["scale"] = self.scale
        if self.date_format is not None:
            entry["date_format"] = self.date_format
        if self.number_format is not None:
            entry["number_format"] = self.number_format
        return entry


class FieldMap:
    """A checked --map file: its `fields` (a list of Field), its `keep` columns and the source's `number_format`
    (None when the map states none; a field's own wins)."""

    def __init__(self, source, fields, keep, number_format=None):
        self.source = source
        self.fields = fields
        self.keep = keep
        self.number_format = number_format


class MappedRecord(dict):
    """A customer record read through a map: `notes` on how it was read, `kept` columns (or None).

    The analyses read it as the dict it is; `accounts.read_account` adds its notes to
    the account's, and the command layer adds `kept` to the result as `fields_kept`.
    """

    __slots__ = ("notes", "kept")


class Schema:
    """The schema paths the effective methodology reads, and how a column name is matched to one."""

    def __init__(self, methodology):
        self.paths = []  # in reading order: the account, health, churn, expansion
        self.kinds = {}  # path -> number | date | text | label | bool | list
        self.by_section = {"health": [], "churn": [], "expansion": []}
        for path in ACCOUNT_PATHS:
            self._add(path, "date" if path in DATE_PATHS else "number" if path == "arr" else "text")
        health = methodology.get("health", {})
        for dimension, spec in health.get("dimensions", {}).items():
            for metric, metric_spec in spec.get("metrics", {}).items():
                kind = "label" if metric_spec.get("scoring") == "mapping" else "number"
                self._add(metric_path(dimension, metric, metric_spec), kind, "health")
        for dimension in list(health.get("dimensions", {})) + ["overall"]:
            self._add(f"previous_period.{dimension}_score", "number")
        self._add("contract_end_date", "date", "churn")
        for signal, spec in methodology.get("churn", {}).get("signals", {}).items():
            for metric, metric_spec in spec.get("metrics", {}).items():
                scoring = metric_spec.get("scoring")
                kind = "label" if scoring == "mapping" else "bool" if scoring == "flag" else "number"
                self._add(metric_path(signal, metric, metric_spec), kind, "churn")
        for path in EXPANSION_PATHS:
            kind = "list" if path.endswith(("tiers", "current", "potential")) else \
                "label" if path.endswith("plan_tier") else "number"
            self._add(path, kind, "expansion")
        self.by_section["expansion"].append("product_usage")
        self.modules = list(methodology.get("expansion", {}).get("module_cross_sell", {}).get("fractions", {}))
        for module in self.modules:
            self.kinds[f"product_usage.{module}.adopted"] = "bool"
            self.kinds[f"product_usage.{module}.usage_pct"] = "number"
        self.read = set(self.kinds)
        self.top = frozenset(path.split(".")[0] for path in self.kinds) | {"product_usage"} | \
            {path.split(".")[0] for path in PRESET_PATHS}
        self.preset = frozenset(PRESET_PATHS) - set(self.kinds)  # columns another preset reads: no warning
        self._index = self._matching_index()
        self._words = None  # the matching by a header's words, made when a name needs it

    def _add(self, path, kind, section=None):
        if path not in self.kinds:
            self.paths.append(path)
            self.kinds[path] = kind
        if section is not None and path not in self.by_section[section]:
            self.by_section[section].append(path)

    def _matching_index(self):
        """key_of(name) -> (path, scale, how): full paths first, then CRM names, then unique bare metric names."""
        index = {}
        for path in self.paths:
            index.setdefault(values.key_of(path), (path, None, "normalised"))
        for key, (path, scale) in CRM_NAMES.items():
            if path in self.kinds:
                index.setdefault(key, (path, scale, "crm"))
        bare = {}
        for path in self.paths:
            if "." in path:
                bare.setdefault(values.key_of(path.rsplit(".", 1)[1]), []).append(path)
        for key, paths in bare.items():
            if len(paths) == 1:
                index.setdefault(key, (paths[0], None, "metric"))
        return index

    def _words_index(self) -> Dict[tuple, tuple]:
        """words_key -> (path, None, "person") for the keys that name one read path only (csm.ingest.headers)."""
        named = {}
        for path in self.paths:
            if "." in path:
                for key in headers.metric_keys(path):
                    named.setdefault(key, set()).add(path)
        return {key: (paths.pop(), None, "person") for key, paths in named.items() if len(paths) == 1}

    def is_read(self, path: str) -> bool:
        """True when some analysis reads the dotted path (a product_usage module field counts for any module)."""
        if path in self.read:
            return True
        parts = path.split(".")
        return len(parts) == 3 and parts[0] == "product_usage" and parts[2] in MODULE_FIELDS and bool(parts[1])

    def match(self, name: str) -> Optional[Tuple[str, Optional[float], str]]:
        """Return (path, scale, how) a column or key name stands for, or None."""
        stripped = ".".join(part.strip() for part in name.strip().split("."))
        if self.is_read(stripped):
            return stripped, None, "schema"
        found = self._index.get(values.key_of(name))
        if found is None:
            if self._words is None:
                self._words = self._words_index()
            found = self._words.get(headers.words_key(name))
        return found

    def closest(self, name: str) -> Optional[str]:
        """Return the schema path closest to an unread name (difflib), or None."""
        wanted = name.strip().lower().replace(" ", "_")
        candidates = {}
        for path in self.paths:
            candidates.setdefault(path, path)
            candidates.setdefault(path.rsplit(".", 1)[-1], path)
        found = difflib.get_close_matches(wanted, list(candidates), n=1, cutoff=SUGGEST_CUTOFF)
        return candidates[found[0]] if found else None

    def metrics_of(self, sections: Optional[Iterable[str]]) -> List[str]:
        """The metric paths the named analyses read (None: every analysis), for the closing warnings."""
        names = list(self.by_section) if sections is None else [name for name in sections if name in self.by_section]
        paths = []
        for name in names:
            paths.extend(path for path in self.by_section[name] if path not in paths)
        return paths


def metric_path(section: str, metric: str, spec: object) -> str:
    """The schema path a metric is read from: its own `"field"` where it names one, else section.metric."""
    field = spec.get("field") if isinstance(spec, dict) else None
    return field if isinstance(field, str) and field else f"{section}.{metric}"


def load_map(path: str, schema: Schema) -> FieldMap:
    """Read and check a --map file; return a FieldMap or raise InputError naming every problem."""
    where = f"map {path}"
    return check_map(load_json(path, where, InputError), schema, where)


def _source_number_format(document, problems):
    """The map's top-level number_format (None when it states none); a problem when it is not one of them."""
    source_format = document.get("number_format")
    if source_format is not None and source_format not in values.NUMBER_FORMATS:
        problems.append(f"number_format is one of {', '.join(values.NUMBER_FORMATS)} (how the export writes "
                        f"1234.5, for every numeric column); got {values.shown(source_format)}")
    return source_format


def check_map(document, schema, where="the map"):
    """Check a map object (see load_map); return a FieldMap or raise InputError with one line per problem.

    >>> schema = Schema({"health": {"dimensions": {"usage": {"metrics": {"login_frequency": {}}}}}})
    >>> check_map({"fields": {"arr": {"column": "MRR", "scale": 12}}, "keep": ["Region"]}, schema).keep
    ['Region']
    >>> check_map({"fields": {"usage.login_frequncy": "Logins"}}, schema)
    Traceback (most recent call last):
    ...
    csm.errors.InputError: the map: fields.usage.login_frequncy is not a field any analysis reads; did you mean usage.login_frequency?
    """
    if not isinstance(document, dict):
        raise InputError(f'{where} must be a JSON object like {{"fields": {{"customer_id": "Record ID"}}, "keep": []}}')
    problems = [f"unknown key {values.printable(str(key), 40)} (known here: {', '.join(MAP_KEYS)})"
                for key in document if key not in MAP_KEYS]
    source_format = _source_number_format(document, problems)
    fields = []
    given = document.get("fields", {})
    if not isinstance(given, dict):
        problems.append("fields must be an object: schema path -> source column")
        given = {}
    for path, entry in given.items():
        shown_path = values.printable(path, 80)
        if not schema.is_read(path):
            near = schema.closest(path)
            problems.append(f"fields.{shown_path} is not a field any analysis reads"
                            + (f"; did you mean {near}?" if near else " (see references/input-schema.md or --print-config)"))
            continue
        if isinstance(entry, str):
            entry = {"column": entry}
        if not isinstance(entry, dict):
            problems.append(f"fields.{shown_path} must be a column name or an object with column, scale, date_format")
            continue
        if entry.get("guess") is True:
            problems.append(f"fields.{shown_path} is a guess of --print-map: check that the column holds it, "
                            'then remove "guess": true (or remove the entry)')
            continue
        unknown = [key for key in entry if key not in FIELD_KEYS]
        if unknown:
            problems.append(f"fields.{shown_path}: unknown key {values.printable(str(unknown[0]), 40)} "
                            f"(known here: {', '.join(FIELD_KEYS)})")
            continue
        column = entry.get("column")
        if not isinstance(column, str) or not column.strip():
            problems.append(f"fields.{shown_path}.column must be the name of a column")
            continue
        scale = entry.get("scale")
        kind = schema.kinds.get(path, "number")
        if scale is not None:
            if type(scale) not in (int, float) or not math.isfinite(scale) or scale <= 0:
                problems.append(f"fields.{shown_path}.scale must be a number above 0, got {values.shown(scale)}")
                continue
            if kind != "number":
                problems.append(f"fields.{shown_path}.scale applies to numbers; {shown_path} is not one")
                continue
        date_format = entry.get("date_format")
        if date_format is not None:
            if kind != "date":
                problems.append(f"fields.{shown_path}.date_format applies to dates ({', '.join(DATE_PATHS)})")
                continue
            if not _usable_date_format(date_format):
                problems.append(f"fields.{shown_path}.date_format must be a strptime pattern with %d, %m (or %b) "
                                f"and %Y (or %y), e.g. %m/%d/%Y; got {values.shown(date_format)}")
                continue
        number_format = entry.get("number_format")
        if number_format is not None and (kind != "number" or number_format not in values.NUMBER_FORMATS):
            problems.append(f"fields.{shown_path}.number_format applies to numbers and is one of "
                            f"{', '.join(values.NUMBER_FORMATS)} (how the export writes 1234.5); got "
                            f"{values.shown(number_format)}")
            continue
        fields.append(Field(path, column.strip(), scale, date_format, "map", number_format))
    keep = document.get("keep", [])
    if not isinstance(keep, list) or not all(isinstance(item, str) and item.strip() for item in keep):
        problems.append("keep must be a list of column names")
        keep = []
    keep = list(dict.fromkeys(item.strip() for item in keep))
    if problems:
        raise InputError("\n".join(f"{where}: {problem}" for problem in problems))
    return FieldMap(where, fields, keep, source_format)


def _usable_date_format(pattern):
    """True when a strptime pattern reads back the date it writes (a day, a month and a year)."""
    if not isinstance(pattern, str) or "%" not in pattern or len(pattern) > 40:
        return False
    probe = datetime.date(2026, 11, 23)
    try:
        return datetime.datetime.strptime(probe.strftime(pattern), pattern).date() == probe
    except ValueError:
        return False


class Plan:
    """How the columns of one CSV or XLSX header are read.

    `paths`: per column, the path its cells go to (a read path, or the column's own
    name when nothing reads it). `convert`: [(path parts, Field)] that need a scale or a
    date format; `keep`: [(column index, column name)]; `notes`: what each account's
    notes say about how it was read. `warnings`: lines for the file, bounded.
    """

    def __init__(self):
        self.paths = []
        self.convert = []
        self.keep = []
        self.notes = ()
        self.fields = []  # the Fields matched, in column order (what --print-map prints)
        self.unread = []  # column names nothing reads
        self.warnings = []
        self.read_as = []  # a `note:` line per column matched by its words (csm.ingest.headers)
        self.guesses = {}  # path -> {"column", "guess": True}: what --print-map proposes for unread columns
        self.numbers = []  # (column index, Field) of the numeric columns no number_format was stated for

    def number_format_of(self, field: "Field", number_format: str) -> None:
        """Read the column of `field` (one of `numbers`) in `number_format`, as its values show it."""
        shown_as = Field(field.path, field.column, field.scale, field.date_format, field.how, number_format)
        shown_as.format_shown = True
        self.fields = [shown_as if known is field else known for known in self.fields]
        self.convert = [entry for entry in self.convert if entry[1] is not field]
        self.convert.append((tuple(field.path.split(".")), shown_as))

    def needs_record_step(self):
        return bool(self.convert or self.keep or self.notes)

    def finish_row(self, record, row):
        """Apply the map's scales, date formats and kept columns to one unflattened row."""
        mapped = MappedRecord(record)
        for parts, field in self.convert:
            convert_at(mapped, parts, field, True)
        mapped.notes = self.notes
        if self.keep:
            width = len(row)
            mapped.kept = {name: (row[column] if column < width and row[column] != "" else None)
                           for column, name in self.keep}
        else:
            mapped.kept = None
        return mapped


def plan_columns(header: List[str], schema: Schema, field_map: Optional[FieldMap], name: str) -> Plan:
    """Match a header row to the schema (map first, then the rules of the module docstring); return a Plan.

    Raises InputError when the map names a column the header does not have.
    """
    plan = Plan()
    stripped = [cell.strip() for cell in header]
    columns = {}
    for position, cell in enumerate(stripped):
        columns.setdefault(cell, position)
    claimed = {}  # path -> the column that gives it
    by_map = set()  # paths the map gives: no column spelled as the path competes with it
    targets = [None] * len(header)  # per column: a list of Fields
    kept_columns = set()
    if field_map is not None:
        missing = [field for field in field_map.fields if field.column not in columns]
        missing_keep = [column for column in field_map.keep if column not in columns]
        if missing or missing_keep:
            shown_header = ", ".join(json.dumps(cell) for cell in stripped[:12]) + (" ..." if len(stripped) > 12 else "")
            lines = [f"{field_map.source}: fields.{field.path} names the column {json.dumps(field.column)}, "
                     f"which {name} does not have" for field in missing]
            lines += [f"{field_map.source}: keep names the column {json.dumps(column)}, which {name} does not have"
                      for column in missing_keep]
            lines.append(f"{name} has the columns {shown_header}")
            raise InputError("\n".join(lines))
        taken = {}
        for field in field_map.fields:
            position = columns[field.column]
            if position in taken:
                raise InputError(f"{field_map.source}: fields.{taken[position]} and fields.{field.path} both name "
                                 f"the column {json.dumps(field.column)}; a column gives one field")
            taken[position] = field.path
            targets[position] = [field]
            claimed[field.path] = position
            by_map.add(field.path)
        for column in field_map.keep:
            kept_columns.add(columns[column])
            plan.keep.append((columns[column], column))
    # A column spelled as a schema path claims its path before any alias does.
    matches = [None] * len(header)
    for position, cell in enumerate(stripped):
        if targets[position] is not None or position in kept_columns or not cell:
            continue
        matches[position] = schema.match(cell)
    for rank in ("schema", "normalised", "crm", "metric", "person"):
        # Within a rank, a column read as it is comes before one scaled (ARR before MRR).
        order = sorted(range(len(matches)), key=lambda at: matches[at] is not None and matches[at][1] is not None)
        for position in order:
            found = matches[position]
            if found is None or found[2] != rank:
                continue
            path, scale, how = found
            if path in by_map or (path in claimed and claimed[path] != position and how != "schema"):
                continue  # left unread below: another column gives this path
            claimed.setdefault(path, position)
            targets[position] = [Field(path, stripped[position], scale, None, how)]
    notes = []
    for position, cell in enumerate(stripped):
        fields = targets[position]
        if fields is None:
            plan.paths.append(tuple(part.strip() for part in cell.split(".")) if position not in kept_columns else ("",))
            if cell and position not in kept_columns and cell not in schema.top and cell not in schema.preset:
                plan.unread.append(cell)
            continue
        field = _numbers_of(fields[0], position, schema, field_map, plan)
        plan.paths.append(tuple(field.path.split(".")))
        plan.fields.append(field)
        if field.scale is not None or field.date_format is not None or field.number_format is not None:
            plan.convert.append((tuple(field.path.split(".")), field))
        if field.scale is not None:
            notes.append(f"{field.path} is column {json.dumps(field.column)} x {field.scale:g}")
        if field.how == "person":
            plan.read_as.append(f"{name}: column {json.dumps(values.printable(field.column, 60))} is read as "
                                f"{field.path} (a --map can say otherwise)")
    plan.notes = tuple(notes)
    plan.warnings = unread_warnings(plan.unread, schema, name, "column", claimed)
    plan.guesses = guesses(plan.unread, schema, claimed)
    return plan


def _numbers_of(field, position, schema, field_map, plan):
    """The field of a numeric column with the source's number_format where it states none of its own; a
    numeric column without either is one of `plan.numbers` (csm.ingest.numbers reads what its values show)."""
    if field.number_format is not None or schema.kinds.get(field.path, "number") != "number":
        return field
    if field_map is None or field_map.number_format is None:
        plan.numbers.append((position, field))
        return field
    return Field(field.path, field.column, field.scale, field.date_format, field.how, field_map.number_format)


DATE_FORMATS = ("%m/%d/%Y", "%d/%m/%Y", "%m/%d/%y", "%d/%m/%y", "%d.%m.%Y", "%Y/%m/%d", "%m-%d-%Y", "%d-%m-%Y")


def date_format_of(cells: Iterable[Any]) -> Tuple[Optional[str], bool]:
    """The date formats of DATE_FORMATS every non-ISO cell fits: (the first, True when it is the only one).

    (None, False) when the cells are ISO dates already, or fit none. US and European
    orders both fit "01/02/2027": then the US one is proposed, marked a guess.

    >>> date_format_of(["09/30/2027", "11/01/2026"]), date_format_of(["01/02/2027"]), date_format_of(["2027-01-02"])
    (('%m/%d/%Y', True), ('%m/%d/%Y', False), (None, False))
    """
    texts = [cell for cell in cells if isinstance(cell, str) and cell.strip() and values.parse_iso_date(cell) is None]
    if not texts:
        return None, False
    fitting = [pattern for pattern in DATE_FORMATS
               if all(values.parse_date_text(text, pattern) is not None for text in texts)]
    return (fitting[0], len(fitting) == 1) if fitting else (None, False)


def with_date_formats(document: Dict[str, Any], records: Iterable[Tuple[int, str, Any]]) -> Dict[str, Any]:
    """A --print-map document with a date_format proposed for each date field its first records write otherwise."""
    records = [raw for _, _, raw in records if isinstance(raw, dict)]
    for path in DATE_PATHS:
        entry = document["fields"].get(path)
        if entry is None or (isinstance(entry, dict) and "date_format" in entry):
            continue
        pattern, certain = date_format_of([raw.get(path) for raw in records])
        if pattern is not None:
            entry = dict(entry) if isinstance(entry, dict) else {"column": entry}
            entry["date_format"] = pattern
            if not certain:
                entry["guess"] = True
            document["fields"][path] = entry
    return document


def guesses(unread, schema, claimed):
    """Field entries --print-map proposes for unread columns: the closest unclaimed schema path, marked a guess."""
    proposed = {}
    for column in unread:
        near = schema.closest(column)
        if near is None:
            match = schema.match(column)
            near = match[0] if match is not None else None
        if near is not None and near not in claimed and near not in proposed:
            proposed[near] = {"column": column, "guess": True}
    return proposed


def unread_warnings(names: Iterable[str], schema: "Schema", source: str, kind: str,
                    claimed: Iterable[str] = ()) -> List[str]:
    """One line per unread column or key (the first WARNING_LINES of them), then one counting the rest."""
    lines = []
    for unread in names[:WARNING_LINES]:
        shown_name = json.dumps(values.printable(unread, 60))
        match = schema.match(unread)
        if match is not None and match[0] in claimed:
            lines.append(f"{source}: {kind} {shown_name} is not read: another {kind} gives {match[0]}")
            continue
        near = schema.closest(unread)
        if near is not None:
            lines.append(f"{source}: {kind} {shown_name} is not read; did you mean {near}?")
        else:
            lines.append(f"{source}: {kind} {shown_name} is not read by any analysis (it stays in the record; "
                         f'a --map "keep" carries it into the output)')
    if len(names) > WARNING_LINES:
        lines.append(f"{source}: ... and {len(names) - WARNING_LINES} more {kind}s are not read")
    return lines


def convert_at(record: dict, parts: Sequence[str], field: "Field", from_text: bool) -> None:
    """Replace the value at `parts` by its scaled number or ISO date; an unreadable one is left for the checks."""
    target = record
    for part in parts[:-1]:
        target = target.get(part)
        if type(target) is not dict:
            return
    key = parts[-1]
    value = target.get(key)
    if value is None:
        return
    if field.number_format is not None and type(value) is str:
        value = values.number_text_as(
            value, field.number_format,
            "as the column's other values write them" if field.format_shown else "the map's number_format")
        if not from_text and type(value) is str:  # a JSON book's text: the number the stated format writes, if one
            number = values.parse_number_text(value, percent_ok=False)
            value = target[key] if number is None else number
        target[key] = value
    if field.date_format is None and field.scale is None:
        return
    if field.scale is not None:
        scaled = scaled_number(value, field.scale, from_text)
        if scaled is not None:
            target[key] = scaled
    elif isinstance(value, str):
        date = values.parse_date_text(value, field.date_format)
        if date is not None:
            target[key] = date.isoformat()
        elif values.parse_iso_date(value) is None:
            text = values.DateText(value)
            text.date_format = field.date_format
            target[key] = text


def scaled_number(value, scale, from_text):
    """Return value x scale, computed on the decimal figures as written ("5,333.33" x 12 = 63999.96), or None.

    >>> scaled_number("$5,333.33", 12, True), scaled_number(5000, 12, False), scaled_number("7,5", 12, True)
    (63999.96, 60000, None)
    """
    if from_text and type(value) is str:
        if values.grouped_by_points(value):  # left for the checks, which refuse it by name
            return None
        number = values.parse_number_text(value, percent_ok=False)
    elif type(value) in (int, float):
        number = value
    else:
        return None
    if number is None or (type(number) is float and not math.isfinite(number)):
        return None
    product = decimal.Decimal(repr(number)) * decimal.Decimal(repr(scale))
    if type(number) is int and type(scale) is int:
        return int(product)
    return float(product)


class Carried:
    """Which metric paths of the running tool some record carries; those none carries are warned about."""

    def __init__(self, paths, name):
        self.name = name
        self.paths = list(paths)
        self.unseen = {path: tuple(path.split(".")) for path in paths}
        self._tops = {parts[0] for parts in self.unseen.values()}  # a record with none of these keys carries none

    def look(self, raw: dict) -> None:
        """Count as seen the metrics the record carries (while some are unseen: `unseen` is not empty)."""
        if not self._tops.isdisjoint(raw):
            for path, parts in list(self.unseen.items()):
                if carries(raw, parts):
                    del self.unseen[path]

    def track(self, records: Iterable[Tuple[int, str, Any]]) -> Iterator[Tuple[int, str, Any]]:
        """Yield the records, looking at each only until every metric has been seen once."""
        records = iter(records)
        if self.unseen:
            for item in records:
                if isinstance(item[2], dict):
                    self.look(item[2])
                yield item
                if not self.unseen:
                    break
        yield from records

    def warnings(self) -> List[str]:
        """One line per metric no record carries; a section none of whose metrics any record has is one line."""
        groups = {}
        for path in self.paths:
            groups.setdefault(path.rsplit(".", 1)[0] if "." in path else path, []).append(path)
        lines = []
        for parent, paths in groups.items():
            missing = [path for path in paths if path in self.unseen]
            if len(missing) > 1 and len(missing) == len(paths):
                names = ", ".join(path.rsplit(".", 1)[1] for path in missing)
                lines.append(f"{self.name}: no record carries {parent} ({names}); the scores rest on the "
                             "metrics present")
            else:
                lines.extend(f"{self.name}: no record carries {path}; the scores rest on the metrics present"
                             for path in missing)
        if len(lines) > WARNING_LINES:
            lines = lines[:WARNING_LINES] + [f"{self.name}: ... and {len(lines) - WARNING_LINES} more lines "
                                             "of metrics no record carries"]
        return lines


def carries(raw: dict, parts: Sequence[str]) -> bool:
    """True when the record holds a value (not null, not an empty object) at the path."""
    value = raw
    for part in parts:
        if not isinstance(value, dict):
            return False
        value = value.get(part)
        if value is None:
            return False
    return value != {} if type(value) is dict else True


def inferred_map(fields: Iterable[Field], unread: Iterable[str], kept: Iterable[str] = (),
                 proposed: Optional[Dict[str, Dict[str, Any]]] = None) -> Dict[str, Any]:
    """The map --print-map prints: the fields matched (a Field list), the guesses (`proposed`, each marked
    `"guess": true` for a person to remove when they agree), and under keep the kept and other unread columns."""
    entries = {}
    for field in fields:
        entries.setdefault(field.path, field.as_map_entry())
    guessed = set()
    for path, entry in (proposed or {}).items():
        if path not in entries:
            entries[path] = entry
            guessed.add(entry["column"])
    kept = list(kept)
    return {"fields": entries, "keep": kept + [column for column in unread if column not in kept and column not in guessed]}


def load_retention(path: str) -> Dict[str, Any]:
    """Read a --retention file: the `retention` object (references/input-schema.md), alone or as {"retention": {...}}.

    Returns the document portfolio.read_retention reads ({"retention": ...}); raises
    InputError when the file cannot be read or is not a JSON object.
    """
    where = f"--retention {path}"
    document = load_json(path, where, InputError)
    if not isinstance(document, dict):
        raise InputError(f"{where} must hold a JSON object: starting_arr, expansion_arr, contraction_arr, "
                         "churned_arr (and optional period_start, period_end)")
    if set(document) == {"retention"}:
        return document
    return {"retention": document}


def render_map(document: Dict[str, Any]) -> str:
    """The JSON text --print-map prints."""
    return json.dumps(document, indent=2) + "\n"
