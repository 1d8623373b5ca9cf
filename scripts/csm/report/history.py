"""Score history in SQLite (`--history FILE.sqlite`): the file, its schema, and reading and writing snapshots.

Besides the snapshots a trend reads (`Store.read`), one account's stored churn and
health points, date by date (`Store.reviews`), fill a template's weekly review.

Owns the database file and nothing else (what changed between snapshots is
`changes`). The standard library's `sqlite3`; references/history.md documents the
schema and the `account_history` view for BI tools.

The schema (version 1, in `PRAGMA user_version`; the file is this tool's by its
`PRAGMA application_id`, APPLICATION_ID, and the `meta` table):

- `snapshot`: one row per analysis (health, churn, expansion) and as-of date, with
  the methodology hash and name, the tool and its version, when it was written (UTC)
  and how many accounts it holds. Unique on (analysis, as_of): re-running an as-of
  replaces that snapshot.
- `account_snapshot`: one row per account of a snapshot: customer_id, name, segment,
  owner, ARR, score, band, the renewal date and whether it had lapsed (where the
  analysis reads them), and `figures` (JSON: the sub-scores a trend can use).
- the view `account_history(as_of, analysis, customer_id, score, band, arr)`.

Safety: before anything opens the file for writing, its first 100 bytes are read
as plain bytes; a file that is not SQLite, or is SQLite of another program (another
application id), or of a newer schema, is refused (InputError) and never touched.
Reading is query-only. Writing is one transaction (`BEGIN IMMEDIATE`)
per run, in WAL mode with a busy timeout, so concurrent runs on one file wait for
each other and all land. A new file gets the application id before WAL mode, so a
concurrent run's byte check already sees whose it is.
"""

import datetime
import json
import os
import sqlite3
from typing import Dict, List, NamedTuple, Optional, Tuple

from csm.config.churn import TIERS
from csm.config.health import CLASSES
from csm.errors import InputError
from csm.ingest.ids import same_form
from csm.values import LARGEST, printable, shown

