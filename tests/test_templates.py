"""Templates that propose: `portfolio_report.py BOOK --account ID --template FILE`.

- the playbook that leads for the account (the methodology's `playbooks` section) fills
  the weeks, marked "Proposed:", its success criteria with the account's figures, and its
  exit rule, whose threshold follows the tiers and cut-offs in force;
- the weekly review lists each stored run of the account (--history), then today;
- references/cs-playbooks.md and references/methodology.md quote the exit rules word for word;
- a bad custom playbook is one error line per problem, exit 1;
- every shipped template leaves to fill only what the bundle cannot know, and says which.
"""

import copy
import json
import os
import re

import pytest

from conftest import ROOT
from conftest import SAMPLE as DATED_SAMPLE
from csm.config import playbooks
from csm.config.methodology import default_methodology, methodology_from, methodology_hash

REPORT = "portfolio_report.py"
ASSETS = os.path.join(ROOT, "assets")
SAVE_PLAN = os.path.join(ASSETS, "save_plan_template.md")
AS_OF = ("--as-of", "2026-03-01")


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


SAMPLE = DATED_SAMPLE  # an undated copy while the module's tests run (undated_sample)


@pytest.fixture(scope="module", autouse=True)
def undated_sample(tmp_path_factory):
    """The sample without its own "as_of": these tests pin early-2026 dates, and a run of the sample (dated
    2026-11-22) as of another day says so in a note: line."""
    global SAMPLE
    document = json.loads(read(DATED_SAMPLE))
    del document["as_of"]
    path = tmp_path_factory.mktemp("sample") / "sample_customer_data.json"
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    SAMPLE = str(path)
    yield
    SAMPLE = DATED_SAMPLE


def section(text, start, end):
    """The text from the line `start` to the line before `end` (exclusive)."""
    return text[text.index(start):text.index(end, text.index(start))]


def flat(text):
    return " ".join(text.split())


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """A history of two weekly runs of the sample: ACC-1003 better on 2026-02-15, as the sample on 2026-02-22."""
    import subprocess
    import sys
    folder = tmp_path_factory.mktemp("history")
    document = json.loads(read(SAMPLE))
    for record in document["customers"]:
        if record["customer_id"] == "ACC-1003":
            record["usage_decline"]["login_trend"] = -10
            record["relationship_signals"]["champion_left"] = False
            record["support"]["open_tickets"] = 6
    early = folder / "early.json"
    early.write_text(json.dumps(document), encoding="utf-8")
    history = folder / "history.sqlite"
    for book, as_of in ((early, "2026-02-15"), (SAMPLE, "2026-02-22")):
        done = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", REPORT), str(book), "--as-of", as_of,
                               "--history", str(history)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    return history


# The save plan of a known account ---------------------------------------------------------------

def test_the_save_plan_of_a_critical_account_proposes_its_playbook_week_by_week(run_tool, two_runs):
    done = run_tool(REPORT, SAMPLE, "--account", "ACC-1003", "--template", SAVE_PLAN, *AS_OF,
                    "--history", two_runs, "--no-store")
    assert (done.returncode, done.stderr) == (0, "")
    assert section(done.stdout, "<!--", "# Save Plan") == """<!--
Filled from the account brief of ACC-1003 as of 2026-03-01.
Lines marked "Proposed:" are the steps of the playbook for the critical risk tier (the methodology's \
playbooks section; references/cs-playbooks.md): accept, edit or delete each, and give it an owner and a date.
Left to fill, each a marked [to fill: ...] blank:
- plan_owner: the CSM who owns the save plan
- executive_sponsor_ours: the executive on our side
- customer_decision_maker: who decides the renewal on the customer side
- opened_date: date the plan was opened, YYYY-MM-DD
-->
"""
    assert section(done.stdout, "## 3. Actions", "## 5. Escalation") == """## 3. Actions, week by week

Proposed from the playbook for the critical risk tier (references/cs-playbooks.md): accept,
edit or delete each step, and give it an owner and a date.

**Week 1**

- Proposed: Our executive (VP of customer success or above) calls the customer's decision maker within 48 \
hours: say what we have seen; ask what would make them renew.
- Proposed: Open the save plan within 72 hours: the root cause behind each warning signal, an owner and a \
date for every fix.

**Week 2**

- Proposed: Clear the first blocker the customer named (unresolved critical tickets, open escalations, a \
missing executive sponsor).
- Proposed: Weekly review with the CSM, the account executive and the support lead; re-run the churn tool and \
record the score.

**Week 3**

- Proposed: Show the decision maker the progress on each cause, with figures.
- Proposed: Weekly review; re-run the churn tool and record the score.

**Week 4**

- Proposed: Confirm the renewal path with the decision maker in writing; commercial concessions only with a \
plan that fixes the cause.
- Proposed: Weekly review; re-run the churn tool and record the score.

## 4. Success criteria

The plan closes when all of these hold:

- Risk score below 80 at two consecutive weekly reviews (today 89.3, critical).
- Every warning signal has a root cause confirmed with the customer, and a fix with an owner and a date.
- The decision maker has confirmed the renewal path in writing.

The fewest metric moves that lower the risk to the next tier and lift health to the
next class, exact under the methodology in force: targets for the weeks above.

- Open tickets: from 14 to 0 (health to yellow)
- Feature adoption: from 35 to 80 (health to yellow)
- Escalation rate: from 0.4 to 0.02 (health to yellow)
- Login trend: from -28 to -1 (risk to high)

"""
    assert done.stdout[done.stdout.index("## 6. Weekly review"):] == """## 6. Weekly review

Re-run `scripts/portfolio_report.py` on the latest export each week with the same
`--history FILE`: each stored run is a row here. Exit rule: risk score below 80 at two consecutive weekly reviews.

| Date | Risk score | Tier | Health score | Class | Note |
|---|---:|---|---:|---|---|
| 2026-02-15 | 77.6 | high | 32.7 | red | from the history |
| 2026-02-22 | 89.3 | critical | 29.9 | red | from the history |
| 2026-03-01 | 89.3 | critical | 29.9 | red | this run |

The rows before 2026-03-01 are this account's stored runs in the history.
"""


