"""Tag merging, the same way everywhere: later layers win, and Azure's limits are enforced."""

from __future__ import annotations

from collections.abc import Mapping

MAX_TAGS = 50
MAX_KEY_LENGTH = 512
MAX_VALUE_LENGTH = 256
FORBIDDEN_KEY_CHARACTERS = frozenset("<>%&\\?/")


class TagError(ValueError):
    pass


def tag_problems(tags: Mapping[str, str]) -> list[str]:
    problems: list[str] = []
    if len(tags) > MAX_TAGS:
        problems.append(f"{len(tags)} tags; Azure allows at most {MAX_TAGS} per resource")
    for key, value in tags.items():
        if not key or len(key) > MAX_KEY_LENGTH:
            problems.append(f"tag name {key!r} must be 1-{MAX_KEY_LENGTH} characters")
        bad = FORBIDDEN_KEY_CHARACTERS.intersection(key)
        if bad:
            problems.append(f"tag name {key!r} contains {''.join(sorted(bad))!r}, which Azure forbids")
        if len(value) > MAX_VALUE_LENGTH:
            problems.append(f"tag {key!r} value is longer than {MAX_VALUE_LENGTH} characters")
    return problems


def merge_tags(*layers: Mapping[str, str] | None) -> dict[str, str]:
    merged: dict[str, str] = {}
    for layer in layers:
        merged.update(layer or {})
    problems = tag_problems(merged)
    if problems:
        raise TagError("; ".join(problems))
    return merged


def platform_tags(environment: str, zone: str, component: str | None = None) -> dict[str, str]:
    tags = {"Project": "cloudscale", "Environment": environment, "Zone": zone, "ManagedBy": "pulumi"}
    if component:
        tags["Component"] = component
    return tags
