"""The one naming function behind every resource name.

Names follow the Cloud Adoption Framework abbreviations, ``<abbr>-<prefix>-<env>-<zone>-<purpose>``,
squeezed into each service's length and character rules. Services whose name becomes a public DNS
label get a short deterministic suffix so two platforms with the same prefix do not collide, and
any name that had to be shortened also gets one so truncation can never make two names equal.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

SUFFIX_LENGTH = 4


class NamingError(ValueError):
    """A name cannot satisfy its service's rules."""

    def __init__(self, kind: str, name: str, reason: str) -> None:
        super().__init__(f"cannot name {kind} {name!r}: {reason}")
        self.kind = kind
        self.name = name
        self.reason = reason


@dataclass(frozen=True)
class NameRule:
    abbreviation: str
    min_length: int
    max_length: int
    pattern: str
    separator: str = "-"
    lowercase: bool = False
    globally_unique: bool = False

    def matches(self, name: str) -> bool:
        return re.fullmatch(self.pattern, name) is not None


_ALNUM_DASH_NET = r"[A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9_]"

RULES: dict[str, NameRule] = {
    "resource_group": NameRule("rg", 1, 90, r"[A-Za-z0-9_().-]*[A-Za-z0-9_()-]"),
    "virtual_network": NameRule("vnet", 2, 64, _ALNUM_DASH_NET),
    "subnet": NameRule("snet", 1, 80, _ALNUM_DASH_NET),
    "network_security_group": NameRule("nsg", 1, 80, _ALNUM_DASH_NET),
    "route_table": NameRule("rt", 1, 80, _ALNUM_DASH_NET),
    "firewall": NameRule("afw", 1, 80, _ALNUM_DASH_NET),
    "firewall_policy": NameRule("afwp", 1, 80, _ALNUM_DASH_NET),
    "public_ip": NameRule("pip", 1, 80, _ALNUM_DASH_NET),
    "private_endpoint": NameRule("pep", 2, 64, _ALNUM_DASH_NET),
    "managed_private_endpoint": NameRule("mpe", 1, 127, r"[A-Za-z0-9_][A-Za-z0-9_-]*"),
    "peering": NameRule("peer", 1, 80, _ALNUM_DASH_NET),
    "storage_account": NameRule("st", 3, 24, r"[a-z0-9]{3,24}", "", True, True),
    "key_vault": NameRule("kv", 3, 24, r"[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]", "-", True, True),
    "container_registry": NameRule("cr", 5, 50, r"[A-Za-z0-9]{5,50}", "", True, True),
    "log_analytics": NameRule("log", 4, 63, r"[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]"),
    "application_insights": NameRule("appi", 1, 260, r"[^%&\\?/\x00-\x1f]*[^%&\\?/\x00-\x1f. ]"),
    "purview": NameRule("pview", 3, 63, r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*", "-", True, True),
    "synapse_workspace": NameRule("synw", 1, 50, r"[a-z0-9]([a-z0-9-]{0,48}[a-z0-9])?", "-", True, True),
    "synapse_spark_pool": NameRule("synsp", 1, 15, r"[A-Za-z][A-Za-z0-9]{0,14}", "", True),
    "synapse_private_link_hub": NameRule("synplh", 1, 45, r"[a-z0-9]{1,45}", "", True),
    "data_factory": NameRule("adf", 3, 63, r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*", "-", True, True),
    "sql_server": NameRule("sql", 1, 63, r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", "-", True, True),
    "sql_database": NameRule("sqldb", 1, 128, r"[^<>*%&:\\/?\x00-\x1f]*[^<>*%&:\\/?\x00-\x1f. ]"),
    "cosmos_account": NameRule("cosno", 3, 44, r"[a-z0-9]+(-[a-z0-9]+)*", "-", True, True),
    "machine_learning_workspace": NameRule("mlw", 3, 33, r"[A-Za-z0-9][A-Za-z0-9_-]{2,32}"),
    "machine_learning_compute": NameRule("mlc", 3, 32, r"[A-Za-z][A-Za-z0-9-]{1,30}[A-Za-z0-9]"),
    "user_assigned_identity": NameRule("id", 3, 128, r"[A-Za-z0-9][A-Za-z0-9_-]{2,127}"),
    # Key Vault object names: 1-127 letters, digits and dashes (Microsoft Learn, "About keys, secrets and
    # certificates": object identifiers).
    "key_vault_key": NameRule("cmk", 1, 127, r"[A-Za-z0-9-]{1,127}"),
    "lock": NameRule("lock", 1, 90, r"[A-Za-z0-9_.()-]*[A-Za-z0-9_()-]"),
    "diagnostic_setting": NameRule("diag", 1, 260, r"[A-Za-z0-9_.-]+"),
}


def declare_name_rule(kind: str, rule: NameRule) -> None:
    """Teach the naming function a kind, next to the component that names it (at import, like
    ``declare_type``); the config check proves every configured prefix and zone can name it
    (``cloudscale.components.library.name_rules``). Declaring a kind again with another rule fails."""
    if RULES.setdefault(kind, rule) != rule:
        raise ValueError(f"name rule {kind!r} is declared twice with different rules")


@dataclass(frozen=True)
class Namer:
    """Produces names for one zone of one platform; every component gets one of these."""

    prefix: str
    environment: str
    zone: str
    seed: str = ""

    def name(self, kind: str, purpose: str = "") -> str:
        rule = RULES.get(kind)
        if rule is None:
            raise NamingError(kind, purpose, f"unknown resource kind; known kinds: {', '.join(sorted(RULES))}")
        parts = [p for p in (rule.abbreviation, self.prefix, self.environment, self.zone, purpose) if p]
        if rule.separator == "":
            parts = [re.sub(r"[^A-Za-z0-9]", "", p) for p in parts]
        full = rule.separator.join(parts)
        if rule.lowercase:
            full = full.lower()
        name = self._fit(rule, full)
        if len(name) < rule.min_length:
            raise NamingError(kind, name, f"shorter than the minimum {rule.min_length} characters")
        if not rule.matches(name):
            raise NamingError(kind, name, f"does not match the service's rule /{rule.pattern}/")
        return name

    def _fit(self, rule: NameRule, full: str) -> str:
        suffix = self._suffix(full) if rule.globally_unique else ""
        joiner = rule.separator if suffix else ""
        if len(full) + len(joiner) + len(suffix) <= rule.max_length:
            return f"{full}{joiner}{suffix}"
        # Truncation could make two names equal, so a shortened name always carries the hash.
        suffix = suffix or self._suffix(full)
        joiner = rule.separator
        body = full[: rule.max_length - len(joiner) - len(suffix)].rstrip("-_.")
        return f"{body}{joiner}{suffix}"

    def _suffix(self, full: str) -> str:
        digest = hashlib.sha256(f"{self.seed}|{full.lower()}".encode()).hexdigest()
        return digest[:SUFFIX_LENGTH]

    def probe_purposes(self, kind: str) -> tuple[str, ...]:
        """Purposes whose names, between them, meet every rule any purpose can meet for ``kind``.

        A name grows with its purpose until the service's maximum length and every longer purpose
        is cut at the same place, so no purpose, the longest purpose that keeps the name whole and
        one that gets it cut reach every length a name of this namer can have. Checking these
        instead of a list of known purposes means a new, longer purpose cannot slip past.
        """
        rule = RULES[kind]
        longest_whole = rule.max_length - len(self.name(kind)) - len(rule.separator)
        lengths = {0, rule.max_length + 1}
        if longest_whole > 0:
            lengths |= {longest_whole, longest_whole + 1}
        return tuple("p" * length for length in sorted(lengths))

    def for_zone(self, zone: str) -> Namer:
        return Namer(self.prefix, self.environment, zone, self.seed)
