"""``cloudscale pipelines validate [DIR ...]``: check definition sets offline, as a zone would deploy them.

Without DIR the bundled sets are checked. With DIR (a scenario folder, or a folder of them) the
team's sets are checked together with the bundled ones, so their pipelines may use bundled datasets
and linked services; the zone's master pipeline is composed over all of it, with every data product
that has a notebook. Exit status 2 and one line per problem (file, JSON path, message) on failure.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cloudscale.dataproducts.contracts.model import CONTRACT_FILE, contract_from_json
from cloudscale.dataproducts.contracts.products import PRODUCTS
from cloudscale.pipelines import run_paths
from cloudscale.pipelines.chain import check_chain
from cloudscale.pipelines.compose import SetChoice, bundled_choice, compose_zone, product_set_name
from cloudscale.pipelines.data_access import lake_access
from cloudscale.pipelines.definitions import DefinitionProblem, bundled_root, bundled_set_names, discover
from cloudscale.pipelines.validate import activity_scopes, validate

# Data products a zone may declare (dataProducts); each runs if its notebook nb_<product> exists.
KNOWN_PRODUCTS = tuple(PRODUCTS)


def _shown(problem: DefinitionProblem, folders: dict[str, Path]) -> str:
    set_name = problem.file.split("/", 1)[0]
    folder = folders.get(set_name)
    file = str(folder.parent / problem.file) if folder is not None else problem.file
    return f"{file}: {problem.path}: {problem.message}"


def _publishes(folder: Path) -> bool:
    """A notebook set is a data product unless its contract says it writes no workspace table (a set that
    conforms a source or links a store runs in the master as a step of its own)."""
    if not (folder / CONTRACT_FILE).is_file():
        return True
    try:
        contract, _ = contract_from_json(json.loads((folder / CONTRACT_FILE).read_text(encoding="utf-8")), folder.name)
    except (ValueError, UnicodeDecodeError):
        return True
    return any(table.layer == "workspace" for table in contract.writes)


def validate_command(args: argparse.Namespace) -> int:
    user_folders: list[Path] = []
    for directory in args.dirs:
        found = discover(Path(directory))
        if not found:
            print(
                f"error: {directory}: no definition folders (linkedService/, dataset/, pipeline/, ...)", file=sys.stderr
            )
            return 2
        user_folders += found
    user_names = {folder.name for folder in user_folders}
    product_sets = {product_set_name(p) for p in KNOWN_PRODUCTS}
    # A team's folder holding nb_<folder> is a data product the master pipeline runs too.
    products = list(KNOWN_PRODUCTS) + [
        folder.name.replace("_", "-")
        for folder in user_folders
        if folder.name not in product_sets
        and (folder / "notebook" / f"nb_{folder.name}.json").is_file()
        and _publishes(folder)
    ]
    folders: dict[str, Path] = {}
    choices: list[SetChoice] = []
    for name in bundled_set_names():
        folders[name] = bundled_root() / name
        if name not in user_names and name not in product_sets:
            choices.append(bundled_choice(name, f"bundled {name}"))
    for folder in user_folders:
        choices.append(SetChoice(folder.name, folder, str(folder), target=args.target))
        folders[folder.name] = folder
    composed = compose_zone(choices, products=products, master_target="dataFactory", master_schedule=None)
    problems = composed.problems + validate(composed.sets) + check_chain(composed.sets)
    problems += lake_access(composed.sets)[1]
    if problems:
        for problem in problems:
            print(_shown(problem, folders), file=sys.stderr)
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 2
    artifacts = sum(1 for s in composed.sets for _ in s)
    print(f"valid: {len(composed.sets)} definition sets, {artifacts} artifacts")
    for definitions in composed.sets:
        origin = (
            "yours" if definitions.name in user_names else "bundled" if definitions.name != "master" else "composed"
        )
        pipelines = ", ".join(definitions.of_kind("pipeline")) or "-"
        print(f"  {definitions.name} ({definitions.target}, {origin}): {pipelines}")
        if args.paths:
            for pipeline in definitions.of_kind("pipeline").values():
                for path, activities in activity_scopes(pipeline):
                    steps = run_paths.steps_of(activities)
                    print(f"    {pipeline.name} {path}")
                    print(f"      all succeed: {', '.join(sorted(run_paths.runs_when_all_succeed(steps)))}")
                    for step in steps:
                        handling = run_paths.failure_path(steps, step.name)
                        if step.type != "Fail" and handling:
                            print(f"      {step.name} fails: runs {', '.join(sorted(handling))}")
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("pipelines", help="work with pipeline definition sets")
    actions = parser.add_subparsers(dest="action", required=True)
    check = actions.add_parser("validate", help="validate definition sets offline (bundled ones, plus DIR)")
    check.add_argument("dirs", nargs="*", metavar="DIR", help="a definition folder, or a folder of them")
    check.add_argument(
        "--target",
        choices=("dataFactory", "synapse"),
        default=None,
        help="where DIR's sets run (default: synapse if they hold notebooks or SQL scripts, else dataFactory)",
    )
    check.add_argument("--paths", action="store_true", help="also print each pipeline's success and failure paths")
    check.set_defaults(handler=validate_command)
