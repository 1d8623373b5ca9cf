#!/usr/bin/env python3
"""Benchmark the bundle's tools against the floor: json.load + compact json.dumps, collector off.

For each portfolio size it generates (once, seeded, under benchmarks/data/, which
git ignores) a portfolio with every section of assets/sample_customer_data.json's
schema, as JSON, JSON Lines and CSV. Then, for each tool present under scripts/
and each format, it runs the tool as a fresh process and measures wall time and
peak memory (the peak resident set of that one process, from os.wait4 in a small
wrapper process, so the benchmark's own memory never leaks into the figure), and
prints both as ratios to the floor measured the same way in the same run, one
floor run before each tool run (best of each over the same minutes, so a shared
machine's slow and quiet spells fall on both):

    python3 -c "gc.disable(); d = json.load(open(IN)); open(OUT, 'w').write(json.dumps(d, separators=(',', ':')))"

The floor switches the cyclic garbage collector off, as the tools do (cli's
_collector_paused): left on, the collector is a third to half of the floor's own
time on a large book, and a ratio to that slower floor flatters the tools.

Streaming formats (jsonl, csv out) are also run with JSON Lines and CSV input, and
a separate check streams 10,000 and 50,000 accounts to show memory does not grow
with the portfolio (issue 8: 50,000 streamed in under 64 MB).

Targets (issue 8), on --format json: time and memory within 1.25x of the floor
(goal), 1.5x (must).

    python3 benchmarks/bench.py                       # 20k and 100k, every tool and format
    python3 benchmarks/bench.py --sizes 20000 --tools health --formats json --repeat 5
    python3 benchmarks/bench.py --sizes 20000 --profile expansion   # where one run's time goes
    python3 benchmarks/bench.py --sizes 3000 --tools health --instructions   # repeatable counts (valgrind)

--profile runs one tool once under cProfile, in process (the script's main), and
prints its top functions by own time.

Standard library only; not a pytest test.
"""

import argparse
import compileall
import csv
import datetime
import json
import os
import random
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCRIPTS = os.path.join(ROOT, "scripts")
DATA = os.path.join(HERE, "data")

# Bump when the generator changes, so cached portfolios are made again.
GENERATOR_VERSION = 2
AS_OF = "2026-11-22"
TOOLS = {
    "health": "health_score_calculator.py",
    "churn": "churn_risk_analyzer.py",
    "expansion": "expansion_opportunity_scorer.py",
    "portfolio": "portfolio_report.py",
}
FORMATS = ("json", "text", "markdown", "csv", "jsonl", "html")
STREAMING = ("jsonl", "csv")
STREAM_LIMIT_MB = 64
GOAL, MUST = 1.25, 1.5

# The floor and the measuring wrapper run as fresh `python3 -c` processes.
FLOOR = (
    "import gc, json, sys\n"
    "gc.disable()\n"
    "with open(sys.argv[1], encoding='utf-8') as handle:\n"
    "    document = json.load(handle)\n"
    "with open(sys.argv[2], 'w', encoding='utf-8') as handle:\n"
    "    handle.write(json.dumps(document, separators=(',', ':')))\n"
)
# Runs one tool's main under cProfile: argv[1] script,
# argv[2] how many functions to print, argv[3:] the tool's arguments.
PROFILE = (
    "import cProfile, os, pstats, runpy, sys\n"
    "script, top = sys.argv[1], int(sys.argv[2])\n"
    "sys.path.insert(0, os.path.dirname(script))\n"
    "tool = runpy.run_path(script, run_name='profiled')\n"
    "profile = cProfile.Profile()\n"
    "status = profile.runcall(tool['main'], sys.argv[3:])\n"
    "sys.stdout.flush()\n"
    "pstats.Stats(profile, stream=sys.stdout).sort_stats('tottime').print_stats(top)\n"
    "print(f'exit status {status}')\n"
)
# Runs argv[3:] with stdout to argv[1] and stderr to argv[2]; prints wall seconds, the
# child's peak resident memory (KB, from wait4) and its exit status.
MEASURE = (
    "import json, os, subprocess, sys, time\n"
    "with open(sys.argv[1], 'wb') as out, open(sys.argv[2], 'wb') as err:\n"
    "    start = time.perf_counter()\n"
    "    child = subprocess.Popen(sys.argv[3:], stdout=out, stderr=err)\n"
    "    _, status, usage = os.wait4(child.pid, 0)\n"
    "    wall = time.perf_counter() - start\n"
    "print(json.dumps({'wall': wall, 'rss_kb': usage.ru_maxrss, 'status': os.waitstatus_to_exitcode(status)}))\n"
)

