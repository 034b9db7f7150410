"""What a destroyed resource leaves behind: soft-deleted names that stay taken until purged or recovered.

Key Vault: soft delete is always on, and a deleted vault keeps its globally unique name for the
retention period (7-90 days). With purge protection nobody can purge it early, and purge protection
can never be turned off once on ("Azure Key Vault soft-delete overview",
https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview). Creating a vault with the
name of a soft-deleted one fails (ARM: ``ConflictError``, "exists in deleted state") unless the
request says ``properties.createMode: recover`` (the ``CreateMode`` enum of the vault API is
``recover`` | ``default``), which brings the deleted vault and its secrets back.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SoftDeletePolicy:
    # On by default: only a dev platform, which is destroyed and recreated, may create vaults
    # without it, and they must be created so (it cannot be switched off later).
    purge_protection: bool = True
    # Recover soft-deleted vaults of the same name instead of creating new ones: the ``up`` right
    # after a ``destroy``, while the old vaults are still within their retention period.
    recover_deleted: bool = False

    def key_vault_properties(self) -> dict[str, object]:
        """The vault properties this policy decides."""
        properties: dict[str, object] = {"create_mode": "recover" if self.recover_deleted else "default"}
        # The API accepts only true here: leaving it out is how a vault is created without it.
        if self.purge_protection:
            properties["enable_purge_protection"] = True
        return properties
