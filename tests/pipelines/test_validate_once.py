"""Work a zone's definitions need once per process, not once per zone.

Every zone that selects a bundled set deploys the same definitions; zones configured alike compose
the same master pipeline on the same platform. Their files are read once, each definition walked
once, and the same definitions on the same platform validated once.
"""

from __future__ import annotations

import copy

import pytest

from cloudscale.pipelines import compose, validate
from cloudscale.pipelines.compose import bundled_choice, compose_zone
from cloudscale.pipelines.definitions import Artifact, bundled_root, load_set
from cloudscale.pipelines.json_paths import walk
from cloudscale.pipelines.platform import zone_platform


@pytest.fixture
def validator_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Start with nothing validated and count the validator's runs."""
    monkeypatch.setattr(validate, "_VALIDATED", {})
    runs: list[int] = []
    original = validate.Validator.run

    def counting(self: validate.Validator) -> list:
        runs.append(1)
        return original(self)

    monkeypatch.setattr(validate.Validator, "run", counting)
    return runs


def test_walk_yields_every_scalar_in_document_order_with_its_path():
    document = {"a": [1, {"b c": None, "d": []}], "e": {"f": "x"}, "g": [[2]], "$h": True}
    assert list(walk(document)) == [
        ("$.a[0]", 1),
        ("$.a[1]['b c']", None),
        ("$.e.f", "x"),
        ("$.g[0][0]", 2),
        ("$.$h", True),
    ]


def test_an_artifact_lists_its_strings_once_with_their_paths():
    artifact = Artifact("pipeline", "pl", {"activities": [{"name": "a", "n": 1}], "x": "{{ zone.name }}"}, "s/p", "s")
    assert artifact.texts == (("$.properties.activities[0].name", "a"), ("$.properties.x", "{{ zone.name }}"))
    assert artifact.texts is artifact.texts


def test_the_same_definitions_on_the_same_platform_are_validated_once(validator_runs):
    folder = bundled_root() / "crm_ingestion"
    first, _ = load_set(folder)
    again, _ = load_set(folder)  # another zone's copy: other objects, the same definitions
    assert validate.validate([first]) == validate.validate([again]) == []
    assert len(validator_runs) == 1
    # Another platform, or one changed definition, is validated again and its problems found.
    validate.validate([first], zone_platform(data_factory=True, synapse=False, erp=False, cosmos=False))
    assert len(validator_runs) == 2
    changed, _ = load_set(folder)
    pipeline = changed.of_kind("pipeline")["pl_crm_ingestion"]
    properties = copy.deepcopy(pipeline.properties)
    properties["activities"][0]["dependsOn"] = [{"activity": "nowhere", "dependencyConditions": ["Succeeded"]}]
    changed.add(Artifact("pipeline", pipeline.name, properties, pipeline.file, pipeline.set_name))
    found = validate.validate([changed])
    assert len(validator_runs) == 3
    assert any("nowhere" in str(problem) for problem in found)


def test_a_bundled_set_is_read_once_for_every_zone_that_selects_it(monkeypatch):
    compose._load_bundled.cache_clear()
    reads: list[str] = []
    original = compose.load_set

    def counting(folder, **kwargs):
        reads.append(folder.name)
        return original(folder, **kwargs)

    monkeypatch.setattr(compose, "load_set", counting)
    for zone in range(3):
        key = f"landingZones[{zone}].pipelines"
        composed = compose_zone(
            [bundled_choice("crm_ingestion", f"{key}[0]"), bundled_choice("erp_ingestion", f"{key}[1]")],
            products=["sales-analytics"],
            master_target="dataFactory",
            master_schedule=None,
        )
        assert [s.name for s in composed.sets] == [
            "crm_ingestion",
            "erp_ingestion",
            "crm_conform",
            "erp_conform",
            "sales_analytics",
            "master",
        ]
        # The choices still name each zone's own keys.
        assert composed.choices["crm_ingestion"].key == f"{key}[0]"
    assert sorted(reads) == ["crm_conform", "crm_ingestion", "erp_conform", "erp_ingestion", "sales_analytics"]
