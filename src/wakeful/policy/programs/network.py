"""Network programs: ssh/mosh (the remote command) and scp (which operand is remote)."""

from __future__ import annotations

import re

from wakeful.policy.programs.options import _has, _short, _vals, split_opts
from wakeful.policy.shell import Analyzer
from wakeful.policy.shell_parse import SimpleCommand, Word
from wakeful.policy.types import Tier

_SSH_COMMAND_OPTION = re.compile(
    r"(?i)(ProxyCommand|LocalCommand|PermitLocalCommand|KnownHostsCommand)"
)


def h_ssh(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(
        args,
        (
            "-i",
            "-p",
            "-l",
            "-o",
            "-F",
            "-L",
            "-R",
            "-D",
            "-J",
            "-W",
            "-b",
            "-c",
            "-e",
            "-E",
            "-m",
            "-O",
            "-Q",
            "-S",
            "-w",
            "-B",
            "-I",
        ),
        stop_at_positional=True,
    )
    for key in _vals(opts, "-o"):
        if key.value and _SSH_COMMAND_OPTION.match(key.value):
            a.add(Tier.HIGH, f"ssh runs a local command ({key.value.split('=')[0]})")
    if _has(opts, "-G") and not _has(opts, "-F", "-o") and len(pos) <= 1:
        # `ssh -G HOST` prints the configuration it would use and connects to nothing
        a.add(Tier.READ_ONLY, "ssh -G prints the configuration for a host")
        return
    if _has(opts, "-R", "-D", "-L", "-w"):
        a.add(Tier.HIGH, "opens a network tunnel")
    if len(pos) > 1:
        remote = " ".join(w.value or w.text for w in pos[1:])
        a.add(Tier.HIGH, f"runs `{_short(remote)}` on the remote host {pos[0].value}")
        sub = Analyzer(a.workspace, "/nonexistent-remote-home", a.depth + 1)
        from wakeful.policy.shell import analyze

        analyze(remote, sub, cwd=None, depth=a.depth + 1)
        if sub.tier() == Tier.CRITICAL:
            a.add(Tier.CRITICAL, "the remote command is destructive or reads credentials")
        return
    a.add(Tier.HIGH, "opens a remote shell")


_REMOTE_OPERAND = re.compile(r"^[\w.@-]+:")


def h_scp(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(args, ("-i", "-P", "-o", "-F", "-c", "-l", "-S", "-J"))
    if len(pos) < 2:
        a.add(Tier.HIGH, f"{name} without a destination")
        return
    remote = [w for w in pos if w.value and _REMOTE_OPERAND.match(w.value)]
    sources, dest = pos[:-1], pos[-1]
    for src in sources:
        if src not in remote:
            a.read(src, cmd.cwd)
        else:
            a.add(Tier.NETWORK, f"downloads {src.value}")
    if dest in remote:
        a.add(Tier.HIGH, f"uploads files to {dest.value}")
        for src in sources:
            if src not in remote and a.place(src, cmd.cwd).zone == "secret":
                a.add(
                    Tier.CRITICAL,
                    f"sends credentials {src.value} to another machine (exfiltration)",
                )
    else:
        a.write(dest, cmd.cwd)


# lynx options that only shape a dump's text (`-width=80`, `-nolist`)
_LYNX_DUMP_SHAPE = frozenset(
    {
        *("-dump", "-stdin", "-nolist", "-listonly", "-nonumbers", "-notitle", "-nomargins"),
        *("-force_html", "-hiddenlinks", "-unique_urls", "-with_backspaces", "-justify"),
        *("-width", "-cols", "-display_charset", "-assume_charset", "-assume_local_charset"),
        *("-raw", "-underscore", "-nounderline", "-noreferer", "-noredir"),
    }
)


def h_lynx(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """`lynx -dump -stdin` and `lynx -dump FILE` render a local document as text: nothing
    is fetched (links are listed, not followed). Any other form browses: its start page or
    a URL, crawls, posts, runs editors and local scripts, loads configuration."""
    values = [w.value for w in args]
    opts = [v.split("=", 1)[0] for v in values if v is not None and v.startswith("-")]
    operands = [w for w in args if w.value is not None and not w.value.startswith("-")]
    if (
        None not in values
        and "-dump" in opts
        and all(o in _LYNX_DUMP_SHAPE for o in opts)
        and (("-stdin" in opts and not operands) or (len(operands) == 1 and "-stdin" not in opts))
    ):
        for w in operands:
            a.read(w, cmd.cwd)  # a URL here is fetched: judged so by the read
        a.add(Tier.READ_ONLY, f"{name} -dump renders a local document as text")
    else:
        a.add(Tier.NETWORK, f"{name} browses the web (its start page or a URL)")
