"""Every bundled set's contract, and every table by id: what the Spark code, the validator and the flow
look tables up in."""

from __future__ import annotations

import functools

from cloudscale.dataproducts.contracts.integration import INTEGRATION_SETS
from cloudscale.dataproducts.contracts.model import SetContract, Table


def bundled_contracts() -> tuple[SetContract, ...]:
    from cloudscale.dataproducts.contracts.products import PRODUCT_SETS
    from cloudscale.dataproducts.contracts.serving import SERVING

    return (*INTEGRATION_SETS, *PRODUCT_SETS, SERVING)


@functools.cache
def tables() -> dict[str, Table]:
    found: dict[str, Table] = {}
    for contract in bundled_contracts():
        for table in contract.declared():
            found[table.id] = table
    return found


def table(table_id: str) -> Table:
    try:
        return tables()[table_id]
    except KeyError:
        raise KeyError(f"no bundled contract declares the table {table_id}") from None


def source_tables() -> tuple[Table, ...]:
    return tuple(t for c in bundled_contracts() for t in c.sources)


def contract_of(set_name: str) -> SetContract | None:
    return next((c for c in bundled_contracts() if c.set == set_name), None)


def generated_files() -> dict[str, str]:
    """Every bundled file generated from these declarations, by its path under ``pipelines/``: each set's
    ``contract.json``, the logical warehouse's SQL script and each product's semantic model (TMDL). A test
    keeps the files identical."""
    import json

    from cloudscale.dataproducts.contracts import tmdl
    from cloudscale.dataproducts.contracts.model import CONTRACT_FILE
    from cloudscale.dataproducts.contracts.semantic import MODELS
    from cloudscale.dataproducts.contracts.serving import SERVING_SET, sql_script

    files = {f"{contract.set}/{CONTRACT_FILE}": contract.render() for contract in bundled_contracts()}
    files[f"{SERVING_SET}/sqlscript/sql_logical_warehouse.json"] = json.dumps(sql_script(), indent=4) + "\n"
    for model in MODELS.values():
        for relative, text in tmdl.render(model).items():
            files[f"{model.set_name}/{model.folder}/{relative}"] = text
    return files


def write_generated(pipelines_root: str) -> list[str]:
    """Write every generated bundled file under ``pipelines_root``; returns the files."""
    from pathlib import Path

    written = []
    for relative, text in generated_files().items():
        path = Path(pipelines_root, relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(str(path))
    return written
