"""Synapse workspace data-plane objects as Pulumi dynamic resources.

Managed private endpoints (in the workspace's managed virtual network) and linked services live
behind the workspace development endpoint (``https://{workspace}.dev.azuresynapse.net``), not
behind ARM, so azure-native cannot declare them. The providers below drive the official data-plane
SDKs instead: ``azure-synapse-managedprivateendpoints`` (API 2020-12-01) and
``azure-synapse-artifacts``.

Pulumi pickles each provider instance with dill into the stack state and unpickles it in a separate
provider process. The providers therefore hold no state at all: credentials, clients and transport
options are built per call from the module-level ``settings``, which tests replace wholesale.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi.dynamic
from azure.core.exceptions import AzureError, ResourceNotFoundError

from cloudscale.components.baseline.type_facts import declare_type
from cloudscale.components.core.credentials import closing_credential, default_credential

# The data-plane SDKs are imported where a provider calls the service, not here: a program that only
# declares resources (every `pulumi preview`, `cloudscale plan`) would otherwise load them for nothing.
if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.core.pipeline import PipelineResponse
    from azure.core.polling import LROPoller
    from azure.synapse.artifacts import ArtifactsClient
    from azure.synapse.artifacts.models import LinkedService
    from azure.synapse.managedprivateendpoints.v2020_12_01 import VnetClient
    from azure.synapse.managedprivateendpoints.v2020_12_01.models import ManagedPrivateEndpoint

__all__ = [
    "DataPlaneSettings",
    "LinkedServiceProvider",
    "ManagedPrivateEndpointProvider",
    "SynapseDataPlaneError",
    "SynapseLinkedService",
    "SynapseLinkedServiceArgs",
    "SynapseManagedPrivateEndpoint",
    "SynapseManagedPrivateEndpointArgs",
    "settings",
]

# Synapse creates exactly one managed virtual network per workspace and always names it "default".
MANAGED_VNET_NAME = "default"


class SynapseDataPlaneError(RuntimeError):
    """A call to a workspace development endpoint failed; the message names workspace and object."""


@dataclass
class DataPlaneSettings:
    """How providers reach the service; read at call time and never stored on a provider.

    ``client_kwargs`` is passed to every SDK client (e.g. ``connection_verify`` for a private CA).
    ``poll_interval_seconds`` matters because the service answers long-running operations with
    ``Retry-After: 0``, which azure-core ignores in favour of the SDK default of 30 seconds.
    """

    credential_factory: Callable[[], TokenCredential] = default_credential
    client_kwargs: dict[str, Any] = field(default_factory=dict)
    poll_interval_seconds: float = 5.0
    timeout_seconds: float = 900.0


settings = DataPlaneSettings()


@contextmanager
def _vnet_client(endpoint: str) -> Iterator[VnetClient]:
    from azure.synapse.managedprivateendpoints.v2020_12_01 import VnetClient

    with (
        closing_credential(settings.credential_factory) as credential,
        VnetClient(credential, endpoint, **settings.client_kwargs) as client,
    ):
        yield client


@contextmanager
def _artifacts_client(endpoint: str) -> Iterator[ArtifactsClient]:
    from azure.synapse.artifacts import ArtifactsClient

    kwargs = {"polling_interval": settings.poll_interval_seconds, **settings.client_kwargs}
    with (
        closing_credential(settings.credential_factory) as credential,
        ArtifactsClient(credential, endpoint, **kwargs) as client,
    ):
        yield client


@contextmanager
def _surface_errors(workspace: str, what: str, action: str) -> Iterator[None]:
    # SDK errors only carry the URL and the service's message; from a `pulumi up` log it must be
    # obvious which workspace and which object failed.
    try:
        yield
    except AzureError as exc:
        raise SynapseDataPlaneError(f"Synapse workspace '{workspace}': cannot {action} {what}: {exc}") from exc


def _dev_endpoint(props: dict[str, Any]) -> str:
    endpoint = props.get("dev_endpoint") or f"https://{props['workspace_name']}.dev.azuresynapse.net"
    # The SDKs append paths to the endpoint verbatim; a trailing slash would produce "//".
    return endpoint.rstrip("/")


def _first_changed(keys: tuple[str, ...], olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
    return [key for key in keys if olds.get(key) != news.get(key)]


def _deadline_passed(deadline: float) -> bool:
    return time.monotonic() >= deadline


# --------------------------------------------------------------------------------------------------
# Managed private endpoints


def _pe_label(name: str) -> str:
    return f"managed private endpoint '{name}'"


def _normalized_fqdns(value: Any) -> Any:
    # Order means nothing to the service and None/[] both mean "let the service derive them".
    # Anything else (Pulumi's unknown-value sentinel during preview) is compared as-is.
    if value is None:
        return []
    if isinstance(value, list):
        return sorted(value)
    return value


def _provisioning_state(endpoint: ManagedPrivateEndpoint) -> str | None:
    return endpoint.properties.provisioning_state if endpoint.properties else None


def _wait_for_provisioning(
    client: VnetClient, workspace: str, name: str, endpoint: ManagedPrivateEndpoint
) -> ManagedPrivateEndpoint:
    # PUT returns at once with "Provisioning"; the endpoint exists on the target resource (and can be
    # approved there) only once the service reports a terminal state.
    deadline = time.monotonic() + settings.timeout_seconds
    while (state := _provisioning_state(endpoint)) not in ("Succeeded", "Failed", "Canceled"):
        if _deadline_passed(deadline):
            raise SynapseDataPlaneError(
                f"Synapse workspace '{workspace}': {_pe_label(name)} still '{state}' "
                f"after {settings.timeout_seconds:g}s"
            )
        time.sleep(settings.poll_interval_seconds)
        endpoint = client.managed_private_endpoints.get(name, MANAGED_VNET_NAME)
    if state != "Succeeded":
        raise SynapseDataPlaneError(
            f"Synapse workspace '{workspace}': {_pe_label(name)} ended in provisioning state '{state}'"
        )
    return endpoint


def _wait_for_deletion(client: VnetClient, workspace: str, name: str) -> None:
    # DELETE is accepted (202) long before the endpoint disappears. A replacement reuses the same name,
    # so returning early would let the new PUT race the old endpoint's teardown.
    deadline = time.monotonic() + settings.timeout_seconds
    while True:
        try:
            endpoint = client.managed_private_endpoints.get(name, MANAGED_VNET_NAME)
        except ResourceNotFoundError:
            return
        if _deadline_passed(deadline):
            raise SynapseDataPlaneError(
                f"Synapse workspace '{workspace}': {_pe_label(name)} still present "
                f"('{_provisioning_state(endpoint)}') {settings.timeout_seconds:g}s after delete"
            )
        time.sleep(settings.poll_interval_seconds)


def _pe_outputs(props: dict[str, Any], endpoint: ManagedPrivateEndpoint) -> dict[str, Any]:
    properties = endpoint.properties
    connection = properties.connection_state if properties else None
    return {
        # Inputs are echoed as given, not as the service reports them (it fills in fqdns itself), so a
        # refresh never turns into a perpetual diff.
        "workspace_name": props["workspace_name"],
        "endpoint_name": props["endpoint_name"],
        "private_link_resource_id": props["private_link_resource_id"],
        "group_id": props["group_id"],
        "fqdns": props.get("fqdns"),
        "dev_endpoint": props.get("dev_endpoint"),
        "provisioning_state": properties.provisioning_state if properties else None,
        "connection_state": connection.status if connection else None,
        "resource_id": endpoint.id,
    }


class ManagedPrivateEndpointProvider(pulumi.dynamic.ResourceProvider):
    """One managed private endpoint in a workspace's managed virtual network "default"."""

    # The service cannot retarget an endpoint, and workspace + name is its identity.
    REPLACE_KEYS = ("workspace_name", "endpoint_name", "private_link_resource_id", "group_id")

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        outs = self._put(props, "create")
        id_ = f"{props['workspace_name']}/managedVirtualNetworks/{MANAGED_VNET_NAME}/managedPrivateEndpoints/"
        return pulumi.dynamic.CreateResult(id_=id_ + props["endpoint_name"], outs=outs)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        return pulumi.dynamic.UpdateResult(outs=self._put(news, "update"))

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        workspace, name = props["workspace_name"], props["endpoint_name"]
        with _vnet_client(_dev_endpoint(props)) as client, _surface_errors(workspace, _pe_label(name), "read"):
            try:
                endpoint = client.managed_private_endpoints.get(name, MANAGED_VNET_NAME)
            except ResourceNotFoundError:
                # An empty id tells the engine the resource is gone, so a refresh drops it from state.
                return pulumi.dynamic.ReadResult(id_="", outs={})
        return pulumi.dynamic.ReadResult(id_=id_, outs=_pe_outputs(props, endpoint))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        replaces = _first_changed(self.REPLACE_KEYS, olds, news)
        changes = (
            bool(replaces)
            or _normalized_fqdns(olds.get("fqdns")) != _normalized_fqdns(news.get("fqdns"))
            or olds.get("dev_endpoint") != news.get("dev_endpoint")
        )
        # The replacement usually keeps the endpoint name, and the service also refuses a second
        # endpoint to the same target and group, so the old one has to go first.
        return pulumi.dynamic.DiffResult(changes=changes, replaces=replaces, delete_before_replace=bool(replaces))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        workspace, name = props["workspace_name"], props["endpoint_name"]
        with _vnet_client(_dev_endpoint(props)) as client, _surface_errors(workspace, _pe_label(name), "delete"):
            try:
                client.managed_private_endpoints.delete(name, MANAGED_VNET_NAME)
            except ResourceNotFoundError:
                return
            _wait_for_deletion(client, workspace, name)

    def _put(self, props: dict[str, Any], action: str) -> dict[str, Any]:
        from azure.synapse.managedprivateendpoints.v2020_12_01.models import ManagedPrivateEndpointProperties

        workspace, name = props["workspace_name"], props["endpoint_name"]
        properties = ManagedPrivateEndpointProperties(
            private_link_resource_id=props["private_link_resource_id"],
            group_id=props["group_id"],
            fqdns=props.get("fqdns") or None,
        )
        with _vnet_client(_dev_endpoint(props)) as client, _surface_errors(workspace, _pe_label(name), action):
            endpoint = client.managed_private_endpoints.create(name, MANAGED_VNET_NAME, properties=properties)
            endpoint = _wait_for_provisioning(client, workspace, name, endpoint)
        return _pe_outputs(props, endpoint)


