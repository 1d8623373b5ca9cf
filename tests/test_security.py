"""What the scripts may touch, and that their output never runs.

Statically (every .py under scripts/, parsed with `ast`): nothing imported that
reaches the network or runs other programs, no eval/exec/compile/__import__, no
environment variables read, and files opened only by the few functions that open
the files named on the command line. At run time: the modules actually loaded, the
files actually opened, and hostile names escaped in every output format.
"""

import ast
import builtins
import csv
import html.parser
import importlib
import io
import json
import os
import subprocess
import sys

import pytest

from conftest import NORTHWIND, SCRIPTS
from conftest import formats_of as conftest_formats_of

TOOLS = ("health_score_calculator.py", "churn_risk_analyzer.py", "expansion_opportunity_scorer.py",
         "portfolio_report.py")
AS_OF = ("--as-of", "2026-11-22")

# Modules that reach the network, run other programs, load native code or unpickle.
FORBIDDEN_MODULES = {
    "socket", "socketserver", "ssl", "http", "urllib", "ftplib", "smtplib", "poplib", "imaplib", "nntplib",
    "telnetlib", "xmlrpc", "webbrowser", "subprocess", "multiprocessing", "concurrent", "pty", "ctypes",
    "asyncio", "selectors", "select", "pickle", "marshal", "shelve", "dbm", "importlib", "runpy", "code",
    "codeop", "pdb", "cgi", "wsgiref", "mailbox", "smtpd",
}
FORBIDDEN_BUILTINS = {"eval", "exec", "compile", "__import__", "breakpoint", "input"}
# os functions that run programs, replace the process or read/change the environment.
FORBIDDEN_OS = {"system", "popen", "fork", "forkpty", "kill", "killpg", "environ", "environb", "getenv",
                "getenvb", "putenv", "unsetenv"}
FORBIDDEN_OS_PREFIXES = ("exec", "spawn", "posix_spawn")

# Calls that open, create, rename or delete files; and the only functions allowed to make
# them, each for a path the user named: INPUT (loading), --config and --outcomes (smallfile, capped), --output
# (output.Sink: a temporary file beside it, renamed over it or removed; a device or FIFO
# opened in place), and os.devnull (cli, to end quietly on a closed pipe; output, to hold
# a closed standard descriptor).
FILE_CALLS = {"open", "io.open", "os.open", "os.fdopen", "codecs.open", "tempfile.mkstemp",
              "tempfile.NamedTemporaryFile", "tempfile.TemporaryFile", "tempfile.mkdtemp",
              "tempfile.SpooledTemporaryFile", "tempfile.TemporaryDirectory", "os.replace", "os.rename",
              "os.renames", "os.unlink", "os.remove", "os.rmdir", "os.removedirs", "os.mkdir", "os.makedirs",
              "os.truncate", "os.link", "os.symlink", "os.chmod", "os.chown", "shutil.copy", "shutil.move",
              "shutil.rmtree", "pathlib.Path"}
FILE_METHODS = {"read_text", "read_bytes", "write_text", "write_bytes", "open", "unlink", "rename", "touch"}
ALLOWED_FILE_CALLS = {
    ("csm/ingest/records.py", "_open", "open"),
    ("csm/sidefile.py", "read_template", "open"),  # --template FILE, named on the command line
    ("csm/sidefile.py", "read_capped", "open"),  # --config, --outcomes, --compare, --map, --retention (capped)
    ("csm/report/history.py", "inspect", "open"),  # --history: its first 100 bytes, read before sqlite3 opens it
    ("csm/cli/output.py", "Sink.__init__", "tempfile.mkstemp"),
    ("csm/cli/output.py", "Sink.__init__", "os.chmod"),  # the temporary file's mode where os.fchmod is missing
    ("csm/cli/output.py", "Sink.__init__", "os.fdopen"),
    ("csm/cli/output.py", "Sink.__init__", "open"),
    ("csm/cli/output.py", "Sink.commit", "os.replace"),
    ("csm/cli/output.py", "Sink.abort", "os.unlink"),
    ("csm/cli/output.py", "_remove_stale_temporaries", "os.unlink"),  # this output's own day-old temporaries
    ("csm/cli/output.py", "hold_closed_descriptors", "os.open"),
    ("csm/cli/command.py", "quiet_broken_pipe", "os.open"),
}


