"""Providers of components.synapse_dataplane driven directly against a local fake of the service.

The real SDK clients are used end to end; only the credential and the TLS trust are swapped in,
through ``synapse_dataplane.settings``.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dill
import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError
from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.rpc import UNKNOWN

from cloudscale.components import synapse_dataplane as sd

from .fake_synapse import API_VERSION, FakeSynapse, write_self_signed_cert

WORKSPACE = "synw-cloudscale-test"
TOKEN = "static-test-token-1f2e3d"
SYNAPSE_SCOPE = "https://dev.azuresynapse.net/.default"
LAKE_ID = (
    "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-data"
    "/providers/Microsoft.Storage/storageAccounts/stlake01"
)
COSMOS_ID = (
    "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-data"
    "/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-ops"
)
PE_NAME = "pe-lake-dfs"
PE_PATH = f"/managedVirtualNetworks/default/managedPrivateEndpoints/{PE_NAME}"
LS_NAME = "ls_cosmos_ops"
LS_PATH = f"/linkedservices/{LS_NAME}"
# What the dynamic-provider host passes along in every property bag; providers must ignore it.
PROVIDER_BLOB = "c2VyaWFsaXNlZC1wcm92aWRlcg=="
UNREACHABLE = "https://127.0.0.1:9"

# A Cosmos DB (Synapse Link) linked service with system-assigned managed identity: no keys. The
# subscriptionId/tenantId/resourceGroup keys are unknown to the SDK's CosmosDbLinkedService model.
COSMOS_PROPERTIES: dict[str, Any] = {
    "type": "CosmosDb",
    "description": "Operational store, analytical store via Synapse Link",
    "annotations": ["cloudscale"],
    "connectVia": {"referenceName": "AutoResolveIntegrationRuntime", "type": "IntegrationRuntimeReference"},
    "typeProperties": {
        "accountEndpoint": "https://cosmos-ops.documents.azure.com:443/",
        "database": "ops",
        "subscriptionId": "11111111-2222-3333-4444-555555555555",
        "tenantId": "99999999-8888-7777-6666-555555555555",
        "resourceGroup": "rg-data",
    },
}


class StaticTokenCredential:
    """A TokenCredential that hands out one fixed token and remembers the scopes asked for."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **_kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_self_signed_cert(tmp_path_factory.mktemp("fake-synapse-tls"))


@pytest.fixture
def issued_credentials() -> list[StaticTokenCredential]:
    return []


@pytest.fixture
def fake(
    tls_files: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    issued_credentials: list[StaticTokenCredential],
) -> Iterator[FakeSynapse]:
    def credential_factory() -> StaticTokenCredential:
        credential = StaticTokenCredential(TOKEN)
        issued_credentials.append(credential)
        return credential

    with FakeSynapse(*tls_files, workspace_name=WORKSPACE, expected_token=TOKEN) as server:
        monkeypatch.setattr(
            sd,
            "settings",
            sd.DataPlaneSettings(
                credential_factory=credential_factory,
                client_kwargs={"connection_verify": str(tls_files[0])},
                poll_interval_seconds=0,
                timeout_seconds=30,
            ),
        )
        yield server
    assert server.internal_errors == []


def pe_inputs(dev_endpoint: str, **overrides: Any) -> dict[str, Any]:
    return {
        "workspace_name": WORKSPACE,
        "endpoint_name": PE_NAME,
        "private_link_resource_id": LAKE_ID,
        "group_id": "dfs",
        "fqdns": None,
        "dev_endpoint": dev_endpoint,
        "provisioning_state": None,
        "connection_state": None,
        "resource_id": None,
        "__provider": PROVIDER_BLOB,
        **overrides,
    }


def ls_inputs(dev_endpoint: str, **overrides: Any) -> dict[str, Any]:
    return {
        "workspace_name": WORKSPACE,
        "linked_service_name": LS_NAME,
        "properties": copy.deepcopy(COSMOS_PROPERTIES),
        "dev_endpoint": dev_endpoint,
        "resource_id": None,
        "etag": None,
        "__provider": PROVIDER_BLOB,
        **overrides,
    }


