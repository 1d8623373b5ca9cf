"""SKILL.md and README.md name only options the tools have: each option a command shows for a tool is in
that tool's --help, every option they name is in some tool's --help, and every "tool X has no --Y"
claim is true of X's --help."""

import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT, SCRIPTS

DOCS = ("SKILL.md", "README.md")
TOOLS = {"health": "health_score_calculator.py", "churn": "churn_risk_analyzer.py",
         "expansion": "expansion_opportunity_scorer.py", "report": "portfolio_report.py",
         "fitter": "fit_scorecard.py"}
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*")
SPAN = re.compile(r"`([^`\n]+)`")
TOOL_CALL = re.compile(r"(\w+\.py)\b(.*)")
CLAIM = re.compile(r"[Tt]he (\w+) tool(?: has)? no `(--[a-z-]+)`")


def help_options():
    """tool script -> the options its --help lists."""
    found = {}
    for script in TOOLS.values():
        done = subprocess.run([sys.executable, os.path.join(SCRIPTS, script), "--help"], capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        found[script] = set(OPTION.findall(done.stdout))
    return found


HELP = help_options()


def read(name):
    with open(os.path.join(ROOT, name), encoding="utf-8") as handle:
        return handle.read()


def commands(text):
    """(script, options) of every command the text shows: a code block line or an inline code span."""
    pieces = []
    in_block = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_block = not in_block
            continue
        pieces += [line] if in_block else SPAN.findall(line)
    for piece in pieces:
        call = TOOL_CALL.search(piece)
        if call is not None and call.group(1) in HELP:
            yield call.group(1), OPTION.findall(call.group(2))


@pytest.mark.parametrize("name", DOCS)
def test_every_option_a_command_shows_is_in_that_tools_help(name):
    wrong = sorted({(script, option) for script, options in commands(read(name)) for option in options
                    if option not in HELP[script]})
    assert wrong == [], f"{name} shows options these tools' --help does not list: {wrong}"


@pytest.mark.parametrize("name", DOCS)
def test_every_option_the_document_names_is_in_some_tools_help(name):
    every = set().union(*HELP.values())
    unknown = sorted(set(OPTION.findall(read(name))) - every)
    assert unknown == [], f"{name} names options no tool's --help lists: {unknown}"


@pytest.mark.parametrize("name", DOCS)
def test_every_claim_that_a_tool_has_no_option_is_true(name):
    claims = CLAIM.findall(read(name)) + [(tool, option) for tool, option in
                                          re.findall(r"the (\w+) tool no `(--[a-z-]+)`", read(name))]
    false = [(tool, option) for tool, option in claims if option in HELP[TOOLS[tool]]]
    assert false == [], f"{name} says a tool has no option its --help lists: {false}"


def test_the_claims_are_read():
    assert CLAIM.findall("The churn tool has no `--class`") == [("churn", "--class")]
    assert ("health", "--tier") in re.findall(r"the (\w+) tool no `(--[a-z-]+)`", read("SKILL.md"))
    assert "--class" not in HELP[TOOLS["churn"]] and "--tier" not in HELP[TOOLS["health"]]
