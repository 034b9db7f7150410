"""``cloudscale lake``: the lake's data plane after ``pulumi up``: folders, ACLs, seed data.

``lake init`` lays out the folders the config and the bundled pipelines declare and grants access by
POSIX ACL; ``lake seed`` uploads sample data to raw. Both read the stack's outputs (``--outputs FILE``
from ``pulumi stack output --json``, or the Pulumi CLI through the Automation API) and sign in with
``DefaultAzureCredential``. Failures a person can fix print one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from azure.core.exceptions import AzureError

from cloudscale.lake.apply import FolderOutcome, Journal, RecursiveOutcome, apply_plan, failures
from cloudscale.lake.connection import connections
from cloudscale.lake.errors import LakeError
from cloudscale.lake.layout import FolderPlan, LakePlan, plan_zone
from cloudscale.lake.outputs import ZoneOutputs, read_stack_outputs, zone_outputs
from cloudscale.lake.seed import SIZES, BarProgress, SeedFile, generate_sample_data, local_files, seed_raw
from cloudscale.stacks.config import ConfigError, LandingZoneConfig, PlatformConfig, parse_config
from cloudscale.stacks.offline.stack_files import PROJECT_ROOT, StackFileError, load_stack_config

EXIT_ACTIONABLE = 2
EXIT_PARTIAL = 1
STATE_DIR = ".cloudscale"


def _project_dir(explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit
    cwd = Path.cwd()
    return cwd if (cwd / "Pulumi.yaml").exists() else PROJECT_ROOT


def _offline_outputs(stack: str, values: dict[str, str], config: PlatformConfig, project_dir: Path) -> dict[str, Any]:
    # Imported here: planning offline loads the whole program, which a real run never needs.
    from cloudscale.cli.plan import _program, management_stack_outputs
    from cloudscale.stacks.offline.engine import run_offline

    run = run_offline(
        _program,
        config=values,
        preview=False,
        stack=stack,
        stack_outputs=management_stack_outputs(config, project_dir),
    )
    return dict(run.exports)


def _load(args: argparse.Namespace, *, allow_offline: bool) -> tuple[PlatformConfig, dict[str, Any], str]:
    project_dir = _project_dir(args.project_dir)
    values = load_stack_config(args.stack, project_dir)
    config = parse_config(values)
    outputs = read_stack_outputs(args.stack, project_dir, args.outputs)
    if outputs is not None:
        source = str(args.outputs) if args.outputs else f"the outputs of stack {args.stack}"
        return config, outputs, source
    if not allow_offline:
        raise LakeError(
            f"no outputs for stack {args.stack}: save them with `pulumi stack output --json > outputs.json` and pass "
            "--outputs outputs.json (the Pulumi CLI is not on the PATH)"
        )
    return config, _offline_outputs(args.stack, values, config, project_dir), "the offline plan"


def _zones(config: PlatformConfig, only: str | None) -> list[LandingZoneConfig]:
    zones = config.deployed_zones()
    if only is not None:
        zones = [z for z in zones if z.name == only]
        if not zones:
            names = ", ".join(z.name for z in config.deployed_zones()) or "none"
            raise LakeError(f"stack has no landing zone {only!r} (zones: {names})")
    if not zones:
        raise LakeError("this stack deploys no landing zone, so it has no lakes (role 'management')")
    return zones


@contextmanager
def _actionable() -> Iterator[None]:
    try:
        yield
    except (LakeError, ConfigError, StackFileError) as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(EXIT_ACTIONABLE) from None
    except AzureError as error:
        # Anything else Azure answers (a throttled or failing service after the SDK's retries): one
        # line, and the reassurance that a re-run continues where this one stopped.
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        print(f"error: {first}; re-run the command to continue where it stopped", file=sys.stderr)
        raise SystemExit(EXIT_PARTIAL) from None


def _describe_folder(folder: FolderPlan) -> list[str]:
    lines = [f"  {folder.logical:<42} {folder.location}"]
    for label, grants in (("recursive", folder.recursive), ("traverse", folder.traverse)):
        for grant in grants:
            lines.append(f"      {label:<10} {grant.entry!s:<62} {grant.principal}")
    return lines


def _header(plan: LakePlan, source: str) -> str:
    where = f"VNet {plan.vnet_name}" if plan.vnet_name else "the zone's VNet"
    return (
        f"Lake layout of stack {plan.stack}, zone {plan.zone} (from {source}); the lakes are private: "
        f"run from {where} or a network connected to it"
    )


def _print_plan(plan: LakePlan, source: str) -> None:
    print(_header(plan, source))
    for folder in plan.folders:
        print("\n".join(_describe_folder(folder)))
    print(f"  {len(plan.folders)} folders, {plan.entry_count} ACL entries.")


def _print_outcome(outcome: FolderOutcome) -> None:
    folder = outcome.folder
    if outcome.created:
        print(f"  created   {folder.logical} ({folder.location})")
    for entry in outcome.traverse_added:
        print(f"  acl       {folder.logical}: {entry}")
    for entry in outcome.pruned:
        print(f"  revoked   {folder.logical}: {entry} (and below; not in the config)")
    for entry in outcome.pruned_here_only:
        print(f"  revoked   {folder.logical}: {entry} (this folder only; a folder below still grants it)")
    if not (outcome.pruned or outcome.pruned_here_only):
        for entry in outcome.undeclared:
            print(f"  note      {folder.logical}: {entry} is not in the config; left alone (--prune revokes it)")
    if outcome.recursive is not None:
        r = outcome.recursive
        resumed = ", resumed from a continuation token" if r.resumed else ""
        print(
            f"  acl -R    {folder.logical}: {len(outcome.recursive_changed)} entries changed; "
            f"{r.directories} directories, {r.files} files, {r.failures} failures in {r.batches} batch(es){resumed}"
        )


def _print_batch(location: str, outcome: RecursiveOutcome) -> None:
    if outcome.batches > 1:
        print(f"            {location}: batch {outcome.batches}, {outcome.directories + outcome.files} paths so far")


def init(args: argparse.Namespace) -> int:
    with _actionable():
        config, outputs, source = _load(args, allow_offline=args.dry_run)
        plans = [
            plan_zone(args.stack, zone, zone_outputs(outputs, zone.name, source), source=source)
            for zone in _zones(config, args.zone)
        ]
        if args.dry_run:
            for plan in plans:
                _print_plan(plan, source)
            if source == "the offline plan":
                print("Names come from the offline plan, as `pulumi up` creates them; identity ids are placeholders.")
            print("Dry run: nothing was sent to Azure.")
            return 0
        journal = Journal(args.journal or _project_dir(args.project_dir) / STATE_DIR / f"lake-init-{args.stack}.json")
        outcomes: list[FolderOutcome] = []
        with connections() as reach:
            for plan in plans:
                print(_header(plan, source))
                outcomes += apply_plan(
                    plan,
                    reach,
                    journal,
                    batch_size=args.batch_size,
                    on_folder=_print_outcome,
                    on_batch=_print_batch,
                    prune=args.prune,
                )
    return _summarise(outcomes)


def _summarise(outcomes: list[FolderOutcome]) -> int:
    changed = [o for o in outcomes if o.changed]
    entries = sum(len(o.folder.recursive) + len(o.folder.traverse) for o in outcomes)
    failed = failures(outcomes)
    if failed:
        for name, message in failed[:10]:
            print(f"  failed    {name}: {message}", file=sys.stderr)
        more = f" (and {len(failed) - 10} more)" if len(failed) > 10 else ""
        print(
            f"error: {len(failed)} paths kept their ACLs{more}; fix their ownership or permissions and re-run "
            "`cloudscale lake init`, which retries them",
            file=sys.stderr,
        )
        return EXIT_PARTIAL
    if not changed:
        print(f"Nothing to change: {len(outcomes)} folders and {entries} ACL entries are as declared.")
    else:
        print(f"Changed {len(changed)} of {len(outcomes)} folders; the others were already as declared.")
    return 0


def _local_files(zone: LandingZoneConfig, root: Path) -> list[SeedFile]:
    """The zone's files under ``root``; top-level folders that are not its integrations are reported."""
    files, ignored = local_files(root, zone)
    for name in ignored:
        print(
            f"  skipped   {name}: not one of zone {zone.name}'s dataIntegrations ({', '.join(zone.data_integrations)})"
        )
    return files


