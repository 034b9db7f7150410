"""Failures of the lake commands turned into one line a person can act on.

Every message names what failed and what to do next. The command line prints ``error: <message>``
and exits with status 2, without a traceback.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
)


class LakeError(Exception):
    """A failure the person running the command can fix; ``str()`` is the whole message."""


@dataclass(frozen=True)
class Target:
    """Where a request went, for the message: the account, and the VNet its private endpoints live in."""

    account: str
    stack: str
    vnet_name: str | None = None
    # The data role the command needs on the account. Setting ACLs needs Storage Blob Data Owner or
    # ownership of the path (learn.microsoft.com/azure/storage/blobs/data-lake-storage-acl-python,
    # "Prerequisites"); uploading files needs Storage Blob Data Contributor.
    role: str = "Storage Blob Data Owner"


# Storage error codes (learn.microsoft.com/rest/api/storageservices/blob-service-error-codes and
# .../datalakestoragegen2/path error codes): a data role that lacks the operation is
# AuthorizationPermissionMismatch; a request the account's network rules refuse (public network
# access disabled, caller not on an allowed network) is AuthorizationFailure, both HTTP 403.
PERMISSION_MISMATCH = "AuthorizationPermissionMismatch"
NETWORK_REFUSED = "AuthorizationFailure"
MISSING_CONTAINER_CODES = frozenset({"FilesystemNotFound", "ContainerNotFound"})


def _private_route(target: Target) -> str:
    where = f"the zone's VNet {target.vnet_name}" if target.vnet_name else "the zone's VNet"
    return (
        f"the lake {target.account} is private (public network access disabled, private endpoints only): "
        f"run from {where} or a network peered or connected to it (VPN, ExpressRoute, a jump host), "
        "with the platform's private DNS zones resolving privatelink.dfs.core.windows.net"
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _is_name_resolution_failure(error: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return True
        text = str(current)
        if "Name or service not known" in text or "Failed to resolve" in text or "nodename nor servname" in text:
            return True
        current = current.__cause__ or current.__context__ or getattr(current, "inner_exception", None)
    return False


def explain(error: BaseException, target: Target) -> LakeError | None:
    """The actionable form of an Azure SDK or credential failure, or None when it is none of ours."""
    # CredentialUnavailableError derives from ClientAuthenticationError; check it by name so that a
    # missing azure-identity extra cannot break error handling.
    if type(error).__name__ == "CredentialUnavailableError":
        return LakeError(
            "no Azure credential found: sign in with `az login` (or set AZURE_CLIENT_ID, AZURE_TENANT_ID and "
            "AZURE_CLIENT_SECRET, or run where a managed identity is available), then retry"
        )
    if isinstance(error, ClientAuthenticationError):
        return LakeError(
            f"Azure rejected the credential for {target.account} ({_first_line(error)}): sign in again with "
            "`az login --tenant <tenant of the subscription>` and retry"
        )
    if isinstance(error, ServiceRequestError):
        if _is_name_resolution_failure(error):
            return LakeError(
                f"storage account {target.account} does not exist (its name does not resolve): check that the "
                f"outputs are those of stack {target.stack} and that `pulumi up` finished"
            )
        return LakeError(f"cannot reach {target.account} ({_first_line(error)}); {_private_route(target)}")
    if isinstance(error, ResourceNotFoundError) and getattr(error, "error_code", None) in MISSING_CONTAINER_CODES:
        return LakeError(
            f"a container the layout needs is missing in {target.account} ({_first_line(error)}): run `pulumi up` "
            f"for stack {target.stack}, which creates the containers, then retry"
        )
    if isinstance(error, HttpResponseError) and error.status_code == 403:
        code = getattr(error, "error_code", None)
        if code == NETWORK_REFUSED:
            return LakeError(f"{target.account} refused a request from this network; {_private_route(target)}")
        if code == PERMISSION_MISMATCH:
            return LakeError(
                f"your identity lacks a data role on {target.account}: this command needs {target.role} on the "
                "account (an Owner or User Access Administrator can assign it; it takes a few minutes to apply)"
            )
    return None