# --------------------------------------------------------------------------------------------------
# Linked services


def _ls_label(name: str) -> str:
    return f"linked service '{name}'"


def _raw_json(pipeline_response: PipelineResponse, _deserialized: Any, _headers: dict[str, Any]) -> Any:
    # Used as the SDK's `cls` hook so we see the service's JSON rather than the SDK model's lossy view.
    text = pipeline_response.http_response.text()
    return json.loads(text) if text else None


def _json_numbers(value: Any) -> Any:
    # Pulumi's wire format carries every number as a double, so 443 arrives here as 443.0; the
    # service's .NET deserialiser is not guaranteed to accept that for integer fields.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _json_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_numbers(item) for item in value]
    return value


def _verbatim_linked_service(properties: dict[str, Any]) -> LinkedService:
    # The SDK's typed models silently drop typeProperties they do not know (e.g. subscriptionId,
    # tenantId, resourceGroup of a managed-identity CosmosDb linked service), and a plain dict is
    # re-parsed as an untyped base LinkedService that keeps almost nothing. additional_properties of
    # the base model is serialised as-is, so the service receives exactly the JSON we were given.
    from azure.synapse.artifacts.models import LinkedService

    return LinkedService(additional_properties=_json_numbers(copy.deepcopy(properties)))


def _finish(poller: LROPoller[Any], workspace: str, name: str, action: str) -> Any:
    result = poller.result(timeout=settings.timeout_seconds)
    if not poller.done():
        raise SynapseDataPlaneError(
            f"Synapse workspace '{workspace}': {action} of {_ls_label(name)} did not finish "
            f"within {settings.timeout_seconds:g}s"
        )
    return result


