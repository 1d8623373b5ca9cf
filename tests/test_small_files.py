"""The small files beside a portfolio (--config, --outcomes) are capped: no hang, no endless read."""

import json
import os
import subprocess
import sys
import threading

import pytest

from conftest import SAMPLE, SCRIPTS

sys.path.insert(0, SCRIPTS)
from csm import sidefile as smallfile  # noqa: E402
from csm.errors import ConfigError  # noqa: E402

HEALTH = os.path.join(SCRIPTS, "health_score_calculator.py")


def health(*args):
    return subprocess.run([sys.executable, HEALTH, SAMPLE, *map(str, args)], capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("option, message", [
    ("--config", "config /dev/zero is a device or a socket, not a JSON file"),
    ("--outcomes", "outcomes file /dev/zero is a device or a socket, not a CSV or JSON file"),
])
def test_a_device_is_refused_at_once(option, message):
    done = health(option, "/dev/zero")
    assert (done.returncode, done.stderr) == (1, f"error: {message}\n")


def test_a_config_over_the_cap_is_refused_by_its_size(tmp_path):
    big = tmp_path / "big.json"
    with open(big, "wb") as handle:
        handle.truncate(smallfile.CONFIG_LIMIT + 1)
    done = health("--config", big)
    assert (done.returncode, done.stderr) == (
        1, f"error: config {big} is 16.0 MiB, more than the 16.0 MiB it may be\n")


def test_a_fifo_config_is_read_as_it_comes_and_capped(tmp_path):
    fifo = tmp_path / "config.fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: open(fifo, "w").write(json.dumps({"name": "from a pipe"})))
    writer.start()
    done = health("--config", fifo, "--format", "json")
    writer.join(30)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["methodology"] == "from a pipe"


def test_a_pipe_longer_than_the_cap_is_refused(tmp_path):
    fifo = tmp_path / "endless.fifo"
    os.mkfifo(fifo)

    def write():
        try:
            with open(fifo, "wb") as handle:
                chunk = b" " * (1 << 20)
                for _ in range(40):
                    handle.write(chunk)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=write)
    writer.start()
    with pytest.raises(ConfigError) as caught:
        smallfile.load_json(str(fifo), f"config {fifo}", ConfigError)
    writer.join(30)
    assert str(caught.value) == f"config {fifo} is more than 16.0 MiB, the most it may be"


def test_a_folder_and_a_missing_file_are_one_line_each(tmp_path):
    assert health("--config", tmp_path).stderr == f"error: config {tmp_path} is a folder, not a JSON file\n"
    missing = tmp_path / "missing.json"
    assert health("--config", missing).stderr == f"error: config {missing}: no such file\n"


@pytest.mark.parametrize("analysis, path", [
    ("health", ["health", "dimensions", "usage", "metrics", "login_frequency"]),
    ("churn", ["churn", "signals", "usage_decline", "metrics", "login_trend"]),
])
def test_a_valid_range_with_min_above_max_is_a_config_error_naming_the_metric(analysis, path, tmp_path):
    config = {"valid": {"min": 50, "max": 10}}
    for key in reversed(path):
        config = {key: config}
    named = tmp_path / "config.json"
    named.write_text(json.dumps(config))
    done = health("--config", named)
    assert (done.returncode, done.stderr) == (
        1, f"error: config {named}: {'.'.join(path)}.valid: min 50 is above max 10, so no value could be read\n")
