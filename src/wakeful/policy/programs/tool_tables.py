"""Data only: language toolchains' knowledge (frameworks' built-in tasks, Python modules
run with -m, pip's options that take values, npm's known commands and the JavaScript
project tools). `toolchains.py` judges commands with them."""

from __future__ import annotations

import re

from wakeful.policy.program_rules import NPM_SCRIPT_COMMANDS, WORKSPACE_TOOLS

_DJANGO_WIPE = frozenset({"flush", "reset_db", "reset_schema", "drop_test_database"})
# Built-in tasks of the frameworks' consoles (the Rails command-line guide, Laravel's artisan
# docs, Symfony's console and DoctrineBundle): the framework defines them, not the project,
# and they drop or undo what the configured database holds (which may not be a local one),
# reveal or replace the application's secrets, or serve the application to the network.
# Full matches on the task name, each with what it does; a task not listed is project work.
_DB_LOSS = "deletes data in the configured database"
_SECRETS = "reveals or replaces the application's secrets"
_SERVES = "serves the application or opens a console on its database"
_FRAMEWORK_TASKS: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "rails": (
        (
            re.compile(
                r"db:(drop|reset|purge|schema:load|structure:load|test:purge|seed:replant|"
                r"truncate_all|rollback|fixtures:load|migrate:(reset|redo|down))(:\w+)?"
            ),
            _DB_LOSS,
        ),
        (re.compile(r"(credentials|encrypted|secrets):\w+"), _SECRETS),
        (re.compile(r"s|server|c|console|db|dbconsole"), _SERVES),
    ),
    "artisan": (
        (re.compile(r"db:wipe|migrate:(fresh|reset|refresh|rollback)"), _DB_LOSS),
        (re.compile(r"queue:(flush|clear|forget|prune-failed)"), "deletes queued or failed jobs"),
        (re.compile(r"env:(decrypt|encrypt)|config:show"), _SECRETS),
        (re.compile(r"serve|db|reverb:start|octane:start"), _SERVES),
    ),
    "console": (
        (
            re.compile(
                r"doctrine:(database|schema|mongodb:schema):drop|doctrine:fixtures:load|"
                r"doctrine:schema:update|dbal:run-sql|doctrine:query:(sql|dql)|"
                r"doctrine:migrations:execute"
            ),
            _DB_LOSS,
        ),
        (re.compile(r"secrets:(reveal|decrypt-to-local|set|remove|generate-keys)"), _SECRETS),
        (re.compile(r"debug:dotenv"), _SECRETS),
        (re.compile(r"server:(run|start)"), _SERVES),
    ),
}
# Laravel's `--env` and Rails' environments that are not a developer's own
_LOCAL_ENVS = frozenset({"local", "dev", "development", "test", "testing"})


_PY_MODULES_WORKSPACE = frozenset(
    {
        "pytest",
        "unittest",
        "black",
        "isort",
        "mypy",
        "ruff",
        "flake8",
        "pylint",
        "build",
        "compileall",
        "py_compile",
        "coverage",
        "tox",
        "nox",
        "doctest",
        "timeit",
        "cProfile",
        "profile",
        "venv",
        "virtualenv",
        "pyflakes",
        "pycodestyle",
        "autopep8",
        "yapf",
        "sphinx",
        "mkdocs",
        "pdb",
        "trace",
        "pyright",
        "bandit",
        "nose",
        "hypothesis",
        "setuptools",
        "wheel",
        "maturin",
        "cython",
        "alembic",
        "django",
        "flask",
        "uvicorn-check",
        "zipapp",
        "tabnanny",
        "pydoc_data",
    }
)
_PY_MODULES_READ = frozenset(
    {
        "json.tool",
        "pydoc",
        "site",
        "sysconfig",
        "platform",
        "this",
        "tokenize",
        "dis",
        "pickletools",
        "calendar",
        "tabnanny",
        "pip_audit-check",
        "ensurepip-version",
        "inspect",
        "ast",
        "base64",  # encodes or decodes the file named (or standard input) to standard output
        "quopri",
    }
)


# pip's options that take a value, general and install options alike (read by h_pip, before
# the command and after it)
_PIP_VALUE_OPTS = (
    *("-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url"),
    *("-f", "--find-links", "--target", "-t", "--prefix", "--root", "-e", "--editable"),
    *("--python", "--trusted-host", "--platform", "--only-binary", "--no-binary"),
    *("--progress-bar", "--proxy", "--format", "--cache-dir", "--log", "--timeout"),
)


_NPM_SECRET_KEY = re.compile(r"(?i)(_auth|authtoken|password|token)")


_NPM_LISTINGS = frozenset({"ls", "list", "ll", "la", "root", "bin", "prefix", "outdated", "view"})


# npm options (and their npm_config_* variables) naming a program npm runs: the browser
# of `npm docs/repo/bugs/home`, the viewer of `npm help`, the editor of `npm edit`, the
# shell of `npm explore`.
_NPM_PROGRAM_OPTS = frozenset({"--browser", "--viewer", "--editor", "--shell"})


# JavaScript tools a project installs as dev dependencies and runs through npx, `npm exec`,
# `pnpm exec`, `yarn TOOL`: run from the project's node_modules, and judged by their own
# entry (`eslint --rulesdir /tmp/x`, `jest --config /tmp/c.js` run code from elsewhere).
_NODE_TOOLS = frozenset(
    WORKSPACE_TOOLS
    + [
        "prettier",
        "eslint",
        "tsc",
        "jest",
        "vitest",
        "mocha",
        "ts-node",
        "tsx",
        "playwright",
        "next",
        "nuxt",
        "astro",
        "svelte-kit",
        "vite",
        "drizzle-kit",
        "prisma",
        "knex",
        "sequelize-cli",
        "changeset",
        "cypress",
    ]
)


_NPM_RUNS_CODE = NPM_SCRIPT_COMMANDS | frozenset({"exec", "x", "install", "i", "ci", "publish"})
_NPM_KNOWN = frozenset(
    {
        "add",
        "remove",
        "rm",
        "up",
        "upgrade",
        "why",
        "info",
        "list",
        "ls",
        "outdated",
        "audit",
        "init",
        "create",
        "config",
        "cache",
        "dlx",
        "global",
        "link",
        "unlink",
        "login",
        "logout",
        "whoami",
        "version",
        "view",
        "help",
        "bin",
        "root",
        "prefix",
        "store",
        "import",
        "licenses",
        "patch",
        "patch-commit",
        "set",
        "get",
        "workspaces",
        "workspace",
        "node",
        "env",
        "doctor",
        "plugin",
        "dedupe",
        "prune",
        "search",
        "owner",
        "team",
        "access",
        "token",
        "profile",
        "explain",
        "fund",
        "pkg",
        "query",
        "sbom",
        "shrinkwrap",
        "completion",
        "deprecate",
        "dist-tag",
        "hook",
        "org",
        "ping",
        "star",
        "stars",
        "unpublish",
        "unstar",
        "edit",
        "docs",
        "bugs",
        "repo",
        "diff",
        "find-dupes",
        "uninstall",
        "un",
        "r",
        "update",
        "upgrade-interactive",
    }
)
