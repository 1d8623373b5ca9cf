"""Scoring a held book on two processors: this process and one forked helper.

A run that has parsed a whole JSON document (every record in memory, nothing left to
read) and holds what it scores until the sorted report is written scores its records
one at a time, in input order: json, text and markdown without a finish hook (each
account held as its JSON text), and the portfolio report's lean runs (its small
results held for the views; Tool.helped_when; csm.cli; in json, beside each result
the account's brief and its entries in the views, as texts: Tool.json_part). With
two processors or more, `start` forks one helper before the first record is scored.
This process scores the records from the first on, as ever; the helper scores them
from START to the end, then goes back from START towards this process, and they
meet where both have worked as long (two counters in shared memory say how far each
has come: FRONT and BACK). From the meeting on, this process takes the helper's
outcomes in place of scoring the records. Everything that depends on the order of
the book (duplicate ids, the stderr lines, the summaries, the focus, the history,
the sort, the merging of the report's views) stays in this process, so the report is
byte for byte the one a single process writes: the helper only does what is the
same wherever it is done, `assess` and the account's JSON text or part. The counters
only steer who scores what: this process checks each outcome's index and customer id
against its record, so a stale or torn counter at worst has a record scored twice or
here.

What crosses from the helper is marshal, a batch of BATCH records at a time: each
record's result (the very values this process would have made, dicts in the same
order, shared strings still shared within a batch, so it costs what a result made
here costs), the account's JSON text when the run writes it as it is, or the part
the run keeps of it beside its result (plain data), or the record's errors. marshal
reads only what the helper wrote to a file no other process can name: nothing from
a user's file is ever unmarshalled. Reading a batch back is about a fifth of what
JSON took (12 us an account of the portfolio report, against 42). It costs a
temporary file of about the size of the helper's share, and the helper's copy of the
pages it writes to (it keeps every record, so that freeing none copies its pages).

Not used: without `fork` (Windows), on one processor (or one left by the affinity
mask: `taskset -c 0` runs single), for a book under `MIN_RECORDS`, for input read as
it streams (JSON Lines, CSV, xlsx: one file offset, two readers), under a profiler,
tracer or debugger (a profile then shows the whole work), or beside other threads
(fork copies only the one).

It fails safe: if the helper cannot be started, dies, or leaves anything but the
outcomes expected, this process scores the remaining records itself. A run that ends
early (an error, Ctrl-C, SIGTERM) stops the helper on its way out (`Helper.close`).
"""

import marshal
import mmap
import os
import signal
import sys
import tempfile
from typing import NamedTuple

from csm.score.accounts import customer_id_of

MIN_RECORDS = 2000  # below it the fork and the file cost more than the helper saves
# Where the helper works, as fractions of the book: from START to the end, then back from START
# towards this process until they meet (never below LOWEST). They meet where both have spent the
# same time, whatever the two processes' speeds on the machine of the day: between LOWEST and
# START, a helper from 2.3 times as fast as this process to 3 times as slow never keeps it waiting.
# (It is the slower one: it also encodes what it sends, and copies each page it writes to; on the
# 100,000-account report, some 1.4 times as slow, and twice as slow in a busy hour.)
START = 0.75
LOWEST = 0.3
# The meeting point: two counters in memory both processes share, each read and written whole
# (a memoryview of 64-bit integers: struct.pack_into would zero the bytes before it writes them,
# and the other process could read that 0). FRONT: the first record this process has not taken
# (it scores every one before). BACK: the last record the helper scored going back (it has scored
# every one from there to the end).
FRONT, BACK = 0, 1


