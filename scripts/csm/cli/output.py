"""Writing a report safely (references/interface.md "Writing output safely"): where it goes, and nothing lost.

- `same_file_as_input(args)`: the message when `--output` is one of the run's input
  files (INPUT, or any option named in `INPUT_FILE_OPTIONS`), checked before anything
  is read, so a run can never replace the book it reads. Files are compared by
  device and inode after following symlinks; `-` (standard input or output) is never
  "the same file" as a named one, but a named output that is the file redirected into
  standard input is. Nor may it be a file SQLite keeps beside the --history file
  (`-wal`, `-shm`, `-journal`), which the history's next opening would delete.
- `Sink(path)`: where the report goes. `None` or `-` is standard output. A regular
  file (or a new one) is written to a temporary file in the folder of its real path
  (a symlink is followed, so the link stays a link) and renamed over it at the end:
  whole or not at all. A FIFO, a character device or any other non-regular file
  (`/dev/null`, `/dev/stdout`) is written in place, never replaced. A new file gets
  0666 less the umask; an existing one keeps its mode (and, where permitted, owner).
  An existing file that is read-only is refused, as a shell's `>` refuses it; a path
  ending in a separator names a folder (refused when there is none). On start, the
  temporary files of this output's name pattern older than a day (a run killed
  outright leaves one) are removed.
- `interruptions_raise()`: while a run is under way, SIGTERM and SIGHUP raise
  `Interrupted` (a KeyboardInterrupt, as Ctrl-C is), so the run's own clean-up
  removes the temporary file and leaves the previous output as it was.
- `closed_stream_problem(args)`: the message when the run needs a standard stream
  that is closed (`<&-`, `>&-`).

Unix-only calls are looked up when used, and skipped or replaced where missing
(Windows): without `os.fchmod` the mode is set by path (`os.chmod`; Windows keeps
only the read-only bit), without `os.fchown` or `os.geteuid` the owner is left as
the rewrite makes it, without `signal.pthread_sigmask` nothing is blocked, and
without SIGHUP only SIGTERM and Ctrl-C interrupt.
"""

import argparse
import contextlib
import io
import os
import signal
import stat
import sys
import tempfile
import time
from typing import Iterable, Iterator, Optional

from csm.errors import InputError

# Options (attributes of the parsed arguments) that name a file the run reads. Tools
# and other options add theirs here; a name the parser does not have is skipped.
INPUT_FILE_OPTIONS = ["input", "config", "map", "join", "outcomes", "retention", "compare", "template", "history"]

# Paths that name a stream or a device by way of the process (/dev/stdout, /dev/fd/1,
# /proc/self/fd/1): always written in place, whatever they resolve to.
IN_PLACE_PREFIXES = ("/dev/", "/proc/")

WRITE_CHUNK = 1 << 22  # characters encoded and written at a time (a JSON batch is one slice)


