"""The retry of writes that Azure refused because another write held the VNet."""

from __future__ import annotations

import asyncio

import pulumi
import pytest

from cloudscale.components.core import busy_retry
from cloudscale.components.core.busy_retry import MAX_RETRIES, busy_retry_delay, busy_vnet_retry

BUSY = (
    'Status=409 Code="AnotherOperationInProgress" Message="Another operation on this or dependent resource is in '
    'progress."'
)
NOT_PROVISIONED = (
    'Status=400 Code="ReferencedResourceNotProvisioned" Message="Cannot proceed with operation because resource '
    '.../virtualNetworks/vnet-b ... is in Updating state and the last operation ... is PutSubnetOperation."'
)
RETRYABLE_429 = (
    'Status=429 Code="RetryableError" Message="A retryable error occurred." '
    'Details=[{"code":"AnotherOperationInProgress"}]'
)
OTHER = 'Status=400 Code="VnetAddressSpaceOverlapsWithAlreadyPeeredVnet" Message="..."'


def test_the_delay_doubles_from_fifteen_seconds_up_to_two_minutes():
    delays = [busy_retry_delay([BUSY] * attempts) for attempts in range(1, MAX_RETRIES + 1)]
    assert delays == [15, 30, 60, 120, 120, 120]


@pytest.mark.parametrize("error", [BUSY, NOT_PROVISIONED, RETRYABLE_429])
def test_busy_vnet_errors_are_retried(error):
    assert busy_retry_delay([error]) == 15


def test_retries_are_bounded():
    assert busy_retry_delay([BUSY] * (MAX_RETRIES + 1)) is None


@pytest.mark.parametrize("errors", [[], [OTHER], [OTHER, BUSY]])
def test_other_errors_are_not_retried(errors):
    # Only the newest error counts: a busy VNet earlier does not excuse a real failure now.
    assert busy_retry_delay(errors) is None


def test_the_hook_waits_then_asks_for_a_retry(offline, monkeypatch):
    waited: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waited.append(seconds)

    run = offline.run(lambda: busy_vnet_retry("peering-retry"))
    (hook,) = run.value.on_error
    monkeypatch.setattr(busy_retry.asyncio, "sleep", fake_sleep)

    def decide(errors: list[str]) -> bool:
        args = pulumi.ErrorHookArgs("urn", "", "peering", "azure-native:network:VirtualNetworkPeering", errors=errors)
        return asyncio.get_event_loop().run_until_complete(hook.callback(args))

    assert decide([BUSY, BUSY]) is True
    assert waited == [30]
    assert decide([OTHER]) is False
    assert waited == [30]
