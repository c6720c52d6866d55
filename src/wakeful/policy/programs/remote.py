"""Reads that ask a remote service send their arguments off the machine: an argument only
known at run time may carry whatever the command line read, and a literal one that looks
like a credential gives the credential away (`Program.remote`, `remote_subcommands`)."""

from __future__ import annotations

import re

from wakeful.core.key_shapes import key_shape
from wakeful.policy.programs.options import _short
from wakeful.policy.shell import Analyzer
from wakeful.policy.shell_parse import Word
from wakeful.policy.types import Tier

# `${NAME:-word}`, `${NAME=word}`: bash gives the variable's value when the environment sets
# it; the parser, for a variable the line did not set, takes the word.
_DEFAULTED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?[-=]")
_KNOWN_NAMES = frozenset({"HOME", "PWD", "IFS"})


def _computed(word: Word, a: Analyzer) -> bool:
    """Whether the word's value is only known at run time, or may be (a default given to a
    variable the environment may set)."""
    if word.value is None:
        return not (word.fd or word.decoded)
    if "${" not in word.text or word.text.startswith("'"):
        return False
    return any(
        name not in a.assigned and name not in _KNOWN_NAMES
        for name in _DEFAULTED.findall(word.text)
    )


def sends_off(name: str, args: list[Word], a: Analyzer) -> None:
    """`high` for the first argument of a remote read (`name`) that is computed at run time
    (a command substitution, a variable the line did not set, or a default for one: the
    environment may set it) or that looks like a credential. A process substitution sends only its pipe's name, and a
    substitution that only transforms text the line spells out carries nothing local."""
    for word in args:
        value = word.value
        if (value is None or "${" in word.text) and _computed(word, a):
            a.add(
                Tier.HIGH,
                f"{name} sends a value computed at run time to a remote service (it may carry"
                f" local data: {_short(word.text)})",
            )
            return
        shape = key_shape(value) if value is not None and len(value) >= 16 else None
        if shape is not None:
            a.add(Tier.HIGH, f"{name} sends what looks like a credential ({shape}) off the machine")
            return


def credential_sent(name: str, args: list[Word], a: Analyzer) -> None:
    """`high` when a command that reaches the network is given a literal argument that looks
    like a credential."""
    for word in args:
        value = word.value
        shape = key_shape(value) if value is not None and len(value) >= 16 else None
        if shape is not None:
            a.add(Tier.HIGH, f"{name} sends what looks like a credential ({shape}) off the machine")
            return
