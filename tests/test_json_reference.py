"""Every JSON key the tools emit is in references/json-output.md, and every key documented there is emitted.

The outputs walked: each scoring tool's json and jsonl on the sample (owners and start
dates added) and on a generated book (rejected records among them), with focus
filters, --top, --history (a first and a second run), --compare, --outcomes (the
backtest), the report's --full, --account and --template, the expansion tool's
--by opportunity, the fitter's --format json, an .xlsx book and a book of more
rejected records than a report lists.

A key path is written as in the reference: dotted, `[]` for the items of a list,
`*` for the keys of an object whose keys are data (ids, owners, dates, bands).
"""

import csv
import fnmatch
import json
import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT, SAMPLE, SCRIPTS
from test_history import book_of_week
from test_ingest import write_workbook

sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
import bench  # noqa: E402  (the benchmark's book generator)

REFERENCE = os.path.join(ROOT, "references", "json-output.md")
OUTCOMES = os.path.join(ROOT, "assets", "sample_outcomes.csv")
CRM_EXPORT = os.path.join(ROOT, "assets", "crm_export_sample.csv")
CRM_MAP = os.path.join(ROOT, "assets", "crm_export_map.json")
CRM_PRODUCT = os.path.join(ROOT, "assets", "crm_product_sample.json")
HEALTH, CHURN = "health_score_calculator.py", "churn_risk_analyzer.py"
EXPANSION, REPORT = "expansion_opportunity_scorer.py", "portfolio_report.py"
WEEK1, WEEK2 = "2026-11-15", "2026-11-22"
LINE = re.compile(r"^- `([^`]+)` \(")
FOUND_AT = re.compile(r"^Found at: (.+)\.$")


def documented():
    """The reference's lines: (the path as written, its patterns as tuples of segments), a relative one
    (".key", "." the place itself) at each prefix of the "Found at:" line above it."""
    lines = []
    prefixes = [()]
    with open(REFERENCE, encoding="utf-8") as handle:
        for line in handle:
            found = FOUND_AT.match(line.strip())
            if found:
                prefixes = [split_path(text) for text in re.findall(r"`([^`]+)`", found.group(1))]
                continue
            if line.startswith("## "):
                prefixes = [()]
            key = LINE.match(line)
            if key is None:
                continue
            text = key.group(1)
            if text.startswith("."):
                lines.append((text, [prefix + split_path(text[1:]) for prefix in prefixes]))
            else:
                lines.append((text, [split_path(text)]))
    return lines


def split_path(text):
    """`a.b[].c` -> ("a", "b", "[]", "c")."""
    return tuple(part for part in re.split(r"\.|(?=\[\])", text) if part)


def walk(value, path, found, types=None):
    if path:
        found.add(path)
        if types is not None:
            types.setdefault(path, set()).add(type(value).__name__)
    if isinstance(value, dict):
        for key, inner in value.items():
            walk(inner, path + (key,), found, types)
    elif isinstance(value, list):
        for inner in value:
            walk(inner, path + ("[]",), found, types)


