"""No function or method in the library runs over 60 lines: longer ones are split into named steps.

A constructor that declares a dozen resources in one body hides which step owns which resource; named
steps (``_create_workspace``, ``_secure_workspace``, ...) read top-down and keep review diffs small.
The length is the whole definition, ``def`` line to last line (decorators excluded), as ``ast`` gives it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cloudscale.stacks.offline.stack_files import PROJECT_ROOT
from tests.foundation.installed import LIBRARY_FOLDERS

MAX_LINES = 60

# Parsed in a fresh interpreter: inside a long test run CPython 3.11.7's ``ast.parse`` can fail with
# "AST constructor recursion depth mismatch" (python/cpython gh-106905), see tests/foundation/source_scan.py.
_MEASURE = """
import ast, json, sys
found = []
for path in sys.argv[1:]:
    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.append([path, child.lineno, prefix + child.name, child.end_lineno - child.lineno + 1])
                walk(child, prefix + child.name + ".")
            elif isinstance(child, ast.ClassDef):
                walk(child, prefix + child.name + ".")
            else:
                walk(child, prefix)
    walk(ast.parse(open(path, encoding="utf-8").read(), path), "")
print(json.dumps(found))
"""


def _measure(paths: list[Path]) -> list[tuple[str, int, str, int]]:
    """(path, line, qualified name, length in lines) of every function and method in ``paths``."""
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, *map(str, paths)], check=True, capture_output=True, text=True
    )
    return [(path, line, name, length) for path, line, name, length in json.loads(result.stdout)]


# Landed before this rule and not yet split; each entry is removed when it is. The test fails on any
# function not listed here, and on a listed one that no longer needs its entry.
NOT_YET_SPLIT: frozenset[str] = frozenset()


def _library_sources(root: Path) -> list[Path]:
    return sorted(
        path for folder in LIBRARY_FOLDERS if (root / folder).is_dir() for path in (root / folder).rglob("*.py")
    )


def _offenders(functions: list[tuple[str, int, str, int]], root: Path) -> list[str]:
    return [
        f"{Path(path).relative_to(root)}:{line} {name} is {length} lines"
        for path, line, name, length in sorted(functions, key=lambda f: -f[3])
        if length > MAX_LINES
    ]


def test_no_function_in_the_library_exceeds_60_lines():
    sources = _library_sources(PROJECT_ROOT)
    functions = _measure(sources)
    # The scan saw the library: every folder that exists, and the constructors in it.
    assert {Path(path).relative_to(PROJECT_ROOT).parts[0] for path, *_ in functions} >= {"components", "stacks", "cli"}
    assert any(name == "DataLake.__init__" for _, _, name, _ in functions)
    long = [f for f in functions if f"{Path(f[0]).relative_to(PROJECT_ROOT)} {f[2]}" not in NOT_YET_SPLIT]
    assert _offenders(long, PROJECT_ROOT) == []
    still_long = {f"{Path(path).relative_to(PROJECT_ROOT)} {name}" for path, _, name, n in functions if n > MAX_LINES}
    assert sorted(NOT_YET_SPLIT - still_long) == [], "split already: remove from NOT_YET_SPLIT"


def test_a_long_method_or_nested_function_is_reported(tmp_path: Path):
    package = tmp_path / "components"
    package.mkdir()
    long_body = "".join(f"        x{i} = {i}\n" for i in range(MAX_LINES))
    (package / "long.py").write_text(
        "class Thing:\n"
        "    def __init__(self) -> None:\n" + long_body + "\n"
        "def outer() -> None:\n"
        "    def inner() -> None:\n" + long_body + "    inner()\n"
        "\n"
        "def short() -> None:\n"
        "    pass\n"
    )
    offenders = _offenders(_measure(_library_sources(tmp_path)), tmp_path)
    assert offenders == [
        f"components/long.py:64 outer is {MAX_LINES + 3} lines",
        f"components/long.py:2 Thing.__init__ is {MAX_LINES + 1} lines",
        f"components/long.py:65 outer.inner is {MAX_LINES + 1} lines",
    ]
