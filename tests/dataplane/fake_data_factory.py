"""A local HTTPS fake of the ARM endpoint for one Data Factory's triggers (api-version 2018-06-01).

Behaves as ARM does for triggers: ``PUT`` creates or replaces a trigger in runtimeState "Stopped"
and is refused (400) while the trigger is started, as is ``DELETE``; ``POST .../start`` and
``.../stop`` answer 200 and flip the state; event triggers start only after ``subscribeToEvents``
and a ``getEventSubscriptionStatus`` that reports "Enabled". The server, TLS and request recording
are those of ``fake_synapse``.
"""

from __future__ import annotations

import re
from typing import Any

from .fake_synapse import FakeSynapse, RecordedRequest, _error, _Reply

ARM_API_VERSION = "2018-06-01"
_TRIGGER = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.DataFactory"
    r"/factories/(?P<factory>[^/]+)/triggers/(?P<name>[^/]+)(?:/(?P<action>start|stop|subscribeToEvents|getEventSubscriptionStatus))?$"
)
_EVENT_TRIGGERS = ("BlobEventsTrigger", "CustomEventsTrigger")


class FakeDataFactory(FakeSynapse):
    def __init__(self, *args: Any, factory_name: str, **kwargs: Any) -> None:
        super().__init__(*args, workspace_name=factory_name, **kwargs)
        self.factory_name = factory_name
        self.triggers: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, str] = {}

    def _route(self, request: RecordedRequest) -> _Reply:
        if request.authorization != f"Bearer {self.expected_token}":
            return _error(401, "Unauthorized", "missing or wrong bearer token")
        if fault := self._faults.pop((request.method, request.path), None):
            return fault
        if request.api_version != ARM_API_VERSION:
            return _error(400, "InvalidApiVersionParameter", f"api-version {request.api_version!r}")
        match = _TRIGGER.match(request.path)
        if not match or match["factory"] != self.factory_name:
            return _error(404, "ResourceNotFound", f"{request.method} {request.path}")
        name, action = match["name"], match["action"]
        trigger = self.triggers.get(name)
        if action:
            if trigger is None:
                return _error(404, "TriggerNotFound", f"trigger '{name}' not found")
            return self._action(name, action, trigger)
        if request.method == "GET":
            return _Reply(200, trigger) if trigger else _error(404, "NotFound", f"trigger '{name}' not found")
        if request.method == "PUT":
            if trigger and trigger["properties"]["runtimeState"] == "Started":
                return _error(400, "TriggerEnabledCannotUpdate", f"Cannot update enabled Trigger '{name}'")
            properties = (request.body or {}).get("properties")
            if not isinstance(properties, dict) or "runtimeState" in properties:
                return _error(400, "BadRequest", "properties required; runtimeState is read-only")
            self.triggers[name] = {
                "id": request.path,
                "name": name,
                "type": "Microsoft.DataFactory/factories/triggers",
                "properties": {**properties, "runtimeState": "Stopped"},
                "etag": "1",
            }
            return _Reply(200, self.triggers[name])
        if request.method == "DELETE":
            if trigger is None:
                return _Reply(204)
            if trigger["properties"]["runtimeState"] == "Started":
                return _error(400, "TriggerEnabledCannotDelete", f"Cannot delete enabled Trigger '{name}'")
            del self.triggers[name]
            return _Reply(200)
        return _error(405, "MethodNotAllowed", request.method)

    def _action(self, name: str, action: str, trigger: dict[str, Any]) -> _Reply:
        properties = trigger["properties"]
        if action == "subscribeToEvents":
            self.subscriptions[name] = "Enabled"
            return _Reply(200, {"triggerName": name, "status": "Enabled"})
        if action == "getEventSubscriptionStatus":
            return _Reply(200, {"triggerName": name, "status": self.subscriptions.get(name, "Disabled")})
        if action == "start":
            if properties.get("type") in _EVENT_TRIGGERS and self.subscriptions.get(name) != "Enabled":
                return _error(400, "TriggerNotSubscribed", f"trigger '{name}' is not subscribed")
            properties["runtimeState"] = "Started"
        else:
            properties["runtimeState"] = "Stopped"
        return _Reply(200)
