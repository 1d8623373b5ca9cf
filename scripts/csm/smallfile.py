"""Reading the small files a run is given beside its portfolio: a --config, a --map, an --outcomes file.

Such a file is read whole, so it is capped: `read_capped(path, what, error, limit)`
returns its bytes, or raises `error` (an exception class: ConfigError, InputError)
with one clear line when it is a folder, a device (`/dev/zero` would read without
end), a socket, or larger than `limit`. A FIFO or a pipe (`<(...)`) is read as it
comes, up to the limit. `load_json(path, what, error, limit)` reads such a file as
one JSON document, with the messages every option words the same way
(`config FILE is not valid JSON: ... at line L column C`).
"""

import codecs
import json
import os
import stat

from .errors import InputError

MIB = 1 << 20
CONFIG_LIMIT = 16 * MIB  # a methodology or a column map: a few kilobytes in practice
OUTCOMES_LIMIT = 256 * MIB  # one row per account: about 40 MB for a million accounts


def _size(count):
    return f"{count / MIB:,.1f} MiB" if count >= MIB else f"{count:,} bytes"


def read_capped(path, what, error=InputError, limit=CONFIG_LIMIT):
    """Return the bytes of the file at `path`, or raise `error` with one line naming `what` and `path`."""
    label = f"{what} {path}"
    try:
        found = os.stat(path)
    except FileNotFoundError:
        raise error(f"{what} {path}: no such file") from None
    except (OSError, ValueError) as exc:
        raise error(f"{label} cannot be read: {getattr(exc, 'strerror', None) or exc}") from None
    mode = found.st_mode
    if stat.S_ISDIR(mode):
        raise error(f"{label} is a folder, not a file")
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
        raise error(f"{label} is a device or a socket, not a file")
    if stat.S_ISREG(mode) and found.st_size > limit:
        raise error(f"{label} is {_size(found.st_size)}; a {what} file may be at most {_size(limit)}")
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise error(f"{label} cannot be read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise error(f"{label} is more than {_size(limit)}, the most a {what} file may be")
    return data


def load_json(path, what, error=InputError, limit=CONFIG_LIMIT):
    """Return the JSON document of the file at `path` (read_capped, then parsed), or raise `error`."""
    data = read_capped(path, what, error, limit)
    label = f"{what} {path}"
    try:
        text = codecs.decode(data, "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{label} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{label} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise error(f"{label} is nested too deeply") from None
    except ValueError as exc:  # an integer of thousands of digits
        raise error(f"{label} cannot be read: {str(exc).split(';')[0]}") from None
