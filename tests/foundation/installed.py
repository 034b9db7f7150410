"""The built wheel, and fresh environments that install it, for the tests that run the library as a
consumer does: from outside the repository, importing only what the wheel holds."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import tomllib
from dataclasses import dataclass
from pathlib import Path

from cloudscale.stacks.offline.stack_files import PROJECT_ROOT

# The repository folders that install as cloudscale.<folder> (pyproject's package-dir mapping).
LIBRARY_FOLDERS = tuple(
    sorted(tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"].values())
)


def run(*args: str | Path, cwd: Path | None = None, expect_success: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, check=False, capture_output=True, text=True)
    if expect_success:
        assert result.returncode == 0, f"{' '.join(map(str, args))}:\n{result.stdout}\n{result.stderr}"
    return result


def build_wheel(out: Path) -> Path:
    """The project's wheel, built into ``out`` from a clean copy of the library's folders."""
    out.mkdir(parents=True, exist_ok=True)
    # A clean copy: setuptools reuses a build/ folder, which keeps modules deleted since.
    source = out / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT_ROOT / name, source / name)
    for folder in LIBRARY_FOLDERS:
        shutil.copytree(PROJECT_ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    # No build isolation: setuptools and wheel come with the dev extras, so no network.
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", out, source)
    (found,) = out.glob("cloudscale-*.whl")
    return found


@dataclass(frozen=True)
class Environment:
    python: Path
    site_packages: Path


def install(wheel: Path, venv: Path) -> Environment:
    """A fresh virtual environment with the wheel installed.

    The dependencies (pulumi, azure-native, ...) come from this environment through a ``.pth`` entry:
    pip resolves the wheel's requirements against them (``--no-index``: nothing is downloaded, and a
    requirement nothing here provides fails the install), and the library itself comes only from the
    wheel, since an entry's own ``.pth`` files (this checkout's editable install) are not processed.
    """
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site_packages = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").stdout.strip())
    (site_packages / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-index", "-q", wheel)
    return Environment(python, site_packages)
