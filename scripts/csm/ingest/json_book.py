"""A JSON document's records read a stretch at a time: its layout found in one pass, its records parsed in a second.

A JSON portfolio is one document (an array of customers, or an object holding the
list under "customers" or its one list of objects). Parsed whole, ten million tiny
records are ten million dicts held at once; here the decoded text is held once and
read twice with the json module's own reader, a stretch of records at a time
(`_runs`: about RUN_CHARS characters parsed by one call of json's C reader, one value
at a time where a stretch cannot be cut between two records):

1. `layout(text)` checks the whole document and finds where the records stand: a
   syntax error anywhere (line and column, json's own message), a number json cannot
   take or nesting too deep is raised before any record is handed out; each stretch is
   parsed and dropped, so memory holds one stretch at a time; the top-level members of
   an object other than the records list (an "as_of" after it too) are kept.
2. `open_document(text, layout, name)` returns the Portfolio whose records are the
   list parsed again, a stretch as its first record is handed out, with a `Marker`
   that catches a key given twice (that record alone rejected, or warned about);
   `portfolio.rescan()` reads them afresh for a check that needs every record first (a
   --map's keys, csm.ingest.json_map).
"""

import json
import re
from json.decoder import WHITESPACE, scanstring
from typing import Any, Iterator, List, NamedTuple, Optional, Tuple

from csm import values
from csm.errors import InputError
from csm.ingest.book import Portfolio, Unreadable
from csm.json_keys import Marker, Repeat, unmarked
from csm.limits import KEYS_PER_RECORD

REPEATS_LISTED = 20  # records named in a warning for a key given twice with the same value; the rest counted
_SPACE = " \t\n\r"  # JSON's whitespace
_skip = WHITESPACE.match
_plain = json.JSONDecoder()
RUN_CHARS = 65536  # characters of a records list parsed in one call of json's reader (_runs)
_BETWEEN_OBJECTS = re.compile(r"\}[ \t\n\r]*(,)[ \t\n\r]*\{")


class Listed(NamedTuple):
    """A list that is a top-level value of a JSON document, skimmed: where its "[" stands, its items, objects among them."""

    start: int
    count: int
    objects: int


class Layout(NamedTuple):
    """Where a JSON document's records stand.

    `kind`: "array", "object" (the records a list of it), "record" (the document is one
    customer, `single`) or "value" (one plain JSON value, `single`); `start`: the index of
    the records list's "[" in the text (None when there is no such list); `key`: the
    object's key of that list (None when it has none); `count`: its records; `members`: an object's
    (key, value) pairs as given, each list a Listed, each other value parsed with a Marker.
    """

    kind: str
    start: Optional[int]
    key: Optional[str]
    count: int
    single: Any
    members: List[Tuple[str, Any]]


def layout(text: str) -> Layout:
    """Check the whole JSON document `text` and find its records (each parsed once and dropped).

    Raises json.JSONDecodeError (the message json.loads gives, "Extra data" included),
    RecursionError or ValueError as json.loads would.
    """
    if text.startswith("\ufeff"):  # a second byte order mark (the reader drops the first), as json.loads says it
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    start = _skip(text, 0).end()
    if text.startswith("[", start):
        ends = []
        count = sum(map(len, _runs(text, start, _plain, ends)))
        _at_the_end(text, ends[0])
        return Layout("array", start, "", count, None, [])
    if text.startswith("{", start):
        members, end = _members(text, start, json.JSONDecoder(object_pairs_hook=Marker()).scan_once)
        _at_the_end(text, end)
        keys = [key for key, _ in members]
        if "customers" not in keys and "customer_id" in keys:  # the document is one customer
            return Layout("record", None, "", 1, _parsed(text, start), members)
        key = "customers" if "customers" in keys else _the_one_list(members)
        listed = dict(members).get(key) if key is not None else None
        if not isinstance(listed, Listed):
            return Layout("object", None, key, 0, listed, members)
        return Layout("object", listed.start, key, listed.count, None, members)
    try:
        value, end = _plain.scan_once(text, start)
    except StopIteration as stop:
        raise json.JSONDecodeError("Expecting value", text, stop.value) from None
    _at_the_end(text, end)
    return Layout("value", None, "", 0, value, [])


def _the_one_list(members):
    """The key of the one top-level list of objects of an object (an export's `accounts`, `data` ...), or None."""
    lists = _lists_of_objects(members)
    return lists[0] if len(lists) == 1 else None


def _lists_of_objects(members):
    return [key for key, value in members if isinstance(value, Listed) and value.count and
            value.objects == value.count]


