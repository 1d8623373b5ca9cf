"""Streaming: JSON Lines or CSV in, --format jsonl or csv out, one record at a time.

cli.py's docstring promises that such a run scores and writes each record as it
is read, in input order, so memory does not grow with the portfolio; the other
formats sort the book and hold it. These tests run each tool that streams on a
portfolio of 2,000 and of 12,000 accounts and compare the peak memory of the two
runs (each a fresh process, measured with os.wait4 as benchmarks/bench.py does):
what grows is only the set of customer ids seen (duplicates are rejected), well
under the 64 MB that 50,000 accounts may take (issue 8).
"""

import csv
import importlib.util
import io
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, SCRIPTS

SMALL, LARGE = 2_000, 12_000
PER_ACCOUNT_LIMIT = 400  # bytes of peak memory per extra account streamed
STREAM_LIMIT_MB = 64  # issue 8: 50,000 accounts streamed
STREAMING_TOOLS = ("health_score_calculator.py", "churn_risk_analyzer.py", "expansion_opportunity_scorer.py")
# expansion's Summary keeps an entry per account (ready / stabilise lists with each account's
# first opportunity, and the whole ranking) for the summary it prints at the end.


def load_bench():
    spec = importlib.util.spec_from_file_location("bench", os.path.join(ROOT, "benchmarks", "bench.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = load_bench()


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """Portfolios of SMALL and LARGE accounts as JSON Lines and CSV (1,000 generated accounts, repeated with new ids)."""
    folder = tmp_path_factory.mktemp("streaming")
    accounts = list(bench.generate(1_000))
    columns = bench.csv_columns()
    paths = {}
    for size in (SMALL, LARGE):
        lines = folder / f"book-{size}.jsonl"
        table = folder / f"book-{size}.csv"
        with open(lines, "w", encoding="utf-8") as as_lines, open(table, "w", encoding="utf-8", newline="") as as_csv:
            writer = csv.DictWriter(as_csv, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            for number in range(size):
                account = dict(accounts[number % len(accounts)], customer_id=f"ACC-{number:07d}")
                as_lines.write(json.dumps(account) + "\n")
                row = {}
                bench._flatten("", account, row)
                writer.writerow(row)
        paths[size, "jsonl"], paths[size, "csv"] = str(lines), str(table)
    return paths


def peak_mb(script, source, output_format, out):
    seconds, peak, status, tail = bench.measure(
        [sys.executable, os.path.join(SCRIPTS, script), source, "--format", output_format, "--as-of", bench.AS_OF],
        out)
    assert status in (0, 3), tail
    return peak


@pytest.mark.parametrize("shape", ["jsonl", "csv"])
@pytest.mark.parametrize("script", STREAMING_TOOLS)
def test_streamed_memory_does_not_grow_with_the_portfolio(script, shape, books, tmp_path):
    small = peak_mb(script, books[SMALL, shape], shape, str(tmp_path / "small.out"))
    large = peak_mb(script, books[LARGE, shape], shape, str(tmp_path / "large.out"))
    per_account = (large - small) * 2**20 / (LARGE - SMALL)
    at_50k = small + per_account * (50_000 - SMALL) / 2**20
    assert per_account < PER_ACCOUNT_LIMIT, f"{small:.1f} MB -> {large:.1f} MB: {per_account:.0f} bytes an account"
    assert at_50k < STREAM_LIMIT_MB, f"about {at_50k:.0f} MB at 50,000 accounts"


@pytest.mark.parametrize("script", STREAMING_TOOLS)
def test_streamed_output_is_one_record_per_line_in_input_order(script, books):
    source = books[SMALL, "jsonl"]
    with open(source, encoding="utf-8") as handle:
        ids = [json.loads(line)["customer_id"] for line in handle]
    done = subprocess.run([sys.executable, os.path.join(SCRIPTS, script), source, "--format", "jsonl",
                           "--as-of", bench.AS_OF], capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 3) and "Traceback" not in done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(lines) == len(ids) + 1
    assert "summary" in lines[-1]
    seen = [line["rejected"]["customer_id"] if "rejected" in line else line["customer_id"] for line in lines[:-1]]
    assert seen == ids

    done = subprocess.run([sys.executable, os.path.join(SCRIPTS, script), books[SMALL, "csv"], "--format", "csv",
                           "--as-of", bench.AS_OF], capture_output=True, text=True, timeout=120)
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [row["customer_id"] for row in rows] == ids


def test_the_sorted_formats_hold_the_book_and_sort_it(books):
    """json (and text, markdown) list the most urgent first, so they read the whole book before writing."""
    source = books[SMALL, "jsonl"]
    done = subprocess.run([sys.executable, os.path.join(SCRIPTS, STREAMING_TOOLS[0]), source, "--format", "json",
                           "--as-of", bench.AS_OF], capture_output=True, text=True, timeout=120)
    customers = json.loads(done.stdout)["customers"]
    with open(source, encoding="utf-8") as handle:
        ids = [json.loads(line)["customer_id"] for line in handle]
    assert [c["customer_id"] for c in customers] != [i for i in ids if i in {c["customer_id"] for c in customers}]
    ranks = {"act today": 0, "this week": 1, "this month": 2, "monitor": 3}
    keys = [ranks[c["next_action"]["attention"]] for c in customers]
    assert keys == sorted(keys)


def test_streamed_rejected_records_are_written_then_counted_not_held(tmp_path):
    peaks = {}
    for size in (SMALL, LARGE * 2):
        source = tmp_path / f"bad-{size}.jsonl"
        with open(source, "w", encoding="utf-8") as handle:
            for number in range(size):  # each rejected with a few problems, as a bad export would be
                handle.write(json.dumps({"customer_id": f"BAD-{number:07d}", "name": "x" * 40, "arr": -1,
                                         "usage": "n/a", "engagement": {"nps_score": "ten"}}) + "\n")
        out = str(tmp_path / f"bad-{size}.out")
        seconds, peaks[size], status, tail = bench.measure(
            [sys.executable, os.path.join(SCRIPTS, "health_score_calculator.py"), str(source), "--format", "jsonl",
             "--as-of", bench.AS_OF], out)
        assert status == 1, tail  # nothing could be scored
        with open(out, encoding="utf-8") as handle:
            assert sum(1 for line in handle if line.startswith('{"rejected":')) == min(size, 1000)  # then counted
    per_record = (peaks[LARGE * 2] - peaks[SMALL]) * 2**20 / (LARGE * 2 - SMALL)
    assert per_record < 200, f"{peaks}: {per_record:.0f} bytes a rejected record"


@pytest.mark.parametrize("script", STREAMING_TOOLS)
@pytest.mark.parametrize("output_format", ["text", "markdown"])
def test_text_and_markdown_are_written_a_batch_of_accounts_at_a_time(script, output_format, books, tmp_path,
                                                                     monkeypatch, capsys):
    # A sorted report of a large book is never one string: each write is a batch of accounts
    # (render.Pieces.BATCH lines), and the pieces make the same report as one string would.
    from csm.cli import output
    from csm.render import common as render
    tool = importlib.import_module(script[:-3])
    written = []
    real_write = output.Sink.write

    def recorded(sink, text):
        written.append(len(text))
        real_write(sink, text)

    def report(name, batch):
        monkeypatch.setattr(render.Pieces, "BATCH", batch)
        written.clear()
        path = tmp_path / name
        assert tool.main([books[SMALL, "jsonl"], "--format", output_format, "--as-of", bench.AS_OF, "--detail",
                          "--output", str(path)]) == 0
        capsys.readouterr()
        return path.read_bytes(), list(written)

    monkeypatch.setattr(output.Sink, "write", recorded)
    whole, one_write = report("whole.out", 10 ** 9)
    pieces, writes = report("pieces.out", 200)
    assert pieces == whole
    assert len(one_write) <= 5 and len(writes) > 50  # 2,000 accounts, 200 lines at a time
    assert max(writes) < len(whole) / 20
