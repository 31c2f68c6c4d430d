"""Every module of the project imports on its own (no import-order traps, issue 18).

One fresh interpreter per module, run in parallel batches.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "models", "personal_numbers", "scheduler")


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            names.append(".".join(parts))
    return names


def _import_alone(name: str) -> tuple[str, int, str]:
    proc = subprocess.run(
        [sys.executable, "-c", f"import {name}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return name, proc.returncode, proc.stderr[-600:]


def test_every_module_imports_alone_in_a_fresh_interpreter():
    modules = _modules()
    assert "handlers.redact" in modules and "personal_numbers.redact" in modules
    with ThreadPoolExecutor(max_workers=max(2, (os.cpu_count() or 2))) as pool:
        results = list(pool.map(_import_alone, modules))
    failures = [f"{name}: {err}" for name, rc, err in results if rc != 0]
    assert not failures, "\n\n".join(failures)


def test_personal_numbers_imports_nothing_of_the_project():
    code = (
        "import sys, personal_numbers.redact; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('bot', 'handlers', 'models', 'scheduler')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