APPLICATION_ID = 0x43534D48  # "CSMH": customer-success-manager history
SCHEMA_VERSION = 1
BUSY_TIMEOUT_SECONDS = 60  # how long a run waits for another run's transaction on the file
REVIEW_BANDS = {"churn": TIERS, "health": CLASSES}  # the bands a stored review point may hold
WARNED_ROWS = 20  # rows skipped on reading named one a line; the rest counted
HEADER = b"SQLite format 3\x00"
TOOL_NAME = "customer-success-manager"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshot (
    snapshot_id INTEGER PRIMARY KEY,
    analysis TEXT NOT NULL,
    as_of TEXT NOT NULL,
    methodology_hash TEXT NOT NULL,
    methodology_name TEXT NOT NULL,
    tool TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    created_at TEXT NOT NULL,
    account_count INTEGER NOT NULL,
    UNIQUE (analysis, as_of)
);
CREATE TABLE IF NOT EXISTS account_snapshot (
    snapshot_id INTEGER NOT NULL REFERENCES snapshot (snapshot_id),
    customer_id TEXT NOT NULL,
    name TEXT NOT NULL,
    segment TEXT NOT NULL,
    owner TEXT,
    arr REAL NOT NULL,
    score REAL NOT NULL,
    band TEXT NOT NULL,
    contract_end_date TEXT,
    lapsed INTEGER,
    figures TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, customer_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS account_snapshot_customer ON account_snapshot (customer_id);
CREATE VIEW IF NOT EXISTS account_history AS
    SELECT s.as_of, s.analysis, a.customer_id, a.score, a.band, a.arr
    FROM account_snapshot AS a JOIN snapshot AS s ON s.snapshot_id = a.snapshot_id;
"""

TABLES = ("meta", "snapshot", "account_snapshot")


class Snapshot(NamedTuple):
    """One analysis' results on one as-of date, as stored: `rows` are tuples in the column order
    of account_snapshot after snapshot_id (customer_id, name, segment, owner, arr, score, band,
    contract_end_date, lapsed, figures)."""

    analysis: str
    as_of: str
    methodology_hash: str
    methodology_name: str
    tool: str
    tool_version: str
    rows: List[tuple]


UNREADABLE = "unreadable"  # the band of a stored point that does not read back (StoredReview)


class StoredReview(NamedTuple):
    """One as-of date of one account in the history: its churn and health points (None where not stored)."""

    as_of: str
    risk_score: Optional[float]
    risk_tier: Optional[str]
    health_score: Optional[float]
    health_class: Optional[str]


def inspect(path):
    """Return True when `path` is this tool's history, False when it is absent or empty (a new history).

    Reads the first 100 bytes only. Raises InputError for anything else: a folder,
    a device or pipe, a file that is not SQLite, SQLite of another program, a newer schema.
    """
    if os.path.isdir(path):
        raise InputError(f"--history {path} is a folder, not a history file")
    if os.path.exists(path) and not os.path.isfile(path):  # a device or a pipe: never opened, never waited on
        raise InputError(f"--history {path} is not a regular file")
    try:
        with open(path, "rb") as handle:
            head = handle.read(100)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise InputError(f"--history {path} cannot be read: {exc.strerror or exc}") from None
    if not head:
        return False
    if len(head) < 100 or not head.startswith(HEADER):
        raise InputError(f"--history {path} is not a SQLite database (left unchanged); "
                         "give a new file name or a history this tool wrote")
    application_id = int.from_bytes(head[68:72], "big")
    if application_id != APPLICATION_ID:
        raise InputError(f"--history {path} is a SQLite database of another program "
                         f"(application id {application_id:#010x}, not {APPLICATION_ID:#010x}); left unchanged")
    version = int.from_bytes(head[60:64], "big")
    if version > SCHEMA_VERSION:
        raise InputError(f"--history {path} has history schema {version}, newer than this tool's "
                         f"{SCHEMA_VERSION}; left unchanged")
    return True


def _bad_row(customer_id, score, band, lapsed, arr, score_high, bands):
    """What is wrong with a stored account row, or None when it is usable (`bands`: the analysis' own)."""
    if not isinstance(customer_id, str) or not customer_id:
        return "the customer_id is not text"
    if type(score) not in (int, float) or not 0 <= score <= score_high:
        return f"the score {shown(score)} is not a number from 0 to {score_high:,.0f}"
    if band not in bands:
        return f"the band {shown(band)} is not one of {', '.join(bands)}"
    if lapsed not in (None, 0, 1):
        return f"lapsed {shown(lapsed)} is not 0, 1 or empty"
    if type(arr) not in (int, float) or not 0 <= arr <= LARGEST:
        return f"the ARR {shown(arr)} is not a number from 0 to {LARGEST:,.0f}"
    return None


def _bad_figures(text, high):
    """What is wrong with the sub-scores stored as JSON text, or None: they are an object whose values are numbers
    from 0 to `high` or null, or objects of such (a health row's dimension scores, a churn row's signals)."""
    try:
        figures = json.loads(text) if isinstance(text, str) else None
    except (ValueError, RecursionError):
        figures = None
    if not isinstance(figures, dict):
        return "its sub-scores are not a JSON object"
    for name, value in figures.items():
        for part, figure in (value.items() if isinstance(value, dict) else [(None, value)]):
            if figure is not None and (type(figure) not in (int, float) or not 0 <= figure <= high):
                where = name if part is None else f"{name}.{part}"
                return (f"its sub-score {printable(str(where), 60)} is {shown(figure)}, not a number from 0 to "
                        f"{high:,.0f}")
    return None


def _is_date(text):
    try:
        return isinstance(text, str) and len(text) == 10 and bool(datetime.date.fromisoformat(text))
    except ValueError:
        return False


def _failed(path, exc):
    return InputError(f"--history {path} cannot be used: {exc} (left unchanged)")


class Store:
    """One history file: checked on opening, read read-only, written in one transaction."""

    def __init__(self, path):
        if path == ":memory:" or path.startswith("file:"):
            raise InputError(f"--history {path} is not a file: a history must be a file kept between runs "
                             "(give a path such as history.sqlite)")
        self.path = path
        self.warnings = []  # the first WARNED_ROWS rows skipped on reading, one line each
        self.skipped = 0
        self.exists = inspect(path)
        folder = os.path.dirname(os.path.abspath(path))
        if not self.exists and not os.path.isdir(folder):
            raise InputError(f"--history {path}: the folder {folder} does not exist")

    def read(self, analysis: str, before: str, limit: int, score_high: float, bands: Tuple[str, ...]
             ) -> Tuple[List[Tuple[str, str]], Dict[str, List[Tuple[str, float, str, Optional[bool]]]],
                        Dict[str, Dict[str, List[float]]]]:
        """Return the last `limit` snapshots of `analysis` before the date `before`.

        ([(as_of, methodology_hash)] newest first, customer_id (in NFC) -> [(as_of, score,
        band, lapsed), ...] newest first, as_of -> band -> [accounts, arr], customer_id (in
        NFC) -> the `figures` JSON text of its latest point, or None). Each row is checked as it is
        read back: one that is not (text id, score 0 to `score_high`, one of the analysis'
        `bands`, lapsed 0/1/NULL, ARR 0 to LARGEST) is skipped and adds a line to
        `warnings`; so is a snapshot of the analysis whose date is not YYYY-MM-DD (found
        whatever its text, which no date comparison would). Sub-scores that do not read back
        (numbers from 0 to `score_high`) are left out with a line too, the score kept.
        """
        if not self.exists:
            return [], {}, {}, {}
        try:
            connection = self._connect_reading()
            try:
                if not self._check_schema(connection):
                    return [], {}, {}, {}  # a history another run has just begun: no snapshot in it yet
                every = connection.execute(
                    "SELECT snapshot_id, as_of, methodology_hash FROM snapshot WHERE analysis = ?", (analysis,))
                snapshots = []
                for snapshot_id, as_of, methodology_hash in every:
                    if not _is_date(as_of):
                        self.warnings.append(f"--history {self.path}: the {analysis} snapshot {snapshot_id} is "
                                             f"dated {shown(as_of)}, not YYYY-MM-DD; skipped")
                    elif as_of < before:
                        snapshots.append((snapshot_id, as_of, methodology_hash))
                snapshots = sorted(snapshots, key=lambda snapshot: snapshot[1], reverse=True)[:limit]
                dates = [(as_of, methodology_hash) for _, as_of, methodology_hash in snapshots]
                by_id = {}
                figures = {}
                mix = {as_of: {} for as_of, _ in dates}
                if snapshots:
                    marks = ",".join("?" * len(snapshots))
                    ids = [snapshot_id for snapshot_id, _, _ in snapshots]
                    rows = connection.execute(
                        "SELECT a.customer_id, s.as_of, a.score, a.band, a.lapsed, a.arr, a.figures "
                        "FROM account_snapshot AS a JOIN snapshot AS s ON s.snapshot_id = a.snapshot_id "
                        f"WHERE a.snapshot_id IN ({marks}) ORDER BY s.as_of DESC", ids)
                    for customer_id, as_of, score, band, lapsed, arr, figure_text in rows:
                        problem = _bad_row(customer_id, score, band, lapsed, arr, score_high, bands)
                        if problem is not None:
                            self._skipped(f"--history {self.path}: the {analysis} snapshot of {as_of}, account "
                                          f"{printable(str(customer_id))}: {problem}; skipped")
                            continue
                        point = (as_of, score, band, None if lapsed is None else bool(lapsed))
                        key = same_form(customer_id)
                        found = by_id.get(key)
                        if found is None:
                            by_id[key] = [point]
                            problem = _bad_figures(figure_text, score_high)
                            if problem is not None:
                                figure_text = None
                                self._skipped(f"--history {self.path}: the {analysis} snapshot of {as_of}, account "
                                              f"{printable(str(customer_id))}: {problem}; they are left out (its "
                                              "score is read)")
                            figures[key] = figure_text  # held as text, checked (less memory than parsed)
                        else:
                            found.append(point)
                        count_arr = mix[as_of].setdefault(band, [0, 0])
                        count_arr[0] += 1
                        count_arr[1] += arr
            finally:
                connection.close()
        except sqlite3.Error as exc:
            raise _failed(self.path, exc) from None
        return dates, by_id, mix, figures

    def _skipped(self, line):
        """Count a row (or part of one) left out on reading; its line among the first WARNED_ROWS."""
        self.skipped += 1
        if self.skipped <= WARNED_ROWS:
            self.warnings.append(line)

    def _connect_reading(self):
        # Read-write, yet query-only: a read-only connection would leave the -wal and -shm
        # files of WAL mode behind it; this one removes them on closing, as any reader does.
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS)
        connection.execute("PRAGMA query_only = 1")
        return connection

    def reviews(self, customer_id: str, before: str, limit: int) -> Tuple[List["StoredReview"], int]:
        """Return one account's stored churn and health points before the date `before`, one per as-of date.

        ([StoredReview] oldest first, the last `limit` dates; how many earlier dates were
        left out). The id matches as written or in NFC. A point that does not read back
        as a score from 0 to 100 with a band of its analysis is kept as score None and band
        UNREADABLE, so the row says so (the trend's own reading warns about it); one whose
        date is not YYYY-MM-DD is skipped with a line in `warnings`.
        """
        if not self.exists:
            return [], 0
        by_date = {}
        try:
            connection = self._connect_reading()
            try:
                if not self._check_schema(connection):
                    return [], 0
                rows = connection.execute(
                    "SELECT s.as_of, s.analysis, a.customer_id, a.score, a.band, a.lapsed, a.arr "
                    "FROM account_snapshot AS a JOIN snapshot AS s ON s.snapshot_id = a.snapshot_id "
                    "WHERE a.customer_id IN (?, ?) AND s.analysis IN ('churn', 'health') AND s.as_of < ? "
                    "ORDER BY s.as_of DESC", (customer_id, same_form(customer_id), before))
                for as_of, analysis, stored_id, score, band, lapsed, arr in rows:
                    if not _is_date(as_of):
                        self._skipped(f"--history {self.path}: the {analysis} snapshot dated {shown(as_of)}, not "
                                      f"YYYY-MM-DD, of account {printable(str(stored_id))}; skipped")
                        continue
                    bad = _bad_row(stored_id, score, band, lapsed, arr, 100, REVIEW_BANDS[analysis]) is not None
                    by_date.setdefault(as_of, {})[analysis] = (None, UNREADABLE) if bad else (score, band)
            finally:
                connection.close()
        except sqlite3.Error as exc:
            raise _failed(self.path, exc) from None
        dates = sorted(by_date)
        kept = dates[-limit:] if limit > 0 else []
        return ([StoredReview(as_of, *by_date[as_of].get("churn", (None, None)),
                              *by_date[as_of].get("health", (None, None))) for as_of in kept],
                len(dates) - len(kept))

    def take_warnings(self) -> List[str]:
        """The lines of the rows skipped so far (the first WARNED_ROWS, then a count); emptied."""
        lines = list(self.warnings)
        if self.skipped > WARNED_ROWS:
            lines.append(f"--history {self.path}: {self.skipped - WARNED_ROWS:,} more rows skipped")
        self.warnings, self.skipped = [], 0
        return lines

    def _check_schema(self, connection):
        """Return True when the schema is there, False when the file has no schema yet (version 0)."""
        (application_id,), = connection.execute("PRAGMA application_id").fetchall()
        (version,), = connection.execute("PRAGMA user_version").fetchall()
        names = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if application_id != APPLICATION_ID or version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError("not this tool's history")
        if version == 0:
            return False
        if not set(TABLES) <= names:
            raise sqlite3.DatabaseError(f"the tables {', '.join(TABLES)} are not all there")
        return True

    def write(self, snapshots: List[Snapshot]) -> None:
        """Store the run's snapshots in one transaction, each replacing any of its analysis and as-of.

        `snapshots`: a list of Snapshot. Waits up to BUSY_TIMEOUT_SECONDS for another
        run. Raises InputError when the file changed hands since it was checked,
        or cannot be written.
        """
        path = self.path
        exists = inspect(path)  # again: another run or program may have made it since
        try:
            connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        except sqlite3.Error as exc:
            raise _failed(path, exc) from None
        try:
            if not exists:
                connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("BEGIN IMMEDIATE")
            try:
                self._write(connection, snapshots)
            except BaseException:
                if connection.in_transaction:  # SQLite may have rolled back itself (a full disk): say its error
                    try:
                        connection.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
                raise
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            raise InputError(f"--history {path} cannot be written: {exc}") from None
        finally:
            connection.close()

    def _write(self, connection, snapshots):
        (application_id,), = connection.execute("PRAGMA application_id").fetchall()
        (version,), = connection.execute("PRAGMA user_version").fetchall()
        if application_id != APPLICATION_ID:
            raise sqlite3.DatabaseError("it is not this tool's history any more")
        if version == 0:
            for statement in SCHEMA.split(";"):  # one by one: executescript would commit
                if statement.strip():
                    connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            now = _now()
            connection.executemany("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                                   [("tool", TOOL_NAME), ("created_at", now)])
        for snapshot in snapshots:
            key = (snapshot.analysis, snapshot.as_of)
            connection.execute("DELETE FROM account_snapshot WHERE snapshot_id IN "
                               "(SELECT snapshot_id FROM snapshot WHERE analysis = ? AND as_of = ?)", key)
            connection.execute("DELETE FROM snapshot WHERE analysis = ? AND as_of = ?", key)
            cursor = connection.execute(
                "INSERT INTO snapshot (analysis, as_of, methodology_hash, methodology_name, tool, tool_version, "
                "created_at, account_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                key + (snapshot.methodology_hash, snapshot.methodology_name, snapshot.tool,
                       snapshot.tool_version, _now(), len(snapshot.rows)))
            snapshot_id = cursor.lastrowid
            connection.executemany(
                "INSERT INTO account_snapshot (snapshot_id, customer_id, name, segment, owner, arr, score, band, "
                "contract_end_date, lapsed, figures) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ((snapshot_id,) + row for row in snapshot.rows))


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
