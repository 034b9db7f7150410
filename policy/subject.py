"""What a policy rule sees of one resource, wherever it runs.

``cloudscale plan`` builds subjects from the mock engine's records; the policy pack builds them from
what the Pulumi CLI's analyzer hands it. Either way a rule reads camelCase wire names (the keys the
provider receives), and a value the engine does not know yet (preview) is one of Pulumi's unknown
sentinels: rules leave such a value unjudged instead of calling it a violation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Pulumi's wire sentinels for values that are unknown until deploy, one per value kind (string,
# boolean, number, array, asset, archive, object); the engine sends them in place of the value.
UNKNOWN_VALUES = frozenset(
    {
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
        "030794c1-ac77-496b-92df-f27374a8bd58",
        "e48ece36-62e2-4504-bad9-02848725956a",
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
    }
)


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value in UNKNOWN_VALUES


@dataclass(frozen=True)
class Subject:
    """One resource of a stack: its type token, logical name and wire properties, plus what the engine
    knows about it (URN, ARM id once created, the ``protect`` option, and which resources each input
    was computed from)."""

    type: str
    name: str
    props: Mapping[str, Any]
    urn: str = ""
    # The ARM id; "" until Azure assigned it (preview), or where the engine does not say.
    resource_id: str = ""
    protect: bool = False
    # Input property -> URNs of the resources its value came from (a private endpoint's target).
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """How a rule points at the resource: its URN where known, else its logical name."""
        return self.urn or self.name

    def value(self, path: str) -> Any:
        """The value at a dotted camelCase path (``properties.publicNetworkAccess``), ``None`` if absent."""
        value: Any = self.props
        for part in path.split("."):
            if not isinstance(value, Mapping):
                return None
            value = value.get(part)
        return value

    def tag(self, key: str) -> str:
        tags = self.props.get("tags")
        return str(tags.get(key, "")) if isinstance(tags, Mapping) else ""

    def depends_on(self, prop: str, urn: str) -> bool:
        return bool(urn) and urn in self.property_dependencies.get(prop, ())
