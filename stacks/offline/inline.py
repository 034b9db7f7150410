"""Run the mock engine's calls in the event loop's own thread.

The Pulumi SDK sends every RegisterResource, Invoke and RegisterResourceOutputs through
``loop.run_in_executor(None, ...)``, because a real engine is a gRPC server the SDK must not block
on. The mock engine answers in microseconds from plain Python, so handing each call to a worker
thread buys nothing and costs a thread switch under the GIL, plus, in Pulumi's MockMonitor, an
event loop per worker thread to serialise the answer. ``InlineExecutor`` answers each call where it
is made; ``state_struct`` serialises a mock's answer without an event loop, which an inline call
must not pump (it runs inside one of the loop's own callbacks).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from google.protobuf import struct_pb2
from pulumi.output import Unknown
from pulumi.runtime import rpc

T = TypeVar("T")

# Values Pulumi's serialize_property passes through unchanged (isLegalProtobufValue); exact types
# only, so a str-valued enum or any other subclass takes Pulumi's own path.
_SCALARS = (str, bool, int, float, type(None))


class InlineExecutor(ThreadPoolExecutor):
    """Runs each submitted call at once in the calling thread and returns its finished Future.

    A ThreadPoolExecutor subclass because ``loop.set_default_executor`` accepts nothing else; it
    never starts a thread, so shutting it down (``loop.close``) has nothing to wait for.
    """

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # handed to the awaiting task, as a worker would
            future.set_exception(error)
        # KeyboardInterrupt and SystemExit are not caught: they stop the run where they happen.
        return future


def use_inline_executor(loop: asyncio.AbstractEventLoop) -> None:
    """Make ``run_in_executor(None, ...)`` on ``loop`` run the call in the loop's thread."""
    loop.set_default_executor(InlineExecutor(max_workers=1, thread_name_prefix="inline"))


@contextmanager
def inline_event_loop(
    pending: Callable[[asyncio.AbstractEventLoop], Iterable[asyncio.Task[Any]]] = asyncio.all_tasks,
) -> Iterator[asyncio.AbstractEventLoop]:
    """A fresh event loop that answers the engine's calls inline, as the thread's loop while it lasts.

    Afterwards the tasks ``pending`` names are cancelled and awaited, so work one program left queued
    never runs against the next one's mocks, and the loop is closed.
    """
    loop = asyncio.new_event_loop()
    use_inline_executor(loop)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        unfinished = [task for task in pending(loop) if not task.done()]
        for task in unfinished:
            task.cancel()
        if unfinished:
            loop.run_until_complete(asyncio.gather(*unfinished, return_exceptions=True))
        loop.close()
        asyncio.set_event_loop(None)


def state_struct(state: Mapping[str, Any]) -> struct_pb2.Struct:
    """The Struct ``rpc.serialize_properties(state, {})`` builds, built without an event loop.

    A top-level property that serialises to None is left out, as Pulumi leaves it out.
    """
    struct = struct_pb2.Struct()
    for key in state:
        value = _plain(state[key], key)
        if value is not None:
            struct[key] = value
    return struct


def _plain(value: Any, key: str) -> Any:
    """``serialize_property(value)`` for what mocks answer with: the inputs they were given (plain
    values, and ``Unknown`` in a preview) and plain dicts, lists and scalars of their own."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        return {k: _plain(v, k) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_plain(item, key) for item in value]
    if kind is Unknown:
        return rpc.UNKNOWN
    # Anything else (assets, resources, input types, Outputs) goes through Pulumi's serialiser.
    return _without_waiting(rpc.serialize_property(value, [], key))


def _without_waiting(coroutine: Coroutine[Any, Any, T]) -> T:
    """Drive a coroutine that never has to wait (serialising values already known) to its result."""
    try:
        coroutine.send(None)
    except StopIteration as finished:
        return finished.value
    coroutine.close()
    raise RuntimeError("a mock's answer holds a value that is not known yet; mocks answer with plain values")
