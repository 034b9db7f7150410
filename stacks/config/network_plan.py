"""Subnet layout of a landing zone: explicit subnets from config, the rest carved in order."""

from __future__ import annotations

from ipaddress import IPv4Network

from stacks.config.model import LandingZoneConfig

SUBNET_PREFIX_LENGTH = 24
PRIVATE_ENDPOINTS = "privateEndpoints"
INTEGRATION = "integration"
COMPUTE = "compute"


def product_subnet_role(product: str) -> str:
    return f"product-{product}"


def subnet_roles(zone: LandingZoneConfig) -> list[str]:
    return [PRIVATE_ENDPOINTS, INTEGRATION, COMPUTE, *(product_subnet_role(p) for p in zone.data_products)]


class SubnetPlanError(ValueError):
    pass


def landing_subnets(zone: LandingZoneConfig) -> dict[str, IPv4Network]:
    """Role -> CIDR for every subnet of the zone's spoke VNet."""
    roles = subnet_roles(zone)
    unknown = sorted(set(zone.subnets) - set(roles))
    if unknown:
        raise SubnetPlanError(f"unknown subnet role(s) {', '.join(unknown)}; roles are {', '.join(roles)}")
    plan = dict(zone.subnets)
    taken = list(plan.values())
    if zone.address_space.prefixlen > SUBNET_PREFIX_LENGTH:
        raise SubnetPlanError(
            f"{zone.address_space} is smaller than one /{SUBNET_PREFIX_LENGTH}; use at least a "
            f"/{SUBNET_PREFIX_LENGTH - (len(roles) - 1).bit_length()}"
        )
    free = (s for s in zone.address_space.subnets(new_prefix=SUBNET_PREFIX_LENGTH) if not any(s.overlaps(t) for t in taken))
    for role in roles:
        if role in plan:
            continue
        subnet = next(free, None)
        if subnet is None:
            needed = len(roles)
            raise SubnetPlanError(
                f"{zone.address_space} has no room for {needed} /{SUBNET_PREFIX_LENGTH} subnets; "
                f"use at least a /{SUBNET_PREFIX_LENGTH - (needed - 1).bit_length()}"
            )
        plan[role] = subnet
    return {role: plan[role] for role in roles}


def overlapping(a: IPv4Network, b: IPv4Network) -> bool:
    return a.overlaps(b)
