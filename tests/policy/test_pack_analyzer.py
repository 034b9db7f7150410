"""The pack as the Pulumi CLI drives it: its gRPC analyzer servicer, fed the dev stack's recorded
resources as wire protos (properties, options, property dependencies), without serving a port.

``PolicyPack`` would start a server that never returns, so the test builds the SDK's servicer from the
same ``policies()`` list that ``policy/__main__.py`` hands ``PolicyPack``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
from google.protobuf import struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import analyzer_pb2 as proto
from pulumi_policy import EnforcementLevel
from pulumi_policy.policy import _PolicyAnalyzerServicer

from cloudscale.cli.plan import _program
from cloudscale.policy.pack import policies
from cloudscale.stacks.offline.stack_files import load_stack_config

from ..stack_runs import StackRuns

MANDATORY = 1  # proto EnforcementLevel.MANDATORY


def _wire(value: Any) -> Any:
    """A value as the engine sends it: an asset (a blob's source file) is a signed object with its path."""
    if isinstance(value, pulumi.FileAsset):
        return {rpc._special_sig_key: rpc._special_asset_sig, "path": str(value.path)}
    if isinstance(value, dict):
        return {key: _wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_wire(item) for item in value]
    return value


def _struct(values: dict) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(_wire(values))
    return message


@pytest.fixture(scope="module")
def dev_resources(stack_runs: StackRuns) -> Iterator[list[proto.AnalyzerResource]]:
    run = stack_runs.run(load_stack_config("dev"), program=_program)
    options = {(o.typ, o.name): o for o in run.monitor.options.values()}
    resources = []
    for recorded in run.resources:
        registered = options[(recorded.typ, recorded.name)]
        resources.append(
            proto.AnalyzerResource(
                type=recorded.typ,
                properties=_struct({**recorded.inputs, "id": run.mocks.ids.get((recorded.typ, recorded.name), "")}),
                urn=registered.urn,
                name=recorded.name,
                options=proto.AnalyzerResourceOptions(protect=registered.protect),
                propertyDependencies={
                    key: proto.AnalyzerPropertyDependencies(urns=urns)
                    for key, urns in registered.property_dependencies.items()
                },
            )
        )
    yield resources


def _servicer() -> _PolicyAnalyzerServicer:
    return _PolicyAnalyzerServicer("cloudscale", "0.1.0", policies(), EnforcementLevel.ADVISORY)


def test_the_dev_stack_passes_every_stack_policy_and_lists_its_accepted_exceptions(dev_resources):
    response = _servicer().AnalyzeStack(proto.AnalyzeStackRequest(resources=dev_resources), None)
    by_policy: dict[str, list[str]] = {}
    for diagnostic in response.diagnostics:
        by_policy.setdefault(diagnostic.policyName, []).append(diagnostic.message)
    assert set(by_policy) == {"accepted-exceptions"}
    assert any("shared-key: sales-retention-storage: Azure ML" in m for m in by_policy["accepted-exceptions"])


def test_every_dev_resource_passes_every_resource_policy(dev_resources):
    servicer = _servicer()
    reported = []
    for resource in dev_resources:
        request = proto.AnalyzeRequest(
            type=resource.type, properties=resource.properties, urn=resource.urn, name=resource.name
        )
        reported += [(d.policyName, resource.name, d.message) for d in servicer.Analyze(request, None).diagnostics]
    assert reported == []


def test_a_violation_reaches_the_cli_as_a_mandatory_diagnostic(dev_resources):
    [cosmos] = [r for r in dev_resources if r.type == "azure-native:cosmosdb:DatabaseAccount"]
    properties = struct_pb2.Struct()
    properties.CopyFrom(cosmos.properties)
    properties["publicNetworkAccess"] = "Enabled"
    request = proto.AnalyzeRequest(type=cosmos.type, properties=properties, urn=cosmos.urn, name=cosmos.name)
    [diagnostic] = _servicer().Analyze(request, None).diagnostics
    assert (diagnostic.policyName, diagnostic.enforcementLevel) == ("public-network-access", MANDATORY)


def test_a_data_service_without_its_endpoint_is_a_mandatory_stack_violation(dev_resources):
    [cosmos] = [r for r in dev_resources if r.type == "azure-native:cosmosdb:DatabaseAccount"]
    kept = [
        r
        for r in dev_resources
        if not (r.type == "azure-native:network:PrivateEndpoint" and cosmos.urn in str(r.propertyDependencies))
    ]
    response = _servicer().AnalyzeStack(proto.AnalyzeStackRequest(resources=kept), None)
    mandatory = [(d.policyName, d.urn) for d in response.diagnostics if d.enforcementLevel == MANDATORY]
    assert mandatory == [("private-endpoint", cosmos.urn)]
