"""The ranges the references quote agree with the methodology the tools use.

references/cs-playbooks.md gives every churn-risk tier and health class as a row of
a `Scale | Band | From | To` table; these tests read those tables back and compare
them with `default_methodology()` (and the five-dimension preset), so the playbooks
cannot drift from the tools. Every "risk score A-B" and "health score A-B" quoted
in the prose must be one of the table's ranges. JSON examples of methodology files
in the references must load as `--config` files.
"""

import json
import os
import re

import pytest

from csm.score.accounts import SEGMENTS
from csm.config.methodology import default_methodology, load_methodology

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCES = os.path.join(ROOT, "references")
PLAYBOOKS = os.path.join(REFERENCES, "cs-playbooks.md")
FIVE_DIMENSION = os.path.join(ROOT, "assets", "methodology", "five-dimension.json")
STEP = 0.1  # scores carry one decimal, so a band ends one step below the next band's start
TOP = 100

RISK_SCALE = "churn risk score (every segment)"
HEALTH_SCALE = "health score ({segment})"
FIVE_DIMENSION_SCALE = "health score, five-dimension model (every segment)"


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def range_rows(text):
    """Return (scale, band, from, to) for every row of every `Scale | Band | From | To` table."""
    rows = []
    in_table = False
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")] if line.startswith("|") else None
        if cells == ["Scale", "Band", "From", "To"]:
            in_table = True
            continue
        if not in_table:
            continue
        if cells is None:
            in_table = False
        elif set("".join(cells)) <= set("-: "):
            continue
        else:
            scale, band, low, high = cells
            rows.append((scale, band, float(low), float(high)))
    return rows


def expected_bands(minimums):
    """Turn band -> minimum score into band -> (from, to), highest band first.

    >>> expected_bands({"green": 75, "yellow": 50, "red": 0})
    {'green': (75.0, 100.0), 'yellow': (50.0, 74.9), 'red': (0.0, 49.9)}
    """
    bands = {}
    upper = TOP
    for band, low in sorted(minimums.items(), key=lambda item: -item[1]):
        bands[band] = (float(low), float(upper))
        upper = round(low - STEP, 1)
    return bands


def health_bands(cutoffs):
    return expected_bands({"green": cutoffs["green"], "yellow": cutoffs["yellow"], "red": 0})


def table(rows, scale):
    found = {band: (low, high) for row_scale, band, low, high in rows if row_scale == scale}
    assert found, f"cs-playbooks.md has no rows for the scale {scale!r}"
    return found


@pytest.fixture(scope="module")
def playbook_rows():
    return range_rows(read(PLAYBOOKS))


def test_playbooks_quote_each_health_class_as_the_tools_cut_it(playbook_rows):
    classification = default_methodology()["health"]["classification"]
    for segment in SEGMENTS:
        assert table(playbook_rows, HEALTH_SCALE.format(segment=segment)) == health_bands(classification[segment])


def test_playbooks_quote_the_five_dimension_classes_as_the_preset_cuts_them(playbook_rows):
    classification = load_methodology(FIVE_DIMENSION)["health"]["classification"]
    cutoffs = {(cut["green"], cut["yellow"]) for cut in classification.values()}
    assert len(cutoffs) == 1, "the five-dimension preset is described as one set of cut-offs for every segment"
    green, yellow = cutoffs.pop()
    assert table(playbook_rows, FIVE_DIMENSION_SCALE) == health_bands({"green": green, "yellow": yellow})


CHURN_TIERS = ("critical", "high", "medium", "low")


def churn_section():
    methodology = default_methodology()
    if "churn" not in methodology:
        pytest.skip("the churn analysis has not registered its section in csm.methodology.SECTIONS yet")
    return methodology["churn"]


def test_playbooks_quote_each_churn_risk_tier_as_the_tools_cut_it(playbook_rows):
    tiers = churn_section()["tiers"]
    minimums = {tier: spec["min_score"] for tier, spec in tiers.items()}
    assert set(minimums) == set(CHURN_TIERS)
    assert table(playbook_rows, RISK_SCALE) == expected_bands(minimums)


def test_every_scale_in_the_playbook_tables_is_a_known_one(playbook_rows):
    known = {RISK_SCALE, FIVE_DIMENSION_SCALE} | {HEALTH_SCALE.format(segment=s)
                                                   for s in default_methodology()["health"]["classification"]}
    assert {row[0] for row in playbook_rows} == known


def quoted_ranges(text, scale_words):
    pattern = re.compile(scale_words + r"\s+(\d+(?:\.\d+)?)\s*(?:-|to)\s*(\d+(?:\.\d+)?)", re.IGNORECASE)
    return [(float(low), float(high)) for low, high in pattern.findall(text)]


@pytest.mark.parametrize("name", ["cs-playbooks.md", "health-scoring-framework.md", "cs-metrics-benchmarks.md"])
def test_every_score_range_quoted_in_prose_is_a_band_of_its_own_scale(name, playbook_rows):
    text = read(os.path.join(REFERENCES, name))
    risk_ranges = {(low, high) for scale, _, low, high in playbook_rows if scale == RISK_SCALE}
    health_ranges = {(low, high) for scale, _, low, high in playbook_rows if scale != RISK_SCALE}
    for found in quoted_ranges(text, r"risk score"):
        assert found in risk_ranges, f"{name} quotes a risk-score range {found} that is no churn-risk tier"
    for found in quoted_ranges(text, r"health score"):
        assert found in health_ranges, f"{name} quotes a health-score range {found} that is no health class"


def test_the_playbook_headings_name_the_risk_scale_for_every_tier():
    text = read(PLAYBOOKS)
    headings = re.findall(r"^### (Critical|High|Medium|Low): risk score (\S+)$", text, re.MULTILINE)
    assert [tier.lower() for tier, _ in headings] == list(CHURN_TIERS)


def json_blocks(text):
    return re.findall(r"```json\n(.*?)```", text, re.DOTALL)


def test_methodology_examples_in_the_framework_load_as_config_files(tmp_path):
    blocks = json_blocks(read(os.path.join(REFERENCES, "health-scoring-framework.md")))
    assert blocks, "the framework shows at least one methodology file"
    for number, block in enumerate(blocks):
        path = tmp_path / f"example-{number}.json"
        path.write_text(block, encoding="utf-8")
        methodology = load_methodology(str(path))
        assert methodology["name"] == json.loads(block).get("name", "default")