def with_provider(outs: dict[str, Any]) -> dict[str, Any]:
    # The host adds the provider blob to every stored state; mirror that for olds.
    return {**outs, "__provider": PROVIDER_BLOB}


def run_operation(provider: ResourceProvider, operation: str, inputs: dict[str, Any]) -> None:
    """Run the provider's ``create``, ``read`` or ``delete`` on ``inputs``."""
    if operation == "create":
        provider.create(inputs)
    elif operation == "read":
        provider.read("id", inputs)
    else:
        provider.delete("id", inputs)


# --------------------------------------------------------------------------------------------------
# Managed private endpoints


def test_pe_create_puts_target_and_group_with_bearer_token_and_waits_for_provisioning(
    fake: FakeSynapse, issued_credentials: list[StaticTokenCredential]
) -> None:
    fake.provisioning_polls = 2

    result = sd.ManagedPrivateEndpointProvider().create(pe_inputs(fake.url, fqdns=["stlake01.dfs.core.windows.net"]))

    assert fake.calls == [("PUT", PE_PATH), ("GET", PE_PATH), ("GET", PE_PATH), ("GET", PE_PATH)]
    put = fake.requests[0]
    assert put.api_version == API_VERSION == "2020-12-01"
    assert put.body == {
        "properties": {
            "privateLinkResourceId": LAKE_ID,
            "groupId": "dfs",
            "fqdns": ["stlake01.dfs.core.windows.net"],
        }
    }
    assert {r.authorization for r in fake.requests} == {f"Bearer {TOKEN}"}
    assert [c.scopes for c in issued_credentials] == [[(SYNAPSE_SCOPE,)]]
    assert result.id == f"{WORKSPACE}/managedVirtualNetworks/default/managedPrivateEndpoints/{PE_NAME}"
    assert result.outs is not None
    assert result.outs["endpoint_name"] == PE_NAME
    assert result.outs["provisioning_state"] == "Succeeded"
    assert result.outs["connection_state"] == "Pending"
    assert result.outs["resource_id"] == fake.managed_private_endpoints[PE_NAME]["id"]
    assert result.outs["resource_id"].endswith(f"/workspaces/{WORKSPACE}{PE_PATH}")
    assert "__provider" not in result.outs


def test_pe_create_without_fqdns_leaves_them_to_the_service(fake: FakeSynapse) -> None:
    result = sd.ManagedPrivateEndpointProvider().create(pe_inputs(fake.url))

    assert fake.requests[0].body == {"properties": {"privateLinkResourceId": LAKE_ID, "groupId": "dfs"}}
    assert result.outs is not None
    assert result.outs["fqdns"] is None


def test_pe_create_fails_when_provisioning_fails(fake: FakeSynapse) -> None:
    fake.final_provisioning_state = "Failed"

    with pytest.raises(sd.SynapseDataPlaneError) as caught:
        sd.ManagedPrivateEndpointProvider().create(pe_inputs(fake.url))

    message = str(caught.value)
    assert WORKSPACE in message
    assert PE_NAME in message
    assert "'Failed'" in message


