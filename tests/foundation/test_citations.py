"""Code cites only what ships with it (files of the repository) or public sources (web addresses)."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE_FOLDERS = ("components", "stacks", "pipelines", "cli")
# A document named by file, outside a web address: "see docs/x.md", "(azure-facts.md)".
DOCUMENT = re.compile(r"(?<![\w/.:-])([\w./-]+\.md)\b")


def _prose(path: Path) -> list[str]:
    """Comments and docstrings, where citations live."""
    text = path.read_text()
    comments = [t.string for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type == tokenize.COMMENT]
    docstrings = [
        ast.get_docstring(node) or ""
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    return comments + docstrings


def _shipped(document: str) -> bool:
    return (ROOT / document).exists() or any(ROOT.glob(f"*/**/{Path(document).name}"))


def test_every_document_the_code_cites_ships_with_it():
    cited = {
        f"{path.relative_to(ROOT)}: {document}"
        for folder in SOURCE_FOLDERS
        for path in sorted((ROOT / folder).rglob("*.py"))
        for prose in _prose(path)
        for document in DOCUMENT.findall(re.sub(r"https?://\S+", "", prose))
        if not _shipped(document)
    }
    assert cited == set()
