"""Windows and macOS (issue 24): the tools run where the Unix-only calls are missing, with the same result.

Each tool's main paths (every format to standard output, --output to a new file and over
an existing one, standard input, --history twice, and the fitter) run twice: in a plain
interpreter, and in one whose `sitecustomize` deleted the Unix-only names from `os` and
`signal` before anything else ran. Both must give the same standard output, the same
written file (bytes and mode), the same standard error and exit status, and no traceback.

Speed: the runs of one interpreter go one after another in it (DRIVER: each case as
`python3 scripts/TOOL ARGS` would run, by runpy, its standard streams redirected to
files), so the whole module costs two interpreter start-ups, run side by side.
"""

import importlib
import json
import os
import stat
import subprocess
import sys

import pytest

from conftest import ROOT, SAMPLE, SCRIPTS, formats_of

OUTCOMES = os.path.join(ROOT, "assets", "sample_outcomes.csv")
AS_OF = ("--as-of", "2026-11-22")
EARLIER = ("--as-of", "2026-11-01")
EXISTING_MODE = 0o604  # an earlier report's mode, unlike any a new file gets

UNIX_ONLY = {"os": ("fchmod", "fchown", "geteuid", "getegid", "fork", "sched_getaffinity"),
             "signal": ("SIGHUP", "pthread_sigmask")}

SITECUSTOMIZE = f"""import os, signal
for module, names in ((os, {UNIX_ONLY['os']!r}), (signal, {UNIX_ONLY['signal']!r})):
    for name in names:
        if hasattr(module, name):
            delattr(module, name)
"""

DRIVER = r'''
import json, os, runpy, signal, sys, traceback

scripts, plan = sys.argv[1], json.load(open(sys.argv[2]))
sys.path.insert(0, scripts)  # as `python3 scripts/TOOL` has it
BINARY = getattr(os, "O_BINARY", 0)
statuses = {}
for case in plan["cases"]:
    name, script = case["name"], os.path.join(scripts, case["script"])
    if case["existing"]:
        with open(case["output"], "wb") as handle:
            handle.write(b"an earlier report\n")
        os.chmod(case["output"], case["existing"])
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(fd) for fd in (0, 1, 2)]
    streams = [os.open(case["stdin"], os.O_RDONLY | BINARY) if case["stdin"] else os.dup(0)]
    streams += [os.open(f"{name}.{what}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC | BINARY, 0o666)
                for what in ("stdout", "stderr")]
    for fd, opened in enumerate(streams):
        os.dup2(opened, fd)
        os.close(opened)
    stdin, sys.stdin = sys.stdin, open(0, closefd=False)  # nothing read ahead by an earlier case
    sys.argv = [script, *case["args"]]
    try:
        runpy.run_path(script, run_name="__main__")
        status = 0
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    except BaseException:  # as the interpreter ends on one: a traceback and status 1
        traceback.print_exc()
        status = 1
    sys.stdout.flush()
    sys.stderr.flush()
    sys.stdin.close()
    sys.stdin = stdin
    for fd, copy in enumerate(saved):
        os.dup2(copy, fd)
        os.close(copy)
    statuses[name] = status
present = [f"{module}.{name}" for module, names in plan["unix_only"].items()
           for name in names if hasattr(sys.modules[module], name)]
json.dump({"statuses": statuses, "present": present}, sys.stdout)
'''

TOOLS = {"health": "health_score_calculator.py", "churn": "churn_risk_analyzer.py",
         "expansion": "expansion_opportunity_scorer.py", "portfolio": "portfolio_report.py"}


def case(name, script, *args, stdin=None, output=None, existing=None):
    return {"name": name, "script": script, "args": list(args), "stdin": stdin, "output": output,
            "existing": existing}