def _seed_zone(args: argparse.Namespace, zone: LandingZoneConfig, outputs: ZoneOutputs, root: Path) -> None:
    files = _local_files(zone, root)
    started = time.perf_counter()
    with connections() as reach:
        outcome = seed_raw(args.stack, outputs, files, reach, BarProgress(), parallel=args.parallel)
    seconds = time.perf_counter() - started
    rate = len(outcome.uploaded) / seconds if seconds > 0 else 0.0
    lake = outputs.lakes["raw"].account_name
    if not outcome.uploaded:
        print(f"Nothing to upload: all {len(outcome.skipped)} files are already in raw ({lake}).")
        return
    print(
        f"Uploaded {len(outcome.uploaded)} files ({outcome.uploaded_bytes / 1024 / 1024:.1f} MiB) to raw ({lake}) "
        f"in {seconds:.1f} s, {rate:.1f} files/s; {len(outcome.skipped)} were already there."
    )


def _describe_seed(zone: LandingZoneConfig, outputs: ZoneOutputs, root: Path) -> None:
    files = _local_files(zone, root)
    lake = outputs.lakes["raw"].account_name
    by_folder: dict[str, list[SeedFile]] = {}
    for file in files:
        by_folder.setdefault(f"raw/{file.container}/{file.path.split('/', 1)[0]}", []).append(file)
    for folder, entries in sorted(by_folder.items()):
        size = sum(f.size for f in entries)
        print(f"  {folder:<42} {len(entries):>5} files {size / 1024:>10.1f} KiB  -> {lake}")
    total = sum(f.size for f in files)
    print(f"  {len(files)} files, {total / 1024 / 1024:.1f} MiB to raw ({lake}).")


