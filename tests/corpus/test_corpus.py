"""The bad-input corpus: every case in ``cases/`` is refused with exit status 2, names what to fix, and
never gets as far as a resource.

One YAML file per case. Every case has ``reason`` (one line: why the input is wrong), ``expect`` (text
the error must contain: the key, or file and JSON path) and a ``kind`` saying how it is run:

- ``config``: ``set`` (path -> value) and ``unset`` (paths) applied to the config of ``base``
  (a bundled stack, ``dev`` by default). Paths read ``cloudscale:landingZones[0].lake.redundancy``
  (a dotted key in brackets and quotes: ``privateDnsZoneIds["privatelink.azurecr.io"]``); setting
  the index one past the end of a list appends. ``files`` adds other stack files beside it.
  ``only: cli`` marks what only ``cloudscale plan`` can know (another stack's file).
- ``stack-file``: ``text``, the raw ``Pulumi.<case>.yaml`` (``encoding`` to write it in another
  encoding), or ``directory: true`` for a stack file that cannot be read.
- ``project-file``: ``text``, the raw ``Pulumi.yaml`` (or ``missing: true``), with dev's stack file.
- ``pipelines``: the valid definition set in ``definitions/`` with ``edit`` (file -> ``set`` JSON
  path -> value, ``unset`` paths; a file of a bundled set edits a copy of that set, which replaces
  it), ``replace`` (file -> text -> replacement, for text files such as a semantic model's TMDL, in a
  copy of a bundled set likewise) and ``files`` (file -> raw text), checked with
  ``cloudscale pipelines validate DIR``; ``expect`` holds the file and the JSON path.

Config and file cases run ``cloudscale plan --stack <case> --project-dir <tmp>``. Each case's stack
name is its file name, so a message naming ``Pulumi.<case>.yaml`` is that case's file; ``{file}``
in ``expect`` stands for it.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from cloudscale.cli import plan as plan_command
from cloudscale.cli.main import main
from cloudscale.pipelines.definitions import bundled_root
from cloudscale.stacks import build_platform, load_config
from cloudscale.stacks.config import ConfigError, parse_config
from cloudscale.stacks.offline.stack_files import PROJECT_ROOT, StackFileError, load_stack_config

CASES = Path(__file__).parent / "cases"
# A valid team definition set (a pipeline, its dataset and its trigger) that pipeline cases break.
DEFINITIONS = Path(__file__).parent / "definitions"
MINIMUM_CASES = 60


@dataclass(frozen=True)
class Case:
    name: str
    kind: str
    reason: str
    expect: list[str]
    spec: dict[str, Any]

    @property
    def stack_file(self) -> str:
        return f"Pulumi.{self.name}.yaml"

    def expected(self) -> list[str]:
        return [fragment.replace("{file}", self.stack_file) for fragment in self.expect]


def _load(path: Path) -> Case:
    spec = yaml.safe_load(path.read_text())
    expect = spec.pop("expect")
    return Case(
        name=path.stem,
        kind=spec.pop("kind"),
        reason=spec.pop("reason"),
        expect=[expect] if isinstance(expect, str) else list(expect),
        spec=spec,
    )


ALL_CASES = [_load(path) for path in sorted(CASES.glob("*.yaml"))]


# --- building the input of each kind -------------------------------------------------------------

# a.b[0]["dotted.key"]: dotted keys (DNS zone names) are quoted in brackets.
_PATH_PART = re.compile(r'\[(\d+)\]|\["([^"]+)"\]|\.?([^.\[\]"]+)')


def _parts(path: str) -> list[str | int]:
    return [int(index) if index else quoted or key for index, quoted, key in _PATH_PART.findall(path)]


def _set(config: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = _parts(path)
    target: Any = config
    for part in parents:
        target = target[part]
    if isinstance(target, list) and last == len(target):
        target.append(value)
    else:
        target[last] = value


def _unset(config: dict[str, Any], path: str) -> None:
    *parents, last = _parts(path)
    target: Any = config
    for part in parents:
        target = target[part]
    del target[last]


def _project_dir(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    return project


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@functools.cache
def _base_config(stack: str) -> dict[str, Any]:
    return yaml.load((PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text(), Loader=_LOADER)["config"]


def _config_input(case: Case, tmp_path: Path) -> Path:
    project = _project_dir(tmp_path)
    config = copy.deepcopy(_base_config(case.spec.get("base", "dev")))
    for path in case.spec.get("unset", []):
        _unset(config, path)
    for path, value in (case.spec.get("set") or {}).items():
        _set(config, path, value)
    (project / case.stack_file).write_text(yaml.dump({"config": config}, Dumper=_DUMPER, sort_keys=False))
    for name, text in (case.spec.get("files") or {}).items():
        (project / name).write_text(text)
    return project


def _stack_file_input(case: Case, tmp_path: Path) -> Path:
    project = _project_dir(tmp_path)
    if case.spec.get("directory"):
        (project / case.stack_file).mkdir()
    else:
        (project / case.stack_file).write_bytes(case.spec["text"].encode(case.spec.get("encoding", "utf-8")))
    return project


def _project_file_input(case: Case, tmp_path: Path) -> Path:
    project = _project_dir(tmp_path)
    if case.spec.get("missing"):
        (project / "Pulumi.yaml").unlink()
    else:
        (project / "Pulumi.yaml").write_text(case.spec["text"])
    shutil.copy(PROJECT_ROOT / "Pulumi.dev.yaml", project / case.stack_file)
    return project


def _copy_bundled_set(root: Path, name: str) -> None:
    set_folder = name.split("/", 1)[0]
    if not (root / set_folder).exists() and (bundled_root() / set_folder).is_dir():
        # An edit of a bundled set: the team's copy of it replaces the bundled one in validation.
        shutil.copytree(bundled_root() / set_folder, root / set_folder)


def _pipelines_input(case: Case, tmp_path: Path) -> Path:
    root = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS, root)
    for name, replacements in (case.spec.get("replace") or {}).items():
        _copy_bundled_set(root, name)
        text = (root / name).read_text(encoding="utf-8")
        for old, new in replacements.items():
            assert old in text, f"{case.name}: {old!r} is not in {name}"
            text = text.replace(old, new)
        (root / name).write_text(text, encoding="utf-8")
    for name, edits in (case.spec.get("edit") or {}).items():
        _copy_bundled_set(root, name)
        document = json.loads((root / name).read_text())
        for path in edits.get("unset", []):
            _unset(document, path)
        for path, value in (edits.get("set") or {}).items():
            _set(document, path, value)
        (root / name).write_text(json.dumps(document, indent=2))
    for name, text in (case.spec.get("files") or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@dataclass(frozen=True)
class Kind:
    build: Callable[[Case, Path], Path]
    argv: Callable[[Case, Path], list[str]]
    # Whether the stack files and config model also load the case directly (as the Pulumi program
    # does); False for kinds whose command is their only entry.
    direct: bool


def _plan_argv(case: Case, project: Path) -> list[str]:
    return ["plan", "--stack", case.name, "--project-dir", str(project), "--report", ""]


def _pipelines_argv(case: Case, root: Path) -> list[str]:
    return ["pipelines", "validate", str(root)]


KINDS: dict[str, Kind] = {
    "config": Kind(_config_input, _plan_argv, direct=True),
    "stack-file": Kind(_stack_file_input, _plan_argv, direct=True),
    "project-file": Kind(_project_file_input, _plan_argv, direct=True),
    "pipelines": Kind(_pipelines_input, _pipelines_argv, direct=False),
}


def _command_exists(kind: str) -> bool:
    return kind != "pipelines" or importlib.util.find_spec("cloudscale.cli.pipelines") is not None


# --- the corpus itself ---------------------------------------------------------------------------


def test_the_corpus_is_large_and_every_case_is_well_formed():
    assert len(ALL_CASES) >= MINIMUM_CASES
    for case in ALL_CASES:
        assert case.kind in KINDS, f"{case.name}: unknown kind {case.kind!r}"
        assert case.reason and "\n" not in case.reason.strip(), f"{case.name}: reason is one line"
        assert case.expect and all(case.expect), f"{case.name}: expect names the key or path"
    assert len({case.name for case in ALL_CASES}) == len(ALL_CASES)


def test_the_corpus_covers_every_kind_whose_command_exists():
    kinds = {case.kind for case in ALL_CASES}
    assert {kind for kind in KINDS if _command_exists(kind)} <= kinds


def test_the_unchanged_base_stacks_are_valid(tmp_path):
    """An edit that changes nothing leaves a stack that plans, so each case fails for its own edit."""
    for base in sorted({case.spec.get("base", "dev") for case in ALL_CASES if case.kind == "config"}):
        blank = Case(f"unchanged-{base}", "config", "", [], {"base": base})
        project = _config_input(blank, tmp_path / base)
        parse_config(load_stack_config(blank.name, project))


def test_the_unbroken_definitions_validate(tmp_path, capsys):
    """The pipeline cases' base set passes, so each pipeline case fails for its own edit."""
    unbroken = Case("unbroken", "pipelines", "", [], {})
    assert main(_pipelines_argv(unbroken, _pipelines_input(unbroken, tmp_path))) == 0
    assert "orders (dataFactory, yours): pl_orders" in capsys.readouterr().out


