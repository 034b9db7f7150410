"""A local HTTPS fake of ARM's management locks (api-version 2020-05-01), as azure-mgmt-resource-locks calls it.

``PUT``, ``GET`` and ``DELETE /{scope}/providers/Microsoft.Authorization/locks/{name}`` create or
replace, read and remove a lock (404 ``LockNotFound`` for one that does not exist; a delete of a
missing lock answers 204). ``delete_under`` is what ARM does with a delete under a scope: refused with
409 ``ScopeLocked`` while a CanNotDelete lock stands on that scope. The server, TLS and request
recording are those of ``fake_synapse``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from .fake_synapse import FakeSynapse, RecordedRequest, _error, _Reply

LOCKS_API_VERSION = "2020-05-01"
_LOCK = re.compile(r"^(?P<scope>/subscriptions/.+)/providers/Microsoft\.Authorization/locks/(?P<name>[^/]+)$")


class FakeLocks(FakeSynapse):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, workspace_name="arm", **kwargs)
        self.locks: dict[tuple[str, str], dict[str, Any]] = {}

    def delete_under(self, scope: str) -> bool:
        """Whether ARM would delete something under ``scope`` now."""
        with self._lock:
            return not any(
                scope.lower().startswith(locked.lower()) and lock["properties"]["level"] == "CanNotDelete"
                for (locked, _name), lock in self.locks.items()
            )

    def _route(self, request: RecordedRequest) -> _Reply:
        if request.authorization != f"Bearer {self.expected_token}":
            return _error(401, "Unauthorized", "missing or wrong bearer token")
        # The client sends the scope as one URL-encoded path segment, which ARM reads as the id it encodes.
        path = "/" + unquote(request.path).lstrip("/")
        if fault := self._faults.pop((request.method, path), None):
            return fault
        if request.api_version != LOCKS_API_VERSION:
            return _error(400, "InvalidApiVersionParameter", f"api-version {request.api_version!r}")
        match = _LOCK.match(path)
        if not match:
            return _error(404, "NotFound", f"{request.method} {request.path}")
        key = (match["scope"], match["name"])
        if request.method == "PUT":
            properties = (request.body or {}).get("properties") or {}
            if properties.get("level") not in ("CanNotDelete", "ReadOnly"):
                return _error(400, "InvalidLockLevel", f"level {properties.get('level')!r}")
            self.locks[key] = {"id": path, "name": key[1], "properties": properties}
            return _Reply(200, self.locks[key])
        if request.method == "GET":
            lock = self.locks.get(key)
            return _Reply(200, lock) if lock else _error(404, "LockNotFound", f"lock {key[1]} not found")
        if request.method == "DELETE":
            return _Reply(200) if self.locks.pop(key, None) else _Reply(204)
        return _error(405, "MethodNotAllowed", request.method)
