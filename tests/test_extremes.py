"""Overflowing figures and extreme dates: a clear error or a finite figure, never a traceback."""

import importlib.util
import json
import os

import pytest

from conftest import SAMPLE, SCRIPTS

TOOLS = ("health_score_calculator.py", "churn_risk_analyzer.py", "expansion_opportunity_scorer.py",
         "portfolio_report.py")


def load_tool(script):
    spec = importlib.util.spec_from_file_location(script[:-3], os.path.join(SCRIPTS, script))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def every_figure_of_the_methodology():
    with open(os.path.join(os.path.dirname(SAMPLE), "methodology", "default.json"), encoding="utf-8") as handle:
        table = json.load(handle)
    found = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, path + [key])
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            found.append(path)

    walk({key: value for key, value in table.items() if key != "name"}, [])
    return found


FIGURES = every_figure_of_the_methodology()


def nested(path, value):
    for key in reversed(path):
        value = {key: value}
    return value


@pytest.mark.parametrize("extreme", [1e308, 1e-308])
@pytest.mark.parametrize("script", TOOLS)
def test_every_figure_of_a_config_set_to_an_extreme_is_an_error_or_a_finite_report(script, extreme, tmp_path,
                                                                                      capsys):
    assert len(FIGURES) > 150
    main = load_tool(script).main
    book = tmp_path / "book.json"
    book.write_text(json.dumps({"customers": json.load(open(SAMPLE, encoding="utf-8"))["customers"][:6]}))
    config = tmp_path / "config.json"
    for path in FIGURES:
        config.write_text(json.dumps(nested(path, extreme)))
        status = main([str(book), "--config", str(config), "--format", "json", "--as-of", "2026-11-22"])
        out, err = capsys.readouterr()
        where = f"{script} {'.'.join(path)} = {extreme:g}"
        assert status in (0, 1, 3), where
        assert all(line.startswith(("error: ", "warning: ")) for line in err.splitlines()), where
        if status == 1:  # a config error, or a figure that leaves no record scorable: said, nothing written
            assert not out and err.startswith("error: "), where
        else:
            json.loads(out, parse_constant=lambda name: pytest.fail(f"{where}: {name} in the output"))


@pytest.mark.parametrize("section, message", [
    ({"priority": {"effort_multipliers": {"low": 1e308}}},
     "expansion.priority.effort_multipliers.low must be from 0 to 1000, got 1e+308"),
    ({"seat_expansion": {"growth": {"enterprise": 1e308}}},
     "expansion.seat_expansion.growth.enterprise must be from 0 to 10, got 1e+308"),
    ({"tiers": {"starter": 1e-308}}, "expansion.tiers.starter must be from 0.001 to 1000, got 1e-308"),
])
def test_expansion_figures_that_would_overflow_are_config_errors(section, message, tmp_path, capsys):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"expansion": section}))
    assert load_tool("expansion_opportunity_scorer.py").main([SAMPLE, "--config", str(config)]) == 1
    assert capsys.readouterr().err == f"error: config {config}: {message}\n"


@pytest.mark.parametrize("script", TOOLS)
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_an_as_of_date_beyond_what_the_reports_can_reach_is_a_command_line_error(script, day, capsys):
    with pytest.raises(SystemExit) as ended:
        load_tool(script).main([SAMPLE, "--as-of", day])
    assert ended.value.code == 2
    assert f"argument --as-of: must be a date from 1900-01-01 to 9000-12-31, got {day}" in capsys.readouterr().err


@pytest.mark.parametrize("script", TOOLS)
def test_the_latest_as_of_date_allowed_is_reported(script, capsys):
    assert load_tool(script).main([SAMPLE, "--as-of", "9000-12-31", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["as_of"] == "9000-12-31"


def test_a_retention_starting_arr_of_a_fraction_of_a_cent_is_refused(tmp_path, capsys):
    document = json.load(open(SAMPLE, encoding="utf-8"))
    document["retention"] = {"starting_arr": 1e-300, "expansion_arr": 310000, "contraction_arr": 0,
                             "churned_arr": 0}
    path = tmp_path / "book.json"
    path.write_text(json.dumps(document))
    status = load_tool("portfolio_report.py").main([str(path), "--as-of", "2026-11-22", "--format", "json"])
    out, err = capsys.readouterr()
    assert "inf" not in out.lower().replace("info", "")
    assert (status, err) == (1, f"error: {path}: retention.starting_arr must be at least $1 (NRR and GRR are "
                                "shares of it), got 1e-300\n")