def test_pe_create_gives_up_when_provisioning_never_ends(fake: FakeSynapse, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.provisioning_polls = 1_000
    monkeypatch.setattr(sd, "settings", dataclasses.replace(sd.settings, timeout_seconds=0))

    with pytest.raises(sd.SynapseDataPlaneError) as caught:
        sd.ManagedPrivateEndpointProvider().create(pe_inputs(fake.url))

    message = str(caught.value)
    assert WORKSPACE in message
    assert PE_NAME in message
    assert "'Provisioning'" in message


@pytest.mark.parametrize(
    ("operation", "method", "status"),
    [("create", "PUT", 400), ("read", "GET", 403), ("delete", "DELETE", 409)],
)
def test_pe_service_error_names_workspace_and_endpoint(
    fake: FakeSynapse, operation: str, method: str, status: int
) -> None:
    provider = sd.ManagedPrivateEndpointProvider()
    inputs = pe_inputs(fake.url)
    fake.fail_next(method, PE_PATH, status, "InvalidPrivateLinkRequest", "The group id 'dfs' is not valid")

    with pytest.raises(sd.SynapseDataPlaneError) as caught:
        run_operation(provider, operation, inputs)

    message = str(caught.value)
    assert f"Synapse workspace '{WORKSPACE}'" in message
    assert f"managed private endpoint '{PE_NAME}'" in message
    assert "InvalidPrivateLinkRequest" in message
    assert isinstance(caught.value.__cause__, HttpResponseError)
    assert caught.value.__cause__.status_code == status
    assert fake.calls == [(method, PE_PATH)]


def test_pe_update_puts_new_fqdns_and_keeps_the_endpoint(fake: FakeSynapse) -> None:
    provider = sd.ManagedPrivateEndpointProvider()
    olds = with_provider(provider.create(pe_inputs(fake.url, fqdns=["stlake01.dfs.core.windows.net"])).outs)
    fake.approve(PE_NAME)
    fqdns = ["stlake01.dfs.core.windows.net", "stlake01-secondary.dfs.core.windows.net"]
    fake.requests.clear()

    result = provider.update("id", olds, pe_inputs(fake.url, fqdns=fqdns))

    assert fake.calls[0] == ("PUT", PE_PATH)
    assert ("DELETE", PE_PATH) not in fake.calls
    assert fake.requests[0].body["properties"]["fqdns"] == fqdns
    assert fake.managed_private_endpoints[PE_NAME]["properties"]["fqdns"] == fqdns
    assert result.outs is not None
    assert result.outs["fqdns"] == fqdns
    assert result.outs["provisioning_state"] == "Succeeded"
    assert result.outs["connection_state"] == "Approved"


def test_pe_read_refreshes_service_state_but_keeps_inputs(fake: FakeSynapse) -> None:
    provider = sd.ManagedPrivateEndpointProvider()
    created = provider.create(pe_inputs(fake.url))
    fake.approve(PE_NAME)

    read = provider.read(created.id, with_provider(created.outs))

    assert fake.calls[-1] == ("GET", PE_PATH)
    assert read.id == created.id
    assert read.outs["connection_state"] == "Approved"
    assert read.outs["provisioning_state"] == "Succeeded"
    # The service derived FQDNs itself; echoing them into state would make the next `up` a diff.
    assert fake.managed_private_endpoints[PE_NAME]["properties"]["fqdns"]
    assert read.outs["fqdns"] is None
    assert provider.diff(read.id, with_provider(read.outs), pe_inputs(fake.url)).changes is False


def test_pe_read_of_missing_endpoint_reports_it_gone(fake: FakeSynapse) -> None:
    read = sd.ManagedPrivateEndpointProvider().read("id", pe_inputs(fake.url))

    assert fake.calls == [("GET", PE_PATH)]
    assert read.id == ""
    assert read.outs == {}


def test_pe_delete_waits_until_the_endpoint_is_gone(fake: FakeSynapse) -> None:
    provider = sd.ManagedPrivateEndpointProvider()
    created = provider.create(pe_inputs(fake.url))
    fake.deleting_polls = 2
    fake.requests.clear()

    provider.delete(created.id, with_provider(created.outs))

    assert fake.calls == [("DELETE", PE_PATH), ("GET", PE_PATH), ("GET", PE_PATH), ("GET", PE_PATH)]
    assert fake.requests[0].api_version == API_VERSION
    assert fake.requests[0].authorization == f"Bearer {TOKEN}"
    assert fake.managed_private_endpoints == {}


def test_pe_delete_of_missing_endpoint_succeeds(fake: FakeSynapse) -> None:
    sd.ManagedPrivateEndpointProvider().delete("id", pe_inputs(fake.url))

    assert fake.calls == [("DELETE", PE_PATH)]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("workspace_name", "synw-other"),
        ("endpoint_name", "pe-lake-blob"),
        ("private_link_resource_id", COSMOS_ID),
        ("group_id", "blob"),
        ("private_link_resource_id", UNKNOWN),  # not yet known during preview
    ],
)
def test_pe_diff_replaces_when_identity_or_target_changes(key: str, value: str) -> None:
    diff = sd.ManagedPrivateEndpointProvider().diff(
        "id", pe_inputs(UNREACHABLE), pe_inputs(UNREACHABLE, **{key: value})
    )

    assert diff.changes is True
    assert diff.replaces == [key]
    assert diff.delete_before_replace is True


