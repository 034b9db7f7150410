"""The Spark-pool wheel installs and imports with nothing but pyspark and the standard library."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import py4j
import pyspark

from cloudscale.dataproducts.wheel import build_spark_wheel

CHECK = """
import importlib, sys
modules = sys.argv[1].split(",")
for name in modules:
    importlib.import_module(name)
allowed = set(sys.stdlib_module_names) | {"cloudscale", "pyspark", "py4j", "__main__"}
# The interpreter's build configuration module is part of the standard library under a platform name.
foreign = sorted({m.split(".")[0] for m in sys.modules if not m.startswith("_sysconfigdata")} - allowed)
assert not foreign, f"imports outside pyspark and the standard library: {foreign}"
print("ok", len(modules))
"""


def test_the_wheel_installs_and_imports_in_isolation(tmp_path):
    wheel = build_spark_wheel(tmp_path / "dist")
    names = zipfile.ZipFile(wheel).namelist()
    assert "cloudscale/dataproducts/customer_360.py" in names
    assert not [n for n in names if "/azureml/" in n or n.endswith(("wheel.py", "notebooks.py"))]
    metadata = zipfile.ZipFile(wheel).read("cloudscale_dataproducts-0.1.0.dist-info/METADATA").decode()
    assert "Requires-Dist" not in metadata

    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", str(target), str(wheel)],
        check=True,
    )
    # Only pyspark and py4j beside the wheel: no site-packages, no editable install of this project.
    spark_only = tmp_path / "spark_only"
    spark_only.mkdir()
    for package in (pyspark, py4j):
        os.symlink(Path(package.__file__).parent, spark_only / package.__name__)
    modules = [n[:-3].replace("/", ".").removesuffix(".__init__") for n in names if n.endswith(".py")]
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            "-S",
            "-c",
            f"import sys; sys.path[:0] = [{str(target)!r}, {str(spark_only)!r}]\n{CHECK}",
            ",".join(modules),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"ok {len(modules)}"


def test_the_wheel_is_reproducible(tmp_path):
    first = build_spark_wheel(tmp_path / "a").read_bytes()
    assert build_spark_wheel(tmp_path / "b").read_bytes() == first
