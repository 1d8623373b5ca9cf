"""Reading a portfolio from streams, and one clear line for a document that cannot be read."""

import json
import os
import subprocess
import sys

import pytest

from conftest import SAMPLE, SCRIPTS, without_warnings

HEALTH = os.path.join(SCRIPTS, "health_score_calculator.py")
AS_OF = ("--as-of", "2026-11-22")
with open(SAMPLE, encoding="utf-8") as _handle:
    RECORDS = json.load(_handle)["customers"]


def health(*args, stdin=None):
    return subprocess.run([sys.executable, HEALTH, *map(str, args), *AS_OF], input=stdin, capture_output=True,
                          timeout=120)


def jsonl(count):
    return "".join(json.dumps(dict(RECORDS[i % 20], customer_id=f"X-{i}")) + "\n" for i in range(count))


@pytest.mark.parametrize("shape", ["json", "jsonl", "csv"])
def test_dev_stdin_from_a_pipe_is_read_as_a_stream(shape):
    body = {"json": open(SAMPLE, "rb").read(), "jsonl": jsonl(20).encode(),
            "csv": open(SAMPLE[:-5] + ".csv", "rb").read()}[shape]
    done = health("/dev/stdin", "--format", "json", stdin=body)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["total_customers"] == 20


def test_process_substitution_is_read_as_a_stream():
    done = subprocess.run(["bash", "-c", f'exec "{sys.executable}" "{HEALTH}" <(cat "{SAMPLE}") --format json'],
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["total_customers"] == 20


def test_a_json_lines_stream_with_a_first_line_longer_than_the_sniffed_bytes_is_read():
    first = dict(RECORDS[0], notes="x" * 100000)
    done = health("-", "--format", "json", stdin=(json.dumps(first) + "\n" + jsonl(3)).encode())
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["total_customers"] == 4


def test_a_stray_brace_after_a_pretty_printed_document_is_one_clear_line(tmp_path):
    path = tmp_path / "book.json"
    text = json.dumps({"customers": RECORDS}, indent=2)
    path.write_text(text + "\n}\n")
    done = health(path)
    line = text.count("\n") + 2
    assert (done.returncode, done.stderr.decode()) == (
        1, f"error: {path} is not valid JSON: extra data after the JSON document at line {line} column 1\n")


def test_json_lines_in_a_json_named_file_are_still_read_as_json_lines(tmp_path):
    path = tmp_path / "book.json"
    path.write_text(jsonl(4))
    done = health(path, "--format", "json")
    assert done.returncode == 0 and json.loads(done.stdout)["summary"]["total_customers"] == 4


def test_a_bad_utf8_byte_in_json_lines_names_its_own_line(tmp_path):
    lines = jsonl(30).encode().split(b"\n")
    lines[20] = lines[20].replace(b'"name": "', b'"name": "\xe9', 1)
    path = tmp_path / "book.jsonl"
    path.write_bytes(b"\n".join(lines))
    done = health(path, "--format", "jsonl")
    assert done.returncode == 1
    assert done.stderr.decode() == (f"error: {path} is not UTF-8 text (line 21: byte 0xe9 at byte 34 of the "
                                    "line); save or export it as UTF-8\n")


@pytest.mark.skipif(not hasattr(sys, "get_int_max_str_digits"), reason="a Python without the digit limit")
def test_a_5000_digit_integer_is_named_by_its_place(tmp_path):
    path = tmp_path / "book.json"
    path.write_text('{"customers": [\n' + json.dumps(RECORDS[0])[:-1] + ', "arr": ' + "9" * 5000 + "}]}")
    done = health(path)
    column = len(json.dumps(RECORDS[0])[:-1] + ', "arr": ') + 1
    assert (done.returncode, done.stderr.decode()) == (
        1, f"error: {path} is not usable JSON: a number at line 2 column {column} has 5,000 digits, more than "
           "the 4,300 a number may have here\n")
    lines = tmp_path / "book.jsonl"
    lines.write_text(jsonl(2) + '{"customer_id": "Z", "arr": ' + "1" * 5000 + "}\n")
    done = health(lines, "--format", "json")
    assert done.returncode == 3
    assert without_warnings(done.stderr.decode()) == (  # the sample's business_outcomes key warns apart
        "error: line 3: not usable JSON: a number at column 29 has 5,000 digits, "
        "more than the 4,300 a number may have here\n")
