"""What ``pulumi install`` does on a fresh clone is enough to run the program.

Pulumi Deployments and the GitHub action run ``pulumi install`` before ``pulumi up``. With
``toolchain: pip`` it creates the ``virtualenv`` of Pulumi.yaml, upgrades pip, and then runs
``pip install -r requirements.txt`` in the project directory, and nothing else: "If
`requirements.txt` doesn't exist, exit early" (``sdk/python/toolchain/pip.go`` in pulumi/pulumi).
So requirements.txt must install the project itself, which brings every dependency of pyproject.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from importlib import metadata

import yaml

from cloudscale.stacks.offline.stack_files import PROJECT_ROOT
from tests.foundation.installed import LIBRARY_FOLDERS
from tests.foundation.source_scan import absolute_imports


def _project() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "Pulumi.yaml").read_text())


def _pyproject() -> dict:
    return tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())


def _distribution(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_pulumi_yaml_declares_the_pip_toolchain_and_a_project_virtualenv():
    runtime = _project()["runtime"]
    assert runtime["name"] == "python"
    assert runtime["options"]["toolchain"] == "pip"
    # Relative to the project directory, where pulumi install creates it.
    assert runtime["options"]["virtualenv"] == ".venv"


def test_requirements_txt_installs_the_project_itself():
    requirements = PROJECT_ROOT / "requirements.txt"
    assert requirements.is_file(), "pulumi install with toolchain pip installs nothing without requirements.txt"
    lines = [line.split("#")[0].strip() for line in requirements.read_text().splitlines()]
    lines = [line for line in lines if line]
    # pip.go runs pip with the project directory as its working directory, so "." is the project.
    assert lines in (["-e ."], ["."]), lines


def test_pip_resolves_requirements_txt_to_the_project_with_every_declared_dependency(tmp_path):
    report = tmp_path / "report.json"
    subprocess.run(
        [
            sys.executable,
            *("-m", "pip", "install", "--dry-run", "--no-deps", "--no-build-isolation", "--ignore-installed"),
            *("--quiet", "--report", str(report), "-r", "requirements.txt"),
        ],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    installs = json.loads(report.read_text())["install"]
    assert [item["metadata"]["name"] for item in installs] == ["cloudscale"]
    requires = {_distribution(r) for r in installs[0]["metadata"].get("requires_dist", []) if "extra ==" not in r}
    declared = {_distribution(r) for r in _pyproject()["project"]["dependencies"]}
    assert requires == declared
    assert {"pulumi", "pulumi-azure-native"} <= requires


def _top_names(imports: list[tuple[int, str]]) -> set[str]:
    return {module.split(".")[0] for _, module in imports}


def _extra(name: str) -> set[str]:
    """An extra's distributions, with the extras it names of this project (``cloudscale[flow]``) expanded."""
    found: set[str] = set()
    for requirement in _pyproject()["project"]["optional-dependencies"][name]:
        if _distribution(requirement) == "cloudscale":
            for included in re.findall(r"\[(.*)\]", requirement)[0].split(","):
                found |= _extra(included.strip())
        else:
            found.add(_distribution(requirement))
    return found


def test_the_program_imports_only_the_library_and_what_it_declares():
    declared = {_distribution(r) for r in _pyproject()["project"]["dependencies"]}
    # The data products run on the Synapse Spark pool and Azure ML, never in the program: pyspark,
    # scikit-learn and the rest come with the extras that play them locally and run their tests.
    # cloudscale.testing's pytest fixtures need pytest, which a consumer installs with the testing extra.
    allowed = {
        "dataproducts": declared | _extra("dev"),
        "flow": declared | _extra("flow"),
        "testing": declared | _extra("testing"),
    }
    providers = metadata.packages_distributions()
    sources = [PROJECT_ROOT / "__main__.py"] + [
        path for folder in LIBRARY_FOLDERS for path in sorted((PROJECT_ROOT / folder).rglob("*.py"))
    ]
    imports = absolute_imports(sources)
    problems = []
    for source in sources:
        for name in sorted(_top_names(imports[source])):
            if name in sys.stdlib_module_names or name == "cloudscale":
                continue
            distributions = {d.lower().replace("_", "-") for d in providers.get(name, [])}
            where = source.relative_to(PROJECT_ROOT)
            if not distributions:
                problems.append(f"{where} imports {name}, which no installed distribution provides")
            elif not distributions & allowed.get(where.parts[0], declared):
                problems.append(f"{where} imports {name}, which pyproject does not declare")
    assert problems == []
    assert _top_names(imports[PROJECT_ROOT / "__main__.py"]) == {"pulumi", "cloudscale"}
