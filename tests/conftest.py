"""Shared fixtures: a complete worked account, and running a tool as a user would."""

import copy
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "scripts")
SAMPLE = os.path.join(ROOT, "assets", "sample_customer_data.json")

# The worked account of references/input-schema.md (all sections), used by many tests.
NORTHWIND = {
    "customer_id": "ACC-0042", "name": "Northwind Logistics", "segment": "mid-market", "arr": 64000,
    "contract_end_date": "2027-03-31",
    "usage": {"login_frequency": 72, "feature_adoption": 55, "dau_mau_ratio": 0.31},
    "engagement": {"support_ticket_volume": 4, "meeting_attendance": 80, "nps_score": 7, "csat_score": 4.1},
    "support": {"open_tickets": 3, "escalation_rate": 0.08, "avg_resolution_hours": 30},
    "relationship": {"executive_sponsor_engagement": 60, "multi_threading_depth": 2, "renewal_sentiment": "neutral"},
    "previous_period": {"usage_score": 78, "engagement_score": 70, "support_score": 74, "relationship_score": 66},
    "usage_decline": {"login_trend": -12, "feature_adoption_change": -4, "dau_mau_change": -0.05},
    "engagement_drop": {"meeting_cancellations": 1, "response_time_days": 3, "nps_change": -2},
    "support_issues": {"open_escalations": 1, "unresolved_critical": 0, "satisfaction_trend": "stable"},
    "relationship_signals": {"champion_left": False, "sponsor_change": True, "competitor_mentions": 1},
    "commercial_factors": {"contract_type": "annual", "pricing_complaints": False, "budget_cuts_mentioned": False},
    "contract": {"licensed_seats": 60, "active_seats": 57, "plan_tier": "professional",
                 "available_tiers": ["starter", "professional", "enterprise"]},
    "product_usage": {"core_platform": {"adopted": True, "usage_pct": 88},
                      "analytics_module": {"adopted": True, "usage_pct": 22},
                      "integrations_module": {"adopted": False, "usage_pct": 0}},
    "departments": {"current": ["operations"], "potential": ["finance", "sales"]},
}


@pytest.fixture
def northwind():
    """A fresh deep copy of the worked account."""
    return copy.deepcopy(NORTHWIND)


@pytest.fixture
def run_tool():
    """Run scripts/<name> as a subprocess; return the CompletedProcess (text mode)."""

    def run(script, *args, stdin=None, cwd=None):
        return subprocess.run(
            [sys.executable, os.path.join(SCRIPTS, script), *map(str, args)],
            input=stdin, capture_output=True, text=True, cwd=cwd, timeout=120,
        )

    return run


@pytest.fixture
def write_json(tmp_path):
    """Write a JSON document to tmp_path/name and return its path."""

    def write(document, name="portfolio.json"):
        path = tmp_path / name
        path.write_text(json.dumps(document), encoding="utf-8")
        return path

    return write


def sample_warnings_only(stderr):
    """True when stderr is empty: the sample's business_outcomes figures (read by
    assets/methodology/five-dimension.json) earn no warning under the default methodology."""
    return stderr == ""


def without_warnings(stderr):
    """stderr without its warning lines (a small test book leaves metrics out, and the tools say so)."""
    return "".join(line for line in stderr.splitlines(True) if not line.startswith("warning: "))


def formats_of(module):
    """The --format choices of a tool's script module (its COMMAND), the default first."""
    from csm.cli.command import build_parser
    parser = build_parser(module.COMMAND)
    return list(next(action.choices for action in parser._actions if action.dest == "format"))
