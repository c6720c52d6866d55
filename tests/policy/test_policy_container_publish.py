"""Container subcommands that publish or hand the host to a container."""

from __future__ import annotations

import pytest

from wakeful.testing.classifier import auto_allows, tier


@pytest.mark.parametrize(
    "command",
    [
        "docker manifest push registry.example/app:1",
        "podman manifest push app:1 docker://registry.example/app:1",
        "docker manifest push --purge app:1",
    ],
)
def test_a_manifest_pushed_to_a_registry_is_not_read_only(command: str) -> None:
    assert tier(command) == "high"
    assert not auto_allows(command)


@pytest.mark.parametrize(
    "command",
    [
        "docker run -dv /:/host alpine",
        "docker run -itv /:/mnt alpine sh",
        "docker run --privileged=true alpine",
        "podman run --privileged=true alpine",
    ],
)
def test_the_host_given_to_a_container_through_joined_flags_is_critical(command: str) -> None:
    assert tier(command) == "critical"


@pytest.mark.parametrize(
    "command", ["docker manifest inspect alpine", "docker run -d nginx", "docker ps -a"]
)
def test_neighbours_keep_their_tiers(command: str) -> None:
    assert tier(command) in ("read_only", "high")
