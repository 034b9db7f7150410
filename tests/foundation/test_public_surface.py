"""Each package's public surface is explicit, and every exported name resolves."""

from __future__ import annotations

import importlib

import pytest

import cloudscale.components as components
import cloudscale.pipelines as pipelines
import cloudscale.policy as policy
import cloudscale.stacks as stacks


@pytest.mark.parametrize(
    "package", [components, stacks, pipelines, policy, importlib.import_module("cloudscale.components.baseline")]
)
def test_every_exported_name_resolves(package):
    for name in package.__all__:
        assert getattr(package, name) is not None, f"{package.__name__}.{name}"


def test_component_exports_are_components_and_their_args():
    for name in components.__all__:
        exported = getattr(components, name)
        if name.endswith("Args"):
            assert hasattr(exported, "__dataclass_fields__"), name
            assert next(iter(exported.__dataclass_fields__)) in {"baseline", "workspace_name"}, name
        else:
            assert exported.__init__.__code__.co_varnames[1:4] == ("name", "args", "opts"), name


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError):
        components.NoSuchComponent  # noqa: B018
