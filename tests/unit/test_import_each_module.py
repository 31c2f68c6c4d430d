"""Every module of the project imports on its own (no import-order traps, issue 18).

One interpreter first imports the third-party libraries the project uses (and
nothing of the project), then forks a child per module (a few at a time): each child starts with
no project module loaded, exactly as a fresh interpreter would, without paying
for Flask, SQLAlchemy, Sudachi... again each time.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "models", "personal_numbers", "scheduler")

# Runs in a separate interpreter: preload, then one fork per module.
_FORKER = r"""
import importlib, json, os, sys, traceback
project, modules, third_party = json.loads(sys.stdin.read())
for name in third_party:
    try:
        importlib.import_module(name)
    except Exception:
        pass
leaked = [m for m in sys.modules if m.split(".")[0] in project]
assert not leaked, f"preloading imported project modules: {leaked}"
results = {}


def start(name):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            importlib.import_module(name)
            code, message = 0, b""
        except BaseException:
            code, message = 1, traceback.format_exc()[-600:].encode()
        os.write(write, message)  # short: fits the pipe, the child never blocks
        os._exit(code)
    os.close(write)
    return name, pid, read


def finish(name, pid, read):
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read, "rb") as pipe:
        message = pipe.read().decode(errors="replace")
    results[name] = [os.waitstatus_to_exitcode(status), message]


width = max(2, os.cpu_count() or 2)
for i in range(0, len(modules), width):
    for child in [start(name) for name in modules[i:i + width]]:
        finish(*child)
print(json.dumps(results))
"""


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            names.append(".".join(parts))
    return names


def _third_party() -> list[str]:
    """Top-level names the project imports that are not the project itself."""
    names: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(a.name.split(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return sorted(names - set(PACKAGES) - {"__future__"})


def test_every_module_imports_alone():
    modules = _modules()
    assert "handlers.redact" in modules and "personal_numbers.redact" in modules
    proc = subprocess.run(
        [sys.executable, "-c", _FORKER],
        input=json.dumps([list(PACKAGES), modules, _third_party()]),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    assert sorted(results) == sorted(modules)
    failures = [f"{name}: {err}" for name, (rc, err) in results.items() if rc != 0]
    assert not failures, "\n\n".join(failures)


def test_a_module_that_only_imports_in_order_is_caught(tmp_path):
    """The check itself can fail: a module relying on another being imported first."""
    pkg = tmp_path / "trap"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("import trap\nVALUE = trap.b.VALUE\n")  # needs trap.b loaded
    (pkg / "b.py").write_text("VALUE = 1\n")
    proc = subprocess.run(
        [sys.executable, "-c", _FORKER],
        input=json.dumps([["trap"], ["trap.b", "trap.a"], []]),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    assert results["trap.b"][0] == 0
    assert results["trap.a"][0] != 0 and "AttributeError" in results["trap.a"][1]


def test_personal_numbers_imports_nothing_of_the_project():
    code = (
        "import sys, personal_numbers.redact; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('bot', 'handlers', 'models', 'scheduler')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
