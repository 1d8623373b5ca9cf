"""Writing output safely (references/interface.md): no input replaced, links followed, devices and FIFOs
written in place, modes kept, nothing left behind by an interrupted run, closed streams said."""

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time

import pytest

from conftest import SAMPLE, SCRIPTS

TOOLS = ("health_score_calculator.py", "churn_risk_analyzer.py", "expansion_opportunity_scorer.py",
         "portfolio_report.py")
AS_OF = ("--as-of", "2026-11-22")
HEALTH = os.path.join(SCRIPTS, "health_score_calculator.py")


def run(script, *args, stdin=None, **kwargs):
    return subprocess.run([sys.executable, os.path.join(SCRIPTS, script), *map(str, args)], input=stdin,
                          capture_output=True, text=True, timeout=120, **kwargs)


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "book.json"
    path.write_bytes(open(SAMPLE, "rb").read())
    return path


def temporaries(folder):
    return [name for name in os.listdir(folder) if name.endswith(".tmp")]


@pytest.mark.parametrize("script", TOOLS)
def test_an_output_that_is_the_input_is_refused_before_anything_is_read(script, book):
    before = book.read_bytes()
    done = run(script, book, "--output", book, *AS_OF)
    assert done.returncode == 2
    assert done.stderr == (f"error: --output {book} is the same file as INPUT ({book}): writing the report there "
                           "would replace what the run reads; choose another output file\n")
    assert book.read_bytes() == before


@pytest.mark.parametrize("option", ["--config", "--outcomes"])
def test_an_output_that_is_the_config_or_the_outcomes_file_is_refused(option, book, tmp_path):
    named = tmp_path / "named.json"
    named.write_text("{}")
    done = run("health_score_calculator.py", book, option, named, "--output", named, *AS_OF)
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: --output {named} is the same file as {option} ({named})")
    assert done.stderr.count("\n") == 1 and named.read_text() == "{}"