# ---------------------------------------------------------------------------
# Portfolio generator

WORDS_A = ("Aurora", "Fjord", "Northwind", "Blue", "Copper", "Granite", "Harbor", "Juniper", "Kestrel", "Lumen",
           "Meridian", "Nimbus", "Orchid", "Pioneer", "Quartz", "Redwood", "Summit", "Tidal", "Umber", "Vertex",
           "Willow", "Zephyr", "Ætna", "Öresund", "São", "Kyōto", "Zürich", "Łódź")
WORDS_B = ("Health", "Analytics", "Logistics", "Robotics", "Foods", "Capital", "Media", "Energy", "Labs", "Retail",
           "Systems", "Bank", "Studios", "Freight", "Pharma", "Software", "Insurance", "Telecom", "Outdoors", "Legal")
WORDS_C = ("Inc.", "LLC", "GmbH", "Ltd", "S.A.", "Group", "Holdings", "Co.", "AB", "")
SEGMENT_SPELLINGS = {
    "enterprise": ("enterprise", "enterprise", "enterprise", "Enterprise"),
    "mid-market": ("mid-market", "mid-market", "mid-market", "Mid-Market", "mid_market"),
    "smb": ("smb", "smb", "smb", "SMB"),
}
SENTIMENTS = ("positive", "neutral", "negative", "unknown")
SATISFACTION = ("improving", "stable", "declining", "critical")
CONTRACT_TYPES = ("annual", "multi-year", "quarterly", "month-to-month")
TIERS = ("starter", "professional", "enterprise", "enterprise_plus")  # the methodology's ladder
MODULES = ("core_platform", "analytics_module", "integrations_module", "security_module", "custom_workflows",
           "advanced_reporting", "automation_module", "api_access", "sso_module", "mobile_app")
DEPARTMENTS = ("operations", "finance", "sales", "marketing", "it", "hr", "legal", "support", "research",
               "clinical_ops", "procurement", "engineering")


def _clip(value, low, high):
    return low if value < low else high if value > high else value