def _interrupting_signals():
    """SIGINT, SIGTERM and SIGHUP where there is one (not on Windows); looked up when used."""
    return [signal.SIGINT, signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived during a run; `status` is the exit status to end with: 128 + the
    signal (143, 129), as a shell reports it."""

    def __init__(self, signum):
        super().__init__(signum)
        self.status = 128 + signum


def _option_paths(args, names):
    for name in names:
        value = getattr(args, name, None)
        for path in (value if isinstance(value, (list, tuple)) else [value]):
            if isinstance(path, str) and path:
                yield name, path


def _label(name):
    return "INPUT" if name == "input" else f"--{name.replace('_', '-')}"


def same_file_as_input(args: argparse.Namespace, names: Optional[Iterable[str]] = None) -> Optional[str]:
    """Return the message when args.output is the same file as one of the inputs, else None.

    >>> import argparse
    >>> same_file_as_input(argparse.Namespace(output="-", input="-", config=None)) is None
    True
    """
    output = getattr(args, "output", None)
    if not output or output == "-":
        return None
    try:
        target = os.stat(output)
    except (OSError, ValueError):
        target = None  # not there yet: only an input the run makes (a --history file) can be it, by name
    if target is not None and not stat.S_ISREG(target.st_mode):
        return None  # a device or a FIFO is written in place, never replaced
    for name, path in _option_paths(args, INPUT_FILE_OPTIONS if names is None else names):
        if target is None:
            same = path != "-" and os.path.realpath(path) == os.path.realpath(output)
        else:
            try:
                found = os.fstat(sys.stdin.fileno()) if path == "-" and name == "input" else os.stat(path)
            except (OSError, ValueError, AttributeError):
                continue
            same = (found.st_dev, found.st_ino) == (target.st_dev, target.st_ino)
        if not same and name == "history" and path != "-":
            history = os.path.realpath(path)
            if os.path.realpath(output) in (history + "-wal", history + "-shm", history + "-journal"):
                return (f"--output {output} is a file SQLite keeps beside --history {path}: the history would "
                        "delete or overwrite the report; choose another output file")
        if same:
            source = "standard input" if path == "-" else path
            return (f"--output {output} is the same file as {_label(name)} ({source}): writing the report "
                    "there would replace what the run reads; choose another output file")
    return None


def closed_stream_problem(args: argparse.Namespace) -> Optional[str]:
    """Return the message when the run needs standard input or output and it is closed, else None."""
    if getattr(args, "input", None) == "-" and _closed(sys.stdin, 0):
        return "standard input is closed: give INPUT as a file path, or pipe the portfolio in"
    output = getattr(args, "output", None)
    descriptor = 1 if output in (None, "-") else _descriptor_named(os.path.abspath(output))
    streams = {0: sys.stdin, 1: sys.stdout, 2: sys.stderr}
    if descriptor is not None and _closed(streams.get(descriptor, True), descriptor):
        if descriptor == 1:
            return "standard output is closed: give --output FILE, or leave standard output open"
        return f"--output {output}: descriptor {descriptor} is not open"
    return None


def _closed(stream, fd):
    if stream is None:
        return True
    try:
        os.fstat(fd)
    except OSError:
        return True
    return False


def hold_closed_descriptors() -> None:
    """Open /dev/null on standard descriptors (0-2) that are closed, so no file the run opens lands there.

    Python leaves sys.stdin / sys.stdout / sys.stderr None for a descriptor closed
    at start-up; they stay None (and closed_stream_problem says so), but a later
    open() can no longer take descriptor 1 and have a report or an error go astray.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                opened = os.open(os.devnull, os.O_RDWR)
            except OSError:
                return
            if opened != fd:  # a lower one was free after all; keep it open and stop
                return


@contextlib.contextmanager
def interruptions_raise() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise Interrupted; the previous handlers are back after it.

    Only the main thread can set handlers; elsewhere the block runs as it is.
    """
    previous = {}

    def interrupted(signum, frame):
        raise Interrupted(signum)

    for signum in _interrupting_signals():
        if signum == signal.SIGINT:
            continue  # Python's own handler already raises KeyboardInterrupt
        try:
            previous[signum] = signal.signal(signum, interrupted)
        except (ValueError, OSError):  # not the main thread, or not settable here
            pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _descriptor_named(path):
    """Return the descriptor a path such as /dev/stdout, /dev/fd/3 or /proc/self/fd/3 names, or None.

    >>> _descriptor_named("/dev/stdout"), _descriptor_named("/proc/self/fd/7"), _descriptor_named("/dev/null")
    (1, 7, None)
    """
    named = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}.get(path)
    if named is not None:
        return named
    for prefix in ("/dev/fd/", "/proc/self/fd/"):
        if path.startswith(prefix) and path[len(prefix):].isdigit():
            return int(path[len(prefix):])
    return None


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _blocked_signals():
    """The signals held back while a temporary file is created (so it is always known to be cleaned up)."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no blocking
        return contextlib.nullcontext()
    return _sigmask(set(_interrupting_signals()))


@contextlib.contextmanager
def _sigmask(signals):
    old = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


STALE_SECONDS = 24 * 60 * 60  # a temporary file of a run killed outright (SIGKILL) is removed after a day
_TEMP_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


def _remove_stale_temporaries(target):
    """Remove the temporary files of earlier runs writing `target` (`.NAME.XXXXXXXX.tmp`, mkstemp's
    pattern) that are more than a day old: what a run killed outright (SIGKILL, power loss) left."""
    folder, name = os.path.split(target)
    prefix = f".{name}."
    try:
        entries = os.scandir(folder or ".")
    except OSError:
        return
    limit = time.time() - STALE_SECONDS
    with entries:
        for entry in entries:
            found = entry.name
            middle = found[len(prefix):-4]
            if not (found.startswith(prefix) and found.endswith(".tmp") and len(middle) == 8
                    and set(middle) <= _TEMP_CHARACTERS):
                continue
            try:
                if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < limit:
                    os.unlink(entry.path)
            except OSError:
                pass


class Sink:
    """Where the report goes: standard output, a file written in place, or a temporary file renamed over one.

    `write(text)` writes UTF-8 a slice at a time; `commit()` puts the report in place;
    `abort()` removes the temporary file (the previous output is untouched).
    """

    def __init__(self, path):
        self.path = path
        self.target = None
        self.handle = None
        self.temp = None
        if path is None or path == "-":
            self.handle = sys.stdout.buffer
            if isinstance(self.handle, io.RawIOBase):  # python -u, PYTHONUNBUFFERED (common in containers): a
                # system call per record of a streamed format; its own buffered copy of the descriptor instead
                self.handle = os.fdopen(os.dup(self.handle.fileno()), "wb")
            return
        if os.path.isdir(path):
            raise InputError(f"--output {path} is a folder")
        if path.endswith(tuple(separator for separator in (os.sep, os.altsep) if separator)):
            raise InputError(f"--output {path} ends in a separator, so it names a folder, and there is no such "
                             "folder; give a file name")
        absolute = os.path.abspath(path)
        if absolute.startswith(IN_PLACE_PREFIXES):
            descriptor = _descriptor_named(absolute)
            # /dev/stdout and the like: the descriptor itself, so a `>> log` redirection is appended to,
            # not truncated as opening the path again would
            self.handle = open(path, "wb") if descriptor is None else os.fdopen(os.dup(descriptor), "wb")
            return
        target = os.path.realpath(path)  # a symlink is followed: its target is replaced, the link stays
        try:
            existing = os.stat(target)
        except FileNotFoundError:
            existing = None
        if existing is not None and not stat.S_ISREG(existing.st_mode):
            self.handle = open(target, "wb")  # a FIFO or a device: written in place, never replaced
            return
        if existing is not None and (not os.access(target, os.W_OK) or not existing.st_mode & stat.S_IWUSR):
            raise InputError(f"--output {path}: Permission denied (the file is read-only, and the report does not "
                             "replace it; make it writable or choose another output file)")
        _remove_stale_temporaries(target)
        self.target = target
        fd = None
        try:
            with _blocked_signals():  # a signal waits until self.temp is set, so the clean-up below knows it
                fd, self.temp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp",
                                                 dir=os.path.dirname(target))
            mode = 0o666 & ~_umask() if existing is None else stat.S_IMODE(existing.st_mode)
            if hasattr(os, "fchmod"):
                os.fchmod(fd, mode)
            else:  # Windows before Python 3.13: by path (only the read-only bit counts there)
                os.chmod(self.temp, mode)
            # The owner is kept where there are owners to keep (Unix); elsewhere the rewrite makes the file
            # this user's, as it would anyway.
            if existing is not None and hasattr(os, "fchown") and hasattr(os, "geteuid") and hasattr(os, "getegid"):
                if (existing.st_uid, existing.st_gid) != (os.geteuid(), os.getegid()):
                    try:
                        os.fchown(fd, existing.st_uid, existing.st_gid)
                    except OSError:
                        pass  # not permitted: the file becomes this user's, as any rewrite would make it
            self.handle = os.fdopen(fd, "wb")
        except BaseException:
            if fd is not None and self.handle is None:
                os.close(fd)
            self.abort()
            raise

    def write(self, text: str) -> None:
        """Write text as UTF-8, a slice at a time so a large report is never held twice.

        A lone surrogate (JSON input may escape one, `"\\ud800"`) is written as
        `\\ud800` instead of failing the run.
        """
        write = self.handle.write
        chunk = WRITE_CHUNK
        for start in range(0, len(text), chunk):
            write(text[start:start + chunk].encode("utf-8", "backslashreplace"))

    def commit(self) -> None:
        if self.temp is None:
            self.handle.flush()
            if self.handle is not getattr(sys.stdout, "buffer", None):
                self.handle.close()
            return
        self.handle.close()
        os.replace(self.temp, self.target)
        self.temp = None

    def abort(self) -> None:
        if self.temp is not None:
            try:
                if self.handle is not None:
                    self.handle.close()
            except OSError:
                pass
            try:
                os.unlink(self.temp)
            except OSError:
                pass
            self.temp = None
        elif self.handle is not None and self.handle is not getattr(sys.stdout, "buffer", None):
            try:
                self.handle.close()
            except OSError:
                pass
