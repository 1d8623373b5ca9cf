"""A JSON Lines book read a block of lines at a time: each line one customer, a broken line that record alone.

`stream_records(stream, name, repeats)` reads a binary stream (a file, standard input)
and `text_records(text, name, repeats)` a text already decoded (a JSON document that
turned out to be JSON Lines); both yield `(index, "line N", raw)` as the lines are
read, `raw` an `Unreadable` for a line that is not one JSON value (json's own message
and column) and every record checked for a key given twice (`Repeats`). The stream is
read and decoded a block of whole lines at a time (BLOCK_BYTES, or what a pipe has
ready), not a line at a time: ten million tiny lines read in a quarter of the time
(benchmarks/README.md); a byte that is not UTF-8 is still named by its line. A decoded
text is split into lines a block at a time too, never all at once.

`unusable(exc, text, with_line)` says why json could not take a text that is not a
syntax error (an integer with more digits than Python converts), and where.
"""

import json
import re
import sys
from json.decoder import WHITESPACE
from typing import Any, BinaryIO, Iterator, Tuple

from csm.errors import InputError
from csm.ingest.book import Unreadable
from csm.ingest.json_book import Repeats, bounded
from csm.json_keys import Marker

BLOCK_BYTES = 1 << 18  # bytes of a JSON Lines stream read and decoded at once, then the rest of the last line
_SPACE = " \t\n\r"  # JSON's whitespace
_skip = WHITESPACE.match


def stream_records(stream: BinaryIO, name: str, repeats: Repeats) -> Iterator[Tuple[int, str, Any]]:
    """Yield (index, label, record) of the JSON Lines on `stream`; InputError when it holds no customers or a
    byte that is not UTF-8."""
    return _records(_blocks(stream, name), name, repeats)


def text_records(text: str, name: str, repeats: Repeats) -> Iterator[Tuple[int, str, Any]]:
    """Yield (index, label, record) of JSON Lines already decoded; InputError when they hold no customers."""
    return _records(_text_blocks(text), name, repeats)


def _blocks(stream, name):
    """Yield the stream's text a block of whole lines at a time, the first without its byte order mark."""
    read = getattr(stream, "read1", stream.read)  # a pipe's block is what it has ready: a live stream is not held up
    lines_before = 0
    first = True
    while True:
        data = read(BLOCK_BYTES)
        if not data:
            return
        if not data.endswith(b"\n"):
            data += stream.readline()  # the rest of the block's last line
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _not_utf8(name, data, exc.start, lines_before) from None
        if first and text.startswith("\ufeff"):
            text = text[1:]
        first = False
        lines_before += data.count(b"\n")
        yield text


def _text_blocks(text):
    """Yield the text a block of whole lines at a time (about BLOCK_BYTES characters)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start + BLOCK_BYTES)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def _not_utf8(name, data, start, lines_before):
    line_start = data.rfind(b"\n", 0, start) + 1
    number = lines_before + data.count(b"\n", 0, start) + 1
    return InputError(f"{name} is not UTF-8 text (line {number}: byte 0x{data[start]:02x} at byte "
                      f"{start - line_start + 1} of the line); save or export it as UTF-8")


def _records(blocks, name, repeats):
    index = 0
    line_number = 0
    marker = Marker()
    scan = json.JSONDecoder(object_pairs_hook=marker).scan_once
    plain_scan = json.JSONDecoder().scan_once  # for a line without a colon: no object key, so none given twice
    for block in blocks:
        lines = block.split("\n")
        if block.endswith("\n"):
            lines.pop()  # the empty text after the block's last newline
        for line in lines:
            line_number += 1
            if not line or (line[0] != "{" and line.isspace()):
                continue
            marked = marker.marked
            try:  # what json.loads does, without making a decoder a line; its own error for a line it refuses
                start = _skip(line, 0).end() if line[0] in _SPACE else 0
                raw, end = (scan if ":" in line else plain_scan)(line, start)
                if end != len(line) and _skip(line, end).end() != len(line):
                    raw = _refused(line, marker)
            except (StopIteration, json.JSONDecodeError):
                raw = _refused(line, marker)
            except RecursionError:
                raw = Unreadable("nested too deeply")
            except ValueError as exc:
                raw = Unreadable(f"not usable JSON: {unusable(exc, line, False)}")
            if marker.marked != marked:
                raw = repeats.checked(raw, f"line {line_number}")
            yield index, f"line {line_number}", bounded(raw) if raw else raw
            index += 1
    if index == 0:
        raise InputError(f"{name} has no customers")


def _refused(line, marker):
    """The Unreadable of a line json refuses, with json's own message (the line read by json.loads)."""
    try:
        json.loads(line, object_pairs_hook=marker)
    except json.JSONDecodeError as exc:
        return Unreadable(f"not valid JSON: {exc.msg} at column {exc.colno}")
    return Unreadable("not valid JSON")  # pragma: no cover - the scan stopped on what json.loads refuses


def unusable(exc: ValueError, text: str, with_line: bool) -> str:
    """Say why json could not take `text` (a ValueError that is not a syntax error), and where.

    The one such error of the standard library's JSON reader is an integer with
    more digits than Python converts (4,300 by default); it is named by its place.
    """
    try:
        limit = sys.get_int_max_str_digits()
    except AttributeError:  # a Python without the limit
        limit = 0
    found = re.search(r"\d{%d,}" % (limit + 1), text) if limit else None
    if found is None:
        return str(exc).split(";")[0]
    line = text.count("\n", 0, found.start()) + 1
    column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
    where = f"line {line} column {column}" if with_line else f"column {column}"
    return (f"a number at {where} has {len(found.group()):,} digits, more than the {limit:,} a number "
            "may have here")
