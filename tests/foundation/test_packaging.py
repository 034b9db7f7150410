"""The built wheel imports as ``cloudscale.*`` from a project that has its own ``components`` folder.

A consuming Pulumi project commonly has a ``components/`` package of its own; if the library
installed the generic top-level names, one of the two would shadow the other.
"""

from __future__ import annotations

import textwrap
import tomllib

from cloudscale.components.core import Namer
from cloudscale.stacks.offline.stack_files import PROJECT_ROOT
from tests.foundation.installed import LIBRARY_FOLDERS, install, run
from tests.foundation.source_scan import absolute_imports

# The repository's folder names, which exist as importable names only inside this checkout.
REPOSITORY_NAMES = frozenset(LIBRARY_FOLDERS)

CONSUMER = textwrap.dedent(
    """
    import components
    from cloudscale.components import DataLake, DataLakeArgs
    from cloudscale.components.baseline import PrivateEndpointPlacement, ServiceBaseline
    from cloudscale.components.core import Namer
    from cloudscale.components.library import platform_zones
    from cloudscale.stacks.offline.engine import run_offline

    assert components.OWN == "consumer", components.__file__
    import cloudscale.components as library
    print("library:", library.__file__)

    DNS = "/subscriptions/s/resourceGroups/dns/providers/Microsoft.Network/privateDnsZones"
    SUBNET = "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/pe"

    def program():
        placement = PrivateEndpointPlacement(SUBNET, {zone: f"{DNS}/{zone}" for zone in platform_zones("westeurope")})
        baseline = ServiceBaseline(namer=Namer("contoso", "dev", "finance", "seed"), resource_group_name="rg",
                                   location="westeurope", private_endpoints=placement)
        DataLake("finance-lake", DataLakeArgs(baseline=baseline, purpose="raw", containers=["ledger"]))

    run = run_offline(program, config={})
    accounts = [r.inputs["accountName"] for r in run.of_type("azure-native:storage:StorageAccount")]
    print("accounts:", accounts)
    """
)


def test_the_installed_wheel_imports_beside_a_consumers_own_components(wheel, tmp_path):
    environment = install(wheel, tmp_path / "consumer-venv")
    python, site_packages = environment.python, environment.site_packages

    project = tmp_path / "consumer"
    (project / "components").mkdir(parents=True)
    (project / "components" / "__init__.py").write_text('OWN = "consumer"\n')
    (project / "main.py").write_text(CONSUMER)
    result = run(python, "main.py", cwd=project)

    library = next(line for line in result.stdout.splitlines() if line.startswith("library:"))
    assert library.startswith(f"library: {site_packages}/cloudscale/components/"), result.stdout
    expected = Namer("contoso", "dev", "finance", "seed").name("storage_account", "raw")
    assert f"accounts: [{expected!r}]" in result.stdout, result.stdout


def test_the_wheel_holds_only_the_cloudscale_namespace(wheel):
    import zipfile

    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"cloudscale"}


def test_the_wheel_marks_every_package_of_the_namespace_typed(wheel):
    import zipfile

    # PEP 561: in a namespace package, each package under the namespace carries its own marker.
    packages = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    names = set(zipfile.ZipFile(wheel).namelist())
    assert [p for p in sorted(packages) if f"{p.replace('.', '/')}/py.typed" not in names] == []


def test_every_library_folder_is_mapped():
    assert {"cli", "components", "pipelines", "stacks"} <= set(LIBRARY_FOLDERS)


def test_no_module_imports_the_repository_folder_names():
    sources = [PROJECT_ROOT / "__main__.py"] + [
        path for folder in LIBRARY_FOLDERS for path in sorted((PROJECT_ROOT / folder).rglob("*.py"))
    ]
    offenders = [
        f"{source.relative_to(PROJECT_ROOT)}:{line}: import {module}"
        for source, imports in absolute_imports(sources).items()
        for line, module in imports
        if module.split(".")[0] in REPOSITORY_NAMES
    ]
    assert offenders == []
    assert len(sources) > 40


def test_the_scan_sees_a_top_level_import(tmp_path):
    source = tmp_path / "bad.py"
    source.write_text("from components.data_lake import DataLake\nimport stacks.config\nfrom . import sibling\n")
    assert [m for _, m in absolute_imports([source])[source] if m.split(".")[0] in REPOSITORY_NAMES] == [
        "components.data_lake",
        "stacks.config",
    ]
