"""The documentation site: the generated configuration reference is current and complete, and the site
builds with ``mkdocs build --strict`` offline."""

from __future__ import annotations

import re
import subprocess
import sys

from cloudscale.stacks.config.model import PlatformConfig
from cloudscale.stacks.config.reference import PAGE, project_descriptions, render, rows
from cloudscale.stacks.offline.stack_files import PROJECT_ROOT

PROJECT_FILE = PROJECT_ROOT / "Pulumi.yaml"
README = PROJECT_ROOT / "README.md"
PAGES = sorted((PROJECT_ROOT / "docs").glob("*.md"))


def _model_keys(model: type, prefix: str = "") -> set[str]:
    """Every key path of the model, with [] for list items and <name> for map keys."""
    from typing import get_args, get_origin

    keys = set()
    for name, field in model.model_fields.items():
        path = f"{prefix}{field.alias or name}"
        keys.add(path)
        stack = [field.annotation]
        while stack:
            annotation = stack.pop()
            if isinstance(annotation, type) and issubclass(annotation, PlatformConfig.__mro__[1]):
                keys |= _model_keys(annotation, f"{path}.")
            elif get_origin(annotation) is tuple:
                for item in get_args(annotation):
                    if isinstance(item, type) and issubclass(item, PlatformConfig.__mro__[1]):
                        keys |= _model_keys(item, f"{path}[].")
            elif get_args(annotation):
                args = get_args(annotation)
                if len(args) == 2 and isinstance(args[1], type) and issubclass(args[1], PlatformConfig.__mro__[1]):
                    keys |= _model_keys(args[1], f"{path}.<name>.")
                else:
                    stack.extend(a for a in args if a is not type(None))
    return keys


def test_the_configuration_reference_is_current():
    page = PROJECT_ROOT / PAGE
    assert page.read_text() == render(PROJECT_FILE), (
        "docs/configuration.md is stale: run .venv/bin/python -m cloudscale.stacks.config.reference --write"
    )


def test_the_reference_covers_every_key_of_the_model_with_a_type_and_a_description():
    documented = {row[0].strip("`"): row for row in rows(PROJECT_FILE)}
    assert set(documented) == _model_keys(PlatformConfig)
    assert len(documented) > 100
    for key, (_, typ, _default, _constraints, description) in documented.items():
        assert typ and description, key


def test_top_level_descriptions_live_in_pulumi_yaml_only():
    import ast
    import inspect
    import itertools

    descriptions = project_descriptions(PROJECT_FILE)
    for name, field in PlatformConfig.model_fields.items():
        assert descriptions.get(field.alias or name), f"Pulumi.yaml has no description for {field.alias or name}"
    # No field docstring in PlatformConfig: a second description would drift from Pulumi.yaml's.
    body = ast.parse(inspect.getsource(PlatformConfig)).body[0].body
    documented = [
        before.target.id
        for before, after in itertools.pairwise(body)
        if isinstance(before, ast.AnnAssign)
        and isinstance(after, ast.Expr)
        and isinstance(after.value, ast.Constant)
        and isinstance(after.value.value, str)
    ]
    assert documented == []


def test_the_site_builds_strictly_offline(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "site" / "configuration" / "index.html").is_file()
    assert (tmp_path / "site" / "preflight" / "index.html").is_file()


def _relative_links(page):
    """Every link target of a Markdown page that points into the repository, outside code."""
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    return [t for t in targets if not re.match(r"[a-z]+:", t) and not t.startswith("#")]


def test_the_readme_fits_on_a_few_screens():
    assert len(README.read_text().splitlines()) < 200


def test_every_relative_link_in_the_readme_and_the_docs_resolves():
    checked = 0
    for page in [README, *PAGES]:
        for target in _relative_links(page):
            checked += 1
            assert (page.parent / target.split("#", 1)[0]).exists(), f"{page.relative_to(PROJECT_ROOT)}: {target}"
    assert checked > 40  # the README's links into docs/ and the pages' links to each other


def test_the_pipelines_page_lists_every_placeholder_the_platform_resolves():
    # Validation's "unknown placeholder" error sends users to this list.
    from cloudscale.pipelines.placeholders import PLATFORM_KEYS, SCHEDULE_KEYS

    page = (PROJECT_ROOT / "docs" / "pipelines.md").read_text()
    section = page.split("\n## Placeholders\n", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([A-Za-z][\w.<>]*)`", section))
    assert set(PLATFORM_KEYS) | set(SCHEDULE_KEYS) | {"settings.<key>"} <= listed