def test_the_stored_rows_are_what_the_history_runs_scored(run_tool, two_runs, tmp_path):
    """The 2026-02-15 row is the early book's own brief, recounted."""
    early = os.path.join(os.path.dirname(two_runs), "early.json")
    brief = json.loads(run_tool(REPORT, early, "--account", "ACC-1003", "--as-of", "2026-02-15",
                                "--format", "json").stdout)["account"]
    assert (brief["churn"]["risk_score"], brief["churn"]["risk_tier"], brief["health"]["overall_score"],
            brief["health"]["classification"]) == (77.6, "high", 32.7, "red")


def test_without_history_the_weekly_review_is_today_and_says_there_is_no_stored_history(run_tool):
    done = run_tool(REPORT, SAMPLE, "--account", "ACC-1003", "--template", SAVE_PLAN, *AS_OF)
    assert done.stdout.endswith("""|---|---:|---|---:|---|---|
| 2026-03-01 | 89.3 | critical | 29.9 | red | this run |

No stored history: this run is the only row (run with --history FILE each week to list the stored runs here).
""")


def test_an_account_the_history_has_not_stored_gets_today_only_and_a_line_saying_so(run_tool, two_runs, write_json):
    document = json.loads(read(SAMPLE))
    document["customers"][0] = dict(document["customers"][0], customer_id="ACC-NEW")
    book = write_json(document)
    done = run_tool(REPORT, book, "--account", "ACC-NEW", "--template", SAVE_PLAN, *AS_OF,
                    "--history", two_runs, "--no-store")
    assert done.stdout.endswith("| this run |\n\nNo stored run of this account in the history before 2026-03-01: "
                                "this run is the only row.\n")


def test_a_lapsed_renewal_puts_its_next_action_first_in_week_one(run_tool):
    done = run_tool(REPORT, SAMPLE, "--account", "ACC-1003", "--template", SAVE_PLAN, "--as-of", "2026-12-20")
    week = section(done.stdout, "**Week 1**", "**Week 2**")
    first = week.split("\n")[2]
    brief = json.loads(run_tool(REPORT, SAMPLE, "--account", "ACC-1003", "--as-of", "2026-12-20",
                                "--format", "json").stdout)["account"]
    assert brief["renewal"]["status"] == "lapsed"
    assert first == f"- Proposed: {brief['next_action']['action']}"
    assert "Our executive (VP of customer success or above)" in week.split("\n")[3]


# The exit rule: written once, thresholds from the methodology in force ----------------------------

def test_a_custom_tier_boundary_moves_the_exit_rule_and_the_success_criterion(run_tool, write_json):
    config = write_json({"churn": {"tiers": {"critical": {"min_score": 75}}},
                         "playbooks": {"risk_tiers": {"critical": {"exit": {"reviews": 3}}}}}, "fitted.json")
    done = run_tool(REPORT, SAMPLE, "--account", "ACC-1003", "--template", SAVE_PLAN, *AS_OF, "--config", config)
    assert done.returncode == 0
    assert "- Risk score below 75 at three consecutive weekly reviews (today 89.3, critical).\n" in done.stdout
    assert "Exit rule: risk score below 75 at three consecutive weekly reviews.\n" in done.stdout


