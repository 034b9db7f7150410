"""The secure-service interface: private endpoints, diagnostics, locks, access by intent, identity,
and the per-type facts (``type_facts``) that the platform's checks read."""

from cloudscale.components.baseline.access import MissingIdentityError, Principal, grant, role_definition_id
from cloudscale.components.baseline.diagnostics import (
    AUDIT_AND_METRICS,
    LOGS_AND_METRICS,
    LOGS_AND_METRICS_DEDICATED,
    LOGS_ONLY,
    METRICS_ONLY,
    STORAGE_ACCOUNT,
    STORAGE_SERVICE,
    DiagnosticProfile,
    diagnostic_setting,
)
from cloudscale.components.baseline.identity import identity_block, user_assigned_identity
from cloudscale.components.baseline.interface import SecureComponent, ServiceBaseline
from cloudscale.components.baseline.lock import delete_lock
from cloudscale.components.baseline.private_endpoint import (
    MissingDnsZoneError,
    PrivateEndpointPlacement,
    private_endpoint,
)
from cloudscale.components.baseline.soft_delete import SoftDeletePolicy
from cloudscale.components.baseline.type_facts import (
    AcceptedException,
    Created,
    SecurityRule,
    accept_finding,
    declare_type,
    public_network_access_disabled,
)

__all__ = [
    "AUDIT_AND_METRICS",
    "LOGS_AND_METRICS",
    "LOGS_AND_METRICS_DEDICATED",
    "LOGS_ONLY",
    "METRICS_ONLY",
    "STORAGE_ACCOUNT",
    "STORAGE_SERVICE",
    "AcceptedException",
    "Created",
    "DiagnosticProfile",
    "MissingDnsZoneError",
    "MissingIdentityError",
    "Principal",
    "PrivateEndpointPlacement",
    "SecureComponent",
    "SecurityRule",
    "ServiceBaseline",
    "SoftDeletePolicy",
    "accept_finding",
    "declare_type",
    "delete_lock",
    "diagnostic_setting",
    "grant",
    "identity_block",
    "private_endpoint",
    "public_network_access_disabled",
    "role_definition_id",
    "user_assigned_identity",
]
