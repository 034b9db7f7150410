"""Workspace packages: a wheel uploaded to a Synapse workspace, for its Spark pools to install.

With data exfiltration protection on, a pool cannot install from PyPI, so code the notebooks import
comes as a workspace package (Learn, "Manage workspace packages", MicrosoftDocs azure-docs
synapse-analytics/spark/apache-spark-manage-workspace-packages.md) that the pool lists in its
``customLibraries``. The upload is a data-plane call behind the workspace development endpoint, made
with ``azure-synapse-artifacts``' library operations the way Synapse Studio makes it: create the
library, append the file in blocks of at most 4 MiB, then flush; the service then reports where it
keeps the file (container and path), which is what the pool's ``customLibraries`` entry names.

A package a pool uses cannot be overwritten, so the name carries the content's version and a change
is a replacement: the new package is uploaded, the pool switches to it, the old one is deleted.
Settings, credentials, clients and error wrapping are those of ``components.synapse_dataplane``.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi.dynamic
from azure.core.exceptions import ResourceNotFoundError

from cloudscale.components import synapse_dataplane as dataplane
from cloudscale.components.baseline.type_facts import declare_type

if TYPE_CHECKING:
    from azure.synapse.artifacts import ArtifactsClient

__all__ = [
    "PACKAGE_CONTAINER",
    "LibraryProvider",
    "SynapseWorkspacePackage",
    "SynapseWorkspacePackageArgs",
    "WorkspacePackage",
    "package_path",
]

# "The maximum content size is 4MiB. Content larger than 4MiB must be appended in 4MiB chunks"
# (azure-synapse-artifacts LibraryOperations.append).
APPEND_BLOCK_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class WorkspacePackage:
    """A file to upload as a workspace package; ``file_name`` is what the pool installs it as."""

    file_name: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def type(self) -> str:
        return self.file_name.rsplit(".", 1)[-1]


def _label(props: dict[str, Any]) -> str:
    return f"workspace package '{props['library_name']}'"


def _outputs(props: dict[str, Any], resource: dict[str, Any] | None) -> dict[str, Any]:
    properties = (resource or {}).get("properties") or {}
    return {
        "workspace_name": props["workspace_name"],
        "library_name": props["library_name"],
        "sha256": props["sha256"],
        "content": props["content"],
        "dev_endpoint": props.get("dev_endpoint"),
        "container_name": properties.get("containerName"),
        "path": properties.get("path"),
        "library_type": properties.get("type"),
        "provisioning_status": properties.get("provisioningStatus"),
        "resource_id": (resource or {}).get("id"),
    }


class LibraryProvider(pulumi.dynamic.ResourceProvider):
    """One workspace package (library operations: create, append, flush, get, delete)."""

    REPLACE_KEYS = ("workspace_name", "library_name", "sha256")

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        failures = []
        content = news.get("content")
        known = isinstance(content, str) and isinstance(news.get("sha256"), str)
        if known and hashlib.sha256(base64.b64decode(content)).hexdigest() != news["sha256"]:
            failures.append(pulumi.dynamic.CheckFailure("sha256", "does not match the content"))
        return pulumi.dynamic.CheckResult(news, failures)

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        workspace, name = props["workspace_name"], props["library_name"]
        with (
            dataplane._artifacts_client(dataplane._dev_endpoint(props)) as client,
            dataplane._surface_errors(workspace, _label(props), "upload"),
        ):
            # A package left by an upload that never reached the state is replaced, not reused:
            # nothing says its content is complete.
            try:
                client.library.get(name)
                dataplane._finish(client.library.begin_delete(name), workspace, name, "delete")
            except ResourceNotFoundError:
                pass
            _upload(client, workspace, name, base64.b64decode(props["content"]))
            resource = client.library.get(name, cls=dataplane._raw_json)
        return pulumi.dynamic.CreateResult(id_=f"{workspace}/libraries/{name}", outs=_outputs(props, resource))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        # Only the endpoint can change in place; the service's copy stays as it is.
        return pulumi.dynamic.UpdateResult(outs={**olds, "dev_endpoint": news.get("dev_endpoint")})

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        workspace, name = props["workspace_name"], props["library_name"]
        with (
            dataplane._artifacts_client(dataplane._dev_endpoint(props)) as client,
            dataplane._surface_errors(workspace, _label(props), "read"),
        ):
            try:
                resource = client.library.get(name, cls=dataplane._raw_json)
            except ResourceNotFoundError:
                return pulumi.dynamic.ReadResult(id_="", outs={})
        return pulumi.dynamic.ReadResult(id_=id_, outs=_outputs(props, resource))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        replaces = dataplane._first_changed(self.REPLACE_KEYS, olds, news)
        changes = bool(replaces) or olds.get("dev_endpoint") != news.get("dev_endpoint")
        # The new package has a new name, so it is uploaded before the old one goes.
        return pulumi.dynamic.DiffResult(changes=changes, replaces=replaces)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        workspace, name = props["workspace_name"], props["library_name"]
        with (
            dataplane._artifacts_client(dataplane._dev_endpoint(props)) as client,
            dataplane._surface_errors(workspace, _label(props), "delete"),
        ):
            try:
                poller = client.library.begin_delete(name)
            except ResourceNotFoundError:
                return
            dataplane._finish(poller, workspace, name, "delete")


def _upload(client: ArtifactsClient, workspace: str, name: str, content: bytes) -> None:
    dataplane._finish(client.library.begin_create(name), workspace, name, "create")
    for offset in range(0, len(content), APPEND_BLOCK_BYTES):
        block = content[offset : offset + APPEND_BLOCK_BYTES]
        # The position condition makes a retried block fail (412) instead of landing twice.
        client.library.append("appendblock", name, io.BytesIO(block), blob_condition_append_position=offset)
    dataplane._finish(client.library.begin_flush(name), workspace, name, "flush")


@dataclass
class SynapseWorkspacePackageArgs:
    workspace_name: pulumi.Input[str]
    package: WorkspacePackage
    dev_endpoint: pulumi.Input[str] | None = None


class SynapseWorkspacePackage(pulumi.dynamic.Resource, module="synapse", name="WorkspacePackage"):
    """A wheel (or jar) uploaded to a workspace; ``container_name`` and ``path`` locate it for a pool."""

    library_name: pulumi.Output[str]
    container_name: pulumi.Output[str]
    path: pulumi.Output[str]
    library_type: pulumi.Output[str]
    provisioning_status: pulumi.Output[str]

    def __init__(
        self, name: str, args: SynapseWorkspacePackageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        props: dict[str, Any] = {
            "workspace_name": args.workspace_name,
            "library_name": args.package.file_name,
            "sha256": args.package.sha256,
            "content": base64.b64encode(args.package.content).decode(),
            "dev_endpoint": args.dev_endpoint,
            "container_name": None,
            "path": None,
            "library_type": None,
            "provisioning_status": None,
            "resource_id": None,
        }
        super().__init__(LibraryProvider(), name, props, opts)


# Where the service keeps a workspace's packages, as it reports them and as a pool's customLibraries
# names them: container "prep", path "<workspace>/libraries/<file>" (Learn, "Manage libraries for
# Apache Spark pools in Azure Synapse Analytics", the customLibraries example of the REST update).
PACKAGE_CONTAINER = "prep"


def package_path(workspace: str, file_name: str) -> str:
    return f"{workspace}/libraries/{file_name}"


# Reviewed: a package is a file in the workspace's own storage, reached through the Dev private endpoint.
declare_type(
    "pulumi-python:dynamic/synapse:WorkspacePackage",
    computed_outputs=lambda package: {
        "container_name": PACKAGE_CONTAINER,
        "path": package_path(str(package.inputs["workspace_name"]), str(package.inputs["library_name"])),
        "library_type": str(package.inputs["library_name"]).rsplit(".", 1)[-1],
        "provisioning_status": "Succeeded",
    },
)