def processors():
    """The processors this process may run on (the affinity mask where there is one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def available(count):
    """True when a book of `count` held records is worth scoring on two processes here."""
    if count < MIN_RECORDS or not hasattr(os, "fork"):
        return False
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return False
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return False
    return processors() >= 2


def start(records, parsed, score, make):
    """Fork the helper over the portfolio's records; return a Helper, or None when it cannot start.

    `records`: the portfolio's record iterator (index, label, raw) over the list `parsed`,
    not yet started: the helper runs its own copy of it from the first record, so every
    record it scores is read exactly as this process reads it. `score(raw)` -> (result,
    problems) of a record that is an object; `make(result)`: what else the run keeps of the
    account, its JSON text (one line) when the run writes it as it is, or the tool's json part
    (csm.cli, Tool.json_part); None: the helper sends the results alone.
    """
    count = len(parsed)
    first, lowest = int(count * START), int(count * LOWEST)
    try:
        spool = tempfile.TemporaryFile()
    except OSError:
        return None
    try:
        shared = mmap.mmap(-1, 16)  # anonymous and shared: each process sees the other's writes
        counters = memoryview(shared).cast("q")
        counters[BACK] = first
        done, told = os.pipe()  # a byte when the file is complete: sooner than the helper's exit
    except (OSError, ValueError, TypeError):
        spool.close()
        return None
    try:
        pid = os.fork()
    except OSError:
        for end in (done, told):
            os.close(end)
        spool.close()
        counters.release()
        shared.close()
        return None
    if pid == 0:  # the helper: never returns, never writes anywhere but its file, the pipe and the counters
        status = 1
        try:
            for signum in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
                if signum is not None:
                    signal.signal(signum, signal.SIG_DFL)
            os.close(done)
            # The iterator releases each record as it goes; the helper keeps them all instead, since
            # freeing one writes to every page it lies on, and a page written is a page copied.
            held = list(parsed)
            _work(records, score, make, lowest, first, spool, counters)
            os.write(told, b"1")
            status = 0
            del held
        except BaseException:  # any failure: this process scores the rest itself
            pass
        finally:
            os._exit(status)
    os.close(told)
    return Helper(pid, spool, lowest, done, shared, counters)


BATCH = 256  # outcomes the helper writes, and this process reads, at a time
# Each batch: its length in bytes (little-endian), then its marshal data. The file: the batches
# going forward (from START), a length of 0, the batches going back (towards this process), a 0.
HEADER = 8


def _work(records, score, make, lowest, first, spool, counters):
    """Score the records from `first` to the end, then back from `first` until this process is met."""
    batches = _Batches(spool.write)
    back = []  # the records from `lowest` to `first`: scored last, backwards, as far as this process leaves them
    for item in records:
        index, _, raw = item
        if index < lowest or not isinstance(raw, dict):
            continue
        if index < first:
            back.append(item)
            continue
        batches.add(_outcome(index, raw, score, make))
    batches.end_part()
    for index, _, raw in reversed(back):
        if index < counters[FRONT]:  # this process has taken it, and every one before
            break
        batches.add(_outcome(index, raw, score, make))
        counters[BACK] = index
    batches.end_part()
    spool.flush()


def _outcome(index, raw, score, make):
    """(index, customer_id, result, what `make` made of it or None, errors)."""
    result, problems = score(raw)
    if problems:
        return index, customer_id_of(raw), None, None, problems
    return index, customer_id_of(raw), result, None if make is None else make(result), None


class _Batches:
    """The helper's outcomes, written BATCH at a time; `end_part` writes the rest, then a length of 0."""

    def __init__(self, write):
        self.write = write
        self.batch = []

    def add(self, outcome):
        self.batch.append(outcome)
        if len(self.batch) == BATCH:
            self._write()

    def end_part(self):
        if self.batch:
            self._write()
        self.write(bytes(HEADER))

    def _write(self):
        data = marshal.dumps(self.batch)
        self.write(len(data).to_bytes(HEADER, "little"))
        self.write(data)
        self.batch = []


class Outcome(NamedTuple):
    """One record as the helper found it."""

    result: dict  # None when rejected
    problems: list  # the record's errors; empty when scored
    made: object  # what the run keeps of the account besides: its JSON text, or the tool's json part; or None


class Helper:
    """The forked helper as this process sees it: `outcome(index, customer_id)` for each record from `cut` on."""

    def __init__(self, pid, spool, cut, done, shared, counters):
        self.pid = pid
        self.spool = spool
        self.cut = cut  # from here on, this process asks before it scores a record
        self.done = done  # the pipe's end the helper's byte comes through
        self.shared = shared  # the mmap the two counters lie in
        self.counters = counters
        self._reading = False
        self._failed = False
        self._batches = None  # the (offset, size) of the helper's batches, in the order they are read
        self._batch = []  # (index, customer_id, result, made, errors) read ahead, the next one last

    def outcome(self, index, customer_id):
        """Return the Outcome of record `index` (an object), or None: score it here."""
        if self._failed:
            return None
        try:
            if not self._reading:
                if index < self.counters[BACK]:  # the helper has not come back this far
                    self.counters[FRONT] = index + 1  # this process takes it
                    return None
                self._read_batches()
                self._reading = True
            while True:
                if not self._batch:
                    self._next_batch()
                found, found_id, result, made, problems = self._batch.pop()
                if found >= index:
                    break  # (one before: both scored it when they met; this process's counts)
            if found != index or found_id != customer_id:
                raise ValueError(f"the helper's record {found} where {index} was expected")
        except (OSError, ValueError, TypeError, EOFError):
            self._fail()
            return None
        return Outcome(result, problems or [], made)

    def _read_batches(self):
        """Wait for the helper's file, and list its batches in input order: the ones going back, last first."""
        told = os.read(self.done, 1)  # b"" when the helper ended without finishing
        if told != b"1":
            raise ValueError("the helper ended before it had written every outcome")
        parts = ([], [])
        offset = 0
        for part in parts:
            while True:
                self.spool.seek(offset)
                header = self.spool.read(HEADER)
                if len(header) != HEADER:
                    raise ValueError("the helper's file ends early")
                size = int.from_bytes(header, "little")
                offset += HEADER + size
                if not size:
                    break
                part.append((offset - size, size))
        forward, back = parts
        self._batches = forward[::-1] + back  # popped from the end: the last batch going back first

    def _next_batch(self):
        """Read the next batch of outcomes (one marshal.loads: a fifth of the time JSON takes)."""
        if not self._batches:
            raise ValueError("more records than the helper scored")
        offset, size = self._batches.pop()
        self.spool.seek(offset)
        data = self.spool.read(size)
        if len(data) != size:
            raise ValueError("the helper's file ends early")
        batch = marshal.loads(data)
        if type(batch) is not list or not batch:
            raise ValueError("the helper's batch is not a list of outcomes")
        if batch[0][0] < batch[-1][0]:  # a batch going forward: popped from the end, in input order
            batch.reverse()
        self._batch = batch

    def _fail(self):
        self._failed = True
        self.close()

    def close(self):
        """Stop the helper if it still runs (a run that ends early), reap it, and drop its file and pipe."""
        if self.pid is not None:
            if not self._reading or self._failed:
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                os.waitpid(self.pid, 0)  # after a report is written, long since ended
            except OSError:
                pass
            self.pid = None
            os.close(self.done)
            self.spool.close()
            self.counters.release()
            self.shared.close()