def test_pe_diff_updates_in_place_when_fqdns_change() -> None:
    diff = sd.ManagedPrivateEndpointProvider().diff(
        "id",
        pe_inputs(UNREACHABLE, fqdns=["a.dfs.core.windows.net"]),
        pe_inputs(UNREACHABLE, fqdns=["a.dfs.core.windows.net", "b.dfs.core.windows.net"]),
    )

    assert diff.changes is True
    assert diff.replaces == []
    assert diff.delete_before_replace is False


@pytest.mark.parametrize(
    ("old_fqdns", "new_fqdns"),
    [(None, None), (None, []), (["a.x", "b.x"], ["b.x", "a.x"])],
)
def test_pe_diff_ignores_equivalent_fqdns_and_the_provider_blob(old_fqdns: Any, new_fqdns: Any) -> None:
    olds = pe_inputs(UNREACHABLE, fqdns=old_fqdns, provisioning_state="Succeeded", connection_state="Approved")
    news = pe_inputs(UNREACHABLE, fqdns=new_fqdns, __provider="cmUtcGlja2xlZA==")

    diff = sd.ManagedPrivateEndpointProvider().diff("id", olds, news)

    assert diff.changes is False
    assert diff.replaces == []


def test_fake_lists_endpoints_the_way_the_sdk_expects(fake: FakeSynapse, tls_files: tuple[Path, Path]) -> None:
    sd.ManagedPrivateEndpointProvider().create(pe_inputs(fake.url))

    from azure.synapse.managedprivateendpoints.v2020_12_01 import VnetClient

    with VnetClient(StaticTokenCredential(TOKEN), fake.url, connection_verify=str(tls_files[0])) as client:
        listed = list(client.managed_private_endpoints.list(sd.MANAGED_VNET_NAME))

    assert [(pe.name, pe.properties.group_id) for pe in listed] == [(PE_NAME, "dfs")]
    assert fake.calls[-1] == ("GET", "/managedVirtualNetworks/default/managedPrivateEndpoints")


def test_dev_endpoint_defaults_to_the_workspace_development_endpoint() -> None:
    assert sd._dev_endpoint({"workspace_name": "synw1", "dev_endpoint": None}) == ("https://synw1.dev.azuresynapse.net")
    assert sd._dev_endpoint({"workspace_name": "synw1", "dev_endpoint": "https://pl.example/"}) == (
        "https://pl.example"
    )


# --------------------------------------------------------------------------------------------------
# Linked services


def test_ls_create_sends_properties_verbatim_and_follows_the_long_running_operation(fake: FakeSynapse) -> None:
    fake.operation_polls = 2

    result = sd.LinkedServiceProvider().create(ls_inputs(fake.url))

    put, *polls = fake.requests
    assert (put.method, put.path, put.api_version) == ("PUT", LS_PATH, API_VERSION)
    # Exactly what was declared, including typeProperties the SDK's model does not know about.
    assert put.body == {"properties": COSMOS_PROPERTIES}
    assert [(r.method, r.path.rsplit("/", 1)[0]) for r in polls] == [("GET", "/operationResults")] * 3
    assert {r.authorization for r in fake.requests} == {f"Bearer {TOKEN}"}
    assert fake.linked_services[LS_NAME]["properties"] == COSMOS_PROPERTIES
    assert result.id == f"{WORKSPACE}/linkedservices/{LS_NAME}"
    assert result.outs is not None
    assert result.outs["resource_id"] == fake.linked_services[LS_NAME]["id"]
    assert result.outs["etag"] == fake.linked_services[LS_NAME]["etag"]
    assert result.outs["properties"] == COSMOS_PROPERTIES