def make_account(rng, number, as_of, damage=True):
    """Return one generated account with every section of the sample's schema.

    A latent health (0-1) drives the metrics so classes, trends and risks spread
    the way they do in a real book; a few fields are missing, a few spelled the
    CRM way, and about one record in a thousand is broken (it is rejected).
    `damage=False` leaves every field in (the CSV header is made from such an account).
    """
    health = rng.betavariate(2.2, 1.6)
    segment = rng.choices(("enterprise", "mid-market", "smb"), weights=(20, 35, 45))[0]
    arr = {"enterprise": rng.randint(100_001, 2_500_000), "mid-market": rng.randint(25_000, 100_000),
           "smb": rng.randint(1_200, 24_999)}[segment]
    if rng.random() < 0.3:
        arr = round(arr + rng.random(), 2)

    def pct(spread=18, scale=100):
        return round(_clip(rng.gauss(health * scale, spread), 0, scale))

    def ratio(scale=0.7, spread=0.1, digits=2):
        return round(_clip(rng.gauss(health * scale, spread), 0, 1), digits)

    end = as_of + datetime.timedelta(days=rng.randint(-45, 1000))
    seats = rng.choice((5, 10, 25, 40, 60, 100, 150, 250, 500, 1200))
    tier_count = rng.randint(2, 4)
    tiers = list(TIERS[:tier_count])
    modules = rng.sample(MODULES, rng.randint(2, 6))
    current = rng.sample(DEPARTMENTS, rng.randint(1, 4))
    potential = rng.sample([d for d in DEPARTMENTS if d not in current], rng.randint(0, 4))
    account = {
        "customer_id": f"ACC-{number:07d}",
        "name": f"{rng.choice(WORDS_A)} {rng.choice(WORDS_B)} {rng.choice(WORDS_C)}".strip(),
        "segment": rng.choice(SEGMENT_SPELLINGS[segment]),
        "arr": arr,
        "contract_end_date": end.isoformat(),
        "usage": {"login_frequency": pct(), "feature_adoption": pct(), "dau_mau_ratio": ratio()},
        "engagement": {"support_ticket_volume": rng.randint(0, int(12 - 8 * health)),
                       "meeting_attendance": pct(15), "nps_score": round(_clip(rng.gauss(health * 10, 1.5), 0, 10)),
                       "csat_score": round(_clip(rng.gauss(1.5 + health * 3.4, 0.4), 0, 5), 1)},
        "support": {"open_tickets": rng.randint(0, int(18 - 15 * health)),
                    "escalation_rate": round(_clip(rng.gauss(0.35 - 0.3 * health, 0.05), 0, 1), 2),
                    "avg_resolution_hours": rng.randint(4, int(140 - 110 * health))},
        "relationship": {"executive_sponsor_engagement": pct(20), "multi_threading_depth": rng.randint(0, 8),
                         "renewal_sentiment": SENTIMENTS[min(3, int((1 - health) * 3 + rng.random() * 1.2))]},
        "business_outcomes": {"roi_achieved_pct": rng.randint(0, 200), "goals_met_pct": pct(),
                              "kpi_improvement_pct": rng.randint(-10, 60)},
        "previous_period": {"usage_score": pct(12), "engagement_score": pct(12), "support_score": pct(12),
                            "relationship_score": pct(12)},
        "usage_decline": {"login_trend": rng.randint(-45, 15), "feature_adoption_change": rng.randint(-20, 10),
                          "dau_mau_change": round(rng.uniform(-0.2, 0.05), 2)},
        "engagement_drop": {"meeting_cancellations": rng.randint(0, 6), "response_time_days": rng.randint(0, 14),
                            "nps_change": rng.randint(-5, 3)},
        "support_issues": {"open_escalations": rng.randint(0, 4), "unresolved_critical": rng.randint(0, 3),
                           "satisfaction_trend": rng.choice(SATISFACTION)},
        "relationship_signals": {"champion_left": rng.random() < 0.12, "sponsor_change": rng.random() < 0.15,
                                 "competitor_mentions": rng.randint(0, 5)},
        "commercial_factors": {"contract_type": rng.choice(CONTRACT_TYPES), "pricing_complaints": rng.random() < 0.2,
                               "budget_cuts_mentioned": rng.random() < 0.15},
        "contract": {"licensed_seats": seats, "active_seats": _clip(round(seats * rng.uniform(0.3, 1.15)), 0, 10**6),
                     "plan_tier": rng.choice(tiers[:-1]), "available_tiers": tiers},
        "product_usage": {module: ({"adopted": True, "usage_pct": pct(20)} if rng.random() < 0.6
                                   else {"adopted": False, "usage_pct": 0}) for module in modules},
        "departments": {"current": current, "potential": potential},
    }
    if rng.random() < 0.15:
        account["previous_period"]["overall_score"] = pct(10)
    if not damage:
        return account
    if rng.random() < 0.12:
        del account["previous_period"]
    for _ in range(rng.choice((0, 0, 0, 0, 0, 0, 1, 2))):  # a few metrics missing, as CRM exports have
        section = rng.choice(("usage", "engagement", "support", "relationship"))
        metrics = account[section]
        if len(metrics) > 1:
            del metrics[rng.choice(sorted(metrics))]
    if rng.random() < 0.02:
        del account["segment"]
    roll = rng.random()
    if roll < 0.0005:
        account["usage"]["login_frequency"] = "high"
    elif roll < 0.001:
        account["arr"] = -1
    return account


def generate(count, seed=20261122, as_of=AS_OF):
    """Yield `count` accounts, the same ones for the same count and seed."""
    rng = random.Random(f"{seed}-{count}")
    day = datetime.date.fromisoformat(as_of)
    for number in range(1, count + 1):
        yield make_account(rng, number, day)


def _flatten(prefix, value, row):
    if isinstance(value, dict):
        for key, child in value.items():
            _flatten(f"{prefix}.{key}" if prefix else key, child, row)
    elif isinstance(value, list):
        row[prefix] = ";".join(str(item) for item in value)
    elif isinstance(value, bool):
        row[prefix] = "true" if value else "false"
    else:
        row[prefix] = value


