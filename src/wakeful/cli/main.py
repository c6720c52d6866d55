"""`wakeful` entry point: the REPL with no arguments, headless with -p, and the verbs.

Each area registers its verbs from its own module (`register(app)`); those modules import
only typer at load time and the library inside the command, so `wakeful --help` stays fast.
"""

from __future__ import annotations

import sys

import typer

from wakeful import __version__

app = typer.Typer(
    name="wakeful",
    help="An always-on, model-agnostic agent harness.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: importing rich for --help costs ~65 ms of cold start
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Modules that add verbs; each defines register(app).
_VERB_MODULES = (
    "wakeful.cli.agent_cmd",  # default command: REPL / -p headless, sessions, cost
    "wakeful.cli.policy_cmd",  # classify, rules, audit
    "wakeful.cli.memory_cmd",  # memory ..., dream
    "wakeful.cli.daemon_cmd",  # daemon ..., schedule ...
    "wakeful.cli.trust_cmd",  # trust
    "wakeful.cli.checkpoint_cmd",  # checkpoints, rewind
    "wakeful.cli.mcp_cmd",  # mcp list|add|remove|test
    "wakeful.cli.fleet_cmd",  # worker, fleet status|dev (opt-in: the fleet extra)
)


def _register_all() -> None:
    import importlib

    for name in _VERB_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(app)


def run() -> None:
    """Console-script entry: expected errors print one line, never a stack trace."""
    import logging

    from wakeful.core.errors import WakefulError

    # The MCP SDK logs failures it also raises (an OAuth flow a session refused, a dropped
    # stream) with stack traces; wakeful reports them as notices, so they stay off the
    # terminal (the daemon's log handler, on the root logger, still receives them).
    logging.getLogger("mcp").addHandler(logging.NullHandler())
    _register_all()
    try:
        # Non-standalone click returns typer.Exit codes instead of raising them.
        code = app(standalone_mode=False, prog_name="wakeful")
        if isinstance(code, int) and code:
            sys.exit(code)
    except WakefulError as exc:
        _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        _fail("aborted", 130)
    except typer.TyperException as exc:
        # Usage errors (unknown command or option, bad choice, missing argument). Typer
        # vendors click since 0.26, so its exceptions are typer's, not the `click` package's.
        _show_usage_error(exc)


def _show_usage_error(exc: typer.TyperException) -> None:
    show = getattr(exc, "show", None)
    if callable(show):
        show()
    else:
        sys.stderr.write(f"Error: {exc.format_message()}\n")
    code = getattr(exc, "exit_code", 2)
    sys.exit(code if isinstance(code, int) else 2)


def _fail(message: str, code: int) -> None:
    sys.stderr.write(f"wakeful: error: {message}\n")
    sys.exit(code)


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"wakeful {__version__}")
        raise typer.Exit()


if __name__ == "__main__":
    run()
