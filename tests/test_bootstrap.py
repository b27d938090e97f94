"""`make setup` (the first step of `make replay`) on a Python marked
EXTERNALLY-MANAGED with no uv on PATH, as on a stock Debian or Ubuntu: it
installs uv into a private virtualenv, never into the system Python, and
syncs the locked environment ([first-hour])."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYSTEM_PYTHON = Path("/usr/bin/python3")


def _marker(python: Path) -> Path:
    stdlib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('stdlib'))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(stdlib.stdout.strip()) / "EXTERNALLY-MANAGED"


def _tracked_copy(target: Path) -> None:
    files = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def test_setup_on_an_externally_managed_python_without_uv(tmp_path):
    assert _marker(SYSTEM_PYTHON).exists(), "the system Python is not externally managed"
    env = {**os.environ, "PATH": "/usr/bin:/bin"}  # no uv, no pyenv shims
    env.pop("VIRTUAL_ENV", None)
    assert shutil.which("uv", path=env["PATH"]) is None
    refused = subprocess.run(
        [str(SYSTEM_PYTHON), "-m", "pip", "install", "--dry-run", "uv"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert refused.returncode != 0 and "externally-managed" in refused.stderr
    project = tmp_path / "fresh-clone"
    _tracked_copy(project)
    done = subprocess.run(
        ["make", "setup", f"PYTHON={SYSTEM_PYTHON}"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "installing uv" in done.stdout
    assert (project / ".tools" / "bin" / "uv").exists()
    runs = subprocess.run(
        [str(project / ".venv" / "bin" / "matchflow"), "--help"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert runs.returncode == 0 and "replay" in runs.stdout
    system = subprocess.run([str(SYSTEM_PYTHON), "-c", "import uv"], capture_output=True)
    assert system.returncode != 0, "uv landed in the system Python"
