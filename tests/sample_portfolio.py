"""Build the sample portfolio: assets/sample_customer_data.json and its CRM-export twin, the .csv.

The 20 invented accounts between them show every health class, every churn-risk
tier (a lapsed renewal and renewals inside 30 days of 2026-11-22, the as-of date
the docs use), every expansion category and an enablement need, all three
segments, declining and improving trends, business outcomes for the
five-dimension model, and one account with metrics missing (ACC-2005).

Run from the repository root to rewrite both files:

    python3 tests/sample_portfolio.py

tests/test_sample_data.py checks that the committed files are what this builds.
"""

import csv
import io
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JSON_PATH = os.path.join(ROOT, "assets", "sample_customer_data.json")
AS_OF = "2026-11-22"  # the date the sample was exported: its renewals and start dates are set from it
CSV_PATH = os.path.join(ROOT, "assets", "sample_customer_data.csv")

A = []


FIELDS = {
    "usage": ("login_frequency", "feature_adoption", "dau_mau_ratio"),
    "engagement": ("support_ticket_volume", "meeting_attendance", "nps_score", "csat_score"),
    "support": ("open_tickets", "escalation_rate", "avg_resolution_hours"),
    "relationship": ("executive_sponsor_engagement", "multi_threading_depth", "renewal_sentiment"),
    "business_outcomes": ("roi_achieved_pct", "goals_met_pct", "kpi_improvement_pct"),
    "previous_period": ("usage_score", "engagement_score", "support_score", "relationship_score",
                        "business_outcomes_score"),
    "usage_decline": ("login_trend", "feature_adoption_change", "dau_mau_change"),
    "engagement_drop": ("meeting_cancellations", "response_time_days", "nps_change"),
    "support_issues": ("open_escalations", "unresolved_critical", "satisfaction_trend"),
    "relationship_signals": ("champion_left", "sponsor_change", "competitor_mentions"),
    "commercial_factors": ("contract_type", "pricing_complaints", "budget_cuts_mentioned"),
    "contract": ("licensed_seats", "active_seats", "plan_tier", "available_tiers"),
}


def acc(cid, name, seg, arr, end, usage, eng, sup, rel, prev, decl, drop, issues, sig, com, contract, modules, depts,
        bo=None, drop_fields=()):
    """Add one account; each tuple holds the fields of its section in the order FIELDS lists them.

    `modules` maps a module to (adopted, usage_pct); `depts` is (current, potential);
    `bo` the business outcomes; `drop_fields` the sections or `section.field`s to leave out.
    """
    record = {"customer_id": cid, "name": name, "segment": seg, "arr": arr}
    if end:
        record["contract_end_date"] = end
    sections = [("usage", usage), ("engagement", eng), ("support", sup), ("relationship", rel),
                ("business_outcomes", bo), ("previous_period", prev), ("usage_decline", decl),
                ("engagement_drop", drop), ("support_issues", issues), ("relationship_signals", sig),
                ("commercial_factors", com), ("contract", contract)]
    for section, figures in sections:
        if figures:
            record[section] = dict(zip(FIELDS[section], figures))
    record["product_usage"] = {module: {"adopted": adopted, "usage_pct": usage_pct}
                               for module, (adopted, usage_pct) in modules.items()}
    record["departments"] = {"current": depts[0], "potential": depts[1]}
    for path in drop_fields:
        section, _, field = path.partition(".")
        if field:
            del record[section][field]
        else:
            del record[section]
    A.append(record)


T3 = ["starter","professional","enterprise","enterprise_plus"]
# Healthy enterprise, expansion-ready (seat, tier, modules, departments)
acc("ACC-1001","Aurora Health Systems","enterprise",420000,"2027-09-30",(92,84,0.56),(3,96,9,4.7),(2,0.05,20),(92,6,"positive"),(88,86,90,84,92),
    (4,3,0.02),(0,1,1),(0,0,"improving"),(False,False,0),("multi-year",False,False),
    (500,482,"enterprise",T3),{"core_platform":(True,94),"analytics_module":(True,81),"security_module":(False,0),"custom_workflows":(False,0)},
    (["clinical_ops","finance"],["research","it","Finance"]),bo=(120,90,35))
