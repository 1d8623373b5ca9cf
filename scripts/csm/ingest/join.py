"""Joining other exports onto the book: `--join FILE`, a left join on the normalised customer_id.

references/interface.md, "Several exports". This module owns:

- `JoinSource`: one `--join FILE` with its own `--join-map` and `--join-sheet`;
- `SourceIndex`: a joined source read whole (it is the smaller side) and indexed by
  id key (ingest.ids.id_key: format characters dropped, case folded); a row that
  cannot be read, a row without a customer_id and an id given twice are errors
  naming the file and the rows;
- `Join`: the book's records, each with what every source holds for its id. The book
  decides which accounts exist: a source row whose id the book lacks is counted and
  named in one warning; a book account a source lacks simply has nothing from it. A
  field two sources both give with different values keeps the book's (or the earlier
  source's): one warning per field, with the count and the first ids. A join that
  matches no book id at all is an error (almost surely the wrong key or file).

Memory: the book streams as it does alone; each source is held as its parsed records
plus one dict entry a row (references/interface.md, "Several exports", says how much).
"""

from typing import Iterator, List, NamedTuple, Optional

from csm import values
from csm.errors import InputError
from csm.ingest.columns import MappedRecord
from csm.ingest.ids import id_key
from csm.grouped import GroupedWarnings

NAMED_ROWS = 5  # rows (or ids) an error or a warning names; the rest are counted


class JoinSource(NamedTuple):
    """One `--join FILE`: its path, its own --join-map (None: header matching) and --join-sheet."""

    path: str
    map: Optional[str] = None
    sheet: Optional[str] = None


def join_key(value: object) -> Optional[str]:
    """The key a customer_id is joined on: text stripped (a whole number as written), None when unusable.

    >>> join_key(" ACC-1\\u200b"), join_key(1001), join_key(True), join_key("  ")
    ('acc-1', '1001', None, None)
    """
    if type(value) is int:
        return str(value)
    if isinstance(value, str) and value.strip():
        return id_key(value.strip())
    return None


class SourceIndex:
    """A joined source's records by id key, read whole; InputError for an unusable row or a repeated id."""

    def __init__(self, portfolio):
        self.name = portfolio.name
        self.from_text = portfolio.from_text
        self.records = {}
        self.ids = {}  # key -> the id as written (for the warnings)
        where = {}  # key -> the row's label
        repeated = []
        unusable = []
        for _, label, raw in portfolio.records():
            if not isinstance(raw, dict):
                reason = raw.reason if hasattr(raw, "reason") else "not an object of customer fields"
                unusable.append(f"{label}: {reason}")
                continue
            key = join_key(raw.get("customer_id"))
            if key is None:
                unusable.append(f"{label}: no customer_id")
                continue
            if key in where:
                repeated.append(f"{values.printable(str(raw['customer_id']).strip(), 60)} at {where[key]} and {label}")
                continue
            where[key] = label
            self.ids[key] = str(raw["customer_id"]).strip()
            del raw["customer_id"]
            self.records[key] = raw
        problems = []
        if unusable:
            problems.append(f"--join {self.name}: {len(unusable):,} rows cannot be joined: "
                            + "; ".join(unusable[:NAMED_ROWS]) + (" ..." if len(unusable) > NAMED_ROWS else ""))
        if repeated:
            problems.append(f"--join {self.name}: {len(repeated):,} ids are given twice (a joined source has one "
                            "row per account): " + "; ".join(repeated[:NAMED_ROWS])
                            + (" ..." if len(repeated) > NAMED_ROWS else ""))
        if problems:
            raise InputError("\n".join(problems))
        self.matched = set()


class Join:
    """The book's records with the sources' fields added (see the module docstring)."""

    def __init__(self, book_name: str, sources: List[SourceIndex]):
        self.book_name = book_name
        self.sources = sources
        self.conflicts = GroupedWarnings(f"{book_name}: ", "accounts")
        self.book_ids = []  # the first few book ids, for the error of a join that matches nothing

    def records(self, records: Iterator) -> Iterator:
        """Yield (index, label, record) of the book, each record with what the sources hold for its id."""
        for item in records:
            raw = item[2]
            if type(raw) is dict or type(raw) is MappedRecord:
                key = join_key(raw.get("customer_id"))
                if key is not None:
                    if len(self.book_ids) < NAMED_ROWS:
                        self.book_ids.append(str(raw["customer_id"]).strip())
                    for source in self.sources:
                        extra = source.records.get(key)
                        if extra is not None:
                            source.matched.add(key)
                            raw = self._merged(raw, extra, source.name)
                    item = (item[0], item[1], raw)
            yield item
        self._check_matched()

    def _merged(self, raw, extra, source_name):
        """The book's record with a source's record added: the book's value wins where both differ."""
        self._merge_into(raw, extra, "", raw["customer_id"], source_name)
        kept = getattr(extra, "kept", None)
        notes = getattr(extra, "notes", ())
        if kept or notes:
            if type(raw) is not MappedRecord:
                raw = MappedRecord(raw)
                raw.kept = None
                raw.notes = ()
            raw.notes = tuple(raw.notes) + tuple(notes)
            if kept:
                raw.kept = dict(kept, **(raw.kept or {}))
        return raw

    def _merge_into(self, target, extra, prefix, customer_id, source_name):
        """Add what `extra` holds to `target` a section at a time: a section the book lacks is taken whole."""
        for key, value in extra.items():
            if value is None:
                continue
            held = target.get(key)
            if held is None or held == {}:
                target[key] = value
            elif type(held) is dict and type(value) is dict:
                self._merge_into(held, value, f"{prefix}{key}.", customer_id, source_name)
            elif held != value and (type(held) is dict or type(value) is dict
                                    or str(held).strip() != str(value).strip()):
                self.conflicts.add(f"{prefix}{key} differs in --join {source_name}; the book's value is used",
                                   customer_id)

    def _check_matched(self):
        for source in self.sources:
            if not source.matched and source.records:
                sample = ", ".join(list(source.ids.values())[:3])
                raise InputError(f"--join {source.name}: no row's customer_id is an id of {self.book_name} "
                                 f"(its ids: {sample} ...; the book's: {', '.join(self.book_ids[:3])} ...); "
                                 "is customer_id the right column (see --join-map)?")

    def warnings(self) -> List[str]:
        """The conflicts (one line per field) and, per source, the rows whose id the book lacks."""
        lines = self.conflicts.lines()
        for source in self.sources:
            unmatched = [source.ids[key] for key in source.records if key not in source.matched]
            if unmatched:
                lines.append(f"--join {source.name}: {len(unmatched):,} rows name an account {self.book_name} does "
                             f"not have; they are not read (first: {', '.join(unmatched[:NAMED_ROWS])})")
        return lines

