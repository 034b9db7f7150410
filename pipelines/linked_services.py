"""How a linked service signs in and where it runs, checked against what the connector and azure-native accept.

A linked service that signs in with a user-assigned managed identity names a factory credential
(``"credential": {"referenceName": ..., "type": "CredentialReference"}``); the zone's factory creates
one user-assigned identity and credential per name its definitions use
(``cloudscale.components.data_factory``). azure-native's typed linked-service models are the
declaration of which types can carry a credential at all: a property the model lacks is not sent, so
the service would sign in some other way or not at all. The Dataverse connector is the case in point:
``CommonDataServiceForAppsLinkedServiceArgs`` has no ``credential``, ``DynamicsLinkedServiceArgs`` has.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from cloudscale.pipelines.definitions import DefinitionSet, Target

CREDENTIAL_REFERENCE = "CredentialReference"
# A credential's name also names its identity (id-<prefix>-<env>-<zone>-adf-<name>), so it keeps to
# what both allow.
CREDENTIAL_NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
# The Dataverse connector's online sign-in choices (Microsoft Learn, "Copy and transform data in
# Dynamics 365 (Microsoft Dataverse) or Dynamics CRM", linked service properties: authenticationType
# "AADServicePrincipal", "Office365" or "ManagedIdentity"; credentials "Yes when authentication is
# ManagedIdentity", a user-assigned managed identity).
DATAVERSE_TYPES = frozenset({"Dynamics", "DynamicsCrm", "CommonDataServiceForApps"})
MANAGED_IDENTITY = "ManagedIdentity"


@functools.cache
def takes_credential(linked_service_type: str) -> bool | None:
    """Whether azure-native's model of this linked-service type has a ``credential``; None when unknown."""
    from pulumi_azure_native import datafactory

    model = getattr(datafactory, f"{linked_service_type}LinkedServiceArgs", None)
    if model is None:
        return None
    return "credential" in inspect.signature(model.__init__).parameters


def credential_of(properties: Mapping[str, Any]) -> Any:
    """The ``credential`` a linked service's JSON names (in ``typeProperties``, as the service writes it)."""
    return (properties.get("typeProperties") or {}).get("credential")


def sign_in_problems(properties: Mapping[str, Any], target: Target) -> Iterator[tuple[str, str]]:
    """(JSON path, message) for every way a linked service's sign-in cannot work as written."""
    kind = str(properties.get("type", ""))
    type_properties = properties.get("typeProperties") or {}
    credential = credential_of(properties)
    where = "$.properties.typeProperties.credential"
    if credential is not None and target != "dataFactory":
        yield where, "only the zone's Data Factory holds credentials; the Synapse workspace has none"
    elif credential is not None:
        if takes_credential(kind) is False:
            hint = "; use type 'Dynamics', whose model has one" if kind in DATAVERSE_TYPES else ""
            yield where, f"azure-native's {kind} linked service has no credential, so it would not be sent{hint}"
        name = credential.get("referenceName") if isinstance(credential, Mapping) else None
        if not isinstance(credential, Mapping) or credential.get("type") != CREDENTIAL_REFERENCE:
            yield where, f"must be {{'referenceName': <name>, 'type': '{CREDENTIAL_REFERENCE}'}}"
        elif not isinstance(name, str) or not CREDENTIAL_NAME.match(name):
            yield f"{where}.referenceName", f"{name!r} is not a credential name: lower-case letters, digits and _"
    if kind in DATAVERSE_TYPES and type_properties.get("authenticationType") == MANAGED_IDENTITY and not credential:
        yield (
            "$.properties.typeProperties.authenticationType",
            "Dataverse signs in with a user-assigned managed identity only through a credential, never as the "
            "factory's own identity: add typeProperties.credential",
        )


def credential_names(sets: Sequence[DefinitionSet], target: Target = "dataFactory") -> list[str]:
    """The credentials the target's linked services name: each becomes a user-assigned identity."""
    found = set()
    for definitions in sets:
        if definitions.target != target:
            continue
        for linked_service in definitions.of_kind("linkedService").values():
            credential = credential_of(linked_service.properties)
            name = credential.get("referenceName") if isinstance(credential, Mapping) else None
            if isinstance(name, str) and CREDENTIAL_NAME.match(name):
                found.add(name)
    return sorted(found)


# Integration runtimes a set may declare for the zone's factory: Azure (``Managed``) runtimes, either
# in the factory's managed virtual network or, for a connector that cannot run there (Graph Data
# Connect's copy), outside it in a named region. Self-hosted runtimes need machines this platform
# does not deploy.
MANAGED_RUNTIME = "Managed"
FACTORY_VIRTUAL_NETWORK = "default"


def runtime_problems(properties: Mapping[str, Any], target: Target) -> Iterator[tuple[str, str]]:
    """(JSON path, message) for an integration runtime definition the zone cannot deploy."""
    if target != "dataFactory":
        yield "$.properties", "the zone's Synapse workspace runs its own AutoResolve runtime only"
        return
    if properties.get("type") != MANAGED_RUNTIME:
        yield "$.properties.type", f"must be {MANAGED_RUNTIME!r} (an Azure integration runtime)"
    type_properties = properties.get("typeProperties") or {}
    network = type_properties.get("managedVirtualNetwork")
    if network is not None and (network or {}).get("referenceName") != FACTORY_VIRTUAL_NETWORK:
        yield (
            "$.properties.typeProperties.managedVirtualNetwork.referenceName",
            f"the factory's managed virtual network is {FACTORY_VIRTUAL_NETWORK!r}",
        )