def csv_columns():
    """Return the CSV header: every dotted path of a complete account, product_usage for every module."""
    row = {}
    full = make_account(random.Random(0), 0, datetime.date.fromisoformat(AS_OF), damage=False)
    full["product_usage"] = {module: {"adopted": True, "usage_pct": 0} for module in MODULES}
    full["previous_period"] = {"usage_score": 0, "engagement_score": 0, "support_score": 0,
                               "relationship_score": 0, "overall_score": 0}
    _flatten("", full, row)
    return list(row)


def write_portfolio(count, folder=DATA, seed=20261122):
    """Write (once) the portfolio of `count` accounts as .json, .jsonl and .csv; return the three paths."""
    os.makedirs(folder, exist_ok=True)
    stem = os.path.join(folder, f"portfolio-{count}-v{GENERATOR_VERSION}")
    paths = {"json": stem + ".json", "jsonl": stem + ".jsonl", "csv": stem + ".csv"}
    if all(os.path.exists(path) for path in paths.values()):
        return paths
    temps = {shape: path + ".tmp" for shape, path in paths.items()}
    with open(temps["json"], "w", encoding="utf-8") as as_json, \
            open(temps["jsonl"], "w", encoding="utf-8") as as_jsonl, \
            open(temps["csv"], "w", encoding="utf-8", newline="") as as_csv:
        as_json.write('{"customers": [\n')
        writer = None
        for number, account in enumerate(generate(count, seed)):
            line = json.dumps(account, ensure_ascii=False)
            as_json.write(("" if number == 0 else ",\n") + line)
            as_jsonl.write(line + "\n")
            if writer is None:
                writer = csv.DictWriter(as_csv, fieldnames=csv_columns(), lineterminator="\n")
                writer.writeheader()
            row = {}
            _flatten("", account, row)
            writer.writerow(row)
        as_json.write("\n]}\n")
    for shape, path in paths.items():
        os.replace(temps[shape], path)
    return paths


# ---------------------------------------------------------------------------
# Measuring


