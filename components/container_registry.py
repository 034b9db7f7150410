"""Premium container registry: private endpoint only, no admin user, no anonymous pull.

Trusted Azure services get no bypass by default: nothing the platform deploys builds or imports
images through ACR Tasks, and Azure ML builds its environment images on its own compute, which
reaches the registry through the private endpoint like every other client.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import authorization, containerregistry

from cloudscale.components.baseline import LOGS_AND_METRICS, Principal, SecureComponent, ServiceBaseline
from cloudscale.components.baseline.type_facts import (
    SecurityRule,
    accept_finding,
    declare_type,
    managed_identity_required,
    public_network_access_disabled,
)
from cloudscale.components.core.azure_facts import zones_for
from cloudscale.components.core.roles import BuiltInRole

declare_type(
    containerregistry.Registry,
    rules=(
        public_network_access_disabled(),
        SecurityRule("local-auth", "adminUserEnabled", lambda v: v is False, "admin user is enabled"),
        SecurityRule("anonymous-pull", "anonymousPullEnabled", lambda v: v is False, "anonymous pull is enabled"),
        # Export policy disabled keeps images from being copied out with `az acr import` or a pipeline;
        # Azure accepts it only with public network access disabled (Microsoft Learn, "Disable export of
        # artifacts from an Azure container registry", container-registry-disable-export).
        SecurityRule(
            "registry-export",
            "policies.exportPolicy.status",
            lambda v: v == "disabled",
            "artifacts can be exported out of the registry",
        ),
        # Untagged manifests are deleted after a retention period instead of accumulating unscanned
        # (Microsoft Learn, "Retention policy for untagged manifests", container-registry-retention-policy).
        SecurityRule(
            "registry-retention",
            "policies.retentionPolicy.status",
            lambda v: v == "enabled",
            "untagged manifests are kept forever",
            severity="medium",
        ),
        # Only signed images are served to clients that ask for trust (Microsoft Learn, "Content trust in
        # Azure Container Registry", container-registry-content-trust); Premium only, and not available
        # on a registry encrypted with a customer-managed key.
        SecurityRule(
            "registry-content-trust",
            "policies.trustPolicy.status",
            lambda v: v == "enabled",
            "content trust is off",
            severity="medium",
        ),
        # A quarantined image is pullable only once a scanner releases it (Microsoft Learn, quarantine
        # pattern, container-registry-quarantine-pattern in Azure/acr).
        SecurityRule(
            "registry-quarantine",
            "policies.quarantinePolicy.status",
            lambda v: v == "enabled",
            "pushed images are served before any scanner releases them",
            severity="medium",
        ),
        managed_identity_required(),
    ),
    computed_outputs=lambda registry: {"loginServer": f"{registry.name}.azurecr.io"},
    diagnosable=True,
    stateful=True,
    # (Microsoft Learn, "Azure Private Endpoint private DNS zone values")
    private_link={"registry": ("privatelink.azurecr.io",)},
)
# The platform wires no image scanner to its registries, and Azure ML pushes the environment images it
# builds and pulls them right after: with quarantine on, every such pull fails until something releases
# the image. ContainerRegistryArgs.quarantine turns it on for a registry that has a scanner.
accept_finding(
    containerregistry.Registry,
    rule="registry-quarantine",
    reason="no image scanner releases quarantined images here, and Azure ML pulls the environment images it "
    "pushes at once; quarantine would leave them unpullable (set quarantine once a scanner is wired)",
)


@dataclass
class ContainerRegistryArgs:
    baseline: ServiceBaseline
    purpose: str = ""
    untagged_retention_days: int = 7
    # Quarantine holds every pushed image until a scanner releases it. Without a scanner wired to
    # the registry (Azure ML is not one), enabling it makes every new image unpullable.
    quarantine: bool = False
    # Only for ACR Tasks or other trusted services that must reach the registry without the private endpoint.
    trusted_services_bypass: bool = False
    # Docker Content Trust: clients that enable it pull signed images only. Azure refuses it on a
    # registry encrypted with a customer-managed key (container-registry-content-trust, Microsoft Learn).
    content_trust: bool = True


class ContainerRegistry(SecureComponent):
    def __init__(self, name: str, args: ContainerRegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cloudscale:containers:ContainerRegistry", name, args.baseline, opts)
        b = args.baseline
        self.registry_name = b.namer.name("container_registry", args.purpose)
        self.registry = containerregistry.Registry(
            f"{name}-registry",
            registry_name=self.registry_name,
            resource_group_name=b.resource_group_name,
            location=b.location,
            # Private link, retention, quarantine, content trust, export policy and zone redundancy are Premium-only.
            sku={"name": "Premium"},
            identity=self._identity(),
            admin_user_enabled=False,
            anonymous_pull_enabled=False,
            public_network_access="Disabled",
            network_rule_set={"default_action": "Deny"},
            network_rule_bypass_options="AzureServices" if args.trusted_services_bypass else "None",
            zone_redundancy="Enabled" if zones_for(b.location) else "Disabled",
            policies={
                "retention_policy": {"days": args.untagged_retention_days, "status": "enabled"},
                "quarantine_policy": {"status": "enabled" if args.quarantine else "disabled"},
                # No copying images out to another registry: the private endpoint is the only way in or out.
                # Requires public network access disabled, as above (container-registry-disable-export).
                "export_policy": {"status": "disabled"},
                "trust_policy": {"status": "enabled" if args.content_trust else "disabled", "type": "Notary"},
                # Registry tokens must carry the ACR audience, not any ARM token the caller happens to hold.
                "azure_ad_authentication_as_arm_policy": {"status": "disabled"},
            },
            tags=self._tags,
            opts=self._child_opts(stateful=True),
        )
        self.id: pulumi.Output[str] = self.registry.id
        self.login_server: pulumi.Output[str] = self.registry.login_server
        self._secure(
            self.registry,
            logical_name=f"{name}-registry",
            purpose="cr",
            group_ids=["registry"],
            diagnostics=LOGS_AND_METRICS,
        )
        self.register_outputs({"id": self.id, "login_server": self.login_server})

    def grant_pull(self, principal: Principal) -> authorization.RoleAssignment:
        """AcrPull on this registry: pull images and artifacts, nothing else."""
        return self._grant_on(
            self.registry, logical_name=f"{self._name}-registry", role=BuiltInRole.ACR_PULL, principal=principal
        )

    def grant_push(self, principal: Principal) -> authorization.RoleAssignment:
        """AcrPush on this registry: push and pull images (a build pipeline's identity)."""
        return self._grant_on(
            self.registry, logical_name=f"{self._name}-registry", role=BuiltInRole.ACR_PUSH, principal=principal
        )
