"""A local HTTPS fake of the ADLS Gen2 DFS REST endpoint, for the real azure-storage-file-datalake client.

Several accounts share one server, path-style (``https://127.0.0.1:<port>/<account>/<filesystem>/<path>``),
as the SDK addresses an IP host. It implements what the lake commands use, with the service's protocol
(learn.microsoft.com/rest/api/storageservices/data-lake-storage-gen2):

* ``PUT ?resource=directory|file`` create (``If-None-Match: *`` answers 409 ``PathAlreadyExists``),
  creating missing parents; new paths inherit the parent's default ACL.
* ``PATCH ?action=append|flush`` upload; data counts in the length only once flushed.
* ``HEAD ?action=getAccessControl`` and ``PATCH ?action=setAccessControl`` (``x-ms-acl``).
* ``PATCH ?action=setAccessControlRecursive&mode=modify|set|remove`` in batches of ``maxRecords`` with
  an ``x-ms-continuation`` header, and ``failureCount``/``failedEntries`` for paths that fail.
* ``GET ?resource=filesystem`` list paths (``recursive``, ``directory``, ``maxResults``, continuation).

Errors carry ``x-ms-error-code`` and a JSON body, as the service's do. Every request is recorded.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

BASE_ACL = ["user::rwx", "group::r-x", "other::---"]


@dataclass(frozen=True)
class Request:
    method: str
    account: str
    filesystem: str
    path: str
    query: dict[str, str]
    acl: str | None

    @property
    def operation(self) -> str:
        return (
            self.query.get("action") or self.query.get("resource") or ("getProperties" if self.method == "HEAD" else "")
        )

    @property
    def writes(self) -> bool:
        return self.method in ("PUT", "PATCH", "DELETE")


@dataclass
class Node:
    is_directory: bool
    acl: list[str]
    data: bytearray = field(default_factory=bytearray)
    length: int = 0
    version: int = 1

    @property
    def etag(self) -> str:
        return f'"0x8D{self.version:012X}"'


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def _error(status: int, code: str, message: str) -> _Reply:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return _Reply(status, body, {"x-ms-error-code": code, "Content-Type": "application/json"})


def _acl_key(entry: str) -> tuple[str, ...]:
    parts = entry.split(":")
    return tuple(parts[:-1])


def merge_acl(current: list[str], changes: list[str], *, directory: bool) -> list[str]:
    """``mode=modify``: entries with the same scope, type and id are replaced, others added."""
    merged = {_acl_key(e): e for e in current}
    for change in changes:
        if change.startswith("default:") and not directory:
            continue  # default entries exist on directories only
        merged[_acl_key(change)] = change
    return list(merged.values())


def _valid_acl(acl: str, *, removal: bool = False) -> bool:
    """An ACL as the service parses it; a removal names entries without permissions
    (learn.microsoft.com/azure/storage/blobs/data-lake-storage-acl-python, "Remove ACL entries")."""
    for entry in acl.split(","):
        parts = entry.split(":")
        if parts[0] == "default":
            parts = parts[1:]
        if removal:
            if len(parts) != 2 or parts[0] not in ("user", "group", "mask") or not parts[1]:
                return False
            continue
        if len(parts) != 3 or parts[0] not in ("user", "group", "other", "mask"):
            return False
        if len(parts[2]) != 3 or any(c not in "rwx-" for c in parts[2]):
            return False
    return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, fake: FakeDfs, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake
        self.context = context

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = self.socket.accept()
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client closing a kept-alive connection; the test sees its own errors


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10
    # Headers and body go out in two writes; without this, Nagle and delayed ACKs cost 40 ms a request.
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.do_handshake()

    def log_message(self, *_args: Any) -> None:
        pass

    def _dispatch(self) -> None:
        self.server.fake._handle(self)

    def do_GET(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()


class FakeDfs:
    """Accounts with filesystems (containers) and paths in memory. Use as a context manager."""

    def __init__(self, cert_file: Path, key_file: Path, *, expected_token: str) -> None:
        self.cert_file = cert_file
        self._key_file = key_file
        self.expected_token = expected_token
        self.accounts: dict[str, dict[str, dict[str, Node]]] = {}
        self.requests: list[Request] = []
        self.internal_errors: list[Exception] = []
        # Behaviour knobs, settable by tests.
        self.role = "owner"  # "owner", "contributor" (no ACL changes) or "none"
        self.network_refused = False  # the account's firewall refuses this caller
        self.failing_paths: set[str] = set()  # paths a recursive ACL update reports as failed
        self._faults: list[tuple[str, str, int, _Reply]] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def endpoint(self, account: str) -> str:
        return f"{self.url}/{account}/"

    def __enter__(self) -> FakeDfs:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self._key_file)
        self._server = _Server(self, context)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-dfs"
        )
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    # -- test helpers ------------------------------------------------------------------------------

    def add_filesystem(self, account: str, name: str) -> None:
        self.accounts.setdefault(account, {})[name] = {"": Node(True, list(BASE_ACL))}

    def node(self, account: str, filesystem: str, path: str) -> Node:
        return self.accounts[account][filesystem][path.strip("/")]

    def acl(self, account: str, filesystem: str, path: str) -> list[str]:
        return self.node(account, filesystem, path).acl

    def paths(self, account: str, filesystem: str) -> list[str]:
        return sorted(p for p in self.accounts[account][filesystem] if p)

    def fail(self, method: str, operation: str, status: int, code: str, *, after: int = 0) -> None:
        """Answer one request of ``method`` and ``operation`` with an error, after letting ``after`` through."""
        self._faults.append((method, operation, after, _error(status, code, f"injected {code}")))

    def writes(self) -> list[Request]:
        return [r for r in self.requests if r.writes]

    # -- request handling --------------------------------------------------------------------------

    def _handle(self, handler: _Handler) -> None:
        split = urlsplit(handler.path)
        segments = [unquote(s) for s in split.path.split("/")]
        account = segments[1] if len(segments) > 1 else ""
        filesystem = segments[2] if len(segments) > 2 else ""
        path = "/".join(s for s in segments[3:] if s)
        query = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        request = Request(handler.command, account, filesystem, path, query, handler.headers.get("x-ms-acl"))
        with self._lock:
            self.requests.append(request)
            try:
                reply = self._route(request, handler.headers, body)
            except Exception as exc:
                self.internal_errors.append(exc)
                reply = _error(400, "FakeInternalError", repr(exc))
        handler.send_response(reply.status)
        reply.headers.setdefault("x-ms-request-id", str(len(self.requests)))
        reply.headers.setdefault("Date", formatdate(usegmt=True))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(reply.body)))
        handler.end_headers()
        if handler.command != "HEAD" and reply.body:
            handler.wfile.write(reply.body)

    def _route(self, request: Request, headers: Any, body: bytes) -> _Reply:
        if headers.get("Authorization") != f"Bearer {self.expected_token}":
            return _error(401, "InvalidAuthenticationInfo", "Server failed to authenticate the request.")
        if self.network_refused:
            return _error(403, "AuthorizationFailure", "This request is not authorized to perform this operation.")
        for index, (method, operation, after, reply) in enumerate(self._faults):
            if method == request.method and operation == request.operation:
                if after > 0:
                    self._faults[index] = (method, operation, after - 1, reply)
                    break
                del self._faults[index]
                return reply
        if self.role == "none" or (self.role == "reader" and request.writes):
            return _error(
                403,
                "AuthorizationPermissionMismatch",
                "This request is not authorized to perform this operation using this permission.",
            )
        if self.role == "contributor" and request.operation.startswith("setAccessControl"):
            return _error(
                403,
                "AuthorizationPermissionMismatch",
                "This request is not authorized to perform this operation using this permission.",
            )
        filesystems = self.accounts.get(request.account)
        if filesystems is None or request.filesystem not in filesystems:
            return _error(404, "FilesystemNotFound", "The specified filesystem does not exist.")
        tree = filesystems[request.filesystem]
        operation, method = request.operation, request.method
        if method == "GET" and operation == "filesystem":
            return self._list(tree, request.query)
        if method == "PUT" and operation in ("directory", "file"):
            return self._create(tree, request.path, operation == "directory", headers)
        node = tree.get(request.path)
        if node is None:
            return _error(404, "PathNotFound", "The specified path does not exist.")
        if method == "HEAD" and operation == "getAccessControl":
            return _Reply(200, headers=self._acl_headers(node))
        if method == "HEAD":
            kind = "directory" if node.is_directory else "file"
            return _Reply(200, headers={"x-ms-resource-type": kind, "ETag": node.etag, **self._acl_headers(node)})
        if method == "PATCH" and operation == "setAccessControl":
            acl = headers.get("x-ms-acl")
            if not acl or not _valid_acl(acl):
                return _error(400, "InvalidAccessControlList", f"invalid x-ms-acl {acl!r}")
            node.acl = acl.split(",")
            node.version += 1
            return _Reply(200, headers={"ETag": node.etag})
        if method == "PATCH" and operation == "setAccessControlRecursive":
            return self._set_recursive(tree, request.path, request.query, headers.get("x-ms-acl") or "")
        if method == "PATCH" and operation == "append":
            position = int(request.query.get("position", "-1"))
            if position != len(node.data):
                return _error(400, "InvalidFlushPosition", "append position does not match the data length")
            node.data += body
            return _Reply(202)
        if method == "PATCH" and operation == "flush":
            position = int(request.query.get("position", "-1"))
            if position != len(node.data):
                return _error(400, "InvalidFlushPosition", "flush position does not match the data length")
            node.length = position
            node.version += 1
            return _Reply(200, headers={"ETag": node.etag, "Last-Modified": formatdate(usegmt=True)})
        return _error(400, "UnsupportedOperation", f"{method} {operation!r} is not implemented by the fake")

    @staticmethod
    def _acl_headers(node: Node) -> dict[str, str]:
        return {
            "x-ms-owner": "$superuser",
            "x-ms-group": "$superuser",
            "x-ms-permissions": "rwxr-x---",
            "x-ms-acl": ",".join(node.acl),
        }

    @staticmethod
    def _inherit(parent: Node, directory: bool) -> list[str]:
        defaults = [e[len("default:") :] for e in parent.acl if e.startswith("default:")]
        acl = merge_acl(list(BASE_ACL), defaults, directory=True)
        if directory:
            acl += [e for e in parent.acl if e.startswith("default:")]
        return acl

    def _create(self, tree: dict[str, Node], path: str, directory: bool, headers: Any) -> _Reply:
        if not path:
            return _error(400, "InvalidResourceName", "a path is required")
        existing = tree.get(path)
        if existing is not None and headers.get("If-None-Match") == "*":
            return _error(409, "PathAlreadyExists", "The specified path already exists.")
        if existing is not None and existing.is_directory != directory:
            return _error(409, "ResourceTypeMismatch", "The resource type does not match.")
        parts = path.split("/")
        for depth in range(1, len(parts)):
            parent_path = "/".join(parts[:depth])
            if parent_path not in tree:
                tree[parent_path] = Node(True, self._inherit(tree["/".join(parts[: depth - 1])], True))
            elif not tree[parent_path].is_directory:
                return _error(409, "PathConflict", f"{parent_path} is a file")
        parent = tree["/".join(parts[:-1])]
        if existing is not None and directory:
            existing.version += 1
            return _Reply(201, headers={"ETag": existing.etag, "Last-Modified": formatdate(usegmt=True)})
        node = Node(directory, self._inherit(parent, directory))
        if existing is not None:
            node.acl = existing.acl  # overwriting a file keeps its ACL
            node.version = existing.version + 1
        tree[path] = node
        return _Reply(201, headers={"ETag": node.etag, "Last-Modified": formatdate(usegmt=True)})

    def _set_recursive(self, tree: dict[str, Node], path: str, query: dict[str, str], acl: str) -> _Reply:
        mode = query.get("mode")
        if mode not in ("set", "modify", "remove") or not acl or not _valid_acl(acl, removal=mode == "remove"):
            return _error(400, "InvalidInput", f"mode {mode!r} and a valid x-ms-acl are required")
        subtree = sorted(p for p in tree if p == path or not path or p.startswith(path + "/"))
        start = int(base64.b64decode(query["continuation"]).decode()) if query.get("continuation") else 0
        batch = subtree[start : start + int(query.get("maxRecords") or 2000)]
        force = query.get("forceFlag") == "true"
        counts = {"directoriesSuccessful": 0, "filesSuccessful": 0, "failureCount": 0}
        failed: list[dict[str, str]] = []
        changes = acl.split(",")
        for name in batch:
            node = tree[name]
            if name in self.failing_paths:
                counts["failureCount"] += 1
                failed.append(
                    {"name": name, "type": "DIRECTORY" if node.is_directory else "FILE", "errorMessage": "denied"}
                )
                if not force:
                    break
                continue
            if mode == "modify":
                node.acl = merge_acl(node.acl, changes, directory=node.is_directory)
            elif mode == "set":
                node.acl = [c for c in changes if node.is_directory or not c.startswith("default:")]
            else:
                removed = {tuple(c.split(":")) for c in changes}
                node.acl = [e for e in node.acl if _acl_key(e) not in removed]
            counts["directoriesSuccessful" if node.is_directory else "filesSuccessful"] += 1
        headers = {"Content-Type": "application/json"}
        following = start + len(batch)
        if following < len(subtree) and (force or not failed):
            headers["x-ms-continuation"] = base64.b64encode(str(following).encode()).decode()
        return _Reply(200, json.dumps({**counts, "failedEntries": failed}).encode(), headers)

    @staticmethod
    def _list(tree: dict[str, Node], query: dict[str, str]) -> _Reply:
        directory = query.get("directory", "").strip("/")
        recursive = query.get("recursive") == "true"
        if directory and directory not in tree:
            return _error(404, "PathNotFound", "The specified path does not exist.")
        names = []
        for name in sorted(tree):
            if not name or (directory and not name.startswith(directory + "/")):
                continue
            relative = name[len(directory) + 1 :] if directory else name
            if recursive or "/" not in relative:
                names.append(name)
        start = int(query.get("continuation") or 0)
        limit = int(query.get("maxResults") or 5000)
        page = names[start : start + limit]
        paths = [
            {
                "name": name,
                "isDirectory": "true" if tree[name].is_directory else "false",
                "contentLength": str(tree[name].length),
                "lastModified": formatdate(usegmt=True),
                "etag": tree[name].etag,
                "owner": "$superuser",
                "group": "$superuser",
                "permissions": "rwxr-x---",
            }
            for name in page
        ]
        headers = {"Content-Type": "application/json"}
        if start + limit < len(names):
            headers["x-ms-continuation"] = str(start + limit)
        return _Reply(200, json.dumps({"paths": paths}).encode(), headers)
