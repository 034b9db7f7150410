"""Read ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` into config the way the Pulumi CLI delivers it.

Anything wrong with the files themselves (missing, unreadable, not YAML, not the shape Pulumi reads)
is a ``StackFileError`` naming the file, and the line and column where YAML can say.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROJECT_FILE = "Pulumi.yaml"


class StackFileError(ValueError):
    """A project or stack file that cannot be read as Pulumi reads it; the message is one line."""

    def __init__(
        self, message: str, *, file: str | None = None, line: int | None = None, column: int | None = None
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        where = "" if file is None else file if line is None else f"{file}, line {line}, column {column}"
        text = " ".join(message.split())
        super().__init__(f"{where}: {text}" if where else text)


class _PulumiYamlRules:
    """YAML as the Pulumi CLI (go-yaml v3) reads it, where PyYAML's safe loader differs.

    - A key given twice in one mapping is an error ("mapping key ... already defined"); PyYAML keeps
      the last value silently, so a second ``addressSpace`` pasted into a zone would win unnoticed.
    - A date-like scalar stays a string: go-yaml decodes timestamps into an untyped value as the text
      written, and a ``nameSeed`` of ``2026-01-01`` is a seed, not a date.
    """

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a scalar", key_node.start_mark
                )
            if key in seen:
                first = seen[key].start_mark
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first defined at line {first.line + 1}); give each key once",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


class _PulumiYamlLoader(_PulumiYamlRules, yaml.SafeLoader):
    pass


# libyaml parses the large stack files (a bring-your-own-hub stack lists 49 zone ids) many times
# faster; errors are always reported by the pure-Python parser, so messages do not depend on it.
_FastPulumiYamlLoader = (
    type("_FastPulumiYamlLoader", (_PulumiYamlRules, yaml.CSafeLoader), {})
    if hasattr(yaml, "CSafeLoader")
    else _PulumiYamlLoader
)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StackFileError(f"not found in {path.parent}", file=path.name) from None
    except UnicodeDecodeError as error:
        raise StackFileError(f"is not UTF-8 text (byte {error.start})", file=path.name) from None
    except OSError as error:
        raise StackFileError(f"cannot be read: {error.strerror or error}", file=path.name) from None
    try:
        return yaml.load(text, Loader=_FastPulumiYamlLoader)
    except yaml.YAMLError:
        pass
    try:
        return yaml.load(text, Loader=_PulumiYamlLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or "not valid YAML"
        if "'\\t'" in problem:
            problem += "; YAML indents with spaces, never tabs"
        if error.context:
            opened = error.context_mark
            started = (
                f" that starts at line {opened.line + 1}, column {opened.column + 1}"
                if opened is not None and mark is not None and opened.line != mark.line
                else ""
            )
            problem += f" ({error.context}{started})"
        if mark is None:
            raise StackFileError(problem, file=path.name) from None
        raise StackFileError(problem, file=path.name, line=mark.line + 1, column=mark.column + 1) from None
    except yaml.YAMLError as error:
        raise StackFileError(f"not valid YAML: {error}", file=path.name) from None


def _mapping(value: Any, file: str, what: str) -> dict[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise StackFileError(f"{what} must be a mapping of keys to values, not {_kind(value)}", file=file)
    return value


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    # YAML's words for scalars, not Python's type names ("a int").
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    return f"a {type(value).__name__}"


def _secret_path(value: Any, path: str) -> str | None:
    """Where a ``secure:`` value sits (Pulumi encrypts leaves of objects too: ``config set --path --secret``)."""
    if isinstance(value, dict):
        if "secure" in value:
            return path
        items = ((f"{path}.{key}", item) for key, item in value.items())
    elif isinstance(value, list):
        items = ((f"{path}[{index}]", item) for index, item in enumerate(value))
    else:
        return None
    return next((found for sub, item in items if (found := _secret_path(item, sub)) is not None), None)


def _qualify(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _as_cli_string(value: Any, file: str, key: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        raise StackFileError(
            f"{key}: a {type(value).__name__} value cannot be Pulumi config; write text, numbers, lists or maps",
            file=file,
        ) from None


def _project(project_dir: Path) -> tuple[str, dict[Any, Any]]:
    if not (project_dir / PROJECT_FILE).exists():
        raise StackFileError(
            f"not found in {project_dir}; run from the project directory or pass --project-dir", file=PROJECT_FILE
        )
    project = _mapping(_read_yaml(project_dir / PROJECT_FILE), PROJECT_FILE, "the project file")
    name = project.get("name")
    if not isinstance(name, str) or not name:
        raise StackFileError("name: required, the project's name", file=PROJECT_FILE)
    return name, _mapping(project.get("config"), PROJECT_FILE, "config")


def load_stack_config(stack: str, project_dir: Path = PROJECT_ROOT) -> dict[str, str]:
    """Project defaults first, then the stack file, as the CLI merges them; every value a string."""
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    if not stack_file.exists():
        stacks = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))
        raise StackFileError(f"no such stack file; stacks here: {', '.join(stacks) or 'none'}", file=stack_file.name)
    name, declarations = _project(project_dir)
    values: dict[str, str] = {}
    for key, declaration in declarations.items():
        if isinstance(declaration, dict) and "default" in declaration:
            values[_qualify(name, str(key))] = _as_cli_string(declaration["default"], PROJECT_FILE, f"config.{key}")
        elif not isinstance(declaration, dict):
            values[_qualify(name, str(key))] = _as_cli_string(declaration, PROJECT_FILE, f"config.{key}")
    document = _mapping(_read_yaml(stack_file), stack_file.name, "the stack file")
    stack_config = _mapping(document.get("config"), stack_file.name, "config")
    for key, value in stack_config.items():
        if not isinstance(key, str):
            raise StackFileError(
                f"config key {'null' if key is None else repr(key)} must be text such as cloudscale:prefix",
                file=stack_file.name,
            )
        secret = _secret_path(value, key)
        if secret is not None:
            raise StackFileError(f"{secret} is a secret; offline plans need plain values", file=stack_file.name)
        values[_qualify(name, key)] = _as_cli_string(value, stack_file.name, key)
    return values


def project_config_schema(project_dir: Path = PROJECT_ROOT) -> dict[str, Any]:
    return _project(project_dir)[1]
