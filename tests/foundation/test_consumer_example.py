"""The consumer example (examples/consumer/) as its authors would run it: copied out of the repository,
with the built wheel installed in a fresh environment, its own tests run on cloudscale.testing, and
``mypy --strict`` over it, which also catches a wrong argument type through the lazy exports."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from cloudscale.stacks.offline.stack_files import PROJECT_ROOT

from .installed import Environment, install, run

EXAMPLE = PROJECT_ROOT / "examples" / "consumer"
# What a consumer gets wrong: an argument of the wrong type, through the package's lazy exports.
WRONG = """
from cloudscale.components import DataLake, DataLakeArgs


def misuse(lake: DataLake) -> None:
    DataLakeArgs(baseline=1, purpose=2)
    lake.grant_read("finance-readers", container="ledger")
"""


@pytest.fixture(scope="module")
def consumer(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Environment, Path]:
    root = tmp_path_factory.mktemp("consumer")
    project = root / "finance-data"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", ".venv", ".mypy_cache"))
    return install(wheel, root / "venv"), project


def _mypy(environment: Environment, project: Path, *paths: str) -> tuple[int, str]:
    # mypy comes with the dev extras; it checks against the fresh environment's packages.
    result = run(
        sys.executable,
        *("-m", "mypy", "--python-executable", environment.python, "--cache-dir", project.parent / "mypy-cache"),
        *paths,
        cwd=project,
        expect_success=False,
    )
    return result.returncode, result.stdout + result.stderr


def test_the_examples_own_tests_pass_on_the_installed_wheel(consumer):
    environment, project = consumer
    result = run(environment.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", cwd=project)
    assert " passed" in result.stdout and "failed" not in result.stdout, result.stdout
    # The library came from the wheel, not from this checkout.
    where = run(environment.python, "-c", "import cloudscale.testing as t; print(t.__file__)").stdout
    assert where.startswith(str(environment.site_packages)), where


def test_mypy_strict_passes_on_the_example(consumer):
    environment, project = consumer
    status, output = _mypy(environment, project)
    assert status == 0, output
    assert "Success: no issues found in 4 source files" in output, output


def test_mypy_strict_catches_wrong_argument_types_through_the_lazy_exports(consumer):
    environment, project = consumer
    (project / "wrong.py").write_text(WRONG)
    status, output = _mypy(environment, project, "wrong.py")
    assert status == 1, output
    assert 'Argument "baseline" to "DataLakeArgs" has incompatible type "int"; expected "ServiceBaseline"' in output
    assert 'Argument "purpose" to "DataLakeArgs" has incompatible type "int"; expected "str"' in output
    assert 'Argument 1 to "grant_read" of "DataLake" has incompatible type "str"; expected "Principal"' in output