def test_cs_playbooks_quotes_every_default_exit_rule_word_for_word():
    methodology = default_methodology()
    text = flat(read(os.path.join(ROOT, "references", "cs-playbooks.md")))
    quoted = [text[found.end():] for found in re.finditer("Exit: ", text)]
    said = []
    for tier, heading in (("critical", "### Critical"), ("high", "### High"), ("medium", "### Medium"),
                          ("low", "### Low")):
        part = text[text.index(heading):text.index("##", text.index(heading) + 3)]
        rule = methodology["playbooks"]["risk_tiers"][tier]["exit"]
        if rule is None:
            assert "Exit:" not in part and "No exit" in part
        else:
            said.append(playbooks.exit_words(rule, methodology))
            assert f"Exit: {said[-1]}" in part
    raw = read(os.path.join(ROOT, "references", "cs-playbooks.md"))
    table = raw[raw.index("## Playbooks by health class"):]
    for band in ("green", "yellow", "red"):
        rule = methodology["playbooks"]["health_classes"][band]["exit"]
        row = re.search(rf"^\| {band} \| [^\n]*\| ([^|]*) \|$", table, re.M).group(1)
        if rule is None:
            assert row.startswith("none")
        else:
            said.append(playbooks.exit_words(rule, methodology))
            assert row == f"Exit: {said[-1]}"
    assert len(quoted) == len(said) and all(any(rest.startswith(rule) and rest[len(rule)] in ".,|" + " "
                                                for rule in said) for rest in quoted), \
        "every Exit: of cs-playbooks.md is a rule of the methodology"
    assert said[0] == "risk score below 80 at two consecutive weekly reviews"


def test_the_methodology_reference_tables_the_same_exit_rules():
    methodology = default_methodology()
    text = read(os.path.join(ROOT, "references", "methodology.md"))
    for lens, word in (("risk_tiers", "risk tier"), ("health_classes", "health class")):
        for band, playbook in methodology["playbooks"][lens].items():
            if playbook["exit"] is not None:
                assert f"| {band} {word} | {playbooks.exit_words(playbook['exit'], methodology)} |" in text


def test_the_playbook_that_leads_follows_the_lead_order():
    assert playbooks.leading("critical", "green") == ("risk_tiers", "critical")
    assert playbooks.leading("medium", "red") == ("health_classes", "red")
    assert playbooks.leading("medium", "yellow") == ("risk_tiers", "medium")
    assert playbooks.leading("low", "yellow") == ("health_classes", "yellow")
    assert playbooks.leading("low", None) == ("risk_tiers", "low")
    assert playbooks.leading(None, None) is None


def test_rewording_a_playbook_keeps_the_methodology_hash():
    reworded = methodology_from({"playbooks": {"risk_tiers": {"low": {"success_criteria": ["Quarterly QBR held."]}}}})
    assert reworded["playbooks"]["risk_tiers"]["low"]["success_criteria"] == ["Quarterly QBR held."]
    assert methodology_hash(reworded) == methodology_hash(default_methodology())
    moved = methodology_from({"churn": {"tiers": {"critical": {"min_score": 75}}}})
    assert methodology_hash(moved) != methodology_hash(default_methodology())


# A bad custom playbook --------------------------------------------------------------------------

def test_a_bad_custom_playbook_entry_is_one_error_line_each_and_exit_one(run_tool, write_json):
    config = write_json({"playbooks": {"risk_tiers": {
        "critical": {"exit": {"risk_below": "severe", "reviews": 2, "cadence": "weekly"}},
        "high": {"weeks": [[], "call the contact"], "exit": {"reviews": 0, "cadence": "daily"}}}}}, "bad.json")
    done = run_tool(REPORT, SAMPLE, *AS_OF, "--config", config)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.splitlines() == [
        f"error: config {config}: playbooks.risk_tiers.critical.exit.risk_below must be one of critical, high, "
        "medium (the band whose lower edge the account must pass), got \"severe\"",
        f"error: config {config}: playbooks.risk_tiers.high.weeks must list 1 to 8 weeks, each a list of steps (text)",
        f"error: config {config}: playbooks.risk_tiers.high.exit.reviews must be from 1 to 12, got 0",
        f"error: config {config}: playbooks.risk_tiers.high.exit.cadence must be one of weekly, fortnightly, "
        "monthly, quarterly, got \"daily\"",
    ]


