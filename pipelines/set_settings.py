"""The ``settings`` a bundled set takes (``landingZones[].pipelines[].settings``), checked with the config.

A set's definitions read its settings as ``{{ settings.<key> }}``; the placeholder check says which
keys a set needs. The sets below say more: what each value must be, and the values a setting left
out takes. A wrong value is a config problem naming ``...pipelines[i].settings.<key>``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from ipaddress import IPv4Address, IPv4Network
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel

from cloudscale.components.core.azure_facts import (
    GRAPH_DATA_CONNECT_GEOGRAPHIES,
    STORAGE_MAX_IP_RULES,
    graph_data_connect_geography,
)

# Office365Source.allowedGroups: "select up to 10 user groups" (Learn, "Copy and transform data from
# Microsoft 365 (Office 365) into Azure using Azure Data Factory or Synapse Analytics").
MAX_ALLOWED_GROUPS = 10
_DATAVERSE_URL = re.compile(r"^https://[a-z0-9][a-z0-9-]*\.crm[0-9]*\.dynamics\.com/?$")


class SetSettings(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)

    def placeholder_values(self) -> dict[str, Any]:
        """The values ``{{ settings.<key> }}`` resolves to, defaults included."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class CrmIngestionSettings(SetSettings):
    # The environment's URL as the browser shows it (Dataverse connector, serviceUri).
    crm_service_uri: str

    @field_validator("crm_service_uri")
    @classmethod
    def _dataverse_url(cls, value: str) -> str:
        if not _DATAVERSE_URL.match(value):
            raise ValueError("the Dataverse environment's URL, https://<organization>.crm<n>.dynamics.com")
        return value


def _comma_separated(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(part) for part in value] if isinstance(value, list | tuple) else [value]


class M365IngestionSettings(SetSettings):
    """Microsoft Graph Data Connect: the app that extracts, the groups it extracts, where it runs."""

    # The Entra tenant of the Microsoft 365 data and of the app registration (an organization's own
    # data: the same tenant for both, per the connector's linked service notes).
    tenant_id: UUID
    # The MGDC app registration's application (client) id, and its service principal's object id,
    # which is granted Storage Blob Data Contributor on raw/m365 and nothing else.
    app_client_id: UUID
    app_object_id: UUID
    # The Entra groups whose mailboxes are extracted (comma-separated object ids, at most 10); the
    # whole organization is never extracted by default.
    allowed_groups: list[UUID] = Field(min_length=1, max_length=MAX_ALLOWED_GROUPS)
    # The region of the copy's Azure integration runtime: another region of the lake region's
    # Microsoft 365 geography, so the raw lake's IP rules apply to it.
    runtime_region: str | None = Field(default=None, validate_default=True)
    # The runtime region's Data Factory addresses (service tag DataFactory.<Region>, IPv4), admitted
    # by the raw lake's firewall; without them Graph Data Connect cannot deliver.
    delivery_address_ranges: list[IPv4Network] = Field(default_factory=list, max_length=STORAGE_MAX_IP_RULES)

    @field_validator("allowed_groups", "delivery_address_ranges", mode="before")
    @classmethod
    def _split(cls, value: Any) -> list[str]:
        return _comma_separated(value)

    @field_validator("delivery_address_ranges")
    @classmethod
    def _public(cls, ranges: list[IPv4Network]) -> list[IPv4Network]:
        for network in ranges:
            if not network.is_global:
                raise ValueError(f"{network} is not a public address range; storage IP rules admit only those")
        return ranges

    @field_validator("runtime_region")
    @classmethod
    def _another_region_of_the_geography(cls, value: str | None, info: ValidationInfo) -> str:
        location = str((info.context or {}).get("location", ""))
        geography = graph_data_connect_geography(location)
        if geography is None:
            supported = sorted({r for regions in GRAPH_DATA_CONNECT_GEOGRAPHIES.values() for r in regions})
            raise ValueError(
                f"Graph Data Connect cannot deliver to a lake in {location!r}; the zone's location must be one "
                f"of {', '.join(supported)}"
            )
        others = [r for r in GRAPH_DATA_CONNECT_GEOGRAPHIES[geography] if r != location]
        if not others:
            raise ValueError(
                f"the {geography} geography has no Azure region besides {location}, and a storage firewall "
                "does not apply its IP rules to a runtime in its own region: Graph Data Connect's copy cannot "
                "reach this zone's private raw lake"
            )
        if value is None:
            return others[0]
        if value not in others:
            raise ValueError(
                f"must be another region of the {geography} geography than the lake's: {', '.join(others)}"
            )
        return value

    def ip_rules(self) -> list[str]:
        """The ranges as storage IP rules: /31 and /32 ranges become their single addresses."""
        rules: list[str] = []
        for network in self.delivery_address_ranges:
            if network.prefixlen >= 31:
                rules += [str(IPv4Address(address)) for address in network]
            else:
                rules.append(str(network))
        return rules


# By bundled set name.
BUNDLED_SETTINGS: dict[str, type[SetSettings]] = {
    "crm_ingestion": CrmIngestionSettings,
    "m365_ingestion": M365IngestionSettings,
}


def set_settings(
    set_name: str, given: Mapping[str, str], *, location: str
) -> tuple[SetSettings | None, list[tuple[str, str]]]:
    """The validated settings of a bundled set (None when it declares none) and (key, message) problems.

    The key is relative to ``settings`` (``tenantId``, ``allowedGroups[2]``).
    """
    model = BUNDLED_SETTINGS.get(set_name)
    if model is None:
        return None, []
    try:
        return model.model_validate(dict(given), context={"location": location}), []
    except ValidationError as error:
        problems = []
        for detail in error.errors():
            problems.append((_key(detail["loc"]), detail["msg"].removeprefix("Value error, ")))
        return None, problems


def _key(location: tuple[int | str, ...]) -> str:
    key = ""
    for part in location:
        # A field checked by its default is reported under its Python name; people write the alias.
        name = to_camel(part) if isinstance(part, str) else part
        key += f"[{name}]" if isinstance(name, int) else (f".{name}" if key else name)
    return key