def _ls_outputs(props: dict[str, Any], resource: dict[str, Any] | None) -> dict[str, Any]:
    resource = resource or {}
    return {
        # The declared properties, not the service's copy: it masks secrets and adds fields such as
        # encryptedCredential, which would otherwise show up as a diff after every refresh.
        "workspace_name": props["workspace_name"],
        "linked_service_name": props["linked_service_name"],
        "properties": props["properties"],
        "dev_endpoint": props.get("dev_endpoint"),
        "resource_id": resource.get("id"),
        "etag": resource.get("etag"),
    }


class LinkedServiceProvider(pulumi.dynamic.ResourceProvider):
    """One linked service in a workspace (artifacts API, long-running PUT and DELETE)."""

    REPLACE_KEYS = ("workspace_name", "linked_service_name")

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        failures = []
        properties = news.get("properties")
        # The service does not reliably reject an untyped body; catch it at preview instead.
        if isinstance(properties, dict) and not properties.get("type"):
            failures.append(
                pulumi.dynamic.CheckFailure("properties", "needs a 'type', e.g. 'CosmosDb' or 'AzureBlobFS'")
            )
        return pulumi.dynamic.CheckResult(news, failures)

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        outs = self._put(props, "create")
        id_ = f"{props['workspace_name']}/linkedservices/{props['linked_service_name']}"
        return pulumi.dynamic.CreateResult(id_=id_, outs=outs)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        return pulumi.dynamic.UpdateResult(outs=self._put(news, "update"))

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        workspace, name = props["workspace_name"], props["linked_service_name"]
        with (
            _artifacts_client(_dev_endpoint(props)) as client,
            _surface_errors(workspace, _ls_label(name), "read"),
        ):
            try:
                resource = client.linked_service.get_linked_service(name, cls=_raw_json)
            except ResourceNotFoundError:
                return pulumi.dynamic.ReadResult(id_="", outs={})
        return pulumi.dynamic.ReadResult(id_=id_, outs=_ls_outputs(props, resource))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        replaces = _first_changed(self.REPLACE_KEYS, olds, news)
        changes = bool(replaces) or bool(_first_changed(("properties", "dev_endpoint"), olds, news))
        # A replacement always has a new name or workspace, so create-before-delete is safe.
        return pulumi.dynamic.DiffResult(changes=changes, replaces=replaces)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        workspace, name = props["workspace_name"], props["linked_service_name"]
        with (
            _artifacts_client(_dev_endpoint(props)) as client,
            _surface_errors(workspace, _ls_label(name), "delete"),
        ):
            try:
                poller = client.linked_service.begin_delete_linked_service(name)
            except ResourceNotFoundError:
                return
            _finish(poller, workspace, name, "delete")

    def _put(self, props: dict[str, Any], action: str) -> dict[str, Any]:
        workspace, name = props["workspace_name"], props["linked_service_name"]
        with (
            _artifacts_client(_dev_endpoint(props)) as client,
            _surface_errors(workspace, _ls_label(name), action),
        ):
            poller = client.linked_service.begin_create_or_update_linked_service(
                name, _verbatim_linked_service(props["properties"]), cls=_raw_json
            )
            resource = _finish(poller, workspace, name, action)
        return _ls_outputs(props, resource)