@pytest.fixture
def engine_never_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``cloudscale plan`` runs the program through ``run_offline``; a rejected input never gets there."""
    calls: list[str] = []

    def refuse(program: Any, **kwargs: Any) -> Any:
        calls.append(str(kwargs.get("stack")))
        raise AssertionError("the engine ran for an input that should have been refused")

    monkeypatch.setattr(plan_command, "run_offline", refuse)
    return calls


@pytest.mark.parametrize("case", ALL_CASES, ids=[case.name for case in ALL_CASES])
def test_the_case_is_refused_with_status_2_naming_what_to_fix(
    case, tmp_path, capsys, engine_never_runs, offline_update
):
    if not _command_exists(case.kind):
        pytest.fail(f"{case.name}: the command for {case.kind} cases does not exist")
    kind = KINDS[case.kind]
    target = kind.build(case, tmp_path)

    # The command, in-process: an exception escaping main() is exactly the traceback a person would see.
    status = main(kind.argv(case, target))
    captured = capsys.readouterr()
    assert status == 2, f"{case.name} ({case.reason}): exit {status}\n{captured.err}"
    for fragment in case.expected():
        assert fragment in captured.err, f"{case.name}: {fragment!r} not in\n{captured.err}"
    assert "Traceback" not in captured.out + captured.err
    if case.kind != "pipelines":
        assert captured.out == ""
    assert engine_never_runs == []
    if not kind.direct or case.spec.get("only") == "cli":
        return

    # The library, as the Pulumi program calls it: the same files fail to load or validate.
    with pytest.raises((StackFileError, ConfigError)) as raised:
        parse_config(load_stack_config(case.name, target))
    for fragment in case.expected():
        assert fragment in str(raised.value), f"{case.name}: {fragment!r} not in {raised.value}"
    if case.kind != "config":
        return

    # The program itself (as ``pulumi up`` runs it) stops at config, before its first resource.
    values = load_stack_config(case.name, target)
    with pytest.raises(ConfigError):
        offline_update.run(lambda: build_platform(load_config()), config=values)
    assert offline_update.mocks is not None
    assert offline_update.mocks.resources == []


def test_a_yaml_syntax_error_is_one_line_from_the_installed_command(tmp_path):
    """The console entry, in its own process: no traceback, one line, status 2."""
    [case] = [c for c in ALL_CASES if c.name == "yaml-tab-indentation"]
    project = KINDS[case.kind].build(case, tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "cloudscale.cli.main", *_plan_argv(case, project)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.count("\n") == 1
    assert f"{case.stack_file}, line 3, column 1:" in result.stderr
