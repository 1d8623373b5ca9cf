"""A JSON book read through the column map: top-level keys renamed, values converted, unread keys counted.

`json_records(records, schema, field_map, name, carried)` wraps a JSON or JSON Lines book's
records so each is mapped as it is handed out (the map's `fields` moved to their
schema paths, scales and date formats applied, `keep` carried), and returns the
`JsonReader` that says, at the end, which keys no analysis read.
"""

import json
from typing import Any, Iterable, Iterator, Optional, Tuple

from csm import values
from csm.errors import InputError
from csm.ingest.columns import Carried, Field, FieldMap, MappedRecord, Schema, carries, convert_at, unread_warnings

class JsonReader:
    """The map and the key checks for JSON and JSON Lines records (see json_records)."""

    def __init__(self, schema, field_map, name):
        self.schema = schema
        self.field_map = field_map
        self.name = name
        self.known = schema.top
        # The keys a record may hold and need nothing done: the read ones and the unread ones
        # already warned about. A book repeats its keys, so a record is checked with one subset test.
        self.passable = set(schema.top)  # grows by one key at a time (a copy per key would be quadratic)
        self.seen = set()  # top-level keys already looked at (each is warned about once)
        self.unread = []
        self.renames = {}  # key -> Field it is read as
        self.claimed = set()
        self.used_columns = set()
        notes = []
        if field_map is not None:
            for field in field_map.fields:
                if field.scale is not None:
                    notes.append(f"{field.path} is key {json.dumps(field.column)} x {field.scale:g}")
            self.mapped_paths = {field.path for field in field_map.fields}
            self.map_sources = {field.column.split(".")[0] for field in field_map.fields} | \
                {column.split(".")[0] for column in field_map.keep}
        else:
            self.mapped_paths = set()
            self.map_sources = set()
        self.notes = tuple(notes)

    def record(self, raw):
        """Return the record read through the map and the key rules (a new MappedRecord when either applies)."""
        if self.field_map is not None:
            raw = self._mapped(raw)
        if not raw.keys() <= self.passable:
            raw = self._unknown_keys(raw)
        return raw

    def _mapped(self, raw):
        mapped = MappedRecord(raw)
        mapped.notes = self.notes
        mapped.kept = None
        for field in self.field_map.fields:
            value = _pop_dotted(mapped, field.column)
            if value is values.MISSING:
                continue
            self.used_columns.add(field.column)
            parts = tuple(field.path.split("."))
            _set_dotted(mapped, parts, value)
            if field.scale is not None or field.date_format is not None or field.number_format is not None:
                convert_at(mapped, parts, field, False)
        if self.field_map.keep:
            kept = {}
            for column in self.field_map.keep:
                value = _pop_dotted(mapped, column)
                if value is not values.MISSING:
                    self.used_columns.add(column)
                kept[column] = None if value is values.MISSING else value
            mapped.kept = kept
        return mapped

    def _unknown_keys(self, raw):
        """Rename keys a CRM name or a normalised spelling places; remember the rest (warned about once)."""
        renamed = None
        for key in list(raw):
            if key in self.known:
                continue
            if key not in self.seen:
                self.seen.add(key)
                found = self.schema.match(key) if isinstance(key, str) else None
                if found is not None and "." not in found[0] and found[0] not in self.mapped_paths:
                    self.renames[key] = Field(found[0], key, found[1], None, found[2])
                elif key not in self.map_sources:
                    self.unread.append(key)
                if key not in self.renames:
                    self.passable.add(key)
            field = self.renames.get(key)
            if field is None or raw.get(field.path) is not None:
                continue
            if renamed is None:
                renamed = raw if type(raw) is MappedRecord else _as_mapped(raw)
            renamed[field.path] = renamed.pop(key)
            if field.scale is not None:
                convert_at(renamed, (field.path,), field, False)
                renamed.notes = renamed.notes + (f"{field.path} is key {json.dumps(key)} x {field.scale:g}",)
        return raw if renamed is None else renamed

    def warnings(self):
        lines = unread_warnings(self.unread, self.schema, self.name, "key")
        if self.field_map is not None:
            for field in self.field_map.fields:
                if field.column not in self.used_columns:
                    lines.append(f"{self.field_map.source}: fields.{field.path} names the key "
                                 f"{json.dumps(field.column)}, which no record of {self.name} has")
            for column in self.field_map.keep:
                if column not in self.used_columns:
                    lines.append(f"{self.field_map.source}: keep names the key {json.dumps(column)}, "
                                 f"which no record of {self.name} has")
        return lines


def _as_mapped(raw):
    mapped = MappedRecord(raw)
    mapped.notes = ()
    mapped.kept = None
    return mapped


def _pop_dotted(record, dotted):
    """Remove and return the value at a key (a whole key first, then a dotted path); MISSING when absent."""
    if dotted in record:
        return record.pop(dotted)
    parts = dotted.split(".")
    target = record
    for part in parts[:-1]:
        target = target.get(part)
        if type(target) is not dict:
            return values.MISSING
    return target.pop(parts[-1], values.MISSING)


def _set_dotted(record, parts, value):
    target = record
    for part in parts[:-1]:
        child = target.get(part)
        if type(child) is not dict:
            child = target[part] = {}
        target = child
    target[parts[-1]] = value


def check_json_map(records: Iterable[Any], field_map: FieldMap, name: str) -> None:
    """Raise InputError naming each map key or kept key that no record of a JSON document holds.

    `records` are read once, until every key has been found in some record.
    """
    wanted = [(f"fields.{field.path} names the key", field.column) for field in field_map.fields]
    wanted += [("keep names the key", column) for column in field_map.keep]
    unfound = {key: key.split(".") for _, key in wanted}
    for record in records:
        if not unfound:
            break
        if isinstance(record, dict):
            for key, parts in list(unfound.items()):
                if key in record or carries(record, parts):
                    del unfound[key]
    missing = [f"{field_map.source}: {words} {json.dumps(key)}, which no record of {name} has"
               for words, key in wanted if key in unfound]
    if missing:
        raise InputError("\n".join(missing))


def json_records(records: Iterable[Tuple[int, str, Any]], schema: Schema, field_map: Optional[FieldMap],
                 name: str, carried: Carried) -> Tuple[Iterator[Tuple[int, str, Any]], JsonReader]:
    """Wrap (index, label, raw) JSON records with the map and key rules, `carried` looking at each record read
    (csm.ingest.columns.Carried); return (records, reader)."""
    reader = JsonReader(schema, field_map, name)
    convert = reader.record
    unseen = carried.unseen  # emptied as the records carry its metrics

    def wrapped():
        for item in records:
            raw = item[2]
            if type(raw) is dict and raw:  # an empty record, or one that is not an object, has nothing to read
                if field_map is not None or not raw.keys() <= reader.passable:
                    item = item[0], item[1], convert(raw)
                if unseen:
                    carried.look(item[2])
            yield item

    return wrapped(), reader
