"""The customer ids a run has seen: which record came first with an id, and ids that only look alike.

Every tool rejects a record whose customer_id an earlier record already has, and
names where the first one is. `SeenIds` answers that question for the command layer.

Alike ids. Ids are compared in Unicode normal form NFC (`same_form`): `Café`
with a precomposed é and with an e and a combining accent is one id. Two ids that
differ only by invisible characters (Unicode format
characters, category Cf: a zero-width space U+200B, a byte-order mark U+FEFF, a
left-to-right mark U+200E ...) print the same in every report, and are the same
account pasted with a stray character: the later record is a duplicate, rejected as
such, its message naming the first and the difference. Two ids that differ only by
case (`acc-1` and `ACC-1`) may be two accounts (some CRMs' ids are case-sensitive):
both are scored, and the run writes one `warning:` line per such pair (at most
`WARN_LIMIT`, then a count). Both checks compare the id's *key*: the id without its
format characters, case-folded. Plain ASCII ids (nearly all) only need `lower()`.

Memory. Every run keeps the index, and a streamed run (jsonl or csv out) holds
nothing else that grows with the book, so it is compact: a 64-bit digest of each key
in an open-addressing table of two arrays (digest, offset), and the ids and
locations packed in one bytearray, ~70 bytes an id instead of ~270 for a dict of
strings (1 million ids: 68 MB against 275 MB). A digest found is never taken on
trust: the packed id is compared in full, so two keys with the same digest stay two
accounts.
"""

import unicodedata
from array import array
from typing import Optional

from csm.values import shown

WARN_LIMIT = 20  # case-variant warning lines per run; the rest are counted in one more line

# The compact table's digest of a key: Python's own string hash, 64 bits. It is
# salted per process, which is what the table wants: nothing outside the run sees
# a digest (no output depends on the table's order), a hostile book cannot be
# built offline to make its ids collide, and the hash is computed in C and cached
# on the string (a twentieth of BLAKE2b's cost here). A digest is never taken on
# trust (the packed id is compared), so a collision costs a comparison, never a record.
_hash = hash


def id_key(customer_id: str) -> str:
    """Return the comparison key of an id: in NFC, its format characters (Unicode Cf) removed, case-folded.

    >>> id_key("ACC-1"), id_key("acc-1\\u200b"), id_key("\\ufeffStra\\u00dfe"), id_key("Cafe\\u0301") == id_key("Caf\\u00e9")
    ('acc-1', 'acc-1', 'strasse', True)
    """
    if customer_id.isascii():
        return customer_id.lower()
    return unicodedata.normalize("NFC", _visible(customer_id).casefold())


def same_form(customer_id: str) -> str:
    """The id in Unicode normal form NFC, as ids are compared (an export may write an accent precomposed,
    `\\u00e9`, or as a letter and a combining mark, `e\\u0301`: the same id). Output keeps the id as written.

    >>> same_form("Caf\\u00e9") == same_form("Cafe\\u0301")
    True
    """
    return customer_id if customer_id.isascii() else unicodedata.normalize("NFC", customer_id)


def _visible(customer_id):
    """The id without its format characters (what a reader sees), in NFC."""
    if customer_id.isascii():
        return customer_id
    return unicodedata.normalize("NFC", "".join(char for char in customer_id if unicodedata.category(char) != "Cf"))


def _how_alike(first_id, customer_id):
    """Why two different texts are one id: invisible characters, or another Unicode normal form."""
    if same_form(first_id) == same_form(customer_id):
        return f" ({shown(first_id)}, the same id written in another Unicode normal form)"
    return f" ({shown(first_id)}, the same id but for invisible characters)"


def _digest(key):
    """The table's 64-bit digest of an id key (0 marks an empty slot, so never 0)."""
    return _hash(key) & 0xFFFFFFFFFFFFFFFF or 1


_EMPTY = (0,)  # an array of n zero slots is array("Q", _EMPTY) * n: made in place, no n x 8 bytes copied in


