"""Keys a JSON object gives twice: Python's json keeps the last silently; here they are caught.

`"arr": 420000, "arr": 1` in one object is two answers to one question. For a
side file (--config, --map, --compare) `unique_object` is the reader's
object_pairs_hook and raises `RepeatedKey`, naming the key and both values; for a
portfolio, a `Marker` keeps the object but marks it (`RepeatedKeys`, a dict with
the repeats), so the record alone is rejected (different values) or read once with
a warning (the same value); `unmarked(record)` finds the marks and drops them.
"""

from typing import Any, List, NamedTuple, Tuple

from csm.values import shown


class RepeatedKey(ValueError):
    """A side file's JSON object gives one key twice."""


class Repeat(NamedTuple):
    """A key an object gives more than once: its values in order, and whether they all agree."""

    key: str
    values: list

    @property
    def agrees(self) -> bool:
        first = self.values[0]
        return all(type(value) is type(first) and value == first for value in self.values[1:])

    def words(self) -> str:
        """The key and its values, as a message says them.

        >>> Repeat("arr", [420000, 1]).words()
        'the key "arr" is given 2 times, with different values (420000, 1)'
        """
        given = ", ".join(shown(value) for value in self.values[:3]) + (", ..." if len(self.values) > 3 else "")
        how = "the same value" if self.agrees else "different values"
        return f"the key {shown(self.key)} is given {len(self.values)} times, with {how} ({given})"


def _repeats(pairs):
    seen = {}
    for key, value in pairs:
        seen.setdefault(key, []).append(value)
    return [Repeat(key, values) for key, values in seen.items() if len(values) > 1]


def unique_object(pairs: List[Tuple[str, Any]]) -> dict:
    """object_pairs_hook for a side file: the object as a dict; RepeatedKey when a key is given twice."""
    made = dict(pairs)
    if len(made) != len(pairs):
        raise RepeatedKey(f"{_repeats(pairs)[0].words()}; give each key once")
    return made


class RepeatedKeys(dict):
    """An object of a portfolio that gives a key more than once; `repeats` says which."""

    repeats: List[Repeat] = []


class Marker:
    """object_pairs_hook for a portfolio: each object as a dict, a RepeatedKeys when it gives a key twice;
    `marked` counts those, so a reader looks for repeats only when there are some."""

    def __init__(self):
        self.marked = 0

    def __call__(self, pairs: List[Tuple[str, Any]]) -> dict:
        made = dict(pairs)
        if len(made) == len(pairs):
            return made
        self.marked += 1
        marked = RepeatedKeys(made)
        marked.repeats = _repeats(pairs)
        return marked


def unmarked(value: Any) -> Tuple[Any, List[Repeat]]:
    """(value with every RepeatedKeys made a plain dict again, the repeats found in it).

    >>> unmarked(Marker()([("arr", 1), ("usage", Marker()([("a", 2), ("a", 2)]))]))
    ({'arr': 1, 'usage': {'a': 2}}, [Repeat(key='a', values=[2, 2])])
    """
    found = []
    if isinstance(value, dict):
        if isinstance(value, RepeatedKeys):
            found.extend(value.repeats)
        plain = {}
        for key, child in value.items():
            if isinstance(child, (dict, list)):
                child, inner = unmarked(child)
                found.extend(inner)
            plain[key] = child
        return plain, found
    if isinstance(value, list):
        items = []
        for child in value:
            if isinstance(child, (dict, list)):
                child, inner = unmarked(child)
                found.extend(inner)
            items.append(child)
        return items, found
    return value, found