def open_document(text: str, found: Layout, name: str) -> Portfolio:
    """The Portfolio of a checked JSON document (`found` = layout(text)); InputError when it holds no customers."""
    if found.kind == "value":
        raise InputError(f"{name} holds a single JSON value, not a portfolio of customers")
    if found.kind == "object" and found.start is None:
        if found.key == "customers":
            raise InputError(f"{name}: customers must be a list of customer objects")
        _no_one_list(found.members, name)
    if not found.count:
        raise InputError(f"{name} has no customers")
    key = found.key
    label = "" if found.kind != "object" else key if key.isidentifier() else json.dumps(key)
    repeats = Repeats(name)
    if found.kind == "record":
        records = iter([(0, "[0]", bounded(repeats.checked(found.single, "[0]")))])
        portfolio = Portfolio(name, "json", False, records)
        portfolio.rescan = lambda: iter([found.single])
    else:
        top = _other_members(text, found, label, name) if found.kind == "object" else None
        portfolio = Portfolio(name, "json", False, _records(text, found.start, label, repeats), document=top)
        portfolio.rescan = lambda: _values(text, found.start, _plain, [])
    if key != "customers" and found.kind == "object":
        portfolio.notes.append(f"{name}: the customers are the list under {label} (the one list of objects at the "
                               "top level)")
    portfolio._closing = [repeats]
    return portfolio


def _other_members(text, found, label, name):
    """The top-level members other than the records list, key checks made; InputError for a key given twice."""
    scan = json.JSONDecoder(object_pairs_hook=Marker()).scan_once
    given = {}
    for key, value in found.members:
        given.setdefault(key, []).append(value)
    for key, held in given.items():
        if key != found.key or len(held) > 1:  # the records list is read as it is scored, unless given twice
            held[:] = [scan(text, value.start)[0] if isinstance(value, Listed) else value for value in held]
    repeated = [Repeat(key, held) for key, held in given.items() if len(held) > 1]
    top, outside = unmarked({key: held[-1] for key, held in given.items() if key != found.key})
    outside = repeated + outside
    if outside:
        raise InputError(f"{name}: {outside[0].words()} (outside the {label} list); give each key once")
    return top


def _no_one_list(members, name):
    """Raise the InputError of an object with no list of objects at the top level, or more than one."""
    lists = _lists_of_objects(members)
    if lists:
        shown_keys = ", ".join(json.dumps(values.printable(key, 40)) for key in lists[:6])
        raise InputError(f"{name} holds {len(lists)} lists of objects at the top level ({shown_keys}); "
                         'put the customers under "customers" (or in a file of their own)')
    raise InputError(
        f'{name} has no customers list (expected {{"customers": [...]}}, a JSON object holding one list of '
        "customer objects, a JSON array of customers, JSON Lines or CSV)"
    )


def _parsed(text, start):
    marker = Marker()
    return json.JSONDecoder(object_pairs_hook=marker).scan_once(text, start)[0]


def _records(text, start, label, repeats):
    """Yield (index, label, record) of the list whose "[" is at text[start], each parsed as it is handed out."""
    marker = Marker()
    decoder = json.JSONDecoder(object_pairs_hook=marker)
    marked = 0
    index = 0
    for run in _runs(text, start, decoder, []):
        repeated = marker.marked != marked  # a key given twice in some record of this run
        marked = marker.marked
        for raw in run:
            where = f"{label}[{index}]"
            if repeated:
                raw = repeats.checked(raw, where)
            yield index, where, bounded(raw) if raw else raw  # nothing to count in an empty record
            index += 1


def _values(text: str, start: int, decoder: json.JSONDecoder, ends: list) -> Iterator[Any]:
    """Yield each value of the JSON array whose "[" is at text[start], parsed by `decoder`; append to `ends` the
    index after its "]". A syntax error is json's own (json.JSONDecodeError, its message and place)."""
    for run in _runs(text, start, decoder, ends):
        yield from run


def _runs(text: str, start: int, decoder: json.JSONDecoder, ends: list) -> Iterator[List[Any]]:
    """Yield the values of the JSON array whose "[" is at text[start] as lists of consecutive values, parsed by
    `decoder`; append to `ends` the index after its "]".

    The values are parsed a stretch of about RUN_CHARS characters at a time by one call of json's reader (its C
    scanner), not one Python call each: ten million tiny records read in under half the time (benchmarks/README.md).
    A stretch ends at a comma; when that comma is not between two values of the array (it is inside a string or
    a record), json refuses the stretch and its values are scanned one at a time up to it. A syntax error is
    always met in that scan: json's own message and place (json.JSONDecodeError).
    """
    scan = decoder.scan_once
    prefix, resume = "[", start + 1  # where json's reader would resume, for the message of an error (_syntax_error)
    end = _skip(text, start + 1).end()
    if text.startswith("]", end):
        ends.append(end + 1)
        return
    stretch_from = end  # a stretch is tried from here on
    while True:
        cut = _cut(text, end) if end >= stretch_from else -1
        run = _stretch(decoder, text, end, cut) if cut > 0 else None
        if run is not None:  # [end, cut) held whole values: the array goes on at the comma
            value_end = stretch_from = cut
        else:
            if end >= stretch_from:  # scanned one value at a time past the comma first (past the end: no comma)
                stretch_from = cut if cut > 0 else len(text)
            try:
                value, value_end = scan(text, end)
            except StopIteration:
                raise _syntax_error(text, prefix, resume) from None
            run = [value]
        yield run
        prefix, resume, end = "[0", value_end, value_end
        try:
            char = text[end]
            if char in _SPACE:
                end = _skip(text, end).end()
                char = text[end]
            if char == ",":
                end += 1
                if text[end] in _SPACE:
                    end = _skip(text, end).end()
                continue
        except IndexError:
            char = ""
        if char == "]":
            ends.append(end + 1)
            return
        raise _syntax_error(text, prefix, resume)