def test_ls_create_restores_integers_that_pulumi_turned_into_floats(fake: FakeSynapse) -> None:
    properties = {"type": "AzureSqlDW", "typeProperties": {"port": 1433.0, "ratio": 0.5, "hosts": [1.0]}}

    sd.LinkedServiceProvider().create(ls_inputs(fake.url, properties=properties))

    sent = fake.requests[0].body["properties"]["typeProperties"]
    assert sent == {"port": 1433, "ratio": 0.5, "hosts": [1]}
    assert type(sent["port"]) is int
    assert type(sent["hosts"][0]) is int


def test_ls_update_puts_the_new_properties(fake: FakeSynapse) -> None:
    provider = sd.LinkedServiceProvider()
    olds = with_provider(provider.create(ls_inputs(fake.url)).outs)
    old_etag = olds["etag"]
    changed = copy.deepcopy(COSMOS_PROPERTIES)
    changed["typeProperties"]["database"] = "ops-v2"
    fake.requests.clear()

    result = provider.update("id", olds, ls_inputs(fake.url, properties=changed))

    assert fake.requests[0].method == "PUT"
    assert fake.requests[0].body == {"properties": changed}
    assert fake.linked_services[LS_NAME]["properties"]["typeProperties"]["database"] == "ops-v2"
    assert result.outs is not None
    assert result.outs["properties"] == changed
    assert result.outs["etag"] == fake.linked_services[LS_NAME]["etag"] != old_etag


def test_ls_read_refreshes_etag_but_keeps_declared_properties(fake: FakeSynapse) -> None:
    provider = sd.LinkedServiceProvider()
    created = provider.create(ls_inputs(fake.url))
    # What the service does to stored linked services: adds fields and masks secrets.
    fake.linked_services[LS_NAME]["properties"]["typeProperties"]["encryptedCredential"] = "ew0KICAiVm"
    fake.linked_services[LS_NAME]["etag"] = "etag-after-portal-edit"

    read = provider.read(created.id, with_provider(created.outs))

    assert fake.calls[-1] == ("GET", LS_PATH)
    assert read.id == created.id
    assert read.outs["etag"] == "etag-after-portal-edit"
    assert read.outs["properties"] == COSMOS_PROPERTIES
    assert provider.diff(read.id, with_provider(read.outs), ls_inputs(fake.url)).changes is False


def test_ls_read_of_missing_linked_service_reports_it_gone(fake: FakeSynapse) -> None:
    read = sd.LinkedServiceProvider().read("id", ls_inputs(fake.url))

    assert fake.calls == [("GET", LS_PATH)]
    assert read.id == ""
    assert read.outs == {}


def test_ls_delete_follows_the_long_running_operation(fake: FakeSynapse) -> None:
    provider = sd.LinkedServiceProvider()
    created = provider.create(ls_inputs(fake.url))
    fake.requests.clear()

    provider.delete(created.id, with_provider(created.outs))

    assert fake.calls[0] == ("DELETE", LS_PATH)
    assert [path.rsplit("/", 1)[0] for _, path in fake.calls[1:]] == ["/operationResults"] * 2
    assert fake.linked_services == {}


def test_ls_delete_of_missing_linked_service_succeeds(fake: FakeSynapse) -> None:
    sd.LinkedServiceProvider().delete("id", ls_inputs(fake.url))

    assert fake.calls == [("DELETE", LS_PATH)]


