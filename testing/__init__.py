"""Test a Pulumi program built on cloudscale offline, with the engine cloudscale tests itself with.

``offline(mode)`` gives an engine whose mocks answer as Azure would (ids, endpoints, principal ids, key
URIs, ``getClientConfig``); ``engine.run(program)`` returns every registered resource and the
platform's policy and ordering findings over them. ``cloudscale.testing.pytest_plugin`` wraps it as
a fixture that runs each test in update and in preview mode.
"""

from cloudscale.stacks.offline.findings import Finding
from cloudscale.stacks.offline.mocks import CLIENT_OBJECT_ID, SUBSCRIPTION_ID, TENANT_ID, RecordedResource
from cloudscale.testing.harness import MODES, Mode, OfflineEngine, ProgramRun, offline, run_in_both_modes

__all__ = [
    "CLIENT_OBJECT_ID",
    "MODES",
    "SUBSCRIPTION_ID",
    "TENANT_ID",
    "Finding",
    "Mode",
    "OfflineEngine",
    "ProgramRun",
    "RecordedResource",
    "offline",
    "run_in_both_modes",
]
