"""``cloudscale preflight``: what a stack needs from its subscription and tenant before the first ``pulumi up``.

Offline it plans the stack and lists the resource providers to register, the deploying identity's roles
and scope, the Entra ID objects the stack expects, every globally unique name with its rule, the
regional features and the quotas it draws on. ``--check`` asks Azure whether each holds and exits 2
when one would stop ``pulumi up``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path

from cloudscale.cli.plan import _program, _project_dir, management_stack_outputs
from cloudscale.components.core.roles import ROLE_BASED_ACCESS_CONTROL_ADMINISTRATOR, role_name
from cloudscale.stacks.config import ConfigError, parse_config
from cloudscale.stacks.offline.engine import run_offline
from cloudscale.stacks.offline.stack_files import StackFileError, load_stack_config
from cloudscale.stacks.preflight.requirements import Requirements, stack_requirements

# Where a subscription id comes from when --subscription is not given: the stack's azure-native config,
# then the variables azure-identity and the azure-native provider read.
SUBSCRIPTION_KEY = "azure-native:subscriptionId"
SUBSCRIPTION_VARIABLES = ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID")


def _subscription(explicit: str | None, values: dict[str, str]) -> str | None:
    if explicit:
        return explicit
    if values.get(SUBSCRIPTION_KEY):
        return values[SUBSCRIPTION_KEY]
    return next((os.environ[v] for v in SUBSCRIPTION_VARIABLES if os.environ.get(v)), None)


def preflight(args: argparse.Namespace) -> int:
    with contextlib.chdir(_project_dir(args.project_dir).resolve()):
        return _preflight(args, Path.cwd())


def _preflight(args: argparse.Namespace, project_dir: Path) -> int:
    try:
        values = load_stack_config(args.stack, project_dir)
        subscription_id = _subscription(args.subscription, values)
        if args.check and not subscription_id:
            raise StackFileError(
                f"--check needs the subscription to deploy to: pass --subscription, set {SUBSCRIPTION_KEY} in "
                f"Pulumi.{args.stack}.yaml, or set {SUBSCRIPTION_VARIABLES[0]}"
            )
        config = parse_config(values)
        if subscription_id and not config.name_seed.strip():
            # What the program does in dev without a seed (stacks/program.py): the subscription seeds the names.
            values = {**values, "cloudscale:nameSeed": subscription_id}
            config = parse_config(values)
        stack_outputs = management_stack_outputs(config, project_dir)
    except (ConfigError, StackFileError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    run = run_offline(_program, config=values, stack=args.stack, stack_outputs=stack_outputs)
    requirements = stack_requirements(run, config, stack=args.stack, subscription_id=subscription_id)
    if args.json and not args.check:
        print(json.dumps(requirements.to_json(), indent=2))
        return 0
    if not args.json:
        print(render_requirements(requirements, seeded=bool(config.name_seed.strip())))
    if not args.check:
        return 0
    return _check(requirements, subscription_id or "", as_json=args.json)


def _check(requirements: Requirements, subscription_id: str, *, as_json: bool) -> int:
    from cloudscale.stacks.preflight.azure_check import SignInError, check_requirements

    try:
        result = check_requirements(requirements, subscription_id)
    except SignInError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if as_json:
        document = requirements.to_json()
        document["check"] = {
            "subscriptionId": result.subscription_id,
            "principalId": result.principal_id,
            "problems": [{"area": p.area, "message": p.message, "blocking": p.blocking} for p in result.problems],
            "passed": result.passed,
        }
        print(json.dumps(document, indent=2))
    else:
        print(f"\nChecked against subscription {subscription_id} as {result.principal_id}:")
        for line in result.passed:
            print(f"  ok: {line}")
        for problem in result.problems:
            print(problem.line())
        blocking = sum(p.blocking for p in result.problems)
        print(f"{blocking} problem(s) would stop pulumi up" if blocking else "Nothing found that would stop pulumi up")
    return 2 if result.blocking else 0


def render_requirements(req: Requirements, *, seeded: bool) -> str:
    lines = [f"Preflight for stack {req.stack} (role {req.role}, {req.location})", ""]
    lines.append(f"Resource providers to register in the subscription ({len(req.providers_to_register)}):")
    for need in req.providers_to_register:
        # azure-native:storage:StorageAccount reads as StorageAccount next to its namespace.
        because = [reason.rsplit(":", 1)[-1] for reason in need.because]
        lines.append(f"  {need.namespace:<34} {', '.join(because)}")
    default = [p.namespace for p in req.providers if p.registered_by_default]
    if default:
        lines.append(f"  (registered by default: {', '.join(default)})")
    lines += ["", f"Deploying identity, at {req.scope()} (the stack creates its resource groups there):"]
    lines.append("  Owner, or Contributor and Role Based Access Control Administrator with this condition (condition")
    lines.append(f"  version 2.0), which lets it assign only the {len(req.granted_roles)} roles the stack grants:")
    lines.append(f"    {req.role_condition()}")
    for guid in req.granted_roles:
        lines.append(f"    {role_name(guid):<48} {guid}")
    lines.append(
        f"  az role assignment create --assignee-object-id <object-id> --scope {req.scope()} "
        f'--role "{role_name(ROLE_BASED_ACCESS_CONTROL_ADMINISTRATOR)}" --condition "<the condition>" '
        "--condition-version 2.0"
    )
    for permission in req.extra_permissions:
        lines.append(f"  and {permission}")
    lines += ["", "Entra ID objects the stack expects:"]
    for obj in req.entra_objects:
        state = "set up after pulumi up" if obj.set_up_after_deployment else "NOT SET" if obj.missing else obj.object_id
        lines.append(f"  {obj.what}: {state} ({obj.key}){'; ' + obj.note if obj.note else ''}")
    if not req.entra_objects:
        lines.append("  none")
    lines += ["", f"Globally unique names ({len(req.global_names)}):"]
    for name in req.global_names:
        lines.append(f"  {name.kind:<20} {name.name:<40} {name.rule_text()}")
    if not seeded:
        lines.append("  (no cloudscale:nameSeed: the names above use a placeholder subscription; pass --subscription)")
    lines += ["", f"Regional features in {req.location}:"]
    for feature in req.regional:
        verdict = {True: "yes", False: "NO", None: "not in the published tables"}[feature.offline_verdict]
        lines.append(f"  {feature.feature}: {verdict}, for {feature.needed_by} ({feature.detail})")
    lines.append(f"  services the region must offer: {', '.join(req.regional_services)}")
    lines += ["", "Regional quotas the stack draws on:"]
    for (namespace, usage), count in sorted(req.quota_needs.items()):
        lines.append(f"  {namespace} {usage}: {count}")
    for size, nodes in sorted(req.ml_clusters.items()):
        lines.append(f"  Azure ML cluster vCPUs: {nodes} x {size}")
    if any(t == "Microsoft.Purview/accounts" for t in req.regional_services):
        # Azure/data-management-zone#116: "Tenant ... has surpassed its resource quota for <region> location".
        lines.append("  Microsoft Purview accounts: a quota per tenant and region that no management API reports")
    return "\n".join(lines)


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "preflight", help="list what a stack needs before pulumi up; --check asks Azure whether it holds"
    )
    parser.add_argument("--stack", default="dev", help="stack name; reads Pulumi.<stack>.yaml (default: dev)")
    parser.add_argument(
        "--check",
        action="store_true",
        help="ask Azure (DefaultAzureCredential) and exit 2 if anything would stop pulumi up",
    )
    parser.add_argument(
        "--subscription",
        default=None,
        help=f"subscription id to check (default: {SUBSCRIPTION_KEY} of the stack, then ${SUBSCRIPTION_VARIABLES[0]})",
    )
    parser.add_argument("--json", action="store_true", help="print the requirements (and the check) as JSON")
    parser.add_argument("--project-dir", type=Path, default=None, help="directory holding Pulumi.yaml")
    parser.set_defaults(handler=preflight)