def _cut(text, end):
    """The index of a comma about RUN_CHARS on from the value at text[end] (nearer, towards the end of the text),
    likely between two values of the array: when that value is an object, one between two objects if there is
    one within RUN_CHARS more (most commas of a record are inside it); -1 when there is no comma."""
    objects = text.startswith("{", end)
    for reach in (RUN_CHARS, RUN_CHARS >> 4, RUN_CHARS >> 8):
        found = _BETWEEN_OBJECTS.search(text, end + reach, end + 2 * reach) if objects else None
        cut = found.start(1) if found else text.find(",", end + reach)
        if cut > 0:
            return cut
    return -1


def _stretch(decoder, text, start, cut):
    """The values of text[start:cut] when it holds whole values of the array, separated by commas; else None."""
    stretch = "[" + text[start:cut] + "]"
    if ":" not in stretch:  # no object key in it, so none given twice: json's plain reader, no hook a value
        decoder = _plain
    try:
        return decoder.decode(stretch)
    except (ValueError, RecursionError):  # the comma is inside a value, or a value json refuses: scanned alone
        return None


def _members(text, start, scan):
    """The (key, value) pairs of the object whose "{" is at text[start], each list skimmed (a Listed), each other
    value parsed by `scan`, and the index after its "}"."""
    members = []
    prefix, resume = "{", start + 1
    end = _skip(text, start + 1).end()
    if text.startswith("}", end):
        return members, end + 1
    while True:
        if not text.startswith('"', end):
            raise _syntax_error(text, prefix, resume)
        key, end = scanstring(text, end + 1)
        end = _skip(text, end).end()
        if not text.startswith(":", end):
            raise _syntax_error(text, prefix, resume)
        end = _skip(text, end + 1).end()
        if text.startswith("[", end):
            ends = []
            count = objects = 0
            for value in _values(text, end, _plain, ends):
                count += 1
                objects += type(value) is dict
            value, end = Listed(end, count, objects), ends[0]
        else:
            try:
                value, end = scan(text, end)
            except StopIteration:
                raise _syntax_error(text, prefix, resume) from None
        members.append((key, value))
        prefix, resume = '{"":0', end
        end = _skip(text, end).end()
        if text.startswith(",", end):
            prefix, resume = '{"":0,', end + 1
            end = _skip(text, end + 1).end()
            continue
        if text.startswith("}", end):
            return members, end + 1
        raise _syntax_error(text, prefix, resume)


def _at_the_end(text, end):
    end = _skip(text, end).end()
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)


def _syntax_error(text: str, prefix: str, resume: int) -> json.JSONDecodeError:
    """The error json's own reader gives where a scan stopped: the rest of the text from `resume` read after
    `prefix` (the part of the array or object already read, as json's reader stands there), placed in `text`."""
    try:
        json.loads(prefix + text[resume:])
    except json.JSONDecodeError as exc:
        return json.JSONDecodeError(exc.msg, text, resume + exc.pos - len(prefix))
    return json.JSONDecodeError("Expecting value", text, resume)  # pragma: no cover - the scan stopped on an error


class Repeats:
    """The records of a JSON portfolio that give a key twice: rejected (different values) or warned (the same)."""

    def __init__(self, name: str):
        self.name = name
        self.warned = []  # the first REPEATS_LISTED warning lines
        self.count = 0

    def checked(self, raw: Any, label: str) -> Any:
        """The record with its marks dropped, or an Unreadable naming the key given twice with different values."""
        try:
            plain, repeats = unmarked(raw)
        except RecursionError:
            return Unreadable("nested too deeply")
        conflicts = [repeat for repeat in repeats if not repeat.agrees]
        if conflicts:
            return Unreadable("; ".join(repeat.words() for repeat in conflicts) + ": say which is meant and give "
                              "each key once")
        for repeat in repeats:
            self.count += 1
            if len(self.warned) < REPEATS_LISTED:
                self.warned.append(f"{self.name} {label}: {repeat.words()}; it is read once")
        return plain

    def warnings(self) -> List[str]:
        lines = list(self.warned)
        if self.count > len(self.warned):
            lines.append(f"{self.name}: {self.count - len(self.warned):,} more keys given twice with the same "
                         f"value (the first {REPEATS_LISTED} are listed above)")
        return lines


def bounded(raw: Any) -> Any:
    """The record, or an Unreadable when it holds more than KEYS_PER_RECORD keys (its own and its sections')."""
    if type(raw) is not dict or len(raw) > KEYS_PER_RECORD:
        return raw if type(raw) is not dict else _too_many_keys(len(raw))
    count = len(raw)
    for value in raw.values():
        if type(value) is dict:
            count += len(value)
    return raw if count <= KEYS_PER_RECORD else _too_many_keys(count)


def _too_many_keys(count):
    return Unreadable(f"the record holds {count:,} keys (its sections' counted), more than the {KEYS_PER_RECORD:,} "
                      "a customer record may have")
