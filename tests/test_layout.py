"""The house the code lives in: rooms by the flow of a run, imports one way, small modules and functions,
and nothing cited that the repository does not hold."""

import ast
import os
import re

from conftest import ROOT, SCRIPTS

PACKAGE = os.path.join(SCRIPTS, "csm")
BASE = "base"
# Each room and the rooms it may import (its own included): cli -> report/learn -> score ->
# ingest/config -> the base modules; render reads results (config's vocabulary, score's readers) and never
# the report or the command layer.
ALLOWED = {
    BASE: {BASE},
    "ingest": {BASE, "ingest"},
    "config": {BASE, "config"},
    "score": {BASE, "config", "score"},
    "render": {BASE, "config", "score", "render"},
    "report": {BASE, "config", "ingest", "score", "report"},
    "learn": {BASE, "config", "ingest", "score", "learn"},
    "cli": {BASE, "config", "ingest", "score", "render", "report", "learn", "cli"},
}
MODULE_LINES = 800
FUNCTION_LINES = 80  # outside the views (render/), whose layouts read top to bottom


def modules():
    """module name -> (path, parsed tree) of every module of the package."""
    found = {}
    for folder, _, names in os.walk(PACKAGE):
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                module = os.path.relpath(path, SCRIPTS)[:-3].replace(os.sep, ".")
                module = module[: -len(".__init__")] if module.endswith(".__init__") else module
                with open(path, encoding="utf-8") as handle:
                    found[module] = (path, ast.parse(handle.read()))
    return found


MODULES = modules()


def imports_of(tree):
    """The package modules a module imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "csm":
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "csm")
    return {name for name in found if name in MODULES}


def room(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and f"{module}.__init__" not in module and
                                           os.path.isdir(os.path.join(PACKAGE, parts[1]))) else BASE


GRAPH = {module: imports_of(tree) - {module, "csm"} for module, (_, tree) in MODULES.items()}


def test_no_module_imports_one_that_imports_it_back():
    on_path, done = [], set()
    circles = []

    def visit(module):
        if module in on_path:
            circles.append(on_path[on_path.index(module):] + [module])
            return
        if module in done:
            return
        on_path.append(module)
        for imported in sorted(GRAPH[module]):
            visit(imported)
        on_path.pop()
        done.add(module)

    for module in sorted(GRAPH):
        visit(module)
    assert circles == []


def test_imports_flow_down_the_rooms():
    wrong = sorted((module, imported) for module, imported_set in GRAPH.items() for imported in imported_set
                   if room(imported) not in ALLOWED[room(module)])
    assert wrong == []


def test_every_room_is_a_subpackage_with_a_docstring_that_says_what_it_owns():
    rooms = {room(module) for module in MODULES} - {BASE}
    assert rooms == set(ALLOWED) - {BASE}
    for name in rooms:
        docstring = ast.get_docstring(MODULES[f"csm.{name}"][1])
        assert docstring and len(docstring.split()) > 20, name


def test_no_module_is_over_800_lines_and_no_function_outside_the_views_over_80():
    long_modules, long_functions = [], []
    for module, (path, tree) in MODULES.items():
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().count("\n")
        if lines > MODULE_LINES:
            long_modules.append((module, lines))
        if room(module) == "render":
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > FUNCTION_LINES:
                    long_functions.append((module, node.name, length))
    assert long_modules == []
    assert long_functions == []


def test_every_module_says_what_it_owns():
    assert [module for module, (_, tree) in MODULES.items() if not ast.get_docstring(tree)] == []


def called_from_elsewhere():
    """(module, name) of everything a module of the package imports by name or reaches through a module alias."""
    used = set()
    for _, tree in MODULES.values():
        aliases = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "csm":
                for alias in node.names:
                    if f"{node.module}.{alias.name}" in MODULES:
                        aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                    else:
                        used.add((node.module, alias.name))
            elif isinstance(node, ast.Import):
                aliases.update((alias.asname or alias.name, alias.name) for alias in node.names
                               if alias.name in MODULES)
        used.update((aliases[node.value.id], node.attr) for node in ast.walk(tree)
                    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases)
    return used


def test_every_function_another_module_calls_is_annotated():
    used = called_from_elsewhere()
    unannotated = []
    for module, (path, tree) in sorted(MODULES.items()):
        functions = [(node, None) for node in tree.body if isinstance(node, ast.FunctionDef)]
        functions += [(node, owner.name) for owner in tree.body if isinstance(owner, ast.ClassDef)
                      for node in owner.body if isinstance(node, ast.FunctionDef)]
        for node, owner in functions:
            called = (module, owner) in used and not node.name.startswith("_") if owner else (module, node.name) in used
            arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            bare = [argument.arg for argument in arguments
                    if argument.annotation is None and argument.arg not in ("self", "cls")]
            if called and (bare or node.returns is None):
                unannotated.append(f"{module}:{node.lineno} {owner + '.' if owner else ''}{node.name}")
    assert unannotated == []


CITED = re.compile(r"(?<![\w./-])((?:references|assets|scripts|benchmarks|tests)/[\w./-]*\.[A-Za-z]+|[A-Z][A-Za-z_-]*\.md)\b")


def repository_files():
    for folder, folders, names in os.walk(ROOT):
        folders[:] = [name for name in folders if not name.startswith(".") and name not in ("__pycache__", "data")]
        for name in names:
            if name.endswith((".py", ".md")):
                yield os.path.join(folder, name)


def test_nothing_in_the_repository_cites_a_file_it_does_not_hold():
    missing = set()
    for path in repository_files():
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        for cited in CITED.findall(text):
            if cited.startswith("benchmarks/data/"):  # the books bench.py generates there (git ignores them)
                continue
            candidates = [os.path.join(ROOT, cited), os.path.join(ROOT, "references", cited)]
            if "/" not in cited:
                candidates += [os.path.join(folder, cited) for folder, _, names in os.walk(ROOT) if cited in names]
            if not any(os.path.exists(candidate) for candidate in candidates):
                missing.add((os.path.relpath(path, ROOT), cited))
    assert sorted(missing) == []