class SeenIds:
    """Remember the first record of each customer_id; say when a later one repeats or resembles it.

    `check(customer_id, label)` returns None for an id not seen before (and
    remembers it at `label`), or the duplicate message for an id seen before (the
    same, or the same but for invisible characters). A case variant is remembered
    as an id of its own and adds a line to `warnings` (read and emptied by the caller).
    """

    def __init__(self):
        self.warnings = []
        self.case_pairs = 0
        self._variants = {}  # key -> [(id, location)] of ids whose key an earlier, different id has
        self._size = 1 << 16
        self._digests = array("Q", _EMPTY) * self._size  # 0: empty slot
        self._offsets = array("Q", _EMPTY) * self._size
        self._packed = bytearray()  # per id: its UTF-8, 0xFF, its location's UTF-8, 0xFE
        self._count = 0

    def _seen_before(self, customer_id, label, key, first_id, first_label):
        """The answer for the id at label, whose key an earlier id (first_id, at first_label) has."""
        if first_id == customer_id:
            return self._duplicate(customer_id, first_label)
        if _visible(first_id) == _visible(customer_id):
            return self._duplicate(customer_id, first_label, _how_alike(first_id, customer_id))
        variants = self._variants.setdefault(key, [])
        for variant, where in variants:  # an earlier case variant: the same id, or alike but for invisibles
            if variant == customer_id:
                return self._duplicate(customer_id, where)
            if _visible(variant) == _visible(customer_id):
                return self._duplicate(customer_id, where, _how_alike(variant, customer_id))
        variants.append((customer_id, label))
        self.case_pairs += 1
        if self.case_pairs <= WARN_LIMIT:
            how = "case" if _visible(customer_id) == customer_id and _visible(first_id) == first_id \
                else "case and invisible characters"
            self.warnings.append(f"{label}: customer_id {shown(customer_id)} differs from {shown(first_id)} "
                                 f"at {first_label} only by {how}; both are scored as separate accounts")
        return None

    def untold_warnings(self) -> Optional[str]:
        """The line counting the case-variant pairs past WARN_LIMIT, or None."""
        hidden = self.case_pairs - WARN_LIMIT
        if hidden <= 0:
            return None
        return f"{hidden:,} more customer_id pairs differ only by case (the first {WARN_LIMIT} are listed above)"

    @staticmethod
    def _duplicate(customer_id, first_label, which=""):
        return (f"duplicate customer_id {shown(customer_id)}: the first is at {first_label}{which}; "
                "only the first is scored")

    # The table: open addressing, linear probing, at most half full.

    def check(self, customer_id: str, label: str) -> Optional[str]:
        """See the class docstring."""
        key = id_key(customer_id)
        digest = _digest(key)
        slot, first = self._find(key, digest)
        if first is not None:
            return self._seen_before(customer_id, label, key, *first)
        self._count += 1
        if 2 * self._count > self._size:
            self._grow()
            slot = self._slot(digest)
        packed = self._packed
        self._digests[slot] = digest
        self._offsets[slot] = len(packed)
        packed += b"%b\xff%b\xfe" % (customer_id.encode("utf-8", "surrogatepass"),
                                      label.encode("utf-8", "surrogatepass"))
        return None

    def holds(self, customer_id: str) -> bool:
        """True when a record of the run had this very id (scored or rejected; a case variant is an id of its own).

        >>> seen = SeenIds(); seen.check("ACC-1", "row 2"); seen.holds("ACC-1"), seen.holds("acc-1")
        (True, False)
        """
        key = id_key(customer_id)
        first = self._find(key, _digest(key))[1]
        if first is None:
            return False
        return first[0] == customer_id or any(variant == customer_id for variant, _ in self._variants.get(key, ()))

    def _find(self, key, digest):
        """(slot, (first id, its location)) of the id whose key is `key`; (the empty slot its probe ends on,
        None) when no record had it."""
        digests = self._digests
        mask = self._size - 1
        slot = digest & mask
        while True:
            found = digests[slot]
            if found == 0:
                return slot, None
            if found == digest:
                first = self._unpack(self._offsets[slot])
                if id_key(first[0]) == key:
                    return slot, first
            slot = (slot + 1) & mask

    def _slot(self, digest):
        """The first empty slot of digest's probe sequence."""
        digests = self._digests
        mask = self._size - 1
        slot = digest & mask
        while digests[slot] != 0:
            slot = (slot + 1) & mask
        return slot

    def _grow(self):
        old = zip(self._digests, self._offsets)
        self._size *= 2
        self._digests = array("Q", _EMPTY) * self._size
        self._offsets = array("Q", _EMPTY) * self._size
        digests, offsets, slot_of = self._digests, self._offsets, self._slot
        for digest, offset in old:
            if digest:
                slot = slot_of(digest)
                digests[slot] = digest
                offsets[slot] = offset

    def _unpack(self, offset):
        """The (id, location) packed at offset (UTF-8 never holds the bytes 0xFF and 0xFE)."""
        packed = self._packed
        middle = packed.index(b"\xff", offset)
        end = packed.index(b"\xfe", middle)
        return (packed[offset:middle].decode("utf-8", "surrogatepass"),
                packed[middle + 1:end].decode("utf-8", "surrogatepass"))
