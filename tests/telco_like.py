"""A seeded synthetic export shaped like the public IBM Telco customer churn CSV.

Same columns and labels (customerID, gender, SeniorCitizen 0/1, Partner Yes/No,
tenure months, PhoneService, MultipleLines, InternetService DSL / Fiber optic / No,
the six add-on services, Contract, PaperlessBilling, PaymentMethod, MonthlyCharges,
TotalCharges blank for new accounts, Churn Yes/No), with that data set's known
structure: churn driven by short tenure (non-linearly), month-to-month contracts,
fibre optic, electronic check, paperless billing, no tech support or online
security, high charges; about a quarter churned.
"""

import csv
import math
import random

COLUMNS = ["customerID", "gender", "SeniorCitizen", "Partner", "Dependents", "tenure", "PhoneService",
           "MultipleLines", "InternetService", "OnlineSecurity", "OnlineBackup", "DeviceProtection",
           "TechSupport", "StreamingTV", "StreamingMovies", "Contract", "PaperlessBilling", "PaymentMethod",
           "MonthlyCharges", "TotalCharges", "Churn"]
ADD_ONS = ("OnlineSecurity", "OnlineBackup", "DeviceProtection", "TechSupport", "StreamingTV", "StreamingMovies")
ADD_ON_PRICE = {"OnlineSecurity": 5, "OnlineBackup": 5, "DeviceProtection": 5, "TechSupport": 5,
                "StreamingTV": 10, "StreamingMovies": 10}
PAYMENTS = ("Electronic check", "Mailed check", "Bank transfer (automatic)", "Credit card (automatic)")


def _pick(generator, weighted):
    roll = generator.random() * sum(weight for _, weight in weighted)
    for value, weight in weighted:
        roll -= weight
        if roll <= 0:
            return value
    return weighted[-1][0]


def telco_rows(count, seed):
    """Return `count` rows (dicts of text, as a CSV export holds them), seeded."""
    generator = random.Random(seed)
    rows = []
    for number in range(count):
        contract = _pick(generator, [("Month-to-month", 55), ("One year", 21), ("Two year", 24)])
        longest = {"Month-to-month": 40, "One year": 60, "Two year": 72}[contract]
        tenure = min(72, 1 + int(generator.expovariate(1 / (longest / 2.2)))) if generator.random() < 0.85 \
            else generator.randint(1, 72)
        if generator.random() < 0.0016:  # signed, not billed yet: TotalCharges is blank
            tenure = 0
        if contract == "Two year" and generator.random() < 0.5:
            tenure = max(tenure, generator.randint(24, 72))
        internet = _pick(generator, [("Fiber optic", 44), ("DSL", 34), ("No", 22)])
        phone = "Yes" if internet == "DSL" and generator.random() < 0.25 else "Yes" if generator.random() < 0.95 \
            else "No"
        row = {"customerID": f"{number:04d}-{generator.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}"
                             f"{generator.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}{generator.randint(100, 999)}",
               "gender": generator.choice(("Female", "Male")),
               "SeniorCitizen": "1" if generator.random() < 0.16 else "0",
               "Partner": "Yes" if generator.random() < 0.35 + tenure / 200 else "No",
               "Dependents": "Yes" if generator.random() < 0.30 else "No",
               "tenure": str(tenure), "PhoneService": phone,
               "MultipleLines": "No phone service" if phone == "No" else
               ("Yes" if generator.random() < 0.3 + tenure / 150 else "No"),
               "InternetService": internet, "Contract": contract,
               "PaperlessBilling": "Yes" if generator.random() < (0.7 if internet == "Fiber optic" else 0.5) else "No",
               "PaymentMethod": _pick(generator, [(PAYMENTS[0], 45 if contract == "Month-to-month" else 15),
                                                  (PAYMENTS[1], 23), (PAYMENTS[2], 22), (PAYMENTS[3], 22)])}
        charges = 20.0 + (5 if row["MultipleLines"] == "Yes" else 0) if phone == "Yes" else 0.0
        charges += {"Fiber optic": 50.0, "DSL": 25.0, "No": 0.0}[internet]
        for add_on in ADD_ONS:
            if internet == "No":
                row[add_on] = "No internet service"
                continue
            likely = 0.45 if add_on.startswith("Streaming") else 0.3 + tenure / 250
            row[add_on] = "Yes" if generator.random() < likely else "No"
            if row[add_on] == "Yes":
                charges += ADD_ON_PRICE[add_on]
        charges = max(18.25, charges + generator.gauss(0, 2.5))
        row["MonthlyCharges"] = f"{charges:.2f}"
        row["TotalCharges"] = " " if tenure == 0 else f"{charges * tenure * generator.uniform(0.95, 1.05):.2f}"
        logit = -1.0 + 1.1 - 0.8 * math.log1p(tenure) + (0.45 if tenure <= 2 else 0)
        logit += {"Month-to-month": 0.0, "One year": -0.9, "Two year": -1.9}[contract]
        logit += {"Fiber optic": 0.75, "DSL": 0.0, "No": -0.9}[internet]
        logit += 0.45 if row["PaymentMethod"] == PAYMENTS[0] else 0.0
        logit += 0.4 if row["TechSupport"] == "No" else 0.0
        logit += 0.4 if row["OnlineSecurity"] == "No" else 0.0
        logit += 0.15 if row["OnlineBackup"] == "No" else 0.0
        logit += 0.3 if row["PaperlessBilling"] == "Yes" else 0.0
        logit += 0.25 if row["SeniorCitizen"] == "1" else 0.0
        logit += -0.2 if row["Dependents"] == "Yes" else 0.0
        logit += 0.2 if row["StreamingTV"] == "Yes" else 0.0
        logit += 0.2 if row["StreamingMovies"] == "Yes" else 0.0
        logit += 0.2 if row["MultipleLines"] == "Yes" else 0.0
        logit += 0.012 * (charges - 65)
        row["Churn"] = "Yes" if generator.random() < 1 / (1 + math.exp(-logit)) else "No"
        rows.append(row)
    return rows


def write_export(path, rows, id_column="customer_id", arr=True):
    """Write rows as a CSV export, the id under `id_column`, ARR (MonthlyCharges x 12) beside unless `arr` is False.

    `write_export(path, rows, "customerID", arr=False)` is the export exactly as a
    telco team has it: read with a --map naming the id and the MonthlyCharges column.
    """
    header = [id_column if column == "customerID" else column for column in COLUMNS]
    if arr:
        header.insert(1, "arr")
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            cells = [row[column] for column in COLUMNS]
            if arr:
                cells.insert(1, f"{float(row['MonthlyCharges']) * 12:.2f}")
            writer.writerow(cells)


def write_outcomes(path, rows, id_column="customer_id"):
    """Write the outcomes file of the rows (customer_id, churned)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([id_column, "churned"])
        for row in rows:
            writer.writerow([row["customerID"], "true" if row["Churn"] == "Yes" else "false"])