def cases():
    """Every tool's main paths, in the order they run (a --history file's first run before its second)."""
    found = []
    for short, script in TOOLS.items():
        formats = formats_of(importlib.import_module(script[:-3]))
        found += [case(f"{short}-{form}", script, SAMPLE, "--format", form, *AS_OF) for form in formats]
        found += [
            case(f"{short}-output-new", script, SAMPLE, "--format", "json", "--output", f"{short}.json", *AS_OF,
                 output=f"{short}.json"),
            case(f"{short}-output-existing", script, SAMPLE, "--output", f"{short}.report", *AS_OF,
                 output=f"{short}.report", existing=EXISTING_MODE),
            case(f"{short}-stdin", script, "-", *AS_OF, stdin=SAMPLE),
            case(f"{short}-history-first", script, SAMPLE, "--history", f"{short}.sqlite", *EARLIER),
            case(f"{short}-history-second", script, SAMPLE, "--history", f"{short}.sqlite", *AS_OF),
        ]
    found.append(case("fitter", "fit_scorecard.py", SAMPLE, "--outcomes", OUTCOMES, "--analysis", "churn",
                      "--output", "fitted.json", *AS_OF, output="fitted.json"))
    return found


CASES = cases()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run every case in a plain interpreter and in one without the Unix-only calls, side by side.

    Returns {"plain": (folder, report), "stripped": (folder, report)}; each case's standard
    output, standard error and written file are in its folder.
    """
    base = tmp_path_factory.mktemp("portability")
    (base / "site").mkdir()
    (base / "site" / "sitecustomize.py").write_text(SITECUSTOMIZE)
    (base / "driver.py").write_text(DRIVER)
    (base / "plan.json").write_text(json.dumps({"cases": CASES, "unix_only": UNIX_ONLY}))
    started = {}
    for kind, path in (("plain", SCRIPTS), ("stripped", str(base / "site") + os.pathsep + SCRIPTS)):
        folder = base / kind
        folder.mkdir()
        env = dict(os.environ, PYTHONPATH=path)
        started[kind] = folder, subprocess.Popen(
            [sys.executable, str(base / "driver.py"), SCRIPTS, str(base / "plan.json")], cwd=folder, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    done = {}
    for kind, (folder, process) in started.items():
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0 and not err, err.decode(errors="replace")
        done[kind] = folder, json.loads(out)
    return done


def test_the_unix_only_calls_are_gone_before_the_tools_start(runs):
    assert runs["stripped"][1]["present"] == []
    if os.name == "posix":  # else both runs lack them and the comparison below proves nothing new
        assert {"os.fchmod", "os.fchown", "os.geteuid", "signal.SIGHUP"} <= set(runs["plain"][1]["present"])


@pytest.mark.parametrize("name", [found["name"] for found in CASES])
def test_a_run_without_the_unix_only_calls_gives_the_same_output_and_status(runs, name):
    (plain, plain_report), (stripped, stripped_report) = runs["plain"], runs["stripped"]
    output = next(found["output"] for found in CASES if found["name"] == name)
    stderr = (stripped / f"{name}.stderr").read_text(errors="replace")
    assert "Traceback" not in stderr, stderr
    assert stripped_report["statuses"][name] == plain_report["statuses"][name] == 0, stderr
    assert (stripped / f"{name}.stdout").read_bytes() == (plain / f"{name}.stdout").read_bytes()
    assert stderr == (plain / f"{name}.stderr").read_text(errors="replace")
    if output is not None:
        assert (stripped / output).read_bytes() == (plain / output).read_bytes()
        assert stat.S_IMODE(os.stat(stripped / output).st_mode) == stat.S_IMODE(os.stat(plain / output).st_mode)


@pytest.mark.skipif(os.name != "posix", reason="elsewhere a file has only a read-only bit for a mode")
@pytest.mark.parametrize("short", TOOLS)
def test_a_report_written_over_an_existing_file_keeps_its_mode_without_fchmod(runs, short):
    folder = runs["stripped"][0]
    assert stat.S_IMODE(os.stat(folder / f"{short}.report").st_mode) == EXISTING_MODE
    assert (folder / f"{short}.report").read_bytes() != b"an earlier report\n"
