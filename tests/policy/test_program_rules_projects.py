"""The programs that moved from handlers to data entries (infrastructure tools, container
engines, project managers, build tools, cargo and go): the fields their entries use, each
tried on the command it guards, and the holes the handlers had."""

from __future__ import annotations

from pathlib import Path

import pytest

from wakeful.policy import programs
from wakeful.policy.program_rules import PROGRAMS, Program
from wakeful.policy.programs import checks
from wakeful.policy.shell import classify_command
from wakeful.policy.types import Tier

WS = Path("/home/dev/proj")
HOME = Path("/home/dev")


def tier(command: str) -> str:
    return classify_command(command, WS, HOME).tier


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        # outside_opts: the project a manager works on holds the code that runs
        ("poetry -C /tmp/other install", "high"),
        ("poetry --directory=../other run pytest", "high"),
        ("poetry -C sub install", "network"),
        ("cargo --manifest-path /tmp/x/Cargo.toml build", "high"),
        ("gradle --project-dir /tmp/p build", "high"),
        # outside_pattern: a build home set by property
        ("mvn -Dmaven.home=/opt/evil-maven package", "high"),
        ("mvn -Duser.home=.home package", "workspace"),
        # the `project` positional kind
        ("dotnet test /tmp/x/T.csproj", "high"),
        ("dotnet run --project=/tmp/x", "high"),
        ("dotnet test tests/T.csproj", "workspace"),
        # keyed_read_opts: keys and files handed to an image build
        ("docker build --secret id=npm,src=/home/dev/.npmrc .", "critical"),
        ("docker build --secret id=npm,env=NPM_TOKEN .", "workspace"),
        ("docker buildx build --ssh default=/home/dev/.ssh/id_ed25519 .", "critical"),
        ("docker build --build-context base=docker-image://alpine .", "network"),
        ("podman build --build-context lib=/home/dev/.aws .", "critical"),
        # workspace_flags: a setting that stays in the project
        ("bundle config set --local path vendor/bundle", "workspace"),
        ("bundle config set path vendor/bundle", "high"),
        ("bundle config set --local --global path x", "high"),
        # a bind mount of the host's root written with --mount
        ("docker run --mount type=bind,source=/,target=/host alpine", "critical"),
        ("podman run --mount type=bind,src=/,dst=/h alpine", "critical"),
        # long_flags: go's whole-word flags with `=`
        ("go build -o=/home/dev/.bashrc .", "critical"),
        ("go build --o=/home/dev/.bashrc .", "critical"),
        ("go test -coverprofile=/home/dev/.profile ./...", "critical"),
        ("go test -race -cover ./...", "workspace"),
        ("go build -toolexec '/tmp/x -v' ./...", "high"),
        # strict_options: go takes no option but -C before its subcommand, and an engine's
        # object no option before its verb
        ("go -json test ./...", "high"),
        ("go -C sub build ./...", "high"),
        ("docker image --privileged=true", "high"),
        ("docker image ls -a", "read_only"),
        # a word that is no subcommand is the first operand of an entry that has operands
        ("dotnet sln /tmp/x/App.sln add a.csproj", "high"),
        ("dotnet sln list", "read_only"),
        ("dotnet new ../x", "high"),
        ("dotnet new console -o src/App", "workspace"),
    ],
)
def test_fields_of_the_moved_entries(command: str, expected: str) -> None:
    assert tier(command) == expected, command


@pytest.mark.parametrize(
    "command",
    [
        # options after the subcommand that the handlers read only before it
        "cargo build --config 'build.rustc-wrapper=\"/tmp/w\"'",
        "cargo test --config target.x.runner=sh",
        # bundler loads the Gemfile it is given, which is Ruby code
        "bundle exec --gemfile=/tmp/Gemfile rake",
    ],
)
def test_holes_of_the_replaced_handlers_are_closed(command: str) -> None:
    assert Tier(tier(command)).rank >= Tier.HIGH.rank, command


def test_a_check_an_entry_names_must_exist() -> None:
    rule = Program(Tier.WORKSPACE, "none", "builds", checks=("no_such_check",))
    with pytest.raises(ValueError, match="unknown check 'no_such_check'"):
        checks._validate_checks("mvn", rule, set())
    checks._validate_checks("mvn", PROGRAMS["mvn"], set())  # maven_exec exists
    checks._validate_checks("kubectl", PROGRAMS["kubectl"], set())


def test_maven_exec_is_judged_as_the_command_it_runs() -> None:
    r = classify_command(
        "mvn exec:exec -Dexec.executable=git '-Dexec.args=push origin main'", WS, HOME
    )
    assert "git push origin main" in r.commands


def test_moved_programs_are_data_and_keep_dangerous_examples() -> None:
    moved = (
        *("terraform", "tofu", "terragrunt", "pulumi", "docker", "podman", "nerdctl"),
        *("docker-compose", "podman-compose", "poetry", "pipenv", "pdm", "hatch", "composer"),
        *("bundle", "mix", "dotnet", "swift", "dart", "flutter", "mvn", "mvnw", "gradle"),
        *("gradlew", "sbt", "rake", "cargo", "go", "kubectl", "oc"),
    )
    for name in moved:
        assert name in PROGRAMS and name not in programs.HANDLERS, name
        dangerous = [c for c, t in PROGRAMS[name].examples if t in (Tier.HIGH, Tier.CRITICAL)]
        assert dangerous, f"{name} has no dangerous example"
