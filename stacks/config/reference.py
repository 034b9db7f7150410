"""The configuration reference (docs/configuration.md), generated from the typed config model.

Every key, its type, default and constraints come from the model's JSON schema; a nested key's
description is its field's docstring in ``model.py``, a top-level key's is its ``description`` in
``Pulumi.yaml`` (what ``pulumi config`` shows), so each description is written once.
``tests/foundation/test_docs.py`` fails when the page is stale; rewrite it with
``python -m cloudscale.stacks.config.reference --write``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from cloudscale.stacks.config.model import PlatformConfig

PAGE = Path("docs") / "configuration.md"
NAMESPACE = "cloudscale"
_CONSTRAINTS = (
    ("minimum", "≥ {}"),
    ("exclusiveMinimum", "> {}"),
    ("maximum", "≤ {}"),
    ("multipleOf", "a multiple of {}"),
    ("minLength", "at least {} characters"),
    ("maxLength", "at most {} characters"),
    ("minItems", "at least {} items"),
    ("maxItems", "at most {} items"),
    ("pattern", "matches `{}`"),
)


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The schema behind a property (its ``$ref`` followed, ``null`` dropped), and whether null is allowed."""
    optional = False
    if "anyOf" in schema:
        options = [option for option in schema["anyOf"] if option.get("type") != "null"]
        optional = len(options) < len(schema["anyOf"])
        schema = {**{k: v for k, v in schema.items() if k != "anyOf"}, **options[0]} if len(options) == 1 else schema
    if "$ref" in schema:
        schema = {**defs[schema["$ref"].rsplit("/", 1)[-1]], **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema, optional


def _type(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    schema, optional = _resolve(schema, defs)
    if "anyOf" in schema:
        text = " or ".join(_type(option, defs) for option in schema["anyOf"] if option.get("type") != "null")
    elif "enum" in schema:
        text = " \\| ".join(f"`{value}`" for value in schema["enum"])
    elif schema.get("type") == "array":
        text = f"list of {_type(schema.get('items', {}), defs)}"
    elif schema.get("type") == "object" and "properties" not in schema:
        text = f"map of {_type(schema.get('additionalProperties', {}), defs)}"
    elif schema.get("type") == "object":
        text = "object"
    else:
        text = str(schema.get("format") or schema.get("type") or "any")
    return f"{text} (optional)" if optional else text


def _constraints(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    schema, _ = _resolve(schema, defs)
    found = [template.format(schema[key]) for key, template in _CONSTRAINTS if key in schema]
    if schema.get("type") == "array":
        found += [f"items: {c}" for c in [_constraints(schema.get("items", {}), defs)] if c]
    return "; ".join(found)


def _default(schema: dict[str, Any], required: bool) -> str:
    if required:
        return "required"
    if "default" not in schema:
        return "see below" if "$ref" in json.dumps(schema) else "empty"
    return f"`{json.dumps(schema['default'])}`"


def _rows(
    properties: dict[str, Any], required: list[str], defs: dict[str, Any], prefix: str, descriptions: dict[str, str]
) -> Iterator[tuple[str, str, str, str, str]]:
    for key, raw in properties.items():
        path = f"{prefix}{key}"
        schema, _ = _resolve(raw, defs)
        description = descriptions.get(path) if not prefix else raw.get("description") or schema.get("description")
        yield (
            f"`{path}`",
            _type(raw, defs),
            _default(raw, key in required),
            _constraints(raw, defs),
            " ".join(str(description or "").split()),
        )
        if schema.get("type") == "object" and "properties" in schema:
            yield from _rows(schema["properties"], schema.get("required", []), defs, f"{path}.", descriptions)
        elif schema.get("type") == "array":
            items, _ = _resolve(schema.get("items", {}), defs)
            if "properties" in items:
                yield from _rows(items["properties"], items.get("required", []), defs, f"{path}[].", descriptions)
        elif schema.get("type") == "object":
            values, _ = _resolve(schema.get("additionalProperties", {}), defs)
            if "properties" in values:
                yield from _rows(
                    values["properties"], values.get("required", []), defs, f"{path}.<name>.", descriptions
                )


def project_descriptions(project_file: Path) -> dict[str, str]:
    """Top-level key -> its description in Pulumi.yaml."""
    config = yaml.safe_load(project_file.read_text()).get("config", {})
    return {key.removeprefix(f"{NAMESPACE}:"): str(spec.get("description", "")) for key, spec in config.items()}


def rows(project_file: Path) -> list[tuple[str, str, str, str, str]]:
    schema = PlatformConfig.model_json_schema(by_alias=True)
    return list(
        _rows(
            schema["properties"],
            schema.get("required", []),
            schema.get("$defs", {}),
            "",
            project_descriptions(project_file),
        )
    )


def render(project_file: Path) -> str:
    lines = [
        "# Configuration reference",
        "",
        "<!-- Generated from stacks/config/model.py and Pulumi.yaml by "
        "`python -m cloudscale.stacks.config.reference --write`; do not edit. -->",
        "",
        f"Every key of the `{NAMESPACE}:` namespace in `Pulumi.<stack>.yaml`. Nested keys are written with a "
        "dot (`pulumi config set --path 'cloudscale:management.firewall.tier' Premium`); `[]` marks the items "
        "of a list and `<name>` the keys of a map. Validation runs before any resource is declared and names "
        "the key of each problem; the cross-field rules (overlapping ranges, zone redundancy where the region "
        "has zones, required keys outside dev) are in `stacks/config/checks.py`.",
        "",
        "| Key | Type | Default | Constraints | Description |",
        "|---|---|---|---|---|",
    ]
    for row in rows(project_file):
        lines.append(
            "| " + " | ".join(cell.replace("|", "\\|") if i != 1 else cell for i, cell in enumerate(row)) + " |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    root = Path.cwd()
    text = render(root / "Pulumi.yaml")
    if "--write" in argv:
        (root / PAGE).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
