"""The session's shared, read-only stack runs behind the ``stack_runs`` fixture (see tests/conftest.py)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import fields, is_dataclass
from typing import Any, NoReturn

from cloudscale.stacks import build_platform, load_config
from cloudscale.stacks.offline.engine import OfflineRun, run_offline


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


def _stack_program() -> Any:
    return build_platform(load_config())


class StackRuns:
    """The session's shared, read-only runs of a stack program (see tests/conftest.py)."""

    def __init__(self) -> None:
        self._runs: dict[tuple[str, ...], OfflineRun] = {}

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
            run = run_offline(
                program,
                config=dict(config),
                preview=mode == "preview",
                stack=stack,
                stack_outputs=json.loads(key[4]),
                **engine_options,
            )
            self._runs[key] = self._frozen(run)
        return self._runs[key]

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
