"""A local HTTPS fake of one Synapse workspace development endpoint.

It answers the REST calls the real SDKs make, with the protocol the service uses:

* managed private endpoints (azure-synapse-managedprivateendpoints, api-version 2020-12-01):
  ``PUT`` answers 200 with provisioningState "Provisioning"; later ``GET``s report "Succeeded"
  (or ``final_provisioning_state``). ``DELETE`` answers 202 and the endpoint lingers as "Deleting"
  for a few ``GET``s before they answer 404.
* linked services (azure-synapse-artifacts): ``PUT`` and ``DELETE`` answer 202 with a ``Location``
  header pointing at ``/operationResults/{id}`` and ``Retry-After: 0``; that URL answers 202
  ``{"status": "InProgress"}`` a few times and then 200 with the resource (or 204 for a delete).
  This mirrors recorded traffic of the real service.
* datasets, notebooks, SQL scripts, pipelines and triggers (azure-synapse-artifacts): the same
  long-running PUT and DELETE as linked services. Triggers are created "Stopped"; ``POST
  .../start`` and ``.../stop`` answer 200 and flip ``runtimeState``; like the service, a started
  trigger cannot be updated or deleted. Event triggers must be subscribed (``subscribeToEvents``,
  then ``getEventSubscriptionStatus`` reports "Provisioning" for ``subscription_polls`` reads, then
  "Enabled") before they start. ``POST /pipelines/{name}/createRun`` answers 202 with a run id.
* workspace packages (azure-synapse-artifacts library operations): ``PUT /libraries/{name}``
  creates an empty library (409 if it exists), ``PUT ...?comp=appendblock`` appends a block of at
  most 4 MiB at the position the ``x-ms-blob-condition-appendpos`` header names (412 otherwise,
  413 for a larger block, 201 on success), ``POST .../flush`` completes the file; create, flush and
  ``DELETE`` are long-running (202 with a ``Location`` under ``/libraryOperationResults/``). ``GET``
  reports the library with container "prep" and path "<workspace>/libraries/<name>", and
  provisioningStatus "Incomplete" until it is flushed.
* Synapse RBAC (azure-synapse-accesscontrol, api-version 2020-12-01): ``GET /roleDefinitions``
  lists the built-in roles (``{id, name, isBuiltIn, ...}``; the ids here are the fake's own);
  ``PUT /roleAssignments/{id}`` with ``{roleId, principalId, scope, principalType}`` answers 200
  with ``{id, roleDefinitionId, principalId, scope, principalType}``, 400 for an unknown role or a
  scope outside the workspace, and 409 when the same role, principal and scope is already assigned
  under another id; ``GET`` answers 200 or 404; ``DELETE ...?scope=`` answers 204 (also when gone).

Everything is held in memory and every request is recorded. HTTPS is required because azure-core's
bearer-token policy refuses to send a token over plain HTTP; the certificate is self-signed and
generated at test time, and clients trust it via ``connection_verify``.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import re
import socket
import ssl
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

API_VERSION = "2020-12-01"

_PE_COLLECTION = re.compile(r"^/managedVirtualNetworks/(?P<vnet>[^/]+)/managedPrivateEndpoints/?$")
_PE_ITEM = re.compile(r"^/managedVirtualNetworks/(?P<vnet>[^/]+)/managedPrivateEndpoints/(?P<name>[^/]+)$")
_LS_COLLECTION = re.compile(r"^/linkedservices/?$")
_LS_ITEM = re.compile(r"^/linkedservices/(?P<name>[^/]+)$")
_ARTIFACT_COLLECTIONS = ("datasets", "notebooks", "sqlScripts", "pipelines", "triggers")
_ARTIFACT_ITEM = re.compile(r"^/(?P<collection>datasets|notebooks|sqlScripts|pipelines|triggers)/(?P<name>[^/]+)$")
_TRIGGER_ACTION = re.compile(
    r"^/triggers/(?P<name>[^/]+)/(?P<action>start|stop|subscribeToEvents|getEventSubscriptionStatus)$"
)
_CREATE_RUN = re.compile(r"^/pipelines/(?P<name>[^/]+)/createRun$")
_EVENT_TRIGGERS = ("BlobEventsTrigger", "CustomEventsTrigger")
_OPERATION = re.compile(r"^/operationResults/(?P<op>[^/]+)$")
_LIBRARY_ITEM = re.compile(r"^/libraries/(?P<name>[^/]+)$")
_LIBRARY_FLUSH = re.compile(r"^/libraries/(?P<name>[^/]+)/flush$")
_LIBRARY_OPERATION = re.compile(r"^/libraryOperationResults/(?P<op>[^/]+)$")
MAX_APPEND_BYTES = 4 * 1024 * 1024
_ROLE_DEFINITIONS = re.compile(r"^/roleDefinitions/?$")
_ROLE_ASSIGNMENT = re.compile(r"^/roleAssignments/(?P<id>[^/]+)$")
BUILT_IN_ROLES = (
    "Synapse Administrator",
    "Synapse SQL Administrator",
    "Apache Spark Administrator",
    "Synapse Contributor",
    "Synapse Artifact Publisher",
    "Synapse Artifact User",
    "Synapse Compute Operator",
    "Synapse Monitoring Operator",
    "Synapse Credential User",
    "Synapse Linked Data Manager",
    "Synapse User",
)


def write_self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """Write a certificate for 127.0.0.1/localhost and its key; returns (cert_file, key_file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-synapse.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        # The certificate is its own trust anchor, so it must be a CA certificate as well.
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "fake-synapse.pem", directory / "fake-synapse.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    api_version: str | None
    body: Any
    authorization: str | None
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Operation:
    kind: str  # "put" or "delete"
    name: str
    collection: str
    polls_left: int
    resource: dict[str, Any] | None
    failure: tuple[int, dict[str, Any]] | None


@dataclass
class _Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def _error(status: int, code: str, message: str) -> _Reply:
    return _Reply(status, {"error": {"code": code, "message": message}})


class _Server(ThreadingHTTPServer):
    # Handler threads are joined on server_close(); with one request per connection and a socket
    # timeout, that join is bounded.
    daemon_threads = False
    block_on_close = True

    def __init__(self, fake: FakeSynapse, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake
        self.context = context

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = self.socket.accept()
        # Handshake in the handler thread (under its timeout), not in the accept loop.
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # e.g. a client giving up mid-handshake; the test sees its own error


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so no idle keep-alive thread outlives a test.
    protocol_version = "HTTP/1.0"
    timeout = 5
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.do_handshake()

    def log_message(self, *_args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.fake._handle(self)

    def do_PUT(self) -> None:
        self.server.fake._handle(self)

    def do_DELETE(self) -> None:
        self.server.fake._handle(self)

    def do_POST(self) -> None:
        self.server.fake._handle(self)

    def do_PATCH(self) -> None:
        self.server.fake._handle(self)

    def do_HEAD(self) -> None:
        self.server.fake._handle(self)


class FakeSynapse:
    """One workspace's development endpoint. Use as a context manager; ``url`` is its endpoint."""

    def __init__(
        self,
        cert_file: Path,
        key_file: Path,
        *,
        workspace_name: str,
        expected_token: str,
        subscription_id: str = "00000000-0000-0000-0000-000000000000",
        resource_group: str = "rg-fake",
    ) -> None:
        self.cert_file = cert_file
        self._key_file = key_file
        self.workspace_name = workspace_name
        self.expected_token = expected_token
        self.workspace_id = (
            f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"
            f"/providers/Microsoft.Synapse/workspaces/{workspace_name}"
        )
        self.requests: list[RecordedRequest] = []
        self.managed_private_endpoints: dict[str, dict[str, Any]] = {}
        self.artifacts: dict[str, dict[str, dict[str, Any]]] = {"linkedservices": {}} | {
            collection: {} for collection in _ARTIFACT_COLLECTIONS
        }
        self.linked_services = self.artifacts["linkedservices"]
        self.triggers = self.artifacts["triggers"]
        self.pipeline_runs: list[tuple[str, Any]] = []
        self.role_definitions = {
            name: str(uuid.uuid5(uuid.NAMESPACE_URL, f"fake-synapse-role/{name}")) for name in BUILT_IN_ROLES
        }
        self.role_assignments: dict[str, dict[str, Any]] = {}
        self.libraries: dict[str, dict[str, Any]] = {}
        self._library_operations: dict[str, list[Any]] = {}
        self.subscriptions: dict[str, str] = {}
        self.subscription_polls = 1  # status reads that still report "Provisioning"
        self._subscription_polls_left: dict[str, int] = {}
        # Behaviour knobs, settable by tests.
        self.provisioning_polls = 1  # GETs after a PUT that still report "Provisioning"
        self.final_provisioning_state = "Succeeded"
        self.deleting_polls = 1  # GETs after a DELETE that still report "Deleting"
        self.operation_polls = 1  # operationResults polls answered 202 before completion
        self._polls_left: dict[str, int] = {}
        self._operations: dict[str, _Operation] = {}
        self._faults: dict[tuple[str, str], _Reply] = {}
        self.internal_errors: list[Exception] = []
        self._operation_fault: tuple[int, dict[str, Any]] | None = None
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeSynapse:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self._key_file)
        self._server = _Server(self, context)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-synapse"
        )
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    # -- test helpers ------------------------------------------------------------------------------

    @property
    def calls(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.requests]

    def fail_next(self, method: str, path: str, status: int, code: str, message: str) -> None:
        """Answer the next ``method path`` request with an error body instead of handling it."""
        self._faults[(method, path)] = _error(status, code, message)

    def fail_next_operation(self, status: int, code: str, message: str) -> None:
        """Make the next long-running linked-service operation end in an error."""
        self._operation_fault = (status, {"error": {"code": code, "message": message}})

    def approve(self, endpoint_name: str) -> None:
        """What the target resource's owner does: approve the private endpoint connection."""
        with self._lock:
            state = self.managed_private_endpoints[endpoint_name]["properties"]["connectionState"]
            state.update(status="Approved", description="Approved by owner")

    # -- request handling --------------------------------------------------------------------------

    def _handle(self, handler: _Handler) -> None:
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        binary = handler.headers.get("Content-Type") == "application/octet-stream"
        request = RecordedRequest(
            method=handler.command,
            path=split.path,
            api_version=(parse_qs(split.query).get("api-version") or [None])[0],
            body=raw if binary else json.loads(raw) if raw else None,
            authorization=handler.headers.get("Authorization"),
            query={key: values[0] for key, values in parse_qs(split.query).items()},
            headers={key.lower(): value for key, value in handler.headers.items()},
        )
        with self._lock:
            self.requests.append(request)
            try:
                reply = self._route(request)
            except Exception as exc:
                # A bug in the fake must fail the test, not look like a service error the SDK retries.
                self.internal_errors.append(exc)
                reply = _error(400, "FakeInternalError", repr(exc))
        payload = b"" if reply.body is None else json.dumps(reply.body).encode()
        handler.send_response(reply.status)
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        if payload:
            handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def _route(self, request: RecordedRequest) -> _Reply:
        if request.authorization != f"Bearer {self.expected_token}":
            return _error(401, "Unauthorized", "missing or wrong bearer token")
        if fault := self._faults.pop((request.method, request.path), None):
            return fault
        if match := _OPERATION.match(request.path):
            return self._operation_result(match["op"])
        if match := _LIBRARY_OPERATION.match(request.path):
            return self._library_operation_result(match["op"])
        if request.api_version != API_VERSION:
            return _error(400, "InvalidApiVersion", f"api-version {request.api_version!r} is not supported")
        if (match := _PE_COLLECTION.match(request.path)) and request.method == "GET":
            return self._check_vnet(match["vnet"]) or _Reply(
                200, {"value": list(self.managed_private_endpoints.values())}
            )
        if match := _PE_ITEM.match(request.path):
            handlers = {"PUT": self._put_pe, "GET": self._get_pe, "DELETE": self._delete_pe}
            return self._check_vnet(match["vnet"]) or handlers[request.method](match["name"], request.body)
        if _LS_COLLECTION.match(request.path) and request.method == "GET":
            return _Reply(200, {"value": list(self.linked_services.values())})
        if match := _LS_ITEM.match(request.path):
            handlers = {"PUT": self._put_ls, "GET": self._get_ls, "DELETE": self._delete_ls}
            return handlers[request.method](match["name"], request.body)
        if (match := _TRIGGER_ACTION.match(request.path)) and request.method == "POST":
            return self._trigger_action(match["name"], match["action"])
        if (match := _CREATE_RUN.match(request.path)) and request.method == "POST":
            return self._create_run(match["name"], request.body)
        if match := _ARTIFACT_ITEM.match(request.path):
            handlers = {"PUT": self._put_artifact, "GET": self._get_artifact, "DELETE": self._delete_artifact}
            return handlers[request.method](match["collection"], match["name"], request.body)
        if (match := _LIBRARY_FLUSH.match(request.path)) and request.method == "POST":
            return self._flush_library(match["name"])
        if match := _LIBRARY_ITEM.match(request.path):
            return self._library(request.method, match["name"], request)
        if _ROLE_DEFINITIONS.match(request.path) and request.method == "GET":
            return _Reply(
                200,
                [
                    {
                        "id": role_id,
                        "name": name,
                        "isBuiltIn": True,
                        "description": name,
                        "scopes": ["workspaces/"],
                        "availabilityStatus": "Available",
                    }
                    for name, role_id in self.role_definitions.items()
                ],
            )
        if match := _ROLE_ASSIGNMENT.match(request.path):
            return self._role_assignment(request.method, match["id"], request)
        return _error(404, "NotFound", f"{request.method} {request.path} is not implemented by the fake")

    @staticmethod
    def _check_vnet(vnet: str) -> _Reply | None:
        if vnet != "default":
            return _error(404, "ManagedVirtualNetworkNotFound", f"managed virtual network '{vnet}' not found")
        return None

    # managed private endpoints

    def _put_pe(self, name: str, body: Any) -> _Reply:
        properties = (body or {}).get("properties") or {}
        target, group = properties.get("privateLinkResourceId"), properties.get("groupId")
        if not target or not group:
            return _error(400, "BadRequest", "privateLinkResourceId and groupId are required")
        existing = self.managed_private_endpoints.get(name)
        connection = (
            existing["properties"]["connectionState"]
            if existing
            else {"status": "Pending", "description": "", "actionsRequired": "None"}
        )
        # Like the service, derive an FQDN when none is given (approximation: storage-style names).
        fqdns = properties.get("fqdns") or [f"{target.rsplit('/', 1)[-1]}.{group.lower()}.core.windows.net"]
        endpoint = {
            "id": f"{self.workspace_id}/managedVirtualNetworks/default/managedPrivateEndpoints/{name}",
            "name": name,
            "type": "Microsoft.Synapse/workspaces/managedVirtualNetworks/managedPrivateEndpoints",
            "properties": {
                "privateLinkResourceId": target,
                "groupId": group,
                "provisioningState": "Provisioning",
                "connectionState": connection,
                "isReserved": False,
                "fqdns": fqdns,
                "isCompliant": True,
            },
        }
        self.managed_private_endpoints[name] = endpoint
        self._polls_left[name] = self.provisioning_polls
        if self.provisioning_polls == 0:
            endpoint["properties"]["provisioningState"] = self.final_provisioning_state
        return _Reply(200, endpoint)

    def _get_pe(self, name: str, _body: Any) -> _Reply:
        endpoint = self.managed_private_endpoints.get(name)
        if endpoint is None:
            return _error(404, "NotFound", f"Managed private endpoint '{name}' not found")
        properties = endpoint["properties"]
        if properties["provisioningState"] in ("Provisioning", "Deleting"):
            if self._polls_left[name] > 0:
                self._polls_left[name] -= 1
            elif properties["provisioningState"] == "Deleting":
                del self.managed_private_endpoints[name]
                return _error(404, "NotFound", f"Managed private endpoint '{name}' not found")
            else:
                properties["provisioningState"] = self.final_provisioning_state
        return _Reply(200, endpoint)

    def _delete_pe(self, name: str, _body: Any) -> _Reply:
        endpoint = self.managed_private_endpoints.get(name)
        if endpoint is None:
            return _error(404, "NotFound", f"Managed private endpoint '{name}' not found")
        if self.deleting_polls == 0:
            del self.managed_private_endpoints[name]
        else:
            endpoint["properties"]["provisioningState"] = "Deleting"
            self._polls_left[name] = self.deleting_polls
        return _Reply(202)

    # linked services

    def _accept_operation(
        self,
        kind: str,
        name: str,
        resource: dict[str, Any] | None,
        state: str,
        collection: str = "linkedservices",
    ) -> _Reply:
        operation_id = str(uuid.uuid4())
        self._operations[operation_id] = _Operation(
            kind, name, collection, self.operation_polls, resource, self._operation_fault
        )
        self._operation_fault = None
        body = {
            "id": f"{self.workspace_id}/{collection}/{name}",
            "name": name,
            "type": collection,
            "state": state,
            "operationId": operation_id,
        }
        return _Reply(202, body, self._operation_headers(operation_id))

    def _operation_headers(self, operation_id: str) -> dict[str, str]:
        return {
            "Location": f"{self.url}/operationResults/{operation_id}?api-version={API_VERSION}",
            "Retry-After": "0",
        }

    def _put_ls(self, name: str, body: Any) -> _Reply:
        properties = (body or {}).get("properties")
        if not isinstance(properties, dict) or not properties.get("type"):
            return _error(400, "BadRequest", "linked service properties need a type")
        resource = {
            "id": f"{self.workspace_id}/linkedservices/{name}",
            "name": name,
            "type": "Microsoft.Synapse/workspaces/linkedservices",
            "properties": properties,
            "etag": uuid.uuid4().hex,
        }
        state = "Updating" if name in self.linked_services else "Creating"
        return self._accept_operation("put", name, resource, state)

    def _get_ls(self, name: str, _body: Any) -> _Reply:
        if name not in self.linked_services:
            return _error(404, "LinkedServiceNotFound", f"Linked service '{name}' not found")
        return _Reply(200, self.linked_services[name])

    def _delete_ls(self, name: str, _body: Any) -> _Reply:
        if name not in self.linked_services:
            return _error(404, "LinkedServiceNotFound", f"Linked service '{name}' not found")
        return self._accept_operation("delete", name, None, "Deleting")

    def _operation_result(self, operation_id: str) -> _Reply:
        operation = self._operations.get(operation_id)
        if operation is None:
            return _error(404, "OperationNotFound", f"operation '{operation_id}' not found")
        if operation.polls_left > 0:
            operation.polls_left -= 1
            return _Reply(202, {"status": "InProgress"}, self._operation_headers(operation_id))
        if operation.failure is not None:
            return _Reply(*operation.failure)
        store = self.artifacts[operation.collection]
        if operation.kind == "delete":
            store.pop(operation.name, None)
            self.subscriptions.pop(operation.name, None) if operation.collection == "triggers" else None
            return _Reply(204)
        assert operation.resource is not None
        store[operation.name] = operation.resource
        return _Reply(200, operation.resource)

    # datasets, notebooks, SQL scripts, pipelines, triggers

    def _put_artifact(self, collection: str, name: str, body: Any) -> _Reply:
        properties = (body or {}).get("properties")
        if not isinstance(properties, dict):
            return _error(400, "BadRequest", f"{collection} body needs properties")
        existing = self.artifacts[collection].get(name)
        if collection == "triggers":
            if existing and existing["properties"]["runtimeState"] == "Started":
                # The service's rule: a started trigger must be stopped before it is changed.
                return _error(
                    400, "TriggerEnabledCannotUpdate", f"Cannot update enabled Trigger '{name}'; stop it first"
                )
            if "runtimeState" in properties:
                return _error(400, "BadRequest", "runtimeState is read-only")
            properties = {**properties, "runtimeState": "Stopped"}
        resource = {
            "id": f"{self.workspace_id}/{collection}/{name}",
            "name": name,
            "type": f"Microsoft.Synapse/workspaces/{collection}",
            "properties": properties,
            "etag": uuid.uuid4().hex,
        }
        return self._accept_operation("put", name, resource, "Updating" if existing else "Creating", collection)

    def _get_artifact(self, collection: str, name: str, _body: Any) -> _Reply:
        if name not in self.artifacts[collection]:
            return _error(404, "NotFound", f"{collection} '{name}' not found")
        return _Reply(200, self.artifacts[collection][name])

    def _delete_artifact(self, collection: str, name: str, _body: Any) -> _Reply:
        existing = self.artifacts[collection].get(name)
        if existing is None:
            return _error(404, "NotFound", f"{collection} '{name}' not found")
        if collection == "triggers" and existing["properties"]["runtimeState"] == "Started":
            return _error(400, "TriggerEnabledCannotDelete", f"Cannot delete enabled Trigger '{name}'; stop it first")
        return self._accept_operation("delete", name, None, "Deleting", collection)

    def _trigger_action(self, name: str, action: str) -> _Reply:
        trigger = self.triggers.get(name)
        if trigger is None:
            return _error(404, "NotFound", f"trigger '{name}' not found")
        properties = trigger["properties"]
        if action == "subscribeToEvents":
            self.subscriptions[name] = "Provisioning"
            self._subscription_polls_left[name] = self.subscription_polls
            return _Reply(200, {"triggerName": name, "status": "Provisioning"})
        if action == "getEventSubscriptionStatus":
            if self.subscriptions.get(name) == "Provisioning":
                if self._subscription_polls_left[name] > 0:
                    self._subscription_polls_left[name] -= 1
                else:
                    self.subscriptions[name] = "Enabled"
            return _Reply(200, {"triggerName": name, "status": self.subscriptions.get(name, "Disabled")})
        if action == "start":
            if properties.get("type") in _EVENT_TRIGGERS and self.subscriptions.get(name) != "Enabled":
                return _error(400, "TriggerNotSubscribed", f"trigger '{name}' is not subscribed to events")
            properties["runtimeState"] = "Started"
        else:
            properties["runtimeState"] = "Stopped"
        return _Reply(200)

    def _create_run(self, name: str, body: Any) -> _Reply:
        if name not in self.artifacts["pipelines"]:
            return _error(404, "PipelineNotFound", f"pipeline '{name}' not found")
        run_id = str(uuid.uuid4())
        self.pipeline_runs.append((name, body))
        return _Reply(202, {"runId": run_id})

    # -- workspace packages ------------------------------------------------------------------------

    def _library(self, method: str, name: str, request: RecordedRequest) -> _Reply:
        library = self.libraries.get(name)
        if method == "PUT" and request.query.get("comp") == "appendblock":
            return self._append_library(name, request)
        if method == "PUT":
            if library is not None:
                return _error(409, "LibraryAlreadyExists", f"library '{name}' already exists")
            return self._accept_library_operation("create", name, "Creating")
        if library is None:
            return _error(404, "LibraryNotFound", f"library '{name}' not found")
        if method == "DELETE":
            return self._accept_library_operation("delete", name, "Deleting")
        return _Reply(200, self._library_resource(name))

    def _append_library(self, name: str, request: RecordedRequest) -> _Reply:
        library = self.libraries.get(name)
        if library is None:
            return _error(404, "LibraryNotFound", f"library '{name}' not found")
        if library["flushed"]:
            return _error(409, "LibraryAlreadyFlushed", f"library '{name}' is complete")
        block = request.body or b""
        if len(block) > MAX_APPEND_BYTES:
            return _error(413, "RequestBodyTooLarge", "a block is at most 4 MiB")
        position = request.headers.get("x-ms-blob-condition-appendpos")
        if position is not None and int(position) != len(library["content"]):
            return _error(412, "AppendPositionConditionNotMet", f"the library is {len(library['content'])} bytes")
        library["content"] += block
        return _Reply(201)

    def _flush_library(self, name: str) -> _Reply:
        if name not in self.libraries:
            return _error(404, "LibraryNotFound", f"library '{name}' not found")
        return self._accept_library_operation("flush", name, "Flushing")

    def _library_resource(self, name: str) -> dict[str, Any]:
        library = self.libraries[name]
        return {
            "id": f"{self.workspace_id}/libraries/{name}",
            "name": name,
            "type": "Microsoft.Synapse/workspaces/libraries",
            "etag": library["etag"],
            "properties": {
                "name": name,
                "path": f"{self.workspace_name}/libraries/{name}",
                "containerName": "prep",
                "uploadedTimestamp": "2026-01-01T00:00:00Z",
                "type": name.rsplit(".", 1)[-1],
                "provisioningStatus": "Succeeded" if library["flushed"] else "Incomplete",
                "creatorId": "fake",
            },
        }

    def _accept_library_operation(self, kind: str, name: str, state: str) -> _Reply:
        operation_id = str(uuid.uuid4())
        self._library_operations[operation_id] = [kind, name, self.operation_polls]
        body = {"id": f"{self.workspace_id}/libraries/{name}", "name": name, "state": state}
        return _Reply(202, {**body, "operationId": operation_id}, self._library_operation_headers(operation_id))

    def _library_operation_headers(self, operation_id: str) -> dict[str, str]:
        return {
            "Location": f"{self.url}/libraryOperationResults/{operation_id}?api-version={API_VERSION}",
            "Retry-After": "0",
        }

    def _library_operation_result(self, operation_id: str) -> _Reply:
        operation = self._library_operations.get(operation_id)
        if operation is None:
            return _error(404, "OperationNotFound", f"operation '{operation_id}' not found")
        kind, name, polls_left = operation
        if polls_left > 0:
            operation[2] -= 1
            return _Reply(202, {"status": "InProgress"}, self._library_operation_headers(operation_id))
        del self._library_operations[operation_id]
        if kind == "create":
            self.libraries[name] = {"content": b"", "flushed": False, "etag": uuid.uuid4().hex}
        elif kind == "flush":
            self.libraries[name]["flushed"] = True
        else:
            self.libraries.pop(name, None)
        return _Reply(200, {"id": f"{self.workspace_id}/libraries/{name}", "name": name, "status": "Succeeded"})

    # -- Synapse RBAC ------------------------------------------------------------------------------

    def _role_assignment(self, method: str, assignment_id: str, request: RecordedRequest) -> _Reply:
        if method == "GET":
            found = self.role_assignments.get(assignment_id)
            if found is None:
                return _error(404, "RoleAssignmentNotFound", f"Role assignment '{assignment_id}' not found")
            return _Reply(200, found)
        if method == "DELETE":
            self.role_assignments.pop(assignment_id, None)
            return _Reply(204)
        body = request.body or {}
        if body.get("roleId") not in self.role_definitions.values():
            return _error(400, "InvalidRoleId", f"role {body.get('roleId')!r} does not exist")
        scope = str(body.get("scope", ""))
        if scope != f"workspaces/{self.workspace_name}" and not scope.startswith(f"workspaces/{self.workspace_name}/"):
            return _error(400, "InvalidScope", f"scope {scope!r} is not in workspace {self.workspace_name}")
        for other_id, other in self.role_assignments.items():
            same = (other["roleDefinitionId"], other["principalId"], other["scope"])
            if other_id != assignment_id and same == (body["roleId"], body.get("principalId"), scope):
                return _error(409, "RoleAssignmentAlreadyExists", f"assigned already as {other_id}")
        self.role_assignments[assignment_id] = {
            "id": assignment_id,
            "roleDefinitionId": body["roleId"],
            "principalId": body.get("principalId"),
            "scope": scope,
            "principalType": body.get("principalType"),
        }
        return _Reply(200, self.role_assignments[assignment_id])
