"""Reading the files a run is given beside its portfolio: --config, --map, --outcomes, --compare.

Such a file is read whole, so it is capped: `read_capped(path, where, error, limit)`
returns its bytes, or raises `error` (an exception class: ConfigError, InputError)
with one clear line starting with `where` when it is missing, a folder, a device
(`/dev/zero` would read without end), a socket, or larger than `limit`. It is read
in chunks (csm.limits), so memory follows the file, not the cap; a FIFO or a pipe
(`<(...)`) is read as it comes, up to the limit. `load_json(path, where, error,
limit)` reads such a file as one JSON document, with the messages every option words
the same way (`config FILE is not valid JSON: ... at line L column C`); an object
that gives a key twice is refused, naming the key and its values.
"""

import codecs
import json
import os
import stat
from typing import Any, Type

from csm.errors import InputError
from csm.json_keys import RepeatedKey, unique_object
from csm.limits import CONFIG_BYTES as CONFIG_LIMIT, MIB, SIDE_FILE_CHUNK


def _size(count):
    return f"{count / MIB:,.1f} MiB" if count >= MIB else f"{count:,} bytes"


def read_capped(path: str, where: str, error: Type[Exception] = InputError, limit: int = CONFIG_LIMIT,
                what: str = "file") -> bytes:
    """Return the bytes of the file at `path`, or raise `error` with one line starting with `where`."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        raise error(f"{where}: no such file") from None
    except (OSError, ValueError) as exc:
        raise error(f"{where} cannot be read: {getattr(exc, 'strerror', None) or exc}") from None
    mode = found.st_mode
    if stat.S_ISDIR(mode):
        raise error(f"{where} is a folder, not a {what}")
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
        raise error(f"{where} is a device or a socket, not a {what}")
    if stat.S_ISREG(mode) and found.st_size > limit:
        raise error(f"{where} is {_size(found.st_size)}, more than the {_size(limit)} it may be")
    parts = []
    size = 0
    try:
        with open(path, "rb") as handle:  # in chunks: memory follows the file, never the cap (a pipe has no size)
            while True:
                part = handle.read(SIDE_FILE_CHUNK)
                if not part:
                    break
                size += len(part)
                if size > limit:
                    raise error(f"{where} is more than {_size(limit)}, the most it may be")
                parts.append(part)
    except OSError as exc:
        raise error(f"{where} cannot be read: {exc.strerror or exc}") from None
    return b"".join(parts)


def load_json(path: str, where: str, error: Type[Exception] = InputError, limit: int = CONFIG_LIMIT,
              what: str = "JSON file", hint: str = "") -> Any:
    """Return the JSON document of the file at `path` (read_capped, then parsed), or raise `error`.

    `hint` is added to a syntax error's message, to say what was expected.
    """
    data = read_capped(path, where, error, limit, what)
    try:
        text = codecs.decode(data, "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{where} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    try:
        return json.loads(text, object_pairs_hook=unique_object)
    except RepeatedKey as exc:
        raise error(f"{where}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise error(f"{where} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}{hint}") from None
    except RecursionError:
        raise error(f"{where} is nested too deeply") from None
    except ValueError as exc:  # an integer of thousands of digits
        raise error(f"{where} cannot be read: {str(exc).split(';')[0]}") from None


TEMPLATE_LIMIT = 1 << 20  # characters: the templates of assets/ are a few thousand


def read_template(path: str) -> str:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read(TEMPLATE_LIMIT + 1)
        if len(text) > TEMPLATE_LIMIT:
            raise InputError(f"--template {path} is larger than {TEMPLATE_LIMIT:,} characters: not a template")
        return text
    except FileNotFoundError:
        raise InputError(f"--template {path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"--template {path} is a folder, not a template file") from None
    except UnicodeDecodeError:
        raise InputError(f"--template {path} is not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"--template {path} cannot be read: {exc.strerror or exc}") from None
