"""Customer ids seen in a run: duplicates, ids alike but for invisible characters or case, and the
compact index they are kept in (a digest never taken on trust)."""

import json

import pytest

from csm.ingest import ids
from csm.ingest.ids import SeenIds, id_key

TOOL = "health_score_calculator.py"
AS_OF = ("--as-of", "2026-11-22")


def answers(seen, names):
    return [seen.check(name, f"record {index}") for index, name in enumerate(names)]


def test_a_repeated_id_names_the_first_record_and_a_new_one_is_remembered():
    seen = SeenIds()
    assert answers(seen, ["A", "B", "A", "A"]) == [
        None, None,
        'duplicate customer_id "A": the first is at record 0; only the first is scored',
        'duplicate customer_id "A": the first is at record 0; only the first is scored']


def test_an_id_alike_but_for_invisible_characters_is_a_duplicate_that_says_so():
    seen = SeenIds()
    found = answers(seen, ["ACC-1", "ACC-1\u200b", "\ufeffACC-1\u200e"])
    assert found[1] == ('duplicate customer_id "ACC-1\\u200b": the first is at record 0 ("ACC-1", the same id '
                        'but for invisible characters); only the first is scored')
    assert found[2].startswith('duplicate customer_id "\\ufeffACC-1\\u200e": the first is at record 0')


def test_an_id_alike_but_for_case_is_scored_with_one_warning_and_its_own_repeats_are_duplicates():
    seen = SeenIds()
    found = answers(seen, ["ACC-1", "acc-1", "acc-1", "acc-1\u200b", "Acc-1"])
    assert found[1] is None and found[4] is None
    assert found[2] == 'duplicate customer_id "acc-1": the first is at record 1; only the first is scored'
    assert "the first is at record 1 (\"acc-1\", the same id but for invisible characters)" in found[3]
    assert seen.warnings == [
        'record 1: customer_id "acc-1" differs from "ACC-1" at record 0 only by case; both are scored as '
        "separate accounts",
        'record 4: customer_id "Acc-1" differs from "ACC-1" at record 0 only by case; both are scored as '
        "separate accounts"]


def test_the_index_answers_as_a_dict_of_every_id_does_on_a_large_book():
    book = [f"ID-{number}" for number in range(50000)] + [f"ID-{number}" for number in range(0, 50000, 3)]
    first = {}
    expected = []
    for index, name in enumerate(book):
        if name in first:
            expected.append(f'duplicate customer_id "{name}": the first is at record {first[name]}; '
                            "only the first is scored")
        else:
            first[name] = index
            expected.append(None)
    seen = SeenIds()
    assert answers(seen, book) == expected
    assert seen.warnings == []


def test_a_digest_shared_by_two_ids_never_rejects_the_second(monkeypatch):
    monkeypatch.setattr(ids, "_hash", lambda key: 42)  # every id has the same digest
    seen = SeenIds()
    names = [f"X{number}" for number in range(300)]
    assert answers(seen, names) == [None] * 300
    assert seen.check("X299", "again") == ('duplicate customer_id "X299": the first is at record 299; '
                                           "only the first is scored")


def test_case_warnings_stop_at_the_limit_and_the_rest_are_counted():
    seen = SeenIds()
    answers(seen, [f"A-{number}" for number in range(30)] + [f"a-{number}" for number in range(30)])
    assert len(seen.warnings) == ids.WARN_LIMIT
    assert seen.untold_warnings() == ("10 more customer_id pairs differ only by case (the first 20 are "
                                      "listed above)")


def test_the_key_drops_format_characters_and_folds_case_only():
    assert id_key("ACC\u200b-1\ufeff") == "acc-1"
    assert id_key("ACC-1 ") != id_key("ACC-1")  # a visible space is part of the id
    assert id_key("ACC-\u00e91") != id_key("ACC-e1")  # accents stay


@pytest.mark.parametrize("output_format", ["json", "jsonl"])
def test_the_tool_rejects_the_zero_width_twin_and_warns_on_the_case_twin(run_tool, write_json, northwind,
                                                                         output_format):
    book = {"customers": [dict(northwind, customer_id="ACC-1"), dict(northwind, customer_id="ACC-1\u200b"),
                          dict(northwind, customer_id="acc-1")]}
    done = run_tool(TOOL, write_json(book), "--format", output_format, *AS_OF)
    assert done.returncode == 3
    assert done.stderr.splitlines() == [
        'error: customers[1] (ACC-1\\u200b): duplicate customer_id "ACC-1\\u200b": the first is at customers[0] '
        '("ACC-1", the same id but for invisible characters); only the first is scored',
        'warning: customers[2]: customer_id "acc-1" differs from "ACC-1" at customers[0] only by case; both are '
        "scored as separate accounts"]
    lines = done.stdout.splitlines()
    if output_format == "json":
        report = json.loads(done.stdout)
        assert sorted(a["customer_id"] for a in report["customers"]) == ["ACC-1", "acc-1"]
        assert report["summary"]["rejected_count"] == 1
    else:
        assert json.loads(lines[1])["rejected"]["customer_id"] == "ACC-1\u200b"
        assert json.loads(lines[-1])["summary"]["rejected_count"] == 1


def test_ids_beyond_ascii_fold_case_and_drop_invisibles_too():
    seen = SeenIds()
    assert answers(seen, ["Stra\u00dfe", "STRASSE", "caf\u00e9", "CAF\u00c9\u200b"])[:3] == [None, None, None]
    assert len(seen.warnings) == 2
    assert seen.check("\u200bSTRASSE", "record 9").startswith(
        'duplicate customer_id "\\u200bSTRASSE": the first is at record 1 ("STRASSE"')


def test_a_case_variant_that_also_carries_invisible_characters_says_both():
    seen = SeenIds()
    answers(seen, ["ACC-7", "acc-7\u200b"])
    assert seen.warnings == ['record 1: customer_id "acc-7\\u200b" differs from "ACC-7" at record 0 only by case '
                             "and invisible characters; both are scored as separate accounts"]
