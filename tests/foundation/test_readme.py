"""The README's consumer example is real code: it runs here under the mocks."""

from __future__ import annotations

import re

from cloudscale.stacks.offline.stack_files import PROJECT_ROOT


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (PROJECT_ROOT / "README.md").read_text(), flags=re.S)


def test_the_readme_component_example_declares_a_locked_private_lake_with_a_container_grant(offline):
    [example] = [block for block in _python_blocks() if "ExpressionContext" not in block]
    run = offline.run(lambda: exec(compile(example, "README.md", "exec"), {}))
    account = run.one("azure-native:storage:StorageAccount")
    assert account.inputs["publicNetworkAccess"] == "Disabled"
    assert account.inputs["allowSharedKeyAccess"] is False
    assert {
        e.inputs["privateLinkServiceConnections"][0]["groupIds"][0]
        for e in run.of_type("azure-native:network:PrivateEndpoint")
    } == {"blob", "dfs"}
    assert run.of_type("azure-native:authorization:ManagementLockByScope")
    grant = run.one("azure-native:authorization:RoleAssignment")
    assert grant.inputs["principalId"] == "00000000-0000-0000-0000-00000000abcd"
    if not offline.preview:
        container = run.one("azure-native:storage:BlobContainer")
        assert container.inputs["containerName"] == "ledger"
        assert grant.inputs["scope"] == run.mocks.ids[(container.typ, container.name)]


def test_the_readme_expression_example_returns_what_it_says():
    [example] = [block for block in _python_blocks() if "ExpressionContext" in block]
    setup = [line for line in example.splitlines() if "  # " not in line]
    checks = [line.split("  # ") for line in example.splitlines() if "  # " in line]
    namespace: dict = {}
    exec(compile("\n".join(setup), "README.md", "exec"), namespace)
    assert len(checks) == 2
    for code, result in checks:
        assert repr(eval(code, namespace)) == result


def test_the_readme_says_who_approves_the_workspace_lakes_managed_private_endpoint():
    # Synapse approves its default lake's managed private endpoint only if the identity creating the
    # Spark pool may approve connections on the account; otherwise the storage owner approves it
    # (MicrosoftDocs azure-docs, synapse-analytics/security/connect-to-a-secure-storage-account.md).
    text = (PROJECT_ROOT / "README.md").read_text()
    section = text.split("### What a real deployment needs", 1)[1].split("\n### ", 1)[0]
    [bullet] = [b for b in section.split("\n- ") if b.startswith("**The workspace lake's managed private endpoint**")]
    assert "approved automatically only if" in bullet and "storage owner approves" in bullet


def test_wherever_the_readme_destroys_it_runs_the_program_that_registers_the_hooks(stack_runs, dev_config):
    # Without --run-program, pulumi destroy never registers the hooks stored in state: a peering delete
    # refused by a busy VNet then fails with "error hook ... was not registered" (pulumi/pulumi
    # pkg/resource/deploy/step.go, RunErrorHooks), and a delete under a lock is not lifted
    # (ResourceHookBinding: delete hooks "require the operation to run with --run-program").
    run = stack_runs.run(dev_config)
    assert any(option.error_hooks for option in run.monitor.options.values())
    text = " ".join((PROJECT_ROOT / "README.md").read_text().split())
    mentions = re.findall(r"pulumi destroy`?(.{0,24})", text)
    assert mentions
    assert [m for m in mentions if not re.match(r" --run-program|`? without `--run-program`", m)] == []