def run(tool, *args):
    done = subprocess.run([sys.executable, os.path.join(SCRIPTS, tool), *map(str, args)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 3), (tool, args, done.stderr)
    return done.stdout


def json_lines(text, row_key):
    """The keys of a jsonl output, as the json output's: rows under `row_key`, rejected under `rejected`."""
    found = set()
    for line in text.splitlines():
        record = json.loads(line)
        if "report" in record:
            walk(record, (), found)
        elif set(record) == {"rejected"}:
            walk(record["rejected"], ("rejected", "[]"), found)
            found.add(("rejected",))
        else:
            walk(record, (row_key, "[]"), found)
            found.add((row_key,))
    return found


def outputs(folder):
    """Yield the text of every JSON output walked (and, for jsonl, its keys as a set)."""
    week1, week2, generated = folder / "week1.json", folder / "week2.json", folder / "generated.json"
    week1.write_text(json.dumps(book_of_week(1)))
    week2.write_text(json.dumps(book_of_week(2)))
    customers = list(bench.generate(300, seed=27))
    for index, customer in enumerate(customers):
        if isinstance(customer, dict):
            customer["owner"] = ("Mei Chen", "Dana Reyes", None)[index % 3]
    customers.append({"customer_id": "BAD-1", "name": "Broken Ltd", "segment": "smb", "arr": -5})  # rejected
    churn_sections = ("usage_decline", "engagement_drop", "support_issues", "relationship_signals",
                      "commercial_factors", "contract_end_date")
    partial = {key: value for key, value in book_of_week(1)["customers"][0].items() if key not in churn_sections}
    customers.append(dict(partial, customer_id="PART-1"))  # the churn analysis cannot score it
    generated.write_text(json.dumps({"customers": customers}))
    db = folder / "history.sqlite"
    template = os.path.join(ROOT, "assets", "save_plan_template.md")
    for tool in (HEALTH, CHURN, EXPANSION, REPORT):
        extra = ("--full",) if tool == REPORT else ()
        first = run(tool, week1, "--as-of", WEEK1, "--format", "json", "--history", db, *extra)
        earlier = folder / f"{tool}.json"
        earlier.write_text(first)
        yield first
        yield run(tool, week2, "--as-of", WEEK2, "--format", "json", "--history", db, "--owner", "Ana Ruiz", *extra)
        yield run(tool, week2, "--as-of", WEEK2, "--format", "json", "--compare", earlier, "--top", "3")
        yield run(tool, generated, "--as-of", WEEK2, "--format", "json")
        yield run(tool, SAMPLE, "--as-of", WEEK2, "--format", "json")
        yield run(tool, CRM_EXPORT, "--map", CRM_MAP, "--join", CRM_PRODUCT, "--as-of", WEEK2, "--format", "json")
        if tool in (HEALTH, CHURN):
            yield run(tool, SAMPLE, "--as-of", WEEK2, "--format", "json", "--outcomes", OUTCOMES)
        if tool == REPORT:
            yield run(tool, week2, "--as-of", WEEK2, "--format", "json", "--history", db, "--no-store")
            yield run(tool, week2, "--as-of", WEEK2, "--format", "json", "--account", "ACC-1003", "--history", db,
                      "--no-store")
            yield run(tool, week2, "--as-of", WEEK2, "--format", "json", "--account", "ACC-1003", "--template",
                      template)
        else:
            yield json_lines(run(tool, generated, "--as-of", WEEK2, "--format", "jsonl", "--owner", "Mei Chen"),
                             "customers")
        if tool == EXPANSION:
            yield run(tool, generated, "--as-of", WEEK2, "--format", "json", "--by", "opportunity", "--segment", "smb")
            yield json_lines(run(tool, generated, "--as-of", WEEK2, "--format", "jsonl", "--by", "opportunity"),
                             "opportunities")
    yield from bounded_outputs(folder)
    for analysis in ("churn", "health"):
        yield run("fit_scorecard.py", SAMPLE, "--outcomes", OUTCOMES, "--analysis", analysis,
                  "--output", folder / f"{analysis}.json", "--as-of", WEEK2, "--format", "json")


def bounded_outputs(folder):
    """The outputs of two small generated books: an .xlsx workbook (`summary.sheet`) and a book of 1,001 bad
    records beside a good one (`rejected_not_listed`)."""
    workbook = folder / "crm.xlsx"
    with open(CRM_EXPORT, newline="", encoding="utf-8") as handle:
        write_workbook(workbook, list(csv.reader(handle)))
    yield run(HEALTH, workbook, "--map", CRM_MAP, "--as-of", WEEK2, "--format", "json")
    many_bad = folder / "many_bad.json"
    many_bad.write_text(json.dumps(["not a record"] * 1001 + [book_of_week(1)["customers"][0]]))
    yield run(CHURN, many_bad, "--as-of", WEEK2, "--format", "json")


@pytest.fixture(scope="module")
def emitted(tmp_path_factory):
    """Every key path the tools emit over the books and modes above."""
    found = set()
    for output in outputs(tmp_path_factory.mktemp("keys")):
        if isinstance(output, set):
            found |= output
        else:
            walk(json.loads(output), (), found)
    return found


def matches(path, pattern):
    """True when a key path fits a documented pattern (`*`: any key of a data-keyed object)."""
    return len(path) == len(pattern) and all(
        part == wanted or (part != "[]" and wanted != "[]" and fnmatch.fnmatchcase(part, wanted))
        for part, wanted in zip(path, pattern))


def shown(path):
    return ".".join(path).replace(".[]", "[]")


def test_every_emitted_key_is_in_the_reference(emitted):
    patterns = [pattern for _, patterns in documented() for pattern in patterns]
    missing = sorted({shown(path) for path in emitted if not any(matches(path, p) for p in patterns)})
    assert missing == [], ("keys the tools emit that references/json-output.md does not document "
                           "(add a line `- \\`path\\` (type): meaning`):\n" + "\n".join(missing))


def test_every_documented_key_is_emitted(emitted):
    unused = [text for text, patterns in documented()
              if not any(matches(path, pattern) for pattern in patterns for path in emitted)]
    assert unused == [], "lines of references/json-output.md that no output carries:\n" + "\n".join(unused)


def test_the_reference_reads_its_paths_as_written():
    assert split_path("views.trends.*[].change") == ("views", "trends", "*", "[]", "change")
    assert matches(("summary", "by_owner", "Mei Chen", "arr"), split_path("summary.by_owner.*.arr"))
    assert not matches(("customers", "[]", "arr"), split_path("customers.*.arr"))
