"""Subnet layout of a landing zone: explicit subnets from config, the rest carved in order."""

from __future__ import annotations

from ipaddress import IPv4Network

from cloudscale.stacks.config.model import LandingZoneConfig, PlatformConfig

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
