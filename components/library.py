"""The component library as a whole: every module imported, so every type's declared facts are known.

What a check knows must never depend on which components a program happened to import first, so the
readers of the type facts (the policy rules, the offline engine, the management zone's DNS zones, a
hub's required zone ids) go through ``declared()``, and the config's name check through ``name_rules()``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from cloudscale import components
from cloudscale.components.baseline.type_facts import TypeRegistry, registry
from cloudscale.components.core.dns_zones import ADDITIONAL_ZONES, render_zone
from cloudscale.components.core.naming import RULES, NameRule


@cache
def _import_library() -> None:
    for module in pkgutil.walk_packages(components.__path__, f"{components.__name__}."):
        importlib.import_module(module.name)


def declared() -> TypeRegistry:
    """The type registry with every module of the component library imported."""
    _import_library()
    return registry()


def name_rules() -> Mapping[str, NameRule]:
    """Every kind the naming function knows: the core kinds and those components declare with their types."""
    _import_library()
    return MappingProxyType(RULES)


def platform_zones(location: str) -> list[str]:
    """Every private DNS zone the platform hosts in ``location``, sorted: the zones every declared type's
    private-link groups need, and the ``ADDITIONAL_ZONES`` kept for services a zone may add later."""
    types = declared()
    zones = {
        zone
        for token in types.tokens()
        if (facts := types.get(token)) is not None
        for group in facts.private_link.values()
        for zone in group
    }
    return sorted({render_zone(zone, location) for zone in zones | set(ADDITIONAL_ZONES)})