def measure(command, out_path):
    """Run command in a fresh wrapper process; return (seconds, peak MB, exit status, stderr tail)."""
    err_path = out_path + ".stderr"
    finished = subprocess.run([sys.executable, "-c", MEASURE, out_path, err_path] + command,
                              capture_output=True, text=True, check=True)
    figures = json.loads(finished.stdout)
    with open(err_path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        handle.seek(max(0, handle.tell() - 400))
        tail = handle.read().decode("utf-8", "replace")
    return figures["wall"], figures["rss_kb"] / 1024, figures["status"], tail


def best(command, out_path, repeat, floor=None):
    """Return the best (lowest) time and memory over `repeat` runs, and the exit status.

    With `floor` (command, out_path), the floor runs before each run too, and the
    floor's best over the same runs is returned as well: a shared machine speeds
    up and slows down over minutes, and the ratio of runs side by side is the fair one.
    """
    times, peaks, status, tail = [], [], None, ""
    floor_times, floor_peaks = [], []
    for _ in range(repeat):
        if floor is not None:
            floor_seconds, floor_peak, _, _ = measure(*floor)
            floor_times.append(floor_seconds)
            floor_peaks.append(floor_peak)
        seconds, peak, status, tail = measure(command, out_path)
        times.append(seconds)
        peaks.append(peak)
    if floor is not None:
        return min(times), min(peaks), status, tail, min(floor_times), min(floor_peaks)
    return min(times), min(peaks), status, tail


def tool_formats(script):
    """Return the --format choices a tool's --help lists."""
    shown = subprocess.run([sys.executable, script, "--help"], capture_output=True, text=True).stdout
    found = re.search(r"--format \{([a-z,]+)\}", shown)
    return found.group(1).split(",") if found else ["json"]


def present_tools(wanted):
    tools = {}
    for name in wanted:
        if name not in TOOLS:
            raise SystemExit(f"unknown tool {name!r} (known: {', '.join(TOOLS)})")
        script = os.path.join(SCRIPTS, TOOLS[name])
        if os.path.exists(script):
            tools[name] = script
    return tools


def verdict(time_ratio, memory_ratio):
    worst = max(time_ratio, memory_ratio)
    return "goal" if worst <= GOAL else "must" if worst <= MUST else "OVER"


def profile(args):
    """Run one tool once under cProfile on the first size's JSON portfolio; print the top functions."""
    tools = present_tools([args.profile])
    if not tools:
        raise SystemExit(f"{args.profile} is not under scripts/ yet")
    size = int(args.sizes.split(",")[0])
    paths = write_portfolio(size)
    out_folder = os.path.join(DATA, "out")
    os.makedirs(out_folder, exist_ok=True)
    output = os.path.join(out_folder, f"profile-{args.profile}-{size}.json")
    print(f"{args.profile}, {size:,} accounts, --format json, under cProfile (its times are inflated; "
          "compare functions, not runs)")
    finished = subprocess.run([sys.executable, "-c", PROFILE, tools[args.profile], str(args.top), paths["json"],
                               "--format", "json", "--as-of", AS_OF, "--output", output],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    print(finished.stdout, end="")
    return 0 if finished.returncode == 0 else 1


def _ready(args):
    """Return the tools asked for (name -> script) and the output folder, with scripts/ compiled unless --cold."""
    tools = present_tools([name for name in args.tools.split(",") if name])
    if not tools:
        raise SystemExit("no tool of the ones asked for exists under scripts/ yet")
    out_folder = os.path.join(DATA, "out")
    os.makedirs(out_folder, exist_ok=True)
    if not args.cold:  # what any run but the first finds in scripts/csm/__pycache__ (git ignores it)
        compileall.compile_dir(SCRIPTS, quiet=1)
    return tools, out_folder


def instructions(args):
    """Count the instructions of the floor and of each tool's json run (valgrind callgrind); print the ratios.

    Wall time on a shared machine moves by 10-20% from run to run; an instruction count
    does not (the hash seed is fixed), so two versions of a tool compare to a fraction of
    a percent. The ratio understates the time ratio somewhat: the floor's C code does
    more per instruction than the interpreter does.
    """
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("--instructions needs valgrind (apt-get install valgrind)")
    tools, out_folder = _ready(args)
    environment = dict(os.environ, PYTHONHASHSEED="0")

    def count(command):
        done = subprocess.run([valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null"] + command,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=environment)
        found = re.findall(r"Collected : (\d+)", done.stderr)
        if not found:
            raise SystemExit(f"valgrind gave no count for {' '.join(command)}")
        return sum(map(int, found))

    print(f"python {sys.version.split()[0]}; instructions (valgrind callgrind, PYTHONHASHSEED=0), --format json")
    for size in [int(size) for size in args.sizes.split(",") if size]:
        paths = write_portfolio(size)
        floor = count([sys.executable, "-c", FLOOR, paths["json"], os.path.join(out_folder, "floor.json")])
        print(f"\n{size:,} accounts; floor json.load + json.dumps, collector off: {floor / 1e6:,.0f} M")
        for name, script in tools.items():
            used = count([sys.executable, script, paths["json"], "--format", "json", "--as-of", AS_OF,
                          "--output", os.path.join(out_folder, f"{name}-{size}-instructions.json")])
            print(f"{name:<10} {used / 1e6:>9,.0f} M  {used / floor:.3f}x")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="20000,100000", help="portfolio sizes (default: 20000,100000)")
    parser.add_argument("--tools", default=",".join(TOOLS), help="tools to run, of the ones present "
                        f"(default: {','.join(TOOLS)})")
    parser.add_argument("--formats", default=",".join(FORMATS), help="formats (default: every one a tool has)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best counts (default: 3)")
    parser.add_argument("--stream-sizes", default="10000,50000",
                        help="sizes for the streaming memory check; empty to skip (default: 10000,50000)")
    parser.add_argument("--cold", action="store_true",
                        help="do not compile scripts/ to bytecode first (as a first run, or with "
                             "PYTHONDONTWRITEBYTECODE set, pays for compiling the package every run)")
    parser.add_argument("--profile", metavar="TOOL",
                        help="profile one json run of TOOL at the first size (cProfile) and print its top "
                             "functions, instead of the benchmark")
    parser.add_argument("--top", type=int, default=25, help="functions --profile prints (default: 25)")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions (valgrind) of the floor and each tool's json run, instead of "
                             "timing them: repeatable to a fraction of a percent on a busy machine (use a small "
                             "--sizes, e.g. 3000: valgrind runs some 50x slower)")
    args = parser.parse_args(argv)
    if args.profile:
        return profile(args)
    if args.instructions:
        return instructions(args)
    sizes = [int(size) for size in args.sizes.split(",") if size]
    formats = [name for name in args.formats.split(",") if name]
    stream_sizes = [int(size) for size in args.stream_sizes.split(",") if size]
    tools, out_folder = _ready(args)
    choices = {name: [f for f in tool_formats(script) if f in formats] for name, script in tools.items()}
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; best of {args.repeat}; "
          f"tools: {', '.join(tools)}; as of {AS_OF}; bytecode {'not ' if args.cold else ''}compiled")
    failures = []
    for size in sizes:
        paths = write_portfolio(size)
        megabytes = os.path.getsize(paths["json"]) / 2**20
        floor = ([sys.executable, "-c", FLOOR, paths["json"], os.path.join(out_folder, "floor.json")],
                 os.path.join(out_folder, "floor.stdout"))
        floor_time, floor_peak, _, _ = best(*floor, args.repeat)
        print()
        print(f"{size:,} accounts ({megabytes:.1f} MB JSON); floor json.load + json.dumps, collector off: "
              f"{floor_time:.2f} s, {floor_peak:.0f} MB (each ratio is to the floor run beside that row's runs)")
        print(f"{'tool':<10} {'format':<9} {'input':<6} {'time s':>7} {'x floor':>8} {'peak MB':>8} "
              f"{'x floor':>8}  {'exit':>4}  verdict")
        for name, script in tools.items():
            for output_format in choices[name]:
                inputs = ["json"] + (["jsonl", "csv"] if output_format in STREAMING else [])
                for shape in inputs:
                    out_path = os.path.join(out_folder, f"{name}-{size}-{shape}.{output_format}")
                    command = [sys.executable, script, paths[shape], "--format", output_format, "--as-of", AS_OF]
                    seconds, peak, status, tail, beside_time, beside_peak = best(
                        command, out_path, args.repeat, floor=floor)
                    time_ratio, memory_ratio = seconds / beside_time, peak / beside_peak
                    mark = verdict(time_ratio, memory_ratio) if shape == "json" else ""
                    if output_format == "json" and shape == "json" and mark == "OVER":
                        failures.append(f"{name} {size}")
                    if status not in (0, 3):
                        mark = "FAILED: " + tail.strip().splitlines()[-1] if tail.strip() else "FAILED"
                        failures.append(f"{name} {output_format} {size} exit {status}")
                    print(f"{name:<10} {output_format:<9} {shape:<6} {seconds:>7.2f} {time_ratio:>7.2f}x "
                          f"{peak:>8.0f} {memory_ratio:>7.2f}x  {status:>4}  {mark}")
    if stream_sizes:
        print()
        print(f"Streaming (JSON Lines or CSV in, jsonl / csv out): peak MB, limit {STREAM_LIMIT_MB} MB")
        header = f"{'tool':<10} {'in -> out':<13}" + "".join(f"{size:>10,}" for size in stream_sizes)
        print(header + "  growth")
        stream_paths = {size: write_portfolio(size) for size in stream_sizes}
        for name, script in tools.items():
            for shape, output_format in (("jsonl", "jsonl"), ("csv", "csv")):
                if output_format not in choices[name]:
                    continue
                peaks = []
                for size in stream_sizes:
                    out_path = os.path.join(out_folder, f"stream-{name}-{size}.{output_format}")
                    command = [sys.executable, script, stream_paths[size][shape], "--format", output_format,
                               "--as-of", AS_OF]
                    _, peak, status, _ = best(command, out_path, 1)
                    peaks.append(peak)
                    if peak >= STREAM_LIMIT_MB or status not in (0, 3):
                        failures.append(f"{name} streamed {shape} {size}: {peak:.0f} MB, exit {status}")
                growth = f"{peaks[-1] - peaks[0]:+.1f} MB" if len(peaks) > 1 else ""
                print(f"{name:<10} {shape + ' -> ' + output_format:<13}"
                      + "".join(f"{peak:>10.1f}" for peak in peaks) + f"  {growth}")
    print()
    print(f"targets on --format json: time and memory within {GOAL}x of the floor (goal), {MUST}x (must)")
    if failures:
        print("not met: " + "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
