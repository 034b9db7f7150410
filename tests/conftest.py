"""Mock harness shared by every test.

Shared stack runs (``stack_runs``, tests/stack_runs.py): running a whole stack costs seconds of
CPU, and many tests only read the same run (the dev stack in update mode was run 18 times).
``stack_runs.run(config, mode)`` runs the stack program (``build_platform(load_config())``) once per
session for each distinct (config, mode, stack, stack outputs) and hands every later caller the same
recorded run::

    def test_dev_zone_has_a_firewall(stack_runs, mode, dev_config):
        run = stack_runs.run(dev_config, mode)  # mode: the update/preview parameter, or "update"

A shared run is frozen: its resources' inputs, the monitor's options, the component outputs and the
exports are read-only mappings and lists (equal to plain dicts and lists, ``copy.deepcopy`` gives a
plain, writable copy), so a test that mutates one fails at once instead of changing what later tests
read. ``plan_reads_stack_runs`` makes ``cloudscale plan`` (and ``lake init --dry-run``) in a test
read its stack runs from the same cache; use it only in tests that patch nothing the program reads.
Use ``offline``/``offline_update`` instead when the test runs its own program, needs the mocks
of a run that raised, or checks the engine itself. Under pytest-xdist each worker has its own cache.

Parallel workers: ``-n auto`` (pyproject addopts) runs one pytest-xdist worker per core. Tests go
to workers one by one, except that every test under tests/dataproducts goes to the same worker, so
only one Spark JVM starts (``pytest_xdist_make_scheduler`` below; xdist's own ``xdist_group`` marker
does not reach its scheduler under pytest 9). ``-n 0`` runs in one process.

- A fresh event loop per test, drained and closed at teardown, so work queued by one test can
  never run against the next test's mocks. Its default executor runs the engine's calls inline, in
  the loop's thread, as ``run_offline`` does.
- ``pulumi.runtime.reset_options()`` at import and teardown: a test that forgets the ``offline``
  fixture fails loudly instead of passing with unresolved outputs.
- Config validation starts afresh in each test (the loader keeps validated configs per process).
- ``offline`` installs mocks with a strict monitor (duplicate URNs rejected, options recorded) and
  runs a program to completion; program-level tests take ``mode`` and run in update and preview.
"""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pytest

from cloudscale.stacks.config.loader import forget_parsed_configs
from cloudscale.stacks.offline.engine import OfflineRun, install_mocks, run_program
from cloudscale.stacks.offline.inline import inline_event_loop
from cloudscale.stacks.offline.mocks import AzureMocks
from cloudscale.stacks.offline.stack_files import load_stack_config

from .stack_runs import SessionShelf, StackRuns

pulumi.runtime.reset_options()

# A stack run allocates millions of short-lived objects (futures, outputs, protobuf messages); at
# Python's default thresholds the cyclic collector runs every 700 allocations and walks the young
# objects again and again, about a third of a run's CPU. The program raises its young threshold
# when it starts (stacks/program.py); the harness sets the policy for the whole worker, so a test
# that runs a piece of the program, and the tests' own code between runs, are collected alike.
gc.set_threshold(50_000, 20, 10)

SPARK_TESTS = "tests/dataproducts/"

