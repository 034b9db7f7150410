"""The mocks answer an ``identity`` input as Azure does, and a wrong one fails on the resource that sent it."""

from __future__ import annotations

import pulumi
import pytest
from pulumi_azure_native import managedidentity, storage


def _account(identity: pulumi.Input[dict]) -> storage.StorageAccount:
    return storage.StorageAccount(
        "probe-account",
        account_name="stprobe",
        resource_group_name="rg",
        kind="StorageV2",
        sku={"name": "Standard_LRS"},
        identity=identity,
    )


def test_user_assigned_ids_sent_as_a_list_come_back_as_a_map_keyed_by_id(offline_update):
    def program():
        shared = managedidentity.UserAssignedIdentity("shared", resource_name_="id-shared", resource_group_name="rg")
        account = _account(
            shared.id.apply(lambda i: {"type": "SystemAssigned,UserAssigned", "user_assigned_identities": [i]})
        )
        # Reading the typed output is what failed while the mocks echoed the list back.
        answer = account.identity.apply(
            lambda i: (i.principal_id, {key: value.principal_id for key, value in i.user_assigned_identities.items()})
        )
        return pulumi.Output.all(shared.id, shared.principal_id, answer)

    run = offline_update.run(program)
    shared_id, shared_principal, (system_principal, assigned) = run.value
    # Keyed by id, with the identity's own principal id, as Azure reports it.
    assert assigned == {shared_id: shared_principal}
    assert system_principal and system_principal != shared_principal


def test_an_identity_azure_would_refuse_is_an_error_naming_its_resource(offline_update):
    identity = {"type": "SystemAssigned", "user_assigned_identities": ["/subscriptions/s/id/a"]}
    with pytest.raises(Exception, match=r"azure-native:storage:StorageAccount 'probe-account': identity type"):
        offline_update.run(lambda: _account(identity))
