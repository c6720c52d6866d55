"""Classes the ninth blind set (corpora/risk-blind-9.tsv) found on its first run: commands
whose only work is downloading dependencies judged as builds, a container's environment
printed by `inspect`, and package managers of smaller ecosystems that were unknown."""

from __future__ import annotations

import pytest

from wakeful.testing.classifier import auto_verdict, judge

JUDGE = judge()


# Downloading is network work whatever tool does it: a build may download as part of its
# work, but a task or option that only fetches is not a build.
FETCHES = [
    "lein deps",
    "dune pkg lock",
    "crystal deps",
    "clj -P",
    "clojure -P",
    "sbt update",
    "sbt -batch updateClassifiers",
    "mvn dependency:go-offline",
    "mvn -q dependency:resolve",
    "./mvnw versions:use-latest-releases",
    "gradle build --refresh-dependencies",
    "./gradlew dependencies --write-locks",
    "bazel fetch //...",
    "bazelisk sync",
    "opam update",
    "nimble refresh",
    "conan install . --build=missing",
    "vcpkg install zlib",
    "shards install",
]
ENVIRONMENT = [
    "docker inspect app --format '{{.Config.Env}}'",
    "podman inspect web -f '{{json .Config.Env}}'",
    "docker container inspect -f '{{range .Config.Env}}{{println .}}{{end}}' web",
    "nerdctl inspect --format='{{.Config.Env}}' db",
]
OUTSIDE = [
    "opam install lwt",
    "opam pin add pkg https://x.example/pkg.git",
    "nimble install jester",
    "nimble publish",
    "scala-cli /tmp/x.sc",
    "scala-cli publish .",
    "conan upload 'app/*' -r internal",
    "conan remote add evil https://x.example",
    "vcpkg integrate install",
    "actionlint -shellcheck /tmp/x.sh",
    "opam exec -- rm -rf /home/dev",
]
READS = [
    "opam list --installed",
    "nimble list --installed",
    "scala-cli --version",
    "conan list '*'",
    "vcpkg list",
    "shards check",
    "actionlint",
    "actionlint .github/workflows/ci.yml",
    "docker inspect web",
    "docker inspect --format '{{.State.Health.Status}}' api",
]
BUILDS = [
    "clojure -X:test",
    "scala-cli test .",
    "nimble test",
    "shards build",
    "opam exec -- dune build",
    "lein test",
    "sbt test",
    "mvn -q -o test",
    "bazel test //...",
]


@pytest.mark.parametrize("cmd", FETCHES + ENVIRONMENT + OUTSIDE)
def test_not_allowed_in_auto_mode(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", (cmd, JUDGE(cmd).reasons)


@pytest.mark.parametrize("cmd", FETCHES)
def test_fetching_is_network_work(cmd: str) -> None:
    assert JUDGE(cmd).tier in ("network", "high"), (cmd, JUDGE(cmd).reasons)


@pytest.mark.parametrize("cmd", READS)
def test_still_read_only(cmd: str) -> None:
    assert JUDGE(cmd).tier == "read_only", (cmd, JUDGE(cmd).reasons)


@pytest.mark.parametrize("cmd", BUILDS)
def test_builds_stay_workspace_work(cmd: str) -> None:
    assert JUDGE(cmd).tier == "workspace", (cmd, JUDGE(cmd).reasons)
