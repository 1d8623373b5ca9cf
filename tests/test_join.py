"""One book from several exports (--join), and coverage: never a score on half a model in silence."""

import copy
import csv
import json
import os
import subprocess
import sys

import pytest

from conftest import NORTHWIND, ROOT, SCRIPTS

AS_OF = ("--as-of", "2026-11-22")
CRM_CSV = os.path.join(ROOT, "assets", "crm_export_sample.csv")
CRM_MAP = os.path.join(ROOT, "assets", "crm_export_map.json")
CRM_JSON = os.path.join(ROOT, "assets", "crm_export_sample.json")
PRODUCT = os.path.join(ROOT, "assets", "crm_product_sample.json")
TOOLS = ("health_score_calculator.py", "churn_risk_analyzer.py", "expansion_opportunity_scorer.py",
         "portfolio_report.py")
PRODUCT_SECTIONS = ("product_usage", "departments")


def run(script, *args):
    return subprocess.run([sys.executable, os.path.join(SCRIPTS, script), *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def scored(script, *args):
    done = run(script, *args, *AS_OF, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr


def without_kept(value):
    """A report without what only reading through a map adds: fields_kept and the MRR note."""
    if isinstance(value, dict):
        return {key: without_kept(item) for key, item in value.items() if key != "fields_kept"}
    if isinstance(value, list):
        return [without_kept(item) for item in value if not (isinstance(item, str) and 'x 12' in item)]
    return value


def schema_book(tmp_path):
    """The CRM sample in schema JSON with the product sample's fields: what the joined book must score as."""
    book = json.load(open(CRM_JSON, encoding="utf-8"))
    product = {row["account_id"]: row for row in json.load(open(PRODUCT, encoding="utf-8"))["accounts"]}
    for customer in book["customers"]:
        extra = product[customer["customer_id"]]
        customer["contract"]["available_tiers"] = extra["contract"]["available_tiers"]
        customer["usage_decline"].update(extra["usage_decline"])
        for section in PRODUCT_SECTIONS:
            customer[section] = extra[section]
    path = tmp_path / "joined.json"
    path.write_text(json.dumps(book), encoding="utf-8")
    return path


@pytest.mark.parametrize("script", TOOLS)
def test_the_crm_export_joined_with_its_product_file_scores_as_the_whole_book_in_schema_json(script, tmp_path):
    joined, stderr = scored(script, CRM_CSV, "--map", CRM_MAP, "--join", PRODUCT)
    whole, _ = scored(script, schema_book(tmp_path))
    assert without_kept(joined["customers"]) == without_kept(whole["customers"])
    assert joined["summary"] == whole["summary"]
    assert (f"note: {PRODUCT}: the customers are the list under accounts (the one list of objects at the "
            "top level)\n") in stderr


def test_a_joined_csv_source_is_read_through_its_own_map_and_sheetless(tmp_path):
    product = json.load(open(PRODUCT, encoding="utf-8"))["accounts"]
    path = tmp_path / "seats.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Acct", "Tiers on offer"])
        for row in product:
            writer.writerow([row["account_id"], ";".join(row["contract"]["available_tiers"])])
    seat_map = tmp_path / "seats_map.json"
    seat_map.write_text(json.dumps({"fields": {"customer_id": "Acct", "contract.available_tiers": "Tiers on offer"}}))
    report, _ = scored("expansion_opportunity_scorer.py", CRM_CSV, "--map", CRM_MAP, "--join", seat_map.parent / "seats.csv",
                       "--join-map", seat_map, "--join", PRODUCT)
    assert "coverage" not in report["summary"]
    assert report["summary"]["customer_count"] == 6 if "customer_count" in report["summary"] else True


def test_a_field_both_files_give_differently_keeps_the_books_value_with_one_warning(tmp_path, northwind):
    book = [dict(copy.deepcopy(northwind), customer_id=f"ACC-{n}") for n in range(5)]
    source = [{"customer_id": f"acc-{n}", "arr": 1, "contract": {"licensed_seats": 60}} for n in range(5)]
    source.append({"customer_id": "ACC-99", "arr": 5})
    (tmp_path / "book.json").write_text(json.dumps(book))
    (tmp_path / "billing.jsonl").write_text("".join(json.dumps(row) + "\n" for row in source))
    report, stderr = scored("health_score_calculator.py", tmp_path / "book.json", "--join", tmp_path / "billing.jsonl")
    assert {account["arr"] for account in report["customers"]} == {64000}
    billing = tmp_path / "billing.jsonl"
    assert stderr == (f"warning: {tmp_path / 'book.json'}: arr differs in --join {billing}; the book's value is used: "
                      "5 accounts (first: ACC-0, ACC-1, ACC-2)\n"
                      f"warning: --join {billing}: 1 rows name an account {tmp_path / 'book.json'} does not have; "
                      "they are not read (first: ACC-99)\n")


def test_duplicate_ids_in_a_joined_source_are_an_error_naming_the_rows(tmp_path, northwind):
    (tmp_path / "book.json").write_text(json.dumps([northwind]))
    (tmp_path / "extra.csv").write_text("customer_id,contract.licensed_seats\nACC-0042,60\nacc-0042,61\n")
    done = run("health_score_calculator.py", tmp_path / "book.json", "--join", tmp_path / "extra.csv",
               "--output", tmp_path / "out.json", *AS_OF)
    assert done.returncode == 1
    assert done.stderr == (f"error: --join {tmp_path / 'extra.csv'}: 1 ids are given twice (a joined source has one "
                           "row per account): acc-0042 at row 2 and row 3\n")
    assert not (tmp_path / "out.json").exists()


def test_a_join_without_an_id_column_or_that_matches_nothing_exits_1(tmp_path, northwind):
    (tmp_path / "book.json").write_text(json.dumps([northwind]))
    (tmp_path / "noid.csv").write_text("Seats,Plan\n60,pro\n")
    done = run("health_score_calculator.py", tmp_path / "book.json", "--join", tmp_path / "noid.csv", *AS_OF)
    assert done.returncode == 1
    assert done.stderr.startswith(f"error: {tmp_path / 'noid.csv'}: the header row has no customer_id column")
    (tmp_path / "other.csv").write_text("customer_id,contract.licensed_seats\nX-1,60\n")
    done = run("health_score_calculator.py", tmp_path / "book.json", "--join", tmp_path / "other.csv", *AS_OF)
    assert done.returncode == 1
    assert done.stderr == (f"error: --join {tmp_path / 'other.csv'}: no row's customer_id is an id of "
                           f"{tmp_path / 'book.json'} (its ids: X-1 ...; the book's: ACC-0042 ...); is customer_id "
                           "the right column (see --join-map)?\n")
    assert done.stdout == ""


def test_join_map_without_a_join_before_it_is_a_usage_error(tmp_path):
    done = run("health_score_calculator.py", "book.json", "--join-map", "m.json")
    assert done.returncode == 2
    assert "--join-map names the map or sheet of the --join before it; give --join FILE first" in done.stderr


# --- coverage ------------------------------------------------------------------------------

def test_a_book_without_a_whole_dimension_refuses_naming_the_unread_columns(tmp_path, northwind):
    del northwind["relationship"]
    northwind["Exec Sponsor Engagement (%)"] = 60
    (tmp_path / "book.json").write_text(json.dumps([northwind]))
    done = run("health_score_calculator.py", tmp_path / "book.json", "--output", tmp_path / "out.txt", *AS_OF)
    assert done.returncode == 1
    book = tmp_path / "book.json"
    assert without_warnings(done.stderr) == (
        f"error: {book} carries 75.0% of the health model's weight (a run needs 70% and every dimension; "
        "references/methodology.md, \"Coverage\")\n"
        "error:   no record carries any metric of: relationship\n"
        "error:   missing: relationship.executive_sponsor_engagement (column \"Exec Sponsor Engagement (%)\"?), "
        "relationship.multi_threading_depth, relationship.renewal_sentiment\n"
        "error:   columns nothing reads: \"Exec Sponsor Engagement (%)\"\n"
        f"error: map the columns that hold them with --map (python3 scripts/health_score_calculator.py {book} "
        "--print-map writes the map to edit), join the export that has them with --join, or score on what is "
        "there with --allow-partial\n")
    assert not (tmp_path / "out.txt").exists()


def test_allow_partial_scores_and_every_output_says_the_share_carried(tmp_path, northwind):
    del northwind["usage_decline"]["dau_mau_change"]
    (tmp_path / "book.json").write_text(json.dumps([northwind]))
    report, _ = scored("churn_risk_analyzer.py", tmp_path / "book.json")  # 92.5% carried: above the threshold
    assert report["summary"]["coverage"] == {"churn": {
        "share_of_weight": 0.925, "missing_metrics": ["usage_decline.dau_mau_change"], "missing_groups": [],
        "unread_columns_that_may_hold_them": {}}}
    text = run("churn_risk_analyzer.py", tmp_path / "book.json", *AS_OF).stdout
    assert ("Coverage: churn risk scored on 92.5% of its model's weight (no record carries\n"
            "usage_decline.dau_mau_change)\n") in text
    del northwind["usage_decline"]
    (tmp_path / "book.json").write_text(json.dumps([northwind]))
    assert run("churn_risk_analyzer.py", tmp_path / "book.json", *AS_OF).returncode == 1
    report, _ = scored("churn_risk_analyzer.py", tmp_path / "book.json", "--allow-partial")
    assert report["summary"]["coverage"]["churn"]["share_of_weight"] == 0.7
    assert report["summary"]["coverage"]["churn"]["missing_groups"] == ["usage_decline"]


def test_a_full_book_says_nothing_of_coverage(northwind, tmp_path):
    (tmp_path / "book.json").write_text(json.dumps([northwind]))
    for script in TOOLS:
        report, stderr = scored(script, tmp_path / "book.json")
        assert "coverage" not in report["summary"]
        assert "Coverage" not in run(script, tmp_path / "book.json", *AS_OF).stdout


def test_the_report_leaves_out_an_analysis_the_book_does_not_carry_and_says_so(tmp_path, northwind):
    book = []
    for n in range(60):
        account = copy.deepcopy(northwind)
        account["customer_id"] = f"ACC-{n}"
        for section in ("contract", "product_usage", "departments"):
            del account[section]
        book.append(account)
    (tmp_path / "book.json").write_text(json.dumps(book))
    done = run("portfolio_report.py", tmp_path / "book.json", "--format", "text", *AS_OF)
    assert done.returncode == 0
    lines = done.stderr.splitlines()
    assert len(lines) <= 24
    assert (f"warning: {tmp_path / 'book.json'}: no record carries any field of the expansion analysis; the report "
            "leaves expansion out") in lines
    assert "Coverage: expansion not scored: no record carries its data" in done.stdout


def without_warnings(stderr):
    return "".join(line for line in stderr.splitlines(True) if not line.startswith("warning: "))


# --- the fitter reads cells as the scorers do -------------------------------------------------

def test_the_fitter_fits_a_column_written_with_percent_signs(tmp_path):
    rows = []
    outcomes = []
    for n in range(200):
        adoption = (n * 37) % 100
        rows.append([f"A-{n}", "smb", 12000, f"{adoption}%", "x" if n % 2 else "y"])
        outcomes.append([f"A-{n}", "true" if (adoption < 30) != (n % 5 == 0) else "false"])  # a fifth against
    with open(tmp_path / "book.csv", "w", newline="") as handle:
        csv.writer(handle).writerows([["customer_id", "segment", "arr", "Adoption", "Region"]] + rows)
    with open(tmp_path / "outcomes.csv", "w", newline="") as handle:
        csv.writer(handle).writerows([["customer_id", "churned"]] + outcomes)
    done = run("fit_scorecard.py", tmp_path / "book.csv", "--outcomes", tmp_path / "outcomes.csv", "--analysis",
               "churn", "--output", tmp_path / "fitted.json", "--format", "json", *AS_OF)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [entry for entry in report["dropped"] if not entry["why"].startswith("left out by the selection")] == []
    assert "Adoption" in json.dumps(json.load(open(tmp_path / "fitted.json"))["churn"]["signals"])


# --- a JSON object holding one list ------------------------------------------------------------

def test_a_json_object_holding_one_list_of_objects_is_the_book_and_two_lists_are_an_error(tmp_path):
    (tmp_path / "one.json").write_text(json.dumps({"meta": {"n": 1}, "data": [NORTHWIND]}))
    report, stderr = scored("health_score_calculator.py", tmp_path / "one.json")
    assert [account["customer_id"] for account in report["customers"]] == ["ACC-0042"]
    assert stderr == (f"note: {tmp_path / 'one.json'}: the customers are the list under data (the one list of "
                      "objects at the top level)\n")
    (tmp_path / "two.json").write_text(json.dumps({"accounts": [NORTHWIND], "results": [{"a": 1}]}))
    done = run("health_score_calculator.py", tmp_path / "two.json", *AS_OF)
    assert done.returncode == 1
    assert done.stderr == (f"error: {tmp_path / 'two.json'} holds 2 lists of objects at the top level (\"accounts\", "
                           "\"results\"); put the customers under \"customers\" (or in a file of their own)\n")


# --- header matching as a person would, and --print-map's proposals ---------------------------

@pytest.mark.parametrize("script", TOOLS)
def test_the_map_print_map_proposes_joined_with_the_product_file_scores_as_the_schema_book(script, tmp_path):
    done = run("health_score_calculator.py", CRM_CSV, "--print-map")
    proposed = json.loads(done.stdout)
    assert proposed["fields"]["contract_end_date"] == {"column": "Renewal Date", "date_format": "%m/%d/%Y"}
    assert proposed["keep"] == ["Region"]
    (tmp_path / "map.json").write_text(done.stdout)
    joined, _ = scored(script, CRM_CSV, "--map", tmp_path / "map.json", "--join", PRODUCT)
    whole, _ = scored(script, schema_book(tmp_path))
    assert without_kept(joined["customers"]) == without_kept(whole["customers"])
    assert joined["summary"] == whole["summary"]


def test_decorated_headers_are_read_with_a_note_per_column(tmp_path):
    done = run("health_score_calculator.py", CRM_CSV, "--allow-partial", *AS_OF)
    assert (f'note: {CRM_CSV}: column "Exec Sponsor Engagement (%)" is read as '
            "relationship.executive_sponsor_engagement (a --map can say otherwise)\n") in done.stderr
    assert done.stderr.count("note: ") == 6


def test_a_guess_left_in_a_map_is_refused_until_a_person_removes_the_marker(tmp_path):
    (tmp_path / "book.csv").write_text("customer_id,segment,arr,Renewal Sentimnt\nA-1,smb,5,positive\n")
    done = run("health_score_calculator.py", tmp_path / "book.csv", "--print-map")
    proposed = json.loads(done.stdout)
    assert proposed["fields"]["relationship.renewal_sentiment"] == {"column": "Renewal Sentimnt", "guess": True}
    assert proposed["keep"] == []
    (tmp_path / "map.json").write_text(done.stdout)
    refused = run("health_score_calculator.py", tmp_path / "book.csv", "--map", tmp_path / "map.json", *AS_OF)
    assert (refused.returncode, refused.stderr) == (1, (
        f"error: map {tmp_path / 'map.json'}: fields.relationship.renewal_sentiment is a guess of --print-map: "
        'check that the column holds it, then remove "guess": true (or remove the entry)\n'))


def test_an_output_that_is_a_joined_file_is_refused_before_anything_is_read(tmp_path):
    product = tmp_path / "product.json"
    product.write_text(open(PRODUCT, encoding="utf-8").read())
    done = run("health_score_calculator.py", CRM_CSV, "--join", product, "--output", product)
    assert (done.returncode, done.stderr) == (2, f"error: --output {product} is the same file as --join ({product}): "
                                                 "writing the report there would replace what the run reads; choose "
                                                 "another output file\n")
    assert product.read_text() == open(PRODUCT, encoding="utf-8").read()


def test_a_model_metric_with_a_stray_word_is_fitted_with_that_cell_read_as_missing(tmp_path):
    rows = [["customer_id", "segment", "arr", "usage.login_frequency"]]
    outcomes = [["customer_id", "churned"]]
    for n in range(200):
        logins = (n * 37) % 100
        rows.append([f"A-{n}", "smb", 12000, "high" if n == 7 else logins])
        outcomes.append([f"A-{n}", "true" if (logins < 30) != (n % 5 == 0) else "false"])
    with open(tmp_path / "book.csv", "w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    with open(tmp_path / "outcomes.csv", "w", newline="") as handle:
        csv.writer(handle).writerows(outcomes)
    done = run("fit_scorecard.py", tmp_path / "book.csv", "--outcomes", tmp_path / "outcomes.csv", "--analysis",
               "churn", "--output", tmp_path / "fitted.json", "--format", "json", *AS_OF)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["dropped"] == []
    assert ('warning: usage.login_frequency: 1 values are not numbers (e.g. "high"); they are read as missing\n'
            in done.stderr)
