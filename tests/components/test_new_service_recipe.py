"""The recipe for a new service (docs/new-service.md), followed for an Event Hubs namespace.

The component below is written in the test, not shipped: it proves that a new service declared by
the recipe gets the plan's security, diagnostics and protect checks, and its computed outputs in
the mocks, without any change to the offline engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pytest
from pulumi_azure_native import eventhub

from cloudscale.components.baseline import (
    LOGS_AND_METRICS,
    PrivateEndpointPlacement,
    SecureComponent,
    SecurityRule,
    ServiceBaseline,
    accept_finding,
    declare_type,
    public_network_access_disabled,
)
from cloudscale.components.baseline.type_facts import tag
from cloudscale.components.core import Namer, NameRule, naming, platform_tags
from cloudscale.stacks.offline.report import build_plan

# Recipe step 2 (type facts): the security rules, computed outputs, state and the private-link group's DNS
# zone, with the accepted exceptions, next to the component.
declare_type(
    eventhub.Namespace,
    rules=(
        public_network_access_disabled(),
        SecurityRule("local-auth", "disableLocalAuth", lambda v: v is True, "SAS key authentication is on"),
        SecurityRule("tls", "minimumTlsVersion", lambda v: v in ("1.2", "1.3"), "minimum TLS is below 1.2"),
    ),
    computed_outputs=lambda namespace: {"serviceBusEndpoint": f"https://{namespace.name}.servicebus.windows.net:443/"},
    stateful=True,
    private_link={"namespace": ("privatelink.servicebus.windows.net",)},
)
accept_finding(
    eventhub.Namespace,
    rule="local-auth",
    when=lambda inputs: tag(inputs, "Component") == "legacy_telemetry",
    reason="the legacy telemetry agent signs in with a SAS key until it is replaced",
)


@dataclass
class EventHubNamespaceArgs:
    baseline: ServiceBaseline
    purpose: str = "events"
    public_network_access: str = "Disabled"
    # SAS keys stay off unless a client that cannot use Entra ID needs them.
    local_auth: bool = False


# Recipe step 1: the component, on the secure-service interface.
class EventHubNamespace(SecureComponent):
    def __init__(self, name: str, args: EventHubNamespaceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cloudscale:integration:EventHubNamespace", name, args.baseline, opts)
        b = args.baseline
        self.namespace = eventhub.Namespace(
            f"{name}-namespace",
            namespace_name=b.namer.name("event_hubs_namespace", args.purpose),
            resource_group_name=b.resource_group_name,
            location=b.location,
            sku={"name": "Standard", "tier": "Standard"},
            disable_local_auth=not args.local_auth,
            minimum_tls_version="1.2",
            public_network_access=args.public_network_access,
            tags=self._tags,
            opts=self._child_opts(stateful=True),
        )
        self.endpoint: pulumi.Output[str] = self.namespace.service_bus_endpoint
        self._secure(
            self.namespace,
            logical_name=f"{name}-namespace",
            purpose=args.purpose,
            group_ids=["namespace"],
            diagnostics=LOGS_AND_METRICS,
        )
        self.register_outputs({"endpoint": self.endpoint})


ZONE = "privatelink.servicebus.windows.net"
WORKSPACE_ID = "/subscriptions/s/resourceGroups/mon/providers/Microsoft.OperationalInsights/workspaces/log"


@pytest.fixture(autouse=True)
def event_hubs_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    # Recipe step 3: the name rule (Microsoft.EventHub/namespaces: 6-50 characters, letters, digits and
    # hyphens, starting with a letter, ending with a letter or digit; a public DNS label, so globally
    # unique; resource-name-rules#microsofteventhub).
    rule = NameRule("evhns", 6, 50, r"[A-Za-z][A-Za-z0-9-]{4,48}[A-Za-z0-9]", globally_unique=True)
    monkeypatch.setitem(naming.RULES, "event_hubs_namespace", rule)


def _baseline(*, workspace: bool = True, component: str = "telemetry") -> ServiceBaseline:
    return ServiceBaseline(
        namer=Namer("adatum", "tst", "sales"),
        resource_group_name="rg-integration",
        location="westeurope",
        tags=platform_tags("tst", "sales", component),
        private_endpoints=PrivateEndpointPlacement("/subnets/pe", {ZONE: f"/zones/{ZONE}"}),
        log_analytics_workspace_id=WORKSPACE_ID if workspace else None,
    )


def _plan(run, preview: bool, *, protects_state: bool = False):
    return build_plan(run, stack="tst", preview=preview, role="landing", protects_state=protects_state)


def test_a_namespace_built_by_the_recipe_passes_every_check(offline):
    run = offline.run(lambda: EventHubNamespace("telemetry", EventHubNamespaceArgs(baseline=_baseline())))
    assert _plan(run, offline.preview).findings == []
    endpoint = run.one("azure-native:network:PrivateEndpoint").inputs
    assert endpoint["privateLinkServiceConnections"][0]["groupIds"] == ["namespace"]
    assert run.one("azure-native:monitor:DiagnosticSetting").inputs["workspaceId"] == WORKSPACE_ID


def test_the_namespace_rules_are_checked(offline):
    args = EventHubNamespaceArgs(baseline=_baseline(), public_network_access="Enabled")
    run = offline.run(lambda: EventHubNamespace("telemetry", args))
    assert [(f.severity, f.rule, f.resource) for f in _plan(run, offline.preview).findings] == [
        ("high", "public-network-access", "telemetry-namespace")
    ]


@pytest.mark.parametrize(
    ("component", "severity"), [("legacy_telemetry", "accepted"), ("telemetry", "high")], ids=["accepted", "not"]
)
def test_an_accepted_exception_is_declared_next_to_the_component(offline, component, severity):
    args = EventHubNamespaceArgs(baseline=_baseline(component=component), local_auth=True)
    run = offline.run(lambda: EventHubNamespace("telemetry", args))
    [finding] = _plan(run, offline.preview).findings
    assert (finding.severity, finding.rule, finding.resource) == (severity, "local-auth", "telemetry-namespace")
    if severity == "accepted":
        assert "SAS key until it is replaced" in finding.detail


def test_a_namespace_without_diagnostics_is_reported(offline_update):
    args = EventHubNamespaceArgs(baseline=_baseline(workspace=False))
    run = offline_update.run(lambda: EventHubNamespace("telemetry", args))
    assert [(f.severity, f.rule) for f in _plan(run, False).findings] == [("medium", "diagnostics")]


def test_an_unprotected_namespace_is_reported_where_state_must_be_protected(offline):
    # The baseline asks for no lock, so the stateful namespace is neither protected nor locked.
    run = offline.run(lambda: EventHubNamespace("telemetry", EventHubNamespaceArgs(baseline=_baseline())))
    assert sorted((f.severity, f.rule) for f in _plan(run, offline.preview, protects_state=True).findings) == [
        ("medium", "delete-lock"),
        ("medium", "protect"),
    ]


def test_the_declared_computed_outputs_reach_the_component(offline_update):
    run = offline_update.run(
        lambda: EventHubNamespace("telemetry", EventHubNamespaceArgs(baseline=_baseline())).endpoint
    )
    name = Namer("adatum", "tst", "sales").name("event_hubs_namespace", "events")
    assert name.startswith("evhns-adatum-tst-sales-events-")
    assert run.value == f"https://{name}.servicebus.windows.net:443/"
