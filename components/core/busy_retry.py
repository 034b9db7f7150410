"""Retry a write that Azure refused only because another write held its VNet.

Azure accepts one write at a time on a virtual network. Within one program every write on a VNet is
ordered by dependencies, but writes from different programs cannot be: several landing stacks peer
with the same hub VNet, and their hub-side peerings may arrive together. Microsoft.Network answers the
later one with ``AnotherOperationInProgress`` (409 Conflict, or 429 ``RetryableError`` carrying that
code in its details; pulumi/pulumi-azure-native#699), and a peering whose remote VNet is still being
written with 400 ``ReferencedResourceNotProvisioned`` ("... is in Updating state and the last
operation ... is PutSubnetOperation"; hashicorp/terraform-provider-azurerm#2605,
Azure-Samples/azuresandbox#267). Both clear when the other write finishes. The azure-native provider
does not retry them for peerings (pulumi/pulumi-azure-native#903, #4340), so the engine's
``on_error`` resource hook does: only these codes, at most ``MAX_RETRIES`` times, after an
exponential backoff. Error hooks need Pulumi CLI 3.219 or later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pulumi

BUSY_ERROR_CODES = ("AnotherOperationInProgress", "ReferencedResourceNotProvisioned")
FIRST_DELAY_SECONDS = 15.0
MAX_DELAY_SECONDS = 120.0
# 15 + 30 + 60 + 120 + 120 + 120 s: about eight minutes, several subnet or peering writes of other stacks.
MAX_RETRIES = 6


def busy_retry_delay(errors: Sequence[str]) -> float | None:
    """Seconds to wait before the next attempt, given the errors so far (newest first); None to give up.

    Only a VNet-busy error is retried; any other error, or the ``MAX_RETRIES``-th busy one, fails the
    operation as it would without the hook.
    """
    if not errors or not any(code in errors[0] for code in BUSY_ERROR_CODES):
        return None
    retries_so_far = len(errors) - 1
    if retries_so_far >= MAX_RETRIES:
        return None
    return min(FIRST_DELAY_SECONDS * 2**retries_so_far, MAX_DELAY_SECONDS)


def busy_vnet_retry(name: str) -> pulumi.ResourceHookBinding:
    """Hooks for a write on a VNet that other programs may write too; ``name`` is unique in the program."""

    async def retry_when_busy(args: pulumi.ErrorHookArgs) -> bool:
        delay = busy_retry_delay(args.errors)
        if delay is None:
            return False
        pulumi.log.info(f"{args.name}: the VNet is busy with another write; retrying in {delay:.0f} s")
        await asyncio.sleep(delay)
        return True

    return pulumi.ResourceHookBinding(on_error=[pulumi.ErrorHook(name, retry_when_busy)])
