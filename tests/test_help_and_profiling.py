"""Every tool's --help fits 80 columns, and a tool can be profiled with cProfile as it is."""

import os
import subprocess
import sys

import pytest

from conftest import ROOT, SAMPLE, SCRIPTS

SCRIPT_NAMES = sorted(name for name in os.listdir(SCRIPTS) if name.endswith(".py"))


def test_every_script_is_found():
    assert {"health_score_calculator.py", "churn_risk_analyzer.py", "expansion_opportunity_scorer.py",
            "portfolio_report.py"} <= set(SCRIPT_NAMES)


@pytest.mark.parametrize("columns", ["200", "80"])
@pytest.mark.parametrize("script", SCRIPT_NAMES)
def test_help_fits_80_columns_whatever_the_terminal_says(script, columns):
    done = subprocess.run([sys.executable, os.path.join(SCRIPTS, script), "--help"], capture_output=True,
                          text=True, timeout=60, env=dict(os.environ, COLUMNS=columns))
    assert done.returncode == 0, done.stderr
    too_wide = [line for line in done.stdout.splitlines() if len(line) > 80]
    assert too_wide == [], script


def test_a_long_example_in_help_is_continued_with_a_backslash():
    done = subprocess.run([sys.executable, os.path.join(SCRIPTS, "portfolio_report.py"), "--help"],
                          capture_output=True, text=True, timeout=60)
    assert ("  python3 scripts/portfolio_report.py assets/sample_customer_data.json \\\n"
            "      --format html --output qbr.html\n") in done.stdout


def test_cprofile_prints_the_profile_of_a_tool_run():
    done = subprocess.run([sys.executable, "-m", "cProfile", "-s", "cumtime",
                           os.path.join("scripts", "health_score_calculator.py"), SAMPLE, "--format", "json"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert '"report": "customer_health"' in done.stdout
    assert "Ordered by: cumulative time" in done.stdout and "ncalls" in done.stdout
    assert "health.py" in done.stdout.split("ncalls", 1)[1]


def test_a_plain_run_still_ends_with_its_exit_status(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    done = subprocess.run([sys.executable, os.path.join(SCRIPTS, "churn_risk_analyzer.py"), str(broken)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stderr.startswith("error: ")
    profiled = subprocess.run([sys.executable, "-m", "cProfile", os.path.join(SCRIPTS, "churn_risk_analyzer.py"),
                               str(broken)], capture_output=True, text=True, timeout=60)
    # (cProfile itself ends with 0 whatever the script's status: it catches SystemExit)
    assert profiled.stderr.startswith("error: ") and "ncalls" in profiled.stdout
