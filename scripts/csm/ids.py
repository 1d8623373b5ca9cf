"""The customer ids a run has seen: which record came first with an id, and ids that only look alike.

Every tool rejects a record whose customer_id an earlier record already has, and
names where the first one is. `SeenIds` answers that question for the command layer.

Alike ids. Two ids that differ only by invisible characters (Unicode format
characters, category Cf: a zero-width space U+200B, a byte-order mark U+FEFF, a
left-to-right mark U+200E ...) print the same in every report, and are the same
account pasted with a stray character: the later record is a duplicate, rejected as
such, its message naming the first and the difference. Two ids that differ only by
case (`acc-1` and `ACC-1`) may be two accounts (some CRMs' ids are case-sensitive):
both are scored, and the run writes one `warning:` line per such pair (at most
`WARN_LIMIT`, then a count). Both checks compare the id's *key*: the id without its
format characters, case-folded. Plain ASCII ids (nearly all) only need `lower()`.

Memory. A run that holds the book (json, text, markdown, html out) keeps a dict
(key -> first id and its location): its cost is small beside the parsed book. A
streamed run (jsonl or csv out) holds nothing else that grows with the book, so its
index is compact: a 64-bit BLAKE2b digest of each key in an open-addressing table of
two arrays (digest, offset), and the ids and locations packed in one bytearray,
~50 bytes an id instead of ~170 for a dict of strings (1 million ids: ~60 MB). A
digest found is never taken on trust: the packed id is compared in full, so two
keys with the same digest stay two accounts.
"""

import hashlib
import struct
import unicodedata
from array import array

from .values import shown

WARN_LIMIT = 20  # case-variant warning lines per run; the rest are counted in one more line


def id_key(customer_id):
    """Return the comparison key of an id: its format characters (Unicode Cf) removed, case-folded.

    >>> id_key("ACC-1"), id_key("acc-1\\u200b"), id_key("\\ufeffStra\\u00dfe")
    ('acc-1', 'acc-1', 'strasse')
    """
    if customer_id.isascii():
        return customer_id.lower()
    return "".join(char for char in customer_id if unicodedata.category(char) != "Cf").casefold()


def _visible(customer_id):
    """The id without its format characters (what a reader sees)."""
    if customer_id.isascii():
        return customer_id
    return "".join(char for char in customer_id if unicodedata.category(char) != "Cf")


class SeenIds:
    """Remember the first record of each customer_id; say when a later one repeats or resembles it.

    `check(customer_id, label)` returns None for an id not seen before (and
    remembers it at `label`), or the duplicate message for an id seen before (the
    same, or the same but for invisible characters). A case variant is remembered
    as an id of its own and adds a line to `warnings` (read and emptied by the caller).
    `compact=True` (streamed runs) keeps the packed table instead of a dict.
    """

    def __init__(self, compact=False):
        self.warnings = []
        self.case_pairs = 0
        self._variants = {}  # key -> [(id, location)] of ids whose key an earlier, different id has
        if compact:
            self._find = self._table_find
            self._store = self._table_store
            self._size = 1 << 12
            self._digests = array("Q", bytes(8 * self._size))  # 0: empty slot
            self._offsets = array("Q", bytes(8 * self._size))
            self._packed = bytearray()
            self._count = 0
        else:
            self._first = {}  # key -> (first id, its location)
            self._find = self._first.get
            self._store = self._dict_store

    def check(self, customer_id, label):
        key = id_key(customer_id)
        found = self._find(key)
        if found is None:
            self._store(key, customer_id, label)
            return None
        first_id, first_label = found
        if first_id == customer_id:
            return self._duplicate(customer_id, first_label)
        if _visible(first_id) == _visible(customer_id):
            return self._duplicate(customer_id, first_label,
                                   f" ({shown(first_id)}, the same id but for invisible characters)")
        variants = self._variants.setdefault(key, [])
        for variant, where in variants:  # an earlier case variant: the same id, or alike but for invisibles
            if variant == customer_id:
                return self._duplicate(customer_id, where)
            if _visible(variant) == _visible(customer_id):
                return self._duplicate(customer_id, where,
                                       f" ({shown(variant)}, the same id but for invisible characters)")
        variants.append((customer_id, label))
        self.case_pairs += 1
        if self.case_pairs <= WARN_LIMIT:
            self.warnings.append(f"{label}: customer_id {shown(customer_id)} differs from {shown(first_id)} "
                                 f"at {first_label} only by case; both are scored as separate accounts")
        return None

    def untold_warnings(self):
        """The line counting the case-variant pairs past WARN_LIMIT, or None."""
        hidden = self.case_pairs - WARN_LIMIT
        if hidden <= 0:
            return None
        return f"{hidden:,} more customer_id pairs differ only by case (the first {WARN_LIMIT} are listed above)"

    @staticmethod
    def _duplicate(customer_id, first_label, which=""):
        return (f"duplicate customer_id {shown(customer_id)}: the first is at {first_label}{which}; "
                "only the first is scored")

    def _dict_store(self, key, customer_id, label):
        self._first[key] = (customer_id, label)

    # The compact table: open addressing, linear probing, at most half full.

    @staticmethod
    def _digest(key):
        value = int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                               "little")
        return value or 1

    def _table_find(self, key):
        digest = self._digest(key)
        digests = self._digests
        mask = self._size - 1
        slot = digest & mask
        while True:
            found = digests[slot]
            if found == 0:
                return None
            if found == digest:
                first_id, first_label = self._unpack(self._offsets[slot])
                if id_key(first_id) == key:
                    return first_id, first_label
            slot = (slot + 1) & mask

    def _table_store(self, key, customer_id, label):
        if 2 * (self._count + 1) > self._size:
            self._grow()
        packed = self._packed
        offset = len(packed)
        identity = customer_id.encode("utf-8", "surrogatepass")
        where = label.encode("utf-8", "surrogatepass")
        packed += struct.pack("<II", len(identity), len(where))
        packed += identity
        packed += where
        self._place(self._digest(key), offset)
        self._count += 1

    def _place(self, digest, offset):
        digests = self._digests
        mask = self._size - 1
        slot = digest & mask
        while digests[slot] != 0:
            slot = (slot + 1) & mask
        digests[slot] = digest
        self._offsets[slot] = offset

    def _grow(self):
        old = zip(self._digests, self._offsets)
        self._size *= 2
        self._digests = array("Q", bytes(8 * self._size))
        self._offsets = array("Q", bytes(8 * self._size))
        for digest, offset in old:
            if digest:
                self._place(digest, offset)

    def _unpack(self, offset):
        packed = self._packed
        id_length, label_length = struct.unpack_from("<II", packed, offset)
        start = offset + 8
        middle = start + id_length
        return (packed[start:middle].decode("utf-8", "surrogatepass"),
                packed[middle:middle + label_length].decode("utf-8", "surrogatepass"))