def seed(args: argparse.Namespace) -> int:
    with _actionable():
        config, outputs, source = _load(args, allow_offline=args.dry_run)
        zones = _zones(config, args.zone)
        targets = [(zone, zone_outputs(outputs, zone.name, source)) for zone in zones]
        with _sample_root(args) as root:
            for zone, zone_values in targets:
                if args.dry_run:
                    print(f"Would seed raw of stack {args.stack}, zone {zone.name} from {root} ({source}):")
                    _describe_seed(zone, zone_values, root)
                    continue
                print(f"Seeding raw of stack {args.stack}, zone {zone.name} from {root}")
                _seed_zone(args, zone, zone_values, root)
        if args.dry_run:
            print("Dry run: nothing was sent to Azure; a real run uploads only files not already complete there.")
    return 0


@contextmanager
def _sample_root(args: argparse.Namespace) -> Iterator[Path]:
    if args.source is not None:
        yield args.source
        return
    # The generator is deterministic, so a re-run writes the same files and the upload resumes.
    with tempfile.TemporaryDirectory(prefix="cloudscale-seed-") as directory:
        root = Path(directory)
        generate_sample_data(args.size, args.seed, root)
        yield root


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", required=True, help="stack name; reads Pulumi.<stack>.yaml")
    parser.add_argument(
        "--outputs", type=Path, default=None, help="the stack's `pulumi stack output --json` saved to a file"
    )
    parser.add_argument("--zone", default=None, help="only this landing zone (default: every zone of the stack)")
    parser.add_argument("--project-dir", type=Path, default=None, help="directory holding Pulumi.yaml")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number")
    return value


def _handler(function: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return function(args)
        except SystemExit as exit_:
            return int(exit_.code or 0)

    return run


def add_parser(commands: argparse._SubParsersAction) -> None:
    lake = commands.add_parser("lake", help="lay out the lake's folders and ACLs, and seed sample data")
    actions = lake.add_subparsers(dest="lake_command", required=True)
    init_parser = actions.add_parser(
        "init", help="create the folders and ACLs the config and the bundled pipelines declare (idempotent)"
    )
    _common(init_parser)
    init_parser.add_argument("--dry-run", action="store_true", help="print every folder and ACL entry; call nothing")
    init_parser.add_argument(
        "--batch-size", type=_positive, default=2000, help="paths per recursive ACL batch (service maximum 2000)"
    )
    init_parser.add_argument(
        "--prune",
        action="store_true",
        help="revoke named ACL entries the config does not declare (a team removed from access, a grant by hand)",
    )
    init_parser.add_argument(
        "--journal", type=Path, default=None, help="where unfinished recursive ACL updates are kept for resuming"
    )
    init_parser.set_defaults(handler=_handler(init))
    seed_parser = actions.add_parser("seed", help="upload sample data to raw in the ingestion pipelines' layout")
    _common(seed_parser)
    seed_parser.add_argument("--size", choices=SIZES, required=True, help="how much sample data to generate")
    seed_parser.add_argument("--seed", type=int, default=7, help="generator seed (default: 7)")
    seed_parser.add_argument(
        "--from", dest="source", type=Path, default=None, help="upload this folder (<integration>/<entity>/<files>)"
    )
    seed_parser.add_argument(
        "--dry-run", action="store_true", help="list what would be uploaded, per folder, and call nothing"
    )
    seed_parser.add_argument("--parallel", type=_positive, default=4, help="files uploaded at a time (default: 4)")
    seed_parser.set_defaults(handler=_handler(seed))