# --------------------------------------------------------------------------------------------------
# Resources


@dataclass
class SynapseManagedPrivateEndpointArgs:
    workspace_name: pulumi.Input[str]
    endpoint_name: str
    """Name of the endpoint inside the workspace's managed virtual network "default"."""
    private_link_resource_id: pulumi.Input[str]
    group_id: str
    """Private link sub-resource, e.g. "dfs", "blob", "Analytical" or "Sql"."""
    fqdns: list[str] | None = None
    dev_endpoint: pulumi.Input[str] | None = None
    """Defaults to https://{workspace_name}.dev.azuresynapse.net."""


class SynapseManagedPrivateEndpoint(pulumi.dynamic.Resource, module="synapse", name="ManagedPrivateEndpoint"):
    """A managed private endpoint from a workspace's managed VNet to a private-link resource.

    The endpoint is created in state "Pending" approval; approving it on the target is left to the
    target's owner.
    """

    endpoint_name: pulumi.Output[str]
    provisioning_state: pulumi.Output[str]
    connection_state: pulumi.Output[str]
    """Approval status on the target, e.g. "Pending" or "Approved"."""
    resource_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: SynapseManagedPrivateEndpointArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        props: dict[str, Any] = {
            "workspace_name": args.workspace_name,
            "endpoint_name": args.endpoint_name,
            "private_link_resource_id": args.private_link_resource_id,
            "group_id": args.group_id,
            "fqdns": args.fqdns,
            "dev_endpoint": args.dev_endpoint,
            # Declared here so the engine exposes them as outputs; the provider fills them in.
            "provisioning_state": None,
            "connection_state": None,
            "resource_id": None,
        }
        super().__init__(ManagedPrivateEndpointProvider(), name, props, opts)


@dataclass
class SynapseLinkedServiceArgs:
    workspace_name: pulumi.Input[str]
    linked_service_name: str
    properties: dict[str, Any]
    """The linked service's JSON "properties" body, sent to the service verbatim."""
    dev_endpoint: pulumi.Input[str] | None = None
    """Defaults to https://{workspace_name}.dev.azuresynapse.net."""


class SynapseLinkedService(pulumi.dynamic.Resource, module="synapse", name="LinkedService"):
    """A workspace linked service, e.g. Cosmos DB (Synapse Link) with managed identity, or a lake."""

    linked_service_name: pulumi.Output[str]
    resource_id: pulumi.Output[str]
    etag: pulumi.Output[str]

    def __init__(self, name: str, args: SynapseLinkedServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props: dict[str, Any] = {
            "workspace_name": args.workspace_name,
            "linked_service_name": args.linked_service_name,
            "properties": args.properties,
            "dev_endpoint": args.dev_endpoint,
            "resource_id": None,
            "etag": None,
        }
        super().__init__(LinkedServiceProvider(), name, props, opts)


# Reviewed: workspace data-plane objects, reached only through the workspace's Dev private endpoint.
# Pulumi registers a dynamic resource as pulumi-python:dynamic/<module>:<name>.
declare_type("pulumi-python:dynamic/synapse:ManagedPrivateEndpoint")
declare_type("pulumi-python:dynamic/synapse:LinkedService")