@pytest.mark.parametrize("override, line", [
    ({"health_classes": {"red": {"weeks": [[], []]}}},
     "playbooks.health_classes.red.weeks: at least one week must hold a step"),
    ({"health_classes": {"yellow": {"exit": {"health_at_least": "red"}}}},
     "playbooks.health_classes.yellow.exit.health_at_least must be one of green, yellow (the band whose cut-off "
     "the account must pass), got \"red\""),
    ({"risk_tiers": {"low": {"success_criteria": ["x" * 301]}}},
     "playbooks.risk_tiers.low.success_criteria must be a list of at most 12 texts, each 1 to 300 characters"),
    ({"risk_tiers": {"low": {"exit": {"risk_below": "high", "reviews": 1, "cadence": "monthly", "after": 3}}}},
     "unknown key playbooks.risk_tiers.low.exit.after (known here: risk_below, reviews, cadence)"),
    ({"risk_tiers": {"severe": {}}},
     "unknown key playbooks.risk_tiers.severe (known here: critical, high, low, medium)"),
])
def test_each_bad_playbook_figure_is_named_by_its_path(override, line):
    with pytest.raises(Exception) as raised:
        methodology_from({"playbooks": override})
    assert str(raised.value).splitlines() == [f"config: {line}"]


# Every shipped template ---------------------------------------------------------------------------

LEFT = {  # what the bundle cannot know: names of people, meeting dates, the customer's own words
    "save_plan_template.md": ["plan_owner", "executive_sponsor_ours", "customer_decision_maker", "opened_date"],
    "success_plan_template.md": [
        "plan_owner", "customer_sponsor", "customer_champion", "plan_start_date", "last_review_date",
        "business_objectives", "success_definition", "goals_table_rows", "headline_kpi", "kpi_baseline",
        "kpi_target", "roi_promised", "milestones_table_rows", "stakeholders_table_rows", "next_review_date"],
    "qbr_template.md": [
        "review_period", "meeting_date", "csm_name", "customer_attendees", "our_attendees", "goals_table_rows",
        "value_delivered", "adoption_highlights", "roadmap_items", "customer_asks", "next_quarter_goals",
        "next_review_date"],
    "executive_business_review_template.md": [
        "meeting_date", "customer_executives", "our_executives", "partnership_summary",
        "customer_strategic_priorities", "outcomes_delivered", "roi_achieved_pct", "goals_met_pct",
        "strategic_alignment", "executive_asks", "commitments_table_rows", "next_ebr_date"],
    "onboarding_checklist_template.md": [
        "onboarding_manager", "csm_name", "customer_sponsor", "customer_project_lead",
        "first_value_milestone", "time_to_value_days", "health_score_day_90", "health_class_day_90", "gate_notes"],
}


@pytest.mark.parametrize("template", sorted(LEFT))
def test_each_shipped_template_leaves_only_what_the_bundle_cannot_know_and_lists_it(run_tool, write_json, template):
    document = json.loads(read(SAMPLE))
    for record in document["customers"]:
        if record["customer_id"] == "ACC-2007":
            record["contract_start_date"] = "2025-12-01"
    book = write_json(document)
    done = run_tool(REPORT, book, "--account", "ACC-2007", "--template", os.path.join(ASSETS, template), *AS_OF)
    assert (done.returncode, done.stderr) == (0, "")
    header, body = done.stdout.split("-->\n", 1)
    assert re.findall(r"^- ([a-z0-9_]+): ", header, re.M) == LEFT[template]
    assert "{{" not in body
    blanks = len(re.findall(r"\[to fill: ", body))
    assert blanks >= len(LEFT[template])
    if template == "onboarding_checklist_template.md":
        assert "| Day 0 (contract start) | 2025-12-01 |" in body
        assert "**Gate 1, by 2025-12-31**" in body and "**Gate 3, by 2026-03-01**" in body


def test_the_qbr_names_the_leading_playbook_and_proposes_its_first_week_as_action_items(run_tool):
    done = run_tool(REPORT, SAMPLE, "--account", "ACC-2007", "--template", os.path.join(ASSETS, "qbr_template.md"),
                    *AS_OF)
    brief = json.loads(run_tool(REPORT, SAMPLE, "--account", "ACC-2007", *AS_OF, "--format", "json").stdout)
    tier = brief["account"]["churn"]["risk_tier"]
    assert tier == "medium"
    assert ("- Playbook that leads: the medium risk tier (`references/cs-playbooks.md`); it exits at risk score "
            "below 40 at the next monthly review\n") in done.stdout
    assert ("| Proposed: Raise the warning signals at the next check-in and agree one fix with the customer. | "
            "[to fill: owner] | [to fill: due date] |\n") in done.stdout