@pytest.mark.parametrize(
    ("operation", "method", "status"),
    [("create", "PUT", 400), ("read", "GET", 403), ("delete", "DELETE", 409)],
)
def test_ls_service_error_names_workspace_and_linked_service(
    fake: FakeSynapse, operation: str, method: str, status: int
) -> None:
    provider = sd.LinkedServiceProvider()
    inputs = ls_inputs(fake.url)
    fake.fail_next(method, LS_PATH, status, "LinkedServiceRejected", "Cosmos DB account endpoint is invalid")

    with pytest.raises(sd.SynapseDataPlaneError) as caught:
        run_operation(provider, operation, inputs)

    message = str(caught.value)
    assert f"Synapse workspace '{WORKSPACE}'" in message
    assert f"linked service '{LS_NAME}'" in message
    assert "LinkedServiceRejected" in message
    assert isinstance(caught.value.__cause__, HttpResponseError)
    assert fake.calls == [(method, LS_PATH)]


def test_ls_failed_long_running_operation_raises(fake: FakeSynapse) -> None:
    fake.fail_next_operation(400, "CosmosDbAccessDenied", "The workspace identity has no access to the account")

    with pytest.raises(sd.SynapseDataPlaneError) as caught:
        sd.LinkedServiceProvider().create(ls_inputs(fake.url))

    message = str(caught.value)
    assert WORKSPACE in message
    assert LS_NAME in message
    assert "CosmosDbAccessDenied" in message
    assert LS_NAME not in fake.linked_services


def test_ls_check_rejects_properties_without_a_type() -> None:
    provider = sd.LinkedServiceProvider()
    untyped = {k: v for k, v in COSMOS_PROPERTIES.items() if k != "type"}

    rejected = provider.check({}, ls_inputs(UNREACHABLE, properties=untyped))
    accepted = provider.check({}, ls_inputs(UNREACHABLE))

    assert [f.property for f in rejected.failures] == ["properties"]
    assert accepted.failures == []
    assert accepted.inputs == ls_inputs(UNREACHABLE)


@pytest.mark.parametrize(("key", "value"), [("workspace_name", "synw-other"), ("linked_service_name", "ls_new")])
def test_ls_diff_replaces_when_identity_changes(key: str, value: str) -> None:
    diff = sd.LinkedServiceProvider().diff("id", ls_inputs(UNREACHABLE), ls_inputs(UNREACHABLE, **{key: value}))

    assert diff.changes is True
    assert diff.replaces == [key]


def test_ls_diff_updates_in_place_when_properties_change() -> None:
    changed = copy.deepcopy(COSMOS_PROPERTIES)
    changed["typeProperties"]["database"] = "ops-v2"

    update = sd.LinkedServiceProvider().diff("id", ls_inputs(UNREACHABLE), ls_inputs(UNREACHABLE, properties=changed))
    same = sd.LinkedServiceProvider().diff(
        "id", ls_inputs(UNREACHABLE, etag="e1"), ls_inputs(UNREACHABLE, __provider="b3RoZXI=")
    )

    assert (update.changes, update.replaces) == (True, [])
    assert (same.changes, same.replaces) == (False, [])


# --------------------------------------------------------------------------------------------------
# Pickling: Pulumi stores each provider in the state with dill and replays it in another process.


@pytest.mark.parametrize(
    ("provider_type", "inputs"),
    [(sd.ManagedPrivateEndpointProvider, pe_inputs), (sd.LinkedServiceProvider, ls_inputs)],
)
def test_provider_pickles_with_dill_without_capturing_a_credential(
    fake: FakeSynapse,
    issued_credentials: list[StaticTokenCredential],
    provider_type: type[sd.pulumi.dynamic.ResourceProvider],
    inputs: Any,
) -> None:
    provider = provider_type()
    assert issued_credentials == []  # nothing is built until a provider method runs
    created = provider.create(inputs(fake.url))
    assert len(issued_credentials) == 1

    pickled = base64.b64decode(serialize_provider(provider))  # exactly what Pulumi stores

    assert TOKEN.encode() not in pickled
    assert b"StaticTokenCredential" not in pickled
    assert b"127.0.0.1" not in pickled
    restored = dill.loads(pickled)
    assert type(restored) is provider_type
    read = restored.read(created.id, with_provider(created.outs))
    assert read.id == created.id
    assert len(issued_credentials) == 2
