"""Each package's public surface is explicit, typed for checkers, and documented where consumers call it."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect

import pulumi
import pytest

import cloudscale.components as components
import cloudscale.pipelines as pipelines
import cloudscale.policy as policy
import cloudscale.stacks as stacks
import cloudscale.testing as testing
from cloudscale.components.baseline import SecureComponent


@pytest.mark.parametrize(
    "package",
    [components, stacks, pipelines, policy, testing, importlib.import_module("cloudscale.components.baseline")],
)
def test_every_exported_name_resolves(package):
    for name in package.__all__:
        assert getattr(package, name) is not None, f"{package.__name__}.{name}"


def _type_checking_imports() -> dict[str, str]:
    """Name -> module of the imports a type checker reads in ``cloudscale.components``."""
    tree = ast.parse(inspect.getsource(components))
    [block] = [n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"]
    found = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom), ast.unparse(node)
        for alias in node.names:
            # ``A as A`` is what makes the name an export under mypy --strict (no implicit re-export).
            assert alias.asname == alias.name, ast.unparse(node)
            found[alias.name] = (node.module or "").removeprefix("cloudscale.components.")
    return found


def test_type_checkers_see_exactly_the_lazy_exports():
    assert _type_checking_imports() == components._EXPORTS


def test_the_check_sees_an_export_the_type_checkers_miss(monkeypatch):
    monkeypatch.setitem(components._EXPORTS, "Unlisted", "data_lake")
    assert _type_checking_imports() != components._EXPORTS


def _components() -> dict[str, type[SecureComponent]]:
    exported = {name: getattr(components, name) for name in components.__all__}
    return {
        name: value for name, value in exported.items() if inspect.isclass(value) and issubclass(value, SecureComponent)
    }


def _argument_annotations() -> str:
    """Every annotation of every exported dataclass (the ``*Args`` and what they take), as written."""
    exported = [getattr(components, name) for name in components.__all__]
    return " ".join(
        str(f.type) for value in exported if dataclasses.is_dataclass(value) for f in dataclasses.fields(value)
    )


def test_component_exports_are_components_their_args_and_the_values_those_take():
    annotations = _argument_annotations()
    for name in components.__all__:
        exported = getattr(components, name)
        if name.endswith("Args"):
            assert dataclasses.is_dataclass(exported), name
            assert next(iter(exported.__dataclass_fields__)) in {"baseline", "workspace_name"}, name
        elif inspect.isclass(exported) and issubclass(exported, pulumi.Resource):
            assert list(inspect.signature(exported.__init__).parameters)[1:4] == ["name", "args", "opts"], name
        else:
            # A value an argument takes (a container spec, the zone's key), so consumers can build it.
            assert name in annotations, f"{name} is neither a component, its args, nor what args take"


def test_author_side_methods_are_kept_out_of_the_public_surface():
    public = sorted(name for name in vars(SecureComponent) if not name.startswith("_"))
    assert public == []


def test_consumer_facing_methods_are_documented():
    undocumented = [
        f"{name}.{member}"
        for name, component in _components().items()
        for member, value in vars(component).items()
        if not member.startswith("_") and (inspect.isfunction(value) or isinstance(value, property))
        if not inspect.getdoc(value)
    ]
    assert undocumented == []
    assert len(_components()) > 15


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError):
        components.NoSuchComponent  # noqa: B018
