"""The type-checking tiers in pyproject.toml are what `make lint` promises: every flag of
`mypy --strict` on core/, memory/ and policy/ (the shell parser and the program tables
included), and no module skipped. Read through mypy's own config parser, so a flag that mypy
would not apply per module (or a misspelt one) fails here, not silently in CI."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from mypy.config_parser import parse_config_file
from mypy.options import Options

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
# What `mypy --strict` turns on (mypy --help), as Options attributes.
STRICT = {
    "disallow_any_generics": True,
    "disallow_subclassing_any": True,
    "disallow_untyped_calls": True,
    "disallow_untyped_defs": True,
    "disallow_incomplete_defs": True,
    "check_untyped_defs": True,
    "disallow_untyped_decorators": True,
    "warn_unused_ignores": True,
    "warn_return_any": True,
    "implicit_reexport": False,
    "strict_equality": True,
    "extra_checks": True,
}
SKIPPED: set[str] = set()


def options() -> Options:
    opts = Options()
    errors = io.StringIO()
    # The callback is what a global `strict = true` would do; the tiers never rely on it.
    parse_config_file(opts, lambda: None, str(PYPROJECT), errors, errors)
    assert errors.getvalue() == "", errors.getvalue()
    return opts


@pytest.mark.parametrize(
    "module",
    [
        "wakeful.core.events",
        "wakeful.memory.service",
        "wakeful.policy.decision",
        "wakeful.policy.programs",
        "wakeful.policy.program_rules",
        "wakeful.policy.program_examples",
        "wakeful.policy.cloud_clis",
        "wakeful.policy.shell",
        "wakeful.policy.shell_parse",
    ],
)
def test_core_memory_and_policy_are_strict(module: str) -> None:
    opts = options().clone_for_module(module)
    assert {k: getattr(opts, k) for k in STRICT} == STRICT
    assert not opts.ignore_errors


def test_the_rest_is_checked_but_not_strict() -> None:
    opts = options().clone_for_module("wakeful.cli.repl")
    assert opts.check_untyped_defs and not opts.ignore_errors
    # `strict = true` inside an override would have switched these on everywhere
    assert not opts.disallow_untyped_defs and not opts.warn_return_any


def test_no_module_is_skipped() -> None:
    opts = options()
    skipped = {
        pattern
        for pattern, section in opts.per_module_options.items()
        if section.get("ignore_errors")
    }
    assert skipped == SKIPPED
