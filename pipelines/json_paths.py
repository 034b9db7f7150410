"""Every scalar of a JSON document with its JSON path, as problems name them (``$.properties.x[0]``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")


def walk(value: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    """Every scalar in a JSON document with its JSON path, e.g. ``$.properties.activities[0].name``.

    In document order. An explicit stack, not recursion: definitions nest a dozen levels deep, and
    every scalar would otherwise pass through one generator per level.
    """
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, dict):
            stack.extend(
                (f"{where}.{key}" if _IDENTIFIER.fullmatch(key) else f"{where}['{key}']", child)
                for key, child in reversed(item.items())
            )
        elif isinstance(item, list):
            stack.extend((f"{where}[{index}]", item[index]) for index in range(len(item) - 1, -1, -1))
        else:
            yield where, item
