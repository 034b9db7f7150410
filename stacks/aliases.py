"""Which resource aliases the program sends to the engine.

azure-native v3 gives every resource an alias for each API-version module it was ever published in
(``azure-native:resources/v20210401:ResourceGroup``: 20 to 65 of them per resource). They let state
written by provider v1/v2, whose resources could live under those versioned type tokens, follow the
resource to its v3 type. A stack created by this package on azure-native v3 can never hold a resource
under an API-version type token (v3 removed the versioned modules, and every resource here is declared
with its unversioned token), so those aliases never match anything; processing them is most of the
program's CPU in ``pulumi preview`` and ``pulumi up``.

Every other alias stays: the SDK's module renames (``azure-native:documentdb:DatabaseAccount`` on a
Cosmos account), name and parent aliases, and the aliases our own components declare when they are
renamed or moved, which a future migration needs. ``cloudscale:keepProviderAliases: true`` keeps all.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pulumi
from pulumi.runtime.settings import get_root_resource

# An API-version module: azure-native:<module>/v<yyyymmdd>[preview|privatepreview|beta]:<Type>.
_API_VERSION_TYPE = re.compile(r"^azure-native:[A-Za-z0-9]+/v\d{8}[a-z]*:")


def _alias_type(alias: Any) -> str | None:
    """The type token an alias points at, or None when it cannot be read without awaiting it."""
    if isinstance(alias, pulumi.Alias):
        return alias.type_ if isinstance(alias.type_, str) else None
    if isinstance(alias, str):
        # urn:pulumi:<stack>::<project>::<parent types$>type::<name>
        parts = alias.split("::")
        return parts[2].rsplit("$", 1)[-1] if len(parts) >= 4 else None
    return None


def is_api_version_alias(alias: Any) -> bool:
    type_token = _alias_type(alias)
    return type_token is not None and _API_VERSION_TYPE.match(type_token) is not None


def drop_api_version_aliases(
    args: pulumi.ResourceTransformationArgs,
) -> pulumi.ResourceTransformationResult | None:
    """Stack transformation: the resource's options without its API-version aliases, all else kept.

    Transformations run in ``Resource.__init__`` before the SDK turns aliases into URN outputs, which
    is where their cost lies.
    """
    aliases = args.opts.aliases
    if not aliases:
        return None
    kept = [alias for alias in aliases if not is_api_version_alias(alias)]
    if len(kept) == len(aliases):
        return None
    opts = copy.copy(args.opts)
    opts.aliases = kept or None
    return pulumi.ResourceTransformationResult(args.props, opts)


def apply_alias_policy(*, keep_provider_aliases: bool = False) -> None:
    """Register the policy for every resource the stack declares after this call (once per stack)."""
    if keep_provider_aliases:
        return
    root = get_root_resource()
    if root is not None and drop_api_version_aliases in (root._transformations or []):
        return
    pulumi.runtime.register_stack_transformation(drop_api_version_aliases)
