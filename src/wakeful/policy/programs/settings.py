"""Values that name where code is loaded from or where output goes: lists of load paths
(`rspec -I lib:spec`), FORMAT:PATH outputs (`pylint --output-format=json:FILE`) and
KEY=VALUE settings (`pytest -o pythonpath=DIR`, `php -d auto_prepend_file=FILE`), judged
by what an entry's `settings` say each key's value is."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping

from wakeful.policy.programs.inline import _run_file
from wakeful.policy.programs.options import _short
from wakeful.policy.programs.tables import _INSTALLED_DIRS
from wakeful.policy.shell import Analyzer
from wakeful.policy.shell_parse import SimpleCommand, Word
from wakeful.policy.types import Tier

_LIST_SEPARATORS = re.compile(r"[:,\s]+")
_KEYS: dict[str, re.Pattern[str]] = {}  # each `settings` expression, compiled once


def loads_from(name: str, value: Word, cmd: SimpleCommand, a: Analyzer) -> None:
    """A list of places code (or configuration naming code) is loaded from (`rspec -I
    lib:spec`, `php -d include_path=.:/usr/share/php`): each must be the workspace's or an
    installed program directory's, as `/usr/bin/python3 app.py` runs an installed program."""
    if value.value is None:
        a.add(Tier.HIGH, f"{name} loads code from places only known at run time")
        return
    for part in _LIST_SEPARATORS.split(value.value):
        if not part or (part.rstrip("/") + "/").startswith(_INSTALLED_DIRS):
            continue
        if a.place(Word(part, value.text), cmd.cwd).zone != "workspace":
            a.add(Tier.HIGH, f"{name} loads code from {_short(part)}, outside the workspace")


def typed_outputs(value: Word, cmd: SimpleCommand, a: Analyzer) -> None:
    """`pylint --output-format=text,json:FILE`, `pytest --cov-report=html:DIR`: the path
    after each format is written."""
    if value.value is None:
        if ":" in value.text:
            a.write(Word(None, value.text), cmd.cwd)
        return
    for item in value.value.split(","):
        _, colon, path = item.partition(":")
        if colon and path:
            a.write(Word(path, value.text), cmd.cwd)


def _kind(settings: Mapping[str, str], key: str) -> str | None:
    for pattern, kind in settings.items():
        compiled = _KEYS.get(pattern)
        if compiled is None:
            compiled = _KEYS[pattern] = re.compile(pattern)
        if compiled.fullmatch(key):
            return kind
    return None


def judge_setting(
    name: str, settings: Mapping[str, str], value: Word, cmd: SimpleCommand, a: Analyzer
) -> None:
    """A KEY=VALUE setting (`pytest -o pythonpath=DIR`, `php -d auto_prepend_file=FILE`,
    `tox -x testenv.commands=CMD`), judged by what `settings` say the key's value is: a
    key they do not name sets nothing to judge."""
    key, eq, setting = (value.value if value.value is not None else value.text).partition("=")
    kind = _kind(settings, key.strip()) if eq else None
    if kind is None:
        return
    if value.value is None:
        a.add(Tier.HIGH, f"{name} sets {_short(key)} to a value only known at run time")
        return
    where = Word(setting, value.text)
    if kind == "write":
        a.write(where, cmd.cwd)
    elif kind == "script":
        if "://" in setting:
            a.add(Tier.HIGH, f"{name} {key} runs code fetched from {_short(setting)}")
        elif setting:
            _run_file(name, where, cmd, a)
    elif kind == "load":
        loads_from(name, where, cmd, a)
    elif kind == "command":
        a.run_script(setting, cmd.cwd, f"{name} {key}")
    else:  # "args": more options of the same program (`pytest -o addopts=...`)
        try:
            words = shlex.split(setting)
        except ValueError:
            a.add(Tier.HIGH, f"{name} {key} holds options that cannot be read")
            return
        a.run_argv([Word(name, name), *(Word(w, shlex.quote(w)) for w in words)], cmd)
