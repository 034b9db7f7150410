"""What an expression can see at run time: the system variables, the run's variables and activity results."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final


class _NoItem:
    """``item()`` outside a ForEach: there is no current item (None is a valid item)."""

    def __repr__(self) -> str:
        return "NO_ITEM"


NO_ITEM: Final = _NoItem()


@dataclass
class ExpressionContext:
    """One activity's view of its run (Learn, "System variables supported by Azure Data Factory and Azure
    Synapse Analytics"): ``pipeline()``, ``trigger()``, ``variables()``, ``activity()``, ``item()``,
    ``dataset()``, ``linkedService()`` and ``utcnow()``.
    """

    pipeline: Mapping[str, Any]
    """``{"Pipeline": name, "RunId": ..., "TriggerTime": ..., "parameters": {...}, "globalParameters": {...}, ...}``"""
    trigger: Mapping[str, Any] | None
    """``{"outputs": {"windowStartTime": ..., "windowEndTime": ...}, "startTime": ..., "scheduledTime": ...}``"""
    variables: Mapping[str, Any]
    activities: Mapping[str, Mapping[str, Any]]
    """Activity name -> ``{"output": {...}, "status": "Succeeded", "error": {...}}`` for the activities that ran."""
    item: Any = NO_ITEM
    dataset: Mapping[str, Any] | None = None
    """The dataset's parameters, inside a dataset definition."""
    linked_service: Mapping[str, Any] | None = None
    """The linked service's parameters, inside a linked service definition."""
    now: datetime = field(kw_only=True)
    """What ``utcnow()`` returns: timezone-aware, the same for every call in one evaluation context."""
    rng: random.Random | None = field(default=None, kw_only=True)
    """Where ``rand()`` and ``guid()`` draw from; by default seeded with the run id, so a run replays alike."""

    def __post_init__(self) -> None:
        if self.rng is None:
            self.rng = random.Random(str(self.pipeline.get("RunId", "")))
