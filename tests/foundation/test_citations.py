"""Code cites only what ships with it (files of the repository) or public sources: web addresses,
and pages of Microsoft's public documentation repositories named as such."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE_FOLDERS = ("components", "stacks", "pipelines", "cli", "policy")
# A document named by file, outside a web address: "see docs/x.md", "(azure-facts.md)".
DOCUMENT = re.compile(r"(?<![\w/.:-])([\w./-]+\.md)\b")
# Where a cited page is public: Microsoft Learn's source repositories, or an address.
PUBLIC_HOMES = ("MicrosoftDocs", "azure-ai-docs", "learn.microsoft.com", "github.com")


def _prose(path: Path) -> list[str]:
    """Comment blocks (consecutive comment lines) and docstrings, where citations live."""
    text = path.read_text()
    comments: list[str] = []
    last_line = -2
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            if token.start[0] == last_line + 1 and comments:
                comments[-1] += " " + token.string
            else:
                comments.append(token.string)
            last_line = token.start[0]
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
        if not _shipped(document) and not any(home in prose for home in PUBLIC_HOMES)
    }
    assert cited == set()
