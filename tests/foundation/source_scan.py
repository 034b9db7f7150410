"""The imports of the project's sources, read in a fresh interpreter.

Inside a long test run, CPython 3.11.7's ``ast.parse`` can fail with "SystemError: AST constructor
recursion depth mismatch" (python/cpython gh-106905, fixed in 3.11.8); a separate interpreter parses
with none of the run's state.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

_SCAN = """
import ast, json, sys
found = {}
for path in sys.argv[1:]:
    imports = []
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read(), path)):
        if isinstance(node, ast.Import):
            imports += [[node.lineno, alias.name] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imports.append([node.lineno, node.module])
    found[path] = imports
print(json.dumps(found))
"""


def absolute_imports(paths: list[Path]) -> dict[Path, list[tuple[int, str]]]:
    """Each file's absolute imports (line, dotted module); relative imports are left out."""
    result = subprocess.run([sys.executable, "-c", _SCAN, *map(str, paths)], check=True, capture_output=True, text=True)
    return {Path(path): [(line, module) for line, module in found] for path, found in json.loads(result.stdout).items()}
