"""SKILL.md and README.md say only what is true, and what they show runs.

- SKILL.md's frontmatter holds only the keys the agent-skill format allows, within
  its limits, with the package's version;
- every file path the two documents name exists;
- every code block that runs `python3 scripts/...` runs, as shown, from a copy of the
  repository root, with exit status 0 for every command in it;
- every minimal input example scores with exit status 0, and every output example
  is what the tool prints for that account (abridged, never altered);
- the templates use one placeholder style and list every placeholder they use.
"""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

import csm

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKILL = os.path.join(ROOT, "SKILL.md")
README = os.path.join(ROOT, "README.md")
DOCS = {"SKILL.md": SKILL, "README.md": README}
# The references show commands too; they must run as well.
REFERENCE_DOCS = {f"references/{name}": os.path.join(ROOT, "references", name)
                  for name in ("health-scoring-framework.md", "cs-playbooks.md", "cs-metrics-benchmarks.md",
                               "history.md")}
RUNNABLE_DOCS = {**DOCS, **REFERENCE_DOCS}
AS_OF = "2026-11-22"
SAMPLE = os.path.join(ROOT, "assets", "sample_customer_data.json")
TEMPLATES = ["qbr_template.md", "success_plan_template.md", "onboarding_checklist_template.md",
             "executive_business_review_template.md", "save_plan_template.md"]
# The Agent Skills format: name and description are required; these are all it allows.
ALLOWED_KEYS = {"name", "description", "license", "compatibility", "metadata", "allowed-tools"}

# Which tool reads which section (references/input-schema.md), to pair examples with the tool that reads them.
TOOL_OF_SECTION = {
    "usage": "health_score_calculator.py",
    "usage_decline": "churn_risk_analyzer.py",
    "contract": "expansion_opportunity_scorer.py",
}
TOOL_OF_OUTPUT_KEY = {
    "overall_score": "health_score_calculator.py",
    "risk_score": "churn_risk_analyzer.py",
    "opportunities": "expansion_opportunity_scorer.py",
}


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def frontmatter(text):
    """Parse the YAML frontmatter subset SKILL.md uses: `key: value` and one level of nesting."""
    assert text.startswith("---\n"), "SKILL.md must start with a --- frontmatter block"
    block = text[4:text.index("\n---\n", 4)]
    data = {}
    parent = None
    for line in block.splitlines():
        if not line.strip():
            continue
        key, _, value = line.strip().partition(":")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if line.startswith((" ", "\t")):
            assert parent is not None, f"indented line outside a mapping: {line!r}"
            data[parent][key] = value
        elif value:
            data[key] = value
            parent = None
        else:
            data[key] = {}
            parent = key
    return data


def code_blocks(text):
    """Return (language, body) for every fenced code block."""
    return re.findall(r"^```(\w*)\n(.*?)^```", text, re.DOTALL | re.MULTILINE)


def script_blocks(text):
    """Return the code blocks holding at least one `python3 scripts/...` command."""
    blocks = []
    for _, body in code_blocks(text):
        lines = [line.strip() for line in body.splitlines()]
        if any(line.startswith("python3 scripts/") for line in lines):
            blocks.append(body)
    return blocks


def scripts_named(body):
    return sorted(set(re.findall(r"python3 (scripts/[\w./-]+\.py)", body)))


# ---- SKILL.md frontmatter -------------------------------------------------------------

def test_skill_frontmatter_holds_only_allowed_keys_with_a_valid_name_and_description():
    meta = frontmatter(read(SKILL))
    assert set(meta) <= ALLOWED_KEYS, f"keys the skill format does not allow: {set(meta) - ALLOWED_KEYS}"
    assert meta["name"] == "customer-success-manager"
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", meta["name"]) and len(meta["name"]) <= 64
    description = meta["description"]
    assert 0 < len(description) < 1024
    assert "<" not in description and ">" not in description
    for topic in ("churn", "health", "renewal", "upsell", "QBR", "retention"):
        assert topic.lower() in description.lower(), f"the description does not say when to use it for {topic}"
    assert meta["license"] == "MIT"


def test_skill_metadata_carries_the_package_version_and_the_python_requirement():
    meta = frontmatter(read(SKILL))["metadata"]
    assert isinstance(meta, dict)
    assert meta["version"] == csm.__version__
    assert any("Python 3.9" in value and "nothing else" in value for value in meta.values())


def test_skill_body_stays_under_500_lines_and_says_to_run_help_first():
    text = read(SKILL)
    assert len(text.splitlines()) < 500
    assert "--help" in text[: text.index("## Which tool")]