acc("ACC-1002","Borealis Freight","enterprise",310000,"2027-01-15",(70,62,0.38),(6,80,7,3.9),(9,0.22,60),(55,3,"neutral"),(80,78,75,70,70),
    (-15,-8,-0.06),(2,4,-3),(2,1,"declining"),(False,True,2),("annual",True,False),
    (300,241,"professional",T3),{"core_platform":(True,80),"analytics_module":(True,24),"integrations_module":(False,0)},
    (["logistics"],["finance","sales"]),bo=(70,60,10))
acc("ACC-1003","Cobalt Financial Group","enterprise",560000,"2026-12-10",(40,35,0.2),(9,50,4,2.9),(14,0.4,110),(30,1,"negative"),(60,55,50,45,35),
    (-28,-18,-0.12),(4,8,-5),(3,2,"critical"),(True,True,4),("annual",True,True),
    (800,410,"enterprise",T3),{"core_platform":(True,50),"analytics_module":(True,12),"audit_module":(False,0)},
    (["treasury","risk"],["compliance"]),bo=(30,25,0))
acc("ACC-1004","Delta Biotech","enterprise",150000,"2026-11-01",(78,70,0.45),(4,90,8,4.3),(4,0.1,40),(70,4,"neutral"),(90,80,76,74),
    (-6,-2,-0.01),(1,2,-1),(1,0,"stable"),(False,False,1),("annual",False,False),
    (120,112,"professional",T3),{"core_platform":(True,85),"advanced_reporting":(False,0)},
    (["research"],["manufacturing"]))
acc("ACC-1005","Equinox Media","enterprise",240000,"2027-06-30",(85,80,0.5),(2,95,9,4.6),(1,0.02,12),(95,5,"positive"),(70,72,70,68),
    (8,5,0.04),(0,1,2),(0,0,"improving"),(False,False,0),("multi-year",False,False),
    (250,240,"enterprise_plus",T3),{"core_platform":(True,95),"analytics_module":(True,88),"automation_module":(True,76),"sso_module":(False,0)},
    (["newsroom","marketing"],["sales"]))
# Mid-market
acc("ACC-2001","Fjord Analytics","mid-market",64000,"2027-03-31",(72,55,0.31),(4,80,7,4.1),(3,0.08,30),(60,2,"neutral"),(78,70,74,66),
    (-12,-4,-0.05),(1,3,-2),(1,0,"stable"),(False,True,1),("annual",False,False),
    (60,57,"professional",["starter","professional","enterprise"]),{"core_platform":(True,88),"analytics_module":(True,22),"integrations_module":(False,0)},
    (["operations"],["finance","sales"]))
acc("ACC-2002","Granite Retail Co","mid-market",88000,"2026-12-05",(50,40,0.22),(7,60,5,3.2),(10,0.3,90),(35,1,"negative"),(72,66,60,50),
    (-22,-12,-0.11),(3,7,-4),(2,2,"declining"),(True,False,3),("month-to-month",True,True),
    (90,60,"starter",["starter","professional","enterprise"]),{"core_platform":(True,60),"api_access":(False,0)},
    (["stores"],["ecommerce"]))
acc("ACC-2003","Harbor Legal LLP","mid-market",45000,"2027-08-31",(82,74,0.42),(2,88,9,4.4),(2,0.05,24),(80,4,"positive"),(60,62,64,60,70),
    (10,6,0.05),(0,1,1),(0,0,"improving"),(False,False,0),("annual",False,False),
    (40,39,"professional",["starter","professional","enterprise"]),{"core_platform":(True,90),"collaboration_module":(False,0),"data_export":(False,0)},
    (["litigation"],["corporate","Litigation"]),bo=(110,80,15))
