"""Build the dependency-free wheel of ``cloudscale.dataproducts`` for the Synapse Spark pool.

With data exfiltration protection on, a Synapse pool cannot install from PyPI; the notebooks import
the product functions from a workspace package uploaded to the pool. This wheel holds the pure
modules only (pyspark and the standard library; the pool provides pyspark) and declares no
dependencies. ``azureml`` (scikit-learn, MLflow, azure-ai-ml) runs on Azure ML, not on the pool, and
stays out. The wheel is written with the standard library alone, to the wheel format of PEP 427:
the files, then ``METADATA``, ``WHEEL`` and a ``RECORD`` of sha256 digests. A zone that runs data
products uploads it at :func:`content_version` as a workspace package and attaches it to its Spark
pool (``components/synapse_libraries.py``).
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from pathlib import Path

DISTRIBUTION = "cloudscale_dataproducts"
VERSION = "0.1.0"
PACKAGE = "cloudscale/dataproducts"
EXCLUDED = frozenset({"azureml", "wheel.py", "notebooks.py", "__pycache__"})


def _digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def wheel_modules(source: Path | None = None) -> dict[str, bytes]:
    """Archive path -> content of every module that goes to the pool."""
    source = source or Path(__file__).parent
    files = {}
    for path in sorted(source.rglob("*.py")):
        relative = path.relative_to(source)
        if EXCLUDED.intersection(relative.parts):
            continue
        files[f"{PACKAGE}/{relative.as_posix()}"] = path.read_bytes()
    return files


def content_version() -> str:
    """``VERSION`` plus a number derived from the modules, so changed code is a new package name.

    A Spark pool installs a workspace package by its file name, and a package a pool uses cannot be
    overwritten; a new name is what makes the pool install the new code.
    """
    digest = hashlib.sha256()
    for name, data in wheel_modules().items():
        digest.update(name.encode() + b"\0" + data)
    return f"{VERSION}.{int(digest.hexdigest()[:8], 16)}"


def wheel_file_name(version: str = VERSION) -> str:
    return f"{DISTRIBUTION}-{version}-py3-none-any.whl"


def spark_wheel(version: str = VERSION) -> bytes:
    """The wheel's bytes: the modules, ``METADATA``, ``WHEEL`` and a ``RECORD`` of their digests."""
    dist_info = f"{DISTRIBUTION}-{version}.dist-info"
    metadata = (
        "Metadata-Version: 2.1\n"
        f"Name: cloudscale-dataproducts\nVersion: {version}\n"
        "Summary: cloudscale data products: pure PySpark transformations for the Synapse Spark 3.5 pool\n"
        "Requires-Python: >=3.10\n"
    )
    wheel = "Wheel-Version: 1.0\nGenerator: cloudscale.dataproducts.wheel\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    entries = {**wheel_modules(), f"{dist_info}/METADATA": metadata.encode(), f"{dist_info}/WHEEL": wheel.encode()}
    record_lines = [f"{name},{_digest(data)},{len(data)}" for name, data in entries.items()]
    record_lines.append(f"{dist_info}/RECORD,,")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            # A fixed timestamp keeps the wheel byte-identical between builds of the same sources.
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
        record = zipfile.ZipInfo(f"{dist_info}/RECORD", date_time=(1980, 1, 1, 0, 0, 0))
        archive.writestr(record, ("\n".join(record_lines) + "\n").encode())
    return buffer.getvalue()


def build_spark_wheel(out_dir: str | Path, version: str = VERSION) -> Path:
    """Write ``cloudscale_dataproducts-<version>-py3-none-any.whl`` to ``out_dir``; returns its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / wheel_file_name(version)
    target.write_bytes(spark_wheel(version))
    return target
