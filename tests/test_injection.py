"""Terminal and link injection: no raw control character or bidi override in text, markdown, HTML or
CSV, whatever its source (an input name, a --config playbook); no live link from a bare URL in
markdown; -0.0 shown as 0.0."""

import csv
import importlib.util
import io
import json
import os
import re

import pytest

from conftest import SAMPLE, SCRIPTS, formats_of

TOOLS = ("health_score_calculator.py", "churn_risk_analyzer.py", "expansion_opportunity_scorer.py",
         "portfolio_report.py")
RAW = ("\x1b", "\x07", "\x00", "\x9b", "\u202e", "\u2066")
HOSTILE_NAME = "Acme \x1b[31mRed\x07\x00 \x9b2J \u202eevil\u2066 https://evil.example WWW.x.example"
CONFIG = {"name": "ours\x1b]8;;http://x\x07",
          "churn": {"playbooks": {"low": ["Call \x1b[2J\x1b[31mnow\x07 \u202eevil"]},
                    "signals": {"usage_decline": {"label": "Usage \x1b[5mdecline"}}},
          "health": {"class_actions": {"green": "Expand \x1b[1mnow\x07"}}}


def load_tool(script):
    spec = importlib.util.spec_from_file_location(script[:-3], os.path.join(SCRIPTS, script))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def hostile(tmp_path):
    document = json.load(open(SAMPLE, encoding="utf-8"))
    document["customers"][0]["name"] = HOSTILE_NAME
    book = tmp_path / "book.json"
    book.write_text(json.dumps(document))
    config = tmp_path / "config.json"
    config.write_text(json.dumps(CONFIG))
    return book, config


@pytest.mark.parametrize("script", TOOLS)
def test_no_raw_control_character_reaches_any_text_format(script, hostile, tmp_path):
    book, config = hostile
    tool = load_tool(script)
    for output_format in [name for name in formats_of(tool) if name in ("text", "markdown", "html", "csv")]:
        out = tmp_path / f"report.{output_format}"
        status = tool.main([str(book), "--config", str(config), "--format", output_format, "--output", str(out),
                            "--as-of", "2026-11-22"])
        assert status == 0, (script, output_format)
        text = out.read_text(encoding="utf-8")
        assert not [char for char in RAW if char in text], (script, output_format)
        if output_format == "text":
            assert "\\u001b" in text, script  # escaped, not dropped
        if output_format == "csv":
            cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
            assert ("Acme \\u001b[31mRed\\u0007\\u0000 \\u009b2J \\u202eevil\\u2066 https://evil.example "
                    "WWW.x.example") in cells


def test_a_csv_cell_keeps_the_formula_guard_after_escaping():
    from csm.render.common import csv_cell
    assert csv_cell("=cmd\x1b") == "'=cmd\\u001b"
    assert csv_cell("\x1b=cmd") == "\\u001b=cmd"  # escaped: no longer a formula's first character
    assert csv_cell("\tx") == "\\u0009x" and csv_cell("two\nlines") == "two\nlines"


@pytest.mark.parametrize("script", TOOLS)
def test_a_bare_url_in_a_name_is_not_a_live_link_in_markdown(script, hostile, tmp_path):
    book, _ = hostile
    tool = load_tool(script)
    out = tmp_path / "report.md"
    assert tool.main([str(book), "--format", "markdown", "--output", str(out), "--as-of", "2026-11-22"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "https\u2060://evil.example" in text and "WWW\u2060.x.example" in text
    assert "https://evil" not in text and "WWW.x" not in text


def test_the_word_joiner_goes_after_the_scheme_of_every_bare_url():
    from csm.render.common import md
    assert md("http://a.example, ftp://b.example and www.c.example") == (
        "http\u2060://a.example, ftp\u2060://b.example and www\u2060.c.example")
    assert md("no link: httpd, www, mailbox") == "no link: httpd, www, mailbox"


@pytest.mark.parametrize("script", TOOLS)
def test_an_arr_of_minus_zero_is_shown_as_zero(script, tmp_path, capsys):
    document = json.load(open(SAMPLE, encoding="utf-8"))
    document["customers"][0]["arr"] = -0.0
    book = tmp_path / "book.json"
    book.write_text(json.dumps(document))
    assert load_tool(script).main([str(book), "--format", "json", "--as-of", "2026-11-22"]) == 0
    out = capsys.readouterr().out
    assert not re.search(r"-0(\.0)?(?![0-9.])", out) and '"arr":0,' in out  # whole units, as every ARR


def test_an_error_line_naming_a_config_key_escapes_its_control_characters(tmp_path, capsys):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"health": {"\x1b[2Jevil": 1}}))
    assert load_tool("health_score_calculator.py").main([SAMPLE, "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and err.startswith(f"error: config {config}: unknown key health.\\u001b[2Jevil (")
