"""Subnet layout of a landing zone: explicit subnets from config, the rest carved in order."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from cloudscale.stacks.config.model import LandingZoneConfig, PlatformConfig

MANAGEMENT_ZONE = "mgmt"
# The enterprise connectivity hub of bring-your-own-hub mode: not ours, but a peer of every platform VNet.
ENTERPRISE_HUB = "hub"
SUBNET_PREFIX_LENGTH = 24
# Azure reserves five addresses in every subnet and rejects anything smaller than a /29.
SMALLEST_SUBNET_PREFIX_LENGTH = 29
PRIVATE_ENDPOINTS = "privateEndpoints"
INTEGRATION = "integration"
COMPUTE = "compute"
# The Power BI VNet data gateway lives in a subnet delegated to it; it is how Power BI reaches the
# serverless SQL endpoint when the workspace has no public network access.
POWER_BI_GATEWAY = "powerBiGateway"
SHARED_ROLES = (PRIVATE_ENDPOINTS, INTEGRATION, COMPUTE, POWER_BI_GATEWAY)


def product_subnet_role(product: str) -> str:
    return f"product-{product}"


def subnet_roles(zone: LandingZoneConfig) -> list[str]:
    return [*SHARED_ROLES, *(product_subnet_role(p) for p in zone.data_products)]


class SubnetPlanError(ValueError):
    """The plan cannot be carved; ``field`` is the zone's config key to change."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _minimum_space(count: int) -> int:
    """The largest prefix length whose space holds ``count`` subnets of the standard size."""
    return SUBNET_PREFIX_LENGTH - (count - 1).bit_length()


def landing_subnets(zone: LandingZoneConfig) -> dict[str, IPv4Network]:
    """Role -> CIDR for every subnet of the zone's spoke VNet, in a stable order."""
    roles = subnet_roles(zone)
    unknown = sorted(set(zone.subnets) - set(roles))
    if unknown:
        raise SubnetPlanError("subnets", f"unknown subnet role(s) {', '.join(unknown)}; roles are {', '.join(roles)}")
    plan = dict(zone.subnets)
    taken = list(plan.values())
    missing = [role for role in roles if role not in plan]
    if missing and zone.address_space.prefixlen > SUBNET_PREFIX_LENGTH:
        raise SubnetPlanError(
            "addressSpace",
            f"{zone.address_space} is smaller than one /{SUBNET_PREFIX_LENGTH}; the zone needs {len(roles)} "
            f"subnets, so use at least a /{_minimum_space(len(roles))}",
        )
    free = (
        s for s in zone.address_space.subnets(new_prefix=SUBNET_PREFIX_LENGTH) if not any(s.overlaps(t) for t in taken)
    )
    for role in missing:
        subnet = next(free, None)
        if subnet is None:
            raise SubnetPlanError(
                "addressSpace",
                f"{zone.address_space} has no room for {len(missing)} more /{SUBNET_PREFIX_LENGTH} subnet(s) "
                f"({', '.join(missing)}); the zone needs {len(roles)} subnets, so use at least a "
                f"/{_minimum_space(len(roles))}",
            )
        plan[role] = subnet
    return {role: plan[role] for role in roles}


def platform_address_spaces(config: PlatformConfig) -> list[str]:
    """Every address space the firewall lets out: this zone's and each configured landing zone's."""
    spaces = [config.management.network.address_space] + [zone.address_space for zone in config.landing_zones]
    return [str(space) for space in spaces]


def enterprise_hub_address_spaces(config: PlatformConfig) -> list[str]:
    """The enterprise hub's ranges when the platform sits behind one, else none."""
    hub = config.management.existing_hub
    if not config.uses_existing_hub or hub is None:
        return []
    return [str(space) for space in hub.address_space]


def peered_address_spaces(config: PlatformConfig) -> list[str]:
    """Every VNet a platform VNet peers with directly: the platform's own and, behind one, the hub's.

    These are the only ranges the subnets' NSGs talk to without the firewall in between.
    """
    return [*platform_address_spaces(config), *enterprise_hub_address_spaces(config)]


def direct_peers(config: PlatformConfig, vnet: str) -> dict[str, list[IPv4Network]]:
    """The VNets ``vnet`` (``mgmt`` or a landing zone's name) peers with, and their address spaces.

    The management VNet peers with every landing zone, the landing zones with each other (a full
    mesh), and behind an enterprise hub every one of them also peers with the hub itself.
    """
    spaces: dict[str, list[IPv4Network]] = {MANAGEMENT_ZONE: [config.management.network.address_space]}
    spaces.update({zone.name: [zone.address_space] for zone in config.landing_zones})
    hub = config.management.existing_hub
    if config.uses_existing_hub and hub is not None:
        spaces[ENTERPRISE_HUB] = list(hub.address_space)
    return {name: ranges for name, ranges in spaces.items() if name != vnet}


def reachable_in_one_hop(config: PlatformConfig, vnet: str, address: IPv4Address | IPv4Network) -> bool:
    """Whether ``address`` (or every address of a range) lies in ``vnet`` or in a VNet it peers with directly.

    A user-defined route's next hop (and a DNS server behind no gateway) must be there: peering is
    not transitive (Microsoft Learn, "Extend peering with user-defined routes and service chaining").
    """
    own = config.management.network.address_space if vnet == MANAGEMENT_ZONE else config.zone(vnet).address_space
    ranges = [own, *(r for peer in direct_peers(config, vnet).values() for r in peer)]
    if isinstance(address, IPv4Network):
        return any(address.subnet_of(network) for network in ranges)
    return any(address in network for network in ranges)
