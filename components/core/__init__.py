"""Pure data and functions shared by every component: Azure facts, naming, tags, DNS zones, roles."""

from cloudscale.components.core.dns_zones import render_zone, zone_resource_label
from cloudscale.components.core.naming import RULES, Namer, NameRule, NamingError, declare_name_rule
from cloudscale.components.core.roles import BuiltInRole
from cloudscale.components.core.tags import TagError, merge_tags, platform_tags, tag_problems

__all__ = [
    "RULES",
    "BuiltInRole",
    "NameRule",
    "Namer",
    "NamingError",
    "TagError",
    "declare_name_rule",
    "merge_tags",
    "platform_tags",
    "render_zone",
    "tag_problems",
    "zone_resource_label",
]
