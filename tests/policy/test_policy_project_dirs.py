"""A build or project tool pointed at a directory or file outside the workspace runs the code
there (a build file's commands, a package's tests, a script): `go run /tmp/x.go`, `go test
/tmp/x/...`, `ninja -C /tmp/x`, `cmake -S /tmp/x`, and a project manager's directory option
written after its subcommand (`swift run --package-path /tmp/x`, `composer run-script
--working-dir=/tmp/x test`)."""

from __future__ import annotations

import pytest

from wakeful.testing.classifier import auto_verdict, judge

JUDGE = judge()


@pytest.mark.parametrize(
    "cmd",
    [
        "go run /tmp/x.go",
        "go test /tmp/x/...",
        "go build ../other/cmd/tool",
        "go generate /tmp/x",
        "ninja -C /tmp/x",
        "cmake -S /tmp/x -B build",
        "swift run --package-path /tmp/x",
        "swift build --package-path=/tmp/x",
        "composer run-script --working-dir=/tmp/x test",
        "timeout 60 go test /tmp/x/...",
        "deno test /tmp/x.ts",
        "bun test /tmp",
        # a package built or installed from elsewhere runs its build or install scripts
        ".venv/bin/pip install --no-index /tmp/x",
        ".venv/bin/pip install --no-index --find-links wheels /tmp/x.tar.gz",
        ".venv/bin/pip install --no-index -e /tmp/x",
        "npm install --offline /tmp/x",
        "npm install --offline file:/tmp/x",
        "pnpm add --offline /tmp/x.tgz",
    ],
)
def test_code_outside_the_workspace_is_asked(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", (cmd, JUDGE(cmd))


@pytest.mark.parametrize(
    "cmd",
    [
        "go test ./...",
        "go run ./cmd/app",
        "go build -o bin/app ./cmd/app",
        "go vet github.com/acme/tool/...",
        "ninja -C build",
        "cmake -S . -B build",
        "swift build",
        "swift test --package-path .",
        "deno test --allow-read tests/",
        "bun test tests/unit",
        ".venv/bin/pip install --no-index -e .",
        ".venv/bin/pip install --no-index --find-links wheels ./pkgs/x.whl",
        "npm install --offline ./packages/x",
    ],
)
def test_the_projects_own_code_stays_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", (cmd, JUDGE(cmd))
