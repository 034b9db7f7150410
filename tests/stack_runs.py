"""The session's shared, read-only stack runs behind the ``stack_runs`` fixture (see tests/conftest.py)."""

from __future__ import annotations

import contextlib
import copy
import fcntl
import hashlib
import json
import os
import pickle
from collections.abc import Callable, Iterator, Mapping
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from cloudscale.cli.plan import _program as _stack_program
from cloudscale.policy import declared
from cloudscale.stacks.config import parse_config
from cloudscale.stacks.offline.engine import OfflineRun, run_offline
from cloudscale.stacks.offline.stack_files import PROJECT_ROOT, load_stack_config


def _read_only(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise TypeError("a shared stack run is read-only; copy.deepcopy it to change a copy")


class FrozenDict(dict):
    """A dict that refuses changes; copies of it are plain dicts."""

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _read_only

    def __copy__(self) -> dict[Any, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[Any, Any]:
        return {copy.deepcopy(k, memo): copy.deepcopy(v, memo) for k, v in self.items()}

    def __reduce__(self) -> tuple[type, tuple[dict[Any, Any]]]:
        return dict, (dict(self),)

    def __hash__(self) -> int:  # type: ignore[override]
        raise TypeError("unhashable type: 'dict'")


class FrozenList(list):
    """A list that refuses changes; copies of it are plain lists."""

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only
    append = extend = insert = pop = remove = clear = sort = reverse = _read_only

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return [copy.deepcopy(v, memo) for v in self]

    def __reduce__(self) -> tuple[type, tuple[list[Any]]]:
        return list, (list(self),)

    def __hash__(self) -> int:  # type: ignore[override]
        raise TypeError("unhashable type: 'list'")


def freeze(value: Any) -> Any:
    """``value`` with every dict and list in it (dataclass fields included) made read-only, in place where it can."""
    if isinstance(value, dict):
        return FrozenDict({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return FrozenList(freeze(v) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            object.__setattr__(value, f.name, freeze(getattr(value, f.name)))
    return value


T = TypeVar("T")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class SessionShelf:
    """Values computed once per test session and handed to every pytest-xdist worker.

    Each worker is its own process with its own caches, so a run two workers both need would be made
    twice. With a ``folder`` shared by the workers (the session's temporary root), the first worker
    to need a value computes it under a lock and pickles it there; the others wait for it and read
    it. A value that cannot be pickled stays in the worker that made it. Without a folder (``-n 0``)
    this is a plain in-process cache.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    def get(self, key: str, compute: Callable[[], T]) -> T:
        if self.folder is None:
            return compute()
        name = hashlib.sha256(key.encode()).hexdigest()
        stored = self.folder / f"{name}.pickle"
        with _locked(self.folder / f"{name}.lock"):
            if stored.exists():
                with stored.open("rb") as file:
                    return pickle.load(file)
            value = compute()
            try:
                data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # a value that cannot be pickled is simply not shared
                return value
            partial = stored.with_suffix(f".{os.getpid()}.partial")
            partial.write_bytes(data)
            partial.replace(stored)
            return value


def _registry_facts(tokens: set[str]) -> dict[str, list[Any]]:
    registry = declared()
    return {
        token: [facts.diagnosable, facts.stateful, sorted(facts.private_link_groups)]
        for token in sorted(tokens)
        if (facts := registry.get(token)) is not None and facts.reviewed
    }


class StackRuns:
    """The session's shared, read-only runs of a stack program (see tests/conftest.py)."""

    def __init__(self, shelf: SessionShelf | None = None) -> None:
        self._runs: dict[tuple[str, ...], OfflineRun] = {}
        self._taught: dict[int, dict[str, list[Any]]] = {}
        self._shelf = shelf or SessionShelf(None)

    def taught(self, run: OfflineRun) -> dict[str, list[Any]]:
        """What the type registry knew right after ``run`` was made, in the process that made it, for
        each reviewed type of the run: ``[diagnosable, stateful, sorted private link groups]``.

        Running a program teaches the registry (``_secure()`` notes each type's facts); a run read from
        another worker taught this process nothing, so the facts travel with the run.
        """
        return self._taught[id(run)]

    def run(
        self,
        config: Mapping[str, Any],
        mode: str = "update",
        *,
        stack: str = "dev",
        stack_outputs: Mapping[str, Any] | None = None,
        program: Callable[[], Any] = _stack_program,
        **engine_options: Any,
    ) -> OfflineRun:
        """The run of ``program`` (the stack program unless given) with these inputs, made once."""
        if mode not in ("update", "preview"):
            raise ValueError(f"mode is 'update' or 'preview', not {mode!r}")
        key = (
            f"{program.__module__}.{program.__qualname__}",
            json.dumps(dict(config), sort_keys=True),
            mode,
            stack,
            json.dumps(dict(stack_outputs or {}), sort_keys=True),
            json.dumps(engine_options, sort_keys=True),
        )
        if key not in self._runs:

            def make() -> tuple[OfflineRun, dict[str, list[Any]]]:
                run = run_offline(
                    program,
                    config=dict(config),
                    preview=mode == "preview",
                    stack=stack,
                    stack_outputs=json.loads(key[4]),
                    **engine_options,
                )
                return run, _registry_facts({r.typ for r in run.resources})

            run, taught = self._shelf.get(json.dumps(key), make)
            self._runs[key] = self._frozen(run)
            self._taught[id(run)] = taught
        return self._runs[key]

    def planned(self, stack: str, mode: str = "update") -> OfflineRun:
        """The run ``cloudscale plan --stack <stack>`` makes of a bundled stack: a landing stack reads
        the outputs of its management stack, itself planned (and shared) first."""
        from cloudscale.cli import plan

        values = load_stack_config(stack)
        real = plan.run_offline
        plan.run_offline = self.serving(_stack_program, real)
        try:
            outputs = plan.management_stack_outputs(parse_config(values), PROJECT_ROOT)
        finally:
            plan.run_offline = real
        return self.run(values, mode, stack=stack, stack_outputs=outputs)

    def serving(self, program: Callable[[], Any], real: Callable[..., OfflineRun]) -> Callable[..., OfflineRun]:
        """A stand-in for ``run_offline`` that serves runs of ``program`` from this cache and passes
        anything else (another program, positional options) to ``real``."""

        def run_offline_shared(
            given: Callable[[], Any],
            *args: Any,
            config: Mapping[str, Any],
            preview: bool = False,
            stack: str = "dev",
            stack_outputs: Mapping[str, Any] | None = None,
            **engine_options: Any,
        ) -> OfflineRun:
            if given is not program or args:
                return real(
                    given,
                    *args,
                    config=config,
                    preview=preview,
                    stack=stack,
                    stack_outputs=stack_outputs,
                    **engine_options,
                )
            mode = "preview" if preview else "update"
            return self.run(config, mode, stack=stack, stack_outputs=stack_outputs, program=program, **engine_options)

        return run_offline_shared

    @staticmethod
    def _frozen(run: OfflineRun) -> OfflineRun:
        run.mocks.resources = freeze(run.mocks.resources)
        run.mocks.stack_outputs = freeze(run.mocks.stack_outputs)
        run.mocks.ids = freeze(run.mocks.ids)
        run.mocks.calls = freeze(run.mocks.calls)
        run.monitor.options = freeze(run.monitor.options)
        run.monitor.component_outputs = freeze(run.monitor.component_outputs)
        run.exports = freeze(run.exports)
        run.export_keys = freeze(run.export_keys)
        run.value = freeze(run.value)
        return run
