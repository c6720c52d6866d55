"""A variable that tells a tool where its toolchain or its configuration lives decides what
programs it runs: `JAVA_HOME=/tmp/j mvn` runs /tmp/j/bin/java, `RUSTUP_TOOLCHAIN=/tmp/t`
runs that directory's cargo, `AWS_CONFIG_FILE=/tmp/c` runs its `credential_process`.
Installed toolchains, the user's own and the workspace's are the user's."""

from __future__ import annotations

from pathlib import Path

import pytest

from wakeful.testing.classifier import auto_verdict, judge

JUDGE = judge()


@pytest.mark.parametrize(
    "cmd",
    [
        "JAVA_HOME=/tmp/j mvn -v",
        "JAVA_HOME=/tmp/j ./gradlew build",
        "RUSTUP_TOOLCHAIN=/tmp/t cargo build",
        "GOROOT=/tmp/go go build ./...",
        "AWS_CONFIG_FILE=/tmp/c aws s3 ls",
        "AWS_SHARED_CREDENTIALS_FILE=/tmp/c aws sts get-caller-identity",
        "CLOUDSDK_CONFIG=/tmp/g gcloud config list",
        "env JAVA_HOME=/tmp/j mvn test",
        "ANDROID_HOME=/tmp/sdk ./gradlew assembleDebug",
    ],
)
def test_a_toolchain_or_configuration_from_elsewhere_asks(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", (cmd, JUDGE(cmd))


@pytest.mark.parametrize(
    "cmd",
    [
        "JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 mvn -v",
        "JAVA_HOME=~/.sdkman/candidates/java/current ./gradlew build",
        "RUSTUP_TOOLCHAIN=nightly cargo build",
        "RUSTUP_TOOLCHAIN=1.75.0 cargo test",
        "GOROOT=/usr/local/go go version",
        "AWS_CONFIG_FILE=~/.aws/config aws s3 ls",
    ],
)
def test_installed_and_own_toolchains_stay_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", (cmd, JUDGE(cmd))


def test_through_the_cli(cli, git_repo: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli(["classify", "--json", "--mode", "auto", "--", "JAVA_HOME=/tmp/j mvn -v"], git_repo)
    assert r.returncode == 0, r.stderr
    assert r.json()["decision"] != "allow", r.json()