def test_a_symlink_to_the_input_and_standard_input_redirected_from_it_are_the_same_file(book, tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(book)
    assert run("churn_risk_analyzer.py", link, "--output", book).returncode == 2
    assert run("churn_risk_analyzer.py", book, "--output", link).returncode == 2
    with open(book, "rb") as handle:
        done = subprocess.run([sys.executable, os.path.join(SCRIPTS, "churn_risk_analyzer.py"), "-",
                               "--output", str(book)], stdin=handle, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "same file as INPUT (standard input)" in done.stderr
    assert json.loads(book.read_text())["customers"]


def test_the_other_tools_options_are_checked_by_name(tmp_path):
    import argparse
    sys.path.insert(0, SCRIPTS)
    from csm.cli import output
    named = tmp_path / "prior.json"
    named.write_text("{}")
    args = argparse.Namespace(output=str(named), input="book.json", compare=str(named))
    assert "same file as --compare" in output.same_file_as_input(args)
    args = argparse.Namespace(output=str(named), input="book.json", history=[str(tmp_path / "x"), str(named)])
    assert "same file as --history" in output.same_file_as_input(args)
    assert output.same_file_as_input(argparse.Namespace(output="-", input="-")) is None


def test_a_symlink_output_is_followed_its_target_replaced_and_the_link_kept(book, tmp_path):
    target = tmp_path / "reports" / "health.txt"
    target.parent.mkdir()
    target.write_text("previous")
    os.chmod(target, 0o640)
    link = tmp_path / "latest.txt"
    link.symlink_to(target)
    assert run("health_score_calculator.py", book, "--output", link, *AS_OF).returncode == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text().startswith("Customer Health Report")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert temporaries(tmp_path) == [] and temporaries(target.parent) == []


def test_a_new_file_gets_0666_less_the_umask_and_an_existing_one_keeps_its_mode(book, tmp_path):
    new = tmp_path / "new.json"
    done = subprocess.run(f"umask 027 && exec {sys.executable} {HEALTH} {book} --format json --output {new}",
                          shell=True, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(os.stat(new).st_mode) == 0o640
    existing = tmp_path / "existing.json"
    existing.write_text("{}")
    os.chmod(existing, 0o604)
    assert run("health_score_calculator.py", book, "--format", "json", "--output", existing).returncode == 0
    assert stat.S_IMODE(os.stat(existing).st_mode) == 0o604
    assert json.loads(existing.read_text())["report"] == "customer_health"


def test_a_fifo_is_written_in_place_never_replaced(book, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(open(fifo, "rb").read()))
    reader.start()
    done = run("churn_risk_analyzer.py", book, "--format", "json", "--output", fifo, *AS_OF)
    reader.join(60)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert json.loads(received[0])["report"] == "churn_risk"
    assert temporaries(tmp_path) == []


def null_device(tmp_path):
    """A character device to write to: a null device made in tmp_path (as root), else /dev/null.

    One of our own, so that another program replacing /dev/null meanwhile (the very
    bug this guards against, in an older build) cannot make the test fail.
    """
    path = tmp_path / "null"
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        with open(path, "wb") as handle:
            handle.write(b"probe")
        return str(path)
    except OSError:
        if not stat.S_ISCHR(os.stat("/dev/null").st_mode):
            pytest.skip("/dev/null is not a character device on this machine")
        return "/dev/null"


def test_a_character_device_is_written_in_place(book, tmp_path):
    device = null_device(tmp_path)
    before = os.stat(device)
    done = run("expansion_opportunity_scorer.py", book, "--format", "json", "--output", device, *AS_OF)
    assert done.returncode == 0, done.stderr
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino
    assert temporaries(tmp_path) == []


def test_dev_stdout_is_written_in_place(book):
    done = run("expansion_opportunity_scorer.py", book, "--format", "json", "--output", "/dev/stdout", *AS_OF)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["report"] == "expansion_opportunities"


def test_output_dash_is_standard_output(book, tmp_path):
    done = run("health_score_calculator.py", book, "--format", "json", "--output", "-", *AS_OF, cwd=tmp_path)
    assert done.returncode == 0 and json.loads(done.stdout)["report"] == "customer_health"
    assert os.listdir(tmp_path) == ["book.json"]


def _stream_then_signal(tmp_path, signum):
    """Run a streaming csv report from a pipe, signal it mid-run; return (exit status, stderr)."""
    output = tmp_path / "scores.csv"
    output.write_text("previous report\n")
    # A shell's background job ignores SIGINT, and so would the child: it gets the default back, as a terminal's run has.
    child = subprocess.Popen([sys.executable, HEALTH, "-", "--format", "csv", "--output", str(output), *AS_OF],
                             stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    records = json.load(open(SAMPLE, encoding="utf-8"))["customers"]
    for record in records[:5]:
        child.stdin.write((json.dumps(record) + "\n").encode())
    child.stdin.flush()
    deadline = time.time() + 60
    while not temporaries(tmp_path) and time.time() < deadline:
        time.sleep(0.05)
    assert temporaries(tmp_path), "the run never opened its temporary file"
    child.send_signal(signum)
    status = child.wait(60)
    child.stdin.close()
    return status, child.stderr.read().decode(), output


@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)])
def test_a_signal_mid_run_leaves_the_previous_output_and_no_temporary_file(signum, status, tmp_path):
    code, stderr, output = _stream_then_signal(tmp_path, signum)
    assert code == status
    assert "Traceback" not in stderr
    assert output.read_text() == "previous report\n"
    assert temporaries(tmp_path) == []


def test_sigterm_while_a_large_book_is_scored_leaves_nothing_behind(tmp_path):
    records = json.load(open(SAMPLE, encoding="utf-8"))["customers"]
    book = tmp_path / "large.json"
    with open(book, "w", encoding="utf-8") as handle:
        customers = []
        for copy in range(400):  # 8,000 accounts
            for record in records:
                customers.append(dict(record, customer_id=f"{record['customer_id']}-{copy}"))
        json.dump({"customers": customers}, handle)
    output = tmp_path / "report.md"
    output.write_text("last week's report\n")
    child = subprocess.Popen([sys.executable, os.path.join(SCRIPTS, "portfolio_report.py"), str(book),
                              "--output", str(output), *AS_OF], stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while not temporaries(tmp_path) and child.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    assert child.poll() is None, "the run ended before it could be interrupted"
    child.send_signal(signal.SIGTERM)
    assert child.wait(60) == 143
    assert "Traceback" not in child.stderr.read().decode()
    assert output.read_text() == "last week's report\n"
    assert temporaries(tmp_path) == []


@pytest.mark.parametrize("script", TOOLS)
def test_closed_standard_streams_are_clear_errors(script, book, tmp_path):
    path = os.path.join(SCRIPTS, script)
    closed_in = subprocess.run(f"exec {sys.executable} {path} - <&-", shell=True, capture_output=True, text=True,
                               timeout=120)
    assert (closed_in.returncode, closed_in.stderr) == (
        1, "error: standard input is closed: give INPUT as a file path, or pipe the portfolio in\n")
    closed_out = subprocess.run(f"exec {sys.executable} {path} {book} >&-", shell=True, capture_output=True,
                                text=True, timeout=120)
    assert (closed_out.returncode, closed_out.stderr) == (
        1, "error: standard output is closed: give --output FILE, or leave standard output open\n")
    report = tmp_path / "report.out"
    with_output = subprocess.run(f"exec {sys.executable} {path} {book} --output {report} >&- <&-", shell=True,
                                 capture_output=True, text=True, timeout=120)
    assert with_output.returncode == 0 and "Traceback" not in with_output.stderr and report.stat().st_size


def test_dev_stdout_appended_to_by_the_shell_keeps_what_was_there(book, tmp_path):
    log = tmp_path / "log.txt"
    log.write_text("first line\n")
    done = subprocess.run(f"exec {sys.executable} {HEALTH} {book} --format json --output /dev/stdout >> {log}",
                          shell=True, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text = log.read_text()
    assert text.startswith("first line\n{\n") and json.loads(text[len("first line\n"):])["report"]


def test_an_output_naming_a_closed_descriptor_is_a_clear_error(book):
    done = subprocess.run(f"exec {sys.executable} {HEALTH} {book} --output /dev/stdout >&-", shell=True,
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (
        1, "error: standard output is closed: give --output FILE, or leave standard output open\n")
    done = run("health_score_calculator.py", book, "--output", "/dev/fd/9")
    assert (done.returncode, done.stderr) == (1, "error: --output /dev/fd/9: descriptor 9 is not open\n")


def test_the_fitter_refuses_an_output_that_is_its_outcomes_file(tmp_path):
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_bytes(open(os.path.join(os.path.dirname(SAMPLE), "sample_outcomes.csv"), "rb").read())
    before = outcomes.read_bytes()
    done = run("fit_scorecard.py", SAMPLE, "--outcomes", outcomes, "--analysis", "churn", "--output", outcomes)
    assert (done.returncode, done.stderr) == (
        2, f"error: --output {outcomes} is the same file as --outcomes ({outcomes}): writing the report there "
           "would replace what the run reads; choose another output file\n")
    assert outcomes.read_bytes() == before


def test_an_unbuffered_standard_output_is_still_written_in_blocks_not_a_write_per_record(tmp_path, monkeypatch):
    import io
    from csm.cli.output import Sink
    path = tmp_path / "stdout"
    raw = io.FileIO(str(path), "w")  # what python -u or PYTHONUNBUFFERED gives sys.stdout
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(raw, write_through=True))
    sink = Sink(None)
    for number in range(100):
        sink.write(f"record {number}\n")
    assert path.read_text() == ""  # nothing yet: a block, not a system call per record
    sink.commit()
    assert path.read_text() == "".join(f"record {number}\n" for number in range(100))
    assert not raw.closed
    raw.close()
