"""Reads that ask a remote service send their arguments off the machine: an argument only
known at run time may carry whatever the command line read, and a literal one that looks
like a credential gives the credential away (`Program.remote`, `remote_subcommands`)."""

from __future__ import annotations

from wakeful.core.key_shapes import key_shape
from wakeful.policy.programs.options import _short
from wakeful.policy.shell import Analyzer
from wakeful.policy.shell_parse import Word
from wakeful.policy.types import Tier


def sends_off(name: str, args: list[Word], a: Analyzer) -> None:
    """`high` for the first argument of a remote read (`name`) that is computed at run time
    (a command substitution, a variable the line did not set, arithmetic) or that looks
    like a credential. A process substitution sends only its pipe's name, and a
    substitution that only transforms text the line spells out carries nothing local."""
    for word in args:
        value = word.value
        if value is None:
            if word.fd or word.decoded:
                continue
            a.add(
                Tier.HIGH,
                f"{name} sends a value computed at run time to a remote service (it may carry"
                f" local data: {_short(word.text)})",
            )
            return
        shape = key_shape(value) if len(value) >= 16 else None
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
