"""One scope per figure: in a filtered run `summary` is the whole book's, `listed` the filtered part's
(the same keys), and the report labels each section with its scope."""

import json
import subprocess
import sys

import pytest

from conftest import SCRIPTS
from test_history import book_of_week

AS_OF = "2026-11-22"
OWNER = "Ana Ruiz"


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scope")
    whole = book_of_week(1)
    hers = dict(whole, customers=[c for c in whole["customers"] if c.get("owner") == OWNER])
    paths = folder / "whole.json", folder / "hers.json"
    for path, book in zip(paths, (whole, hers)):
        path.write_text(json.dumps(book))
    return paths


def run(tool, book, *options):
    done = subprocess.run([sys.executable, f"{SCRIPTS}/{tool}", str(book), "--as-of", AS_OF, *options],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout


@pytest.mark.parametrize("tool", ["portfolio_report.py", "health_score_calculator.py", "churn_risk_analyzer.py",
                                  "expansion_opportunity_scorer.py"])
def test_summary_is_the_whole_book_and_listed_is_the_filtered_part_with_the_same_keys(books, tool):
    whole, hers = books
    unfiltered = json.loads(run(tool, whole, "--format", "json"))
    filtered = json.loads(run(tool, whole, "--format", "json", "--owner", OWNER))
    alone = json.loads(run(tool, hers, "--format", "json"))
    listed_focus = filtered["summary"].pop("listed")
    assert filtered["summary"] == unfiltered["summary"]
    assert listed_focus["matched"] == alone["summary"]["total_customers"] == 5
    assert "listed" not in unfiltered
    # The filtered part adds up as a run on those accounts alone would (but for the owners' books,
    # which the book alone has only one of).
    for summary in (filtered["listed"], alone["summary"]):
        summary.pop("by_owner")
        summary.pop("summary_lists_limited_to", None)
    assert filtered["listed"] == alone["summary"]
    assert list(filtered)[:9] == ["report", "version", "as_of", "as_of_source", "methodology", "methodology_hash", "trend_basis",
                                  "summary", "listed"]


def test_the_report_book_at_a_glance_is_the_whole_book_and_the_sections_say_what_they_list(books):
    whole, _ = books
    unfiltered = json.loads(run("portfolio_report.py", whole, "--format", "json"))
    filtered = json.loads(run("portfolio_report.py", whole, "--format", "json", "--owner", OWNER))
    assert filtered["views"]["book"] == unfiltered["views"]["book"]
    assert filtered["views"]["book"]["expansion_ready_potential"] == unfiltered["summary"]["expansion"]["ready_revenue"]
    text = run("portfolio_report.py", whole, "--format", "text", "--owner", OWNER)
    titles = [line for line in text.splitlines() if line[:2] in ("1.", "2.", "3.", "4.", "5.", "6.")]
    assert titles == ["1. The book at a glance (whole book)",
                      f"2. Critical and high churn risk (listed: owner {OWNER})",
                      f"3. Renewals, next four quarters (listed: owner {OWNER})",
                      f"4. Trends (listed: owner {OWNER})",
                      f"5. Expansion (listed: owner {OWNER})",
                      f"6. Action list: who to call this week (listed: owner {OWNER})"]
    markdown = run("portfolio_report.py", whole, "--format", "markdown", "--owner", OWNER)
    assert f"## 5. Expansion (listed: owner {OWNER})\n" in markdown
    html = run("portfolio_report.py", whole, "--format", "html", "--owner", OWNER)
    assert f"<h2>5. Expansion (listed: owner {OWNER})</h2>" in html
    assert "## 5. Expansion\n" in run("portfolio_report.py", whole, "--format", "markdown", "--top", "3")


def test_a_filter_nothing_matches_lists_null(books):
    whole, _ = books
    done = subprocess.run([sys.executable, f"{SCRIPTS}/health_score_calculator.py", str(whole), "--as-of", AS_OF,
                           "--format", "json", "--owner", "Nobody"], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (
        0, 'warning: --owner "Nobody" matches no account; no owner of the book is close to it\n')
    filtered = json.loads(done.stdout)
    assert filtered["listed"] is None and filtered["customers"] == []