# ---- paths --------------------------------------------------------------------------

PATH_PATTERN = re.compile(r"(?<![\w/.-])((?:scripts|assets|references|tests|benchmarks)/[\w./-]*[\w/])")


@pytest.mark.parametrize("name", sorted(RUNNABLE_DOCS))
def test_every_file_the_document_names_exists(name):
    text = read(RUNNABLE_DOCS[name])
    paths = set(PATH_PATTERN.findall(text))
    assert paths, f"{name} names no file"
    missing = sorted(path for path in paths if not os.path.exists(os.path.join(ROOT, path)))
    assert not missing, f"{name} names files that do not exist: {missing}"


# ---- commands -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory):
    """A copy of what the commands need, so files they write land outside the repository."""
    target = tmp_path_factory.mktemp("repo")
    for folder in ("scripts", "assets", "references"):
        shutil.copytree(os.path.join(ROOT, folder), str(target / folder),
                        ignore=shutil.ignore_patterns("__pycache__"))
    return target


def command_cases():
    cases = []
    for name, path in sorted(RUNNABLE_DOCS.items()):
        for number, body in enumerate(script_blocks(read(path))):
            cases.append(pytest.param(name, body, id=f"{name}-block{number + 1}"))
    return cases


@pytest.mark.parametrize("name, body", command_cases())
def test_every_command_block_runs_as_shown_with_exit_status_0(name, body, repo_copy):
    for script in scripts_named(body):
        if not os.path.exists(os.path.join(ROOT, script)):
            pytest.skip(f"{script} is not in the repository yet")
    install = [line for line in body.splitlines() if "pip install" in line]
    if install:
        pytest.skip("the install-and-test line is the suite itself")
    result = subprocess.run(
        ["bash", "-c", "set -eo pipefail\n" + body], cwd=str(repo_copy),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=300,
        env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"),
    )
    assert result.returncode == 0, f"{name}: this block failed:\n{body}\nstderr:\n{result.stderr[-2000:]}"
    assert "Traceback" not in result.stderr


# README's quick start stays as it has always been: the first thing a person runs.
QUICK_START = "python3 scripts/health_score_calculator.py assets/sample_customer_data.json"


def test_documented_commands_pin_the_as_of_date_when_they_score():
    for name, path in RUNNABLE_DOCS.items():
        for body in script_blocks(read(path)):
            for line in body.splitlines():
                line = line.strip()
                if line == QUICK_START and name == "README.md":
                    continue
                if line.startswith("python3 scripts/") and "assets/sample_customer_data" in line:
                    assert f"--as-of {AS_OF}" in line, f"{name}: {line}"


# The test line works on a stock Debian or Ubuntu Python (pip refuses to install into an
# externally managed system Python): the virtual environment is part of it.
TEST_LINE = 'python3 -m venv .venv && .venv/bin/python -m pip install -e ".[test]" && .venv/bin/python -m pytest -q'


def test_readme_keeps_its_quick_start_and_test_commands_first():
    blocks = [body.strip() for _, body in code_blocks(read(README))]
    assert blocks[:2] == [QUICK_START, TEST_LINE]


def test_ci_runs_the_readme_test_line_and_fails_when_it_fails():
    script = read(os.path.join(ROOT, ".ci", "run"))
    assert script.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in script
    assert script.rstrip().splitlines()[-1] == TEST_LINE
    assert ".venv/" in read(os.path.join(ROOT, ".gitignore")).splitlines()


# ---- input and output examples ------------------------------------------------------

def json_examples(text):
    examples = []
    for language, body in code_blocks(text):
        if language == "json":
            examples.append(json.loads(body))
    return examples


def run_tool(tool, path, *options):
    return subprocess.run(
        [sys.executable, os.path.join(ROOT, "scripts", tool), path, "--as-of", AS_OF, "--format", "json",
         *options],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120,
    )


def test_every_minimal_input_example_scores_with_exit_status_0(tmp_path):
    inputs = [example for example in json_examples(read(SKILL)) if "customers" in example]
    tools = set()
    for number, example in enumerate(inputs):
        sections = set(example["customers"][0])
        tool = next(TOOL_OF_SECTION[section] for section in TOOL_OF_SECTION if section in sections)
        tools.add(tool)
        path = tmp_path / f"example-{number}.json"
        path.write_text(json.dumps(example), encoding="utf-8")
        result = run_tool(tool, str(path))
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["summary"]["total_customers"] == len(example["customers"])
    assert tools == set(TOOL_OF_SECTION.values()), "SKILL.md shows a minimal input for each tool"


