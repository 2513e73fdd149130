"""The layout's dependency rules hold: systems never import each other, the lab imports no system,
nothing imports the CLI (import-linter contracts in pyproject.toml), and `import frontline` stays light."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    exe = Path(sys.executable).parent / "lint-imports"
    if not exe.exists():
        found = shutil.which("lint-imports")
        if found is None:
            pytest.skip("import-linter is not installed")
        exe = Path(found)
    proc = subprocess.run([str(exe)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_top_level_import_loads_no_heavy_library() -> None:
    code = (
        "import sys, frontline; print(','.join(m for m in ('torch', 'cv2', 'verovio') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
