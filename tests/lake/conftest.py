"""Fixtures for the lake's data plane: the DFS fake, a static credential, and the dev stack's shape."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import AccessToken

from cloudscale.lake import connection
from cloudscale.stacks.config import PlatformConfig, parse_config
from cloudscale.stacks.offline.stack_files import load_stack_config

from ..dataplane.fake_dfs import FakeDfs
from ..dataplane.fake_synapse import write_self_signed_cert

TOKEN = "static-lake-token-7a6b"
FACTORY_ID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
SYNAPSE_ID = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
ACCOUNTS = {"raw": "stsalesraw", "enriched": "stsalesencur", "workspace": "stsaleswork", "external": "stsalesext"}


class StaticTokenCredential:
    def __init__(self, token: str) -> None:
        self.token = token
        self.closed = False

    def get_token(self, *_scopes: str, **_kwargs: Any) -> AccessToken:
        return AccessToken(self.token, int(time.time()) + 3600)

    def close(self) -> None:
        self.closed = True


@pytest.fixture(scope="session")
def lake_tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_self_signed_cert(tmp_path_factory.mktemp("fake-dfs-tls"))


@pytest.fixture(scope="session")
def dev_platform() -> PlatformConfig:
    return parse_config(load_stack_config("dev"))


def use_credential(monkeypatch: pytest.MonkeyPatch, cert: Path, credential_factory: Any) -> None:
    # No retries: an injected failure must surface at once, not after the SDK's back-off.
    monkeypatch.setattr(
        connection,
        "settings",
        connection.LakeSettings(
            credential_factory=credential_factory,
            client_kwargs={"connection_verify": str(cert), "retry_total": 0},
        ),
    )


@pytest.fixture
def fake_dfs(
    lake_tls: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, dev_platform: PlatformConfig
) -> Iterator[FakeDfs]:
    """The dev zone's three lakes with the containers ``pulumi up`` creates, and no folders yet."""
    zone = dev_platform.zone("sales")
    with FakeDfs(*lake_tls, expected_token=TOKEN) as server:
        for container in ("data", *zone.data_integrations):
            server.add_filesystem(ACCOUNTS["raw"], container)
            server.add_filesystem(ACCOUNTS["enriched"], container)
        for container in ("data", "synapse", *zone.data_products):
            server.add_filesystem(ACCOUNTS["workspace"], container)
        use_credential(monkeypatch, lake_tls[0], lambda: StaticTokenCredential(TOKEN))
        yield server
    assert server.internal_errors == []


def stack_outputs(endpoint: Any, **zone_overrides: Any) -> dict[str, Any]:
    """The shape of ``pulumi stack output --json`` for the dev stack; ``endpoint(account)`` gives each URL."""
    zone: dict[str, Any] = {
        "vnetName": "vnet-adatum-dev-sales",
        "dataFactoryName": "adf-adatum-dev-sales-integration-136e",
        "dataFactoryPrincipalId": FACTORY_ID,
        "synapseWorkspaceName": "synw-adatum-dev-sales-0839",
        "synapsePrincipalId": SYNAPSE_ID,
        "lakes": {
            key: {"accountName": name, "id": f"/subscriptions/x/{name}", "dfsEndpoint": endpoint(name)}
            for key, name in ACCOUNTS.items()
        },
    }
    zone.update(zone_overrides)
    return {"role": "all", "environment": "dev", "landingZones": {"sales": zone}}