def is_abridged(example, actual, where="account"):
    """Assert `example` is `actual` with keys and trailing list items left out, nothing changed."""
    if isinstance(example, dict):
        assert isinstance(actual, dict), where
        for key, value in example.items():
            assert key in actual, f"{where}.{key} is not in the tool's output"
            is_abridged(value, actual[key], f"{where}.{key}")
    elif isinstance(example, list):
        assert isinstance(actual, list) and len(example) <= len(actual), where
        for index, value in enumerate(example):
            is_abridged(value, actual[index], f"{where}[{index}]")
    else:
        assert example == actual, f"{where}: the document shows {example!r}, the tool prints {actual!r}"


@pytest.fixture(scope="module")
def sample_outputs():
    outputs = {}
    for tool in set(TOOL_OF_SECTION.values()):
        result = run_tool(tool, SAMPLE)
        assert result.returncode == 0, result.stderr
        outputs[tool] = json.loads(result.stdout)
    return outputs


def test_every_output_example_is_what_the_tool_prints_for_that_account(sample_outputs):
    shown = [example for example in json_examples(read(SKILL)) if "customer_id" in example]
    tools = set()
    for example in shown:
        tool = next(TOOL_OF_OUTPUT_KEY[key] for key in TOOL_OF_OUTPUT_KEY if key in example)
        tools.add(tool)
        accounts = {c["customer_id"]: c for c in sample_outputs[tool]["customers"]}
        is_abridged(example, accounts[example["customer_id"]], example["customer_id"])
    assert tools == set(TOOL_OF_OUTPUT_KEY.values()), "SKILL.md shows an output example for each tool"


def test_the_exit_status_3_example_is_what_the_tool_writes_on_stderr(tmp_path):
    text = read(SKILL)
    lines = [line for _, body in code_blocks(text) for line in body.splitlines() if line.startswith("error: ")]
    assert lines
    bad = {"customers": [
        {"customer_id": "ACC-9001", "name": "Good Co", "segment": "smb", "arr": 9000,
         "usage": {"login_frequency": 70, "feature_adoption": 55, "dau_mau_ratio": 0.3},
         "engagement": {"support_ticket_volume": 2, "meeting_attendance": 80, "nps_score": 8, "csat_score": 4.2},
         "support": {"open_tickets": 1, "escalation_rate": 0.05, "avg_resolution_hours": 20},
         "relationship": {"executive_sponsor_engagement": 60, "multi_threading_depth": 2,
                          "renewal_sentiment": "positive"}},
        {"customer_id": "ACC-9002", "name": "Typo Inc", "segment": "smb", "arr": 5000,
         "usage": {"login_frequency": "high", "feature_adoption": 140, "dau_mau_ratio": 0.3},
         "engagement": {"support_ticket_volume": 2, "meeting_attendance": 80, "nps_score": 8, "csat_score": 4.2}},
    ]}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    result = run_tool("health_score_calculator.py", str(path))
    assert result.returncode == 3
    assert result.stderr.splitlines() == lines


# ---- templates ----------------------------------------------------------------------

PLACEHOLDER = re.compile(r"\{\{([^{}]*)\}\}")


@pytest.mark.parametrize("template", TEMPLATES)
def test_template_lists_every_placeholder_it_uses_in_one_style(template):
    text = read(os.path.join(ROOT, "assets", template))
    assert text.startswith("<!--"), "the placeholder list opens the template"
    header, _, body = text.partition("-->")
    listed = set(PLACEHOLDER.findall(header))
    used = set(PLACEHOLDER.findall(body))
    assert used, "a template has placeholders"
    assert used == listed, f"used but not listed: {used - listed}; listed but not used: {listed - used}"
    for name in used:
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", name), f"{{{{{name}}}}} is not snake_case"
    stripped = PLACEHOLDER.sub("", text)
    assert not re.search(r"\{[^{}\n]*\}", stripped), "another brace placeholder style is used"
    assert not re.search(r"\[[A-Z][A-Za-z ]+\]|<[A-Za-z_ ]+>", stripped.replace("<!--", "").replace("-->", "")), \
        "another placeholder style ([Name] or <name>) is used"


@pytest.mark.parametrize("path", ["SKILL.md", "README.md"] + [f"assets/{t}" for t in TEMPLATES] + [
    "references/health-scoring-framework.md", "references/cs-playbooks.md", "references/cs-metrics-benchmarks.md"])
def test_shipped_text_has_no_unfinished_markers(path):
    text = read(os.path.join(ROOT, path))
    assert not re.search(r"\bTODO\b|\bTBD\b|\bFIXME\b|lorem ipsum|\bXXX\b", text, re.IGNORECASE)