# The longest single tests (each a whole-stack variant the others do not share, or a fresh
# interpreter or pip build), started right after the Spark unit: a long test that starts last
# leaves the other worker idle at the end of the run.
LONGEST_FIRST = (
    "tests/stacks/test_alias_policy.py::test_the_policy_changes_no_urn_and_no_input",
    "tests/corpus/test_corpus.py::test_a_yaml_syntax_error_is_one_line_from_the_installed_command",
    "tests/policy/test_pack.py::test_importing_the_rules_neither_starts_the_pack_nor_loads_the_policy_sdk",
    "tests/foundation/test_import_cost.py::test_planning_the_dev_stack_loads_no_data_plane_sdk",
    "tests/foundation/test_packaging.py::test_the_installed_wheel_imports_beside_a_consumers_own_components",
    "tests/foundation/test_consumer_example.py::test_the_examples_own_tests_pass_on_the_installed_wheel",
    "tests/foundation/test_install_path.py::test_pip_resolves_requirements_txt_to_the_project",
)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With the default ``--dist load``: each test is its own unit, the Spark tests are one unit."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class OneSparkWorker(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return SPARK_TESTS if nodeid.startswith(SPARK_TESTS) else nodeid

    return OneSparkWorker(config, log)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The Spark tests first (tests/dataproducts/conftest.py), then the longest single tests, then
    the rest in their order: every worker collects the same order, and xdist hands out units in it."""

    def rank(item: pytest.Item) -> int:
        if item.nodeid.startswith(SPARK_TESTS):
            return 0
        return 1 if item.nodeid.startswith(LONGEST_FIRST) else 2

    items.sort(key=rank)  # stable: the order within each rank is kept


# The program freezes the collector's generations at each run (stacks/program.py: right for
# a process that runs one program). In a test worker that runs hundreds, each freeze also pins the
# garbage of the runs before it (their futures and tasks among it) for good. After this many tasks
# made on the tests' loops (a dev stack run makes about 6,500 and leaves some 150,000 objects
# behind), the harness lets the pinned objects go, collects, and freezes what is left. The count
# of tasks is the trigger because it is free; ``gc.get_freeze_count()`` walks every frozen object.
TASKS_BETWEEN_RELEASES = 200_000
_tasks_since_release = [0]


def _release_pinned_garbage(tasks_made: int) -> None:
    _tasks_since_release[0] += tasks_made
    if _tasks_since_release[0] > TASKS_BETWEEN_RELEASES:
        _tasks_since_release[0] = 0
        gc.unfreeze()
        gc.collect()
        gc.freeze()


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Everything imported by collection (pulumi, the azure-native SDK, pyspark) lives as long as the
    worker: move it out of the collector's generations so no full collection walks it again."""
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def _fresh_event_loop() -> Iterator[asyncio.AbstractEventLoop]:
    # The loop records the tasks made on it: ``asyncio.all_tasks(loop)`` walks every task still
    # alive in the process, which in a worker that ran many programs is tens of thousands.
    made_here: weakref.WeakSet[asyncio.Task[Any]] = weakref.WeakSet()
    made = [0]

    def recorded_task(loop: asyncio.AbstractEventLoop, coro: Any, **options: Any) -> asyncio.Task[Any]:
        task = asyncio.Task(coro, loop=loop, **options)
        made_here.add(task)
        made[0] += 1
        return task

    def pending(loop: asyncio.AbstractEventLoop) -> Iterable[asyncio.Task[Any]]:
        # Something that installed its own factory leaves asyncio to say.
        return set(made_here) if loop.get_task_factory() is recorded_task else asyncio.all_tasks(loop)

    # The engine's calls run in the loop's thread, as they do under run_offline (stacks/offline/inline.py).
    with inline_event_loop(pending) as loop:
        loop.set_task_factory(recorded_task)
        yield loop
    _release_pinned_garbage(made[0])


@pytest.fixture(autouse=True)
def _fresh_config_validation() -> Iterator[None]:
    """A test that patches what the config checks read (naming rules, facts) gets its config checked."""
    forget_parsed_configs()
    yield
    forget_parsed_configs()


@dataclass
class Offline:
    """Runs one program per test under freshly installed mocks."""

    preview: bool = False
    stack_outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    runs: list[OfflineRun] = field(default_factory=list)
    # The mocks of the latest run, kept even when the program raised, to prove nothing was registered.
    mocks: AzureMocks | None = None

    def run(self, program: Callable[[], Any], config: Mapping[str, Any] | None = None) -> OfflineRun:
        mock, monitor = install_mocks(preview=self.preview, stack_outputs=self.stack_outputs)
        self.mocks = mock
        result = run_program(program, mock, monitor, config)
        self.runs.append(result)
        return result


@pytest.fixture(params=["update", "preview"])
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def offline(mode: str) -> Iterator[Offline]:
    harness = Offline(preview=mode == "preview")
    yield harness
    pulumi.runtime.reset_options()


@pytest.fixture
def offline_update() -> Iterator[Offline]:
    """For tests that read computed outputs, which only exist in update mode."""
    harness = Offline(preview=False)
    yield harness
    pulumi.runtime.reset_options()


@pytest.fixture(scope="session")
def dev_config() -> dict[str, str]:
    return load_stack_config("dev")


@pytest.fixture(scope="session")
def session_shelf(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> SessionShelf:
    """Values made once per session and shared by every pytest-xdist worker (tests/stack_runs.py)."""
    if worker_id == "master":
        return SessionShelf(None)
    # Every worker's base temp lives in one folder of this session (pytest-xdist's documented pattern).
    return SessionShelf(tmp_path_factory.getbasetemp().parent / "session-shelf")


@pytest.fixture(scope="session")
def stack_runs(session_shelf: SessionShelf) -> StackRuns:
    return StackRuns(session_shelf)


@pytest.fixture
def plan_reads_stack_runs(stack_runs: StackRuns, monkeypatch: pytest.MonkeyPatch) -> StackRuns:
    """``cloudscale plan`` and ``cloudscale lake`` read their program runs from ``stack_runs``."""
    from cloudscale.cli import plan
    from cloudscale.stacks.offline import engine

    shared = stack_runs.serving(plan._program, engine.run_offline)
    monkeypatch.setattr(plan, "run_offline", shared)
    monkeypatch.setattr(engine, "run_offline", shared)
    return stack_runs
