"""A local HTTPS fake of one Key Vault's key endpoints, as azure-keyvault-keys calls them.

Behaves as the service does for what the key lifecycle resource uses: a request without a token is
answered 401 with the ``WWW-Authenticate`` challenge the SDK's challenge policy expects (then it asks
its credential for a token and repeats the request); ``GET /keys/{name}/`` returns the key's current
version (``{"key": {"kid": ...}, "attributes": {"created", "exp", ...}}``, times in seconds since the
epoch), ``PATCH /keys/{name}/{version}`` updates that version's attributes, ``GET`` and ``PUT
/keys/{name}/rotationpolicy`` read and replace the rotation policy, and ``rotate`` (a test helper)
makes a new version as the rotation policy would. An unknown key answers 404 ``KeyNotFound``. The
server, TLS and request recording are those of ``fake_synapse``.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from .fake_synapse import FakeSynapse, RecordedRequest, _error, _Reply

_KEY = re.compile(r"^/keys/(?P<name>[^/]+)/(?P<version>[0-9a-f]*)$")
_POLICY = re.compile(r"^/keys/(?P<name>[^/]+)/rotationpolicy$")


class FakeKeyVault(FakeSynapse):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, workspace_name="vault", **kwargs)
        # name -> versions, oldest first: {"version", "kty", "created", "exp"}
        self.keys: dict[str, list[dict[str, Any]]] = {}
        self.policies: dict[str, dict[str, Any]] = {}

    def add_key(self, name: str, *, kty: str = "RSA-HSM", created: int | None = None, exp: int | None = None) -> str:
        """A key as ARM's Create If Not Exist leaves it: one version, no policy of this resource's making."""
        self.keys[name] = []
        self.policies[name] = {"lifetimeActions": [], "attributes": {}}
        return self.rotate(name, kty=kty, created=created, exp=exp)

    def rotate(self, name: str, *, kty: str = "RSA-HSM", created: int | None = None, exp: int | None = None) -> str:
        version = uuid.uuid4().hex
        self.keys[name].append({"version": version, "kty": kty, "created": created or int(time.time()), "exp": exp})
        return version

    def current(self, name: str) -> dict[str, Any]:
        return self.keys[name][-1]

    def _route(self, request: RecordedRequest) -> _Reply:
        if request.authorization is None:
            return _Reply(
                401,
                {"error": {"code": "Unauthorized", "message": "AKV10000: Request is missing a Bearer or PoP token."}},
                {
                    "WWW-Authenticate": 'Bearer authorization="https://login.microsoftonline.com/tenant", '
                    'resource="https://vault.azure.net"'
                },
            )
        if request.authorization != f"Bearer {self.expected_token}":
            return _error(401, "Unauthorized", "wrong bearer token")
        if fault := self._faults.pop((request.method, request.path), None):
            return fault
        if request.api_version is None:
            return _error(400, "BadParameter", "api-version is required")
        if match := _POLICY.match(request.path):
            return self._policy(request, match["name"])
        if match := _KEY.match(request.path):
            return self._key(request, match["name"], match["version"])
        return _error(404, "NotFound", f"{request.method} {request.path} is not implemented by the fake")

    def _bundle(self, name: str, version: dict[str, Any]) -> dict[str, Any]:
        attributes = {"enabled": True, "created": version["created"], "updated": version["created"]}
        if version["exp"] is not None:
            attributes["exp"] = version["exp"]
        return {
            "key": {
                "kid": f"{self.url}/keys/{name}/{version['version']}",
                "kty": version["kty"],
                "key_ops": ["wrapKey", "unwrapKey"],
                "n": "AQAB",
                "e": "AQAB",
            },
            "attributes": attributes,
        }

    def _key(self, request: RecordedRequest, name: str, version_id: str) -> _Reply:
        versions = self.keys.get(name)
        if not versions:
            return _error(404, "KeyNotFound", f"A key with (name/id) {name} was not found in this key vault.")
        version = versions[-1] if not version_id else next((v for v in versions if v["version"] == version_id), None)
        if version is None:
            return _error(404, "KeyNotFound", f"A key with (name/id) {name}/{version_id} was not found.")
        if request.method == "GET":
            return _Reply(200, self._bundle(name, version))
        if request.method == "PATCH" and version_id:
            attributes = (request.body or {}).get("attributes") or {}
            if "exp" in attributes:
                version["exp"] = attributes["exp"]
            return _Reply(200, self._bundle(name, version))
        return _error(405, "MethodNotAllowed", request.method)

    def _policy(self, request: RecordedRequest, name: str) -> _Reply:
        if name not in self.keys:
            return _error(404, "KeyNotFound", f"A key with (name/id) {name} was not found in this key vault.")
        if request.method == "PUT":
            body = request.body or {}
            self.policies[name] = {
                "lifetimeActions": body.get("lifetimeActions") or [],
                "attributes": {"expiryTime": (body.get("attributes") or {}).get("expiryTime")},
            }
        elif request.method != "GET":
            return _error(405, "MethodNotAllowed", request.method)
        return _Reply(200, {"id": f"{self.url}/keys/{name}/rotationpolicy", **self.policies[name]})
