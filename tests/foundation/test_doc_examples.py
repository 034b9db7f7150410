"""The documentation's code is real code: its examples run here under the mocks, and what it tells users
to run matches what the program needs."""

from __future__ import annotations

import re

from cloudscale.stacks.offline.stack_files import PROJECT_ROOT

DOCS = PROJECT_ROOT / "docs"


def _python_blocks(page: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), flags=re.S)


def test_the_library_page_component_example_declares_a_locked_private_lake_with_a_container_grant(offline):
    [example] = _python_blocks("library.md")
    run = offline.run(lambda: exec(compile(example, "docs/library.md", "exec"), {}))
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


def test_the_expression_page_example_returns_what_it_says():
    [example] = _python_blocks("expressions.md")
    setup = [line for line in example.splitlines() if "  # " not in line]
    checks = [line.split("  # ") for line in example.splitlines() if "  # " in line]
    namespace: dict = {}
    exec(compile("\n".join(setup), "docs/expressions.md", "exec"), namespace)
    assert len(checks) == 2
    for code, result in checks:
        assert repr(eval(code, namespace)) == result


def test_the_docs_say_who_approves_the_workspace_lakes_managed_private_endpoint():
    # Synapse approves its default lake's managed private endpoint only if the identity creating the
    # Spark pool may approve connections on the account; otherwise the storage owner approves it
    # (MicrosoftDocs azure-docs, synapse-analytics/security/connect-to-a-secure-storage-account.md).
    text = (DOCS / "beyond-up.md").read_text()
    [bullet] = [b for b in text.split("\n- ") if b.startswith("**The workspace lake's managed private endpoint**")]
    assert "approved automatically only if" in bullet and "storage owner approves" in bullet


def test_wherever_the_docs_destroy_they_run_the_program_that_registers_the_hooks(stack_runs, dev_config):
    # Without --run-program, pulumi destroy never registers the hooks stored in state: a peering delete
    # refused by a busy VNet then fails with "error hook ... was not registered" (pulumi/pulumi
    # pkg/resource/deploy/step.go, RunErrorHooks), and a delete under a lock is not lifted
    # (ResourceHookBinding: delete hooks "require the operation to run with --run-program").
    run = stack_runs.run(dev_config)
    assert any(option.error_hooks for option in run.monitor.options.values())
    pages = [PROJECT_ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
    text = " ".join(" ".join(page.read_text().split()) for page in pages)
    mentions = re.findall(r"pulumi destroy`?(.{0,24})", text)
    assert mentions
    assert [m for m in mentions if not re.match(r" --run-program|`? without `--run-program`", m)] == []