def test_the_success_plan_keeps_the_path_targets_and_lists_the_warnings_as_risks(run_tool):
    done = run_tool(REPORT, SAMPLE, "--account", "ACC-1003", "--template",
                    os.path.join(ASSETS, "success_plan_template.md"), *AS_OF)
    assert "- Login trend: from -28 to -1 (risk to high)\n" in done.stdout
    assert ("| Champion left | critical | [to fill: mitigation] | [to fill: owner] |\n") in done.stdout
    assert "- Risk score below 80 at two consecutive weekly reviews (today 89.3, critical).\n" in done.stdout


def test_an_id_that_would_close_the_header_comment_is_defused(run_tool, write_json):
    document = json.loads(read(SAMPLE))
    document["customers"][0]["customer_id"] = "ACC-->x"
    done = run_tool(REPORT, write_json(document), "--account", "ACC-->x", "--template", SAVE_PLAN, *AS_OF)
    assert done.returncode == 0
    header = done.stdout[:done.stdout.index("\n-->\n")]
    assert "-->" not in header and "Filled from the account brief of ACC- ->x as of 2026-03-01." in header


def test_a_stored_score_that_does_not_read_back_is_shown_as_unreadable_not_dropped(run_tool, two_runs, tmp_path):
    import shutil
    import sqlite3
    history = tmp_path / "tampered.sqlite"
    shutil.copy(two_runs, history)
    connection = sqlite3.connect(str(history))
    connection.execute("UPDATE account_snapshot SET score = 1e308 WHERE customer_id = 'ACC-1003' AND snapshot_id = "
                       "(SELECT snapshot_id FROM snapshot WHERE analysis = 'churn' AND as_of = '2026-02-15')")
    connection.commit()
    connection.close()
    done = run_tool(REPORT, SAMPLE, "--account", "ACC-1003", "--template", SAVE_PLAN, *AS_OF,
                    "--history", history, "--no-store")
    assert done.returncode == 0
    assert "| 2026-02-15 | unreadable | unreadable | 32.7 | red | from the history |\n" in done.stdout
    assert done.stderr.count("the score 1e+308 is not a number from 0 to 100") == 1  # the trend's reading says it once


def test_a_red_account_at_medium_risk_follows_the_red_playbook_with_its_segments_cut_off(run_tool):
    from csm.report.brief import propose
    brief = json.loads(run_tool(REPORT, SAMPLE, "--account", "ACC-1003", *AS_OF, "--format", "json").stdout)["account"]
    brief["churn"]["risk_tier"] = "medium"
    brief["churn"]["risk_score"] = 45.0
    proposal = propose(brief, default_methodology())
    assert proposal.playbook == "red health class"
    assert proposal.exit_rule == ("health score 50 or above (the enterprise yellow cut-off) at two consecutive "
                                  "weekly reviews")
    assert proposal.success_criteria[0] == ("Health score 50 or above (the enterprise yellow cut-off) at two "
                                            "consecutive weekly reviews (today 29.9, red).")
    # the next action (critical churn's escalation, from the real tier) is not the red class's own action: it leads
    assert proposal.weeks[0][0] == brief["next_action"]["action"]
    assert proposal.weeks[0][1].startswith("Open a save plan this week")


def test_an_empty_week_of_the_playbook_says_so_without_a_proposal(run_tool):
    done = run_tool(REPORT, SAMPLE, "--account", "ACC-1006", "--template",
                    os.path.join(ASSETS, "success_plan_template.md"), *AS_OF)
    assert section(done.stdout, "**Week 2**", "**Week 3**") == (
        "**Week 2**\n\n- No new step in the playbook this week: keep the earlier weeks' steps going.\n\n")


def test_the_onboarding_checklist_reads_the_seats_bought_from_the_contract(run_tool):
    done = run_tool(REPORT, SAMPLE, "--account", "ACC-2007", "--template",
                    os.path.join(ASSETS, "onboarding_checklist_template.md"), *AS_OF)
    assert done.returncode == 0
    assert "| Account | Summit Travel (ACC-2007), mid-market, $54,000 ARR, 50 seats |" in done.stdout.splitlines()
