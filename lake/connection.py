"""How the lake commands reach an account: the credential and client options, replaceable in tests.

``DefaultAzureCredential`` is what a person (``az login``), a pipeline agent (environment or
workload identity) and a VM in the zone (managed identity) all have.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.storage.filedatalake import DataLakeServiceClient


def _default_credential() -> TokenCredential:
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()


# azure-core waits 300 s for a TCP connection by default, and the storage retry policy tries three
# times: from outside the VNet, a private endpoint's address would hang the command for many minutes
# before it could say that the lake is private.
CONNECTION_TIMEOUT_SECONDS = 20


@dataclass
class LakeSettings:
    credential_factory: Callable[[], TokenCredential] = _default_credential
    # Passed to every client, e.g. ``connection_verify`` for a private CA or retry settings.
    client_kwargs: dict[str, Any] = field(default_factory=lambda: {"connection_timeout": CONNECTION_TIMEOUT_SECONDS})


settings = LakeSettings()


class Connections:
    """One credential and one client per account for a whole command run."""

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack
        self._credential: TokenCredential | None = None
        self._clients: dict[str, DataLakeServiceClient] = {}

    def service(self, dfs_endpoint: str) -> DataLakeServiceClient:
        from azure.storage.filedatalake import DataLakeServiceClient

        if self._credential is None:
            self._credential = settings.credential_factory()
            close = getattr(self._credential, "close", None)
            if close is not None:
                self._stack.callback(close)
        if dfs_endpoint not in self._clients:
            client = DataLakeServiceClient(dfs_endpoint, credential=self._credential, **settings.client_kwargs)
            self._clients[dfs_endpoint] = self._stack.enter_context(client)
        return self._clients[dfs_endpoint]


@contextmanager
def connections() -> Iterator[Connections]:
    with ExitStack() as stack:
        yield Connections(stack)