def python_files():
    for folder, _, names in os.walk(SCRIPTS):
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                yield os.path.relpath(path, SCRIPTS).replace(os.sep, "/"), path


def parsed_files():
    files = [(relative, ast.parse(open(path, encoding="utf-8").read(), filename=path))
             for relative, path in python_files()]
    assert len(files) >= 10, "the scripts were not found"
    return files


PARSED = parsed_files()


def dotted(node):
    """Return `a.b.c` for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class Calls(ast.NodeVisitor):
    """Collect (qualified enclosing function, dotted callee, node) for every call in a module."""

    def __init__(self):
        self.scope = []
        self.calls = []
        self.attributes = []

    def _scoped(self, node):
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scoped

    def visit_Call(self, node):
        self.calls.append((".".join(self.scope), dotted(node.func), node))
        self.generic_visit(node)

    def visit_Attribute(self, node):
        self.attributes.append((".".join(self.scope), dotted(node)))
        self.generic_visit(node)


def calls_of(tree):
    visitor = Calls()
    visitor.visit(tree)
    return visitor


@pytest.mark.parametrize("relative,tree", PARSED, ids=[relative for relative, _ in PARSED])
def test_nothing_imported_reaches_the_network_or_runs_programs(relative, tree):
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module)
            if node.module == "os":
                names = {alias.name for alias in node.names}
                assert not names & FORBIDDEN_OS, f"{relative} imports {names & FORBIDDEN_OS} from os"
                assert not any(name.startswith(FORBIDDEN_OS_PREFIXES) for name in names), relative
    roots = {name.split(".")[0] for name in imported}
    assert not roots & FORBIDDEN_MODULES, f"{relative} imports {sorted(roots & FORBIDDEN_MODULES)}"
    internal = {root for root in roots if not _in_standard_library(root)}
    assert internal <= {"csm"}, f"{relative} imports {sorted(internal)}, not from the standard library"


@pytest.mark.parametrize("relative,tree", PARSED, ids=[relative for relative, _ in PARSED])
def test_no_eval_exec_subprocess_or_environment(relative, tree):
    visitor = calls_of(tree)
    for scope, callee, node in visitor.calls:
        where = f"{relative}:{node.lineno} ({scope or 'module'})"
        assert callee not in FORBIDDEN_BUILTINS, f"{where} calls {callee}"
        if callee and callee.startswith("os."):
            name = callee.split(".")[1]
            assert name not in FORBIDDEN_OS and not name.startswith(FORBIDDEN_OS_PREFIXES), f"{where} calls {callee}"
        if callee in ("getattr", "setattr") and node.args and dotted(node.args[0]) in ("os", "builtins", "sys"):
            raise AssertionError(f"{where} reaches into {dotted(node.args[0])} by name")
    for scope, name in visitor.attributes:
        if name and name.startswith("os."):
            assert name.split(".")[1] not in FORBIDDEN_OS, f"{relative} ({scope}) uses {name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            assert node.id not in FORBIDDEN_BUILTINS - {"input"}, f"{relative}:{node.lineno} names {node.id}"


def _in_standard_library(name):
    """True for a module of the standard library (sys.stdlib_module_names on 3.10+; its location on 3.9)."""
    names = getattr(sys, "stdlib_module_names", None)
    if names is not None:
        return name in names
    if name in sys.builtin_module_names:
        return True
    import importlib.util
    import sysconfig
    spec = importlib.util.find_spec(name)
    origin = getattr(spec, "origin", None) or ""
    stdlib = sysconfig.get_paths()["stdlib"]
    return spec is not None and (origin in ("built-in", "frozen") or
                                 (origin.startswith(stdlib) and "site-packages" not in origin))


def test_files_are_opened_only_where_the_command_line_names_them():
    found = set()
    for relative, tree in PARSED:
        for scope, callee, node in calls_of(tree).calls:
            if callee in FILE_CALLS:
                found.add((relative, scope, callee))
            elif isinstance(node.func, ast.Attribute) and node.func.attr in FILE_METHODS \
                    and callee not in ("os.path.open",) and callee is not None \
                    and callee.split(".")[0] in ("Path", "pathlib", "path"):
                found.add((relative, scope, callee))
    unexpected = found - ALLOWED_FILE_CALLS
    assert not unexpected, f"files touched outside the allowed functions: {sorted(unexpected)}"
    # The allow-list is not stale: each entry still exists.
    assert ALLOWED_FILE_CALLS - found == set(), sorted(ALLOWED_FILE_CALLS - found)


def test_no_network_or_program_module_is_loaded_at_run_time(tmp_path):
    """Transitively: run every tool in one fresh interpreter and look at what got imported."""
    portfolio = tmp_path / "book.json"
    portfolio.write_text(json.dumps({"customers": [NORTHWIND]}))
    code = (
        "import json, sys\n"
        f"sys.path.insert(0, {SCRIPTS!r})\n"
        "import importlib\n"  # the probe's own import; removed from the list below
        "before = set(sys.modules)\n"
        f"for tool in {[t[:-3] for t in TOOLS]!r}:\n"
        "    module = importlib.import_module(tool)\n"
        f"    module.main([{str(portfolio)!r}, '--format', 'json', '--as-of', '2026-11-22',"
        f" '--output', {str(tmp_path / 'out.json')!r}])\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = {name.split(".")[0] for name in json.loads(done.stdout)}
    reaching_out = {"socket", "_socket", "ssl", "_ssl", "http", "subprocess", "_posixsubprocess",
                    "multiprocessing", "ctypes", "_ctypes", "asyncio", "ftplib", "smtplib", "telnetlib",
                    "xmlrpc", "webbrowser", "pickle", "_pickle"}
    assert not loaded & reaching_out, sorted(loaded & reaching_out)


def load_tool(script):
    """Import scripts/<script> as a module (pyproject puts scripts/ on the path)."""
    return importlib.import_module(script[:-3])


@pytest.mark.parametrize("script", TOOLS)
def test_only_the_named_files_are_opened(script, tmp_path, monkeypatch, capsys):
    tool = load_tool(script)
    portfolio = tmp_path / "book.json"
    portfolio.write_text(json.dumps({"customers": [NORTHWIND]}))
    config = tmp_path / "methodology.json"
    config.write_text(json.dumps({"name": "mine"}))
    output = tmp_path / "report.md"
    opened = []
    real_open, real_os_open = builtins.open, os.open

    def watched_open(file, *args, **kwargs):
        opened.append(os.fspath(file) if not isinstance(file, int) else file)
        return real_open(file, *args, **kwargs)

    def watched_os_open(path, *args, **kwargs):
        opened.append(os.fspath(path))
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", watched_open)
    monkeypatch.setattr(io, "open", watched_open)
    monkeypatch.setattr(os, "open", watched_os_open)
    status = tool.main([str(portfolio), "--format", "markdown", "--config", str(config), "--output", str(output),
                        *AS_OF])
    monkeypatch.undo()
    assert status == 0, capsys.readouterr().err
    allowed = {str(portfolio), str(config)}
    for path in opened:
        if isinstance(path, int):
            continue  # an already open descriptor (the temporary file of --output)
        folder, name = os.path.split(path)
        is_output_temp = folder == str(tmp_path) and name.startswith(".report.md.") and name.endswith(".tmp")
        assert path in allowed or is_output_temp, f"{script} opened {path}"
    assert output.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.json", "methodology.json", "report.md"]


# ---------------------------------------------------------------------------
# Output never runs as a formula or markup

HOSTILE_NAMES = [
    "<script>alert(1)</script>",
    "=cmd|' /C calc'!A0",
    "=HYPERLINK(\"http://evil.example\",\"x\")",
    "+cmd",
    "-1+2",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "**bold** | pipe `code` # heading",
    "a\nb\x1b[31mred",
]


class HtmlTags(html.parser.HTMLParser):
    """Collect the elements and attributes an HTML report has that could run something."""

    def __init__(self):
        super().__init__()
        self.unsafe = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "img", "iframe", "object", "embed", "a", "form", "input", "link", "meta", "base"):
            if not (tag == "meta" and all(name in ("charset", "name", "content") for name, _ in attrs)):
                self.unsafe.append(tag)
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.unsafe.append(f"{tag} {name}={value}")


def hostile_portfolio(tmp_path):
    customers = []
    for number, name in enumerate(HOSTILE_NAMES, start=1):
        account = json.loads(json.dumps(NORTHWIND))
        account["customer_id"] = f"{name[:20]}-{number}" if number % 2 else f"ACC-{number}"
        account["name"] = name
        account["departments"] = {"current": [name[:30] or "x"], "potential": ["finance"]}
        customers.append(account)
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps({"customers": customers}))
    return path, customers


def formats_of(script):
    return [name for name in ("text", "json", "markdown", "csv", "jsonl", "html")
            if name in conftest_formats_of(load_tool(script))]


def run_in_process(script, argv, capsys):
    status = load_tool(script).main(argv)
    captured = capsys.readouterr()
    return status, captured.out


@pytest.mark.parametrize("script", TOOLS)
def test_hostile_names_are_escaped_in_every_format(script, tmp_path, capsys):
    path, customers = hostile_portfolio(tmp_path)
    for output_format in formats_of(script):
        out = tmp_path / f"report.{output_format}"
        status = load_tool(script).main([str(path), "--format", output_format, "--output", str(out), *AS_OF])
        capsys.readouterr()
        assert status in (0, 3), (script, output_format)
        text = out.read_text(encoding="utf-8")
        if output_format in ("text", "markdown"):  # read on a terminal: no escape sequences
            assert "\x1b" not in text, (script, output_format)
        if output_format in ("markdown", "html"):
            assert "<script" not in text and "<img" not in text, (script, output_format)
        if output_format == "csv":
            for row in csv.reader(io.StringIO(text)):
                for cell in row:
                    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (script, cell)
        elif output_format == "markdown":
            for name in ("**bold**", "`code`", "[click](javascript"):
                assert name not in text, (script, name)
            assert "&lt;script&gt;" in text or "&lt;img" in text, script
        elif output_format == "html":
            assert "&lt;script&gt;" in text, script
            tags = HtmlTags()
            tags.feed(text)
            assert not tags.unsafe, (script, tags.unsafe)
        elif output_format in ("json", "jsonl"):
            # JSON keeps the name exactly (a program reads it), as escaped JSON text.
            lines = text.splitlines() if output_format == "jsonl" else [text]
            for line in lines:
                json.loads(line)
        elif output_format == "text":
            assert all(ch.isprintable() for line in text.splitlines() for ch in line), script


def test_csv_cells_that_look_like_formulas_get_a_leading_quote(tmp_path, capsys):
    path, customers = hostile_portfolio(tmp_path)
    out = tmp_path / "health.csv"
    status = load_tool("health_score_calculator.py").main([str(path), "--format", "csv", "--output", str(out),
                                                          *AS_OF])
    capsys.readouterr()
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    names = {row["name"] for row in rows}
    assert "'=cmd|' /C calc'!A0" in names
    assert "'+cmd" in names and "'-1+2" in names and "'@SUM(A1:A9)" in names
    assert "'=1+1" in names  # "\t=1+1": names are trimmed, then the formula is quoted


def test_no_module_forks_runs_a_program_or_reads_the_environment():
    found = set()
    for relative, tree in PARSED:
        for scope, callee, _ in calls_of(tree).calls:
            if callee and callee.startswith("os.") and callee.split(".")[1] in FORBIDDEN_OS:
                found.add((relative, scope, callee))
    assert found == set()
