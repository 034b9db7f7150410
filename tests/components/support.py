"""What the component tests share: placeholder Azure ids, the ``ServiceBaseline`` a component is given, URNs."""

from __future__ import annotations

from collections.abc import Mapping

from cloudscale.components.baseline import PrivateEndpointPlacement, ServiceBaseline
from cloudscale.components.core import Namer
from cloudscale.components.library import platform_zones
from cloudscale.stacks.offline.engine import OfflineRun

SUBNET_ID = "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/pe"
WORKSPACE_ID = "/subscriptions/s/resourceGroups/mon/providers/Microsoft.OperationalInsights/workspaces/log"


def zone_id(zone: str) -> str:
    """The id of the platform's private DNS zone ``zone``."""
    return f"/subscriptions/s/resourceGroups/dns/providers/Microsoft.Network/privateDnsZones/{zone}"


def all_zone_placement(location: str = "westeurope", subnet_id: str = SUBNET_ID) -> PrivateEndpointPlacement:
    """Private endpoints in ``subnet_id``, registered in every platform zone of ``location``."""
    return PrivateEndpointPlacement(subnet_id, {zone: zone_id(zone) for zone in platform_zones(location)})


def service_baseline(
    *,
    environment: str = "dev",
    zone: str = "sales",
    resource_group_name: str = "rg-data",
    location: str = "westeurope",
    tags: Mapping[str, str] | None = None,
    endpoint_subnet_id: str | None = SUBNET_ID,
    lock: bool = False,
) -> ServiceBaseline:
    """A baseline of the ``adatum`` platform that sends diagnostics to ``WORKSPACE_ID``.

    With an ``endpoint_subnet_id`` the component may place private endpoints there (see
    ``all_zone_placement``); ``None`` gives it no placement, as for the network components.
    """
    return ServiceBaseline(
        namer=Namer("adatum", environment, zone),
        resource_group_name=resource_group_name,
        location=location,
        tags=dict(tags or {}),
        private_endpoints=None if endpoint_subnet_id is None else all_zone_placement(location, endpoint_subnet_id),
        log_analytics_workspace_id=WORKSPACE_ID,
        lock=lock,
    )


def urn_of(run: OfflineRun, name: str) -> str:
    """The URN of the one resource registered under the logical ``name``."""
    (urn,) = [u for u, o in run.monitor.options.items() if o.name == name]
    return urn