acc("ACC-2004","Ionic Robotics","mid-market",72000,"2027-02-14",(65,58,0.33),(5,75,7,3.8),(6,0.18,50),(58,2,"unknown"),(74,70,72,66),
    (-8,-6,-0.03),(2,5,-2),(1,1,"stable"),(False,False,2),("quarterly",False,True),
    (70,52,"professional",["professional","starter","enterprise"]),{"core_platform":(True,75),"automation_module":(False,0)},
    (["engineering"],["support"]))
acc("ACC-2005","Juniper Schools","mid-market",30000,"2027-07-01",(60,50,0.3),(3,70,6,3.6),(5,0.12,60),(40,2,"neutral"),None,
    (-3,-1,0.0),(1,2,0),(0,0,"stable"),(False,False,0),("annual",False,False),
    (35,33,"starter",["starter","professional"]),{"core_platform":(True,70),"analytics_module":(False,0)},
    (["admissions"],["finance"]),
    drop_fields=("usage.dau_mau_ratio","engagement.csat_score","support"))
acc("ACC-2006","Kestrel Energy","mid-market",96000,"2026-12-20",(88,72,0.44),(3,86,8,4.2),(3,0.09,36),(75,3,"positive"),(99,99,98,99),
    (-2,0,0.0),(0,1,0),(0,0,"stable"),(False,False,0),("annual",False,False),
    (110,108,"professional",["starter","professional","enterprise"]),{"core_platform":(True,92),"analytics_module":(True,70),"security_module":(False,0)},
    (["field_ops"],["safety","Field Ops"]))
# SMB
acc("ACC-3001","Lumen Bakery","smb",9000,"2027-04-30",(75,62,0.33),(2,80,8,4.2),(1,0.05,20),(65,2,"positive"),(96,96,96,96),
    (2,1,0.01),(0,1,0),(0,0,"stable"),(False,False,0),("annual",False,False),
    (10,10,"starter",["starter","professional"]),{"core_platform":(True,85),"data_export":(False,0)},
    (["bakery"],["catering"]))
acc("ACC-3002","Maple Dental","smb",12000,"2026-12-01",(30,25,0.1),(12,40,3,2.5),(18,0.5,150),(20,1,"negative"),(20,22,0,18),
    (-35,-20,-0.15),(3,10,-6),(3,2,"critical"),(True,False,5),("month-to-month",True,True),
    (15,6,"starter",["starter","professional"]),{"core_platform":(True,30)},
    (["front_desk"],["billing"]))
acc("ACC-3003","Nimbus Yoga","smb",6000,"2027-05-31",(55,45,0.25),(4,65,6,3.7),(4,0.15,50),(45,1,"neutral"),(60,56,62,52),
    (-10,-5,-0.04),(1,3,-1),(1,0,"stable"),(False,False,1),("month-to-month",False,False),
    (8,6,"starter",["starter","professional"]),{"core_platform":(True,65),"collaboration_module":(True,15)},
    (["studio"],["retail"]))
acc("ACC-3004","Orchid Florists","smb",18000,"2027-01-10",(68,60,0.28),(3,72,7,4.0),(3,0.1,40),(55,2,"neutral"),(72,70,72,66),
    (-18,-9,-0.07),(2,5,-3),(1,1,"declining"),(False,True,2),("quarterly",True,False),
    (20,19,"starter",["starter","professional"]),{"core_platform":(True,80),"api_access":(False,0)},
    (["shop"],["events"]))
acc("ACC-3005","Pixel Forge Studio","smb",22000,"2027-10-31",(80,66,0.36),(1,85,9,4.5),(0,0.0,10),(70,3,"positive"),(64,60,66,58,75),
    (12,8,0.06),(0,1,2),(0,0,"improving"),(False,False,0),("annual",False,False),
    (25,24,"starter",["starter","professional","enterprise"]),{"core_platform":(True,90),"advanced_reporting":(False,0),"custom_workflows":(False,0)},
    (["design"],["marketing"]),bo=(100,100,25))
