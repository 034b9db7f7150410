"""The renewal-training code asset: its name, its files and its content-derived version.

Kept free of ``azure-ai-ml`` so the program can register the asset (``stacks/data_services.py``)
with the runtime dependencies alone; the job definition (:mod:`.job`) and the pipeline
(:mod:`.pipeline`) reference the same name and version, so the job always runs the registered code.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

SCRIPT = "train_renewal.py"
CODE_ASSET = "renewal-training"


def code_files() -> dict[str, Path]:
    """File name inside the asset -> the local file uploaded under it."""
    return {SCRIPT: Path(__file__).with_name(SCRIPT)}


def code_version() -> str:
    """A changed script gets a new version rather than overwriting a registered one (versions are immutable)."""
    return hashlib.sha256(code_files()[SCRIPT].read_bytes()).hexdigest()[:12]
