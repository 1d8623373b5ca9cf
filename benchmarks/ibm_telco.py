"""Held-out AUC of a fitted churn scorecard on the public IBM Telco export.

    python3 benchmarks/ibm_telco.py WA_Fn-UseC_-Telco-Customer-Churn.csv [FOLDER] [--split-seed N] [-- FIT OPTIONS]

Shuffles the export's rows with random.Random(N) (default 7), fits on the first 70% (4,930
accounts) with scripts/fit_scorecard.py, scores the other 30% (2,113) with
scripts/churn_risk_analyzer.py and the fitted file, and prints the metrics kept, the
backtest's AUC and its Brier score beside the base rate's. The map names the id and
reads ARR as MonthlyCharges x 12; every other column is the fitter's candidate.
"""

import argparse
import csv
import json
import os
import random
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "scripts")
AS_OF = ("--as-of", "2026-01-01")
SPLIT_SEED = 7  # the split every figure of benchmarks/README.md was measured on


def split(export, folder, split_seed=SPLIT_SEED):
    """Write train/test exports and outcomes into folder (rows shuffled with split_seed); return their paths."""
    with open(export, newline="", encoding="utf-8-sig") as handle:
        table = list(csv.reader(handle))
    header, rows = table[0], table[1:]
    random.Random(split_seed).shuffle(rows)
    cut = int(len(rows) * 0.7)
    churn_at = header.index("Churn")
    paths = {}
    for name, part in (("train", rows[:cut]), ("test", rows[cut:])):
        book = os.path.join(folder, f"{name}.csv")
        outcomes = os.path.join(folder, f"{name}-outcomes.csv")
        with open(book, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([header[:churn_at] + header[churn_at + 1:]]
                                         + [row[:churn_at] + row[churn_at + 1:] for row in part])
        with open(outcomes, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([["customer_id", "churned"]]
                                         + [[row[0], "true" if row[churn_at] == "Yes" else "false"] for row in part])
        paths[name] = (book, outcomes)
    return paths


def main(argv):
    fit_options = argv[argv.index("--") + 1:] if "--" in argv else []
    parser = argparse.ArgumentParser(description="Held-out AUC of a fitted churn scorecard on the IBM Telco export.")
    parser.add_argument("export", help="WA_Fn-UseC_-Telco-Customer-Churn.csv")
    parser.add_argument("folder", nargs="?", default="ibm-telco", help="where the split and fitted file go")
    parser.add_argument("--split-seed", type=int, default=SPLIT_SEED,
                        help=f"seed of the 70/30 shuffle (default: {SPLIT_SEED})")
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    folder = args.folder
    os.makedirs(folder, exist_ok=True)
    paths = split(args.export, folder, args.split_seed)
    field_map = os.path.join(folder, "map.json")
    with open(field_map, "w", encoding="utf-8") as handle:
        json.dump({"fields": {"customer_id": "customerID", "arr": {"column": "MonthlyCharges", "scale": 12}}}, handle)
    fitted = os.path.join(folder, "fitted.json")
    train, train_outcomes = paths["train"]
    subprocess.run([sys.executable, os.path.join(SCRIPTS, "fit_scorecard.py"), train, "--outcomes", train_outcomes,
                    "--map", field_map, "--analysis", "churn", "--output", fitted, *AS_OF, *fit_options],
                   check=True, stdout=subprocess.DEVNULL)
    test, test_outcomes = paths["test"]
    scored = subprocess.run([sys.executable, os.path.join(SCRIPTS, "churn_risk_analyzer.py"), test, "--map",
                             field_map, "--config", fitted, "--outcomes", test_outcomes, *AS_OF, "--format", "json"],
                            check=True, capture_output=True, text=True)
    report = json.loads(scored.stdout)
    with open(fitted, encoding="utf-8") as handle:
        kept = [metric.get("field") for signal in json.load(handle)["churn"]["signals"].values()
                for metric in signal["metrics"].values()]
    print(f"metrics kept: {len(kept)} ({', '.join(kept)})")
    print(f"held-out AUC: {report['backtest']['auc']}")
    calibration = report["backtest"].get("calibration") or {}
    if "brier_score" in calibration:
        print(f"held-out Brier score: {calibration['brier_score']} (the base rate's: "
              f"{calibration['base_rate_brier_score']})")


if __name__ == "__main__":
    main(sys.argv[1:])