acc("ACC-3006","Quill Accounting","smb",4800,"2027-02-28",(45,30,0.15),(6,55,5,3.4),(8,0.25,80),(30,1,"unknown"),(44,46,50,40),
    (-6,-3,-0.02),(1,4,-1),(1,0,"declining"),(False,False,0),("annual",True,False),
    (5,3,"starter",["starter","professional"]),{"core_platform":(True,40)},
    (["bookkeeping"],["payroll"]))
acc("ACC-1006","Redwood Manufacturing","enterprise",380000,"2027-05-15",(60,52,0.32),(5,78,7,3.9),(7,0.2,70),(50,3,"neutral"),(68,70,66,64,80),
    (-9,-4,-0.03),(1,3,-1),(1,0,"stable"),(False,False,2),("annual",False,True),
    (600,410,"professional",T3),{"core_platform":(True,70),"analytics_module":(True,45),"integrations_module":(True,28)},
    (["plant_a","plant_b"],["procurement"]),bo=(85,70,20))
acc("ACC-2007","Summit Travel","mid-market",54000,"2026-10-15",(58,48,0.27),(5,68,6,3.6),(7,0.2,70),(45,2,"neutral"),(64,60,60,55),
    (-14,-7,-0.06),(2,5,-2),(1,1,"declining"),(False,True,1),("annual",True,False),
    (50,41,"professional",["starter","professional","enterprise"]),{"core_platform":(True,72),"api_access":(False,0)},
    (["bookings"],["finance"]))
acc("ACC-3007","Tidewater Cafe","smb",7200,None,(70,58,0.3),(2,78,7,4.0),(2,0.08,30),(60,2,"neutral"),None,
    (0,0,0.0),(0,2,0),(0,0,"stable"),(False,False,0),("annual",False,False),
    (6,6,"starter",["starter","professional"]),{"core_platform":(True,82)},
    (["cafe"],["catering"]))


# The book's last twelve months, for NRR and GRR in the portfolio report (a top-level
# object: a CSV export has no place for it). Starting ARR plus expansion, less
# contraction and churn, is today's $2,588,000.
RETENTION = {
    "period_start": "2025-11-22",
    "period_end": "2026-11-21",
    "starting_arr": 2400000,
    "expansion_arr": 310000,
    "contraction_arr": 52000,
    "churned_arr": 70000,
}


def portfolio():
    """Return the sample portfolio as the JSON document holds it: dated as of 2026-11-22 (its "as_of", the
    date a run scores it as of when --as-of is not given), with the period's retention."""
    return {"as_of": AS_OF, "retention": RETENTION, "customers": A}


def json_text():
    return json.dumps(portfolio(), indent=2) + "\n"


def _flatten(value, prefix, row):
    """Flatten one record the way a CRM export does: dotted headers, lists joined with ';'."""
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else key, row)
    elif isinstance(value, list):
        row[prefix] = ";".join(value)
    elif isinstance(value, bool):
        row[prefix] = "true" if value else "false"
    else:
        row[prefix] = "" if value is None else str(value)


def csv_text(customers=None):
    """Return the portfolio as CSV: one row per account, columns in order of first appearance."""
    rows = []
    columns = {}
    for record in customers if customers is not None else A:
        row = {}
        _flatten(record, "", row)
        rows.append(row)
        for column in row:
            columns.setdefault(column, None)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(columns))
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue()


def main():
    with open(JSON_PATH, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(json_text())
    with open(CSV_PATH, "w", encoding="utf-8", newline="") as handle:
        handle.write(csv_text())
    print(f"{len(A)} accounts written to {JSON_PATH} and {CSV_PATH}")


if __name__ == "__main__":
    main()
